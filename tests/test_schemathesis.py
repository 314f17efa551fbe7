"""Property-based API testing: schemathesis generates requests from the OpenAPI document
and checks that the app never fails with 5xx and answers in the shapes it documents."""

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from service.main import app
from tests.conftest import DEMO_USERS, login

# The live stream answers for as long as the token lives: tests/notifications/test_live_stream.py covers it.
schema = schemathesis.openapi.from_asgi("/openapi.json", app).exclude(path="/api/v1/stream")

CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]


@pytest.fixture(scope="module")
def admin_headers(database):
    from fastapi.testclient import TestClient

    with TestClient(app) as client:
        return login(client, DEMO_USERS["admin"])


@schema.parametrize()
@settings(max_examples=25, deadline=None, suppress_health_check=list(HealthCheck))
def test_the_api_keeps_its_documented_promises(case, admin_headers, app):
    # Logged in as admin, the role that reaches the most routes; citizen-only routes
    # then answer 403, which they document. `app` runs it all inside the test's
    # transaction, so the random edits an admin can make are rolled back afterwards.
    case.call_and_validate(headers=admin_headers, checks=CHECKS)


@pytest.fixture(scope="module")
def citizen_headers(database):
    from fastapi.testclient import TestClient

    from tests.conftest import register_citizen

    with TestClient(app) as client:
        return register_citizen(client)


@schema.include(path_regex="^/api/v1/(complaints|photos|me)").parametrize()
@settings(max_examples=40, deadline=None, suppress_health_check=list(HealthCheck))
def test_the_resident_endpoints_keep_their_promises_to_a_citizen(case, citizen_headers, app):
    # Generated photos are random bytes: every one must be refused with a documented 4xx.
    headers = {**citizen_headers, "Idempotency-Key": "fuzz-" + str(id(case))}
    case.call_and_validate(headers=headers, checks=CHECKS)
