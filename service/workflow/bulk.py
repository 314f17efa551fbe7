"""One action on several reports at once, from the queue: a lead reassigns several to one
officer of the unit; a dispatcher routes several to one unit, or rejects several with one
kind and reason.

Each report goes through the same service function a single action does (who may, from
which state, the timeline line, the notifications), in a savepoint of its own: a refusal
undoes that report's part and nothing else, and is answered for that report with the
refusal's code and words. The reports are taken in id order, as ``repository.lock`` takes
rows, so two bulk actions over the same reports wait for each other instead of deadlocking;
the answer lists them in the order asked.

A refused report leaves no after-commit work behind (``core/transaction_hooks`` does not
look at savepoints): the three actions check everything before they record their timeline
line, the only step that registers any.
"""

import uuid
from collections.abc import Callable
from datetime import datetime
from typing import Any

from sqlmodel import Session

from service.core.errors import PhanAnhError
from service.identity.models import User
from service.reports.models import Complaint
from service.workflow import repository, service
from service.workflow.schemas import (
    BulkAction,
    BulkItem,
    BulkOutcome,
    BulkReassignBody,
    BulkRejectBody,
    BulkResult,
    BulkRouteBody,
    ReassignBody,
    RejectBody,
    RouteBody,
)

BulkBody = BulkReassignBody | BulkRouteBody | BulkRejectBody

# The single action each bulk action repeats, and the single action's body.
SINGLE: dict[BulkAction, tuple[Callable[..., Complaint], type[Any]]] = {
    BulkAction.reassign: (service.reassign, ReassignBody),
    BulkAction.route: (service.route, RouteBody),
    BulkAction.reject: (service.reject, RejectBody),
}


def run(*, session: Session, user: User, action: BulkAction, body: BulkBody, now: datetime) -> BulkResult:
    act, single_body = SINGLE[action]
    each = single_body.model_validate(body.model_dump(exclude={"complaint_ids"}))
    asked = list(dict.fromkeys(body.complaint_ids))
    known = repository.codes_of(session, asked)
    outcome: dict[uuid.UUID, BulkItem] = {}
    for complaint_id in sorted(asked):
        try:
            with session.begin_nested():
                done = act(session=session, user=user, complaint_id=complaint_id, body=each, now=now)
        except PhanAnhError as refusal:
            code, status = known.get(complaint_id, (None, None))
            outcome[complaint_id] = BulkItem(
                complaint_id=complaint_id, code=code, outcome=BulkOutcome.refused, status=status, refusal=refusal.body()
            )
        else:
            outcome[complaint_id] = BulkItem(
                complaint_id=complaint_id, code=done.code, outcome=BulkOutcome.done, status=done.status
            )
    listed = [outcome[i] for i in asked]
    done_count = sum(1 for item in listed if item.outcome == BulkOutcome.done)
    return BulkResult(action=action, done=done_count, refused=len(listed) - done_count, items=listed)
