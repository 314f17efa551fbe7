"""Registration, login, tokens and their failures, against real PostgreSQL and Redis."""

import uuid
from datetime import timedelta

import jwt
import pytest
from sqlmodel import select

from service.core.settings import Settings, get_settings
from service.core.timeutil import utcnow
from service.identity.models import RefreshToken, User
from service.identity.security import hash_refresh_token
from tests.conftest import DEMO_PASSWORD, login


def _register(client, phone="0901234567", password="mat-khau-dai", name="Lý Thị Mai"):
    return client.post("/api/v1/auth/register", json={"phone": phone, "password": password, "full_name": name})


def test_citizen_registers_with_a_phone_number_and_logs_in_with_any_format(client, db):
    response = _register(client, phone="090 123 4567")
    assert response.status_code == 201, response.text
    body = response.json()
    assert body["phone"] == "+84901234567"
    assert body["role"] == "citizen"
    assert "password" not in response.text and "password_hash" not in body
    stored = db.exec(select(User).where(User.phone == "+84901234567")).one()
    assert stored.password_hash.startswith("$argon2id$")
    for spelling in ("0901234567", "+84901234567", "84901234567"):
        assert (
            client.post("/api/v1/auth/token", data={"username": spelling, "password": "mat-khau-dai"}).status_code
            == 200
        )


def test_registration_refuses_a_taken_phone_and_a_foreign_number(client):
    assert _register(client).status_code == 201
    again = _register(client, phone="+84901234567")
    assert again.status_code == 409
    assert again.json()["code"] == "phone_taken"
    assert again.json()["field"] == "phone"
    foreign = _register(client, phone="+1 202 555 0100")
    assert foreign.status_code == 422
    assert foreign.json()["field"] == "phone"
    short = _register(client, phone="0907654321", password="short")
    assert short.status_code == 422
    assert short.json()["field"] == "password"


def test_wrong_password_is_401_with_a_stable_code(client):
    response = client.post("/api/v1/auth/token", data={"username": "quantri", "password": "nope-nope"})
    assert response.status_code == 401
    assert response.json()["code"] == "invalid_credentials"
    assert response.headers["WWW-Authenticate"] == "Bearer"
    unknown = client.post("/api/v1/auth/token", data={"username": "nobody", "password": "nope-nope"})
    # An unknown login looks exactly like a wrong password.
    assert unknown.status_code == 401
    assert unknown.json() == response.json()


def test_login_is_rate_limited_per_account(client):
    for _ in range(5):
        assert (
            client.post("/api/v1/auth/token", data={"username": "dieuphoi", "password": "wrong-guess"}).status_code
            == 401
        )
    blocked = client.post("/api/v1/auth/token", data={"username": "dieuphoi", "password": DEMO_PASSWORD})
    assert blocked.status_code == 429
    assert blocked.json()["code"] == "rate_limited"
    assert 0 < int(blocked.headers["Retry-After"]) <= 900
    # Another account from the same address is not locked out by it.
    assert client.post("/api/v1/auth/token", data={"username": "quantri", "password": DEMO_PASSWORD}).status_code == 200


def test_a_successful_login_clears_the_account_counter(client):
    for _ in range(4):
        client.post("/api/v1/auth/token", data={"username": "dieuphoi", "password": "wrong-guess"})
    login(client, "dieuphoi")
    for _ in range(4):
        client.post("/api/v1/auth/token", data={"username": "dieuphoi", "password": "wrong-guess"})
    login(client, "dieuphoi")


def test_me_returns_role_and_unit(client, auth):
    officer = client.get("/api/v1/me", headers=auth("officer")).json()
    assert officer["role"] == "officer"
    assert officer["unit"]["code"] == "05528-KTHT"
    assert officer["unit"]["name"].startswith("Phòng Kinh tế, Hạ tầng và Đô thị")
    citizen = client.get("/api/v1/me", headers=auth("citizen")).json()
    assert citizen["role"] == "citizen" and citizen["unit"] is None
    # Times are shown in Vietnam's zone.
    assert citizen["created_at"].endswith("+07:00")


def test_no_token_is_401_not_authenticated(client):
    response = client.get("/api/v1/me")
    assert response.status_code == 401
    assert response.json()["code"] == "not_authenticated"


def _token(user_id, role="admin", minutes=15, secret=None, typ="access", sid=None):
    settings = get_settings()
    now = utcnow()
    claims = {
        "sub": str(user_id),
        "role": role,
        "typ": typ,
        "sid": str(sid or uuid.uuid4()),
        "iat": now,
        "exp": now + timedelta(minutes=minutes),
    }
    return jwt.encode(claims, secret or settings.jwt_secret.get_secret_value(), settings.jwt_algorithm)


def _admin_id(db):
    return db.exec(select(User.id).where(User.username == "quantri")).one()


def test_expired_token_is_401_token_expired(client, db):
    token = _token(_admin_id(db), minutes=-1)
    response = client.get("/api/v1/me", headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 401
    assert response.json()["code"] == "token_expired"


@pytest.mark.parametrize("how", ["signature", "payload", "garbage", "alg_none", "refresh_type"])
def test_tampered_token_is_401_invalid_token(client, db, auth, how):
    good = auth("citizen")["Authorization"].split()[1]
    header, payload, signature = good.split(".")
    if how == "signature":
        token = f"{header}.{payload}.{signature[:-4]}AAAA"
    elif how == "payload":
        # The citizen's token, re-pointed at the admin account with the citizen's signature.
        forged = jwt.encode({"sub": str(_admin_id(db)), "role": "admin", "typ": "access", "exp": 9999999999}, "x" * 32)
        token = ".".join([header, forged.split(".")[1], signature])
    elif how == "garbage":
        token = "not-a-jwt"
    elif how == "alg_none":
        token = jwt.encode(
            {"sub": str(_admin_id(db)), "role": "admin", "typ": "access", "exp": 9999999999}, None, "none"
        )
    else:
        token = _token(_admin_id(db), typ="refresh")
    response = client.get("/api/v1/me", headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 401
    assert response.json()["code"] == "invalid_token"


def test_a_token_signed_with_another_key_is_refused(client, db):
    token = _token(_admin_id(db), secret="someone-elses-secret-key-0123456789abcdef")
    assert client.get("/api/v1/me", headers={"Authorization": f"Bearer {token}"}).json()["code"] == "invalid_token"


def test_refresh_rotates_and_a_reused_token_revokes_the_login(client, db):
    first = client.post("/api/v1/auth/token", data={"username": "dieuphoi", "password": DEMO_PASSWORD}).json()
    second = client.post("/api/v1/auth/refresh", json={"refresh_token": first["refresh_token"]})
    assert second.status_code == 200
    second = second.json()
    assert second["refresh_token"] != first["refresh_token"]
    assert client.get("/api/v1/me", headers={"Authorization": f"Bearer {second['access_token']}"}).status_code == 200

    # The first refresh token again: someone copied it. Every token of that login dies.
    replay = client.post("/api/v1/auth/refresh", json={"refresh_token": first["refresh_token"]})
    assert replay.status_code == 401
    assert replay.json()["code"] == "invalid_token"
    assert client.post("/api/v1/auth/refresh", json={"refresh_token": second["refresh_token"]}).status_code == 401
    # The revocation was committed even though the request was refused. (Only this
    # login's family: tests on the live server leave other logins of this user behind.)
    family = db.exec(
        select(RefreshToken.family_id).where(RefreshToken.token_hash == hash_refresh_token(first["refresh_token"]))
    ).one()
    tokens = db.exec(select(RefreshToken).where(RefreshToken.family_id == family)).all()
    assert len(tokens) == 2 and all(t.revoked_at is not None for t in tokens)


def test_logout_revokes_the_refresh_token(client):
    pair = client.post("/api/v1/auth/token", data={"username": "quantri", "password": DEMO_PASSWORD}).json()
    assert client.post("/api/v1/auth/logout", json={"refresh_token": pair["refresh_token"]}).status_code == 204
    assert client.post("/api/v1/auth/refresh", json={"refresh_token": pair["refresh_token"]}).status_code == 401


def test_a_disabled_account_cannot_log_in_or_use_its_token(client, auth, db):
    officer_headers = auth("officer")
    officer_id = client.get("/api/v1/me", headers=officer_headers).json()["id"]
    client.patch(f"/api/v1/admin/users/{officer_id}", json={"is_active": False}, headers=auth("admin"))
    assert client.get("/api/v1/me", headers=officer_headers).json()["code"] == "invalid_token"
    refused = client.post("/api/v1/auth/token", data={"username": "canbo.bachquang", "password": DEMO_PASSWORD})
    assert refused.status_code == 401
    assert refused.json()["code"] == "account_disabled"


def test_production_refuses_the_development_key():
    with pytest.raises(RuntimeError):
        Settings(environment="production").check_production_safety()
    with pytest.raises(RuntimeError):
        Settings(environment="production", jwt_secret="").check_production_safety()
    Settings(environment="production", jwt_secret="x" * 40).check_production_safety()


def test_passwords_never_reach_the_logs(client, caplog):
    caplog.set_level("DEBUG")
    client.post("/api/v1/auth/token", data={"username": "quantri", "password": "secret-guess-123"})
    login(client, "quantri")
    assert "secret-guess-123" not in caplog.text
    assert DEMO_PASSWORD not in caplog.text


def test_registration_is_rate_limited_per_address(client, monkeypatch):
    from service.core.settings import get_settings

    monkeypatch.setattr(get_settings(), "register_max_per_hour", 3)
    for n in range(3):
        assert _register(client, phone=f"090000000{n}").status_code == 201
    blocked = _register(client, phone="0900000009")
    assert blocked.status_code == 429 and blocked.json()["code"] == "rate_limited"
    assert int(blocked.headers["Retry-After"]) > 0
