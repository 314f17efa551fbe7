"""The dashboard's map: ward outlines with their open and overdue counts, and hotspots."""

from datetime import timedelta
from typing import Any

from fastapi import Request
from sqlmodel import Session

from service.core.settings import get_settings
from service.core.timeutil import utcnow
from service.identity.models import User
from service.ioc import repository as ioc
from service.ioc import router as ioc_api
from service.ioc.policies import ioc_scope


def context(*, session: Session, user: User, request: Request) -> dict[str, Any]:
    scope = ioc_scope(user)
    return {
        "map_data": {
            "wards": ioc.wards(session, scope, province_code=ioc_api.PROVINCE_CODE, now=utcnow()),
            "hotspots": ioc.hotspots(
                session, scope, since=utcnow() - timedelta(days=90), eps_m=200, min_reports=3, category_code=None
            ),
            "tiles": get_settings().map_tile_url,
        }
    }
