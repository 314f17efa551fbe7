"""An access token dies with its login: logout (API and console), a reused refresh token, a
password reset, a disabled account, a new role — from the very next request, not 15
minutes later. And a token naming a subject no database id can be is a bad token (401)."""

import re
import uuid
from datetime import timedelta

import jwt
import pytest
from sqlmodel import select

from service.core.settings import get_settings
from service.core.timeutil import utcnow
from service.identity.models import User
from service.identity.security import create_access_token
from service.web.session import CSRF_COOKIE
from tests.conftest import DEMO_PASSWORD, DEMO_USERS


def tokens(client, username: str, password: str = DEMO_PASSWORD) -> dict:
    answer = client.post("/api/v1/auth/token", data={"username": username, "password": password})
    assert answer.status_code == 200, answer.text
    return answer.json()


def me(client, access: str) -> tuple[int, str | None]:
    answer = client.get("/api/v1/me", headers={"Authorization": f"Bearer {access}"})
    return answer.status_code, answer.json().get("code")


def test_logout_ends_the_access_token_too(client):
    pair = tokens(client, "dieuphoi")
    other = tokens(client, "dieuphoi")  # the same person on another device
    assert me(client, pair["access_token"]) == (200, None)
    assert client.post("/api/v1/auth/logout", json={"refresh_token": pair["refresh_token"]}).status_code == 204
    assert me(client, pair["access_token"]) == (401, "invalid_token")
    # Only that login: the other device stays logged in.
    assert me(client, other["access_token"]) == (200, None)


def test_a_refreshed_login_keeps_working_and_a_reused_refresh_token_ends_it(client):
    first = tokens(client, "dieuphoi")
    second = client.post("/api/v1/auth/refresh", json={"refresh_token": first["refresh_token"]}).json()
    # Rotation is not revocation: the first access token is still within its login.
    assert me(client, first["access_token"]) == (200, None)
    assert me(client, second["access_token"]) == (200, None)
    assert client.post("/api/v1/auth/refresh", json={"refresh_token": first["refresh_token"]}).status_code == 401
    assert me(client, second["access_token"]) == (401, "invalid_token")


def test_an_admin_resetting_the_password_ends_the_users_access_tokens(client, auth, db):
    officer = db.exec(select(User).where(User.username == "canbo.bachquang")).one()
    pair = tokens(client, "canbo.bachquang")
    answer = client.patch(
        f"/api/v1/admin/users/{officer.id}", json={"password": "mat-khau-moi-cua-can-bo"}, headers=auth("admin")
    )
    assert answer.status_code == 200, answer.text
    assert me(client, pair["access_token"]) == (401, "invalid_token")
    fresh = tokens(client, "canbo.bachquang", "mat-khau-moi-cua-can-bo")
    assert me(client, fresh["access_token"]) == (200, None)


def test_a_token_issued_before_the_password_changed_is_refused_even_in_a_live_login(client, db):
    # A login nothing revoked (no refresh-token rows are touched): only the change's time
    # stands between this token and the account.
    officer = db.exec(select(User).where(User.username == "canbo.bachquang")).one()
    access, _ = create_access_token(user_id=officer.id, role=officer.role, session_id=uuid.uuid4())  # type: ignore[arg-type]
    assert me(client, access) == (200, None)
    officer.password_changed_at = utcnow() + timedelta(seconds=2)
    db.add(officer)
    db.commit()
    assert me(client, access) == (401, "invalid_token")


def test_a_disabled_account_or_a_new_role_ends_the_access_token(client, auth, db):
    lead = db.exec(select(User).where(User.username == "lanhdao.bachquang")).one()
    officer = db.exec(select(User).where(User.username == "canbo.bachquang")).one()
    lead_pair, officer_pair = tokens(client, "lanhdao.bachquang"), tokens(client, "canbo.bachquang")
    admin = auth("admin")
    assert client.patch(f"/api/v1/admin/users/{lead.id}", json={"is_active": False}, headers=admin).status_code == 200
    assert me(client, lead_pair["access_token"]) == (401, "invalid_token")
    changed = client.patch(
        f"/api/v1/admin/users/{officer.id}", json={"role": "unit_lead", "unit_id": officer.unit_id}, headers=admin
    )
    assert changed.status_code == 200, changed.text
    assert me(client, officer_pair["access_token"]) == (401, "invalid_token")


def _signed(**claims) -> str:
    settings = get_settings()
    now = utcnow()
    base = {"role": "admin", "typ": "access", "sid": str(uuid.uuid4()), "iat": now, "exp": now + timedelta(minutes=5)}
    return jwt.encode({**base, **claims}, settings.jwt_secret.get_secret_value(), settings.jwt_algorithm)


def test_a_token_without_a_login_is_refused(client, db):
    # Issued before logins were checked (no ``sid``): refused, it had 15 minutes at most left.
    admin_id = db.exec(select(User.id).where(User.username == "quantri")).one()
    settings = get_settings()
    now = utcnow()
    legacy = jwt.encode(
        {"sub": str(admin_id), "role": "admin", "typ": "access", "iat": now, "exp": now + timedelta(minutes=5)},
        settings.jwt_secret.get_secret_value(),
        settings.jwt_algorithm,
    )
    assert me(client, legacy) == (401, "invalid_token")
    assert me(client, _signed(sub=str(admin_id), sid="not-a-uuid")) == (401, "invalid_token")


@pytest.mark.parametrize("subject", [str(2**80), str(2**31), "0", "-1", "1" * 5000, "1e3", " 7"])
def test_a_signed_token_whose_subject_no_user_can_have_is_401(client, subject):
    answer = client.get("/api/v1/me", headers={"Authorization": f"Bearer {_signed(sub=subject)}"})
    assert answer.status_code == 401, answer.text
    assert answer.json()["code"] == "invalid_token"


def test_a_signed_token_with_an_expiry_past_year_9999_is_401(client, db):
    admin_id = db.exec(select(User.id).where(User.username == "quantri")).one()
    answer = client.get("/api/v1/me", headers={"Authorization": f"Bearer {_signed(sub=str(admin_id), exp=10**12)}"})
    assert (answer.status_code, answer.json()["code"]) == (401, "invalid_token")


def test_console_logout_ends_the_cookie_login(client):
    form = client.get("/web/login")
    csrf = re.search(r'name="csrf" value="([^"]+)"', form.text).group(1)  # type: ignore[union-attr]
    answer = client.post(
        "/web/login",
        data={"username": DEMO_USERS["dispatcher"], "password": DEMO_PASSWORD, "csrf": csrf},
        follow_redirects=False,
    )
    assert answer.status_code == 303, answer.text
    access = client.cookies.get("pa_access")
    assert access and client.get("/web/dispatch", follow_redirects=False).status_code == 200
    assert client.post("/web/logout", data={"csrf": csrf}, follow_redirects=False).status_code == 303
    # Whoever kept a copy of the cookie: the console and the API both refuse it now.
    client.cookies.clear()
    client.cookies.set("pa_access", access)
    client.cookies.set(CSRF_COOKIE, csrf)
    page = client.get("/web/dispatch", follow_redirects=False)
    assert page.status_code == 303 and page.headers["location"].startswith("/web/login")
    assert me(client, access) == (401, "invalid_token")
