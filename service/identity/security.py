"""Password hashing (Argon2id) and the signed access tokens (JWT)."""

import hashlib
import secrets
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

import jwt
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from service.core.errors import InvalidToken, TokenExpired
from service.core.settings import get_settings
from service.core.timeutil import utcnow

_hasher = PasswordHasher()
# Verifying against this when the user does not exist keeps response time the same,
# so the login endpoint does not reveal which phone numbers are registered.
_DUMMY_HASH = _hasher.hash("phananh-timing-equaliser")


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(password_hash: str | None, password: str) -> bool:
    try:
        return _hasher.verify(password_hash or _DUMMY_HASH, password) and password_hash is not None
    except (VerificationError, InvalidHashError):
        return False


def needs_rehash(password_hash: str) -> bool:
    return _hasher.check_needs_rehash(password_hash)


# Users are keyed by a PostgreSQL integer: a subject outside it names nobody, and is a bad
# token (401) rather than a value the database refuses to compare (a 500 or a 422).
_USER_ID_MAX = 2**31 - 1


@dataclass(frozen=True)
class AccessClaims:
    user_id: int
    role: str
    # The login (refresh-token family) the token was issued in: logging out, a new password
    # or a disabled account revokes it, and the token with it.
    session_id: uuid.UUID
    issued_at: datetime
    expires_at: datetime


def create_access_token(*, user_id: int, role: str, session_id: uuid.UUID) -> tuple[str, int]:
    """A short-lived bearer token for the login ``session_id``, and its lifetime in seconds."""
    settings = get_settings()
    now = utcnow()
    lifetime = timedelta(minutes=settings.access_token_minutes)
    claims = {
        "sub": str(user_id),
        "role": role,
        "typ": "access",
        "sid": str(session_id),
        "iat": now,
        "exp": now + lifetime,
        "jti": uuid.uuid4().hex,
    }
    token = jwt.encode(claims, settings.jwt_secret.get_secret_value(), settings.jwt_algorithm)
    return token, int(lifetime.total_seconds())


def decode_access_token(token: str) -> AccessClaims:
    """The claims of a token this service signed, or InvalidToken / TokenExpired. Tokens
    without a login session (``sid``, issued before revocation was checked) are refused:
    they would have run out within 15 minutes anyway."""
    settings = get_settings()
    try:
        claims = jwt.decode(
            token,
            settings.jwt_secret.get_secret_value(),
            algorithms=[settings.jwt_algorithm],
            options={"require": ["exp", "iat", "sub", "typ", "sid"]},
        )
    except jwt.ExpiredSignatureError as exc:
        raise TokenExpired() from exc
    except jwt.PyJWTError as exc:
        raise InvalidToken() from exc
    if claims.get("typ") != "access":
        raise InvalidToken()
    try:
        user_id = int(claims["sub"])
        session_id = uuid.UUID(str(claims["sid"]))
    except (TypeError, ValueError) as exc:
        raise InvalidToken() from exc
    if not 1 <= user_id <= _USER_ID_MAX:
        raise InvalidToken()
    tz = utcnow().tzinfo
    try:
        issued_at = datetime.fromtimestamp(claims["iat"], tz=tz)
        expires_at = datetime.fromtimestamp(claims["exp"], tz=tz)
    except (OverflowError, OSError, ValueError) as exc:  # a year past 9999, signed with our key
        raise InvalidToken() from exc
    return AccessClaims(
        user_id=user_id,
        role=str(claims.get("role", "")),
        session_id=session_id,
        issued_at=issued_at,
        expires_at=expires_at,
    )


def new_refresh_token() -> tuple[str, str]:
    """A random refresh token and the hash that is stored in its place."""
    token = secrets.token_urlsafe(32)
    return token, hash_refresh_token(token)


def hash_refresh_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()
