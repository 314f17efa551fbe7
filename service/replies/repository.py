"""The only place that queries reply templates."""

from collections.abc import Sequence

from sqlmodel import Session, col, or_, select

from service.replies.models import ReplyPurpose, ReplyTemplate
from service.units.repository import VIETNAMESE


def list_all(session: Session) -> Sequence[ReplyTemplate]:
    return session.exec(
        select(ReplyTemplate).order_by(col(ReplyTemplate.title).collate(VIETNAMESE), col(ReplyTemplate.id))
    ).all()


def get(session: Session, template_id: int) -> ReplyTemplate | None:
    return session.get(ReplyTemplate, template_id)


def for_category(session: Session, *, category_id: int, purpose: ReplyPurpose | None = None) -> Sequence[ReplyTemplate]:
    """The active templates a report of the category is offered: the category's own first,
    then those for every category; by title within each."""
    statement = select(ReplyTemplate).where(
        col(ReplyTemplate.is_active).is_(True),
        or_(col(ReplyTemplate.category_id).is_(None), ReplyTemplate.category_id == category_id),
    )
    if purpose is not None:
        statement = statement.where(ReplyTemplate.purpose == purpose)
    return session.exec(
        statement.order_by(
            col(ReplyTemplate.category_id).is_(None),
            col(ReplyTemplate.title).collate(VIETNAMESE),
            col(ReplyTemplate.id),
        )
    ).all()


def delete(session: Session, template: ReplyTemplate) -> None:
    session.delete(template)
    session.flush()
