"""The map's markers shaped for an audience (``policies.MarkerPolicy``): the IOC's map now,
the public map later, from the one query in ``repository``."""

from datetime import datetime, timedelta

from sqlmodel import Session

from service.categories import repository as categories
from service.core.errors import NotFound
from service.core.timeutil import utcnow
from service.maps import repository
from service.maps.policies import MapView
from service.maps.repository import MarkerFilter
from service.maps.schemas import MapPeriod, MarkerBand, MarkerDetail, MarkerTables
from service.reports import repository as reports
from service.reports import views
from service.reports.models import OPEN_STATUSES, PhotoKind, PhotoStatus, Visibility
from service.reports.schemas import CategoryBrief
from service.workflow import queue

PERIOD_DAYS = {MapPeriod.day: 1, MapPeriod.week: 7, MapPeriod.month: 30, MapPeriod.quarter: 90}
STATUSES = sorted(s.value for s in OPEN_STATUSES)
BANDS = list(MarkerBand)


def since(*, period: MapPeriod | None, now: datetime) -> datetime | None:
    return None if period is None else now - timedelta(days=PERIOD_DAYS[period])


def markers(*, session: Session, view: MapView, where: MarkerFilter) -> bytes:
    """The ``MarkerSet`` as JSON: the lookup tables made here, the columns as PostgreSQL
    wrote them (``repository.MarkerColumns``), joined without reading them again."""
    now = utcnow()
    at = queue.bands(session=session, now=now)
    # Every category, inactive ones too: an open report may still carry a retired one.
    known = categories.list_categories(session, include_inactive=True)
    found = repository.markers(
        session,
        view.scope,
        where,
        private_reports=view.policy.private_reports,
        now=at.now,
        soon_until=at.soon_until,
        decimals=view.policy.decimals,
        bands=[b.value for b in BANDS],
        statuses=STATUSES,
        category_ids=[c.id for c in known if c.id is not None],
    )
    columns = {
        "lat": found.lat,
        "lon": found.lon,
        "band": found.band if view.policy.band else "null",
        "status": found.status,
        "category": found.category,
        "year": found.year,
        "number": found.number,
    }
    tables = MarkerTables(
        as_of=now,
        count=found.count,
        bands=BANDS,
        statuses=STATUSES,
        categories=[CategoryBrief.model_validate(c) for c in known],
        years=found.years,
    ).model_dump_json()
    return (tables[:-1] + "".join(f',"{name}":{column}' for name, column in columns.items()) + "}").encode()


def marker(*, session: Session, view: MapView, code: str) -> MarkerDetail:
    complaint_id = repository.marker(session, view.scope, code, private_reports=view.policy.private_reports)
    complaint = reports.get(session, complaint_id) if complaint_id is not None else None
    if complaint is None:
        # Out of scope reads as absent: a lead learns nothing of other units' codes.
        raise NotFound(field="code")
    category = categories.get(session, complaint.category_id)
    thumbnail = None
    if view.policy.thumbnail:
        photos = reports.photos_of(session, [complaint.id], kind=PhotoKind.report)
        ready = sorted((p for p in photos if p.status == PhotoStatus.ready), key=lambda p: p.position)
        if ready:
            private = complaint.visibility == Visibility.private
            thumbnail = views.photo_link(ready[0], "thumb", private=private, viewer=view.user)
    deadline = queue.band_of(complaint, queue.bands(session=session, now=utcnow()))
    band = MarkerBand(deadline) if deadline is not None else None
    if band is None and complaint.status in OPEN_STATUSES:
        band = MarkerBand.none
    return MarkerDetail(
        code=complaint.code,
        status=complaint.status,
        band=band if view.policy.band else None,
        category=CategoryBrief.model_validate(category),
        submitted_at=complaint.submitted_at,
        thumbnail=thumbnail,
        url=f"/web/reports/{complaint.id}",
    )
