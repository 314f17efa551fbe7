"""The IOC's summary and performance endpoints with a million reports in the table.

Target (issue 7): p95 under 200 ms with 1,000,000 reports.

1. Drops and creates ``phananh_bench_ioc``, migrates and seeds the demo (92 wards, ~290
   officers), then loads ``--reports`` reports straight in SQL over two years: 60 % closed
   and 5 % resolved (with processing time, deadline, rating and reopenings), 10 % rejected
   or duplicate, 25 % in hand with deadlines from ten days ago to ten days ahead.
2. Starts ``phananh serve --workers 2`` and logs in as the dispatcher and a unit lead.
3. Sends ``--requests`` requests one at a time, in turn: the province summary, the lead's
   summary, performance by officer, unit, category and ward for this month and for the
   last 90 days, and the lead's performance by officer; prints p50 / p95 / p99 for each.

Run: ``.venv/bin/python -m bench.ioc`` (about 3 minutes with the default million).
"""

import argparse
import sys
import time
from collections import defaultdict
from datetime import date, timedelta

import httpx2 as httpx

from bench._report import banner, percentile, row, stop_cleanly_on_signals, verdict
from bench.intake import code_version, seeded_service
from bench.queue import load_reports, token

BENCH_DB = "phananh_bench_ioc"
DATABASE_URL = f"postgresql+psycopg://postgres@127.0.0.1:5432/{BENCH_DB}"
TARGET_P95_MS = 200.0
DISPATCHER, LEAD = "dieuphoi", "lanhdao.bachquang"

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
    SELECT g, random() AS r, random() AS late, random() AS rated,
           1 + floor(random() * cardinality((SELECT ids FROM officers)))::int AS o,
           1 + floor(random() * cardinality((SELECT ids FROM wards)))::int AS w,
           1 + floor(random() * cardinality((SELECT ids FROM kinds)))::int AS k,
           now() - random() * interval '730 days' AS submitted
    FROM generate_series(CAST(:first AS bigint), CAST(:last AS bigint)) AS g
), shaped AS (
    SELECT d.*,
           CASE WHEN r < 0.60 THEN 'closed' WHEN r < 0.65 THEN 'resolved' WHEN r < 0.70 THEN 'rejected'
                WHEN r < 0.75 THEN 'duplicate' WHEN r < 0.82 THEN 'assigned' WHEN r < 0.88 THEN 'acknowledged'
                WHEN r < 0.96 THEN 'in_progress' ELSE 'awaiting_info' END AS status,
           least(now(), d.submitted + late * interval '8 days') AS resolved
    FROM draws d
)
INSERT INTO complaints (
    id, code, citizen_id, category_id, description, location, area_id, submitted_at, channel, visibility,
    priority, status, current_unit_id, current_officer_id, idempotency_key, request_hash,
    location_mismatch, reused_photo, due_at, resolved_at, resolve_due_at, resolve_working_minutes, rating,
    reopened_count, updated_at
)
SELECT gen_random_uuid(), 'PI-' || lpad(g::text, 9, '0'), (SELECT id FROM citizen), (SELECT ids FROM kinds)[k],
       'Báo cáo thử nghiệm ' || g, (SELECT points FROM wards)[w], (SELECT ids FROM wards)[w], submitted, 'mobile',
       'public', 'normal', status, (SELECT units FROM officers)[o], (SELECT ids FROM officers)[o], 'bench-' || g,
       'x', false, false,
       CASE WHEN status IN ('assigned', 'acknowledged', 'in_progress')
            THEN now() + (random() * 20 - 10) * interval '1 day' END,
       CASE WHEN status IN ('closed', 'resolved') THEN resolved END,
       CASE WHEN status IN ('closed', 'resolved') THEN submitted + interval '4 days' END,
       CASE WHEN status IN ('closed', 'resolved') THEN 30 + floor(late * 4000)::int END,
       CASE WHEN status = 'closed' AND rated < 0.6 THEN 1 + floor(rated * 100)::int % 5 END,
       CASE WHEN status IN ('closed', 'resolved') AND rated > 0.9 THEN 1 ELSE 0 END,
       now()
FROM shaped
"""


def timed(http: httpx.Client, path: str, headers: dict[str, str], params: dict) -> float:
    started = time.perf_counter()
    response = http.get(path, headers=headers, params=params)
    elapsed = (time.perf_counter() - started) * 1000
    if response.status_code != 200:
        raise RuntimeError(f"{path} answered {response.status_code}: {response.text[:300]}")
    return elapsed


def measure(base_url: str, requests: int) -> dict[str, list[float]]:
    quarter = {"from": (date.today() - timedelta(days=90)).isoformat()}
    asks = [
        ("summary, province", "/api/v1/ioc/summary", DISPATCHER, {}),
        ("summary, a lead's unit", "/api/v1/ioc/summary", LEAD, {}),
        *[
            (f"performance by {group}, {label}", "/api/v1/ioc/performance", DISPATCHER, {"group_by": group, **period})
            for group in ("officer", "unit", "category", "area")
            for label, period in (("this month", {}), ("90 days", quarter))
        ],
        ("performance, a lead's officers", "/api/v1/ioc/performance", LEAD, {"group_by": "officer", **quarter}),
    ]
    timings: dict[str, list[float]] = defaultdict(list)
    with httpx.Client(base_url=base_url, timeout=60) as http:
        headers = {name: token(http, name) for name in (DISPATCHER, LEAD)}
        for _, path, who, params in asks:  # warm-up: connections, plans, caches
            timed(http, path, headers[who], params)
        sent = 0
        while sent < requests:
            for label, path, who, params in asks:
                timings[label].append(timed(http, path, headers[who], params))
                sent += 1
    return timings


def report(timings: dict[str, list[float]], *, total: int, load_seconds: float) -> None:
    every = [ms for values in timings.values() for ms in values]
    print(banner(f"bench.ioc, {code_version()}"))
    print(row("reports in the table", f"{total:,}"))
    print(row("load time", f"{load_seconds:.0f} s"))
    print(f"  {'':38} {'requests':>9} {'p50 ms':>8} {'p95 ms':>8} {'p99 ms':>8}")
    for label, values in timings.items():
        print(
            f"  {label:<38} {len(values):>9} {percentile(values, 50):>8.1f} "
            f"{percentile(values, 95):>8.1f} {percentile(values, 99):>8.1f}"
        )
    for name, prefix in (("summary", "summary"), ("performance", "performance")):
        values = [ms for label, vs in timings.items() if label.startswith(prefix) for ms in vs]
        p95 = percentile(values, 95)
        print(row(f"{name}, p95", f"{p95:.1f} ms", f"< {TARGET_P95_MS:.0f} ms", verdict(p95 < TARGET_P95_MS)))
    p95 = percentile(every, 95)
    print(row("all requests, p95", f"{p95:.1f} ms", f"< {TARGET_P95_MS:.0f} ms", verdict(p95 < TARGET_P95_MS)))
    print("  (one request at a time, through uvicorn with 2 workers, on 127.0.0.1)")


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench.ioc", description=__doc__.split("\n\n")[0])
    parser.add_argument("--reports", type=int, default=1_000_000, help="reports in the table (default 1,000,000)")
    parser.add_argument("--requests", type=int, default=550, help="requests measured (default 550)")
    parser.add_argument("--keep", action="store_true", help="keep the database afterwards")
    args = parser.parse_args(argv)
    if not 1_000 <= args.reports <= 5_000_000 or not 11 <= args.requests <= 100_000:
        parser.error("--reports 1,000..5,000,000, --requests 11..100,000")
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    stop_cleanly_on_signals()
    try:
        with seeded_service("bench.ioc", BENCH_DB, keep=args.keep) as service:
            print(f"[bench.ioc] loading {args.reports:,} reports …", flush=True)
            load_seconds = load_reports(args.reports, sql=LOAD, url=DATABASE_URL, label="bench.ioc")
            server = service.start()
            print(f"[bench.ioc] {args.requests:,} requests, one at a time …", flush=True)
            timings = measure(server.base_url, args.requests)
            report(timings, total=args.reports, load_seconds=load_seconds)
        return 0
    except KeyboardInterrupt:
        print("\n[bench.ioc] interrupted: cleaning up", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
