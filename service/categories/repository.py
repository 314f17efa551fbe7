"""The only place that queries categories and their groups."""

from collections.abc import Sequence

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


def in_use(session: Session, category_id: int) -> bool:
    from service.intake.models import Complaint

    return session.exec(select(Complaint.id).where(Complaint.category_id == category_id).limit(1)).first() is not None


def get_group(session: Session, code: str) -> CategoryGroup | None:
    return session.get(CategoryGroup, code)
