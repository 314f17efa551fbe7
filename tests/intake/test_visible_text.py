"""Text people write must show: a description, a reason, a question, an answer, a comment
or a reply template made of spaces, zero-width or other invisible characters is refused
(422, the field named), never stored empty. Vietnamese stays as it was typed, composed."""

import json
import unicodedata
import uuid

import pytest
from pydantic import ValidationError
from sqlalchemy import func
from sqlmodel import select

from service.core.schemas import has_visible_text
from service.intake.schemas import CallerSubmission, ComplaintSubmission
from service.reports.models import Complaint
from tests.conftest import register_citizen
from tests.intake.test_intake import complaint_json, post
from tests.intake.test_staff_intake import caller_json
from tests.intake.test_staff_intake import post as post_for_caller

INVISIBLE = [
    "\u200b\u200b\u200b",  # zero-width spaces
    "\u200c\u200d\u2060\ufeff",  # zero-width (non-)joiners, word joiner, BOM
    " \u200b \u200b ",  # spaces around them
    "\u00ad\u00ad\u00ad",  # soft hyphens
    "\u202e\u202d\u2066\u2069",  # bidi controls
    "\u180e\u2061\u2062",  # other format characters (Cf)
    "\x01\x02\x7f",  # control characters
    "\u3164\u3164\u3164",  # Hangul fillers: letters that draw nothing
    "\u2800\u2800\u2800",  # blank braille cells
    "\ufe0f\ufe0f\ufe0f",  # variation selectors alone
]


def _description(value: str) -> str:
    return ComplaintSubmission.model_validate(json.loads(complaint_json(description=value))).description


@pytest.mark.parametrize("text", INVISIBLE)
def test_invisible_text_is_refused(text: str) -> None:
    with pytest.raises(ValidationError) as refused:
        _description(text)
    (error,) = refused.value.errors()
    assert error["loc"] == ("description",)
    assert error["type"] == "text_not_visible"
    assert not has_visible_text(text)


@pytest.mark.parametrize("text", ["   ", "\t\n\u3000\u00a0"])
def test_only_whitespace_is_stripped_to_nothing_and_refused_as_empty(text: str) -> None:
    with pytest.raises(ValidationError) as refused:
        _description(text)
    assert refused.value.errors()[0]["type"] == "string_too_short"


@pytest.mark.parametrize(
    ("typed", "kept"),
    [
        ("  Ổ gà trước cổng chợ  \n", "Ổ gà trước cổng chợ"),
        # Combining marks (a keyboard that types them apart) are composed, never dropped.
        ("O\u0302\u0309 ga\u0300", "Ổ gà"),
        ("\u200bđèn hỏng", "\u200bđèn hỏng"),  # something shows: kept as typed
        ("👨\u200d👩\u200d👧", "👨\u200d👩\u200d👧"),  # a joined emoji shows
        ("x", "x"),
    ],
)
def test_visible_text_is_kept_stripped_and_composed(typed: str, kept: str) -> None:
    assert _description(typed) == kept
    assert unicodedata.is_normalized("NFC", _description(typed))


def test_the_staff_intake_schema_refuses_it_too() -> None:
    for field in ("description", "address", "caller_name"):
        with pytest.raises(ValidationError) as refused:
            CallerSubmission.model_validate(json.loads(caller_json(**{field: "\u200b\u2060"})))
        assert refused.value.errors()[0]["loc"] == (field,)
        assert refused.value.errors()[0]["type"] == "text_not_visible"


def refused(response, field: str, code: str = "text_not_visible") -> None:
    assert response.status_code == 422, response.text
    body = response.json()
    assert body["code"] == "validation_error"
    assert body["field"] == field
    assert body["errors"][0]["code"] == code


def complaints(db) -> int:
    return db.exec(select(func.count()).select_from(Complaint)).one()


@pytest.mark.parametrize("text", ["\u200b\u200c\u200d\u2060\ufeff", " \u200b "])
def test_a_citizens_invisible_description_is_refused_and_nothing_is_kept(client, db, text: str) -> None:
    citizen = register_citizen(client)
    before = complaints(db)
    refused(post(client, citizen, complaint=complaint_json(description=text)), "complaint.description")
    refused(post(client, citizen, complaint=complaint_json(address="\u200b\u200b")), "complaint.address")
    assert complaints(db) == before


def test_a_citizens_decomposed_vietnamese_is_stored_composed(client) -> None:
    citizen = register_citizen(client)
    response = post(client, citizen, complaint=complaint_json(description="  O\u0302\u0309 ga\u0300 to  "))
    assert response.status_code == 201, response.text
    assert response.json()["description"] == "Ổ gà to"


def test_a_callers_invisible_description_is_refused(client, auth) -> None:
    refused(
        post_for_caller(client, auth("officer"), complaint=caller_json(description="\u200b\u200b\u200b")),
        "complaint.description",
    )


@pytest.mark.parametrize(
    ("role", "action", "body", "field"),
    [
        ("dispatcher", "reject", {"kind": "spam", "reason": "\u200b\u200b\u200b"}, "reason"),
        ("dispatcher", "route", {"unit_code": "05528-KTHT", "note": "\u2060"}, "note"),
        ("officer", "request-info", {"question": "\ufeff\ufeff\ufeff"}, "question"),
        ("officer", "return", {"reason": "\u200d \u200d \u200d"}, "reason"),
        ("officer", "extend", {"working_days": 2, "reason": "\u00ad\u00ad\u00ad"}, "reason"),
        ("citizen", "answer", {"answer": "\u200b\u200c\u200d"}, "answer"),
        ("citizen", "rate", {"rating": 4, "comment": "\u200b"}, "comment"),
        ("citizen", "reopen", {"reason": "\u3164\u3164\u3164"}, "reason"),
    ],
)
def test_an_invisible_action_text_is_refused(client, auth, role: str, action: str, body: dict, field: str) -> None:
    # Refused at the edge, before the report is looked up: any id will do.
    headers = register_citizen(client) if role == "citizen" else auth(role)
    refused(client.post(f"/api/v1/complaints/{uuid.uuid4()}/actions/{action}", headers=headers, json=body), field)


TEMPLATE = {"title": "Đã vá ổ gà", "purpose": "result", "body_vi": "Đã vá {code}.", "body_en": "Fixed {code}."}


@pytest.mark.parametrize("field", ["title", "body_vi", "body_en"])
def test_an_invisible_reply_template_is_refused(client, auth, field: str) -> None:
    admin = auth("admin")
    refused(
        client.post("/api/v1/admin/reply-templates", headers=admin, json=TEMPLATE | {field: "\u200b\u200b\u200b"}),
        field,
    )
    made = client.post("/api/v1/admin/reply-templates", headers=admin, json=TEMPLATE)
    assert made.status_code == 201, made.text
    patched = client.patch(
        f"/api/v1/admin/reply-templates/{made.json()['id']}", headers=admin, json={field: "\u2060\u2060\u2060"}
    )
    refused(patched, field)


@pytest.mark.parametrize("text", ["\u200b\u200b\u200b\u200b", "  \u2060\ufeff  "])
def test_an_invisible_resolution_is_refused_before_the_photos_are_read(client, auth, text: str) -> None:
    # The result is checked in the service (the console's resolve form goes through it too),
    # and the API calls that check before reading the after-photos: any id will do.
    response = client.post(
        f"/api/v1/complaints/{uuid.uuid4()}/actions/resolve", headers=auth("officer"), data={"result": text}
    )
    assert response.status_code == 422, response.text
    assert response.json()["field"] == "result"


def test_the_resolution_rule_lives_in_the_service() -> None:
    from service.reports.errors import InvalidSubmission
    from service.workflow.service import check_result

    assert check_result(result="  Đa\u0303 va\u0301 xong  ") == "Đã vá xong"
    with pytest.raises(InvalidSubmission):
        check_result(result="\u200b\u200c\u200d\u2060")
