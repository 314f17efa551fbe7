"""Admins change routing as data, through the API, without a deploy."""

from typing import Annotated

from fastapi import APIRouter, Query, status
from sqlmodel import Session, col, select

from service import audit
from service.areas.models import Area
from service.categories.models import Category, CategoryGroup
from service.core.database import SessionDep
from service.core.errors import NotAuthenticated, NotFound, PermissionDenied, PhanAnhError, responses
from service.core.schemas import IdPath
from service.core.updates import apply_update
from service.identity.policies import AdminUser
from service.routing.models import RoutingRule
from service.routing.schemas import RuleCreate, RuleRead, RuleUpdate
from service.units.models import Unit

router = APIRouter(
    prefix="/api/v1/admin/routing-rules", tags=["admin"], responses=responses(NotAuthenticated, PermissionDenied)
)


class InvalidRule(PhanAnhError):
    status_code = 422
    code = "invalid_rule"
    message = "Quy tắc điều phối không hợp lệ."
    message_en = "The routing rule is not valid."


def _read(session: Session, rule: RoutingRule) -> RuleRead:
    category = session.get(Category, rule.category_id) if rule.category_id else None
    area = session.get(Area, rule.area_id) if rule.area_id else None
    unit = session.get(Unit, rule.unit_id)
    assert unit is not None
    return RuleRead.model_validate(
        {
            **rule.model_dump(),
            "category_code": category.code if category else None,
            "area_code": area.code if area else None,
            "unit_code": unit.code,
        }
    )


def _unit(session: Session, unit_id: int) -> Unit:
    unit = session.get(Unit, unit_id)
    if unit is None:
        raise InvalidRule("Đơn vị không tồn tại.", "Unknown unit.", field="unit_id")
    return unit


def _get(session: Session, rule_id: int) -> RoutingRule:
    rule = session.get(RoutingRule, rule_id)
    if rule is None:
        raise NotFound(field="rule_id")
    return rule


@router.get("", response_model=list[RuleRead])
def list_rules(
    _: AdminUser,
    session: SessionDep,
    area_code: Annotated[str | None, Query(max_length=10, pattern=r"^[0-9A-Za-z]*$")] = None,
    unit_id: Annotated[int | None, Query(ge=1, le=2**31 - 1)] = None,
):
    """The rules, filtered by ward (its own rules, not the province-wide ones) or unit."""
    statement = select(RoutingRule)
    if area_code is not None:
        statement = statement.join(Area, col(Area.id) == RoutingRule.area_id).where(Area.code == area_code)
    if unit_id is not None:
        statement = statement.where(RoutingRule.unit_id == unit_id)
    return [_read(session, rule) for rule in session.exec(statement.order_by(col(RoutingRule.id))).all()]


@router.post("", status_code=status.HTTP_201_CREATED, response_model=RuleRead, responses=responses(InvalidRule))
def create_rule(body: RuleCreate, _: AdminUser, session: SessionDep):
    """Add a rule: reports of ``category_code`` (or ``group_code``, or any) in ``area_code``
    (or anywhere) go to ``unit_id``. The most specific rule wins (see the routing module)."""
    if body.category_code and body.group_code:
        raise InvalidRule(
            "Chỉ chọn một lĩnh vực hoặc một nhóm.", "Give a category or a group, not both.", field="group_code"
        )
    category_id = area_id = None
    if body.category_code:
        category = session.exec(select(Category).where(Category.code == body.category_code)).first()
        if category is None:
            raise InvalidRule("Lĩnh vực không tồn tại.", "Unknown category.", field="category_code")
        category_id = category.id
    if body.group_code and session.get(CategoryGroup, body.group_code) is None:
        raise InvalidRule("Nhóm lĩnh vực không tồn tại.", "Unknown category group.", field="group_code")
    if body.area_code:
        area = session.exec(select(Area).where(Area.code == body.area_code)).first()
        if area is None:
            raise InvalidRule("Phường, xã không tồn tại.", "Unknown ward.", field="area_code")
        area_id = area.id
    _unit(session, body.unit_id)
    rule = RoutingRule(
        category_id=category_id,
        group_code=body.group_code,
        area_id=area_id,
        unit_id=body.unit_id,
        order=body.order,
        is_active=body.is_active,
        note=body.note,
    )
    session.add(rule)
    session.flush()
    session.refresh(rule)
    audit.created(session, rule, action="routing_rule.created")
    return _read(session, rule)


@router.get("/{rule_id}", response_model=RuleRead, responses=responses(NotFound))
def read_rule(rule_id: IdPath, _: AdminUser, session: SessionDep):
    return _read(session, _get(session, rule_id))


@router.patch("/{rule_id}", response_model=RuleRead, responses=responses(NotFound, InvalidRule))
def update_rule(rule_id: IdPath, body: RuleUpdate, _: AdminUser, session: SessionDep):
    """Re-point, reorder, or switch a rule off (``is_active=false``) with immediate effect."""
    rule = _get(session, rule_id)
    changes = body.model_dump(exclude_unset=True)
    if changes.get("unit_id") is not None:
        _unit(session, changes["unit_id"])
    apply_update(rule, changes)
    audit.updated(session, rule, action="routing_rule.updated")
    session.add(rule)
    session.flush()
    session.refresh(rule)
    return _read(session, rule)


@router.delete("/{rule_id}", status_code=status.HTTP_204_NO_CONTENT, responses=responses(NotFound))
def delete_rule(rule_id: IdPath, _: AdminUser, session: SessionDep) -> None:
    """Remove a rule; reports it routed keep their unit and remember the rule was removed."""
    rule = _get(session, rule_id)
    audit.deleted(session, rule, action="routing_rule.deleted")
    session.delete(rule)
    session.flush()
