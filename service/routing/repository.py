"""The only place that queries routing rules and officers' loads."""

from collections.abc import Sequence
from typing import Any, cast

from sqlalchemy import and_, exists, func, not_, or_
from sqlalchemy.orm import QueryableAttribute, lazyload
from sqlmodel import Session, col, select

from service.areas.models import Area
from service.categories.models import Category
from service.identity.models import Role, User
from service.reports.models import IN_HAND_STATUSES, Complaint
from service.routing.models import OfficerCategory, RoutingRule
from service.routing.rules import Rule


def candidate_rules(session: Session, *, category: Category, area: Area) -> list[Rule]:
    """Every active rule that could apply; routing/rules.py picks the winner."""
    rows = session.exec(
        select(RoutingRule, Category.code, Area.code)
        .join(Category, col(Category.id) == RoutingRule.category_id, isouter=True)
        .join(Area, col(Area.id) == RoutingRule.area_id, isouter=True)
        .where(
            col(RoutingRule.is_active).is_(True),
            or_(
                col(RoutingRule.category_id) == category.id,
                col(RoutingRule.group_code) == category.group_code,
                and_(col(RoutingRule.category_id).is_(None), col(RoutingRule.group_code).is_(None)),
            ),
            or_(col(RoutingRule.area_id) == area.id, col(RoutingRule.area_id).is_(None)),
        )
    ).all()
    return [
        Rule(
            id=rule.id,  # type: ignore[arg-type]
            unit_id=rule.unit_id,
            category_code=category_code,
            group_code=rule.group_code,
            area_code=area_code,
            order=rule.order,
            is_active=rule.is_active,
        )
        for rule, category_code, area_code in rows
    ]


def _officers_by_load(*, unit_id: int, category_id: int) -> Any:
    """Active, on-duty officers of the unit who handle the category, fewest open reports
    first; among equals, the one who was given a report longest ago (round robin)."""
    load = (
        select(func.count())
        .select_from(Complaint)
        .where(Complaint.current_officer_id == User.id, col(Complaint.status).in_(sorted(IN_HAND_STATUSES)))
        .scalar_subquery()
    )
    restricted = exists().where(col(OfficerCategory.user_id) == User.id)
    handles = exists().where(col(OfficerCategory.user_id) == User.id, col(OfficerCategory.category_id) == category_id)
    return (
        select(User)
        .where(
            User.unit_id == unit_id,
            User.role == Role.officer,
            col(User.is_active).is_(True),
            col(User.on_duty).is_(True),
            or_(not_(restricted), handles),
        )
        .order_by(load, col(User.last_assigned_at).asc().nulls_first(), col(User.id))
        .limit(1)
        # The unit is known already: no join to it (nor a lock on it) while choosing.
        .options(lazyload(cast(QueryableAttribute[Any], User.unit)))
    )


def least_loaded_officer(session: Session, *, unit_id: int, category_id: int) -> tuple[User | None, bool]:
    """The officer to give a new report to, and whether this transaction holds their row.

    Reports arriving together must neither wait for each other (a waiting request holds
    a server thread) nor all land on one officer: each locks the officer it takes (FOR
    UPDATE SKIP LOCKED), so the next passes over them to the next in line. Only when every
    candidate is being assigned at this moment does a report take the best one unlocked.
    """
    statement = _officers_by_load(unit_id=unit_id, category_id=category_id)
    officer = session.exec(statement.with_for_update(skip_locked=True, of=User)).first()
    if officer is not None:
        return officer, True
    return session.exec(statement).first(), False


def unit_lead(session: Session, unit_id: int) -> User | None:
    return session.exec(
        select(User)
        .where(User.unit_id == unit_id, User.role == Role.unit_lead, col(User.is_active).is_(True))
        .order_by(col(User.id))
        .limit(1)
        .options(lazyload(cast(QueryableAttribute[Any], User.unit)))
    ).first()


def get_rule(session: Session, rule_id: int) -> RoutingRule | None:
    return session.get(RoutingRule, rule_id)


def list_rules(session: Session, *, area_code: str | None, unit_id: int | None) -> Sequence[RoutingRule]:
    """Rules by id: a ward's own (not the province-wide ones), a unit's, or all."""
    statement = select(RoutingRule)
    if area_code is not None:
        statement = statement.join(Area, col(Area.id) == RoutingRule.area_id).where(Area.code == area_code)
    if unit_id is not None:
        statement = statement.where(RoutingRule.unit_id == unit_id)
    return session.exec(statement.order_by(col(RoutingRule.id))).all()
