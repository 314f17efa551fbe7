"""The officer's queue, ``GET /api/v1/queue``, with a million reports in the table.

Target (issue 5): p95 under 50 ms with 1,000,000 reports.

1. Drops and creates ``phananh_bench_queue``, migrates and seeds the demo (92 wards, ~290
   officers), then loads ``--reports`` reports straight in SQL: 75 % finished (closed,
   rejected, duplicate), 25 % in hand, spread over the seeded officers and their units,
   with deadlines from ten days ago to ten days ahead (none while waiting for the citizen).
2. Starts ``phananh serve --workers 2`` and logs in as officers and the demo unit lead.
3. Sends ``--requests`` queue requests one at a time, in turn: an officer's first page, the
   same officer's overdue filter, the next page through the cursor, and the lead's unit-wide
   page, and prints p50 / p95 / p99 for each and for all.

Run: ``.venv/bin/python -m bench.queue`` (about 2 minutes with the default million).
"""

import argparse
import random
import sys
import time
from collections import defaultdict

import httpx2 as httpx
from sqlalchemy import create_engine, text

from bench._report import banner, percentile, row, stop_cleanly_on_signals, verdict
from bench.intake import code_version, seeded_service

BENCH_DB = "phananh_bench_queue"
DATABASE_URL = f"postgresql+psycopg://postgres@127.0.0.1:5432/{BENCH_DB}"
TARGET_P95_MS = 50.0
DEMO_PASSWORD = "PhanAnh@2026"  # noqa: S105 - the demo accounts of a throw-away database
LEAD = "lanhdao.bachquang"

# One INSERT per batch: statuses by share, officers and deadlines drawn in SQL.
LOAD = """
WITH officers AS (
    SELECT array_agg(id ORDER BY id) AS ids, array_agg(unit_id ORDER BY id) AS units
    FROM users WHERE role IN ('officer', 'unit_lead') AND unit_id IS NOT NULL
), wards AS (
    SELECT array_agg(id ORDER BY id) AS ids, array_agg(ST_PointOnSurface(geom) ORDER BY id) AS points
    FROM areas WHERE province_code = '19'
), kinds AS (
    SELECT array_agg(id ORDER BY id) AS ids FROM categories
), citizen AS (
    SELECT min(id) AS id FROM users WHERE role = 'citizen'
), draws AS (
    SELECT g,
           random() AS r,
           1 + floor(random() * cardinality((SELECT ids FROM officers)))::int AS o,
           1 + floor(random() * cardinality((SELECT ids FROM wards)))::int AS w,
           1 + floor(random() * cardinality((SELECT ids FROM kinds)))::int AS k,
           now() - random() * interval '730 days' AS submitted
    FROM generate_series(CAST(:first AS bigint), CAST(:last AS bigint)) AS g
), shaped AS (
    SELECT d.*,
           CASE WHEN r < 0.65 THEN 'closed' WHEN r < 0.70 THEN 'rejected' WHEN r < 0.75 THEN 'duplicate'
                WHEN r < 0.82 THEN 'assigned' WHEN r < 0.88 THEN 'acknowledged' WHEN r < 0.96 THEN 'in_progress'
                ELSE 'awaiting_info' END AS status
    FROM draws d
)
INSERT INTO complaints (
    id, code, citizen_id, category_id, description, location, area_id, submitted_at, channel, visibility,
    priority, status, current_unit_id, current_officer_id, idempotency_key, request_hash,
    location_mismatch, reused_photo, due_at, updated_at
)
SELECT gen_random_uuid(), 'PB-' || lpad(g::text, 9, '0'), (SELECT id FROM citizen), (SELECT ids FROM kinds)[k],
       'Báo cáo thử nghiệm ' || g, (SELECT points FROM wards)[w], (SELECT ids FROM wards)[w], submitted, 'mobile',
       'public', 'normal', status, (SELECT units FROM officers)[o], (SELECT ids FROM officers)[o], 'bench-' || g,
       'x', false, false,
       CASE WHEN status IN ('assigned', 'acknowledged', 'in_progress')
            THEN now() + (random() * 20 - 10) * interval '1 day' END,
       now()
FROM shaped
"""


def load_reports(
    total: int, batch: int = 100_000, *, sql: str = LOAD, url: str = DATABASE_URL, label: str = "bench.queue"
) -> float:
    started = time.perf_counter()
    engine = create_engine(url)
    try:
        for first in range(1, total + 1, batch):
            last = min(total, first + batch - 1)
            with engine.begin() as connection:
                connection.execute(text(sql), {"first": first, "last": last})
            print(f"[{label}]   {last:,} reports", flush=True)
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
            connection.execute(text("VACUUM ANALYZE complaints"))
    finally:
        engine.dispose()
    return time.perf_counter() - started


def officers_with_work(count: int, rng: random.Random) -> list[str]:
    engine = create_engine(DATABASE_URL)
    try:
        with engine.connect() as connection:
            names = connection.execute(
                text(
                    "SELECT u.username FROM users u WHERE u.role = 'officer' AND EXISTS "
                    "(SELECT 1 FROM complaints c WHERE c.current_officer_id = u.id AND c.status = 'assigned')"
                )
            ).scalars()
            found = sorted(names)
    finally:
        engine.dispose()
    return rng.sample(found, min(count, len(found)))


def token(http: httpx.Client, username: str) -> dict[str, str]:
    response = http.post("/api/v1/auth/token", data={"username": username, "password": DEMO_PASSWORD})
    response.raise_for_status()
    return {"Authorization": f"Bearer {response.json()['access_token']}"}


def timed(http: httpx.Client, headers: dict[str, str], params: dict) -> tuple[float, dict]:
    started = time.perf_counter()
    response = http.get("/api/v1/queue", headers=headers, params=params)
    elapsed = (time.perf_counter() - started) * 1000
    if response.status_code != 200:
        raise RuntimeError(f"queue answered {response.status_code}: {response.text[:300]}")
    return elapsed, response.json()


def measure(base_url: str, officers: list[str], requests: int) -> dict[str, list[float]]:
    timings: dict[str, list[float]] = defaultdict(list)
    with httpx.Client(base_url=base_url, timeout=30) as http:
        headers = {name: token(http, name) for name in [*officers, LEAD]}
        for _ in range(20):  # warm-up: connections, plans, caches
            timed(http, headers[officers[0]], {})
        sent = 0
        while sent < requests:
            for name in officers:
                ms, page = timed(http, headers[name], {"limit": 20})
                timings["officer, first page"].append(ms)
                ms, _ = timed(http, headers[name], {"limit": 20, "overdue": "true"})
                timings["officer, overdue only"].append(ms)
                if page["next_cursor"]:
                    ms, _ = timed(http, headers[name], {"limit": 20, "cursor": page["next_cursor"]})
                    timings["officer, next page (cursor)"].append(ms)
                ms, _ = timed(http, headers[LEAD], {"limit": 50})
                timings["lead, whole unit (50)"].append(ms)
                sent += 4
                if sent >= requests:
                    break
    return timings


def report(timings: dict[str, list[float]], *, total: int, load_seconds: float, in_hand: int) -> None:
    every = [ms for values in timings.values() for ms in values]
    p95 = percentile(every, 95)
    print(banner(f"bench.queue, {code_version()}"))
    print(row("reports in the table", f"{total:,}"))
    print(row("of which in hand", f"{in_hand:,}"))
    print(row("load time", f"{load_seconds:.0f} s"))
    print(f"  {'':30} {'requests':>9} {'p50 ms':>8} {'p95 ms':>8} {'p99 ms':>8}")
    for label, values in sorted(timings.items()):
        print(
            f"  {label:<30} {len(values):>9} {percentile(values, 50):>8.1f} "
            f"{percentile(values, 95):>8.1f} {percentile(values, 99):>8.1f}"
        )
    print(row("all requests, p95", f"{p95:.1f} ms", f"< {TARGET_P95_MS:.0f} ms", verdict(p95 < TARGET_P95_MS)))
    print("  (one request at a time, through uvicorn with 2 workers, on 127.0.0.1)")


def in_hand_count() -> int:
    engine = create_engine(DATABASE_URL)
    try:
        with engine.connect() as connection:
            return connection.execute(
                text(
                    "SELECT count(*) FROM complaints "
                    "WHERE status IN ('assigned', 'acknowledged', 'in_progress', 'awaiting_info')"
                )
            ).scalar_one()
    finally:
        engine.dispose()


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench.queue", description=__doc__.split("\n\n")[0])
    parser.add_argument("--reports", type=int, default=1_000_000, help="reports in the table (default 1,000,000)")
    parser.add_argument("--requests", type=int, default=2_000, help="queue requests measured (default 2,000)")
    parser.add_argument("--officers", type=int, default=20, help="officers asking, in turn (default 20)")
    parser.add_argument("--keep", action="store_true", help="keep the database afterwards")
    args = parser.parse_args(argv)
    if not 1_000 <= args.reports <= 5_000_000 or not 10 <= args.requests <= 100_000 or not 1 <= args.officers <= 200:
        parser.error("--reports 1,000..5,000,000, --requests 10..100,000, --officers 1..200")
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    stop_cleanly_on_signals()
    rng = random.Random(20261121)  # noqa: S311 - which officers ask, not a secret
    try:
        with seeded_service("bench.queue", BENCH_DB, keep=args.keep) as service:
            print(f"[bench.queue] loading {args.reports:,} reports …", flush=True)
            load_seconds = load_reports(args.reports)
            officers = officers_with_work(args.officers, rng)
            server = service.start()
            print(f"[bench.queue] {args.requests:,} queue requests, one at a time …", flush=True)
            timings = measure(server.base_url, officers, args.requests)
            report(timings, total=args.reports, load_seconds=load_seconds, in_hand=in_hand_count())
        return 0
    except KeyboardInterrupt:
        print("\n[bench.queue] interrupted: cleaning up", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
