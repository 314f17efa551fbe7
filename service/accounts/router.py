from typing import Annotated

from fastapi import APIRouter, Depends, Query, status
from fastapi.security import OAuth2PasswordRequestForm

from service.accounts import service
from service.accounts.schemas import (
    MeUpdate,
    RefreshRequest,
    RegisterRequest,
    TokenPair,
    UserCreate,
    UserRead,
    UserUpdate,
)
from service.core.database import SessionDep
from service.core.errors import (
    Conflict,
    InvalidCredentials,
    InvalidToken,
    NotAuthenticated,
    NotFound,
    PermissionDenied,
    RateLimited,
    responses,
)
from service.core.redis import get_redis
from service.core.schemas import INT_MAX, IdPath, Page
from service.identity.models import Role
from service.identity.passwords import WeakPassword
from service.identity.policies import AdminUser, ClientAddress, CurrentUser

auth_router = APIRouter(prefix="/api/v1/auth", tags=["auth"])
me_router = APIRouter(prefix="/api/v1/me", tags=["auth"])
admin_users_router = APIRouter(
    prefix="/api/v1/admin/users",
    tags=["admin"],
    responses=responses(NotAuthenticated, PermissionDenied),
)


@auth_router.post(
    "/register",
    status_code=status.HTTP_201_CREATED,
    response_model=UserRead,
    responses=responses(Conflict, RateLimited, WeakPassword),
)
def register(body: RegisterRequest, session: SessionDep, address: ClientAddress):
    """Create a citizen account with a Vietnamese mobile number and a password.

    The phone number becomes the login name; log in afterwards with
    ``POST /api/v1/auth/token``.
    """
    return service.register_citizen(
        session=session,
        phone=body.phone,
        password=body.password,
        full_name=body.full_name,
        language=body.language,
        redis_client=get_redis(),
        client_address=address,
        claim_code=body.claim_code,
    )


@auth_router.post("/token", response_model=TokenPair, responses=responses(InvalidCredentials, RateLimited))
def login(form: Annotated[OAuth2PasswordRequestForm, Depends()], session: SessionDep, address: ClientAddress):
    """OAuth2 password flow. ``username`` is the phone number for citizens (any common
    Vietnamese format) or the assigned username for staff.

    Returns a short-lived bearer access token and a single-use refresh token. Repeated
    failures for one account or one address are refused with 429 and ``Retry-After``.
    """
    user = service.authenticate(
        session=session,
        redis_client=get_redis(),
        login=form.username,
        password=form.password,
        client_address=address,
    )
    return service.issue_tokens(session=session, user=user)


@auth_router.post("/refresh", response_model=TokenPair, responses=responses(InvalidToken))
def refresh(body: RefreshRequest, session: SessionDep):
    """Trade a refresh token for a new access token and a new refresh token.

    Each refresh token works once. Presenting one that was already used revokes every
    token of that login, as it means the token was copied.
    """
    return service.refresh_tokens(session=session, refresh_token=body.refresh_token)


@auth_router.post("/logout", status_code=status.HTTP_204_NO_CONTENT)
def logout(body: RefreshRequest, session: SessionDep) -> None:
    """Revoke the refresh token and every token issued from the same login: its access
    tokens are refused (401 ``invalid_token``) from the next request on."""
    service.logout(session=session, refresh_token=body.refresh_token)


@me_router.get("", response_model=UserRead, responses=responses(NotAuthenticated))
def read_me(user: CurrentUser):
    """The caller, with role and unit."""
    return user


@me_router.patch("", response_model=UserRead, responses=responses(NotAuthenticated))
def update_me(body: MeUpdate, user: CurrentUser, session: SessionDep):
    """Change one's own name, e-mail or language (``vi`` or ``en``)."""
    return service.update_me(session=session, user=user, data=body)


@admin_users_router.get("", response_model=Page[UserRead])
def list_users(
    _: AdminUser,
    session: SessionDep,
    role: Role | None = None,
    unit_id: Annotated[int | None, Query(ge=1, le=INT_MAX)] = None,
    q: Annotated[str | None, Query(max_length=64)] = None,
    offset: Annotated[int, Query(ge=0)] = 0,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
):
    return service.list_users(session=session, role=role, unit_id=unit_id, query=q, offset=offset, limit=limit)


@admin_users_router.post(
    "", status_code=status.HTTP_201_CREATED, response_model=UserRead, responses=responses(Conflict, WeakPassword)
)
def create_user(body: UserCreate, _: AdminUser, session: SessionDep):
    """Create a staff (or citizen) account. Officers and unit leads need ``unit_id``."""
    return service.create_user(session=session, data=body)


@admin_users_router.get("/{user_id}", response_model=UserRead, responses=responses(NotFound))
def read_user(user_id: IdPath, _: AdminUser, session: SessionDep):
    return service.get_user(session=session, user_id=user_id)


@admin_users_router.patch("/{user_id}", response_model=UserRead, responses=responses(NotFound, WeakPassword))
def update_user(user_id: IdPath, body: UserUpdate, admin: AdminUser, session: SessionDep):
    """Change a role, unit, password or disable an account. Any of these ends the
    user's open sessions."""
    return service.update_user(session=session, actor=admin, user_id=user_id, data=body)
