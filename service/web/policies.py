"""Which console page each role may open: decided here and nowhere else.

Officers and leads work their queue; dispatchers their queue and the dispatcher queue;
officers, leads and dispatchers take reports for callers (the intake page);
the IOC dashboard is for dispatchers, admins and unit leads (their unit's figures); any
staff member may open a report (acting on it is the workflow's policy); the admin pages
(units, categories, routing rules, SLA policies, users) are the admin's alone. Citizens use
the mobile app: no console page is theirs.
"""

from enum import StrEnum

from service.identity.models import STAFF_ROLES, Role, User
from service.intake.policies import INTAKE_ROLES


class Page(StrEnum):
    queue = "queue"
    dispatch = "dispatch"
    intake = "intake"
    ioc = "ioc"
    report = "report"
    admin = "admin"


ALLOWED: dict[Page, frozenset[Role]] = {
    Page.queue: frozenset({Role.officer, Role.unit_lead, Role.dispatcher}),
    Page.dispatch: frozenset({Role.dispatcher}),
    # Taking a report for a caller: whoever answers the public (service/intake/policies.py).
    Page.intake: INTAKE_ROLES,
    Page.ioc: frozenset({Role.dispatcher, Role.admin, Role.unit_lead}),
    Page.report: STAFF_ROLES,
    Page.admin: frozenset({Role.admin}),
}

# Where each role lands after logging in.
HOME: dict[Role, Page] = {
    Role.officer: Page.queue,
    Role.unit_lead: Page.queue,
    Role.dispatcher: Page.dispatch,
    Role.admin: Page.ioc,
}


def may_open(user: User, page: Page) -> bool:
    return user.role in ALLOWED[page]


def pages_for(user: User) -> list[Page]:
    """The navigation: the pages the user may open, report pages aside."""
    return [page for page in (Page.queue, Page.dispatch, Page.intake, Page.ioc, Page.admin) if may_open(user, page)]
