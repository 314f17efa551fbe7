"""Channel adapters against real local peers: an HTTP server for push and SMS, aiosmtpd for email.

No mocks of httpx or smtplib: each test starts the peer on a free local port, the adapter
talks to it over TCP, and the test reads what the peer received.
"""

import time
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from aiosmtpd.smtp import AuthResult, LoginPassword

from service.core.settings import Settings
from service.notifications import (
    Channel,
    ChannelNotConfigured,
    EmailChannel,
    Message,
    PermanentFailure,
    PushChannel,
    SmsChannel,
    TemporaryFailure,
)
from tests.support.peers import HttpPeer, SmtpPeer, free_port, running_http_peer, running_smtp_peer

ACCESS_TOKEN = "ya29.test-access-token"
SMS_KEY = "sms-secret-key"
VIETNAMESE = "Phản ánh của bạn về ổ gà trên đường Nguyễn Trãi đã được tiếp nhận. Cảm ơn bạn!"


def no_sleep(_: float) -> None:
    pass


def deliver_with_retry(
    channel: Channel,
    message: Message,
    *,
    attempts: int = 3,
    backoff: Callable[[int], float] = lambda attempt: 0.5 * 2**attempt,
    sleep: Callable[[float], None] = no_sleep,
) -> int:
    """Send, retrying temporary failures as a caller would; return how many attempts it took.

    Only the adapters are under test here: in production the relay retries, with the wait
    kept on the outbox row (test_notifications.py drives that against the same peers).
    ``backoff(n)`` is the pause after the n-th failed attempt (from 0) unless the peer asked
    for a longer one. A permanent failure, or the last temporary one, is raised.
    """
    for attempt in range(attempts):
        try:
            channel.send(message)
        except TemporaryFailure as failure:
            if attempt + 1 >= attempts:
                raise
            sleep(max(backoff(attempt), failure.retry_after or 0))
        else:
            return attempt + 1
    raise AssertionError("unreachable: the last attempt returns or raises")


def push_message(**overrides: Any) -> Message:
    fields: dict[str, Any] = {
        "recipient": "device-token-abc",
        "subject": "Phản ánh đã được tiếp nhận",
        "body": VIETNAMESE,
        "data": {"complaint_id": "42", "status": "acknowledged"},
        "idempotency_key": "outbox-1",
    }
    return Message(**(fields | overrides))


def push_channel(peer: HttpPeer, **settings: Any) -> PushChannel:
    return PushChannel.from_settings(
        Settings(
            fcm_base_url=peer.url,
            fcm_project_id="phananh-test",
            fcm_access_token=ACCESS_TOKEN,
            **settings,
        )
    )


def sms_channel(peer: HttpPeer, **settings: Any) -> SmsChannel:
    return SmsChannel.from_settings(Settings(sms_gateway_url=f"{peer.url}/api/sms", sms_api_key=SMS_KEY, **settings))


# --- Push --------------------------------------------------------------------------------


def test_push_posts_an_fcm_v1_message_with_the_bearer_token(http_peer: HttpPeer) -> None:
    push_channel(http_peer).send(push_message())

    [request] = http_peer.requests
    assert request.path == "/v1/projects/phananh-test/messages:send"
    assert request.headers["authorization"] == f"Bearer {ACCESS_TOKEN}"
    assert request.headers["content-type"] == "application/json"
    assert request.body == {
        "message": {
            "token": "device-token-abc",
            "notification": {"title": "Phản ánh đã được tiếp nhận", "body": VIETNAMESE},
            "data": {"complaint_id": "42", "status": "acknowledged"},
        }
    }


def test_push_503_is_temporary_and_the_retry_succeeds(http_peer: HttpPeer) -> None:
    http_peer.reply(503, {"error": {"code": 503, "status": "UNAVAILABLE", "message": "The service is unavailable."}})
    pauses: list[float] = []

    attempts = deliver_with_retry(push_channel(http_peer), push_message(), sleep=pauses.append)

    assert attempts == 2
    assert len(pauses) == 1
    assert len(http_peer.requests) == 2
    assert http_peer.requests[0].body == http_peer.requests[1].body


def test_push_unregistered_token_is_permanent_with_fcm_reason(http_peer: HttpPeer) -> None:
    http_peer.reply(
        404,
        {
            "error": {
                "code": 404,
                "status": "NOT_FOUND",
                "message": "Requested entity was not found.",
                "details": [
                    {"@type": "type.googleapis.com/google.firebase.fcm.v1.FcmError", "errorCode": "UNREGISTERED"}
                ],
            }
        },
    )
    with pytest.raises(PermanentFailure, match="HTTP 404: UNREGISTERED Requested entity was not found"):
        deliver_with_retry(push_channel(http_peer), push_message(), sleep=no_sleep)
    assert len(http_peer.requests) == 1  # no retry of a permanent failure


@pytest.mark.parametrize("status", [400, 401, 403])
def test_push_client_errors_are_permanent(http_peer: HttpPeer, status: int) -> None:
    http_peer.reply(status, {"error": {"code": status, "status": "INVALID_ARGUMENT", "message": "bad"}})
    with pytest.raises(PermanentFailure) as caught:
        push_channel(http_peer).send(push_message())
    assert caught.value.reason.startswith(f"HTTP {status}")
    assert ACCESS_TOKEN not in caught.value.reason


def test_push_429_is_temporary_and_keeps_retry_after(http_peer: HttpPeer) -> None:
    http_peer.reply(429, {"error": {"status": "RESOURCE_EXHAUSTED"}}, headers={"Retry-After": "7"})
    pauses: list[float] = []

    assert deliver_with_retry(push_channel(http_peer), push_message(), sleep=pauses.append) == 2
    assert pauses == [7]


def test_push_gives_up_after_the_last_attempt(http_peer: HttpPeer) -> None:
    for _ in range(3):
        http_peer.reply(500, {"error": {"status": "INTERNAL"}})
    with pytest.raises(TemporaryFailure, match="HTTP 500: INTERNAL"):
        deliver_with_retry(push_channel(http_peer), push_message(), attempts=3, sleep=no_sleep)
    assert len(http_peer.requests) == 3


def test_push_connection_refused_is_temporary() -> None:
    channel = PushChannel(project_id="p", access_token=ACCESS_TOKEN, base_url=f"http://127.0.0.1:{free_port()}")
    with pytest.raises(TemporaryFailure, match="could not reach the peer") as caught:
        channel.send(push_message())
    assert ACCESS_TOKEN not in caught.value.reason


def test_push_timeout_is_temporary(http_peer: HttpPeer) -> None:
    http_peer.reply(200, delay=1.0)
    channel = push_channel(http_peer, notify_timeout_seconds=0.2)
    started = time.monotonic()
    with pytest.raises(TemporaryFailure, match="timed out"):
        channel.send(push_message())
    assert time.monotonic() - started < 0.9


def test_push_needs_its_settings() -> None:
    with pytest.raises(ChannelNotConfigured, match="FCM_PROJECT_ID"):
        PushChannel.from_settings(Settings(fcm_project_id=None, fcm_access_token=None))


# --- SMS ---------------------------------------------------------------------------------


def sms_message() -> Message:
    return Message(recipient="+84912345678", subject="", body=VIETNAMESE, idempotency_key="outbox-7")


def test_sms_posts_to_the_gateway_with_the_api_key(http_peer: HttpPeer) -> None:
    sms_channel(http_peer).send(sms_message())

    [request] = http_peer.requests
    assert request.path == "/api/sms"
    assert request.headers["x-api-key"] == SMS_KEY
    assert request.body == {"to": "+84912345678", "text": VIETNAMESE, "reference": "outbox-7"}


def test_sms_api_key_header_is_configurable(http_peer: HttpPeer) -> None:
    sms_channel(http_peer, sms_api_key_header="Authorization").send(sms_message())
    assert http_peer.requests[0].headers["authorization"] == SMS_KEY


def test_sms_503_then_200_is_delivered_on_retry_with_the_same_reference(http_peer: HttpPeer) -> None:
    http_peer.reply(503, {"error": "gateway busy"})

    assert deliver_with_retry(sms_channel(http_peer), sms_message(), sleep=no_sleep) == 2
    assert [r.body["reference"] for r in http_peer.requests] == ["outbox-7", "outbox-7"]


def test_sms_400_is_permanent(http_peer: HttpPeer) -> None:
    http_peer.reply(400, {"error": "invalid phone number"})
    with pytest.raises(PermanentFailure, match=r"HTTP 400: .*invalid phone number") as caught:
        deliver_with_retry(sms_channel(http_peer), sms_message(), sleep=no_sleep)
    assert SMS_KEY not in caught.value.reason
    assert len(http_peer.requests) == 1


def test_sms_connection_refused_is_temporary() -> None:
    channel = SmsChannel(url=f"http://127.0.0.1:{free_port()}/api/sms", api_key=SMS_KEY)
    with pytest.raises(TemporaryFailure) as caught:
        channel.send(sms_message())
    assert SMS_KEY not in caught.value.reason


def test_sms_needs_its_settings() -> None:
    with pytest.raises(ChannelNotConfigured, match="SMS_GATEWAY_URL"):
        SmsChannel.from_settings(Settings(sms_gateway_url=None))


# --- Email -------------------------------------------------------------------------------


@pytest.fixture
def smtp_peer() -> Iterator[SmtpPeer]:
    with running_smtp_peer() as peer:
        yield peer


@pytest.fixture
def http_peer() -> Iterator[HttpPeer]:
    with running_http_peer() as peer:
        yield peer


def email_channel(peer: SmtpPeer, **settings: Any) -> EmailChannel:
    return EmailChannel.from_settings(
        Settings(
            smtp_host="127.0.0.1",
            smtp_port=peer.port,
            smtp_starttls=False,
            mail_from="PhanAnh Đà Nẵng <no-reply@phananh.vn>",
            **settings,
        )
    )


def email_message(**overrides: Any) -> Message:
    fields: dict[str, Any] = {
        "recipient": "nguyen.van.a@example.vn",
        "subject": "Phản ánh #42 đã được xử lý",
        "body": VIETNAMESE,
        "idempotency_key": "0b7e2c1e-outbox-42",
    }
    return Message(**(fields | overrides))


def test_email_arrives_with_utf8_vietnamese_and_a_stable_message_id(smtp_peer: SmtpPeer) -> None:
    channel = email_channel(smtp_peer)
    channel.send(email_message())

    [received] = smtp_peer.handler.received
    [envelope] = smtp_peer.handler.envelopes
    assert envelope.mail_from == "no-reply@phananh.vn"
    assert envelope.rcpt_tos == ["nguyen.van.a@example.vn"]
    assert received["To"] == "nguyen.van.a@example.vn"
    assert received["From"] == "PhanAnh Đà Nẵng <no-reply@phananh.vn>"
    assert received["Subject"] == "Phản ánh #42 đã được xử lý"
    assert received["Message-ID"] == "<phananh.0b7e2c1e-outbox-42@phananh.vn>"
    assert received["Date"]
    assert received.get_content_charset() == "utf-8"
    assert received.get_content().strip() == VIETNAMESE


def test_email_451_is_temporary_and_the_resend_has_the_same_message_id(smtp_peer: SmtpPeer) -> None:
    smtp_peer.handler.data_replies.append("451 4.3.0 Try again later")
    failures: list[float] = []

    attempts = deliver_with_retry(email_channel(smtp_peer), email_message(), sleep=failures.append)

    assert attempts == 2
    [received] = smtp_peer.handler.received
    assert received["Message-ID"] == "<phananh.0b7e2c1e-outbox-42@phananh.vn>"


def test_email_451_reason_is_kept(smtp_peer: SmtpPeer) -> None:
    smtp_peer.handler.data_replies.append("451 4.3.0 Try again later")
    with pytest.raises(TemporaryFailure, match=r"SMTP 451: 4\.3\.0 Try again later"):
        email_channel(smtp_peer).send(email_message())


def test_email_5xx_is_permanent(smtp_peer: SmtpPeer) -> None:
    smtp_peer.handler.data_replies.append("554 5.7.1 Message rejected")
    with pytest.raises(PermanentFailure, match="SMTP 554"):
        deliver_with_retry(email_channel(smtp_peer), email_message(), sleep=no_sleep)
    assert smtp_peer.handler.received == []


def test_email_unknown_recipient_is_permanent(smtp_peer: SmtpPeer) -> None:
    with pytest.raises(PermanentFailure, match=r"SMTP 550: 5\.1\.1 No such user"):
        email_channel(smtp_peer).send(email_message(recipient="ghost@nowhere.invalid"))


@pytest.mark.parametrize("recipient", ["not-an-address", "", "a@b.vn\r\nBcc: x@y.vn"])
def test_email_malformed_recipient_is_permanent_and_nothing_is_sent(smtp_peer: SmtpPeer, recipient: str) -> None:
    with pytest.raises(PermanentFailure, match="invalid"):
        email_channel(smtp_peer).send(email_message(recipient=recipient))
    assert smtp_peer.handler.received == []


def test_email_connection_refused_is_temporary() -> None:
    channel = EmailChannel(host="127.0.0.1", port=free_port(), mail_from="no-reply@phananh.vn", timeout=2)
    with pytest.raises(TemporaryFailure, match="SMTP connection failed"):
        channel.send(email_message())


@pytest.mark.filterwarnings("ignore:Requiring AUTH while not requiring TLS:UserWarning")
def test_email_logs_in_when_a_username_is_set() -> None:
    logins: list[tuple[bytes, bytes]] = []

    def authenticator(server: Any, session: Any, envelope: Any, mechanism: str, auth_data: Any) -> AuthResult:
        if not isinstance(auth_data, LoginPassword):
            return AuthResult(success=False, handled=False)
        logins.append((auth_data.login, auth_data.password))
        # handled=False: aiosmtpd then answers 535 itself.
        return AuthResult(success=auth_data.password == b"mat-khau", handled=False)

    # Plain-text AUTH is allowed here only because the peer is on the loopback. Only PLAIN
    # is offered so that smtplib does not retry a refused password with LOGIN.
    with running_smtp_peer(
        authenticator=authenticator, auth_require_tls=False, auth_required=True, auth_exclude_mechanism=["LOGIN"]
    ) as peer:
        email_channel(peer, smtp_username="phananh", smtp_password="mat-khau").send(email_message())
        assert len(peer.handler.received) == 1
        with pytest.raises(PermanentFailure, match="SMTP 535") as caught:
            email_channel(peer, smtp_username="phananh", smtp_password="sai", notify_timeout_seconds=3).send(
                email_message()
            )
        assert "sai" not in caught.value.reason
    assert logins == [(b"phananh", b"mat-khau"), (b"phananh", b"sai")]


def test_email_needs_its_settings() -> None:
    with pytest.raises(ChannelNotConfigured, match="SMTP_HOST"):
        EmailChannel.from_settings(Settings(smtp_host=None))
