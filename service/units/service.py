"""Units and the wards they cover: what the admin API and the console's admin pages both call."""

from sqlmodel import Session

from service import audit
from service.core.errors import Conflict, NotFound, PhanAnhError
from service.core.schemas import Page
from service.core.updates import apply_update
from service.units import repository
from service.units.models import Unit, UnitKind
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


def to_read(*, session: Session, units: list[Unit]) -> list[UnitRead]:
    areas = repository.areas_of(session, [u.id for u in units if u.id is not None])
    fields = [name for name in UnitRead.model_fields if name != "areas"]
    return [
        UnitRead.model_validate({**{f: getattr(unit, f) for f in fields}, "areas": areas.get(unit.id or 0, [])})
        for unit in units
    ]


def _one(session: Session, unit: Unit) -> UnitRead:
    return to_read(session=session, units=[unit])[0]


def search(
    *,
    session: Session,
    query: str | None,
    kind: UnitKind | None,
    area_code: str | None,
    offset: int,
    limit: int,
) -> Page[UnitRead]:
    units, total = repository.search(session, query=query, kind=kind, area_code=area_code, offset=offset, limit=limit)
    return Page[UnitRead](items=to_read(session=session, units=list(units)), total=total, offset=offset, limit=limit)


def get(*, session: Session, unit_id: int) -> Unit:
    unit = repository.get(session, unit_id)
    if unit is None:
        raise NotFound(field="unit_id")
    return unit


def read(*, session: Session, unit_id: int) -> UnitRead:
    return _one(session, get(session=session, unit_id=unit_id))


def create(*, session: Session, data: UnitCreate) -> UnitRead:
    if repository.code_taken(session, data.code):
        raise Conflict("Mã đơn vị đã tồn tại.", "Unit code already exists.", code="unit_code_taken", field="code")
    area_ids = _area_ids(session, data.area_codes)
    unit = Unit(**data.model_dump(exclude={"area_codes"}))
    session.add(unit)
    session.flush()
    assert unit.id is not None
    repository.set_areas(session, unit.id, area_ids)
    session.flush()
    audit.created(session=session, obj=unit, action="unit.created", extra={"area_codes": data.area_codes})
    return _one(session, unit)


def update(*, session: Session, unit_id: int, data: UnitUpdate) -> UnitRead:
    unit = get(session=session, unit_id=unit_id)
    changes = data.model_dump(exclude_unset=True)
    area_codes = changes.pop("area_codes", None)
    apply_update(unit, changes)
    audit.updated(
        session=session,
        obj=unit,
        action="unit.updated",
        extra=None if area_codes is None else {"area_codes": area_codes},
    )
    session.add(unit)
    if area_codes is not None:
        assert unit.id is not None
        repository.set_areas(session, unit.id, _area_ids(session, area_codes))
    session.flush()
    return _one(session, unit)


def delete(*, session: Session, unit_id: int) -> None:
    """Delete a unit nobody belongs to; one with staff is refused (deactivate it instead)."""
    unit = get(session=session, unit_id=unit_id)
    assert unit.id is not None
    if repository.member_count(session, unit.id):
        raise Conflict(
            "Đơn vị còn cán bộ; hãy chuyển họ sang đơn vị khác hoặc cho đơn vị ngừng hoạt động.",
            "The unit still has staff; move them to another unit or deactivate this one.",
            code="unit_in_use",
        )
    audit.deleted(session=session, obj=unit, action="unit.deleted")
    session.delete(unit)
    session.flush()
