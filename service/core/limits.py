"""Request bodies bounded before they are read, and JSON bounded in depth before it is parsed.

A pure ASGI middleware sits in front of the app, so a refusal costs nothing: a body whose
``Content-Length`` is over the route's limit is refused before one byte of it is read,
and a body without one (chunked) is counted as it arrives and refused once it is over.
Without it, Starlette would spool a 1 GB anonymous upload to a temporary file before the
route's dependency found that nobody was logged in.

Photo uploads get room for their photos; every other body is small (JSON, forms). The
routes that take photos are listed here, by method and path: the middleware runs before
routing, and a test checks that every route with a file parameter is in the list.

JSON nested thousands of levels deep makes Python's parser and pydantic recurse until
they fail (``RecursionError``, a 500). :func:`json_too_deep` finds the depth without
recursing, with C-speed byte operations; the middleware applies it to
every JSON body, and the multipart submissions to their JSON part.
"""

import contextlib
import re
from dataclasses import dataclass

from starlette.datastructures import Headers
from starlette.responses import JSONResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from service.core.errors import NotAuthenticated, PhanAnhError

MB = 1024 * 1024


class PayloadTooLarge(PhanAnhError):
    status_code = 413
    code = "payload_too_large"

    def __init__(self, *, limit: int) -> None:
        size = f"{limit / MB:g}"
        super().__init__(
            f"Dữ liệu gửi lên quá lớn: tối đa {size.replace('.', ',')} MB.",
            f"The request body is too large: the limit is {size} MB.",
            field="body",
        )


class JsonTooDeep(PhanAnhError):
    status_code = 422
    code = "json_too_deep"

    def __init__(self, *, limit: int, field: str) -> None:
        super().__init__(
            f"Dữ liệu JSON lồng nhau quá sâu: tối đa {limit} cấp.",
            f"The JSON is nested too deeply: at most {limit} levels.",
            field=field,
        )


# --- JSON depth ------------------------------------------------------------------------------------

_NOT_BRACKETS = bytes(b for b in range(256) if b not in b"[]{}")
# Both kinds of bracket alike: an opening one is 1, a closing one 2.
_STEP = bytes.maketrans(b"[{]}", b"\x01\x01\x02\x02")
_PAIR = b"\x01\x02"
_RUNS = re.compile(rb"\x01+|\x02+")
# Below this many pairs (peaks) the runs are few enough to count one by one in Python.
_FEW_PAIRS = 50_000


def _outside_strings(data: bytes) -> bytes:
    # Escapes first (an escaped backslash, then an escaped quote), so that every quote
    # left opens or closes a string; then every other piece between quotes is outside.
    unescaped = data.replace(b"\\\\", b"").replace(b'\\"', b"")
    return b"".join(unescaped.split(b'"')[::2])


def json_too_deep(raw: bytes | str, *, limit: int) -> bool:
    """Whether the JSON text nests arrays and objects more than ``limit`` levels deep,
    found without recursing and mostly in C (at most tens of milliseconds a megabyte).

    Strings are dropped, then everything but brackets. A pass removing every adjacent
    open-close pair removes the innermost containers, where the deepest levels always
    are: it lowers the depth by exactly one. Passes are made while they remove many
    pairs; once few are left, so are the runs of brackets, and what remains is counted
    run by run. Text that is not JSON gets an answer too; the parser refuses it anyway.
    """
    data = raw.encode("utf-8", "surrogatepass") if isinstance(raw, str) else raw
    if data.count(b"[") + data.count(b"{") <= limit:
        return False  # the common case, decided without copying anything
    steps = _outside_strings(data).translate(None, _NOT_BRACKETS).translate(_STEP)
    passes = 0
    while passes <= limit and steps.count(_PAIR) > _FEW_PAIRS:
        steps = steps.replace(_PAIR, b"")
        passes += 1
    depth = level = 0
    for run in _RUNS.findall(steps):
        level += len(run) if run[0] == 1 else -len(run)
        depth = max(depth, level)
    return depth + passes > limit


# --- body limits -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class UploadRoute:
    method: str
    path: re.Pattern[str]
    # The API's photo routes take only a bearer token: one sent without any credential is
    # refused before its body is read. The console's routes answer with pages, not JSON.
    api: bool


_ID = r"[^/]+"
UPLOAD_ROUTES = (
    UploadRoute("POST", re.compile(r"/api/v1/complaints/?"), api=True),
    UploadRoute("POST", re.compile(r"/api/v1/complaints/for-caller/?"), api=True),
    UploadRoute("POST", re.compile(rf"/api/v1/complaints/{_ID}/actions/resolve/?"), api=True),
    # A GeoJSON boundary file of up to 50 MB (service/areas/admin.py).
    UploadRoute("POST", re.compile(r"/api/v1/admin/areas/import/?"), api=True),
    UploadRoute("POST", re.compile(r"/web/intake/?"), api=False),
    UploadRoute("POST", re.compile(rf"/web/reports/{_ID}/resolve/?"), api=False),
)


def upload_route(method: str, path: str) -> UploadRoute | None:
    for route in UPLOAD_ROUTES:
        if route.method == method and route.path.fullmatch(path):
            return route
    return None


def _is_json(content_type: str | None) -> bool:
    # FastAPI parses a body without a content type as JSON too.
    if not content_type:
        return True
    media = content_type.split(";", 1)[0].strip().lower()
    return media == "application/json" or (media.startswith("application/") and media.endswith("+json"))


class _Overflow(Exception):
    """Raised into the app by ``receive`` once the body passes its limit."""


class BodyLimitMiddleware:
    """Refuse a body over its route's limit (413 ``payload_too_large``) before reading it,
    an anonymous upload (401) before reading it, and JSON nested too deep (422
    ``json_too_deep``) before the app parses it."""

    def __init__(
        self,
        app: ASGIApp,
        *,
        max_body_bytes: int,
        max_upload_body_bytes: int,
        max_json_depth: int,
        credential_cookie: str,
    ) -> None:
        self.app = app
        self.max_body_bytes = max_body_bytes
        self.max_upload_body_bytes = max_upload_body_bytes
        self.max_json_depth = max_json_depth
        self.credential_cookie = credential_cookie

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] in ("GET", "HEAD", "OPTIONS"):
            await self.app(scope, receive, send)
            return
        headers = Headers(scope=scope)
        route = upload_route(scope["method"], scope["path"])
        limit = self.max_upload_body_bytes if route else self.max_body_bytes
        declared = headers.get("content-length")
        if declared is not None and declared.isdigit() and int(declared) > limit:
            await _refuse(PayloadTooLarge(limit=limit), scope, receive, send, close=True)
            return
        if route and route.api and not self._has_credential(headers):
            # The route's own policy would say the same, only after the whole body is in.
            await _refuse(NotAuthenticated(), scope, receive, send, close=False)
            return
        if route is None and _is_json(headers.get("content-type")):
            await self._json(scope, receive, send, limit=limit)
            return
        await self._streamed(scope, receive, send, limit=limit)

    def _has_credential(self, headers: Headers) -> bool:
        if headers.get("authorization"):
            return True
        cookies = headers.get("cookie", "")
        return any(part.strip().startswith(f"{self.credential_cookie}=") for part in cookies.split(";"))

    async def _json(self, scope: Scope, receive: Receive, send: Send, *, limit: int) -> None:
        """Read the (small) JSON body whole, check its depth, and hand it on as it came."""
        chunks: list[bytes] = []
        size = 0
        while True:
            message = await receive()
            if message["type"] != "http.request":
                break  # the client went away; the app sees an empty body and then that
            chunk = message.get("body", b"")
            size += len(chunk)
            if size > limit:
                await _refuse(PayloadTooLarge(limit=limit), scope, receive, send, close=True)
                return
            chunks.append(chunk)
            if not message.get("more_body", False):
                break
        body = b"".join(chunks)
        if json_too_deep(body, limit=self.max_json_depth):
            await _refuse(JsonTooDeep(limit=self.max_json_depth, field="body"), scope, receive, send, close=False)
            return
        replayed = False

        async def replay() -> Message:
            nonlocal replayed
            if not replayed:
                replayed = True
                return {"type": "http.request", "body": body, "more_body": False}
            return await receive()

        await self.app(scope, replay, send)

    async def _streamed(self, scope: Scope, receive: Receive, send: Send, *, limit: int) -> None:
        """Count the body as the app reads it; once over, the app's reading fails and
        whatever it answers to that is replaced by the 413."""
        size = 0
        overflowed = False
        started = False

        async def counted() -> Message:
            nonlocal size, overflowed
            if overflowed:
                raise _Overflow
            message = await receive()
            if message["type"] == "http.request":
                size += len(message.get("body", b""))
                if size > limit:
                    overflowed = True
                    raise _Overflow
            return message

        async def guarded(message: Message) -> None:
            nonlocal started
            if overflowed:
                return  # the app's answer to a failed read (FastAPI: a 400) is not the truth
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        # The app may let the failed read escape, or answer it (FastAPI: 400): either way
        # the answer is ours.
        with contextlib.suppress(_Overflow):
            await self.app(scope, counted, guarded)
        if overflowed and not started:
            await _refuse(PayloadTooLarge(limit=limit), scope, receive, send, close=True)


async def _refuse(error: PhanAnhError, scope: Scope, receive: Receive, send: Send, *, close: bool) -> None:
    """Answer at once, whatever of the body is still unread.

    ``close``: the rest is over the limit (declared so, or already counted), so the
    connection is closed after the answer instead of the rest being read. Otherwise the
    connection stays open and uvicorn reads what is left and throws it away, stored
    nowhere: closing with unread bytes makes the kernel reset the connection, and a
    proxy still sending the body (nginx, deploy/nginx/) would answer 502 for our 401.
    Behind that proxy the rest is bounded by its own limit.
    """
    response = JSONResponse(
        status_code=error.status_code,
        content=error.body().model_dump(exclude_none=True),
        headers={**(error.headers or {}), **({"Connection": "close"} if close else {})},
    )
    await response(scope, receive, send)
