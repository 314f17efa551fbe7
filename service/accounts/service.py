"""Accounts: registration, login with rate limits, token rotation, staff management."""

import logging
import secrets
import uuid
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import redis
from sqlmodel import Session

from service import audit
from service.accounts.schemas import MeUpdate, TokenPair, UserCreate, UserRead, UserUpdate
from service.core.errors import (
    Conflict,
    InvalidCredentials,
    InvalidToken,
    NotFound,
    PermissionDenied,
    PhanAnhError,
    RateLimited,
)
from service.core.ratelimit import Window
from service.core.schemas import Page
from service.core.settings import get_settings
from service.core.timeutil import utcnow
from service.core.updates import apply_update
from service.identity import repository
from service.identity.models import STAFF_ROLES, UNIT_ROLES, Language, Role, User
from service.identity.passwords import check_password
from service.identity.phone import normalise_phone
from service.identity.security import (
    create_access_token,
    hash_password,
    hash_refresh_token,
    needs_rehash,
    new_refresh_token,
    verify_password,
)
from service.units import repository as units

log = logging.getLogger(__name__)


class PhoneTaken(Conflict):
    code = "phone_taken"
    message = "Số điện thoại này đã được đăng ký."
    message_en = "This phone number is already registered."


class CallerIsStaff(Conflict):
    code = "caller_is_staff"
    message = "Số điện thoại này thuộc tài khoản cán bộ; cán bộ tự gửi phản ánh bằng tài khoản của mình."
    message_en = "This phone number belongs to a staff account; staff send reports in their own name."


class UnitRequired(PhanAnhError):
    status_code = 422
    code = "unit_required"
    message = "Chuyên viên và lãnh đạo đơn vị phải thuộc một đơn vị đang hoạt động."
    message_en = "Officers and unit leads must belong to an active unit."


class UnitNotAllowed(PhanAnhError):
    status_code = 422
    code = "unit_not_allowed"
    message = "Chỉ chuyên viên và lãnh đạo đơn vị thuộc một đơn vị."
    message_en = "Only officers and unit leads belong to a unit."


class LoginFailed(InvalidCredentials):
    # A failed login writes nothing but its audit event, which must stick.
    keeps_changes = True


class RefreshTokenReused(InvalidToken):
    # The revocation must stick even though the request is refused.
    keeps_changes = True


@dataclass(frozen=True)
class LoginWindows:
    """Failed logins, counted three ways (settings.py says why each has its room), and the
    addresses each account has logged in from."""

    pair: Window
    address: Window
    account: Window
    known: Window
    claim: Window


def _login_windows() -> LoginWindows:
    settings = get_settings()
    seconds = settings.login_window_seconds
    return LoginWindows(
        pair=Window("login:pair", settings.login_max_failures, seconds),
        address=Window("login:address", settings.login_max_failures_per_address, seconds),
        account=Window("login:account", settings.login_max_failures_per_account, seconds),
        known=Window("login:known", 1, settings.login_known_address_days * 86400),
        # Six digits are guessable: a claim code gets the pair's few tries per phone, from
        # anywhere, and no known address lets more through.
        claim=Window("login:claim", settings.login_max_failures, seconds),
    )


def _login_key(login: str) -> str:
    return normalise_phone(login) or login.strip().lower()


def _audit_account(
    *, session: Session, actor: User, action: str, user: User, before: dict[str, Any] | None = None
) -> None:
    """An event on a citizen's account that keeps the account as it now stands (the
    password hash redacted)."""
    audit.record(
        session=session,
        actor=actor,
        action=action,
        object_type="user",
        object_id=user.id,
        before=before,
        after=audit.snapshot(obj=user),
    )


def register_citizen(
    *,
    session: Session,
    phone: str,
    password: str,
    full_name: str,
    language: Language,
    redis_client: redis.Redis,
    client_address: str,
    claim_code: str | None = None,
) -> User:
    """A citizen's account. A phone staff already took a report for (hotline, walk-in) is
    claimed with the one-time code staff gave the caller: the phone alone proves nothing."""
    check_password(password=password, phone=phone)
    window = Window("register:address", get_settings().register_max_per_hour, 3600)
    if (retry := window.retry_after(redis_client, client_address)) is not None:
        raise RateLimited(headers={"Retry-After": str(retry)})
    window.hit(redis_client, client_address)
    existing = repository.get_user_by_phone(session, phone)
    if existing is not None and awaits_registration(user=existing):
        _check_claim_code(redis_client=redis_client, user=existing, code=claim_code)
        return _claim(session=session, user=existing, password=password, full_name=full_name, language=language)
    if existing is not None:
        raise PhoneTaken(field="phone")
    user = User(
        username=phone,
        phone=phone,
        full_name=full_name.strip(),
        password_hash=hash_password(password),
        password_changed_at=utcnow(),
        role=Role.citizen,
        language=language,
    )
    session.add(user)
    session.flush()
    _audit_account(session=session, actor=user, action="user.registered", user=user)
    return user


class ClaimCodeRefused(Conflict):
    code = "claim_code_refused"
    message = (
        "Số điện thoại này đã được cán bộ dùng để ghi nhận phản ánh của bạn; hãy nhập mã nhận tài khoản "
        "gồm 6 chữ số mà cán bộ đã đưa cho bạn."
    )
    message_en = "Staff took a report for you with this phone number; enter the 6-digit account code they gave you."


# A citizen account that staff opened for a caller (a report taken on the hotline or at the
# desk) has no password: its hash column holds this marker and the Argon2 hash of a one-time
# claim code, which no password verifies against. The caller gets in by registering with
# their phone and that code, which chooses their password.
AWAITING_CLAIM = "!"
CLAIM_CODE_DIGITS = 6


def awaits_registration(*, user: User) -> bool:
    """A citizen account opened by staff for a caller, in which nobody has logged in yet."""
    return user.role == Role.citizen and user.is_active and user.password_hash.startswith(AWAITING_CLAIM)


def issue_claim_code(*, session: Session, user: User, actor: User) -> str:
    """A new one-time code for the caller to claim their account with (it replaces any
    earlier one); only its hash is kept, and the audit trail says it was issued, not what."""
    code = f"{secrets.randbelow(10**CLAIM_CODE_DIGITS):0{CLAIM_CODE_DIGITS}d}"
    user.password_hash = AWAITING_CLAIM + hash_password(code)
    session.add(user)
    session.flush()
    audit.record(session=session, actor=actor, action="user.claim_code_issued", object_type="user", object_id=user.id)
    return code


def _check_claim_code(*, redis_client: redis.Redis, user: User, code: str | None) -> None:
    # Six digits are guessable without a limit: failures count against the phone, whichever
    # address they come from.
    window = _login_windows().claim
    key = str(user.phone)
    if (retry := window.retry_after(redis_client, key)) is not None:
        raise RateLimited(headers={"Retry-After": str(retry)})
    if not code or not verify_password(user.password_hash.removeprefix(AWAITING_CLAIM) or None, code):
        window.hit(redis_client, key)
        raise ClaimCodeRefused(field="claim_code")


def _claim(*, session: Session, user: User, password: str, full_name: str, language: Language) -> User:
    """The caller registers with the phone staff took their report for: the account (and the
    reports in it) becomes theirs, with the password and name they give now.

    The claim code was checked first: the phone number alone would let anyone who knows
    it read the caller's reports."""
    before = {"full_name": user.full_name, "language": user.language}
    _set_password(user=user, password=password)
    user.full_name = full_name.strip()
    user.language = language
    session.add(user)
    session.flush()
    _audit_account(session=session, actor=user, action="user.claimed", user=user, before=before)
    return user


def citizen_for_caller(*, session: Session, phone: str, full_name: str | None, actor: User) -> User:
    """The citizen account of ``phone`` (E.164) for a report staff take for a caller: the
    caller's own account when they have one, else a new one without a password, opened by
    ``actor`` (the caller registers with this phone later to log in and follow it). A phone
    that belongs to a staff account is refused: staff report in their own name."""
    user = repository.get_user_by_phone(session, phone)
    if user is None:
        user_id = repository.insert_user_unless_taken(
            session,
            {
                "username": phone,
                "phone": phone,
                "full_name": (full_name or "").strip(),
                "password_hash": AWAITING_CLAIM,
                "role": Role.citizen.value,
                "language": Language.vi.value,
                "is_active": True,
                "on_duty": True,
            },
        )
        # None: a colleague opened it a moment ago for the same caller; theirs is the one.
        user = repository.get_user_by_phone(session, phone)
        assert user is not None
        if user_id is not None:
            _audit_account(session=session, actor=actor, action="user.created_for_caller", user=user)
    if user.role != Role.citizen:
        raise CallerIsStaff(field="complaint.caller_phone")
    return user


def authenticate(
    *, session: Session, redis_client: redis.Redis, login: str, password: str, client_address: str
) -> User:
    """The user behind ``login``/``password``, or an error that does not say which was wrong.

    Failures slow the address they come from, not the account's owner: this account from
    this address waits after a few, this address after more (whichever accounts it tries),
    and only past a high ceiling for the account from everywhere are addresses it never
    logged in from turned away — the owner's usual ones still get in."""
    key = _login_key(login)
    pair = f"{key}|{client_address}"
    windows = _login_windows()
    for window, subject in ((windows.pair, pair), (windows.address, client_address)):
        if (retry := window.retry_after(redis_client, subject)) is not None:
            raise RateLimited(headers={"Retry-After": str(retry)})
    if (retry := windows.account.retry_after(redis_client, key)) is not None and not windows.known.count(
        redis_client, pair
    ):
        raise RateLimited(headers={"Retry-After": str(retry)})

    user = repository.get_user_by_login(session, key)
    if not verify_password(user.password_hash if user else None, password) or user is None:
        for window, subject in ((windows.pair, pair), (windows.address, client_address), (windows.account, key)):
            window.hit(redis_client, subject)
        # The login name is logged to trace attacks; the password never is.
        log.info("login failed for %s from %s", key, client_address)
        _audit_failed_login(session, user, key, "unknown_login" if user is None else "wrong_password")
        raise LoginFailed(field="password")
    if not user.is_active:
        _audit_failed_login(session, user, key, "account_disabled")
        raise LoginFailed("Tài khoản đã bị khoá.", "This account is disabled.", code="account_disabled")
    # The account's count stays: the owner getting in must not reopen it to a distributed guess.
    windows.pair.reset(redis_client, pair)
    windows.known.reset(redis_client, pair)  # a fresh 30 days from this login
    windows.known.hit(redis_client, pair)
    if needs_rehash(user.password_hash):
        user.password_hash = hash_password(password)
    user.last_login_at = utcnow()
    session.add(user)
    audit.record(session=session, actor=user, action="auth.login", object_type="user", object_id=user.id)
    return user


def _audit_failed_login(session: Session, user: User | None, login: str, reason: str) -> None:
    audit.record(
        session=session,
        actor=None,
        action="auth.login_failed",
        object_type="user",
        object_id=user.id if user else None,
        after={"login": login, "reason": reason},
    )


def issue_tokens(*, session: Session, user: User, family_id: uuid.UUID | None = None) -> TokenPair:
    assert user.id is not None
    settings = get_settings()
    # The family is the login: its access tokens carry it, and die with it (policies.py).
    family_id = family_id or uuid.uuid4()
    access, expires_in = create_access_token(user_id=user.id, role=user.role, session_id=family_id)
    refresh, refresh_hash = new_refresh_token()
    lifetime = timedelta(days=settings.refresh_token_days)
    repository.add_refresh_token(
        session, user_id=user.id, token_hash=refresh_hash, family_id=family_id, expires_at=utcnow() + lifetime
    )
    return TokenPair(
        access_token=access,
        expires_in=expires_in,
        refresh_token=refresh,
        refresh_expires_in=int(lifetime.total_seconds()),
    )


def refresh_tokens(*, session: Session, refresh_token: str) -> TokenPair:
    """Trade a refresh token for a new pair. Each refresh token works once; a second use
    means it was copied, so every token descended from the same login is revoked."""
    now = utcnow()
    stored = repository.lock_refresh_token(session, hash_refresh_token(refresh_token))
    if stored is None or stored.revoked_at is not None or stored.expires_at <= now:
        raise InvalidToken(field="refresh_token")
    if stored.used_at is not None:
        log.warning("refresh token reuse for user %s: revoking its family", stored.user_id)
        repository.revoke_family(session, stored.family_id, now)
        audit.record(
            session=session,
            actor=None,
            action="auth.refresh_reused",
            object_type="user",
            object_id=stored.user_id,
            after={"family_id": stored.family_id},
        )
        raise RefreshTokenReused(field="refresh_token")
    user = repository.get_user(session, stored.user_id)
    if user is None or not user.is_active:
        raise InvalidToken(field="refresh_token")
    stored.used_at = now
    session.add(stored)
    return issue_tokens(session=session, user=user, family_id=stored.family_id)


def logout(*, session: Session, refresh_token: str) -> None:
    stored = repository.lock_refresh_token(session, hash_refresh_token(refresh_token))
    if stored is not None:
        repository.revoke_family(session, stored.family_id, utcnow())


def _check_unit(session: Session, role: Role, unit_id: int | None) -> None:
    if role in UNIT_ROLES:
        unit = units.get(session, unit_id) if unit_id is not None else None
        if unit is None or not unit.is_active:
            raise UnitRequired(field="unit_id")
    elif unit_id is not None:
        raise UnitNotAllowed(field="unit_id")


def update_me(*, session: Session, user: User, data: MeUpdate) -> User:
    """One's own name, e-mail or language."""
    apply_update(user, data.model_dump(exclude_unset=True))
    audit.updated(session=session, obj=user, action="user.updated")
    session.add(user)
    session.flush()
    return user


# --- staff management (the admin API and the console's admin pages) -------------------------


def list_users(
    *,
    session: Session,
    role: Role | None,
    unit_id: int | None,
    query: str | None,
    offset: int,
    limit: int,
) -> Page[UserRead]:
    users, total = repository.list_users(session, role=role, unit_id=unit_id, query=query, offset=offset, limit=limit)
    return Page[UserRead](items=users, total=total, offset=offset, limit=limit)


def get_user(*, session: Session, user_id: int) -> User:
    user = repository.get_user(session, user_id)
    if user is None:
        raise NotFound(field="user_id")
    return user


def _set_password(*, user: User, password: str) -> None:
    """A new password (checked by the caller); access tokens issued before now stop working."""
    user.password_hash = hash_password(password)
    user.password_changed_at = utcnow()


def create_user(*, session: Session, data: UserCreate) -> User:
    check_password(password=data.password, staff=data.role in STAFF_ROLES, phone=data.phone, username=data.username)
    if repository.username_taken(session, data.username):
        raise Conflict("Tên đăng nhập đã tồn tại.", "Username already exists.", code="username_taken", field="username")
    if data.phone and repository.phone_taken(session, data.phone):
        raise PhoneTaken(field="phone")
    _check_unit(session, data.role, data.unit_id)
    user = User(
        username=data.username,
        phone=data.phone,
        email=data.email,
        full_name=data.full_name,
        password_hash=hash_password(data.password),
        password_changed_at=utcnow(),
        role=data.role,
        unit_id=data.unit_id if data.role in UNIT_ROLES else None,
        language=data.language,
    )
    session.add(user)
    session.flush()
    session.refresh(user)
    audit.created(session=session, obj=user, action="user.created")
    return user


def update_user(*, session: Session, actor: User, user_id: int, data: UserUpdate) -> User:
    """Change a role, unit, password or whether the account is active; any of these ends
    the user's open sessions. ``actor`` (the admin) may not demote or disable themselves."""
    user = get_user(session=session, user_id=user_id)
    if user.id == actor.id and (data.role not in (None, Role.admin) or data.is_active is False):
        raise PermissionDenied(
            "Không thể tự hạ quyền hoặc khoá tài khoản quản trị của chính mình.",
            "Admins cannot demote or disable themselves.",
            code="self_lockout",
        )
    changes = data.model_dump(exclude_unset=True)
    role = changes.get("role") or user.role
    unit_id = changes.get("unit_id", user.unit_id)
    if role not in UNIT_ROLES and "unit_id" not in changes:
        unit_id = None  # a lead promoted to dispatcher leaves the unit
    _check_unit(session, role, unit_id)
    role_changed = role != user.role
    if (password := changes.pop("password", None)) is not None:
        check_password(password=password, staff=role in STAFF_ROLES, phone=user.phone, username=user.username)
        _set_password(user=user, password=password)
    apply_update(user, {**changes, "unit_id": unit_id})
    audit.updated(session=session, obj=user, action="user.role_changed" if role_changed else "user.updated")
    if changes.get("is_active") is False or "role" in changes or password is not None:
        # A disabled account, a new role or a new password ends every open session.
        repository.revoke_all_for_user(session, user.id, utcnow())  # type: ignore[arg-type]
    session.add(user)
    session.flush()
    session.refresh(user)
    return user
