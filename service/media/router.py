import time
import uuid
from typing import Annotated, Literal

from fastapi import APIRouter, Query, Response
from sqlmodel import Session

from service import audit
from service.core.database import SessionDep
from service.core.errors import InvalidToken, NotAuthenticated, NotFound, PermissionDenied, TokenExpired, responses
from service.identity.models import User
from service.identity.policies import OptionalUser
from service.media import repository
from service.media.storage import ObjectNotFound, get_storage
from service.reports import repository as reports
from service.reports import signing, views
from service.reports.models import Complaint, PhotoStatus, Visibility
from service.reports.policies import Audience

router = APIRouter(prefix="/api/v1/photos", tags=["complaints"])


class InvalidPhotoUrl(PermissionDenied):
    code = "invalid_photo_url"
    message = "Đường dẫn ảnh không hợp lệ hoặc đã hết hạn."
    message_en = "The photo link is not valid or has expired."


class PhotoNotYours(PermissionDenied):
    code = "photo_not_yours"
    message = "Đường dẫn ảnh này được cấp cho người khác: hãy mở lại phản ánh để có đường dẫn của bạn."
    message_en = "This photo link was made for someone else: open the report again to get your own."


class PhotoNotAllowed(PermissionDenied):
    code = "photo_not_allowed"
    message = "Bạn không còn được xem ảnh này."
    message_en = "You may no longer see this photo."


def _check_viewer(
    session: Session, *, user: User | None, viewer: int | None, complaint: Complaint, variant: str
) -> User:
    """A bound link (``signing.bound``) opens only in its viewer's own session, and only
    while they may still see the picture: the need-to-know rule for an original, the
    report itself for the rest (``views.audience``, asked now, not when it was minted)."""
    if user is None:
        raise NotAuthenticated(field="Authorization")
    if viewer is None or user.id != viewer:
        raise PhotoNotYours(field="viewer")
    seen = views.audience(session, user, complaint)
    if not (seen == Audience.staff if variant == "original" else seen is not None):
        raise PhotoNotAllowed(field="photo_id")
    return user


@router.get(
    "/{photo_id}/{variant}",
    response_class=Response,
    responses={
        200: {"content": {"image/jpeg": {}}},
        **responses(
            InvalidPhotoUrl, NotAuthenticated, InvalidToken, TokenExpired, PhotoNotYours, PhotoNotAllowed, NotFound
        ),
    },
)
def photo_bytes(
    photo_id: uuid.UUID,
    variant: Literal["large", "thumb", "original"],
    session: SessionDep,
    user: OptionalUser,
    expires: Annotated[int, Query()],
    signature: Annotated[str, Query(max_length=64)],
    viewer: Annotated[
        int | None, Query(ge=1, le=2**31 - 1, description="Who the link was made for (signed into it)")
    ] = None,
) -> Response:
    """A photo from a signed URL given out with a report. ``large`` (1280 px) and
    ``thumb`` (320 px) are re-encoded JPEGs with every bit of metadata removed;
    ``original`` is the untouched upload, linked for staff who need to know.

    A public report's ``large`` and ``thumb`` links are anonymous. A link that names a
    ``viewer`` (an original; any picture of a private report) opens only for that user,
    logged in — the app sends its bearer token in the image request, the console its
    login cookie — and only while they may still see it: 401 ``not_authenticated``
    without a login, 403 ``photo_not_yours`` for someone else, 403 ``photo_not_allowed``
    once they may no longer see it."""
    if not signing.verify(photo_id, variant, expires, signature, viewer=viewer):
        raise InvalidPhotoUrl(field="signature")
    photo = repository.get_photo(session, photo_id)
    complaint = reports.get(session, photo.complaint_id) if photo else None
    if photo is None or complaint is None:
        raise NotFound(field="photo_id")
    # Asked now, not when the link was minted: a report made private since is bound too.
    bound = signing.bound(variant, private=complaint.visibility == Visibility.private) or viewer is not None
    fetcher = _check_viewer(session, user=user, viewer=viewer, complaint=complaint, variant=variant) if bound else None
    key: str | None
    if variant == "original":
        assert fetcher is not None  # an original is always bound
        key, media_type = photo.original_key, photo.content_type
        audit.record(
            session=session,
            actor=fetcher,
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
    return Response(data, media_type=media_type, headers=_cache_headers(variant, bound=bound, expires=expires))


def _cache_headers(variant: str, *, bound: bool, expires: int) -> dict[str, str]:
    if not bound:
        # The URL itself is the credential: let browsers cache it, never shared caches.
        return {"Cache-Control": f"private, max-age={signing.URL_LIFETIME_SECONDS}"}
    # The answer depends on who asks: a browser keeps it apart per login (the console's
    # cookie), never past the link's own expiry.
    vary = {"Vary": "Authorization, Cookie"}
    if variant == "original":
        # Never kept: every opening is checked again and leaves its audit row.
        return {"Cache-Control": "private, no-store", **vary}
    return {"Cache-Control": f"private, max-age={max(0, expires - int(time.time()))}", **vary}
