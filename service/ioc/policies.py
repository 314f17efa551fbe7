"""Who may see the IOC's figures, and of what: decided here and nowhere else.

Dispatchers (the IOC's operators) and admins see the whole province; a unit's lead sees
their own unit (its officers, categories and wards); officers and citizens see none.
"""

from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends

from service.core.errors import PermissionDenied
from service.identity.models import Role
from service.identity.policies import CurrentUser


@dataclass(frozen=True)
class Scope:
    # None: the whole province.
    unit_id: int | None


def ioc_scope(user: CurrentUser) -> Scope:
    if user.role in (Role.dispatcher, Role.admin):
        return Scope(unit_id=None)
    if user.role == Role.unit_lead and user.unit_id is not None:
        return Scope(unit_id=user.unit_id)
    raise PermissionDenied()


IocScope = Annotated[Scope, Depends(ioc_scope)]
