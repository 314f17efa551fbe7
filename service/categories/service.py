"""Categories (lĩnh vực) and their groups: what the admin API and the console's admin pages both call."""

from collections.abc import Sequence

from sqlmodel import Session

from service import audit
from service.categories import repository
from service.categories.models import Category, CategoryGroup
from service.categories.schemas import CategoryCreate, CategoryGroupCreate, CategoryUpdate
from service.core.errors import Conflict, NotFound, PhanAnhError
from service.core.updates import apply_update


class UnknownCategoryGroup(PhanAnhError):
    status_code = 422
    code = "unknown_category_group"
    message = "Nhóm lĩnh vực không tồn tại."
    message_en = "Unknown category group."


def _check_group(session: Session, code: str) -> None:
    if repository.get_group(session, code) is None:
        raise UnknownCategoryGroup(field="group_code")


def list_groups(*, session: Session) -> Sequence[CategoryGroup]:
    return repository.list_groups(session)


def list_categories(*, session: Session, include_inactive: bool) -> Sequence[Category]:
    return repository.list_categories(session, include_inactive=include_inactive)


def get(*, session: Session, category_id: int) -> Category:
    category = repository.get(session, category_id)
    if category is None:
        raise NotFound(field="category_id")
    return category


def create_group(*, session: Session, data: CategoryGroupCreate) -> CategoryGroup:
    if repository.get_group(session, data.code) is not None:
        raise Conflict("Mã nhóm đã tồn tại.", "Group code already exists.", code="group_code_taken", field="code")
    group = CategoryGroup(**data.model_dump())
    session.add(group)
    session.flush()
    audit.created(session=session, obj=group, action="category_group.created")
    return group


def create(*, session: Session, data: CategoryCreate) -> Category:
    if repository.get_by_code(session, data.code) is not None:
        raise Conflict(
            "Mã lĩnh vực đã tồn tại.", "Category code already exists.", code="category_code_taken", field="code"
        )
    _check_group(session, data.group_code)
    category = Category(**data.model_dump())
    session.add(category)
    session.flush()
    session.refresh(category)
    audit.created(session=session, obj=category, action="category.created")
    return category


def update(*, session: Session, category_id: int, data: CategoryUpdate) -> Category:
    category = get(session=session, category_id=category_id)
    changes = data.model_dump(exclude_unset=True)
    if changes.get("group_code") is not None:
        _check_group(session, changes["group_code"])
    apply_update(category, changes)
    audit.updated(session=session, obj=category, action="category.updated")
    session.add(category)
    session.flush()
    session.refresh(category)
    return category


def delete(*, session: Session, category_id: int) -> None:
    """Delete a category no report uses; one that was used is retired instead."""
    category = get(session=session, category_id=category_id)
    audit.deleted(session=session, obj=category, action="category.deleted")
    if not repository.delete_unless_referenced(session, category):
        raise Conflict(
            "Lĩnh vực đã có phản ánh; hãy cho ngừng sử dụng thay vì xoá.",
            "Reports use this category; retire it instead of deleting it.",
            code="category_in_use",
        )
