"""The mobile contract: the committed document is what the app serves, and nothing the
v1 app relies on has gone away since v1 was frozen."""

import copy
import json

import pytest

from mobile_contract import CONTRACT_DIR, committed_schema, live_schema, render
from mobile_contract.compat import breaking_changes

BASELINE = json.loads((CONTRACT_DIR / "baseline" / "v1.json").read_text(encoding="utf-8"))


def test_the_committed_openapi_document_matches_the_live_app():
    assert render(live_schema()) == render(committed_schema()), (
        "the API changed: run `make contract`, check the change is additive, and note it in "
        "mobile_contract/CHANGELOG.md"
    )


def test_nothing_breaks_apps_built_against_v1():
    assert breaking_changes(BASELINE, live_schema()) == []


def test_additions_are_not_breaking():
    grown = copy.deepcopy(BASELINE)
    grown["components"]["schemas"]["ComplaintRead"]["properties"]["new_field"] = {"type": "string"}
    grown["paths"]["/api/v1/new-thing"] = {"get": {"responses": {"200": {"description": "ok"}}}}
    optional = {"name": "sort", "in": "query", "required": False, "schema": {"type": "string"}}
    grown["paths"]["/api/v1/complaints/mine"]["get"]["parameters"].append(optional)
    assert breaking_changes(BASELINE, grown) == []


def _mutated(change):
    schema = copy.deepcopy(BASELINE)
    change(schema)
    return breaking_changes(BASELINE, schema)


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        (lambda s: s["components"]["schemas"]["ComplaintRead"]["properties"].pop("code"), "code: removed"),
        (lambda s: s["components"]["schemas"]["ComplaintRead"]["required"].remove("status"), "no longer always"),
        (
            lambda s: s["components"]["schemas"]["AreaRead"]["properties"].update(area_km2={"type": "string"}),
            "type changed",
        ),
        (lambda s: s["paths"].pop("/api/v1/complaints/mine"), "operation removed"),
        (
            lambda s: s["paths"]["/api/v1/complaints/mine"]["get"]["parameters"].append(
                {"name": "ward", "in": "query", "required": True, "schema": {"type": "string"}}
            ),
            "new required query",
        ),
        (
            lambda s: s["components"]["schemas"]["RegisterRequest"]["required"].append("language"),
            "language: new required input",
        ),
        (lambda s: s["components"]["schemas"]["Language"].update(enum=["vi"]), "no longer accepts"),
        (lambda s: s["paths"]["/api/v1/auth/token"]["post"]["responses"].pop("429"), "response 429 removed"),
    ],
    ids=[
        "field-removed",
        "field-optional",
        "type-changed",
        "endpoint-removed",
        "new-required-param",
        "new-required-body-field",
        "enum-value-dropped",
        "status-removed",
    ],
)
def test_breaking_changes_are_caught(change, expected):
    problems = _mutated(change)
    assert any(expected in problem for problem in problems), problems
