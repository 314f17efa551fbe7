"""The queue as people work it: a view of one's work (whose reports it lists is
``policies.queue_scope``), found by words or by the reporter's phone, filtered, sorted,
paged and counted per tab; the views people save; the rows of a view for its file.

The tabs are deadline bands, against the deadline running now (``Complaint.due_at``):

- **overdue**: it has passed;
- **soon**: it falls within the next 4 *working* hours (office hours on the Vietnamese
  calendar, ``sla/calendar.py``, as the deadline itself is counted): at 16:00 on a Friday a
  report due at 09:00 on Monday is soon, one and a half working hours away;
- **later**: anything further;
- **paused**: waiting for the citizen's answer, the clock stopped.

A report waiting for a dispatcher has no deadline yet and is in no band (only "all").

The route (``router.work_queue``) and the console (``web/router.py``) both call these.
"""

import re
import uuid
from datetime import datetime, timedelta

from sqlmodel import Session

from service.areas import repository as areas
from service.categories import repository as categories
from service.categories.errors import UnknownCategory
from service.core.errors import NotFound
from service.core.paging import InvalidCursor, decode_cursor, encode_cursor
from service.identity.models import UNIT_ROLES, Role, User
from service.identity.phone import normalise_phone
from service.reports import views
from service.reports.models import IN_HAND_STATUSES, Complaint, ComplaintStatus
from service.reports.policies import needs_to_know, province_of
from service.reports.schemas import HandlingUnit
from service.sla import service as sla
from service.units import repository as units
from service.workflow import repository
from service.workflow.errors import NoQueue
from service.workflow.models import SavedFilter
from service.workflow.policies import queue_scope
from service.workflow.repository import Bands, QueueQuery
from service.workflow.schemas import (
    DeadlineBand,
    QueueCounts,
    QueueFilters,
    QueueItem,
    QueuePage,
    QueueSort,
    SavedFilterCreate,
    SavedFilterRead,
)

SOON = timedelta(hours=4)  # of working time
MAX_WORDS = 8
# Paging by offset (the orders other than by deadline) stops here; a file holds as many.
MAX_OFFSET = EXPORT_LIMIT = 10_000


def bands(*, session: Session, now: datetime) -> Bands:
    return Bands(now=now, soon_until=sla.calendar(session=session).add(now, SOON))


def band_of(complaint: Complaint, at: Bands) -> DeadlineBand | None:
    if complaint.status == ComplaintStatus.awaiting_info:
        return DeadlineBand.paused
    if complaint.due_at is None:
        return None
    if complaint.due_at < at.now:
        return DeadlineBand.overdue
    return DeadlineBand.soon if complaint.due_at < at.soon_until else DeadlineBand.later


def words_of(q: str | None) -> list[str]:
    """The words typed, as the search matches them (each must start a word)."""
    return [word for word in (q or "").split() if re.search(r"\w", word)][:MAX_WORDS]


def phone_search(user: User, q: str | None) -> tuple[str, str | None] | None:
    """(phone, province) when ``q`` is a phone number the caller may search by, else None.

    Finding reports by their reporter's phone is reading personal data, so the phone
    matches only reports whose reporter the caller may know (``reports.policies.
    needs_to_know``). On a queue that holds for the whole of it for an officer (what they
    hold) and a lead (their unit's); a dispatcher's queue is the whole service, and they
    may know the reporters of their province: the phone matches there only (``province``).
    """
    phone = normalise_phone(q) if q else None
    if phone is None:
        return None
    if user.role in UNIT_ROLES:
        return phone, None
    province = province_of(user)
    if user.role == Role.dispatcher and province is not None:
        return phone, province
    return None


def resolve(session: Session, user: User, filters: QueueFilters) -> QueueQuery:
    """The caller's view as a query; refuses a role without a queue, an unknown category
    or ward."""
    scope = queue_scope(user, unit_wide=filters.unit)
    if scope is None:
        raise NoQueue()
    category_id = area_id = None
    if filters.category_code is not None:
        category = categories.get_by_code(session, filters.category_code)
        if category is None:
            raise UnknownCategory(field="category_code")
        category_id = category.id
    if filters.area_code is not None:
        area = areas.get_by_code(session, filters.area_code)
        if area is None:
            raise NotFound(field="area_code")
        area_id = area.id
    phone = phone_search(user, filters.q)
    # A phone number searches the reporter's phone, not the words (a report's own words hold
    # no phone number worth finding it by).
    reporters = repository.citizens_with_phone(session, phone[0]) if phone else None
    return QueueQuery(
        scope=scope,
        statuses=sorted(set(filters.status or IN_HAND_STATUSES)),
        category_id=category_id,
        area_id=area_id,
        priorities=sorted({p.value for p in filters.priority or ()}),
        officer_id=filters.officer_id,
        words=[] if phone else words_of(filters.q),
        reporters=reporters,
        phone_province=phone[1] if phone else None,
        province_areas=repository.area_ids_of_province(session, phone[1]) if phone and phone[1] else (),
        band=filters.band,
    )


# ---------------------------------------------------------------- paging


def _cursor(sort: QueueSort, last: Complaint, offset: int) -> str:
    if sort == QueueSort.deadline:
        return encode_cursor([last.due_at.isoformat() if last.due_at else None, str(last.id)])
    return encode_cursor([sort.value, offset])


def page_start(sort: QueueSort, cursor: str | None) -> tuple[tuple[datetime | None, uuid.UUID] | None, int]:
    """Where a page starts: after a (due_at, id) by deadline, else at an offset."""
    if cursor is None:
        return None, 0
    first, second = decode_cursor(cursor, 2)
    try:
        if sort == QueueSort.deadline:
            return ((datetime.fromisoformat(first) if first else None), uuid.UUID(second)), 0
        if first != sort.value or not isinstance(second, int) or not 0 < second <= MAX_OFFSET:
            raise ValueError(cursor)
        return None, second
    except (ValueError, TypeError) as exc:
        raise InvalidCursor(field="cursor") from exc


def items(session: Session, user: User, complaints: list[Complaint], at: Bands) -> list[QueueItem]:
    """The rows as the queue shows them: the summary, the unit, the band, the holder's name
    where the caller may know it (as they may know the reporter: ``needs_to_know``)."""
    primed = repository.prime(session, complaints)  # noqa: F841 - held while the rows are built
    unit_ids = {c.current_unit_id for c in complaints if c.current_unit_id}
    unit_by_id = {u.id: HandlingUnit.model_validate(u) for u in (units.get(session, i) for i in unit_ids) if u}
    names = repository.officer_names(session, [c.current_officer_id for c in complaints if c.current_officer_id])
    staff_province = province_of(user)

    def holder(complaint: Complaint) -> str | None:
        area = areas.get(session, complaint.area_id)
        knows = needs_to_know(
            user,
            complaint,
            handled=False,
            complaint_province=area.province_code if area else None,
            staff_province=staff_province,
        )
        return names.get(complaint.current_officer_id) if knows and complaint.current_officer_id else None

    return [
        QueueItem(
            **summary.model_dump(),
            priority=complaint.priority,
            due_at=complaint.due_at,
            overdue=complaint.due_at is not None and complaint.due_at < at.now,
            band=band_of(complaint, at),
            unit=unit_by_id.get(complaint.current_unit_id or 0),
            officer_id=complaint.current_officer_id,
            officer_name=holder(complaint),
            address=complaint.address,
        )
        for summary, complaint in zip(views.summaries(session, complaints, viewer=user), complaints, strict=True)
    ]


def page(
    *, session: Session, user: User, filters: QueueFilters, cursor: str | None, limit: int, now: datetime
) -> QueuePage:
    query = resolve(session, user, filters)
    at = bands(session=session, now=now)
    after, offset = page_start(filters.sort, cursor)
    rows = list(
        repository.work_queue(session, query, bands=at, sort=filters.sort, after=after, offset=offset, limit=limit + 1)
    )
    shown = rows[:limit]
    more = len(rows) > limit and offset + limit < MAX_OFFSET
    return QueuePage(
        items=items(session, user, shown, at),
        next_cursor=_cursor(filters.sort, shown[-1], offset + limit) if more else None,
    )


def counts(*, session: Session, user: User, filters: QueueFilters, now: datetime) -> QueueCounts:
    query = resolve(session, user, filters)
    figures = repository.queue_counts(session, query, bands=bands(session=session, now=now))
    return QueueCounts(all=figures.all, **{band.value: figures.counts.get(band, 0) for band in DeadlineBand})


def export(*, session: Session, user: User, filters: QueueFilters, now: datetime) -> list[QueueItem]:
    """Every row of the view, in its order, up to ``EXPORT_LIMIT``: what its file holds."""
    query = resolve(session, user, filters)
    at = bands(session=session, now=now)
    rows = list(repository.work_queue(session, query, bands=at, sort=filters.sort, limit=EXPORT_LIMIT))
    return items(session, user, rows, at)


# ---------------------------------------------------------------- saved filters


def _read(saved: SavedFilter) -> SavedFilterRead:
    assert saved.id is not None
    return SavedFilterRead(id=saved.id, name=saved.name, filters=QueueFilters.model_validate(saved.params))


def saved_filters(*, session: Session, user: User) -> list[SavedFilterRead]:
    assert user.id is not None
    return [_read(s) for s in repository.saved_filters(session, user.id)]


def save_filter(*, session: Session, user: User, body: SavedFilterCreate) -> SavedFilterRead:
    """Keep a view under a name; the same name again replaces what it kept."""
    assert user.id is not None
    resolve(session, user, body.filters)  # what cannot be shown is not kept
    params = body.filters.model_dump(mode="json", exclude_defaults=True)
    saved = repository.saved_filter(session, user_id=user.id, name=body.name)
    if saved is None:
        saved = SavedFilter(user_id=user.id, name=body.name, params=params)
    else:
        saved.params = params
    session.add(saved)
    session.flush()
    return _read(saved)


def forget_filter(*, session: Session, user: User, filter_id: int) -> None:
    assert user.id is not None
    if not repository.delete_saved_filter(session, user_id=user.id, filter_id=filter_id):
        raise NotFound(field="filter_id")
