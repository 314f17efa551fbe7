"""Categories (lĩnh vực) and their groups."""

from sqlmodel import Session

from service.categories import repository
from service.categories.models import Category, CategoryGroup
from service.categories.schemas import CategoryCreate, CategoryGroupCreate, CategoryUpdate
from service.core.errors import Conflict, PhanAnhError


class UnknownCategoryGroup(PhanAnhError):
    status_code = 422
    code = "unknown_category_group"
    message = "Nhóm lĩnh vực không tồn tại."
    message_en = "Unknown category group."


def _check_group(session: Session, code: str) -> None:
    if repository.get_group(session, code) is None:
        raise UnknownCategoryGroup(field="group_code")


def create_group(*, session: Session, data: CategoryGroupCreate) -> CategoryGroup:
    if repository.get_group(session, data.code) is not None:
        raise Conflict("Mã nhóm đã tồn tại.", "Group code already exists.", code="group_code_taken", field="code")
    group = CategoryGroup(**data.model_dump())
    session.add(group)
    session.flush()
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
    return category


def update(*, session: Session, category: Category, data: CategoryUpdate) -> Category:
    changes = data.model_dump(exclude_unset=True)
    if "group_code" in changes:
        _check_group(session, changes["group_code"])
    for name, value in changes.items():
        setattr(category, name, value)
    session.add(category)
    session.flush()
    session.refresh(category)
    return category


def delete(*, session: Session, category: Category) -> None:
    # Reports will reference categories: retire one with is_active=false once it was used.
    session.delete(category)
    session.flush()
