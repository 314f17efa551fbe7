"""The queries of the handling actions and the dispatcher queue."""

import uuid
from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import and_, func, or_, update
from sqlalchemy.dialects.postgresql import insert
from sqlmodel import Session, col, select

from service.reports.models import (
    OPEN_STATUSES,
    Complaint,
    ComplaintFollower,
    ComplaintStatus,
    ExtensionRequest,
    ExtensionStatus,
)
from service.workflow.schemas import QueueReason


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


def work_queue(
    session: Session,
    *,
    scope: tuple[str, int | None],
    statuses: Sequence[ComplaintStatus],
    category_id: int | None,
    area_id: int | None,
    overdue_at: datetime | None,
    after: tuple[datetime | None, uuid.UUID] | None,
    limit: int,
) -> Sequence[Complaint]:
    """A page of reports in hand, the nearest deadline first (none last), then by id.
    Keyset paging: ``after`` is the (due_at, id) of the last row of the previous page."""
    kind, owner = scope
    statement = select(Complaint).where(col(Complaint.status).in_(statuses))
    if kind == "officer":
        statement = statement.where(Complaint.current_officer_id == owner)
    elif kind == "unit":
        statement = statement.where(Complaint.current_unit_id == owner)
    if category_id is not None:
        statement = statement.where(Complaint.category_id == category_id)
    if area_id is not None:
        statement = statement.where(Complaint.area_id == area_id)
    if overdue_at is not None:
        statement = statement.where(col(Complaint.due_at) < overdue_at)
    if after is not None:
        due, last_id = after
        if due is None:
            statement = statement.where(col(Complaint.due_at).is_(None), col(Complaint.id) > last_id)
        else:
            statement = statement.where(
                or_(
                    col(Complaint.due_at) > due,
                    and_(col(Complaint.due_at) == due, col(Complaint.id) > last_id),
                    col(Complaint.due_at).is_(None),
                )
            )
    order = (col(Complaint.due_at).asc().nulls_last(), col(Complaint.id))
    return session.exec(statement.order_by(*order).limit(limit)).all()
