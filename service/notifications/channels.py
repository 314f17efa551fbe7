"""Delivery channels: one interface, one adapter per way of reaching a citizen or officer.

An adapter sends one :class:`Message` and either returns or says why it could not:
:class:`TemporaryFailure` (try again later: the peer is down, slow, overloaded or
refusing for now) or :class:`PermanentFailure` (trying again will not help: bad
recipient, bad credentials, a request the peer refuses). The caller decides when to
retry: the relay (service/notifications/relay.py), with its backoff kept on the outbox row.

Adapters never log credentials, and log recipients not at all: the idempotency key
identifies the delivery in the logs.
"""

import logging
import smtplib
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import format_datetime, getaddresses
from typing import Any, Protocol, Self

import httpx2 as httpx

from service.core.settings import Settings

log = logging.getLogger(__name__)

# How much of a peer's error answer is kept as the reason: enough to diagnose, not a page of HTML.
_REASON_LIMIT = 300


@dataclass(frozen=True, slots=True)
class Message:
    """One notification for one recipient on one channel."""

    # Device token (push), phone number (SMS) or email address, as the channel expects.
    recipient: str
    subject: str
    body: str
    # Extra key/value pairs for the app (push); other channels ignore them.
    data: dict[str, str] = field(default_factory=dict)
    # The outbox row's id: a resend of the same delivery carries the same key.
    idempotency_key: str = ""


class DeliveryFailure(Exception):
    """A message was not delivered; ``reason`` says why in words safe to log."""

    def __init__(self, reason: str) -> None:
        self.reason = reason
        super().__init__(reason)


class TemporaryFailure(DeliveryFailure):
    """Try again later. ``retry_after`` is the peer's own hint in seconds, when it gave one."""

    def __init__(self, reason: str, *, retry_after: float | None = None) -> None:
        self.retry_after = retry_after
        super().__init__(reason)


class PermanentFailure(DeliveryFailure):
    """Trying again with the same message will fail the same way."""


class ChannelNotConfigured(RuntimeError):
    """The settings a channel needs are missing (names the setting, never its value)."""


class Channel(Protocol):
    name: str

    def send(self, message: Message) -> None:
        """Deliver ``message`` or raise :class:`TemporaryFailure` / :class:`PermanentFailure`."""
        ...


# --- HTTP channels ---------------------------------------------------------------------


def _retry_after(response: httpx.Response) -> float | None:
    # Only the delta-seconds form: gateways do not send HTTP dates here in practice.
    value = response.headers.get("Retry-After", "")
    return float(value) if value.strip().isdigit() else None


def _raise_for_http(response: httpx.Response, *, reason: str) -> None:
    status = response.status_code
    if 200 <= status < 300:
        return
    text = f"HTTP {status}: {reason}"[:_REASON_LIMIT]
    # 408 and 429 are the peer asking us to come back; 5xx is the peer's own trouble.
    if status in (408, 429) or status >= 500:
        raise TemporaryFailure(text, retry_after=_retry_after(response))
    raise PermanentFailure(text)


def _post(client: httpx.Client, url: str, *, json: dict[str, Any], headers: dict[str, str]) -> httpx.Response:
    try:
        return client.post(url, json=json, headers=headers)
    except httpx.TimeoutException as exc:
        raise TemporaryFailure(f"timed out: {type(exc).__name__}") from exc
    except httpx.TransportError as exc:
        # Connection refused, reset, DNS failure: the network or the peer, not the message.
        raise TemporaryFailure(f"could not reach the peer: {type(exc).__name__}: {exc}"[:_REASON_LIMIT]) from exc


class _HttpChannel:
    """A channel that POSTs JSON to one URL with fixed headers (the credential)."""

    name: str

    def __init__(self, *, url: str, headers: dict[str, str], timeout: float) -> None:
        self._url = url
        self._headers = headers
        self._client = httpx.Client(timeout=timeout, follow_redirects=False)

    def _deliver(self, message: Message, payload: dict, reason: Callable[[httpx.Response], str]) -> None:
        response = _post(self._client, self._url, json=payload, headers=self._headers)
        _raise_for_http(response, reason=reason(response))
        log.info("%s delivery %s accepted", self.name, message.idempotency_key)

    def close(self) -> None:
        self._client.close()


class PushChannel(_HttpChannel):
    """Mobile push through Firebase Cloud Messaging, HTTP v1 API."""

    name = "push"

    def __init__(
        self, *, project_id: str, access_token: str, base_url: str = "https://fcm.googleapis.com", timeout: float = 10
    ) -> None:
        super().__init__(
            url=f"{base_url.rstrip('/')}/v1/projects/{project_id}/messages:send",
            headers={"Authorization": f"Bearer {access_token}"},
            timeout=timeout,
        )

    @classmethod
    def from_settings(cls, settings: Settings) -> Self:
        if not settings.fcm_project_id or settings.fcm_access_token is None:
            raise ChannelNotConfigured("push needs FCM_PROJECT_ID and FCM_ACCESS_TOKEN")
        return cls(
            project_id=settings.fcm_project_id,
            access_token=settings.fcm_access_token.get_secret_value(),
            base_url=settings.fcm_base_url,
            timeout=settings.notify_timeout_seconds,
        )

    def send(self, message: Message) -> None:
        if not message.recipient:
            raise PermanentFailure("no device token")
        payload = {
            "message": {
                "token": message.recipient,
                "notification": {"title": message.subject, "body": message.body},
                # FCM refuses data values that are not strings.
                "data": {key: str(value) for key, value in message.data.items()},
            }
        }
        self._deliver(message, payload, _fcm_reason)


def _fcm_reason(response: httpx.Response) -> str:
    # FCM errors: {"error": {"status": "NOT_FOUND", "message": ..., "details": [{"errorCode": "UNREGISTERED"}]}}
    try:
        error = response.json()["error"]
        codes = [d["errorCode"] for d in error.get("details", []) if isinstance(d, dict) and "errorCode" in d]
        return f"{(codes or [error.get('status', '')])[0]} {error.get('message', '')}".strip()
    except (ValueError, KeyError, TypeError, AttributeError):
        return response.text.strip()


class SmsChannel(_HttpChannel):
    """SMS through an HTTP gateway: POST {to, text, reference} with an API key header."""

    name = "sms"

    def __init__(self, *, url: str, api_key: str, api_key_header: str = "X-API-Key", timeout: float = 10) -> None:
        super().__init__(url=url, headers={api_key_header: api_key}, timeout=timeout)

    @classmethod
    def from_settings(cls, settings: Settings) -> Self:
        if not settings.sms_gateway_url or settings.sms_api_key is None:
            raise ChannelNotConfigured("SMS needs SMS_GATEWAY_URL and SMS_API_KEY")
        return cls(
            url=settings.sms_gateway_url,
            api_key=settings.sms_api_key.get_secret_value(),
            api_key_header=settings.sms_api_key_header,
            timeout=settings.notify_timeout_seconds,
        )

    def send(self, message: Message) -> None:
        if not message.recipient:
            raise PermanentFailure("no phone number")
        # The reference lets the gateway drop a resend of a message it already took.
        payload = {"to": message.recipient, "text": message.body, "reference": message.idempotency_key}
        self._deliver(message, payload, lambda response: response.text.strip())


# --- Email -----------------------------------------------------------------------------


class EmailChannel:
    """Email over SMTP, one connection per message (notifications are few and far between)."""

    name = "email"

    def __init__(
        self,
        *,
        host: str,
        port: int,
        mail_from: str,
        starttls: bool = False,
        username: str | None = None,
        password: str | None = None,
        timeout: float = 10,
    ) -> None:
        self._host = host
        self._port = port
        self._mail_from = mail_from
        self._starttls = starttls
        self._username = username
        self._password = password
        self._timeout = timeout
        # Message-IDs live in the sender's domain, as RFC 5322 recommends.
        self._domain = (getaddresses([mail_from])[0][1].rpartition("@")[2] or "phananh.invalid").lower()

    @classmethod
    def from_settings(cls, settings: Settings) -> Self:
        if not settings.smtp_host:
            raise ChannelNotConfigured("email needs SMTP_HOST")
        return cls(
            host=settings.smtp_host,
            port=settings.smtp_port,
            mail_from=settings.mail_from,
            starttls=settings.smtp_starttls,
            username=settings.smtp_username,
            password=settings.smtp_password.get_secret_value() if settings.smtp_password else None,
            timeout=settings.notify_timeout_seconds,
        )

    def message_id(self, message: Message) -> str:
        """The same delivery always gets the same Message-ID, so a resend is recognisable."""
        local = message.idempotency_key or uuid.uuid4().hex
        return f"<phananh.{local}@{self._domain}>"

    def build(self, message: Message) -> EmailMessage:
        try:
            to = Address(addr_spec=message.recipient)
        except (ValueError, IndexError) as exc:  # the header parser's refusals
            raise PermanentFailure(f"invalid recipient address: {exc}"[:_REASON_LIMIT]) from exc
        if not to.domain:
            raise PermanentFailure("invalid recipient address: no domain")
        email = EmailMessage()
        try:
            email["From"] = self._mail_from
            email["To"] = to
            email["Subject"] = message.subject
        except ValueError as exc:  # a newline in a header: never let it through
            raise PermanentFailure(f"invalid header: {exc}"[:_REASON_LIMIT]) from exc
        email["Date"] = format_datetime(datetime.now(UTC))
        email["Message-ID"] = self.message_id(message)
        email.set_content(message.body, charset="utf-8")
        return email

    def send(self, message: Message) -> None:
        email = self.build(message)
        try:
            with smtplib.SMTP(self._host, self._port, timeout=self._timeout) as smtp:
                if self._starttls:
                    smtp.starttls()
                if self._username:
                    smtp.login(self._username, self._password or "")
                smtp.send_message(email)
        except smtplib.SMTPRecipientsRefused as exc:
            # One recipient per message: its answer decides.
            code, text = next(iter(exc.recipients.values()))
            raise _smtp_failure(code, text) from exc
        except smtplib.SMTPResponseException as exc:
            # Sender refused, data refused, authentication failed, greeting refused.
            raise _smtp_failure(exc.smtp_code, exc.smtp_error) from exc
        except smtplib.SMTPNotSupportedError as exc:
            raise PermanentFailure(f"SMTP server does not support this: {exc}"[:_REASON_LIMIT]) from exc
        except (smtplib.SMTPException, OSError) as exc:
            # Disconnected, refused, timed out (SMTPException is an OSError too).
            raise TemporaryFailure(f"SMTP connection failed: {type(exc).__name__}: {exc}"[:_REASON_LIMIT]) from exc
        log.info("email delivery %s accepted", message.idempotency_key)


def _smtp_failure(code: int, text: bytes | str) -> DeliveryFailure:
    if isinstance(text, bytes):
        text = text.decode("utf-8", "replace")
    reason = f"SMTP {code}: {text}"[:_REASON_LIMIT]
    # 4xx is the server saying "not now" (greylisting, full queue); 5xx is final.
    if 400 <= code < 500:
        return TemporaryFailure(reason)
    if code >= 500:
        return PermanentFailure(reason)
    # smtplib reports -1 when the server said nothing it could parse.
    return TemporaryFailure(reason)
