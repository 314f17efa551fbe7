"""The life of a report: which action may move it from which state, and to which.

Pure data, no database: the one table every action endpoint checks before it changes
anything (see ``docs/DOMAIN.md``, "Life of a report").
"""

from dataclasses import dataclass
from enum import StrEnum

from service.reports.models import IN_HAND_STATUSES, OPEN_STATUSES, ComplaintStatus


class Action(StrEnum):
    # The officer holding the report.
    acknowledge = "acknowledge"  # seen and accepted: the acknowledgement clock stops
    start = "start"  # work on site has begun
    request_info = "request-info"  # ask the citizen; the resolution clock pauses
    resolve = "resolve"  # done, with the result and after-photos
    extend = "extend"  # ask the lead for more working days
    approve_extension = "approve-extension"  # the lead: grant (or refuse) the request
    # The citizen who sent it.
    answer = "answer"  # answer the officer's question; the clock runs again
    rate = "rate"  # 1–5 on a resolved report, which closes it
    reopen = "reopen"  # not fixed: back to the officer, within a window
    # Nobody: a resolved report nobody rated closes by itself.
    close = "close"
    # Moving it between people.
    route = "route"  # dispatcher: a report in the queue → a unit
    transfer = "transfer"  # to another unit, with a reason
    return_ = "return"  # "not our job": back to the dispatcher, with a reason
    reassign = "reassign"  # lead: to another officer of the same unit
    reject = "reject"  # dispatcher: spam or not actionable, with a reason the citizen reads
    mark_duplicate = "mark-duplicate"  # the same problem as an earlier report
    clear_flags = "clear-flags"  # dispatcher: the photo flags were looked at, the report goes on
    # Correcting what the report says (policies.py says who; sla/service.py what the clock does).
    change_category = "change-category"  # re-routed when the rules give the new category to another unit
    change_priority = "change-priority"  # the deadlines follow the new priority's policy
    edit_address = "edit-address"  # the address text only: no clock, no routing


@dataclass(frozen=True)
class Move:
    allowed_from: frozenset[ComplaintStatus]
    to: ComplaintStatus | None  # None: the state does not change


_WORKING = frozenset({ComplaintStatus.acknowledged, ComplaintStatus.in_progress})

MOVES: dict[Action, Move] = {
    Action.acknowledge: Move(
        frozenset({ComplaintStatus.assigned, ComplaintStatus.reopened}), ComplaintStatus.acknowledged
    ),
    Action.start: Move(frozenset({ComplaintStatus.acknowledged}), ComplaintStatus.in_progress),
    Action.request_info: Move(_WORKING, ComplaintStatus.awaiting_info),
    Action.resolve: Move(_WORKING, ComplaintStatus.resolved),
    Action.extend: Move(_WORKING | {ComplaintStatus.awaiting_info}, None),
    Action.approve_extension: Move(IN_HAND_STATUSES, None),
    Action.answer: Move(frozenset({ComplaintStatus.awaiting_info}), ComplaintStatus.in_progress),
    Action.rate: Move(frozenset({ComplaintStatus.resolved}), ComplaintStatus.closed),
    Action.reopen: Move(frozenset({ComplaintStatus.resolved, ComplaintStatus.closed}), ComplaintStatus.reopened),
    Action.close: Move(frozenset({ComplaintStatus.resolved}), ComplaintStatus.closed),
    Action.route: Move(frozenset({ComplaintStatus.submitted}), ComplaintStatus.assigned),
    Action.transfer: Move(IN_HAND_STATUSES, ComplaintStatus.assigned),
    Action.return_: Move(IN_HAND_STATUSES, ComplaintStatus.submitted),
    Action.reassign: Move(IN_HAND_STATUSES, ComplaintStatus.assigned),
    Action.reject: Move(OPEN_STATUSES, ComplaintStatus.rejected),
    Action.mark_duplicate: Move(OPEN_STATUSES, ComplaintStatus.duplicate),
    Action.clear_flags: Move(OPEN_STATUSES, None),
    # A re-routed report becomes ``assigned`` (service.change_category), as a transfer does.
    Action.change_category: Move(OPEN_STATUSES, None),
    Action.change_priority: Move(OPEN_STATUSES, None),
    Action.edit_address: Move(OPEN_STATUSES, None),
}


def can_move(action: Action, status: ComplaintStatus) -> bool:
    return status in MOVES[action].allowed_from


def target(action: Action, status: ComplaintStatus) -> ComplaintStatus:
    """The state after the action (the same one for actions that keep it)."""
    return MOVES[action].to or status
