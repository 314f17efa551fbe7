"""The demo history's generator: how long ``phananh seed-demo`` takes to live N days of
reports through the real services, beside what the database alone needs to write the
same rows.

Target (issue 13): the first ``make run`` stays quick — its 90 days (about 2,400 reports)
are played behind a running API in under 3 minutes on this 2-core machine.

For each size, ``--repeat`` times, on a fresh database (``phananh_bench_history``):

1. migrate and seed the organisation (not timed);
2. run ``phananh seed-demo --once --days D --per-day P`` — the command ``make run`` runs —
   and read its own figures (reports, steps, seconds);
3. the ceiling: copy every row the history wrote (reports, photos, timeline, audit trail,
   notifications) into scratch tables with one ``INSERT … SELECT`` each, in one
   transaction: what writing those rows costs PostgreSQL with no service in between.

Prints, per size: the median and the spread of the runs, reports and steps per second,
the ratio to the ceiling, and the machine's other load while it ran (a shared machine).

Run: ``.venv/bin/python -m bench.history`` (about 8 minutes with the defaults).
"""

import argparse
import re
import statistics
import subprocess
import sys
import time

from sqlalchemy import create_engine, text

from bench._report import banner, machine_cpu, row, stop_cleanly_on_signals, verdict
from bench.intake import PHANANH, ROOT, seeded_service

BENCH_DB = "phananh_bench_history"
TARGET_90_DAYS_S = 180.0
TABLES = ["complaints", "photos", "complaint_events", "audit_events", "notifications"]
FIGURES = re.compile(r"history: (\d+) reports over (\d+) days, (\d+) steps \((\d+) refused\) in ([\d.]+) s")


def play(env: dict[str, str], *, days: int, per_day: float, seed: int) -> tuple[int, int, float, float]:
    """(reports, steps, seconds the command says it took, wall seconds of the process)."""
    started = time.monotonic()
    result = subprocess.run(  # noqa: S603 - our own entry point, fixed arguments
        [str(PHANANH), "seed-demo", "--once", "--days", str(days), "--per-day", str(per_day), "--seed", str(seed)],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=3600,
        check=False,
    )
    wall = time.monotonic() - started
    found = FIGURES.search(result.stdout)
    if result.returncode != 0 or found is None:
        raise RuntimeError(f"seed-demo failed (exit {result.returncode}):\n{(result.stdout + result.stderr)[-3000:]}")
    return int(found[1]), int(found[3]), float(found[5]), wall


def ceiling(url: str) -> tuple[int, float]:
    """Rows the history left, and the seconds PostgreSQL takes to write them again."""
    engine = create_engine(url)
    try:
        with engine.begin() as connection:
            rows = sum(connection.execute(text(f"SELECT count(*) FROM {t}")).scalar_one() for t in TABLES)  # noqa: S608
            started = time.monotonic()
            for table in TABLES:
                connection.execute(text(f"CREATE TEMP TABLE copy_{table} (LIKE {table} INCLUDING ALL)"))
                connection.execute(text(f"INSERT INTO copy_{table} SELECT * FROM {table}"))  # noqa: S608
            seconds = time.monotonic() - started
    finally:
        engine.dispose()
    return rows, seconds


def measure(*, days: int, per_day: float, seed: int, repeat: int) -> dict[str, list[float]]:
    figures: dict[str, list[float]] = {
        k: [] for k in ("reports", "steps", "seconds", "wall", "rows", "ceiling", "load")
    }
    for attempt in range(repeat):
        with seeded_service(f"history-{days}d-{attempt}", BENCH_DB) as service:
            busy_before, _ = machine_cpu()
            reports, steps, seconds, wall = play(service.env, days=days, per_day=per_day, seed=seed)
            busy_after, _ = machine_cpu()
            rows, copy_seconds = ceiling(service.env["DATABASE_URL"])
        figures["reports"].append(reports)
        figures["steps"].append(steps)
        figures["seconds"].append(seconds)
        figures["wall"].append(wall)
        figures["rows"].append(rows)
        figures["ceiling"].append(copy_seconds)
        # The machine's busy CPU beyond one core (ours) while the history ran: the noise.
        figures["load"].append(max(0.0, (busy_after - busy_before) / wall - 1.0))
        print(
            f"  run {attempt + 1}: {reports} reports, {steps} steps in {seconds:.1f} s "
            f"(process {wall:.1f} s); rows {rows:,}, written alone in {copy_seconds:.2f} s",
            flush=True,
        )
    return figures


def report(days: int, per_day: float, figures: dict[str, list[float]]) -> None:
    seconds = figures["seconds"]
    median = statistics.median(seconds)
    reports = statistics.median(figures["reports"])
    steps = statistics.median(figures["steps"])
    ceiling_s = statistics.median(figures["ceiling"])
    print(banner(f"PhanAnh demo history: {days} days at {per_day:g} a day"))
    print(row("reports (median)", f"{reports:,.0f}"))
    print(row("steps through the services", f"{steps:,.0f}"))
    print(row("seconds: median", f"{median:.1f} s"))
    print(row("seconds: min .. max", f"{min(seconds):.1f} .. {max(seconds):.1f} s"))
    print(row("noise (max-min)/median", f"{(max(seconds) - min(seconds)) / median:.0%}"))
    print(row("reports per second", f"{reports / median:.1f}"))
    print(row("steps per second", f"{steps / median:.1f}"))
    print(row("ms per step", f"{1000 * median / steps:.1f}"))
    print(row("rows written", f"{statistics.median(figures['rows']):,.0f}"))
    print(row("ceiling: same rows, SQL alone", f"{ceiling_s:.2f} s"))
    print(row("services / ceiling", f"{median / ceiling_s:.0f}x"))
    print(row("other load on the machine", f"{statistics.median(figures['load']):.2f} cores"))
    if days == 90:
        ok = median <= TARGET_90_DAYS_S
        print(row("90 days, first make run", f"{median:.0f} s", f"<= {TARGET_90_DAYS_S:.0f} s", verdict(ok)))


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--days", type=int, nargs="+", default=[14, 90], help="history lengths to measure")
    parser.add_argument("--per-day", type=float, default=25, help="reports a day (seed-demo's default)")
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--repeat", type=int, default=2, help="runs per size, each on a fresh database")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    stop_cleanly_on_signals()
    args = parse_args(argv)
    results = {days: measure(days=days, per_day=args.per_day, seed=args.seed, repeat=args.repeat) for days in args.days}
    for days, figures in results.items():
        report(days, args.per_day, figures)
    return 0


if __name__ == "__main__":
    sys.exit(main())
