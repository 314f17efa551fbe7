"""What a marker may carry, per audience: decided here and nowhere else.

The IOC's staff (dispatchers and admins for the province, a lead for their unit: the scope
is ``ioc.policies.ioc_scope``) see every open report in their scope with its code, state,
deadline band and a thumbnail. The public map of a later issue reuses the same query and
shaping with a policy of its own (public reports only, no deadline band, blurred places).
No policy lets a marker carry who reported it: the query never reads the reporter.
"""

from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends

from service.identity.models import User
from service.identity.policies import CurrentUser
from service.ioc.policies import Scope, ioc_scope


@dataclass(frozen=True)
class MarkerPolicy:
    private_reports: bool  # whether private reports are on the map at all
    band: bool  # where each stands against its deadline
    thumbnail: bool  # the popup's picture
    decimals: int  # of the coordinates: 5 is about a metre, 3 about a hundred


STAFF = MarkerPolicy(private_reports=True, band=True, thumbnail=True, decimals=5)


@dataclass(frozen=True)
class MapView:
    """Who looks at the map, over which reports, seeing what of each."""

    user: User
    scope: Scope
    policy: MarkerPolicy


def staff_map(user: CurrentUser) -> MapView:
    # Officers and citizens are refused here (403), by the IOC's own rule.
    return MapView(user=user, scope=ioc_scope(user), policy=STAFF)


StaffMap = Annotated[MapView, Depends(staff_map)]
