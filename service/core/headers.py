"""The security headers every response carries: API answers, errors, photos, static
files, console pages and the API docs alike.

A header the response set itself is kept: the console's pages send their own
``Content-Security-Policy`` (service/web/router.py), and ``frame-ancestors 'none'`` is
only the default for what has none.

- ``Referrer-Policy: strict-origin-when-cross-origin``: a photo's link carries its
  signature, so a full URL must never leave for another site; this policy sends other
  sites the origin alone. ``no-referrer`` protects no more than that, and costs: tile
  servers (OpenStreetMap's usage policy) ask for a referrer, and browsers send
  ``Origin: null`` with form posts under it, which rules out checking a post's origin.
- ``Permissions-Policy``: nothing the console shows needs the camera, the microphone or
  the location of whoever looks at it (the citizen's location comes from the app).
- ``Strict-Transport-Security`` only in production: a developer's plain-HTTP port must not
  be remembered by the browser as HTTPS-only.
"""

from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

SECURITY_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "strict-origin-when-cross-origin",
    "X-Frame-Options": "DENY",
    "Content-Security-Policy": "frame-ancestors 'none'",
    "Cross-Origin-Opener-Policy": "same-origin",
    "Permissions-Policy": "camera=(), microphone=(), geolocation=()",
}
# A year; no includeSubDomains: the province's other hosts are not ours to decide for.
HSTS = "max-age=31536000"


class SecurityHeadersMiddleware:
    def __init__(self, app: ASGIApp, *, https_only: bool) -> None:
        self.app = app
        self.headers = {**SECURITY_HEADERS, **({"Strict-Transport-Security": HSTS} if https_only else {})}

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                for name, value in self.headers.items():
                    if name not in headers:
                        headers[name] = value
            await send(message)

        await self.app(scope, receive, send_with_headers)
