"""Who may hear what live: decided here and nowhere else.

The live stream carries every report's changes; each connection passes on only those
its caller may see. Unit staff follow their own unit's work (a report that leaves the
unit is the last they hear of it); dispatchers and admins see the whole province; a
citizen hears of their own reports, and only of what the public timeline shows.
"""

from dataclasses import dataclass
from typing import Any

from service.identity.models import UNIT_ROLES, Role, User


@dataclass(frozen=True, slots=True)
class Viewer:
    """What the filter needs of the caller, copied out so no session stays open."""

    user_id: int
    role: Role
    unit_id: int | None
    unit_code: str | None

    @classmethod
    def of(cls, user: User) -> "Viewer":
        assert user.id is not None
        return cls(user.id, user.role, user.unit_id, user.unit.code if user.unit else None)


def may_see_live(viewer: Viewer, item: dict[str, Any]) -> bool:
    if viewer.role in (Role.dispatcher, Role.admin):
        return True
    if viewer.role in UNIT_ROLES:
        return (viewer.unit_id is not None and item.get("unit_id") == viewer.unit_id) or (
            viewer.unit_code is not None and item.get("from_unit") == viewer.unit_code
        )
    return item.get("citizen_id") == viewer.user_id and bool(item.get("public"))
