"""The only place that queries categories and their groups."""

from collections.abc import Sequence

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from service.categories.models import Category, CategoryGroup


def list_categories(session: Session, *, include_inactive: bool) -> Sequence[Category]:
    statement = select(Category).join(CategoryGroup)
    if not include_inactive:
        statement = statement.where(col(Category.is_active).is_(True))
    return session.exec(
        statement.order_by(col(CategoryGroup.sort_order), col(Category.sort_order), col(Category.code))
    ).all()


def list_groups(session: Session) -> Sequence[CategoryGroup]:
    return session.exec(select(CategoryGroup).order_by(col(CategoryGroup.sort_order))).all()


def get(session: Session, category_id: int) -> Category | None:
    return session.get(Category, category_id)


def get_by_code(session: Session, code: str) -> Category | None:
    return session.exec(select(Category).where(Category.code == code)).first()


def delete_unless_referenced(session: Session, category: Category) -> bool:
    """Delete the category unless a report names it (the reports' foreign key, the only
    one that does not cascade, says so); False when one does."""
    try:
        with session.begin_nested():
            session.delete(category)
            session.flush()
    except IntegrityError as refused:
        if getattr(getattr(refused.orig, "diag", None), "table_name", None) == "complaints":
            return False
        raise
    return True


def get_group(session: Session, code: str) -> CategoryGroup | None:
    return session.get(CategoryGroup, code)
