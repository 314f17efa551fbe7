"""Admins change routing as data, through the API, without a deploy.

The keyword-only functions first: the routes below and the console's admin pages
(service/web/admin.py) both call them, so an edit is checked, refused and audited the
same way from either. The routes only parse, authorize and answer.
"""

from typing import Annotated

from fastapi import APIRouter, Query, status
from sqlmodel import Session

from service import audit
from service.areas import repository as areas
from service.categories import repository as categories
from service.core.database import SessionDep
from service.core.errors import NotAuthenticated, NotFound, PermissionDenied, PhanAnhError, responses
from service.core.schemas import IdPath
from service.core.updates import apply_update
from service.identity.policies import AdminUser
from service.routing import repository
from service.routing.models import RoutingRule
from service.routing.schemas import RuleCreate, RuleRead, RuleUpdate
from service.units import repository as units

router = APIRouter(
    prefix="/api/v1/admin/routing-rules", tags=["admin"], responses=responses(NotAuthenticated, PermissionDenied)
)


class InvalidRule(PhanAnhError):
    status_code = 422
    code = "invalid_rule"
    message = "Quy tắc điều phối không hợp lệ."
    message_en = "The routing rule is not valid."


def _read(session: Session, rule: RoutingRule) -> RuleRead:
    category = categories.get(session, rule.category_id) if rule.category_id else None
    area = areas.get(session, rule.area_id) if rule.area_id else None
    unit = units.get(session, rule.unit_id)
    assert unit is not None
    return RuleRead.model_validate(
        {
            **rule.model_dump(),
            "category_code": category.code if category else None,
            "area_code": area.code if area else None,
            "unit_code": unit.code,
        }
    )


def _check_unit(session: Session, unit_id: int) -> None:
    if units.get(session, unit_id) is None:
        raise InvalidRule("Đơn vị không tồn tại.", "Unknown unit.", field="unit_id")


def _rule(session: Session, rule_id: int) -> RoutingRule:
    rule = repository.get_rule(session, rule_id)
    if rule is None:
        raise NotFound(field="rule_id")
    return rule


def find_rules(*, session: Session, area_code: str | None, unit_id: int | None) -> list[RuleRead]:
    return [_read(session, rule) for rule in repository.list_rules(session, area_code=area_code, unit_id=unit_id)]


def get_rule(*, session: Session, rule_id: int) -> RuleRead:
    return _read(session, _rule(session, rule_id))


def add_rule(*, session: Session, data: RuleCreate) -> RuleRead:
    if data.category_code and data.group_code:
        raise InvalidRule(
            "Chỉ chọn một lĩnh vực hoặc một nhóm.", "Give a category or a group, not both.", field="group_code"
        )
    category_id = area_id = None
    if data.category_code:
        category = categories.get_by_code(session, data.category_code)
        if category is None:
            raise InvalidRule("Lĩnh vực không tồn tại.", "Unknown category.", field="category_code")
        category_id = category.id
    if data.group_code and categories.get_group(session, data.group_code) is None:
        raise InvalidRule("Nhóm lĩnh vực không tồn tại.", "Unknown category group.", field="group_code")
    if data.area_code:
        area = areas.get_by_code(session, data.area_code)
        if area is None:
            raise InvalidRule("Phường, xã không tồn tại.", "Unknown ward.", field="area_code")
        area_id = area.id
    _check_unit(session, data.unit_id)
    rule = RoutingRule(
        category_id=category_id,
        group_code=data.group_code,
        area_id=area_id,
        unit_id=data.unit_id,
        order=data.order,
        is_active=data.is_active,
        note=data.note,
    )
    session.add(rule)
    session.flush()
    session.refresh(rule)
    audit.created(session=session, obj=rule, action="routing_rule.created")
    return _read(session, rule)


def change_rule(*, session: Session, rule_id: int, data: RuleUpdate) -> RuleRead:
    rule = _rule(session, rule_id)
    changes = data.model_dump(exclude_unset=True)
    if changes.get("unit_id") is not None:
        _check_unit(session, changes["unit_id"])
    apply_update(rule, changes)
    audit.updated(session=session, obj=rule, action="routing_rule.updated")
    session.add(rule)
    session.flush()
    session.refresh(rule)
    return _read(session, rule)


def remove_rule(*, session: Session, rule_id: int) -> None:
    rule = _rule(session, rule_id)
    audit.deleted(session=session, obj=rule, action="routing_rule.deleted")
    session.delete(rule)
    session.flush()


# --- routes ----------------------------------------------------------------------------------


@router.get("", response_model=list[RuleRead])
def list_rules(
    _: AdminUser,
    session: SessionDep,
    area_code: Annotated[str | None, Query(max_length=10, pattern=r"^[0-9A-Za-z]*$")] = None,
    unit_id: Annotated[int | None, Query(ge=1, le=2**31 - 1)] = None,
):
    """The rules, filtered by ward (its own rules, not the province-wide ones) or unit."""
    return find_rules(session=session, area_code=area_code, unit_id=unit_id)


@router.post("", status_code=status.HTTP_201_CREATED, response_model=RuleRead, responses=responses(InvalidRule))
def create_rule(body: RuleCreate, _: AdminUser, session: SessionDep):
    """Add a rule: reports of ``category_code`` (or ``group_code``, or any) in ``area_code``
    (or anywhere) go to ``unit_id``. The most specific rule wins (see the routing module)."""
    return add_rule(session=session, data=body)


@router.get("/{rule_id}", response_model=RuleRead, responses=responses(NotFound))
def read_rule(rule_id: IdPath, _: AdminUser, session: SessionDep):
    return get_rule(session=session, rule_id=rule_id)


@router.patch("/{rule_id}", response_model=RuleRead, responses=responses(NotFound, InvalidRule))
def update_rule(rule_id: IdPath, body: RuleUpdate, _: AdminUser, session: SessionDep):
    """Re-point, reorder, or switch a rule off (``is_active=false``) with immediate effect."""
    return change_rule(session=session, rule_id=rule_id, data=body)


@router.delete("/{rule_id}", status_code=status.HTTP_204_NO_CONTENT, responses=responses(NotFound))
def delete_rule(rule_id: IdPath, _: AdminUser, session: SessionDep) -> None:
    """Remove a rule; reports it routed keep their unit and remember the rule was removed."""
    remove_rule(session=session, rule_id=rule_id)
