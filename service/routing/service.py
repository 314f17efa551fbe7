"""Routing a new report to a unit and an officer, in the transaction that creates it."""

from datetime import datetime

from sqlmodel import Session

from service.areas.models import Area
from service.categories.models import Category
from service.identity.models import User
from service.reports import timeline
from service.reports.models import Complaint, ComplaintStatus
from service.routing import repository
from service.routing.rules import Facts, decide
from service.sla import service as sla
from service.units import repository as units
from service.units.models import Unit


class DispatchReason:
    no_rule = "no_rule"  # no rule covers this category in this ward
    unit_inactive = "unit_inactive"  # the rule points at a unit that was deactivated
    no_officer = "no_officer"  # the unit has nobody on duty for it, and no lead
    returned = "returned"  # the unit sent it back: not theirs to handle


def decide_for(*, session: Session, category: Category, area: Area) -> tuple[Unit | None, int | None, str | None]:
    rule = decide(
        repository.candidate_rules(session, category=category, area=area),
        Facts(category_code=category.code, group_code=category.group_code, area_code=area.code),
    )
    if rule is None:
        return None, None, DispatchReason.no_rule
    unit = units.get(session, rule.unit_id)
    if unit is None or not unit.is_active:
        return None, rule.id, DispatchReason.unit_inactive
    return unit, rule.id, None


def choose_officer(*, session: Session, unit: Unit, category: Category) -> tuple[User | None, bool]:
    """The officer (or lead) to hold the report, and whether their row is ours to update."""
    assert unit.id is not None and category.id is not None
    if not unit.routes_to_lead:
        officer, locked = repository.least_loaded_officer(session, unit_id=unit.id, category_id=category.id)
        if officer is not None:
            return officer, locked
    # The unit routes everything to its lead, or nobody on duty handles the category.
    return repository.unit_lead(session, unit.id), False


def hand_to_unit(
    *, session: Session, complaint: Complaint, unit: Unit, category: Category, now: datetime
) -> User | None:
    """Give the report to the unit's officer for its category (or its lead) and mark it
    assigned; None, changing nothing, when nobody in the unit can take it."""
    officer, locked = choose_officer(session=session, unit=unit, category=category)
    if officer is None:
        return None
    complaint.current_unit_id = unit.id
    complaint.current_officer_id = officer.id
    complaint.status = ComplaintStatus.assigned
    complaint.dispatch_reason = None
    sla.on_assigned(session=session, complaint=complaint, now=now)
    if locked:
        # Only on a row this transaction already holds: updating another would wait for it.
        officer.last_assigned_at = now
        session.add(officer)
    session.add(complaint)
    return officer


def route_new(*, session: Session, complaint: Complaint, category: Category, area: Area, now: datetime) -> None:
    """Give the report to the responsible unit and officer, or to the dispatcher queue
    when no rule applies or nobody in the unit can take it, recording which and why."""
    unit, rule_id, reason = decide_for(session=session, category=category, area=area)
    complaint.routed_by_rule_id = rule_id
    officer = (
        hand_to_unit(session=session, complaint=complaint, unit=unit, category=category, now=now) if unit else None
    )
    if officer is not None and unit is not None:
        timeline.record(
            session,
            complaint,
            "assigned",
            at=now,
            from_status=ComplaintStatus.submitted,
            to_status=ComplaintStatus.assigned,
            data={"unit": unit.code, "officer_id": officer.id, "rule_id": rule_id},
        )
        return
    # The unit a rule meant stays named, so the dispatcher sees whom it was for.
    complaint.current_unit_id = unit.id if unit else None
    complaint.dispatch_reason = reason if unit is None else DispatchReason.no_officer
    session.add(complaint)
    timeline.record(
        session,
        complaint,
        "sent_to_dispatcher",
        at=now,
        public=False,
        data={"reason": complaint.dispatch_reason, "unit": unit.code if unit else None, "rule_id": rule_id},
    )
