"""Which console page each role may open: decided here and nowhere else.

Officers and leads work their queue; dispatchers their queue and the dispatcher queue;
the IOC dashboard is for dispatchers, admins and unit leads (their unit's figures); any
staff member may open a report (acting on it is the workflow's policy). Citizens use
the mobile app: no console page is theirs.
"""

from enum import StrEnum

from service.accounts.models import STAFF_ROLES, Role, User


class Page(StrEnum):
    queue = "queue"
    dispatch = "dispatch"
    ioc = "ioc"
    report = "report"


ALLOWED: dict[Page, frozenset[Role]] = {
    Page.queue: frozenset({Role.officer, Role.unit_lead, Role.dispatcher}),
    Page.dispatch: frozenset({Role.dispatcher}),
    Page.ioc: frozenset({Role.dispatcher, Role.admin, Role.unit_lead}),
    Page.report: STAFF_ROLES,
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
    return [page for page in (Page.queue, Page.dispatch, Page.ioc) if may_open(user, page)]
