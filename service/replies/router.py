"""Reply templates over HTTP: the admin API (``/api/v1/admin/reply-templates``) and, for
staff, the templates of a report filled in for it (``/api/v1/complaints/{id}/reply-templates``)."""

import uuid

from fastapi import APIRouter, status

from service.categories.errors import UnknownCategory
from service.core.database import SessionDep
from service.core.errors import NotAuthenticated, NotFound, PermissionDenied, responses
from service.core.schemas import IdPath
from service.identity.policies import AdminUser, StaffUser
from service.replies import service
from service.replies.errors import UnknownPlaceholder
from service.replies.models import ReplyPurpose
from service.replies.schemas import FilledReply, ReplyTemplateCreate, ReplyTemplateRead, ReplyTemplateUpdate
from service.reports import repository as reports

router = APIRouter(tags=["handling"], responses=responses(NotAuthenticated, PermissionDenied))
admin_router = APIRouter(
    prefix="/api/v1/admin/reply-templates", tags=["admin"], responses=responses(NotAuthenticated, PermissionDenied)
)


@router.get(
    "/api/v1/complaints/{complaint_id}/reply-templates",
    response_model=list[FilledReply],
    responses=responses(NotFound),
)
def templates_for_report(
    complaint_id: uuid.UUID, _: StaffUser, session: SessionDep, purpose: ReplyPurpose | None = None
):
    """Staff: the active reply templates for the report's category (its own first, then
    those for every category), filled in for this report in Vietnamese and English — its
    code, category, unit, resolution deadline and ward. The officer puts one into the
    result or the question and edits it before sending; nothing is sent from here."""
    complaint = reports.get(session, complaint_id)
    if complaint is None:
        raise NotFound(field="complaint_id")
    return service.filled_for(session=session, complaint=complaint, purpose=purpose)


@admin_router.get("", response_model=list[ReplyTemplateRead])
def list_templates(_: AdminUser, session: SessionDep):
    """Every reply template, retired ones included, by title."""
    return service.list_templates(session=session)


@admin_router.post(
    "",
    status_code=status.HTTP_201_CREATED,
    response_model=ReplyTemplateRead,
    responses=responses(UnknownCategory, UnknownPlaceholder),
)
def create_template(body: ReplyTemplateCreate, _: AdminUser, session: SessionDep):
    """A template for one category (``category_code``) or for every category (null). The
    bodies may hold ``{code}``, ``{category}``, ``{unit}``, ``{due}`` and ``{ward}``
    (``{{`` and ``}}`` for a brace); any other placeholder is refused, naming the body."""
    return service.create(session=session, data=body)


@admin_router.get("/{template_id}", response_model=ReplyTemplateRead, responses=responses(NotFound))
def read_template(template_id: IdPath, _: AdminUser, session: SessionDep):
    return service.get(session=session, template_id=template_id)


@admin_router.patch(
    "/{template_id}",
    response_model=ReplyTemplateRead,
    responses=responses(NotFound, UnknownCategory, UnknownPlaceholder),
)
def update_template(template_id: IdPath, body: ReplyTemplateUpdate, _: AdminUser, session: SessionDep):
    """Change, move to another category (null: every category) or retire (``is_active=false``)."""
    return service.update(session=session, template_id=template_id, data=body)


@admin_router.delete("/{template_id}", status_code=status.HTTP_204_NO_CONTENT, responses=responses(NotFound))
def delete_template(template_id: IdPath, _: AdminUser, session: SessionDep) -> None:
    service.delete(session=session, template_id=template_id)
