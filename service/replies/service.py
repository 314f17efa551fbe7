"""Reply templates: what the admin API and the console's admin pages both call, and the
templates filled in for a report, which the report page and its API offer officers.

Every body is checked when it is saved: a placeholder that is not one of ours
(``placeholders.PLACEHOLDERS``) is refused with the field named, so what officers are
offered always fills in.
"""

from sqlmodel import Session

from service import audit
from service.areas import repository as areas
from service.categories import repository as categories
from service.categories.errors import UnknownCategory
from service.core.errors import NotFound
from service.core.timeutil import format_local
from service.core.updates import apply_update
from service.replies import placeholders, repository
from service.replies.errors import UnknownPlaceholder
from service.replies.models import ReplyPurpose, ReplyTemplate
from service.replies.schemas import FilledReply, ReplyTemplateCreate, ReplyTemplateRead, ReplyTemplateUpdate
from service.reports.models import Complaint
from service.units import repository as units

BODIES = ("body_vi", "body_en")


def _read(template: ReplyTemplate, codes: dict[int, str]) -> ReplyTemplateRead:
    return ReplyTemplateRead(
        id=template.id,  # type: ignore[arg-type]
        title=template.title,
        purpose=template.purpose,
        category_code=codes.get(template.category_id) if template.category_id else None,
        body_vi=template.body_vi,
        body_en=template.body_en,
        is_active=template.is_active,
        created_at=template.created_at,
        updated_at=template.updated_at,
    )


def _codes(session: Session) -> dict[int, str]:
    return {c.id: c.code for c in categories.list_categories(session, include_inactive=True) if c.id is not None}


def _category_id(session: Session, code: str | None) -> int | None:
    if code is None:
        return None
    category = categories.get_by_code(session, code)
    if category is None:
        raise UnknownCategory(field="category_code")
    return category.id


def _check_bodies(changes: dict[str, object]) -> None:
    for name in BODIES:
        text = changes.get(name)
        if isinstance(text, str):
            try:
                placeholders.check(text)
            except placeholders.BadPlaceholder as bad:
                raise UnknownPlaceholder.naming(bad.name, field=name) from bad


def _get(session: Session, template_id: int) -> ReplyTemplate:
    template = repository.get(session, template_id)
    if template is None:
        raise NotFound(field="template_id")
    return template


def list_templates(*, session: Session) -> list[ReplyTemplateRead]:
    codes = _codes(session)
    return [_read(t, codes) for t in repository.list_all(session)]


def get(*, session: Session, template_id: int) -> ReplyTemplateRead:
    return _read(_get(session, template_id), _codes(session))


def create(*, session: Session, data: ReplyTemplateCreate) -> ReplyTemplateRead:
    values = data.model_dump()
    _check_bodies(values)
    values["category_id"] = _category_id(session, values.pop("category_code"))
    template = ReplyTemplate(**values)
    session.add(template)
    session.flush()
    session.refresh(template)
    audit.created(session=session, obj=template, action="reply_template.created")
    return _read(template, _codes(session))


def update(*, session: Session, template_id: int, data: ReplyTemplateUpdate) -> ReplyTemplateRead:
    template = _get(session, template_id)
    changes = data.model_dump(exclude_unset=True)
    _check_bodies(changes)
    if "category_code" in changes:
        changes["category_id"] = _category_id(session, changes.pop("category_code"))
    apply_update(template, changes)
    audit.updated(session=session, obj=template, action="reply_template.updated")
    session.add(template)
    session.flush()
    session.refresh(template)
    return _read(template, _codes(session))


def delete(*, session: Session, template_id: int) -> None:
    template = _get(session, template_id)
    audit.deleted(session=session, obj=template, action="reply_template.deleted")
    repository.delete(session, template)


def values_for(*, session: Session, complaint: Complaint) -> dict[str, dict[str, str]]:
    """What each placeholder becomes on this report, per language."""
    category = categories.get(session, complaint.category_id)
    unit = units.get(session, complaint.current_unit_id) if complaint.current_unit_id else None
    ward = areas.get(session, complaint.area_id)
    deadline = format_local(complaint.resolve_due_at) if complaint.resolve_due_at else None
    return {
        "vi": {
            "code": complaint.code,
            "category": category.name if category else "",
            "unit": unit.name if unit else "đơn vị xử lý",
            "due": deadline or "(chưa có hạn)",
            "ward": ward.full_name if ward else "",
        },
        "en": {
            "code": complaint.code,
            "category": category.name_en if category else "",
            "unit": unit.name_en if unit else "the unit in charge",
            "due": deadline or "(no deadline yet)",
            "ward": ward.full_name_en if ward else "",
        },
    }


def filled_for(*, session: Session, complaint: Complaint, purpose: ReplyPurpose | None = None) -> list[FilledReply]:
    """The active templates for the report's category (its own first, then those for every
    category), filled in for it in both languages."""
    values = values_for(session=session, complaint=complaint)
    codes = _codes(session)
    return [
        FilledReply(
            id=t.id,  # type: ignore[arg-type]
            title=t.title,
            purpose=t.purpose,
            category_code=codes.get(t.category_id) if t.category_id else None,
            text_vi=placeholders.fill(t.body_vi, values["vi"]),
            text_en=placeholders.fill(t.body_en, values["en"]),
        )
        for t in repository.for_category(session, category_id=complaint.category_id, purpose=purpose)
    ]
