"""Errors are types: each has an HTTP status and a stable machine ``code``.

Every refusal the API gives is the same JSON shape (:class:`ErrorBody`): the code
clients branch on, a Vietnamese message, its English twin and the field or file
at fault. Routes list the errors they can raise with :func:`responses` so the
OpenAPI document (and the mobile team) sees them.
"""

import logging
from typing import Any, ClassVar

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel
from sqlalchemy.exc import DataError
from starlette.exceptions import HTTPException as StarletteHTTPException


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


# Every route can answer these two; they are declared once for the whole app.
COMMON_RESPONSES: dict[int | str, dict[str, Any]] = {
    400: {"model": ErrorBody, "description": "The body cannot be parsed (code invalid_body)"},
    422: {"model": ErrorBody, "description": "Validation failed (code validation_error, field named)"},
}


def install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(PhanAnhError)
    async def _phananh_error(_: Request, exc: PhanAnhError) -> JSONResponse:
        return JSONResponse(
            status_code=exc.status_code,
            content=exc.body().model_dump(exclude_none=True),
            headers=exc.headers,
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

    @app.exception_handler(DataError)
    async def _data_error(_: Request, exc: DataError) -> JSONResponse:
        # A value the edge should have refused reached PostgreSQL (out of range, NUL
        # byte). The transaction is already rolled back; the caller still sent bad data.
        logging.getLogger(__name__).warning("value refused by the database: %s", str(exc.orig)[:200])
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
