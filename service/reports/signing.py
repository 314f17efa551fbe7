"""Signed, expiring photo URLs.

The app shows photos in image views that cannot send an Authorization header, so the
API hands out URLs carrying an HMAC of (photo, variant, expiry). Who gets which URL is
decided when the report is read (originals only for staff); the photo endpoint only
checks the signature. Paths never reveal storage keys.
"""

import hashlib
import hmac
import time
import uuid
from urllib.parse import urlencode

from service.core.settings import get_settings

URL_LIFETIME_SECONDS = 3600


def _key() -> bytes:
    # A key of its own, derived from the token secret, so a URL signature can never be
    # replayed as anything else.
    secret = get_settings().jwt_secret.get_secret_value().encode()
    return hmac.new(secret, b"phananh/photo-url/v1", hashlib.sha256).digest()


def _signature(photo_id: uuid.UUID, variant: str, expires: int, viewer: int | None) -> str:
    message = f"{photo_id}:{variant}:{expires}" + (f":{viewer}" if viewer is not None else "")
    return hmac.new(_key(), message.encode(), hashlib.sha256).hexdigest()


def signed_url(photo_id: uuid.UUID, variant: str, *, viewer: int | None = None, now: float | None = None) -> str:
    """``viewer``: the staff member the URL is made for, signed into it, so that the
    audit trail can say who looked at a private original (an image tag sends no token)."""
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
