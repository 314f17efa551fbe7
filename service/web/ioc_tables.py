"""The dashboard's tables: performance by unit (and later officer, category, ward) and
what is overdue now."""

from typing import Any

from fastapi import Request
from sqlmodel import Session

from service.identity.models import User
from service.ioc import repository as ioc
from service.ioc import router as ioc_api
from service.ioc.policies import ioc_scope


def context(*, session: Session, user: User, request: Request) -> dict[str, Any]:
    scope = ioc_scope(user)
    return {
        "units": ioc_api.performance(scope=scope, session=session, group_by=ioc.GroupBy.unit, first=None, last=None),
        "overdue": ioc_api.overdue(scope=scope, session=session, limit=15, offset=0),
    }
