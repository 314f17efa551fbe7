"""The only place in media that queries: photos by id."""

import uuid

from sqlmodel import Session

from service.reports.models import Photo


def get_photo(session: Session, photo_id: uuid.UUID) -> Photo | None:
    return session.get(Photo, photo_id)
