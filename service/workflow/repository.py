"""The queries of the handling actions and the dispatcher queue."""

import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, and_, delete, func, or_, update
from sqlalchemy.dialects.postgresql import insert
from sqlmodel import Session, col, select

from service.areas.models import Area
from service.areas.repository import WITHOUT_GEOMETRY
from service.categories.models import Category
from service.identity.models import User
from service.reports.models import (
    OPEN_STATUSES,
    Complaint,
    ComplaintFollower,
    ComplaintStatus,
    ExtensionRequest,
    ExtensionStatus,
)
from service.units.models import Unit
from service.workflow.models import SavedFilter
from service.workflow.schemas import DeadlineBand, QueueReason, QueueSort


def lock(session: Session, complaint_ids: Sequence[uuid.UUID]) -> dict[uuid.UUID, Complaint]:
    """Lock the reports' rows for the rest of the transaction, always in id order so two
    actions locking the same pair cannot deadlock. A second action on a report waits
    here, then sees the state the first one left."""
    rows = session.exec(
        select(Complaint)
        .where(col(Complaint.id).in_(complaint_ids))
        .order_by(col(Complaint.id))
        .with_for_update()
        .execution_options(populate_existing=True)
    ).all()
    return {row.id: row for row in rows}


def by_code(session: Session, code: str) -> Complaint | None:
    return session.exec(select(Complaint).where(Complaint.code == code)).first()


def follow(session: Session, *, complaint_id: uuid.UUID, user_ids: Sequence[int], via: uuid.UUID) -> None:
    if user_ids:
        session.execute(
            insert(ComplaintFollower)
            .values([{"complaint_id": complaint_id, "user_id": u, "via_complaint_id": via} for u in user_ids])
            .on_conflict_do_nothing()
        )


def followers_of(session: Session, complaint_id: uuid.UUID) -> list[int]:
    return list(session.exec(select(ComplaintFollower.user_id).where(ComplaintFollower.complaint_id == complaint_id)))


def repoint_duplicates(session: Session, *, old: uuid.UUID, new: uuid.UUID) -> None:
    session.execute(update(Complaint).where(col(Complaint.duplicate_of_id) == old).values(duplicate_of_id=new))


def _flagged():  # type: ignore[no-untyped-def]
    return and_(
        or_(col(Complaint.location_mismatch), col(Complaint.reused_photo)),
        col(Complaint.flags_reviewed_at).is_(None),
        col(Complaint.status).in_(OPEN_STATUSES),
    )


def dispatch_queue(
    session: Session, *, reason: QueueReason | None, offset: int, limit: int
) -> tuple[Sequence[Complaint], int]:
    """Waiting without an officer, or flagged and not yet looked at; longest waiting first."""
    waiting = col(Complaint.status) == ComplaintStatus.submitted
    if reason is None:
        condition = or_(waiting, _flagged())
    elif reason == QueueReason.flagged:
        condition = _flagged()
    else:
        condition = and_(waiting, col(Complaint.dispatch_reason) == reason.value)
    total = session.exec(select(func.count()).select_from(Complaint).where(condition)).one()
    items = session.exec(
        select(Complaint)
        .where(condition)
        .order_by(col(Complaint.submitted_at), col(Complaint.id))
        .offset(offset)
        .limit(limit)
    ).all()
    return items, total


def pending_extension(session: Session, complaint_id: uuid.UUID) -> ExtensionRequest | None:
    return session.exec(
        select(ExtensionRequest).where(
            ExtensionRequest.complaint_id == complaint_id, ExtensionRequest.status == ExtensionStatus.pending
        )
    ).first()


def lock_unrated(session: Session, *, resolved_before: datetime, limit: int) -> Sequence[Complaint]:
    """Resolved reports left unrated since before the cutoff, locked; rows another
    transaction holds (a citizen rating it right now) are skipped, not waited for."""
    return session.exec(
        select(Complaint)
        .where(Complaint.status == ComplaintStatus.resolved, col(Complaint.resolved_at) < resolved_before)
        .order_by(col(Complaint.resolved_at))
        .limit(limit)
        .with_for_update(skip_locked=True)
    ).all()


# ---------------------------------------------------------------- the queue as people work it


@dataclass(frozen=True)
class QueueQuery:
    """Which reports a view of the queue lists, as ``workflow.queue`` decided it (whose, in
    which states, found by what); here it only becomes SQL."""

    scope: tuple[str, int | None]
    statuses: Sequence[ComplaintStatus]
    category_id: int | None = None
    area_id: int | None = None
    priorities: Sequence[str] = ()
    officer_id: int | None = None
    # Words typed in the search box: each must start a word of the report's code, description
    # or address, marks or not ("o ga" finds "Ổ gà"); a number of up to six digits also finds
    # the report of that number ("123" finds PA-2026-000123). See ``phananh_queue_query``.
    words: Sequence[str] = ()
    # Searching by a phone: the citizens with that phone (None: no such search), matched only
    # on the reports of ``phone_province`` when that is set (the caller may know the
    # reporters of those alone), else on the whole scope.
    reporters: Sequence[int] | None = None
    phone_province: str | None = None
    province_areas: Sequence[int] = ()  # the wards of phone_province
    band: DeadlineBand | None = None


@dataclass(frozen=True)
class Bands:
    """The deadline bands at one moment: overdue before ``now``, soon before ``soon_until``."""

    now: datetime
    soon_until: datetime


@dataclass(frozen=True)
class QueueCount:
    all: int = 0
    counts: dict[DeadlineBand, int] = field(default_factory=dict)


def _words(words: Sequence[str]) -> ColumnElement[bool]:
    # The expression of ix_complaints_queue_search, written as the index has it.
    document = func.phananh_queue_document(col(Complaint.code), col(Complaint.description), col(Complaint.address))
    return document.op("@@")(func.phananh_queue_query(" ".join(words)))


def _band(band: DeadlineBand, bands: Bands) -> ColumnElement[bool]:
    due = col(Complaint.due_at)
    match band:
        case DeadlineBand.overdue:
            return due < bands.now
        case DeadlineBand.soon:
            return and_(due >= bands.now, due < bands.soon_until)
        case DeadlineBand.later:
            return due >= bands.soon_until
        case DeadlineBand.paused:
            return col(Complaint.status) == ComplaintStatus.awaiting_info
    raise ValueError(band)


def _where(query: QueueQuery, bands: Bands, *, with_band: bool = True) -> list[ColumnElement[bool]]:
    kind, owner = query.scope
    where: list[ColumnElement[bool]] = [col(Complaint.status).in_(query.statuses)]
    if kind == "officer":
        where.append(col(Complaint.current_officer_id) == owner)
    elif kind == "unit":
        where.append(col(Complaint.current_unit_id) == owner)
    if query.category_id is not None:
        where.append(col(Complaint.category_id) == query.category_id)
    if query.area_id is not None:
        where.append(col(Complaint.area_id) == query.area_id)
    if query.priorities:
        where.append(col(Complaint.priority).in_(query.priorities))
    if query.officer_id is not None:
        where.append(col(Complaint.current_officer_id) == query.officer_id)
    if query.words:
        where.append(_words(query.words))
    if query.reporters is not None:
        where.append(col(Complaint.citizen_id).in_(query.reporters))
        if query.phone_province is not None:
            where.append(col(Complaint.area_id).in_(query.province_areas))
    if with_band and query.band is not None:
        where.append(_band(query.band, bands))
    return where


def _priority_rank() -> ColumnElement[int]:
    # urgent 0, high 1, normal 2, low 3: the expression of ix_complaints_queue_priority.
    return func.phananh_priority_rank(col(Complaint.priority))


def work_queue(
    session: Session,
    query: QueueQuery,
    *,
    bands: Bands,
    sort: QueueSort = QueueSort.deadline,
    after: tuple[datetime | None, uuid.UUID] | None = None,
    offset: int = 0,
    limit: int,
) -> Sequence[Complaint]:
    """A page of the queue. By deadline (the nearest first, none last, then by id) it pages
    by keyset: ``after`` is the (due_at, id) of the previous page's last row, so a page costs
    the same however deep. By submission (newest first) or priority (most urgent first, then
    by deadline) it pages by ``offset``: those orders are asked for in the first pages."""
    statement = work_queue_statement(query, bands=bands, sort=sort, after=after, offset=offset, limit=limit)
    return session.exec(statement).all()


def work_queue_statement(
    query: QueueQuery,
    *,
    bands: Bands,
    sort: QueueSort = QueueSort.deadline,
    after: tuple[datetime | None, uuid.UUID] | None = None,
    offset: int = 0,
    limit: int,
) -> Any:
    """The statement :func:`work_queue` runs (the benchmark times it bare too). The page's
    ids are found first, from the queue's indexes alone where the view allows (the order
    and every filter but words are carried there); only those rows are then read."""
    statement = select(Complaint.id).where(*_where(query, bands))
    due = col(Complaint.due_at)
    if sort == QueueSort.deadline:
        if after is not None:
            last_due, last_id = after
            if last_due is None:
                statement = statement.where(due.is_(None), col(Complaint.id) > last_id)
            else:
                statement = statement.where(
                    or_(due > last_due, and_(due == last_due, col(Complaint.id) > last_id), due.is_(None))
                )
        order: tuple[Any, ...] = (due.asc().nulls_last(), col(Complaint.id))
    elif sort == QueueSort.submitted:
        order = (col(Complaint.submitted_at).desc(), col(Complaint.id).desc())
    else:
        order = (_priority_rank(), due.asc().nulls_last(), col(Complaint.id))
    if sort != QueueSort.deadline and offset:
        statement = statement.offset(offset)
    page = statement.order_by(*order).limit(limit).subquery("page")
    return select(Complaint).join(page, col(Complaint.id) == page.c.id).order_by(*order)


def queue_counts(session: Session, query: QueueQuery, *, bands: Bands) -> QueueCount:
    """How many reports each tab of the view holds (its filters and words, any band), in
    one statement."""
    row = session.execute(queue_counts_statement(query, bands=bands)).one()
    return QueueCount(all=row[0], counts={band: row[i + 1] for i, band in enumerate(DeadlineBand)})


def queue_counts_statement(query: QueueQuery, *, bands: Bands) -> Any:
    figures = [func.count().filter(_band(band, bands)).label(band.value) for band in DeadlineBand]
    return select(func.count().label("all"), *figures).where(*_where(query, bands, with_band=False))


def prime(session: Session, complaints: Sequence[Complaint]) -> list[Any]:
    """Load the categories, wards and units a page of reports names, three statements in
    all: building the page then finds each in the session instead of asking once per row
    (a dispatcher's page of 50 names some 40 wards and units). The session holds loaded rows
    only while something refers to them: keep what this returns until the page is built."""
    categories = {c.category_id for c in complaints}
    wards = {c.area_id for c in complaints}
    holders = {c.current_unit_id for c in complaints if c.current_unit_id}
    loaded: list[Any] = []
    if categories:
        loaded += session.exec(select(Category).where(col(Category.id).in_(categories))).all()
    if wards:
        loaded += session.exec(select(Area).where(col(Area.id).in_(wards)).options(WITHOUT_GEOMETRY)).all()
    if holders:
        loaded += session.exec(select(Unit).where(col(Unit.id).in_(holders))).all()
    return loaded


def area_ids_of_province(session: Session, province_code: str) -> list[int]:
    # A province's wards as a list of ids: the planner then reads the reporter's few
    # reports by citizen and checks their ward, rather than joining every ward's reports.
    return [i for i in session.exec(select(Area.id).where(Area.province_code == province_code)) if i is not None]


def citizens_with_phone(session: Session, phone: str) -> list[int]:
    return [i for i in session.exec(select(User.id).where(User.phone == phone)) if i is not None]


def officer_names(session: Session, user_ids: Sequence[int]) -> dict[int, str]:
    if not user_ids:
        return {}
    rows = session.exec(select(User.id, User.full_name).where(col(User.id).in_(sorted(set(user_ids))))).all()
    return {user_id: name for user_id, name in rows if user_id is not None}


def codes_of(session: Session, complaint_ids: Sequence[uuid.UUID]) -> dict[uuid.UUID, tuple[str, ComplaintStatus]]:
    """The code and state of each report named (no lock: what a refusal is answered with)."""
    rows = session.exec(
        select(Complaint.id, Complaint.code, Complaint.status).where(col(Complaint.id).in_(complaint_ids))
    ).all()
    return {complaint_id: (code, ComplaintStatus(status)) for complaint_id, code, status in rows}


# ---------------------------------------------------------------- saved filters


def saved_filters(session: Session, user_id: int) -> Sequence[SavedFilter]:
    return session.exec(select(SavedFilter).where(SavedFilter.user_id == user_id).order_by(col(SavedFilter.name))).all()


def saved_filter(session: Session, *, user_id: int, name: str) -> SavedFilter | None:
    return session.exec(select(SavedFilter).where(SavedFilter.user_id == user_id, SavedFilter.name == name)).first()


def delete_saved_filter(session: Session, *, user_id: int, filter_id: int) -> bool:
    """Only the owner's own filter goes; another's id deletes nothing."""
    result = session.execute(
        delete(SavedFilter).where(col(SavedFilter.id) == filter_id, col(SavedFilter.user_id) == user_id)
    )
    return bool(result.rowcount)  # type: ignore[attr-defined]
