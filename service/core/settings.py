"""All configuration, read once from the environment (prefix-free names, as ops expect).

One pydantic-settings class: nothing else in the code reads ``os.environ``.
"""

from functools import lru_cache
from pathlib import Path
from zoneinfo import ZoneInfo

from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

PROJECT_ROOT = Path(__file__).resolve().parents[2]

# Vietnam has one time zone and no daylight saving; everything the public sees is shown in it.
LOCAL_TZ = ZoneInfo("Asia/Ho_Chi_Minh")

# A development-only key: `make run` and the tests use it, production must set JWT_SECRET.
_DEV_JWT_SECRET = "phananh-dev-secret-change-me-in-production-0123456789"  # noqa: S105


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_file=".env", env_file_encoding="utf-8", extra="ignore")

    environment: str = Field(default="development", description="development | test | production")

    database_url: str = "postgresql+psycopg://postgres@127.0.0.1:5432/phananh"
    redis_url: str = "redis://127.0.0.1:6379/0"
    # Pool sized for a 2-core box running uvicorn's threadpool; raise with more workers.
    database_pool_size: int = 10
    database_max_overflow: int = 20

    # How long Redis waits before handing an unacknowledged task (its worker died) to
    # another worker. Measured (December 2026): a photo takes 0.01-0.06 s to process
    # (tests/data/photos, up to an 8 MP phone picture), a delivery at most
    # notify_timeout_seconds, a sweep a batch of 500; 300 s is many times the longest. A
    # task run twice anyway is harmless: a photo is locked and skipped once done, a
    # delivery is locked and sent only while pending. Stranded work does not wait for
    # this: the sweeps below find it within a minute.
    celery_visibility_timeout: int = 300

    jwt_secret: SecretStr = SecretStr(_DEV_JWT_SECRET)
    jwt_algorithm: str = "HS256"
    access_token_minutes: int = 15
    refresh_token_days: int = 30

    # Failed logins within the window: from one address for one account (then that pair
    # waits); from one address across accounts (credential stuffing; an office or a carrier
    # may be one address); for one account from everywhere (distributed guessing: past it
    # only addresses the account has logged in from before, within known-address days, may
    # try, so the owner still gets in).
    login_max_failures: int = 5
    login_max_failures_per_address: int = 20
    login_max_failures_per_account: int = 50
    login_window_seconds: int = 900
    login_known_address_days: int = 30
    # The reverse proxies whose X-Forwarded-For / X-Forwarded-Proto are believed (uvicorn's
    # list: addresses or networks, comma-separated, "*" for any). None or empty: no proxy is
    # trusted and the address that connected is the client's.
    forwarded_allow_ips: str | None = None
    # Registrations allowed per client address within an hour: stops scripted sign-ups, yet
    # mobile carriers put many phones behind one address (CGNAT), so not too few.
    register_max_per_hour: int = 100

    demo_password: SecretStr = Field(default=SecretStr("PhanAnh@2026"), validation_alias="PHANANH_DEMO_PASSWORD")
    data_dir: Path = Field(default=PROJECT_ROOT / ".data", validation_alias="PHANANH_DATA_DIR")

    # Photo storage: "local" keeps files under $PHANANH_DATA_DIR/media; "s3" uses any
    # S3-compatible service (AWS, MinIO, Viettel/FPT object storage).
    storage_backend: str = "local"
    s3_bucket: str = "phananh-media"
    s3_endpoint_url: str | None = None
    s3_region: str = "ap-southeast-1"
    s3_access_key_id: SecretStr | None = None
    s3_secret_access_key: SecretStr | None = None

    # A photo still pending this long after upload, whose task is not waiting in the media
    # queue, lost it (Redis down at commit, its worker killed, its retries spent while
    # PostgreSQL was away); beat sends it again, scanning every PHOTO_RESEND_SCAN_SECONDS.
    # A photo takes well under a second, so 20 s pending means lost; a stranded photo is
    # picked up at most 20 + 10 s after upload, or 10 s after an outage longer than that
    # (measured by tests/faults: 36-43 s after recovery with 30 s, the worst case).
    photo_resend_after_seconds: float = 20
    photo_resend_scan_seconds: float = 10

    # Service levels when no policy in the database says otherwise, in working time
    # (iHanoi: take in within 8 working hours, urgent handled within 4; Đà Nẵng: 3 days).
    sla_ack_hours: float = 8
    sla_ack_hours_urgent: float = 4
    sla_resolve_days: float = 3
    sla_resolve_days_urgent: float = 1
    # A resolved report the citizen neither rates nor reopens closes after this many days;
    # they may reopen it for this many days after it was resolved.
    auto_close_days: int = 7
    # How often beat looks for reports reaching 80 / 100 / 150 % of their time; an
    # escalation whose task was lost (Redis down) is found again by the next scan.
    escalation_scan_seconds: float = 30
    reopen_window_days: int = 7

    # Notification channels. A channel whose settings are missing is not configured;
    # the in-app inbox needs none.
    # How long one delivery attempt may take (connect, send, wait for the answer).
    notify_timeout_seconds: float = 10
    # The relay: a delivery that fails for now is tried again after base x 2^attempts
    # seconds (at most max), and given up after max_attempts. The sweep looks for
    # deliveries whose time has come (and for those whose first request was lost: a
    # delivery is claimed for claim_seconds when its task is sent).
    notify_retry_base_seconds: float = 30
    notify_retry_max_seconds: float = 3600
    notify_max_attempts: int = 10
    # A claim of 20 s: a delivery lost with Redis is sent again 20-30 s after it was
    # owed (at most ~30 s after a short outage ends). Longer than a delivery takes
    # (notify_timeout_seconds); a claim that runs out while its task still runs sends a
    # second task, which finds the row locked or sent and does nothing. While the notify
    # queue is a backlog the sweep claims nothing (workers/notify.py), so it never floods.
    notify_sweep_seconds: float = 10
    notify_claim_seconds: float = 20
    # Mobile push through FCM HTTP v1. The access token is a short-lived OAuth token for
    # the Firebase service account; whoever deploys keeps it fresh.
    fcm_base_url: str = "https://fcm.googleapis.com"
    fcm_project_id: str | None = None
    fcm_access_token: SecretStr | None = None
    # SMS through an HTTP gateway (a Viettel/VNPT brandname relay or similar).
    sms_gateway_url: str | None = None
    sms_api_key: SecretStr | None = None
    sms_api_key_header: str = "X-API-Key"
    # Email over SMTP.
    smtp_host: str | None = None
    smtp_port: int = 587
    smtp_starttls: bool = True
    smtp_username: str | None = None
    smtp_password: SecretStr | None = None
    mail_from: str = "PhanAnh <no-reply@phananh.vn>"

    # Request bodies, bounded before they are read (service/core/limits.py): the routes that
    # take photos get room for 6 photos of 10 MB and their form (a boundary file of 50 MB
    # fits too); every other body is JSON or a form. deploy/nginx/phananh.conf matches these.
    max_body_bytes: int = 1024 * 1024
    max_upload_body_bytes: int = 64 * 1024 * 1024
    # Deeper JSON is refused before it is parsed: parsers and validators recurse on it.
    max_json_depth: int = 32

    # The province this deployment serves (its official code; "19" is Thái Nguyên). Staff
    # accounts carry no province of their own: each works for this one.
    province_code: str = "19"

    # The console's maps draw ward outlines from our own data; a tile server (an XYZ URL
    # such as https://tile.example.vn/{z}/{x}/{y}.png) adds a street map underneath.
    map_tile_url: str | None = None

    @property
    def is_production(self) -> bool:
        return self.environment == "production"

    def check_production_safety(self) -> None:
        """Refuse to start in production with the development signing key or a weak one."""
        secret = self.jwt_secret.get_secret_value()
        if self.is_production and (secret == _DEV_JWT_SECRET or len(secret) < 32):
            raise RuntimeError("JWT_SECRET must be set to a random value of 32+ characters in production")


@lru_cache
def get_settings() -> Settings:
    return Settings()
