"""Who may act on a report: decided here and nowhere else.

The role says which actions a user may take at all; the report says whether it is
theirs to act on. An officer works what they hold; a lead also moves what their unit
holds and decides extensions; a dispatcher moves and rejects anything; the citizen who
sent a report answers, rates and reopens it. Admins configure the service and do not
handle reports.

Correcting a report (its category, priority or address text):

- the category and the address: the officer holding it, its unit's lead, a dispatcher —
  whoever may transfer it, since a new category may send it to another unit;
- the priority: its unit's lead or a dispatcher, not the officer holding it. The priority
  sets the holder's own deadlines, and moving those is the lead's call (as an extension is).
"""

from service.identity.models import Role, User
from service.reports.models import Complaint
from service.workflow.machine import Action


def holds(user: User, complaint: Complaint) -> bool:
    return complaint.current_officer_id is not None and complaint.current_officer_id == user.id


def leads_unit_of(user: User, complaint: Complaint) -> bool:
    return user.role == Role.unit_lead and user.unit_id is not None and user.unit_id == complaint.current_unit_id


def sent(user: User, complaint: Complaint) -> bool:
    return user.role == Role.citizen and user.id == complaint.citizen_id


def may_act(user: User, action: Action, complaint: Complaint) -> bool:
    dispatcher = user.role == Role.dispatcher
    match action:
        case Action.acknowledge | Action.start | Action.request_info | Action.resolve | Action.extend:
            return holds(user, complaint)
        case Action.approve_extension:
            return leads_unit_of(user, complaint)
        case Action.answer | Action.rate | Action.reopen:
            return sent(user, complaint)
        case Action.close:
            return False  # only the system closes a report by itself
        case Action.route | Action.reject | Action.clear_flags:
            return dispatcher
        case Action.transfer | Action.mark_duplicate:
            return dispatcher or holds(user, complaint) or leads_unit_of(user, complaint)
        case Action.return_:
            return holds(user, complaint) or leads_unit_of(user, complaint)
        case Action.reassign:
            return leads_unit_of(user, complaint)
        case Action.change_category | Action.edit_address:
            return dispatcher or holds(user, complaint) or leads_unit_of(user, complaint)
        case Action.change_priority:
            return dispatcher or leads_unit_of(user, complaint)
    return False


def queue_scope(user: User, *, unit_wide: bool) -> tuple[str, int | None] | None:
    """Whose reports the caller's queue lists: ("officer", id), ("unit", id) or ("all",
    None); None when their role has no queue (citizens, admins). An officer sees what
    they hold; a lead what their unit holds (or only their own); a dispatcher all."""
    if user.role == Role.officer:
        return ("officer", user.id)
    if user.role == Role.unit_lead and user.unit_id is not None:
        return ("unit", user.unit_id) if unit_wide else ("officer", user.id)
    if user.role == Role.dispatcher:
        return ("all", None)
    return None
