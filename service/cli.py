"""`phananh`: the one entry point for every process and admin chore."""

import getpass
import os
import sys
from pathlib import Path

import click

from service.core.settings import get_settings


@click.group()
def main() -> None:
    """PhanAnh — dịch vụ phản ánh hiện trường / citizen field-reporting service."""


@main.command()
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", type=int, default=lambda: int(os.environ.get("PORT", "8000")), show_default="PORT or 8000")
@click.option("--workers", type=int, default=1, show_default=True)
@click.option("--reload", is_flag=True, help="Restart on code changes (development).")
def serve(host: str, port: int, workers: int, reload: bool) -> None:
    """Run the HTTP API. Forwarded addresses are believed only from FORWARDED_ALLOW_IPS."""
    import uvicorn

    # uvicorn alone would trust X-Forwarded-For from 127.0.0.1 by default: anything on the
    # host could then log in as any address. Only the proxies named in the settings are.
    trusted = (get_settings().forwarded_allow_ips or "").strip()
    uvicorn.run(
        "service.main:app",
        host=host,
        port=port,
        workers=workers,
        reload=reload,
        proxy_headers=bool(trusted),
        forwarded_allow_ips=trusted or None,
        # A worker still importing the app on a busy 2-core host can miss uvicorn's 5 s ping;
        # the supervisor then kills and restarts it, again and again, and nothing serves.
        timeout_worker_healthcheck=30,
        log_level="info",
    )


@main.command()
@click.option("--queues", default="default,media,notify", show_default=True)
@click.option("--concurrency", type=int, default=None, help="Processes (default: CPU count).")
@click.option("--loglevel", default="INFO", show_default=True)
def worker(queues: str, concurrency: int | None, loglevel: str) -> None:
    """Run a Celery worker."""
    from workers.tasks import celery_app

    argv = ["worker", "--queues", queues, "--loglevel", loglevel]
    if concurrency:
        argv += ["--concurrency", str(concurrency)]
    celery_app.worker_main(argv)


@main.command()
@click.option("--loglevel", default="INFO", show_default=True)
def beat(loglevel: str) -> None:
    """Run Celery beat (exactly one per deployment)."""
    from workers.tasks import celery_app

    schedule = get_settings().data_dir / "celerybeat-schedule"
    schedule.parent.mkdir(parents=True, exist_ok=True)
    celery_app.start(["beat", "--loglevel", loglevel, "--schedule", str(schedule)])


@main.command()
def migrate() -> None:
    """Apply every database migration (alembic upgrade head)."""
    from service.core.migrate import upgrade

    upgrade()
    click.echo("database is at the latest migration")


@main.command("seed-demo")
@click.option("--once", is_flag=True, help="Skip the organisation when it is there, the history when any report is.")
@click.option("--days", type=click.IntRange(0, 3660), default=90, show_default=True, help="Days of history (0: none).")
@click.option("--per-day", type=click.FloatRange(0, 100_000), default=25, show_default=True, help="Reports a day.")
@click.option("--seed", type=int, default=2026, show_default=True, help="The same seed gives the same history.")
def seed_demo(once: bool, days: int, per_day: float, seed: int) -> None:
    """Load the 92 wards of Thái Nguyên, units, categories and demo accounts, then play
    DAYS of reports up to now through the real services (service/demo/history.py)."""
    import time

    import service.receivers  # noqa: F401  the demo's lines are audited and notified like any other
    from service.core.database import session_scope
    from service.demo import history
    from service.demo.seed import already_seeded, has_reports
    from service.demo.seed import seed_demo as run_seed

    with session_scope() as session:
        seeded = once and already_seeded(session)
        if not seeded:
            report = run_seed(session)
    if seeded:
        click.echo("demo organisation already present")
    else:
        click.echo(
            f"areas: {report.areas}, units: {report.units}, categories: {report.categories}, "
            f"new accounts: {report.accounts_created} (password: $PHANANH_DEMO_PASSWORD)"
        )
    if not days:
        return
    with session_scope() as session:
        if once and has_reports(session):
            click.echo("demo history already present")
            return
    from sqlmodel import Session

    from service.media.storage import LocalStorage, get_storage

    started = time.monotonic()
    storage = get_storage()
    # Local files: one sync per day of history rather than two per photo file.
    batch = storage.batch() if isinstance(storage, LocalStorage) else storage

    def checkpoint(session: Session) -> None:
        if isinstance(batch, LocalStorage):
            batch.sync()
        session.commit()

    with session_scope() as session:
        # A day of history per transaction: memory stays flat and a stop loses one day.
        lived = history.generate(
            session=session,
            storage=batch,
            seed=seed,
            days=days,
            per_day=per_day,
            end=history.default_end(),
            checkpoint=lambda: checkpoint(session),
        )
    if isinstance(batch, LocalStorage):
        batch.sync()
    states = ", ".join(f"{status} {count}" for status, count in sorted(lived.by_status.items()))
    click.echo(
        f"history: {lived.reports} reports over {days} days, {lived.steps} steps "
        f"({lived.refused} refused) in {time.monotonic() - started:.1f} s; {states}"
    )


@main.command("import-areas")
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
def import_areas_command(path: Path) -> None:
    """Create or replace ward polygons from a GeoJSON FeatureCollection, by official code."""
    from service.areas.service import import_areas, load_features
    from service.core.database import session_scope
    from service.core.errors import PhanAnhError

    try:
        with session_scope() as session:
            report = import_areas(session=session, features=load_features(path=path))
    except PhanAnhError as error:
        raise click.ClickException(f"{error.detail_message_en} ({error.field})") from error
    click.echo(f"created: {report.created}, updated: {report.updated}, repaired: {len(report.repaired)}")
    for problem in report.repaired:
        click.echo(f"  repaired {problem.code}: {problem.problem}")


@main.command("audit-verify")
@click.option(
    "--anchor",
    default=None,
    metavar="ID:HASH",
    help="The last event a previous run printed: also fail if it is gone or changed (rows cut from the end).",
)
def audit_verify(anchor: str | None) -> None:
    """Check the audit trail's hash chain; name every edited or deleted row. Exits 1 if broken."""
    from service.audit.verify import verify
    from service.core.database import get_engine

    noted = None
    if anchor is not None:
        event_id, _, digest = anchor.partition(":")
        if not event_id.isdigit() or len(digest) != 64:
            raise click.BadParameter("expected ID:HASH, e.g. 1234:9f86d0…", param_hint="--anchor")
        noted = (int(event_id), digest)
    # One snapshot of the whole table, however many events are added meanwhile.
    with get_engine().connect().execution_options(isolation_level="REPEATABLE READ") as connection:
        result = verify(connection, anchor=noted)
        connection.rollback()
    if not result.ok:
        for problem in result.problems:
            click.echo(str(problem))
        click.echo(f"FAILED: {len(result.problems)} problem(s) in {result.count} events")
        sys.exit(1)
    click.echo(f"ok {result.count} events")
    if result.last_id is not None:
        click.echo(f"last: {result.last_id}:{result.last_hash}")


@main.command("create-user")
@click.option("--username", required=True)
@click.option("--full-name", required=True)
@click.option("--role", type=click.Choice(["citizen", "officer", "unit_lead", "dispatcher", "admin"]), required=True)
@click.option("--unit", "unit_code", default=None, help="Unit code, for officers and unit leads.")
@click.option("--phone", default=None)
@click.option("--email", default=None)
@click.option(
    "--password-stdin",
    is_flag=True,
    help="Read the password from standard input instead of prompting (for scripts).",
)
def create_user(
    username: str,
    full_name: str,
    role: str,
    unit_code: str | None,
    phone: str | None,
    email: str | None,
    password_stdin: bool,
) -> None:
    """Create an account. The password is prompted for (never an argument, so it stays out
    of shell history and process lists)."""
    from pydantic import ValidationError

    from service.accounts.schemas import UserCreate
    from service.accounts.service import create_user as create
    from service.core.database import session_scope
    from service.core.errors import PhanAnhError
    from service.units import repository as units

    if password_stdin:
        password = sys.stdin.readline().rstrip("\n")
    else:
        password = getpass.getpass("Password: ")
        if getpass.getpass("Repeat: ") != password:
            raise click.ClickException("passwords differ")
    try:
        with session_scope() as session:
            unit_id = None
            if unit_code:
                unit = units.get_by_code(session, unit_code)
                if unit is None:
                    raise click.ClickException(f"no unit with code {unit_code}")
                unit_id = unit.id
            data = UserCreate(
                username=username,
                full_name=full_name,
                password=password,
                role=role,  # type: ignore[arg-type]
                unit_id=unit_id,
                phone=phone,
                email=email,
            )
            user = create(session=session, data=data)
            click.echo(f"created user {user.id} ({user.username}, {user.role})")
    except ValidationError as error:
        raise click.ClickException(str(error)) from error
    except PhanAnhError as error:
        raise click.ClickException(f"{error.detail_message_en} ({error.field})") from error


if __name__ == "__main__":
    main()
