"""A demo site with a lived past, for browser tests that walk through a role's day.

:func:`demo_site` makes a fresh database, migrates it, loads the demo organisation, plays a
week of history through the real services ending now (so what is still open has live
deadlines), then adds what a dispatcher and a lead must always find on the site however the
history fell: two flagged reports in Phường Bách Quang (a photo taken far from the pin, and
a photo already sent with an earlier open report nearby), a pending extension in Bách
Quang's KTHT office, and two reports in ``canbo.bachquang``'s hands not yet started. Then it
starts the real app in its own process on that database and its media folder.

    with demo_site() as site:
        httpx.get(f"{site.url}/web/login")
        site.id_of(site.codes["location_mismatch"])

``tests/web/conftest.py`` makes it a session fixture, ``demo_site``.
"""

import os
import shutil
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Collection, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx2 as httpx
import redis
from sqlalchemy import Engine, create_engine, text
from sqlmodel import Session, col, select

import service.receivers  # noqa: F401  the history's lines are audited and notified, as in production
from service.core.migrate import upgrade
from service.core.timeutil import utcnow
from service.demo import history
from service.demo.seed import seed_demo
from service.identity.models import Role, User
from service.intake import service as intake
from service.intake.schemas import ComplaintSubmission
from service.media import service as media
from service.media.storage import LocalStorage, Storage
from service.media.uploads import Upload
from service.reports import repository as reports
from service.reports.models import Complaint, PhotoKind, PhotoStatus
from service.workflow import service as workflow
from service.workflow.schemas import ExtendBody, NoteBody, ReassignBody, ReturnBody
from tests.conftest import DEMO_PASSWORD, PHOTOS, REDIS_URL, TEST_DB, drop_database, free_port, recreate_database

REPO_ROOT = Path(__file__).resolve().parents[2]
BACH_QUANG = "05528"
BACH_QUANG_KTHT = f"{BACH_QUANG}-KTHT"
# A spot inside Phường Bách Quang (tests/workflow/test_handling_dispatch.py).
BACH_QUANG_PIN = (21.5063, 105.868)
OFFICER = "canbo.bachquang"
# A week at a middling city's pace: every state is there, in about 20 s of playing.
DAYS, PER_DAY, SEED = 7, 25, 2026


@dataclass(frozen=True)
class DemoSite:
    url: str
    database_url: str
    engine: Engine
    # Reports worth looking at, by what makes them so: "location_mismatch", "reused_photo",
    # "reused_original", "extension", "duplicate", "rejected", "resolved" (with after-photos),
    # one per other state ("submitted", "assigned", "acknowledged", "in_progress",
    # "awaiting_info", "closed", "reopened" where the history has one), "other_unit" (held
    # by another ward's office).
    codes: dict[str, str]

    def id_of(self, code: str) -> uuid.UUID:
        with self.engine.connect() as connection:
            return connection.execute(text("SELECT id FROM complaints WHERE code = :c"), {"c": code}).scalar_one()

    def one(self, sql: str, **params: Any) -> Any:
        with self.engine.connect() as connection:
            return connection.execute(text(sql), params).scalar_one_or_none()


# ---------------------------------------------------------------- building it


def _build(session: Session, media_dir: Path) -> dict[str, str]:
    seed_demo(session)
    session.commit()
    # No fsync per file: the server reads what this process wrote through the page cache.
    storage = LocalStorage(media_dir, durable=False)
    history.generate(
        session=session,
        storage=storage,
        seed=SEED,
        days=DAYS,
        per_day=PER_DAY,
        end=utcnow(),
        checkpoint=session.commit,
    )
    session.commit()
    codes = _flagged(session, storage)
    codes["extension"] = _pending_extension(session)
    codes["returned"] = _returned(session, storage)
    _officer_has_work(session, storage, named=codes.values())
    session.commit()
    codes = {**_interesting(session), **codes}
    _unit_has_work_in_hand(session, named=codes.values())
    session.commit()
    return codes


def _citizens(session: Session) -> list[User]:
    return list(session.exec(select(User).where(User.role == Role.citizen).order_by(col(User.id)).limit(10)))


def _submit(
    session: Session, storage: Storage, *, citizen: User, lat: float, lon: float, photo: bytes, description: str
) -> Complaint:
    """A report taken in and its photos processed at once, as the media worker would."""

    now = utcnow()
    submitted = intake.submit(
        session=session,
        storage=storage,
        citizen=citizen,
        submission=ComplaintSubmission(
            category_code="pothole",
            description=description,
            lat=lat,
            lon=lon,
            accuracy_m=8.0,
            captured_at=now - timedelta(minutes=5),
        ),
        uploads=[Upload("IMG_0001.jpg", photo)],
        idempotency_key=str(uuid.uuid4()),
        now=now,
    )
    complaint = submitted.complaint
    for photo_row in reports.photos_of(session, [complaint.id], kind=PhotoKind.report):
        if photo_row.status == PhotoStatus.pending:
            media.process_photo(session=session, storage=storage, photo_id=photo_row.id, now=utcnow())
    session.flush()
    session.refresh(complaint)
    return complaint


def _flagged(session: Session, storage: Storage) -> dict[str, str]:
    """Two reports the dispatcher must look at, whatever the history left."""
    citizens = _citizens(session)
    lat, lon = BACH_QUANG_PIN
    far = _submit(
        session,
        storage,
        citizen=citizens[0],
        lat=lat,
        lon=lon,
        # A camera photo whose GPS is far from Vietnam (tests/data/ATTRIBUTION.md).
        photo=(PHOTOS / "gps" / "DSCN0010.jpg").read_bytes(),
        description="Ổ gà lớn trước cổng trường, xe máy dễ ngã",
    )
    assert far.location_mismatch, "the GPS photo was not flagged as taken away from the pin"

    # An earlier open report of Bách Quang with a processed photo: its picture is sent
    # again, by someone else, a few metres away.
    original = session.execute(
        text(
            "SELECT c.id, c.code, c.citizen_id, p.original_key, ST_Y(c.location) AS lat, "
            "ST_X(c.location) AS lon FROM complaints c "
            "JOIN areas a ON a.id = c.area_id JOIN photos p ON p.complaint_id = c.id "
            "WHERE a.code = :ward AND c.status IN ('assigned', 'acknowledged', 'in_progress') "
            "AND p.kind = 'report' AND p.status = 'ready' AND NOT c.reused_photo AND NOT c.location_mismatch "
            "ORDER BY c.submitted_at DESC LIMIT 1"
        ),
        {"ward": BACH_QUANG},
    ).one()
    other = next(c for c in citizens if c.id != original.citizen_id)
    reused = _submit(
        session,
        storage,
        citizen=other,
        lat=original.lat + 0.00005,
        lon=original.lon - 0.00004,
        photo=storage.get(original.original_key),
        description="Mặt đường hư hỏng, đề nghị sửa sớm",
    )
    assert reused.reused_photo, "the photo sent twice was not flagged"
    return {"location_mismatch": far.code, "reused_photo": reused.code, "reused_original": original.code}


def _pending_extension(session: Session) -> str:
    """A report of Bách Quang's KTHT office whose officer waits for the lead's decision."""
    pending = session.execute(
        text(
            "SELECT c.code FROM extension_requests e JOIN complaints c ON c.id = e.complaint_id "
            "JOIN units u ON u.id = c.current_unit_id WHERE e.status = 'pending' AND u.code = :unit "
            "AND c.status IN ('acknowledged', 'in_progress', 'awaiting_info') ORDER BY e.requested_at DESC LIMIT 1"
        ),
        {"unit": BACH_QUANG_KTHT},
    ).scalar_one_or_none()
    if pending:
        return str(pending)
    row = session.execute(
        text(
            "SELECT c.id, c.code, c.current_officer_id FROM complaints c JOIN units u ON u.id = c.current_unit_id "
            "WHERE u.code = :unit AND c.status IN ('acknowledged', 'in_progress') AND c.current_officer_id IS NOT NULL "
            "AND NOT EXISTS (SELECT 1 FROM extension_requests e WHERE e.complaint_id = c.id AND e.status = 'pending') "
            "ORDER BY c.status DESC, c.submitted_at LIMIT 1"
        ),
        {"unit": BACH_QUANG_KTHT},
    ).one()
    officer = session.get(User, row.current_officer_id)
    workflow.request_extension(
        session=session,
        user=officer,  # type: ignore[arg-type]
        complaint_id=row.id,
        body=ExtendBody(working_days=3, reason="Cần thêm thời gian phối hợp với đơn vị thi công."),
        now=utcnow(),
    )
    return str(row.code)


def _returned(session: Session, storage: Storage) -> str:
    """A report its unit sent back: it waits in the dispatcher queue, with the unit's reason."""
    lat, lon = BACH_QUANG_PIN
    complaint = _submit(
        session,
        storage,
        citizen=_citizens(session)[1],
        lat=lat - 0.001,
        lon=lon + 0.0015,
        photo=(PHOTOS / "cameras" / "Nikon_D70.jpg").read_bytes(),
        description="Biển báo bị đổ ở ngã tư",
    )
    workflow.return_to_dispatcher(
        session=session,
        user=session.get(User, complaint.current_officer_id),  # type: ignore[arg-type]
        complaint_id=complaint.id,
        body=ReturnBody(reason="Không thuộc thẩm quyền của đơn vị."),
        now=utcnow(),
    )
    return str(complaint.code)


def _officer_has_work(session: Session, storage: Storage, *, named: Collection[str]) -> None:
    """``canbo.bachquang`` holds at least three new reports (assigned, unflagged) besides the
    ones other walks of the site count on: one of them is named the site's "assigned" report
    and two are left for the officer's walks to take up. The lead gives them fresh ones, each
    with its own picture, when the history left fewer."""

    def held() -> int:
        return int(
            session.execute(
                text(
                    "SELECT count(*) FROM complaints c JOIN users o ON o.id = c.current_officer_id "
                    "WHERE o.username = :u AND c.status = 'assigned' AND NOT c.location_mismatch "
                    "AND NOT c.reused_photo AND c.code <> ALL(:named)"
                ),
                {"u": OFFICER, "named": list(named)},
            ).scalar_one()
        )

    officer_id = session.execute(text("SELECT id FROM users WHERE username = :u"), {"u": OFFICER}).scalar_one()
    lead = session.execute(text("SELECT id FROM users WHERE username = 'lanhdao.bachquang'")).scalar_one()
    citizens = _citizens(session)
    lat, lon = BACH_QUANG_PIN
    for n, photo in enumerate(sorted((PHOTOS / "cameras").glob("*.jpg"))):
        if held() >= 3:
            return
        complaint = _submit(
            session,
            storage,
            citizen=citizens[2 + n],
            lat=lat + 0.001 * (n + 1),
            lon=lon - 0.001 * (n + 1),
            photo=photo.read_bytes(),
            description="Vỉa hè bị vỡ gạch, người đi bộ khó đi",
        )
        if complaint.current_officer_id != officer_id:
            workflow.reassign(
                session=session,
                user=session.get(User, lead),  # type: ignore[arg-type]
                complaint_id=complaint.id,
                body=ReassignBody(officer_id=officer_id, reason="Cân đối công việc trong đơn vị."),
                now=utcnow(),
            )
    assert held() >= 3, "canbo.bachquang has too little to do"


def _unit_has_work_in_hand(session: Session, *, named: Collection[str]) -> None:
    """Bách Quang's KTHT office has at least two reports taken in or under way besides the
    named ones (the lead's corrections change one, the English page shows another): how many
    the week left depends on the hour the site is built. When fewer, officers other than
    ``canbo.bachquang`` (whose new reports other walks count on) take in their own assigned
    reports, the second of them also starting work."""

    def reports_in(statuses: list[str], *, others_only: bool = False) -> list[uuid.UUID]:
        return list(
            session.execute(
                text(
                    "SELECT c.id FROM complaints c JOIN units n ON n.id = c.current_unit_id "
                    "JOIN users u ON u.id = c.current_officer_id JOIN categories k ON k.id = c.category_id "
                    "WHERE n.code = :unit AND c.status = ANY(:s) AND c.code <> ALL(:named) "
                    "AND k.code NOT IN ('street_light', 'provincial_road') "
                    "AND (NOT :others OR u.username <> :officer) ORDER BY c.submitted_at"
                ),
                {
                    "unit": BACH_QUANG_KTHT,
                    "s": statuses,
                    "named": list(named),
                    "others": others_only,
                    "officer": OFFICER,
                },
            ).scalars()
        )

    wanted = 2 - len(reports_in(["acknowledged", "in_progress"]))
    for n, complaint_id in enumerate(reports_in(["assigned"], others_only=True)[: max(wanted, 0)]):
        holder = session.get(User, session.get(Complaint, complaint_id).current_officer_id)  # type: ignore[union-attr]
        assert holder is not None
        workflow.acknowledge(session=session, user=holder, complaint_id=complaint_id, body=NoteBody(), now=utcnow())
        if n % 2:
            workflow.start(session=session, user=holder, complaint_id=complaint_id, body=NoteBody(), now=utcnow())
    assert len(reports_in(["acknowledged", "in_progress"])) >= 2, "Bách Quang's KTHT office has nothing in hand"


def _interesting(session: Session) -> dict[str, str]:
    """One report per state, Bách Quang's KTHT office first (its staff can act on them)."""
    codes: dict[str, str] = {}
    pick = (
        "SELECT c.code FROM complaints c LEFT JOIN units u ON u.id = c.current_unit_id "
        "JOIN areas a ON a.id = c.area_id WHERE {where} "
        "ORDER BY (u.code = :unit) IS TRUE DESC, (a.code = :ward) DESC, c.submitted_at DESC LIMIT 1"
    )
    wanted = {
        state: f"c.status = '{state}' AND NOT c.location_mismatch AND NOT c.reused_photo"
        for state in (
            "submitted",
            "assigned",
            "acknowledged",
            "in_progress",
            "awaiting_info",
            "closed",
            "reopened",
            "rejected",
            "duplicate",
        )
    }
    wanted["resolved"] = (
        "c.status = 'resolved' AND EXISTS (SELECT 1 FROM photos p WHERE p.complaint_id = c.id "
        "AND p.kind = 'result' AND p.status = 'ready')"
    )
    wanted["reviewed_flags"] = "c.flags_reviewed_at IS NOT NULL"
    for name, where in wanted.items():
        code = session.execute(
            text(pick.format(where=where)), {"unit": BACH_QUANG_KTHT, "ward": BACH_QUANG}
        ).scalar_one_or_none()
        if code:
            codes[name] = str(code)
    other = session.execute(
        text(
            "SELECT c.code FROM complaints c JOIN units u ON u.id = c.current_unit_id "
            "WHERE u.code <> :unit AND c.status IN ('assigned', 'acknowledged', 'in_progress') "
            "ORDER BY (u.code = '05443-KTHT') DESC, c.submitted_at DESC LIMIT 1"
        ),
        {"unit": BACH_QUANG_KTHT},
    ).scalar_one_or_none()
    if other:
        codes["other_unit"] = str(other)
    return codes


# ---------------------------------------------------------------- serving it


def _forget_rate_limits() -> None:
    """Our keys in this run's Redis database (as tests/conftest.py's clean_redis does): the
    login failures earlier runs counted must not lock this run's logins out."""
    client = redis.Redis.from_url(REDIS_URL)
    try:
        keys = list(client.scan_iter("phananh:*"))
        if keys:
            client.delete(*keys)
    finally:
        client.close()


def _wait_until_up(url: str, process: subprocess.Popen, log: Path, *, timeout: float = 120) -> None:
    # Importing the app took over a minute on this 2-core machine with other tests running.
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"the demo site's server stopped ({process.returncode}):\n{log.read_text()[-5000:]}")
        try:
            if httpx.get(f"{url}/healthz", timeout=1).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.1)
    raise RuntimeError(f"the demo site's server did not answer in {timeout:.0f} s:\n{log.read_text()[-5000:]}")


def _stop(process: subprocess.Popen) -> None:
    process.terminate()
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(timeout=10)


@contextmanager
def demo_site(name: str = f"{TEST_DB}_site") -> Iterator[DemoSite]:
    """Build the site (about 20–30 s), serve it, and take it all down afterwards."""
    started = time.monotonic()
    _forget_rate_limits()
    url = recreate_database(name)
    data_dir = Path(tempfile.mkdtemp(prefix=f"phananh-site-{name}-"))
    engine = create_engine(url)
    process: subprocess.Popen | None = None
    try:
        upgrade(url)
        with Session(engine, expire_on_commit=False) as session:
            codes = _build(session, data_dir / "media")
        port = free_port()
        log = data_dir / "server.log"
        env = {
            **os.environ,
            "DATABASE_URL": url,
            "PHANANH_DATA_DIR": str(data_dir),
            "REDIS_URL": REDIS_URL,
            "ENVIRONMENT": "test",
            "PHANANH_DEMO_PASSWORD": DEMO_PASSWORD,
        }
        with log.open("w") as output:
            process = subprocess.Popen(
                [sys.executable, "-m", "uvicorn", "service.main:app", "--port", str(port), "--log-level", "warning"],
                cwd=REPO_ROOT,
                env=env,
                stdout=output,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        site_url = f"http://127.0.0.1:{port}"
        _wait_until_up(site_url, process, log)
        print(f"demo site ready in {time.monotonic() - started:.1f} s: {site_url}, {len(codes)} reports named")
        yield DemoSite(url=site_url, database_url=url, engine=engine, codes=codes)
    finally:
        if process is not None:
            _stop(process)
        engine.dispose()
        drop_database(name)
        shutil.rmtree(data_dir, ignore_errors=True)
