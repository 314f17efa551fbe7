import uuid
from typing import Annotated, Literal

from fastapi import APIRouter, Query, Response

from service import audit
from service.core.database import SessionDep
from service.core.errors import NotFound, PermissionDenied, responses
from service.identity import repository as identity
from service.media import repository
from service.media.storage import ObjectNotFound, get_storage
from service.reports import signing
from service.reports.models import PhotoStatus

router = APIRouter(prefix="/api/v1/photos", tags=["complaints"])


class InvalidPhotoUrl(PermissionDenied):
    code = "invalid_photo_url"
    message = "Đường dẫn ảnh không hợp lệ hoặc đã hết hạn."
    message_en = "The photo link is not valid or has expired."


@router.get(
    "/{photo_id}/{variant}",
    response_class=Response,
    responses={200: {"content": {"image/jpeg": {}}}, **responses(InvalidPhotoUrl, NotFound)},
)
def photo_bytes(
    photo_id: uuid.UUID,
    variant: Literal["large", "thumb", "original"],
    session: SessionDep,
    expires: Annotated[int, Query()],
    signature: Annotated[str, Query(max_length=64)],
    viewer: Annotated[int | None, Query(ge=1, le=2**31 - 1, description="Signed into staff's original links")] = None,
) -> Response:
    """A photo from a signed URL given out with a report. ``large`` (1280 px) and
    ``thumb`` (320 px) are re-encoded JPEGs with every bit of metadata removed;
    ``original`` is the untouched upload, linked for staff only."""
    if not signing.verify(photo_id, variant, expires, signature, viewer=viewer):
        raise InvalidPhotoUrl(field="signature")
    photo = repository.get_photo(session, photo_id)
    if photo is None:
        raise NotFound(field="photo_id")
    key: str | None
    if variant == "original":
        key, media_type = photo.original_key, photo.content_type
        # The link was made for one staff member and says so (signed): they are the actor.
        user = identity.get_user(session, viewer) if viewer is not None else None
        audit.record(
            session=session,
            actor=user or audit.caller(),
            action="photo.original_viewed",
            object_type="photo",
            object_id=photo.id,
            after={"complaint_id": photo.complaint_id},
        )
    else:
        key = photo.large_key if variant == "large" else photo.thumb_key
        media_type = "image/jpeg"
        if photo.status != PhotoStatus.ready or key is None:
            raise NotFound("Ảnh đang được xử lý.", "The photo is still being processed.", field="photo_id")
    try:
        data = get_storage().get(key)
    except ObjectNotFound as exc:
        raise NotFound(field="photo_id") from exc
    # The URL itself is the credential: let browsers cache it, never shared caches.
    return Response(
        data, media_type=media_type, headers={"Cache-Control": f"private, max-age={signing.URL_LIFETIME_SECONDS}"}
    )
