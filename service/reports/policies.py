"""Who may see a report, and how much of it: decided here and nowhere else."""

from enum import StrEnum

from service.identity.models import STAFF_ROLES, User
from service.reports.models import Complaint, Visibility


class Audience(StrEnum):
    owner = "owner"  # the citizen who sent it: everything but internal flags and originals
    staff = "staff"  # officers, leads, dispatchers, admins: everything
    public = "public"  # anyone else, for public reports only: no personal data


def audience_for(user: User | None, complaint: Complaint, *, follows: bool = False) -> Audience | None:
    """None means the caller may not know the report exists (answer 404, not 403).

    ``follows``: the caller's own report was merged into this one as a duplicate. They
    may follow its progress even when it is private, but see it as the public does.
    """
    if user is not None and user.id == complaint.citizen_id:
        return Audience.owner
    if user is not None and user.role in STAFF_ROLES:
        return Audience.staff
    if complaint.visibility == Visibility.public or follows:
        return Audience.public
    return None
