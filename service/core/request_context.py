"""What a request is, for whatever records it: its id, the client's address and the caller.

A pure ASGI middleware sets one :class:`RequestContext` per HTTP request. It is a
mutable object in a context variable on purpose: FastAPI runs sync dependencies and
handlers in worker threads on *copies* of the context, so a value set there (the caller,
once the token is checked) would not be seen elsewhere; an attribute of the shared
object is. Outside a request (Celery, the CLI) :func:`current` is None.
"""

import re
import uuid
from contextvars import ContextVar
from dataclasses import dataclass

from starlette.datastructures import Headers, MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

REQUEST_ID_HEADER = "X-Request-ID"
# A proxy's or a client's id is kept when it looks like one (uuid, hex, ULID, dotted
# trace ids); anything else (spaces, control characters, kilobytes) is replaced.
_SANE_REQUEST_ID = re.compile(r"[A-Za-z0-9._:\-]{1,128}")


@dataclass(frozen=True)
class Caller:
    id: int | None
    role: str


@dataclass
class RequestContext:
    request_id: str
    client_address: str | None
    # Set by the authentication dependency; None while (or if) nobody is logged in.
    caller: Caller | None = None


_current: ContextVar[RequestContext | None] = ContextVar("phananh_request_context", default=None)


def current() -> RequestContext | None:
    return _current.get()


def set_caller(user_id: int | None, role: str) -> None:
    context = _current.get()
    if context is not None:
        context.caller = Caller(id=user_id, role=str(role))


def request_id_from(incoming: str | None) -> str:
    if incoming is not None and _SANE_REQUEST_ID.fullmatch(incoming):
        return incoming
    return uuid.uuid4().hex


class RequestContextMiddleware:
    """Give every request an id (the client's ``X-Request-ID`` if sane), echo it on the
    response, and make it and the client's address known to the code the request runs."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        request_id = request_id_from(Headers(scope=scope).get(REQUEST_ID_HEADER))
        # uvicorn --proxy-headers (deploy/) has already put the real client here.
        client = scope.get("client")
        token = _current.set(RequestContext(request_id=request_id, client_address=client[0] if client else None))

        async def send_with_id(message: Message) -> None:
            if message["type"] == "http.response.start":
                MutableHeaders(scope=message)[REQUEST_ID_HEADER] = request_id
            await send(message)

        try:
            await self.app(scope, receive, send_with_id)
        finally:
            _current.reset(token)
