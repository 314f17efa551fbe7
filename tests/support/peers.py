"""Real local peers for the notification channels: a scripted HTTP server (FCM, SMS
gateway) and an SMTP server (aiosmtpd). Tests read what the peer received."""

import email
import email.policy
import json
import socket
import threading
import time
from collections import deque
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import Envelope


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


# --- A scripted HTTP peer ----------------------------------------------------------------


@dataclass
class Recorded:
    method: str
    path: str
    headers: dict[str, str]
    body: Any


@dataclass
class HttpPeer:
    url: str
    requests: list[Recorded] = field(default_factory=list)
    # Answers given in order, then 200 {} for ever after: (status, json body, headers, delay seconds).
    replies: deque[tuple[int, Any, dict[str, str], float]] = field(default_factory=deque)

    def reply(self, status: int, body: Any = None, headers: dict[str, str] | None = None, delay: float = 0) -> None:
        self.replies.append((status, body if body is not None else {}, headers or {}, delay))


@contextmanager
def running_http_peer(port: int = 0) -> Iterator[HttpPeer]:
    peer = HttpPeer(url="")

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            raw = self.rfile.read(int(self.headers.get("Content-Length", 0)))
            peer.requests.append(
                Recorded("POST", self.path, {k.lower(): v for k, v in self.headers.items()}, json.loads(raw))
            )
            status, body, headers, delay = peer.replies.popleft() if peer.replies else (200, {}, {}, 0)
            time.sleep(delay)
            data = json.dumps(body).encode()
            try:
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                for name, value in headers.items():
                    self.send_header(name, value)
                self.end_headers()
                self.wfile.write(data)
            except (BrokenPipeError, ConnectionResetError):
                pass  # the client gave up (the timeout test)

        def log_message(self, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", port), Handler)
    peer.url = f"http://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    yield peer
    server.shutdown()
    server.server_close()


class RecordingHandler:
    """Keeps every accepted message; answers DATA from a script first (e.g. 451 once)."""

    def __init__(self) -> None:
        self.received: list[email.message.EmailMessage] = []
        self.envelopes: list[Envelope] = []
        self.data_replies: deque[str] = deque()

    async def handle_DATA(self, server: Any, session: Any, envelope: Envelope) -> str:
        if self.data_replies:
            return self.data_replies.popleft()
        self.envelopes.append(envelope)
        self.received.append(
            email.message_from_bytes(envelope.original_content or b"", policy=email.policy.default)  # type: ignore[arg-type]
        )
        return "250 OK"

    async def handle_RCPT(self, server: Any, session: Any, envelope: Envelope, address: str, options: list[str]) -> str:
        if address.endswith("@nowhere.invalid"):
            return "550 5.1.1 No such user"
        envelope.rcpt_tos.append(address)
        return "250 OK"


@dataclass
class SmtpPeer:
    handler: RecordingHandler
    port: int


@contextmanager
def running_smtp_peer(**options: Any) -> Iterator[SmtpPeer]:
    handler = RecordingHandler()
    port = free_port()
    controller = Controller(handler, hostname="127.0.0.1", port=port, **options)
    controller.start()
    try:
        yield SmtpPeer(handler, port)
    finally:
        controller.stop()
