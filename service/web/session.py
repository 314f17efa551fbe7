"""The console's login in cookies, and the CSRF token its forms carry.

The access token sits in an HttpOnly, SameSite=Strict cookie that the API accepts for
reading only (service/accounts/policies.py); the refresh token in a second one limited to
``/web``. Every form posts the CSRF token, which must match the ``pa_csrf`` cookie.
"""

import secrets
from urllib.parse import quote, unquote

from fastapi import Request, Response

from service.accounts.schemas import TokenPair
from service.core.errors import PhanAnhError
from service.core.settings import get_settings
from service.identity.policies import ACCESS_COOKIE

REFRESH_COOKIE = "pa_refresh"
CSRF_COOKIE = "pa_csrf"
LANG_COOKIE = "pa_lang"
FLASH_COOKIE = "pa_flash"
REFRESH_DAYS_SECONDS = 30 * 24 * 3600


class CsrfRefused(PhanAnhError):
    status_code = 403
    code = "csrf_refused"
    message = "Phiên làm việc của biểu mẫu đã hết hạn; vui lòng tải lại trang."
    message_en = "The form's session has expired; reload the page."


def _cookie(response: Response, name: str, value: str, *, max_age: int, path: str = "/") -> None:
    response.set_cookie(
        name,
        value,
        max_age=max_age,
        path=path,
        httponly=True,
        samesite="strict",
        secure=get_settings().is_production,
    )


def set_login(response: Response, tokens: TokenPair) -> None:
    _cookie(response, ACCESS_COOKIE, tokens.access_token, max_age=tokens.expires_in)
    _cookie(response, REFRESH_COOKIE, tokens.refresh_token, max_age=tokens.refresh_expires_in, path="/web")


def clear_login(response: Response) -> None:
    response.delete_cookie(ACCESS_COOKIE, path="/")
    response.delete_cookie(REFRESH_COOKIE, path="/web")


def csrf_token(request: Request, response: Response | None = None) -> str:
    """The caller's CSRF token, made (and set on ``response``) when they have none yet."""
    token = request.cookies.get(CSRF_COOKIE) or getattr(request.state, "new_csrf", None)
    if not token:
        token = secrets.token_urlsafe(24)
        request.state.new_csrf = token
    if response is not None and getattr(request.state, "new_csrf", None):
        _cookie(response, CSRF_COOKIE, request.state.new_csrf, max_age=REFRESH_DAYS_SECONDS)
    return token


def check_csrf(request: Request, submitted: str | None) -> None:
    expected = request.cookies.get(CSRF_COOKIE)
    if not expected or not submitted or not secrets.compare_digest(expected, submitted):
        raise CsrfRefused(field="csrf")


def flash(response: Response, text: str) -> None:
    """A line shown once on the next page (cookies are ASCII: the text is URL-encoded)."""
    _cookie(response, FLASH_COOKIE, quote(text[:300]), max_age=60, path="/web")


def read_flash(request: Request) -> str | None:
    """The line left by :func:`flash`; the page that shows it deletes the cookie."""
    value = request.cookies.get(FLASH_COOKIE)
    return unquote(value) if value else None
