from typing import Annotated

from fastapi import APIRouter, Query, status

from service.core.database import SessionDep
from service.core.errors import Conflict, NotAuthenticated, NotFound, PermissionDenied, responses
from service.core.schemas import IdPath, Page
from service.identity.policies import AdminUser
from service.units import service
from service.units.models import UnitKind
from service.units.schemas import UnitCreate, UnitRead, UnitUpdate

admin_router = APIRouter(
    prefix="/api/v1/admin/units",
    tags=["admin"],
    responses=responses(NotAuthenticated, PermissionDenied),
)


@admin_router.get("", response_model=Page[UnitRead])
def list_units(
    _: AdminUser,
    session: SessionDep,
    q: Annotated[str | None, Query(max_length=64)] = None,
    kind: UnitKind | None = None,
    area_code: str | None = None,
    offset: Annotated[int, Query(ge=0)] = 0,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
):
    return service.search(session=session, query=q, kind=kind, area_code=area_code, offset=offset, limit=limit)


@admin_router.post("", status_code=status.HTTP_201_CREATED, response_model=UnitRead, responses=responses(Conflict))
def create_unit(body: UnitCreate, _: AdminUser, session: SessionDep):
    """Create a unit and the wards it covers (by official ward code)."""
    return service.create(session=session, data=body)


@admin_router.get("/{unit_id}", response_model=UnitRead, responses=responses(NotFound))
def read_unit(unit_id: IdPath, _: AdminUser, session: SessionDep):
    return service.read(session=session, unit_id=unit_id)


@admin_router.patch("/{unit_id}", response_model=UnitRead, responses=responses(NotFound))
def update_unit(unit_id: IdPath, body: UnitUpdate, _: AdminUser, session: SessionDep):
    """Change a unit; ``area_codes``, when given, replaces the wards it covers."""
    return service.update(session=session, unit_id=unit_id, data=body)


@admin_router.delete("/{unit_id}", status_code=status.HTTP_204_NO_CONTENT, responses=responses(NotFound, Conflict))
def delete_unit(unit_id: IdPath, _: AdminUser, session: SessionDep) -> None:
    """Delete a unit nobody belongs to; a unit with staff is deactivated instead (409)."""
    service.delete(session=session, unit_id=unit_id)
