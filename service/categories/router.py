from fastapi import APIRouter, status

from service.categories import service
from service.categories.schemas import (
    CategoryCreate,
    CategoryGroupCreate,
    CategoryGroupRead,
    CategoryRead,
    CategoryUpdate,
)
from service.core.database import SessionDep
from service.core.errors import Conflict, NotAuthenticated, NotFound, PermissionDenied, responses
from service.core.schemas import IdPath
from service.identity.policies import AdminUser

router = APIRouter(prefix="/api/v1/categories", tags=["reference data"])
admin_router = APIRouter(
    prefix="/api/v1/admin",
    tags=["admin"],
    responses=responses(NotAuthenticated, PermissionDenied),
)


@router.get("", response_model=list[CategoryRead])
def list_categories(session: SessionDep):
    """Every category a resident can report under, in display order, with its group,
    Vietnamese and English names and default priority."""
    return service.list_categories(session=session, include_inactive=False)


@admin_router.get("/category-groups", response_model=list[CategoryGroupRead])
def list_groups(_: AdminUser, session: SessionDep):
    return service.list_groups(session=session)


@admin_router.post(
    "/category-groups",
    status_code=status.HTTP_201_CREATED,
    response_model=CategoryGroupRead,
    responses=responses(Conflict),
)
def create_group(body: CategoryGroupCreate, _: AdminUser, session: SessionDep):
    return service.create_group(session=session, data=body)


@admin_router.get("/categories", response_model=list[CategoryRead])
def admin_list_categories(_: AdminUser, session: SessionDep):
    """All categories, retired ones included."""
    return service.list_categories(session=session, include_inactive=True)


@admin_router.post(
    "/categories",
    status_code=status.HTTP_201_CREATED,
    response_model=CategoryRead,
    responses=responses(Conflict),
)
def create_category(body: CategoryCreate, _: AdminUser, session: SessionDep):
    return service.create(session=session, data=body)


@admin_router.get("/categories/{category_id}", response_model=CategoryRead, responses=responses(NotFound))
def read_category(category_id: IdPath, _: AdminUser, session: SessionDep):
    return service.get(session=session, category_id=category_id)


@admin_router.patch("/categories/{category_id}", response_model=CategoryRead, responses=responses(NotFound))
def update_category(category_id: IdPath, body: CategoryUpdate, _: AdminUser, session: SessionDep):
    """Rename, regroup, reprioritise or retire (``is_active=false``) a category."""
    return service.update(session=session, category_id=category_id, data=body)


@admin_router.delete(
    "/categories/{category_id}", status_code=status.HTTP_204_NO_CONTENT, responses=responses(NotFound, Conflict)
)
def delete_category(category_id: IdPath, _: AdminUser, session: SessionDep) -> None:
    service.delete(session=session, category_id=category_id)
