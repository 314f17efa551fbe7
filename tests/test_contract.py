"""The committed contract is what the app really serves."""

from mobile_contract import committed_schema, live_schema, render


def test_the_committed_openapi_document_matches_the_live_app():
    assert render(live_schema()) == render(committed_schema()), (
        "the API changed: run `make contract`, check the change is additive, and note it in "
        "mobile_contract/CHANGELOG.md"
    )
