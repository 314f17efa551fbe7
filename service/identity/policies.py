"""Who may call what: one dependency per policy, used as ``Annotated`` aliases.

Routes declare the caller they need (``CurrentUser``, ``StaffUser``, ``AdminUser``)
and never check roles themselves.
"""

from datetime import datetime
from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import OAuth2PasswordBearer
from sqlmodel import Session

from service.core import request_context
from service.core.database import SessionDep
from service.core.errors import InvalidToken, NotAuthenticated, PermissionDenied
from service.identity import repository
from service.identity.models import STAFF_ROLES, Role, User
from service.identity.security import AccessClaims, decode_access_token

_bearer = OAuth2PasswordBearer(tokenUrl="/api/v1/auth/token", auto_error=False)


# The web console's login lives in this HttpOnly, SameSite=Strict cookie (service/web/).
ACCESS_COOKIE = "pa_access"
# Methods that change nothing: the only ones a cookie may authenticate, so a forged
# cross-site form can never act with it (the console's own forms carry a CSRF token).
SAFE_METHODS = frozenset({"GET", "HEAD"})


def _token(request: Request, bearer: Annotated[str | None, Depends(_bearer)]) -> str | None:
    """The bearer token, or — for reading only — the web console's login cookie (its
    pages read the live stream and the IOC's exports with it)."""
    if bearer:
        return bearer
    return request.cookies.get(ACCESS_COOKIE) if request.method in SAFE_METHODS else None


def user_for_claims(session: Session, claims: AccessClaims) -> User | None:
    """The user an access token stands for, or None when it no longer does: its login was
    revoked (logout, a reused refresh token, an admin's change), the account is disabled,
    its role changed (the token carries the role for logs and clients, but the database is
    the authority), or its password changed after the token was issued. One query, and
    nothing cached: a revocation holds from the next request on."""
    user = repository.get_user_in_login(session, claims.user_id, claims.session_id)
    if user is None or not user.is_active or user.role != claims.role:
        return None
    # ``iat`` has whole seconds: a token issued in the second of the change is let through
    # here, and refused by its revoked login (every change of password revokes them all).
    changed = user.password_changed_at
    if changed is not None and claims.issued_at < changed.replace(microsecond=0):
        return None
    return user


def get_current_user(session: SessionDep, token: Annotated[str | None, Depends(_token)]) -> User:
    if not token:
        raise NotAuthenticated()
    user = user_for_claims(session, decode_access_token(token))
    if user is None:
        raise InvalidToken()
    request_context.set_caller(user.id, user.role)
    return user


def get_optional_user(session: SessionDep, token: Annotated[str | None, Depends(_token)]) -> User | None:
    """For public endpoints that show more to a logged-in caller; a bad token still fails."""
    return get_current_user(session, token) if token else None


def get_access_expiry(token: Annotated[str | None, Depends(_token)]) -> datetime:
    """When the caller's access token runs out: a long-lived answer (a live stream) ends
    then, and the client comes back with a fresh token."""
    if not token:
        raise NotAuthenticated()
    return decode_access_token(token).expires_at


CurrentUser = Annotated[User, Depends(get_current_user)]
AccessExpiry = Annotated[datetime, Depends(get_access_expiry)]
OptionalUser = Annotated[User | None, Depends(get_optional_user)]


def _require(*roles: Role):  # type: ignore[no-untyped-def]
    allowed = frozenset(roles)

    def dependency(user: CurrentUser) -> User:
        if user.role not in allowed:
            raise PermissionDenied()
        return user

    dependency.__name__ = "require_" + "_or_".join(sorted(allowed))
    return dependency


require_admin = _require(Role.admin)
require_staff = _require(*STAFF_ROLES)
require_citizen = _require(Role.citizen)
require_dispatcher = _require(Role.dispatcher)

AdminUser = Annotated[User, Depends(require_admin)]
StaffUser = Annotated[User, Depends(require_staff)]
CitizenUser = Annotated[User, Depends(require_citizen)]
DispatcherUser = Annotated[User, Depends(require_dispatcher)]


def client_address(request: Request) -> str:
    # `phananh serve` resolves X-Forwarded-For only from FORWARDED_ALLOW_IPS (none by default).
    return request.client.host if request.client else "unknown"


ClientAddress = Annotated[str, Depends(client_address)]
