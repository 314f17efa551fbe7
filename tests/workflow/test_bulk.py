"""Bulk actions from the queue, ``POST /api/v1/queue/bulk/<action>``: each report through the
single action's service function in its own savepoint, a result per report."""

import uuid

import pytest
from sqlmodel import col, select

from service.identity.models import User
from tests.conftest import register_citizen
from tests.workflow.test_handling_dispatch import events, new_report, row, staff, to_queue, username
from tests.workflow.test_handling_workflow import set_status

LEAD = "lanhdao.bachquang"
DISPATCHER = "dieuphoi"


def bulk(client, headers, action: str, body: dict):
    return client.post(f"/api/v1/queue/bulk/{action}", headers=headers, json=body)


def officers_of_unit(db, unit_id: int) -> list[int]:
    return list(db.exec(select(User.id).where(User.unit_id == unit_id, User.role == "officer").order_by(col(User.id))))


def test_a_lead_reassigns_five_and_gets_a_result_for_each(client, db):
    citizen = register_citizen(client)
    reports = [new_report(client, citizen) for _ in range(5)]
    unit_id = row(db, reports[0]).current_unit_id
    *others, target = officers_of_unit(db, unit_id)
    # Routing spreads new reports over the unit's officers: all start with another officer but
    # one, which is already with the chosen officer and refused for that report alone.
    for report in reports:
        set_status(db, report, "assigned", current_officer_id=others[0])
    set_status(db, reports[2], "acknowledged", current_officer_id=target)
    other_unit = new_report(client, citizen, category="street_light")
    unknown = str(uuid.uuid4())
    asked = [r["id"] for r in reports] + [other_unit["id"], unknown]

    answer = bulk(
        client, staff(client, LEAD), "reassign", {"complaint_ids": asked, "officer_id": target, "reason": "Cân đối"}
    )

    assert answer.status_code == 200, answer.text
    result = answer.json()
    assert result["action"] == "reassign" and result["done"] == 4 and result["refused"] == 3
    by_id = {item["complaint_id"]: item for item in result["items"]}
    assert [item["complaint_id"] for item in result["items"]] == asked
    for index, report in enumerate(reports):
        item = by_id[report["id"]]
        assert item["code"] == report["code"]
        if index == 2:
            assert item["outcome"] == "refused" and item["refusal"]["code"] == "invalid_officer"
            assert item["refusal"]["message"] and item["refusal"]["message_en"]
            assert item["status"] == "acknowledged"
        else:
            assert item["outcome"] == "done" and item["status"] == "assigned" and item["refusal"] is None
            assert row(db, report).current_officer_id == target
            assert events(db, report)[-1].action == "reassigned"
    assert by_id[other_unit["id"]]["refusal"]["code"] == "not_your_report"
    assert by_id[unknown] == {
        "complaint_id": unknown,
        "code": None,
        "outcome": "refused",
        "status": None,
        "refusal": by_id[unknown]["refusal"],
    }
    assert by_id[unknown]["refusal"]["code"] == "not_found"
    # A refused report is left as it was: no line on its timeline.
    assert "reassigned" not in [e.action for e in events(db, reports[2])]
    assert row(db, other_unit).current_unit_id != unit_id


def test_a_dispatcher_routes_several_and_a_report_not_waiting_is_refused(client, db):
    citizen = register_citizen(client)
    waiting = [new_report(client, citizen) for _ in range(3)]
    for report in waiting:
        to_queue(db, report)
    in_hand = new_report(client, citizen)
    dispatcher = staff(client, DISPATCHER)

    answer = bulk(
        client,
        dispatcher,
        "route",
        {"complaint_ids": [r["id"] for r in [*waiting, in_hand]], "unit_code": "05528-KTHT", "note": "Ổ gà"},
    )

    result = answer.json()
    assert answer.status_code == 200 and result["done"] == 3 and result["refused"] == 1
    assert all(item["status"] == "assigned" for item in result["items"][:3])
    refusal = result["items"][3]["refusal"]
    assert refusal["code"] == "invalid_transition" and refusal["current_status"] == "assigned"
    for report in waiting:
        assert row(db, report).current_unit_id is not None and events(db, report)[-1].action == "routed"


def test_a_dispatcher_rejects_several_with_one_reason_the_citizens_read(client, db):
    citizen = register_citizen(client)
    reports = [new_report(client, citizen) for _ in range(3)]
    answer = bulk(
        client,
        staff(client, DISPATCHER),
        "reject",
        {"complaint_ids": [r["id"] for r in reports], "kind": "spam", "reason": "Ảnh quảng cáo, không phải sự cố"},
    )
    assert answer.json()["done"] == 3
    mine = client.get(f"/api/v1/complaints/{reports[0]['id']}", headers=citizen).json()
    assert mine["status"] == "rejected" and mine["timeline"][-1]["note"] == "Ảnh quảng cáo, không phải sự cố"


def test_who_may_not_take_the_action_gets_it_refused_for_every_report(client, db):
    citizen = register_citizen(client)
    reports = [new_report(client, citizen) for _ in range(2)]
    holder = staff(client, username(db, row(db, reports[0]).current_officer_id))
    answer = bulk(
        client, holder, "reject", {"complaint_ids": [r["id"] for r in reports], "kind": "spam", "reason": "Rác"}
    )
    assert answer.json()["done"] == 0
    assert {item["refusal"]["code"] for item in answer.json()["items"]} == {"not_your_report"}
    assert all(row(db, r).status == "assigned" for r in reports)


@pytest.mark.parametrize("ids", [[], [str(uuid.uuid4()) for _ in range(101)]])
def test_between_one_and_a_hundred_reports_at_once(client, ids):
    answer = bulk(client, staff(client, LEAD), "reassign", {"complaint_ids": ids, "officer_id": 1})
    assert answer.status_code == 422


def test_a_report_named_twice_is_acted_on_once(client, db):
    report = new_report(client)
    answer = bulk(
        client,
        staff(client, DISPATCHER),
        "reject",
        {"complaint_ids": [report["id"]] * 2, "kind": "spam", "reason": "Rác"},
    )
    assert answer.json()["done"] == 1 and len(answer.json()["items"]) == 1
    assert [e.action for e in events(db, report)].count("rejected") == 1
