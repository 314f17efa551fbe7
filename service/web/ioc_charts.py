"""The dashboard's charts: intake per day and processing time per week."""

from datetime import timedelta
from typing import Any

from fastapi import Request
from sqlmodel import Session

from service.core.timeutil import to_local, utcnow
from service.identity.models import User
from service.ioc import repository as ioc
from service.ioc import router as ioc_api
from service.ioc.policies import ioc_scope


def context(*, session: Session, user: User, request: Request) -> dict[str, Any]:
    scope = ioc_scope(user)
    today = to_local(utcnow()).date()
    trends = ioc_api.trends(
        scope=scope, session=session, bucket=ioc.Bucket.day, first=today - timedelta(days=29), last=today
    )
    # Processing time by week: a day's median swings with a handful of reports.
    weeks = ioc_api.trends(
        scope=scope, session=session, bucket=ioc.Bucket.week, first=today - timedelta(weeks=11), last=today
    )
    return {
        "trends": trends,
        "peak": max([p.intake for p in trends.points] + [1]),
        "weeks": weeks,
        "peak_hours": max([p.median_hours or 0 for p in weeks.points] + [1]),
    }
