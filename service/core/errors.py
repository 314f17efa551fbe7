"""Errors are types: each has an HTTP status and a stable machine ``code``.

Every refusal the API gives is the same JSON shape (:class:`ErrorBody`): the code
clients branch on, a Vietnamese message, its English twin and the field or file
at fault. Routes list the errors they can raise with :func:`responses` so the
OpenAPI document (and the mobile team) sees them.
"""

import html
import logging
from typing import Any, ClassVar

import kombu.exceptions
import psycopg
import redis
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, JSONResponse, Response
from pydantic import BaseModel
from sqlalchemy import exc as sa
from starlette.exceptions import HTTPException as StarletteHTTPException

log = logging.getLogger(__name__)


class FieldError(BaseModel):
    field: str
    code: str
    message: str


class ErrorBody(BaseModel):
    code: str
    message: str
    message_en: str
    field: str | None = None
    file: str | None = None
    errors: list[FieldError] | None = None
    # Refusals of a state change say which state the report is in now.
    current_status: str | None = None


class PhanAnhError(Exception):
    status_code: ClassVar[int] = 400
    code: ClassVar[str] = "bad_request"
    message: ClassVar[str] = "Yêu cầu không hợp lệ."
    message_en: ClassVar[str] = "The request is not valid."
    # Most refusals undo the request's writes. A few are themselves an outcome that must
    # be recorded (a stolen refresh token's family revoked): those keep their changes.
    keeps_changes: ClassVar[bool] = False

    def __init__(
        self,
        message: str | None = None,
        message_en: str | None = None,
        *,
        field: str | None = None,
        file: str | None = None,
        code: str | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        self.detail_message = message or self.message
        self.detail_message_en = message_en or self.message_en
        self.field = field
        self.file = file
        self.detail_code = code or self.code
        self.headers = headers
        super().__init__(f"{self.detail_code}: {self.detail_message_en}")

    def body(self) -> ErrorBody:
        return ErrorBody(
            code=self.detail_code,
            message=self.detail_message,
            message_en=self.detail_message_en,
            field=self.field,
            file=self.file,
        )


class NotAuthenticated(PhanAnhError):
    status_code = 401
    code = "not_authenticated"
    message = "Bạn cần đăng nhập."
    message_en = "You need to log in."

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("headers", {"WWW-Authenticate": "Bearer"})
        super().__init__(*args, **kwargs)


class InvalidCredentials(NotAuthenticated):
    code = "invalid_credentials"
    message = "Tên đăng nhập hoặc mật khẩu không đúng."
    message_en = "Wrong username or password."


class InvalidToken(NotAuthenticated):
    code = "invalid_token"
    message = "Phiên đăng nhập không hợp lệ."
    message_en = "The token is not valid."


class TokenExpired(NotAuthenticated):
    code = "token_expired"
    message = "Phiên đăng nhập đã hết hạn."
    message_en = "The token has expired."


class PermissionDenied(PhanAnhError):
    status_code = 403
    code = "forbidden"
    message = "Bạn không có quyền thực hiện thao tác này."
    message_en = "You are not allowed to do this."


class NotFound(PhanAnhError):
    status_code = 404
    code = "not_found"
    message = "Không tìm thấy."
    message_en = "Not found."


class Conflict(PhanAnhError):
    status_code = 409
    code = "conflict"
    message = "Dữ liệu bị trùng hoặc xung đột."
    message_en = "This conflicts with existing data."


class DependencyUnavailable(PhanAnhError):
    """PostgreSQL or Redis is away (restarting, failing over). Nothing the client sent was
    wrong and nothing was kept: the same request, sent again shortly, is answered."""

    status_code = 503
    code = "service_unavailable"
    message = "Dịch vụ tạm thời gián đoạn, vui lòng thử lại sau ít phút."
    message_en = "The service is briefly unavailable; please try again shortly."
    # Seconds: a PostgreSQL restart or a Redis failover takes a few; clients retry after.
    retry_after: ClassVar[int] = 5

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("headers", {"Retry-After": str(self.retry_after)})
        super().__init__(*args, **kwargs)


class DatabaseUnavailable(DependencyUnavailable):
    code = "database_unavailable"
    message = "Cơ sở dữ liệu tạm thời không phản hồi, vui lòng thử lại sau ít phút."
    message_en = "The database is briefly unavailable; please try again shortly."


class QueueUnavailable(DependencyUnavailable):
    code = "queue_unavailable"
    message = "Hệ thống hàng đợi tạm thời không phản hồi, vui lòng thử lại sau ít phút."
    message_en = "The queue service (Redis) is briefly unavailable; please try again shortly."


# What a lost connection looks like, however it surfaces: wrapped by SQLAlchemy (a
# query, the pool's pre-ping, a commit), or psycopg's own error from a path that does
# not wrap it (a connection closed under a cursor). A pool that cannot hand out a
# connection in time (sa.TimeoutError) is the same answer: come back shortly.
DATABASE_DOWN: tuple[type[Exception], ...] = (
    sa.OperationalError,
    sa.InterfaceError,
    sa.DisconnectionError,
    sa.TimeoutError,
    psycopg.OperationalError,
    psycopg.InterfaceError,
)
# Redis away: the client's own errors, and kombu's when a task is sent while it is down.
QUEUE_DOWN: tuple[type[Exception], ...] = (
    redis.ConnectionError,
    redis.TimeoutError,
    kombu.exceptions.OperationalError,
)


class RateLimited(PhanAnhError):
    status_code = 429
    code = "rate_limited"
    message = "Bạn đã thử quá nhiều lần, vui lòng thử lại sau."
    message_en = "Too many attempts, please try again later."


def responses(*errors: type[PhanAnhError]) -> dict[int | str, dict[str, Any]]:
    """OpenAPI ``responses`` for the errors a route may raise, grouped by status."""
    by_status: dict[int, list[str]] = {}
    for error in errors:
        by_status.setdefault(error.status_code, []).append(error.code)
    return {
        status: {"model": ErrorBody, "description": "Error codes: " + ", ".join(sorted(codes))}
        for status, codes in by_status.items()
    }


_VALIDATION_MESSAGES = ("Dữ liệu gửi lên không hợp lệ.", "The submitted data is not valid.")
_HTTP_CODES = {
    400: "invalid_body",
    401: "not_authenticated",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    413: "payload_too_large",
    415: "unsupported_media_type",
}


def _field_name(loc: tuple[Any, ...]) -> str:
    # ("query", "lat") -> "lat"; ("body", "unit", "name") -> "unit.name"
    sources = {"body", "query", "path", "header", "form"}
    parts = [str(p) for p in (loc[1:] if loc and loc[0] in sources else loc)]
    return ".".join(parts) or "body"


# Every route can answer these; they are declared once for the whole app.
COMMON_RESPONSES: dict[int | str, dict[str, Any]] = {
    400: {"model": ErrorBody, "description": "The body cannot be parsed (code invalid_body)"},
    413: {
        "model": ErrorBody,
        "description": "The body is larger than the route allows (code payload_too_large, field body): "
        "64 MB where photos are sent, 1 MB elsewhere",
    },
    422: {
        "model": ErrorBody,
        "description": "Validation failed (code validation_error, field named; text_not_visible in errors[].code "
        "for text with nothing visible), or JSON nested more than 32 levels (code json_too_deep)",
    },
    503: {
        "model": ErrorBody,
        "description": "PostgreSQL or Redis is briefly away (code database_unavailable or "
        "queue_unavailable); send the same request again after the Retry-After header's seconds",
    },
}


def install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(PhanAnhError)
    async def _phananh_error(_: Request, exc: PhanAnhError) -> JSONResponse:
        headers = exc.headers
        if exc.status_code == 503 and not (headers and "Retry-After" in headers):
            # Any 503 (the live stream's too) tells the client when to come back.
            headers = {**(headers or {}), "Retry-After": str(DependencyUnavailable.retry_after)}
        return JSONResponse(
            status_code=exc.status_code,
            content=exc.body().model_dump(exclude_none=True),
            headers=headers,
        )

    @app.exception_handler(RequestValidationError)
    async def _validation_error(_: Request, exc: RequestValidationError) -> JSONResponse:
        errors = [
            FieldError(
                field=_field_name(tuple(e.get("loc", ()))), code=e.get("type", "invalid"), message=e.get("msg", "")
            )
            for e in exc.errors()
        ]
        body = ErrorBody(
            code="validation_error",
            message=_VALIDATION_MESSAGES[0],
            message_en=_VALIDATION_MESSAGES[1],
            field=errors[0].field if errors else None,
            errors=errors,
        )
        return JSONResponse(status_code=422, content=body.model_dump(exclude_none=True))

    def _unavailable(request: Request, error: DependencyUnavailable, cause: BaseException) -> Response:
        # One line, not a traceback: an outage makes hundreds of these, all alike.
        path = request.url.path
        log.warning("%s %s answered 503 %s: %s", request.method, path, error.detail_code, _first_line(cause))
        if _wants_page(request):
            return HTMLResponse(_unavailable_page(error), status_code=error.status_code, headers=error.headers)
        return JSONResponse(
            status_code=error.status_code, content=error.body().model_dump(exclude_none=True), headers=error.headers
        )

    async def _database_down(request: Request, exc: Exception) -> Response:
        return _unavailable(request, DatabaseUnavailable(), exc)

    async def _queue_down(request: Request, exc: Exception) -> Response:
        return _unavailable(request, QueueUnavailable(), exc)

    for error_type in DATABASE_DOWN:
        app.add_exception_handler(error_type, _database_down)
    for error_type in QUEUE_DOWN:
        app.add_exception_handler(error_type, _queue_down)

    @app.exception_handler(sa.DataError)
    async def _data_error(_: Request, exc: sa.DataError) -> JSONResponse:
        # A value the edge should have refused reached PostgreSQL (out of range, NUL
        # byte). The transaction is already rolled back; the caller still sent bad data.
        log.warning("value refused by the database: %s", str(exc.orig)[:200])
        body = ErrorBody(
            code="invalid_value", message="Giá trị gửi lên không hợp lệ.", message_en="A submitted value is not valid."
        )
        return JSONResponse(status_code=422, content=body.model_dump(exclude_none=True))

    @app.exception_handler(StarletteHTTPException)
    async def _http_error(_: Request, exc: StarletteHTTPException) -> JSONResponse:
        body = ErrorBody(
            code=_HTTP_CODES.get(exc.status_code, "http_error"),
            message=str(exc.detail),
            message_en=str(exc.detail),
        )
        return JSONResponse(
            status_code=exc.status_code,
            content=body.model_dump(exclude_none=True),
            headers=getattr(exc, "headers", None),
        )


def _first_line(error: BaseException) -> str:
    text = str(getattr(error, "orig", None) or error).strip()
    return f"{type(error).__name__}: {text.splitlines()[0][:200] if text else ''}"


def _wants_page(request: Request) -> bool:
    """The console's pages (a browser asking for HTML) get a page; the API always JSON."""
    return request.url.path.startswith("/web") and "text/html" in request.headers.get("accept", "")


def _unavailable_page(error: PhanAnhError) -> str:
    vi, en = html.escape(error.detail_message), html.escape(error.detail_message_en)
    return (
        '<!doctype html><html lang="vi"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        # The officer's page comes back by itself once the service does: nobody must
        # remember to press reload.
        f'<meta http-equiv="refresh" content="{2 * DependencyUnavailable.retry_after}">'
        "<title>Tạm thời gián đoạn · Temporarily unavailable</title></head>"
        '<body style="font-family:system-ui,sans-serif;max-width:40rem;margin:4rem auto;padding:0 1rem">'
        f'<h1>Tạm thời gián đoạn</h1><p>{vi}</p><p lang="en">{en}</p>'
        '<p><a href="">Tải lại trang · Reload</a></p></body></html>'
    )
