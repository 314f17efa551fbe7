"""Who may see a report, and how much of it: decided here and nowhere else.

Personal data (Decree 13/2023/NĐ-CP): staff see a reporter's details only where their
work needs them. The rule is :func:`audience_for`, a pure function of the caller, the
report and a few facts about them that ``views.audience`` gathers from the database.
"""

from enum import StrEnum

from service.core.settings import get_settings
from service.identity.models import STAFF_ROLES, UNIT_ROLES, Role, User
from service.reports.models import Complaint, Visibility


class Audience(StrEnum):
    owner = "owner"  # the citizen who sent it: everything but internal flags and originals
    staff = "staff"  # staff who need to know: everything, the reporter and originals included
    public = "public"  # anyone else: no personal data, no originals, the public timeline only


def province_of(user: User) -> str | None:
    """The province a staff member works for; None for citizens. Accounts have no
    province of their own yet: one deployment serves one province (``province_code``)."""
    return get_settings().province_code if user.role in STAFF_ROLES else None


def needs_to_know(
    user: User,
    complaint: Complaint,
    *,
    handled: bool,
    complaint_province: str | None,
    staff_province: str | None,
) -> bool:
    """Whether a staff member's work needs the reporter's details on this report:

    - an officer: a report of their unit, one they hold, or one they handled before;
    - a unit's lead: a report of their unit, or one they handled before;
    - a dispatcher or an admin: a report of their province (an unknown province on
      either side is no match).

    ``handled``: they held the report or acted on it at some point (it may since have
    gone to another unit).
    """
    if user.role in UNIT_ROLES:
        of_unit = user.unit_id is not None and complaint.current_unit_id == user.unit_id
        holds = user.id is not None and complaint.current_officer_id == user.id
        return of_unit or holds or handled
    if user.role in (Role.dispatcher, Role.admin):
        return complaint_province is not None and complaint_province == staff_province
    return False


def audience_for(
    user: User | None,
    complaint: Complaint,
    *,
    follows: bool = False,
    handled: bool = False,
    complaint_province: str | None = None,
    staff_province: str | None = None,
) -> Audience | None:
    """How much of the report the caller sees; None means they may not know it exists
    (answer 404, not 403). In order:

    1. the citizen who sent it: ``owner``;
    2. a staff member who needs to know (:func:`needs_to_know`): ``staff``;
    3. any other staff member: ``public``, whatever the report's visibility — staff may
       open any report, but see it as the public does;
    4. anyone else: ``public`` for a public report, or when ``follows`` (their own report
       was merged into this one as a duplicate: they follow it even when it is private);
       otherwise None.

    The facts default to "no": without them a staff member sees the public view.
    """
    if user is not None and user.id == complaint.citizen_id:
        return Audience.owner
    if user is not None and user.role in STAFF_ROLES:
        entitled = needs_to_know(
            user,
            complaint,
            handled=handled,
            complaint_province=complaint_province,
            staff_province=staff_province,
        )
        return Audience.staff if entitled else Audience.public
    if complaint.visibility == Visibility.public or follows:
        return Audience.public
    return None
