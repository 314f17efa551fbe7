"""Signed, expiring photo URLs.

Paths never reveal storage keys: the API hands out URLs carrying an HMAC of (photo,
variant, expiry) and, for what only some may see, the viewer they were made for. A URL
is never enough on its own for those: the photo endpoint serves a link that names a
viewer only to that same user, logged in (the app's bearer token in the image request's
Authorization header, the console's login cookie), who may still see the photo then.
Which links name a viewer is decided when the report is read (service/reports/views.py):
originals (staff who need to know) and every picture of a private report. A public
report's large and thumbnail views stay anonymous links that any image view can load.
"""

import hashlib
import hmac
import time
import uuid
from urllib.parse import urlencode

from service.core.settings import get_settings

URL_LIFETIME_SECONDS = 3600


def bound(variant: str, *, private: bool) -> bool:
    """Whether a link to this picture must name its viewer (minted with one, served only
    to them): an original always, anything of a private report too."""
    return variant == "original" or private


def _key() -> bytes:
    # A key of its own, derived from the token secret, so a URL signature can never be
    # replayed as anything else.
    secret = get_settings().jwt_secret.get_secret_value().encode()
    return hmac.new(secret, b"phananh/photo-url/v1", hashlib.sha256).digest()


def _signature(photo_id: uuid.UUID, variant: str, expires: int, viewer: int | None) -> str:
    message = f"{photo_id}:{variant}:{expires}" + (f":{viewer}" if viewer is not None else "")
    return hmac.new(_key(), message.encode(), hashlib.sha256).hexdigest()


def signed_url(photo_id: uuid.UUID, variant: str, *, viewer: int | None = None, now: float | None = None) -> str:
    """``viewer``: the user the URL is made for, signed into it; the photo endpoint
    serves it to them alone, in their session."""
    # Rounded up to the next 5 minutes so repeated reads give cacheable, identical URLs.
    moment = int(now if now is not None else time.time())
    expires = (moment + URL_LIFETIME_SECONDS) // 300 * 300 + 300
    params: dict[str, int | str] = {"expires": expires}
    if viewer is not None:
        params["viewer"] = viewer
    params["signature"] = _signature(photo_id, variant, expires, viewer)
    return f"/api/v1/photos/{photo_id}/{variant}?{urlencode(params)}"


def verify(
    photo_id: uuid.UUID,
    variant: str,
    expires: int,
    signature: str,
    *,
    viewer: int | None = None,
    now: float | None = None,
) -> bool:
    if expires < (now if now is not None else time.time()):
        return False
    expected = _signature(photo_id, variant, expires, viewer)
    # Bytes, not str: compare_digest refuses non-ASCII text, and a URL can carry anything.
    return hmac.compare_digest(expected.encode(), signature.encode("utf-8", "replace"))
