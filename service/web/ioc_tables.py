"""The dashboard's tables: performance per officer, unit, category or ward for the period and
filters in the URL (``ioc_filters``), what is overdue now; and the pages a row opens (its
reports, an officer's own page). Figures are the API's (``performance_table``), formatted
by the templates."""

from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from fastapi import Request
from sqlmodel import Session

from service.areas import repository as areas
from service.categories import repository as categories
from service.core.timeutil import to_local, utcnow
from service.identity import repository as identity
from service.identity.models import Role, User
from service.ioc import repository as ioc
from service.ioc import router as ioc_api
from service.ioc.policies import Scope, ioc_scope
from service.ioc.schemas import PerformanceRead, PerformanceRow
from service.units import repository as units
from service.web.ioc_filters import IocFilters, read_code, read_filters


class Group(StrEnum):
    officer = "officer"
    unit = "unit"
    category = "category"
    ward = "ward"


# The page says "ward" (phường, xã) where the API's vocabulary says "area".
GROUP_BY = {Group.officer: ioc.GroupBy.officer, Group.unit: ioc.GroupBy.unit,
            Group.category: ioc.GroupBy.category, Group.ward: ioc.GroupBy.area}  # fmt: skip
# The table's data-test name, one per group (the unit table kept its name).
TABLE_NAME = {Group.officer: "officers", Group.unit: "units", Group.category: "categories", Group.ward: "wards"}
OVERDUE_SHOWN = 15


def default_group(user: User) -> Group:
    # A lead reviews their officers; the province reviews its units first.
    return Group.officer if user.role == Role.unit_lead else Group.unit


def read_group(user: User, value: str | None) -> Group:
    try:
        return Group(value) if value else default_group(user)
    except ValueError:
        return default_group(user)


def filters_of(session: Session, request: Request) -> IocFilters:
    return read_filters(session=session, params=request.query_params, today=to_local(utcnow()).date())


def table_for(*, session: Session, scope: Scope, group: Group, filters: IocFilters) -> PerformanceRead:
    only = ioc_api.narrowing(session, unit=filters.unit, category=filters.category, ward=filters.ward)
    return ioc_api.performance_table(
        session=session, scope=scope, group_by=GROUP_BY[group], first=filters.first, last=filters.last, only=only
    )


def _choices(session: Session, user: User) -> dict[str, Any]:
    # A lead's figures are their unit's: a unit filter would offer nothing else.
    unit_choices = [] if user.role == Role.unit_lead else [(u.code, u.name) for u in units.active(session)]
    return {
        "unit_choices": unit_choices,
        "category_choices": [(c.code, c.name) for c in categories.list_categories(session, include_inactive=False)],
        "ward_choices": [(a.code, a.name) for a in areas.list_areas(session)],
    }


def tables(*, session: Session, user: User, request: Request) -> dict[str, Any]:
    """What ``_ioc_tables.html`` draws: the chosen group's table, its rows' links."""
    filters = filters_of(session, request)
    group = read_group(user, request.query_params.get("group"))
    table = table_for(session=session, scope=ioc_scope(user), group=group, filters=filters)
    ids = ioc.officer_ids(session, [r.code for r in table.rows]) if group == Group.officer else {}

    def link(row: PerformanceRow) -> str:
        if group == Group.officer and row.code in ids:
            return f"/web/ioc/officers/{ids[row.code]}?{filters.query()}"
        return f"/web/ioc/reports?{filters.query(group=group.value, code=row.code)}"

    return {
        "filters": filters,
        "group": group,
        "groups": list(Group),
        "table": table,
        "table_name": TABLE_NAME[group],
        "row_links": {row.code: link(row) for row in table.rows},
        "export_query": filters.api_query(group_by=GROUP_BY[group].value),
        "overdue": ioc_api.overdue(scope=ioc_scope(user), session=session, limit=OVERDUE_SHOWN, offset=0),
        **_choices(session, user),
    }


def context(*, session: Session, user: User, request: Request) -> dict[str, Any]:
    # One key: the panels' contexts are merged into one page, and must not collide.
    return {"tables": tables(session=session, user=user, request=request)}


@dataclass(frozen=True)
class GroupMember:
    key: int
    code: str
    name: str


def member(session: Session, group: Group, code: str | None) -> GroupMember | None:
    """The officer, unit, category or ward a row of the table names by its code."""
    if not code:
        return None
    found: Any
    if group == Group.officer:
        ids = ioc.officer_ids(session, [code])
        found = ids and identity.get_user(session, ids[code])
        return GroupMember(found.id, code, found.full_name or code) if found else None
    found = {
        Group.unit: units.get_by_code,
        Group.category: categories.get_by_code,
        Group.ward: areas.get_by_code,
    }[group](session, code)
    return GroupMember(found.id, code, found.name) if found else None


REPORTS_SHOWN = 500


def reports(*, session: Session, user: User, request: Request) -> dict[str, Any] | None:
    """A row's reports: those its "handled" counted, for the same period and filters. None
    when the row's group or code names nothing."""
    filters = filters_of(session, request)
    try:
        group = Group(request.query_params.get("group") or "")
    except ValueError:
        return None
    chosen = member(session, group, read_code(request.query_params.get("code")))
    if chosen is None:
        return None
    rows, total = ioc.handled_reports(
        session,
        ioc_scope(user),
        GROUP_BY[group],
        key=chosen.key,
        start=filters.start,
        end=filters.end,
        narrowing=ioc_api.narrowing(session, unit=filters.unit, category=filters.category, ward=filters.ward),
        limit=REPORTS_SHOWN,
    )
    return {"filters": filters, "group": group, "member": chosen, "reports": rows, "total": total}


def _row(table: PerformanceRead, code: str) -> PerformanceRow | None:
    return next((row for row in table.rows if row.code == code), None)


def officer(*, session: Session, user: User, request: Request, officer_id: int) -> dict[str, Any] | None:
    """An officer's figures beside their unit's, their reports in hand and recently handled.
    None when there is no such officer in the caller's view (a lead sees their own unit's)."""
    person = identity.get_user(session, officer_id)
    if person is None or person.role not in (Role.officer, Role.unit_lead) or person.unit_id is None:
        return None
    scope = ioc_scope(user)
    if scope.unit_id is not None and scope.unit_id != person.unit_id:
        return None
    unit = units.get(session, person.unit_id)
    if unit is None:
        return None
    filters = filters_of(session, request)
    # The officer's row and the unit's row of the same period, read unnarrowed by the unit
    # filter: the page is about this officer wherever the filter pointed.
    filters = IocFilters(filters.period, filters.first, filters.last, category=filters.category, ward=filters.ward)
    mine = _row(table_for(session=session, scope=scope, group=Group.officer, filters=filters), person.username)
    theirs = _row(table_for(session=session, scope=scope, group=Group.unit, filters=filters), unit.code)
    handled, total = ioc.handled_reports(
        session,
        scope,
        ioc.GroupBy.officer,
        key=officer_id,
        start=filters.start,
        end=filters.end,
        narrowing=ioc_api.narrowing(session, category=filters.category, ward=filters.ward),
        limit=20,
    )
    return {
        "filters": filters,
        "person": person,
        "unit": unit,
        "mine": mine,
        "theirs": theirs,
        "open_reports": ioc.open_reports_of(session, officer_id=officer_id, now=utcnow(), limit=100),
        "handled": handled,
        "handled_total": total,
        "all_handled": f"/web/ioc/reports?{filters.query(group='officer', code=person.username)}",
    }
