"""Units and the wards they cover."""

from sqlmodel import Session

from service import audit
from service.core.errors import Conflict, PhanAnhError
from service.core.updates import apply_update
from service.units import repository
from service.units.models import Unit
from service.units.schemas import UnitCreate, UnitRead, UnitUpdate


class UnknownArea(PhanAnhError):
    status_code = 422
    code = "unknown_area"
    message = "Mã phường, xã không tồn tại."
    message_en = "Unknown ward code."


def _area_ids(session: Session, codes: list[str]) -> list[int]:
    found = repository.area_ids_by_code(session, codes)
    missing = sorted(set(codes) - set(found))
    if missing:
        raise UnknownArea(
            f"Mã phường, xã không tồn tại: {', '.join(missing)}",
            f"Unknown ward codes: {', '.join(missing)}",
            field="area_codes",
        )
    return list(found.values())


def to_read(session: Session, units: list[Unit]) -> list[UnitRead]:
    areas = repository.areas_of(session, [u.id for u in units if u.id is not None])
    fields = [name for name in UnitRead.model_fields if name != "areas"]
    return [
        UnitRead.model_validate({**{f: getattr(unit, f) for f in fields}, "areas": areas.get(unit.id or 0, [])})
        for unit in units
    ]


def create(*, session: Session, data: UnitCreate) -> Unit:
    if repository.code_taken(session, data.code):
        raise Conflict("Mã đơn vị đã tồn tại.", "Unit code already exists.", code="unit_code_taken", field="code")
    area_ids = _area_ids(session, data.area_codes)
    unit = Unit(**data.model_dump(exclude={"area_codes"}))
    session.add(unit)
    session.flush()
    assert unit.id is not None
    repository.set_areas(session, unit.id, area_ids)
    session.flush()
    audit.created(session, unit, action="unit.created", extra={"area_codes": data.area_codes})
    return unit


def update(*, session: Session, unit: Unit, data: UnitUpdate) -> Unit:
    changes = data.model_dump(exclude_unset=True)
    area_codes = changes.pop("area_codes", None)
    apply_update(unit, changes)
    audit.updated(
        session, unit, action="unit.updated", extra=None if area_codes is None else {"area_codes": area_codes}
    )
    session.add(unit)
    if area_codes is not None:
        assert unit.id is not None
        repository.set_areas(session, unit.id, _area_ids(session, area_codes))
    session.flush()
    return unit


def delete(*, session: Session, unit: Unit) -> None:
    assert unit.id is not None
    if repository.member_count(session, unit.id):
        raise Conflict(
            "Đơn vị còn cán bộ; hãy chuyển họ đi hoặc ngừng hoạt động đơn vị (is_active=false).",
            "The unit still has staff; move them or deactivate the unit (is_active=false).",
            code="unit_in_use",
        )
    audit.deleted(session, unit, action="unit.deleted")
    session.delete(unit)
    session.flush()
