"""Who may call what, for every role, on every route the app has."""

import re

import pytest

from service.main import app
from tests.conftest import DEMO_USERS

ROLES = list(DEMO_USERS)


def _routes(prefix: str) -> list[tuple[str, str]]:
    """Every operation under ``prefix``, from the OpenAPI document, path ids set to 1."""
    return [
        (method.upper(), re.sub(r"\{[^}]+\}", "1", path))
        for path, operations in app.openapi()["paths"].items()
        if path.startswith(prefix)
        for method in operations
    ]


ADMIN_ROUTES = _routes("/api/v1/admin/")


def test_there_are_admin_routes_to_check():
    assert len(ADMIN_ROUTES) >= 12


@pytest.mark.parametrize(("method", "path"), ADMIN_ROUTES)
@pytest.mark.parametrize("role", [r for r in ROLES if r != "admin"])
def test_only_admins_reach_admin_routes(client, auth, role, method, path):
    response = client.request(method, path, headers=auth(role), json={})
    assert response.status_code == 403, (role, method, path, response.text)
    assert response.json()["code"] == "forbidden"


@pytest.mark.parametrize(("method", "path"), ADMIN_ROUTES)
def test_anonymous_callers_get_401_on_admin_routes(client, method, path):
    response = client.request(method, path, json={})
    assert response.status_code == 401
    assert response.json()["code"] == "not_authenticated"


@pytest.mark.parametrize(("method", "path"), ADMIN_ROUTES)
def test_admins_pass_the_policy_on_admin_routes(client, auth, method, path):
    response = client.request(method, path, headers=auth("admin"), json={})
    # Past the policy: the request is judged on its content (200, 404 for id 1, 422 for {}).
    assert response.status_code not in (401, 403), (method, path, response.text)


@pytest.mark.parametrize("role", ROLES)
def test_everyone_logged_in_reads_themselves(client, auth, role):
    response = client.get("/api/v1/me", headers=auth(role))
    assert response.status_code == 200
    assert response.json()["role"] == role


@pytest.mark.parametrize("path", ["/api/v1/categories", "/api/v1/areas/05528", "/healthz"])
def test_reference_data_is_public(client, path):
    assert client.get(path).status_code == 200


def test_a_role_change_invalidates_old_tokens(client, auth):
    lead_headers = auth("unit_lead")
    lead_id = client.get("/api/v1/me", headers=lead_headers).json()["id"]
    response = client.patch(f"/api/v1/admin/users/{lead_id}", json={"role": "officer"}, headers=auth("admin"))
    assert response.status_code == 200
    assert client.get("/api/v1/me", headers=lead_headers).json()["code"] == "invalid_token"


def test_an_admin_cannot_lock_themselves_out(client, auth):
    admin_id = client.get("/api/v1/me", headers=auth("admin")).json()["id"]
    response = client.patch(f"/api/v1/admin/users/{admin_id}", json={"role": "citizen"}, headers=auth("admin"))
    assert response.status_code == 403
    assert response.json()["code"] == "self_lockout"
