"""Who may call what: one dependency per policy, used as ``Annotated`` aliases.

Routes declare the caller they need (``CurrentUser``, ``StaffUser``, ``AdminUser``)
and never check roles themselves.
"""

from datetime import datetime
from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import OAuth2PasswordBearer

from service.core import request_context
from service.core.database import SessionDep
from service.core.errors import InvalidToken, NotAuthenticated, PermissionDenied
from service.identity import repository
from service.identity.models import STAFF_ROLES, Role, User
from service.identity.security import decode_access_token

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


def get_current_user(session: SessionDep, token: Annotated[str | None, Depends(_token)]) -> User:
    if not token:
        raise NotAuthenticated()
    claims = decode_access_token(token)
    user = repository.get_user(session, claims.user_id)
    # A role changed since the token was issued invalidates it: the token carries the role
    # for logs and clients, but the database is the authority.
    if user is None or not user.is_active or user.role != claims.role:
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
    # uvicorn --proxy-headers (deploy/) resolves X-Forwarded-For from trusted proxies only.
    return request.client.host if request.client else "unknown"


ClientAddress = Annotated[str, Depends(client_address)]
