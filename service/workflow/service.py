"""The handling actions on a report. Each one locks the report, checks who may act
(``policies``) and from which state (``machine``), changes it and writes the line of the
timeline that says who did it, when and why — all in the caller's transaction."""

import unicodedata
import uuid
from datetime import datetime, timedelta
from typing import Any

from sqlmodel import Session

from service.areas import repository as areas
from service.categories import repository as categories
from service.categories.errors import UnknownCategory
from service.core.errors import NotFound
from service.core.schemas import has_visible_text
from service.core.settings import get_settings
from service.identity import repository as identity
from service.identity.models import Role, User
from service.media.storage import Storage
from service.media.uploads import Upload, check_photos, store_photos
from service.reports import repository as reports
from service.reports import timeline
from service.reports.errors import InvalidSubmission
from service.reports.models import (
    IN_HAND_STATUSES,
    OPEN_STATUSES,
    Complaint,
    ComplaintStatus,
    ExtensionRequest,
    ExtensionStatus,
    PhotoKind,
    flags_of,
)
from service.reports.policies import audience_for
from service.routing.service import DispatchReason, decide_for, hand_to_unit
from service.sla import service as sla
from service.units import repository as units
from service.units.models import Unit
from service.workflow import repository
from service.workflow.errors import (
    ExtensionPending,
    InvalidOfficer,
    InvalidTransition,
    NobodyInUnit,
    NoExtensionPending,
    NothingFlagged,
    NotYourReport,
    OriginalNotOpen,
    ReopenWindowPassed,
    SameUnit,
    UnknownOriginal,
    UnknownUnit,
)
from service.workflow.machine import Action, can_move, target
from service.workflow.policies import may_act
from service.workflow.schemas import (
    AnswerBody,
    ChangeCategoryBody,
    ChangePriorityBody,
    ClearFlagsBody,
    DuplicateBody,
    EditAddressBody,
    ExtendBody,
    ExtensionDecisionBody,
    NoteBody,
    QuestionBody,
    RatingBody,
    ReassignBody,
    RejectBody,
    ReopenBody,
    ReturnBody,
    RouteBody,
    TransferBody,
)

# What a duplicate may be merged into: still being handled, or fixed and not yet closed.
MERGEABLE_STATUSES = OPEN_STATUSES | {ComplaintStatus.resolved}


def _check(user: User, action: Action, complaint: Complaint | None) -> Complaint:
    """404 for a report the caller may not know of, 403 when it is not theirs to act on,
    409 (with the current state) when the action does not apply to its state."""
    if complaint is None or audience_for(user, complaint) is None:
        raise NotFound(field="complaint_id")
    if not may_act(user, action, complaint):
        raise NotYourReport(field="complaint_id")
    if not can_move(action, complaint.status):
        raise InvalidTransition(complaint.status)
    return complaint


def _begin(session: Session, user: User, action: Action, complaint_id: uuid.UUID) -> Complaint:
    return _check(user, action, repository.lock(session, [complaint_id]).get(complaint_id))


def _move(complaint: Complaint, action: Action) -> ComplaintStatus:
    """Set the state the action leads to; returns the state before."""
    before = complaint.status
    complaint.status = target(action, before)
    sla.refresh(complaint=complaint)
    return before


def _line(
    session: Session, user: User, complaint: Complaint, action: str, before: str, *, at: datetime, **details: Any
) -> None:
    """The timeline line of a move: who, from which state to the one the report is in now."""
    timeline.record(
        session, complaint, action, at=at, actor=user, from_status=before, to_status=complaint.status, **details
    )


def _transferred_line(
    session: Session,
    user: User,
    complaint: Complaint,
    before: str,
    *,
    at: datetime,
    reason: str | None,
    from_unit: int | None,
    from_officer: int | None,
    to_unit: Unit,
    officer: User,
    **data: Any,
) -> None:
    """The ``transferred`` line of a report moved to another unit: by a transfer, or by a
    new category the rules give to that unit (then ``data`` says so, and by which rule)."""
    left = units.get(session, from_unit) if from_unit else None
    _line(
        session,
        user,
        complaint,
        "transferred",
        before,
        at=at,
        internal_note=reason,
        data={
            "from_unit": left.code if left else None,
            "to_unit": to_unit.code,
            "from_officer_id": from_officer,
            "officer_id": officer.id,
            **data,
        },
    )


def _active_unit(session: Session, code: str) -> Unit:
    unit = units.get_by_code(session, code)
    if unit is None or not unit.is_active:
        raise UnknownUnit(field="unit_code")
    return unit


def _hand_to(session: Session, complaint: Complaint, unit: Unit, now: datetime) -> User:
    category = categories.get(session, complaint.category_id)
    assert category is not None
    officer = hand_to_unit(session=session, complaint=complaint, unit=unit, category=category, now=now)
    if officer is None:
        raise NobodyInUnit(field="unit_code")
    return officer


def route(*, session: Session, user: User, complaint_id: uuid.UUID, body: RouteBody, now: datetime) -> Complaint:
    complaint = _begin(session, user, Action.route, complaint_id)
    unit = _active_unit(session, body.unit_code)
    before, waited_for = complaint.status, complaint.dispatch_reason
    officer = _hand_to(session, complaint, unit, now)
    _line(
        session,
        user,
        complaint,
        "routed",
        before,
        at=now,
        internal_note=body.note,
        data={"unit": unit.code, "officer_id": officer.id, "was_waiting_for": waited_for},
    )
    return complaint


def transfer(*, session: Session, user: User, complaint_id: uuid.UUID, body: TransferBody, now: datetime) -> Complaint:
    complaint = _begin(session, user, Action.transfer, complaint_id)
    unit = _active_unit(session, body.unit_code)
    if unit.id == complaint.current_unit_id:
        raise SameUnit(field="unit_code")
    before, from_unit, from_officer = complaint.status, complaint.current_unit_id, complaint.current_officer_id
    officer = _hand_to(session, complaint, unit, now)
    _transferred_line(
        session,
        user,
        complaint,
        before,
        at=now,
        reason=body.reason,
        from_unit=from_unit,
        from_officer=from_officer,
        to_unit=unit,
        officer=officer,
    )
    return complaint


def return_to_dispatcher(
    *, session: Session, user: User, complaint_id: uuid.UUID, body: ReturnBody, now: datetime
) -> Complaint:
    complaint = _begin(session, user, Action.return_, complaint_id)
    from_unit, from_officer = complaint.current_unit_id, complaint.current_officer_id
    previous = units.get(session, from_unit) if from_unit else None
    before = _move(complaint, Action.return_)
    complaint.current_unit_id = None
    complaint.current_officer_id = None
    complaint.dispatch_reason = DispatchReason.returned
    session.add(complaint)
    _line(
        session,
        user,
        complaint,
        "returned",
        before,
        at=now,
        internal_note=body.reason,
        data={"from_unit": previous.code if previous else None, "from_officer_id": from_officer},
    )
    return complaint


def reassign(*, session: Session, user: User, complaint_id: uuid.UUID, body: ReassignBody, now: datetime) -> Complaint:
    complaint = _begin(session, user, Action.reassign, complaint_id)
    officer = identity.get_user(session, body.officer_id)
    if (
        officer is None
        or not officer.is_active
        or officer.role not in (Role.officer, Role.unit_lead)
        or officer.unit_id != complaint.current_unit_id
        or officer.id == complaint.current_officer_id
    ):
        raise InvalidOfficer(field="officer_id")
    from_officer = complaint.current_officer_id
    complaint.current_officer_id = officer.id
    before = _move(complaint, Action.reassign)
    # The new officer's own acknowledgement clock; the resolution clock runs on.
    sla.on_assigned(session=session, complaint=complaint, now=now)
    session.add(complaint)
    _line(
        session,
        user,
        complaint,
        "reassigned",
        before,
        at=now,
        internal_note=body.reason,
        data={"from_officer_id": from_officer, "officer_id": officer.id},
    )
    return complaint


def reject(*, session: Session, user: User, complaint_id: uuid.UUID, body: RejectBody, now: datetime) -> Complaint:
    complaint = _begin(session, user, Action.reject, complaint_id)
    before = _move(complaint, Action.reject)
    complaint.dispatch_reason = None
    complaint.closed_at = now
    session.add(complaint)
    _line(
        session,
        user,
        complaint,
        "rejected",
        before,
        at=now,
        note=body.reason,
        data={"kind": body.kind.value},
    )
    return complaint


def _root(session: Session, complaint: Complaint) -> Complaint:
    """The report a chain of duplicates ends at (merging into a duplicate means its original)."""
    seen = {complaint.id}
    while complaint.duplicate_of_id is not None and complaint.duplicate_of_id not in seen:
        seen.add(complaint.duplicate_of_id)
        parent = reports.get(session, complaint.duplicate_of_id)
        if parent is None:
            break
        complaint = parent
    return complaint


def mark_duplicate(
    *, session: Session, user: User, complaint_id: uuid.UUID, body: DuplicateBody, now: datetime
) -> Complaint:
    named = repository.by_code(session, body.original_code)
    if named is None:
        raise UnknownOriginal(field="original_code")
    original = _root(session, named)
    locked = repository.lock(session, [complaint_id, original.id])
    complaint = _check(user, Action.mark_duplicate, locked.get(complaint_id))
    original = locked[original.id]
    if original.id == complaint.id:
        raise UnknownOriginal(
            "Không thể đánh dấu phản ánh trùng với chính nó.",
            "A report cannot duplicate itself.",
            code="same_report",
            field="original_code",
        )
    if original.status not in MERGEABLE_STATUSES or original.duplicate_of_id is not None:
        raise OriginalNotOpen(field="original_code")
    before = _move(complaint, Action.mark_duplicate)
    complaint.duplicate_of_id = original.id
    complaint.dispatch_reason = None
    complaint.closed_at = now
    session.add(complaint)
    # The sender (and whoever already followed this one) now hears about the original;
    # duplicates of this report point at the original too.
    citizens = {complaint.citizen_id, *repository.followers_of(session, complaint.id)} - {original.citizen_id}
    repository.follow(session, complaint_id=original.id, user_ids=sorted(citizens), via=complaint.id)
    repository.repoint_duplicates(session, old=complaint.id, new=original.id)
    _line(
        session,
        user,
        complaint,
        "marked_duplicate",
        before,
        at=now,
        note=body.note,
        data={"original_id": str(original.id), "original_code": original.code},
    )
    timeline.record(
        session,
        original,
        "duplicate_merged",
        at=now,
        actor=user,
        public=False,
        data={"duplicate_id": str(complaint.id), "duplicate_code": complaint.code},
    )
    return complaint


def clear_flags(
    *, session: Session, user: User, complaint_id: uuid.UUID, body: ClearFlagsBody, now: datetime
) -> Complaint:
    complaint = _begin(session, user, Action.clear_flags, complaint_id)
    flags = flags_of(complaint)
    if not flags or complaint.flags_reviewed_at is not None:
        raise NothingFlagged(field="complaint_id")
    complaint.flags_reviewed_at = now
    session.add(complaint)
    timeline.record(
        session,
        complaint,
        "flags_reviewed",
        at=now,
        actor=user,
        public=False,
        internal_note=body.note,
        data={"flags": flags},
    )
    return complaint


# ---------------------------------------------------------------- correcting the report
#
# A correction to the value the report already has changes nothing and records nothing
# (a form sent twice is no error). Each line is public: the citizen sees that what their
# report says was corrected, and reads the new value on it; the reason, the old value and
# the deadlines before and after are staff's (``internal_note``, ``data``).


def _iso(moment: datetime | None) -> str | None:
    return moment.isoformat() if moment else None


def change_category(
    *, session: Session, user: User, complaint_id: uuid.UUID, body: ChangeCategoryBody, now: datetime
) -> Complaint:
    """The category is corrected and its SLA policy applies (``sla.reapply_policy``). A
    report in hand whose new category the routing rules give to another unit in its ward
    is re-routed there as a transfer would be (a ``transferred`` line, the unit's officer
    and a fresh acknowledgement clock); otherwise it stays with its officer. In the
    dispatcher queue it stays there: the dispatcher routes it."""
    complaint = _begin(session, user, Action.change_category, complaint_id)
    category = categories.get_by_code(session, body.category_code)
    if category is None or category.id is None or not category.is_active:
        raise UnknownCategory(field="category_code")
    if category.id == complaint.category_id:
        return complaint
    previous = categories.get(session, complaint.category_id)
    due_before = complaint.resolve_due_at
    complaint.category_id = category.id
    sla.reapply_policy(session=session, complaint=complaint)
    ruled, rule_id = None, None
    if complaint.status in IN_HAND_STATUSES and complaint.current_unit_id is not None:
        area = areas.get(session, complaint.area_id)
        assert area is not None
        ruled, rule_id, _ = decide_for(session=session, category=category, area=area)
    moves = ruled is not None and ruled.id != complaint.current_unit_id
    before, from_unit, from_officer = complaint.status, complaint.current_unit_id, complaint.current_officer_id
    officer = None
    if moves:
        assert ruled is not None
        officer = hand_to_unit(session=session, complaint=complaint, unit=ruled, category=category, now=now)
        if officer is None:
            raise NobodyInUnit(field="category_code")
        complaint.routed_by_rule_id = rule_id
    session.add(complaint)
    timeline.record(
        session,
        complaint,
        "category_changed",
        at=now,
        actor=user,
        internal_note=body.reason,
        data={
            "from": previous.code if previous else None,
            "to": category.code,
            "rerouted_to": ruled.code if moves and ruled else None,
            "due_before": _iso(due_before),
            "due_after": _iso(complaint.resolve_due_at),
        },
    )
    if moves and ruled is not None and officer is not None:
        _transferred_line(
            session,
            user,
            complaint,
            before,
            at=now,
            reason=body.reason,
            from_unit=from_unit,
            from_officer=from_officer,
            to_unit=ruled,
            officer=officer,
            because="category_changed",
            rule_id=rule_id,
        )
    return complaint


def change_priority(
    *, session: Session, user: User, complaint_id: uuid.UUID, body: ChangePriorityBody, now: datetime
) -> Complaint:
    """The priority is corrected and the running clocks follow its SLA policy, keeping
    the working time already spent (``sla.reapply_policy``)."""
    complaint = _begin(session, user, Action.change_priority, complaint_id)
    if body.priority == complaint.priority:
        return complaint
    previous, ack_before, resolve_before = complaint.priority, complaint.ack_due_at, complaint.resolve_due_at
    complaint.priority = body.priority
    sla.reapply_policy(session=session, complaint=complaint)
    session.add(complaint)
    timeline.record(
        session,
        complaint,
        "priority_changed",
        at=now,
        actor=user,
        internal_note=body.reason,
        data={
            "from": previous,
            "to": body.priority.value,
            "ack_due_before": _iso(ack_before),
            "ack_due_after": _iso(complaint.ack_due_at),
            "due_before": _iso(resolve_before),
            "due_after": _iso(complaint.resolve_due_at),
        },
    )
    return complaint


def edit_address(
    *, session: Session, user: User, complaint_id: uuid.UUID, body: EditAddressBody, now: datetime
) -> Complaint:
    """The address text is corrected: the pin, the ward, the routing and the clocks stay."""
    complaint = _begin(session, user, Action.edit_address, complaint_id)
    if body.address == complaint.address:
        return complaint
    previous = complaint.address
    complaint.address = body.address
    session.add(complaint)
    timeline.record(
        session,
        complaint,
        "address_edited",
        at=now,
        actor=user,
        internal_note=body.reason,
        data={"from": previous, "to": body.address},
    )
    return complaint


# ---------------------------------------------------------------- working the report


def acknowledge(*, session: Session, user: User, complaint_id: uuid.UUID, body: NoteBody, now: datetime) -> Complaint:
    complaint = _begin(session, user, Action.acknowledge, complaint_id)
    before = _move(complaint, Action.acknowledge)
    complaint.acknowledged_at = now
    session.add(complaint)
    _line(
        session,
        user,
        complaint,
        "acknowledged",
        before,
        at=now,
        internal_note=body.note,
        data={"on_time": complaint.ack_due_at is None or now <= complaint.ack_due_at},
    )
    return complaint


def start(*, session: Session, user: User, complaint_id: uuid.UUID, body: NoteBody, now: datetime) -> Complaint:
    complaint = _begin(session, user, Action.start, complaint_id)
    before = _move(complaint, Action.start)
    session.add(complaint)
    _line(
        session,
        user,
        complaint,
        "started",
        before,
        at=now,
        internal_note=body.note,
    )
    return complaint


def request_info(
    *, session: Session, user: User, complaint_id: uuid.UUID, body: QuestionBody, now: datetime
) -> Complaint:
    complaint = _begin(session, user, Action.request_info, complaint_id)
    before = _move(complaint, Action.request_info)
    sla.pause(complaint=complaint, now=now)
    session.add(complaint)
    _line(
        session,
        user,
        complaint,
        "info_requested",
        before,
        at=now,
        note=body.question,
    )
    return complaint


def answer(*, session: Session, user: User, complaint_id: uuid.UUID, body: AnswerBody, now: datetime) -> Complaint:
    complaint = _begin(session, user, Action.answer, complaint_id)
    before = _move(complaint, Action.answer)
    paused_since = complaint.paused_at
    sla.resume(session=session, complaint=complaint, now=now)
    session.add(complaint)
    _line(
        session,
        user,
        complaint,
        "info_provided",
        before,
        at=now,
        note=body.answer,
        data={"paused_since": paused_since.isoformat() if paused_since else None},
    )
    return complaint


def check_result(*, result: str | None) -> str:
    """What the officer says was done, as the citizen will read it: trimmed, NFC, and with
    something visible in it (spaces or zero-width characters alone tell the citizen nothing)."""
    text = unicodedata.normalize("NFC", result or "").strip()
    if len(text) < 3 or not has_visible_text(text):
        raise InvalidSubmission("Cần mô tả kết quả xử lý.", "Describe what was done.", field="result")
    return text


def resolve(
    *,
    session: Session,
    storage: Storage,
    user: User,
    complaint_id: uuid.UUID,
    result: str,
    uploads: list[Upload],
    now: datetime,
) -> Complaint:
    result = check_result(result=result)
    photos = check_photos(uploads)
    complaint = _begin(session, user, Action.resolve, complaint_id)
    before = _move(complaint, Action.resolve)
    complaint.result = result
    complaint.resolved_at = now
    complaint.resolve_working_minutes = sla.working_minutes(session=session, complaint=complaint, until=now)
    session.add(complaint)
    store_photos(session=session, storage=storage, complaint=complaint, photos=photos, kind=PhotoKind.result, now=now)
    _line(
        session,
        user,
        complaint,
        "resolved",
        before,
        at=now,
        note=result,
        data={
            "photos": len(photos),
            "on_time": complaint.resolve_due_at is None or now <= complaint.resolve_due_at,
        },
    )
    return complaint


def request_extension(
    *, session: Session, user: User, complaint_id: uuid.UUID, body: ExtendBody, now: datetime
) -> Complaint:
    complaint = _begin(session, user, Action.extend, complaint_id)
    if repository.pending_extension(session, complaint.id) is not None:
        raise ExtensionPending(field="complaint_id")
    assert user.id is not None  # a signed-in user is a stored row
    session.add(
        ExtensionRequest(
            complaint_id=complaint.id,
            requested_by=user.id,
            requested_at=now,
            working_days=body.working_days,
            reason=body.reason,
        )
    )
    timeline.record(
        session,
        complaint,
        "extension_requested",
        at=now,
        actor=user,
        public=False,
        internal_note=body.reason,
        data={"working_days": body.working_days},
    )
    return complaint


def decide_extension(
    *, session: Session, user: User, complaint_id: uuid.UUID, body: ExtensionDecisionBody, now: datetime
) -> Complaint:
    complaint = _begin(session, user, Action.approve_extension, complaint_id)
    request = repository.pending_extension(session, complaint.id)
    if request is None:
        raise NoExtensionPending(field="complaint_id")
    request.status = ExtensionStatus.approved if body.approve else ExtensionStatus.refused
    request.decided_by, request.decided_at, request.decision_note = user.id, now, body.note
    session.add(request)
    before_due = complaint.resolve_due_at
    if body.approve:
        sla.extend(session=session, complaint=complaint, working_days=request.working_days)
        session.add(complaint)
    timeline.record(
        session,
        complaint,
        "extension_approved" if body.approve else "extension_refused",
        at=now,
        actor=user,
        # The citizen sees that the deadline moved, not the internal back-and-forth.
        public=body.approve,
        internal_note=body.note,
        data={
            "working_days": request.working_days,
            "due_before": before_due.isoformat() if before_due else None,
            "due_after": complaint.resolve_due_at.isoformat() if complaint.resolve_due_at else None,
        },
    )
    return complaint


# ---------------------------------------------------------------- the citizen's verdict


def rate(*, session: Session, user: User, complaint_id: uuid.UUID, body: RatingBody, now: datetime) -> Complaint:
    complaint = _begin(session, user, Action.rate, complaint_id)
    before = _move(complaint, Action.rate)
    complaint.rating, complaint.rating_comment, complaint.closed_at = body.rating, body.comment, now
    session.add(complaint)
    _line(
        session,
        user,
        complaint,
        "rated",
        before,
        at=now,
        note=body.comment,
        data={"rating": body.rating},
    )
    return complaint


def reopen(*, session: Session, user: User, complaint_id: uuid.UUID, body: ReopenBody, now: datetime) -> Complaint:
    complaint = _begin(session, user, Action.reopen, complaint_id)
    window = timedelta(days=get_settings().reopen_window_days)
    if complaint.resolved_at is None or now > complaint.resolved_at + window:
        raise ReopenWindowPassed(field="complaint_id")
    before = _move(complaint, Action.reopen)
    complaint.closed_at = None
    complaint.reopened_count += 1
    # Back to the officer who resolved it, on fresh clocks.
    sla.on_assigned(session=session, complaint=complaint, now=now, restart=True)
    session.add(complaint)
    timeline.record(
        session,
        complaint,
        "reopened",
        at=now,
        actor=user,
        from_status=before,
        to_status=complaint.status,
        note=body.reason,
    )
    return complaint


def close_unrated(*, session: Session, now: datetime, limit: int = 500) -> int:
    """Close resolved reports nobody rated or reopened within the configured days.
    Run by beat; each batch is one transaction, and a report already closed, rated or
    reopened meanwhile is skipped (rows are locked and re-checked)."""
    cutoff = now - timedelta(days=get_settings().auto_close_days)
    closed = 0
    for complaint in repository.lock_unrated(session, resolved_before=cutoff, limit=limit):
        before = _move(complaint, Action.close)
        complaint.closed_at = now
        session.add(complaint)
        timeline.record(
            session, complaint, "closed", at=now, from_status=before, to_status=complaint.status, data={"auto": True}
        )
        closed += 1
    return closed
