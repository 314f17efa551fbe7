"""Who may take a report for someone who phoned or came in: decided here and nowhere else.

Officers, unit leads and dispatchers answer the public — the hotline, the ward office's
desk — so each of them may file a report for a caller. Admins configure the service and
take no calls; citizens send their own reports from the app. Looking a report up by its
code (what a caller asks) is any staff member's, as opening a report is, and shows what
``service/reports/policies.py`` lets them see.
"""

from typing import Annotated

from fastapi import Depends

from service.core.errors import PermissionDenied
from service.identity.models import Role, User
from service.identity.policies import CurrentUser

INTAKE_ROLES = frozenset({Role.officer, Role.unit_lead, Role.dispatcher})


def may_take_reports(user: User) -> bool:
    return user.role in INTAKE_ROLES


def require_intake_staff(user: CurrentUser) -> User:
    if not may_take_reports(user):
        raise PermissionDenied()
    return user


IntakeStaff = Annotated[User, Depends(require_intake_staff)]
