"""Routing and duplicate search against all of Vietnam's wards: ``python -m bench.routing``.

What it does, from nothing to nothing:

1. creates the database ``phananh_bench_routing`` on 127.0.0.1:5432 (dropped first if left
   over), runs ``phananh migrate``, then in this process the demo seed (Thái Nguyên's wards,
   units, rules, officers, categories) and ``import_areas`` of the national file
   ``tests/data/boundaries/vietnam_wards_2025_simplified.geojson`` (3,321 wards, which also
   writes the subdivided ``area_parts`` used for lookups; Thái Nguyên's 92 wards are replaced
   by the national file's outlines, so every ward comes from the same file). Wards outside
   Thái Nguyên get the demo's organisation: three ward units each (KTHT catch-all, DVTH for
   environment and trees, police for public order) with two officers each (the KTHT's second
   restricted to road categories) and a lead on the KTHT, plus a power company and a
   Department of Construction per province (four officers and a lead each), reached by
   per-ward rules for street lights and provincial roads;
2. routes ``--points`` random points, each in a ward drawn at random from all 3,321, with a
   random category, through the real code (``area_containing`` + ``decide_for`` +
   ``choose_officer``), one transaction per point rolled back, and runs the same points
   through plain SQL on the subdivided ``area_parts`` and on the unsubdivided ``areas.geom``,
   checking that every way finds the same ward;
3. loads ``--reports`` reports into ``complaints`` with one INSERT ... SELECT (70 % in Thái
   Nguyên, spread over two years, about 30 % still open, held by the officers the rules pick),
   VACUUM ANALYZE, then times ``open_reports_near`` — the resident's "already reported?" check
   and the staff's duplicate candidates — at ``--queries`` points near existing reports, and
   routes the same points again with the reports in the table (officer load counts real rows);
4. prints the figures next to the issue's targets (routing p99 under 5 ms, duplicate search p99
   under 20 ms with a million reports), then drops the database — also on Ctrl-C or SIGTERM
   (``--keep`` keeps it for EXPLAIN ANALYZE).

Only 127.0.0.1 is contacted. Each timed phase stops after ``--budget`` seconds (default 240)
and says so, however slow the code under test: about 12 minutes with the defaults on the
2-core machine, of which the INSERT of a million reports takes about a minute and a half.
"""

import argparse
import math
import os
import random
import signal
import sys
import time
import uuid
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, insert, text
from sqlmodel import Session, col, create_engine, select

from bench._report import banner, machine_cpu, percentile, processes, row, stop_cleanly_on_signals, verdict
from bench.intake import admin_execute, code_version, run_command
from service.areas.models import Area, Province
from service.areas.repository import MAX_PART_VERTICES, area_containing
from service.areas.service import import_areas, load_features
from service.categories.models import Category
from service.demo.catalogue import PROVINCE_CATEGORY_UNITS, WARD_GROUP_UNITS, WARD_UNITS
from service.demo.seed import DEMO_ADMIN, seed_demo
from service.identity.models import Role, User
from service.reports.models import IN_HAND_STATUSES, OPEN_STATUSES
from service.reports.repository import open_reports_near
from service.routing.models import OfficerCategory, RoutingRule
from service.routing.rules import Facts, Rule, decide
from service.routing.service import choose_officer, decide_for
from service.units.models import Unit, UnitArea, UnitKind

ROOT = Path(__file__).resolve().parents[1]
NATIONAL_FILE = ROOT / "tests" / "data" / "boundaries" / "vietnam_wards_2025_simplified.geojson"

BENCH_DB = "phananh_bench_routing"
DATABASE_URL = f"postgresql+psycopg://postgres@127.0.0.1:5432/{BENCH_DB}"

# The targets.
TARGET_ROUTING_P99_MS = 5.0
TARGET_DUPLICATES_P99_MS = 20.0

DEMO_PROVINCE = "19"  # Thái Nguyên: the demo seed's organisation
DEMO_SHARE = 0.70  # of the loaded reports, in Thái Nguyên's wards
URBAN_WEIGHT = 4  # a phường gets this many times a xã's share of its province's reports
JITTER_M = 50.0  # duplicate-search points: this far at most from an existing report
OFFICERS_PER_WARD_UNIT = 2
OFFICERS_PER_PROVINCE_UNIT = 4
OPEN = sorted(s.value for s in OPEN_STATUSES)
IN_HAND = sorted(s.value for s in IN_HAND_STATUSES)

# The same join area_containing makes, and the query without subdivision, as plain SQL.
# Sent with psycopg itself, on the same connection: the database's work and the round trip.
PARTS_SQL = (
    "SELECT a.id FROM areas a JOIN area_parts p ON p.area_id = a.id "
    "WHERE ST_Covers(p.geom, ST_SetSRID(ST_MakePoint(%(lon)s, %(lat)s), 4326)) ORDER BY a.code LIMIT 1"
)
PLAIN_SQL = (
    "SELECT id FROM areas WHERE ST_Covers(geom, ST_SetSRID(ST_MakePoint(%(lon)s, %(lat)s), 4326)) ORDER BY code LIMIT 1"
)


# --------------------------------------------------------------------------- CPU accounting


def _cpu_by_pid() -> dict[int, float]:
    """CPU seconds of every process on the machine, by pid."""
    return {pid: seconds for pid, _, _, seconds in processes()}


def _machine_busy() -> float:
    return machine_cpu()[0]


class CpuWatch:
    """Percent of one core used while a measurement runs by this process, by its one
    PostgreSQL backend, by processes that came and went (a query's parallel workers, but
    also another session's test run) and by every other process: the figures mean most
    when the last two stay small."""

    def __init__(self, backend_pid: int) -> None:
        self.backend_pid = backend_pid
        self.at = time.perf_counter()
        self.machine = _machine_busy()
        self.before = _cpu_by_pid()

    def shares(self) -> dict[str, float]:
        after, machine = _cpu_by_pid(), _machine_busy()
        elapsed = time.perf_counter() - self.at
        used = {"client": 0.0, "backend": 0.0, "other": 0.0}
        for pid, seconds in after.items():
            group = "client" if pid == os.getpid() else "backend" if pid == self.backend_pid else "other"
            used[group] += seconds - self.before.get(pid, 0.0)
        shares = {group: 100 * seconds / elapsed for group, seconds in used.items()}
        shares["machine"] = 100 * (machine - self.machine) / elapsed
        shares["short-lived"] = max(0.0, shares["machine"] - sum(shares[g] for g in used))
        return shares


_STARTED = time.perf_counter()


def progress(message: str) -> None:
    print(f"[bench.routing {time.perf_counter() - _STARTED:5.0f} s] {message} …", flush=True)


def backend_pid(engine: Engine) -> int:
    with engine.connect() as connection:
        return int(connection.execute(text("SELECT pg_backend_pid()")).scalar_one())


def cpu_line(shares: dict[str, float]) -> str:
    return row(
        "CPU while timing",
        f"{shares['machine']:.0f} % busy",
        "",
        f"(this process {shares['client']:.0f} %, its postgres backend {shares['backend']:.0f} %, "
        f"short-lived {shares['short-lived']:.0f} %, other {shares['other']:.0f} %)",
    )


def quiet_warning(shares: dict[str, float]) -> str | None:
    others = shares["other"] + shares["short-lived"]
    if others <= 15:
        return None
    return (
        f"  WARNING      the machine was not quiet ({others:.0f} % of a core went to other or short-lived "
        "processes; a query's parallel workers count as short-lived): these figures may understate the service"
    )


# --------------------------------------------------------------------------- setup


def _short(name: str) -> str:
    for prefix in ("Thành phố ", "Tỉnh "):
        name = name.removeprefix(prefix)
    return name


def national_organisation(session: Session) -> None:
    """The demo's organisation for every ward outside Thái Nguyên (see the module docstring)."""
    areas = session.exec(
        select(Area.id, Area.code, Area.full_name, Area.full_name_en, Area.province_code)
        .where(Area.province_code != DEMO_PROVINCE)
        .order_by(col(Area.code))
    ).all()
    provinces = {p.code: p for p in session.exec(select(Province)).all() if p.code != DEMO_PROVINCE}
    units = []
    for _, code, full_name, full_name_en, _ in areas:
        is_ward = full_name.startswith("Phường")
        for suffix, kind, ward_name, commune_name, name_en in WARD_UNITS:
            units.append(
                {
                    "code": f"{code}-{suffix}",
                    "name": (ward_name if is_ward else commune_name).format(full=full_name),
                    "name_en": name_en.format(full_en=full_name_en),
                    "kind": kind.value,
                }
            )
    for code, province in provinces.items():
        place, place_en = _short(province.name), province.name_en.removesuffix(" Province").removesuffix(" City")
        units.append(
            {
                "code": f"EVN-{code}",
                "name": f"Công ty Điện lực {place}",
                "name_en": f"{place_en} Power Company",
                "kind": UnitKind.utility.value,
            }
        )
        units.append(
            {
                "code": f"SXD-{code}",
                "name": f"Sở Xây dựng {province.name[0].lower()}{province.name[1:]}",
                "name_en": f"{place_en} Department of Construction",
                "kind": UnitKind.provincial_department.value,
            }
        )
    session.execute(insert(Unit), [{**u, "is_active": True, "routes_to_lead": False} for u in units])
    unit_ids = dict(session.exec(select(Unit.code, Unit.id)).all())
    category_ids = dict(session.exec(select(Category.code, Category.id)).all())
    road_categories = session.exec(select(Category.id).where(Category.group_code == "roads")).all()

    unit_areas, rules = [], []
    for area_id, code, _, _, province in areas:
        for suffix, *_ in WARD_UNITS:
            unit_areas.append({"unit_id": unit_ids[f"{code}-{suffix}"], "area_id": area_id})
        for prefix in ("EVN", "SXD"):
            unit_areas.append({"unit_id": unit_ids[f"{prefix}-{province}"], "area_id": area_id})
        scopes = [(None, None, f"{code}-KTHT")]  # the ward's catch-all
        scopes += [(None, group, f"{code}-{suffix}") for group, suffix in WARD_GROUP_UNITS.items()]
        # The demo's province-wide categories (street lights, provincial roads), to this province's own unit.
        scopes += [(category_ids[c], None, f"{unit[:3]}-{province}") for c, unit in PROVINCE_CATEGORY_UNITS.items()]
        rules += [
            {"category_id": c, "group_code": g, "area_id": area_id, "unit_id": unit_ids[u], "order": 100}
            for c, g, u in scopes
        ]
    session.execute(insert(UnitArea), unit_areas)
    session.execute(insert(RoutingRule), [{**r, "is_active": True, "note": "bench"} for r in rules])

    password_hash = session.exec(select(User.password_hash).where(User.username == DEMO_ADMIN)).one()
    people = []
    for unit in units:
        code = unit["code"]
        per_unit = OFFICERS_PER_WARD_UNIT if "-" in code and code[0].isdigit() else OFFICERS_PER_PROVINCE_UNIT
        for n in range(1, per_unit + 1):
            people.append((f"cb{n}.{code.lower()}", f"Cán bộ {n} {code}", Role.officer, code))
        if code.endswith("-KTHT") or not code[0].isdigit():
            people.append((f"ld.{code.lower()}", f"Lãnh đạo {code}", Role.unit_lead, code))
    session.execute(
        insert(User),
        [
            {
                "username": username,
                "full_name": name,
                "password_hash": password_hash,
                "role": role.value,
                "unit_id": unit_ids[code],
                "language": "vi",
                "is_active": True,
                "on_duty": True,
            }
            for username, name, role, code in people
        ],
    )
    user_ids = dict(session.exec(select(User.username, User.id)).all())
    session.execute(
        insert(OfficerCategory),
        [
            {"user_id": user_ids[f"cb2.{code.lower()}-ktht"], "category_id": category_id}
            for _, code, *_ in areas
            for category_id in road_categories
        ],
    )


@dataclass
class Setup:
    seconds: float
    facts: dict[str, Any]


def prepare(engine: Engine) -> Setup:
    started = time.perf_counter()
    admin_execute(f'DROP DATABASE IF EXISTS "{BENCH_DB}" WITH (FORCE)', f'CREATE DATABASE "{BENCH_DB}"')
    run_command(["migrate"], {**os.environ, "DATABASE_URL": DATABASE_URL}, timeout=300)
    features = load_features(path=NATIONAL_FILE)
    with Session(engine) as session:
        progress("demo seed (Thái Nguyên)")
        seed_demo(session)
        progress(f"importing {len(features):,} wards from {NATIONAL_FILE.name}")
        import_areas(session=session, features=features)
        progress("units, rules and officers for the other provinces")
        national_organisation(session)
        session.commit()
    vacuum_analyze(engine)
    with engine.connect() as connection:
        facts = dict(
            connection.execute(
                text(
                    "SELECT (SELECT count(*) FROM areas) AS areas, (SELECT count(*) FROM area_parts) AS parts, "
                    "(SELECT sum(ST_NPoints(geom)) FROM areas) AS vertices, "
                    "(SELECT max(ST_NPoints(geom)) FROM areas) AS max_vertices, "
                    "(SELECT percentile_disc(0.5) WITHIN GROUP (ORDER BY ST_NPoints(geom)) FROM areas) "
                    "AS median_vertices, "
                    "(SELECT count(*) FROM units) AS units, (SELECT count(*) FROM routing_rules) AS rules, "
                    "(SELECT count(*) FROM users WHERE role = 'officer') AS officers, "
                    "(SELECT count(*) FROM users WHERE role = 'unit_lead') AS leads, "
                    "(SELECT count(*) FROM areas WHERE province_code = :demo) AS demo_wards, "
                    "current_setting('server_version') AS postgres, postgis_lib_version() AS postgis"
                ),
                {"demo": DEMO_PROVINCE},
            )
            .mappings()
            .one()
        )
    return Setup(time.perf_counter() - started, facts)


def vacuum_analyze(engine: Engine, table: str | None = None) -> None:
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        connection.execute(text(f"VACUUM ANALYZE {table or ''}"))


def load_categories(engine: Engine) -> list[Category]:
    """Detached, fully loaded: each timed transaction uses them as the request already has them."""
    with Session(engine, expire_on_commit=False) as session:
        categories = list(session.exec(select(Category).order_by(col(Category.id))).all())
        for category in categories:
            _ = category.group  # loaded (joined) with it
        session.expunge_all()
    return categories


# --------------------------------------------------------------------------- routing


@dataclass
class Point:
    lat: float
    lon: float
    area_id: int  # the ward the point was drawn in
    in_demo: bool
    category: Category


def draw_points(connection: Any, wanted: dict[int, int], rng: random.Random) -> None:
    """Fill the temporary table ``drawn_points (area_id, location)`` with exactly
    ``wanted[ward]`` random points inside each ward. ST_GeneratePoints (PostGIS 3.3) can
    return fewer points than asked for a ward of many polygons (8 of 20 for one with 140
    islands, nothing for a few): short wards are drawn again, with room to spare, and the
    surplus is dropped at random."""
    connection.execute(text("SELECT setseed(:seed)"), {"seed": rng.random() * 2 - 1})
    connection.execute(text("CREATE TEMP TABLE drawn_raw (area_id int, location geometry) ON COMMIT DROP"))
    pending = dict(wanted)
    for attempt in range(12):
        ids = sorted(pending)
        connection.execute(
            text(
                "INSERT INTO drawn_raw SELECT w.area_id, d.geom "
                "FROM unnest(CAST(:ids AS int[]), CAST(:counts AS int[]), CAST(:seeds AS int[])) "
                "AS w(area_id, n, seed) "
                "JOIN areas a ON a.id = w.area_id "
                "CROSS JOIN LATERAL ST_Dump(ST_GeneratePoints(a.geom, w.n, w.seed)) AS d"
            ),
            {
                "ids": ids,
                "counts": [pending[i] if attempt == 0 else 4 * pending[i] + 30 for i in ids],
                "seeds": [rng.randrange(1, 2**31) for _ in ids],
            },
        )
        have = dict(connection.execute(text("SELECT area_id, count(*) FROM drawn_raw GROUP BY area_id")).all())
        pending = {i: n - have.get(i, 0) for i, n in wanted.items() if have.get(i, 0) < n}
        if not pending:
            break
    else:
        raise RuntimeError(f"could not draw enough points in wards {sorted(pending)[:10]}")
    ids = sorted(wanted)
    connection.execute(
        text(
            "CREATE TEMP TABLE drawn_points ON COMMIT DROP AS "
            "SELECT r.area_id, r.location FROM ("
            "  SELECT area_id, location, row_number() OVER (PARTITION BY area_id ORDER BY random()) AS k "
            "  FROM drawn_raw"
            ") r JOIN unnest(CAST(:ids AS int[]), CAST(:counts AS int[])) AS w(area_id, n) "
            "ON w.area_id = r.area_id AND r.k <= w.n"
        ),
        {"ids": ids, "counts": [wanted[i] for i in ids]},
    )
    connection.execute(text("DROP TABLE drawn_raw"))


def routing_points(engine: Engine, count: int, categories: list[Category], rng: random.Random) -> list[Point]:
    """``count`` points, each uniformly inside a ward drawn uniformly from all of them."""
    with engine.connect() as connection:
        wards = connection.execute(
            text("SELECT id, province_code = :demo FROM areas ORDER BY id"), {"demo": DEMO_PROVINCE}
        )
        in_demo = dict(wards.all())
        drawn = Counter(rng.choices(sorted(in_demo), k=count))
        draw_points(connection, dict(drawn), rng)
        rows = connection.execute(
            text("SELECT area_id, ST_Y(location), ST_X(location) FROM drawn_points ORDER BY area_id, location")
        ).all()
        connection.commit()  # drops the temporary tables
    points = [Point(lat, lon, area_id, in_demo[area_id], rng.choice(categories)) for area_id, lat, lon in rows]
    rng.shuffle(points)
    return points


class Budget:
    """A deadline for one timed phase: when the code under test is slow, fewer samples are
    taken instead of the run taking an hour (the figures say so)."""

    def __init__(self, seconds: float) -> None:
        self.deadline = time.perf_counter() + seconds

    def over(self) -> bool:
        return time.perf_counter() > self.deadline


@dataclass
class Timings:
    ms: list[float] = field(default_factory=list)

    def add(self, seconds: float) -> None:
        self.ms.append(1000 * seconds)

    def p(self, pct: float) -> float:
        return percentile(self.ms, pct)


@dataclass
class RoutingRun:
    total: Timings = field(default_factory=Timings)
    lookup: Timings = field(default_factory=Timings)
    rule: Timings = field(default_factory=Timings)
    officer: Timings = field(default_factory=Timings)
    total_demo: Timings = field(default_factory=Timings)  # points in Thái Nguyên
    parts_sql: Timings = field(default_factory=Timings)
    plain_sql: Timings = field(default_factory=Timings)
    outcomes: Counter = field(default_factory=Counter)
    agree: int = 0
    same_as_drawn: int = 0
    compared: int = 0
    disagreements: list[str] = field(default_factory=list)
    cpu: dict[str, float] = field(default_factory=dict)
    planned: int = 0
    stopped: bool = False  # by the time budget, before all points


def route_one(engine: Engine, point: Point, run: RoutingRun | None) -> int | None:
    """The routing of one report as intake does it, in its own transaction, rolled back."""
    with Session(engine, expire_on_commit=False) as session:
        session.execute(text("SELECT 1"))  # the request's transaction is already open by now
        t0 = time.perf_counter()
        area = area_containing(session, lat=point.lat, lon=point.lon)
        t1 = time.perf_counter()
        unit = officer = None
        if area is not None:
            unit, _, reason = decide_for(session=session, category=point.category, area=area)
        t2 = time.perf_counter()
        if unit is not None:
            officer, _ = choose_officer(session=session, unit=unit, category=point.category)
        t3 = time.perf_counter()
        area_id = area.id if area is not None else None
        is_lead = officer is not None and officer.role == Role.unit_lead
        session.rollback()  # drops choose_officer's row lock (and expires what it loaded)
    if run is not None:
        run.total.add(t3 - t0)
        run.lookup.add(t1 - t0)
        run.rule.add(t2 - t1)
        run.officer.add(t3 - t2)
        if point.in_demo:
            run.total_demo.add(t3 - t0)
        if area is None:
            outcome = "no ward"
        elif unit is None:
            outcome = f"dispatcher ({reason})"
        elif officer is None:
            outcome = "dispatcher (no_officer)"
        else:
            outcome = "lead" if is_lead else "officer"
        run.outcomes[outcome] += 1
    return area_id


def plain_lookup(engine: Engine, statement: str, point: Point, timings: Timings | None) -> int | None:
    with engine.connect() as connection:
        driver = connection.connection.driver_connection  # psycopg's own connection
        assert driver is not None
        driver.execute("SELECT 1")
        t0 = time.perf_counter()
        answer = driver.execute(statement, {"lat": point.lat, "lon": point.lon}).fetchone()
        t1 = time.perf_counter()
        driver.rollback()
    found = answer[0] if answer else None
    if timings is not None:
        timings.add(t1 - t0)
    return found


def measure_routing(
    engine: Engine, points: list[Point], *, warmup: int, side_by_side: bool, budget: float
) -> RoutingRun:
    run = RoutingRun(planned=len(points) - warmup)
    clock = Budget(budget / 10)
    for point in points[:warmup]:
        if clock.over():
            break
        route_one(engine, point, None)
        if side_by_side:
            plain_lookup(engine, PARTS_SQL, point, None)
            plain_lookup(engine, PLAIN_SQL, point, None)
    watch, clock = CpuWatch(backend_pid(engine)), Budget(budget)
    for index, point in enumerate(points[warmup:]):
        if clock.over():
            run.stopped = True
            break
        if not side_by_side:
            route_one(engine, point, run)
            continue
        # Interleaved, in turn first: each way gets the same share of a cache warmed by the others.
        found: dict[str, int | None] = {}
        steps = [
            ("service", lambda p=point: route_one(engine, p, run)),
            ("parts", lambda p=point: plain_lookup(engine, PARTS_SQL, p, run.parts_sql)),
            ("plain", lambda p=point: plain_lookup(engine, PLAIN_SQL, p, run.plain_sql)),
        ]
        shift = index % len(steps)
        for name, step in steps[shift:] + steps[:shift]:
            found[name] = step()
        run.compared += 1
        if found["service"] == found["parts"] == found["plain"]:
            run.agree += 1
        elif len(run.disagreements) < 5:
            run.disagreements.append(f"({point.lat:.6f}, {point.lon:.6f}): {found}")
        run.same_as_drawn += found["plain"] == point.area_id
    run.cpu = watch.shares()
    return run


# --------------------------------------------------------------------------- a million reports


def report_counts(engine: Engine, total: int, rng: random.Random) -> dict[int, int]:
    """Reports per ward: DEMO_SHARE in Thái Nguyên, the rest elsewhere; within each, a
    phường gets URBAN_WEIGHT times a xã's share (largest remainders, so the sum is exact)."""
    with engine.connect() as connection:
        wards = connection.execute(
            text("SELECT id, province_code = :demo, full_name LIKE 'Phường%' FROM areas ORDER BY id"),
            {"demo": DEMO_PROVINCE},
        ).all()
    counts: dict[int, int] = {}
    for in_demo, share in ((True, DEMO_SHARE), (False, 1 - DEMO_SHARE)):
        group = [(ward_id, URBAN_WEIGHT if urban else 1) for ward_id, demo, urban in wards if demo == in_demo]
        wanted = round(total * share) if in_demo else total - sum(counts.values())
        weight = sum(w for _, w in group)
        exact = {ward_id: wanted * w / weight for ward_id, w in group}
        part = {ward_id: math.floor(x) for ward_id, x in exact.items()}
        rest = sorted(exact, key=lambda i: (part[i] - exact[i], rng.random()))[: wanted - sum(part.values())]
        for ward_id in rest:
            part[ward_id] += 1
        counts.update(part)
    return {ward_id: n for ward_id, n in counts.items() if n}


def routes_by_rules(session: Session) -> list[tuple[int, int, int]]:
    """(area, category, unit) for every ward and category, decided by routing/rules.py from
    the rules in the database: the loaded reports sit with the units the service would pick."""
    rows = session.exec(
        select(RoutingRule, Category.code, Area.code)
        .join(Category, col(Category.id) == RoutingRule.category_id, isouter=True)
        .join(Area, col(Area.id) == RoutingRule.area_id, isouter=True)
        .where(col(RoutingRule.is_active).is_(True))
    ).all()
    anywhere: list[Rule] = []
    by_area: dict[int, list[Rule]] = {}
    for rule, category_code, area_code in rows:
        assert rule.id is not None
        kept = Rule(rule.id, rule.unit_id, category_code, rule.group_code, area_code, rule.order, rule.is_active)
        (by_area.setdefault(rule.area_id, []) if rule.area_id else anywhere).append(kept)
    categories = session.exec(select(Category.id, Category.code, Category.group_code)).all()
    areas = session.exec(select(Area.id, Area.code)).all()
    routes = []
    for area_id, area_code in areas:
        candidates = by_area.get(area_id, []) + anywhere
        for category_id, code, group in categories:
            chosen = decide(candidates, Facts(category_code=code, group_code=group, area_code=area_code))
            if chosen is not None:
                routes.append((area_id, category_id, chosen.unit_id))
    return routes


LOAD_SQL = """
INSERT INTO complaints (
    id, code, citizen_id, category_id, description, location, accuracy_m, area_id, captured_at, submitted_at,
    channel, visibility, priority, status, current_unit_id, current_officer_id, idempotency_key, request_hash,
    location_mismatch, reused_photo, updated_at
)
SELECT
    gen_random_uuid(),
    'PA-' || extract(year FROM r.submitted_at) || '-'
        || lpad(r.n::text, greatest(6, length(r.n::text)), '0'),
    r.citizen_id, r.category_id,
    c.name || ' (báo cáo thử tải số ' || r.i || ')',
    r.location, 5 + 25 * r.r_accuracy, r.area_id,
    r.submitted_at - r.r_accuracy * interval '20 minutes', r.submitted_at,
    CASE WHEN r.r_channel < 0.85 THEN 'mobile' WHEN r.r_channel < 0.95 THEN 'web' ELSE 'open311' END,
    CASE WHEN r.r_visibility < 0.92 THEN 'public' ELSE 'private' END,
    c.default_priority, r.status,
    CASE WHEN r.status <> 'submitted' THEN rt.unit_id END,
    CASE WHEN r.status <> 'submitted' THEN o.ids[1 + floor(r.r_officer * cardinality(o.ids))::int] END,
    md5(r.i::text), encode(sha256(convert_to('bench ' || r.i, 'UTF8')), 'hex'),
    false, false, r.submitted_at
FROM (
    SELECT p.*,
        row_number() OVER (PARTITION BY extract(year FROM p.submitted_at) ORDER BY p.submitted_at) AS n,
        (CAST(:categories AS int[]))[1 + floor(p.r_category * cardinality(CAST(:categories AS int[])))::int]
            AS category_id,
        :first_citizen + floor(p.r_citizen * :citizens)::int AS citizen_id,
        CASE
            WHEN p.r_open < CASE
                WHEN p.submitted_at > now() - interval '30 days' THEN 0.75
                WHEN p.submitted_at > now() - interval '90 days' THEN 0.45
                ELSE 0.25
            END THEN
                CASE
                    WHEN p.r_status < 0.08 THEN 'submitted' WHEN p.r_status < 0.38 THEN 'assigned'
                    WHEN p.r_status < 0.58 THEN 'acknowledged' WHEN p.r_status < 0.90 THEN 'in_progress'
                    WHEN p.r_status < 0.95 THEN 'awaiting_info' ELSE 'reopened'
                END
            WHEN p.r_status < 0.40 THEN 'resolved' WHEN p.r_status < 0.90 THEN 'closed' ELSE 'rejected'
        END AS status
    FROM bench_points p
) r
JOIN categories c ON c.id = r.category_id
JOIN bench_routes rt ON rt.area_id = r.area_id AND rt.category_id = r.category_id
LEFT JOIN (
    SELECT unit_id, array_agg(id ORDER BY id) AS ids FROM users WHERE role = 'officer' GROUP BY unit_id
) o ON o.unit_id = rt.unit_id
ORDER BY r.submitted_at
"""


@dataclass
class Load:
    reports: int
    seconds: dict[str, float]
    facts: dict[str, Any]


def load_reports(engine: Engine, total: int, citizens: int, rng: random.Random) -> Load:
    seconds: dict[str, float] = {}
    counts = report_counts(engine, total, rng)
    ids = sorted(counts)
    started = time.perf_counter()
    with Session(engine) as session:
        connection = session.connection()
        connection.execute(text("SELECT setseed(:seed)"), {"seed": rng.random() * 2 - 1})
        password_hash = session.exec(select(User.password_hash).where(User.username == DEMO_ADMIN)).one()
        connection.execute(
            text(
                "INSERT INTO users (username, phone, full_name, password_hash, role, language, is_active, on_duty) "
                "SELECT '+8497' || lpad(i::text, 7, '0'), '+8497' || lpad(i::text, 7, '0'), "
                "'Người dân thử tải ' || i, :hash, 'citizen', 'vi', true, true FROM generate_series(1, :n) AS i"
            ),
            {"hash": password_hash, "n": citizens},
        )
        # The ids are consecutive (one statement, nobody else inserting): the load picks among them.
        first_citizen, last_citizen = connection.execute(
            text("SELECT min(id), max(id) FROM users WHERE username LIKE '+8497%'")
        ).one()
        assert last_citizen - first_citizen + 1 == citizens
        routes = routes_by_rules(session)
        connection.execute(
            text("CREATE TEMP TABLE bench_routes (area_id int, category_id int, unit_id int) ON COMMIT DROP")
        )
        connection.execute(
            text(
                "INSERT INTO bench_routes SELECT * FROM unnest(CAST(:a AS int[]), CAST(:c AS int[]), CAST(:u AS int[]))"
            ),
            {"a": [r[0] for r in routes], "c": [r[1] for r in routes], "u": [r[2] for r in routes]},
        )
        connection.execute(text("CREATE INDEX ON bench_routes (area_id, category_id)"))
        seconds["citizens and routes"] = time.perf_counter() - started

        progress(f"drawing {total:,} report locations in {len(ids):,} wards")
        started = time.perf_counter()
        draw_points(connection, counts, rng)
        connection.execute(
            text(
                "CREATE TEMP TABLE bench_points ON COMMIT DROP AS "
                "SELECT row_number() OVER () AS i, area_id, location, "
                "now() - 730 * random() * interval '1 day' AS submitted_at, random() AS r_open, "
                "random() AS r_status, random() AS r_category, random() AS r_citizen, random() AS r_officer, "
                "random() AS r_channel, random() AS r_visibility, random() AS r_accuracy "
                "FROM drawn_points"
            )
        )
        connection.execute(text("ANALYZE bench_points"))
        seconds["locations (ST_GeneratePoints)"] = time.perf_counter() - started

        progress(f"inserting {total:,} reports (one INSERT … SELECT)")
        started = time.perf_counter()
        categories = session.exec(select(Category.id).order_by(col(Category.id))).all()
        inserted = connection.execute(
            text(LOAD_SQL), {"categories": list(categories), "first_citizen": first_citizen, "citizens": citizens}
        ).rowcount
        session.commit()
        seconds["INSERT … SELECT"] = time.perf_counter() - started
    if inserted != total:
        raise RuntimeError(f"inserted {inserted} reports, expected {total}")
    progress("VACUUM ANALYZE")
    started = time.perf_counter()
    vacuum_analyze(engine)
    seconds["VACUUM ANALYZE"] = time.perf_counter() - started
    with engine.connect() as connection:
        facts = dict(
            connection.execute(
                text(
                    "SELECT count(*) AS reports, "
                    "count(*) FILTER (WHERE a.province_code = :demo) AS demo, "
                    "count(*) FILTER (WHERE c.status = ANY(:open)) AS open, "
                    "count(*) FILTER (WHERE c.submitted_at >= now() - interval '30 days') AS recent, "
                    "count(*) FILTER (WHERE c.submitted_at >= now() - interval '30 days' AND c.status = ANY(:open)) "
                    "AS recent_open, "
                    "pg_total_relation_size('complaints') AS bytes, pg_indexes_size('complaints') AS index_bytes "
                    "FROM complaints c JOIN areas a ON a.id = c.area_id"
                ),
                {"demo": DEMO_PROVINCE, "open": OPEN},
            )
            .mappings()
            .one()
        )
        facts["busiest officer"] = connection.execute(
            text(
                "SELECT count(*) FROM complaints WHERE current_officer_id IS NOT NULL "
                "GROUP BY current_officer_id ORDER BY 1 DESC LIMIT 1"
            )
        ).scalar()
        facts["busiest officer in hand"] = connection.execute(
            text(
                "SELECT count(*) FROM complaints WHERE status = ANY(:hand) "
                "GROUP BY current_officer_id ORDER BY 1 DESC LIMIT 1"
            ),
            {"hand": IN_HAND},
        ).scalar()
    return Load(total, seconds, facts)


# --------------------------------------------------------------------------- duplicate search


@dataclass
class Query:
    lat: float
    lon: float
    category: Category
    citizen_id: int


@dataclass
class DuplicateRun:
    resident: Timings = field(default_factory=Timings)
    staff: Timings = field(default_factory=Timings)
    found: list[int] = field(default_factory=list)
    cpu: dict[str, float] = field(default_factory=dict)
    planned: int = 0
    stopped: bool = False


def duplicate_queries(engine: Engine, count: int, categories: list[Category], rng: random.Random) -> list[Query]:
    """Near reports drawn at random from the table (so where reports are dense, queries are
    too), moved up to JITTER_M metres in a random direction; a random category and citizen."""
    with engine.connect() as connection:
        connection.execute(text("SELECT setseed(:seed)"), {"seed": rng.random() * 2 - 1})
        spots = connection.execute(
            text("SELECT ST_Y(location), ST_X(location) FROM complaints ORDER BY random() LIMIT :n"), {"n": count}
        ).all()
        citizens = connection.execute(text("SELECT min(id), max(id) FROM users WHERE role = 'citizen'")).one()
    queries = []
    for lat, lon in spots:
        distance, bearing = JITTER_M * math.sqrt(rng.random()), rng.uniform(0, 2 * math.pi)
        queries.append(
            Query(
                lat + distance * math.cos(bearing) / 111_320,
                lon + distance * math.sin(bearing) / (111_320 * math.cos(math.radians(lat))),
                rng.choice(categories),
                rng.randint(*citizens),
            )
        )
    return queries


def search(engine: Engine, query: Query, *, resident: bool) -> tuple[float, int]:
    with Session(engine) as session:
        session.execute(text("SELECT 1"))
        t0 = time.perf_counter()
        if resident:  # GET /complaints/nearby, as a citizen
            found = open_reports_near(
                session, category=query.category, lat=query.lat, lon=query.lon, visible_to_citizen=query.citizen_id
            )
        else:  # a report's duplicate candidates, as staff see them
            found = open_reports_near(
                session, category=query.category, lat=query.lat, lon=query.lon, exclude=uuid.uuid4()
            )
        t1 = time.perf_counter()
        session.rollback()
    return t1 - t0, len(found)


def measure_duplicates(engine: Engine, queries: list[Query], *, warmup: int, budget: float) -> DuplicateRun:
    run = DuplicateRun(planned=len(queries) - warmup)
    clock = Budget(budget / 10)
    for query in queries[:warmup]:
        if clock.over():
            break
        search(engine, query, resident=True)
        search(engine, query, resident=False)
    watch, clock = CpuWatch(backend_pid(engine)), Budget(budget)
    for index, query in enumerate(queries[warmup:]):
        if clock.over():
            run.stopped = True
            break
        order = (True, False) if index % 2 == 0 else (False, True)
        for resident in order:
            seconds, found = search(engine, query, resident=resident)
            (run.resident if resident else run.staff).add(seconds)
            if resident:
                run.found.append(found)
    run.cpu = watch.shares()
    return run


# --------------------------------------------------------------------------- report


def timing_row(label: str, timings: Timings, target: float | None = None) -> str:
    p99 = timings.p(99)
    line = f"  {label:<38}{timings.p(50):>8.2f}{timings.p(95):>8.2f}{p99:>8.2f}{max(timings.ms):>8.2f}"
    if target is not None:
        line += f"   target p99 < {target:g} ms  {verdict(p99 < target)}"
    return line


def timing_header(title: str) -> str:
    return f"\n  {title:<38}{'p50':>8}{'p95':>8}{'p99':>8}{'max':>8}   (ms)"


def print_setup(setup: Setup, args: argparse.Namespace) -> None:
    f = setup.facts
    print(banner(f"PhanAnh routing benchmark: ward lookup + rule + officer, all {f['areas']:,} wards"))
    print(
        f"  machine      {os.cpu_count()} CPUs, Python {sys.version.split()[0]}, PostgreSQL {f['postgres']}, "
        f"PostGIS {f['postgis']}"
    )
    print(f"  code         {code_version()}")
    print(f"  database     {BENCH_DB} on 127.0.0.1:5432; set up in {setup.seconds:.0f} s")
    print(
        f"  wards        {f['areas']:,} from {NATIONAL_FILE.name}: {f['vertices']:,} vertices "
        f"(median {f['median_vertices']:,}, max {f['max_vertices']:,} per ward)"
    )
    print(f"               {f['parts']:,} area_parts of at most {MAX_PART_VERTICES} vertices (ST_Subdivide)")
    print(
        f"  organisation {f['units']:,} units, {f['rules']:,} routing rules, {f['officers']:,} officers, "
        f"{f['leads']:,} leads"
    )
    print(
        f"               (demo seed in Thái Nguyên's {f['demo_wards']} wards; elsewhere 3 units per ward and "
        "2 per province)"
    )
    print(
        f"  points       {args.points:,} random points, each in a ward drawn uniformly from all {f['areas']:,} "
        f"(seed {args.seed}), random category; {args.warmup} more first as warm-up"
    )
    print("  timing       in this process, client-side, one transaction per point (rolled back); ORM as the service")


def stopped_line(measured: int, planned: int, budget: float) -> str:
    return (
        f"  NOTE         stopped after the --budget of {budget:g} s: {measured:,} of {planned:,} measured "
        "(the code under test is slower than the run was sized for)"
    )


def print_routing(run: RoutingRun, title: str, budget: float) -> None:
    print(timing_header(title))
    print(timing_row("routing (lookup + rule + officer)", run.total, TARGET_ROUTING_P99_MS))
    print(timing_row("  ward lookup (area_containing)", run.lookup))
    print(timing_row("  rule (decide_for)", run.rule))
    print(timing_row("  officer (choose_officer)", run.officer))
    if run.total_demo.ms:
        print(timing_row(f"routing, the {len(run.total_demo.ms):,} points in Thái Nguyên", run.total_demo))
    print(row("outcomes", ", ".join(f"{n:,} {o}" for o, n in run.outcomes.most_common())))
    if run.stopped:
        print(stopped_line(len(run.total.ms), run.planned, budget))
    print(cpu_line(run.cpu))
    if warning := quiet_warning(run.cpu):
        print(warning)


def print_side_by_side(run: RoutingRun) -> None:
    print(timing_header("ward lookup alone, same points"))
    print(timing_row("area_containing (ORM, area_parts)", run.lookup))
    print(timing_row("plain SQL (psycopg), area_parts", run.parts_sql))
    print(timing_row("plain SQL (psycopg), areas.geom", run.plain_sql))
    ratio, ratio99 = (run.parts_sql.p(pct) / run.plain_sql.p(pct) for pct in (50, 99))
    print(
        row(
            "area_parts / areas.geom time",
            f"{ratio:.2f}x",
            "",
            f"(p50, plain SQL; {ratio99:.2f}x at p99; below 1 when subdividing pays)",
        )
    )
    print(
        row(
            "same ward, all three ways",
            f"{run.agree:,} of {run.compared:,}",
            "",
            f"({run.same_as_drawn:,} in the ward the point was drawn in"
            + ("; the others where the simplified file's wards overlap)" if run.same_as_drawn < run.compared else ")"),
        )
    )
    for line in run.disagreements:
        print(f"  DIFFERENT    {line}")


def print_duplicates(load: Load, run: DuplicateRun, args: argparse.Namespace, loaded_routing: RoutingRun) -> None:
    f = load.facts
    print(banner(f"PhanAnh duplicate search: open_reports_near with {f['reports']:,} reports"))
    steps = ", ".join(f"{what} {s:.0f} s" for what, s in load.seconds.items())
    print(f"  load         {f['reports']:,} reports in {sum(load.seconds.values()):.0f} s ({steps})")
    print(
        f"  table        {f['bytes'] / 2**20:,.0f} MB with indexes ({f['index_bytes'] / 2**20:,.0f} MB of indexes); "
        f"{args.citizens:,} citizens"
    )
    print(
        f"  reports      {100 * f['demo'] / f['reports']:.0f} % in Thái Nguyên (phường weighted x{URBAN_WEIGHT}), "
        f"submitted over 730 days, {100 * f['open'] / f['reports']:.1f} % open; "
        f"{f['recent']:,} in the last 30 days, {f['recent_open']:,} of them open"
    )
    print(
        f"  officers     the busiest holds {f['busiest officer']:,} reports, {f['busiest officer in hand']:,} "
        "of them in hand (assigned … reopened)"
    )
    print(
        f"  queries      {len(run.resident.ms):,} points within {JITTER_M:g} m of random reports, random category "
        f"(radius 30–300 m, window 30 days), limit 20; {args.query_warmup} more first as warm-up"
    )
    print(timing_header("open_reports_near"))
    print(timing_row("resident view (GET /complaints/nearby)", run.resident, TARGET_DUPLICATES_P99_MS))
    print(timing_row("staff view (duplicate candidates)", run.staff, TARGET_DUPLICATES_P99_MS))
    if run.stopped:
        print(stopped_line(len(run.resident.ms), run.planned, args.budget))
    found = run.found
    with_any = sum(1 for n in found if n)
    print(
        row(
            "reports found per search",
            f"{sum(found) / len(found):.2f} mean",
            "",
            f"(resident view; {100 * with_any / len(found):.0f} % of searches found at least one, "
            f"{sum(1 for n in found if n >= 20)} hit the limit of 20)",
        )
    )
    print(cpu_line(run.cpu))
    if warning := quiet_warning(run.cpu):
        print(warning)
    print_routing(loaded_routing, f"routing again, {f['reports']:,} reports in the table", args.budget)


def print_verdict(
    routing: RoutingRun, loaded: RoutingRun | None, duplicates: DuplicateRun | None, reports: int
) -> None:
    routed = [routing] + ([loaded] if loaded else [])
    routing_met = all(r.total.p(99) < TARGET_ROUTING_P99_MS for r in routed)
    worst = max(r.total.p(99) for r in routed)
    print(
        f"\n  target: routing p99 under {TARGET_ROUTING_P99_MS:g} ms: {verdict(routing_met).upper()} "
        f"(worst p99 {worst:.2f} ms)"
    )
    if duplicates is not None:
        p99 = max(duplicates.resident.p(99), duplicates.staff.p(99))
        met = p99 < TARGET_DUPLICATES_P99_MS
        print(
            f"  target: duplicate search p99 under {TARGET_DUPLICATES_P99_MS:g} ms with "
            f"{reports:,} reports: {verdict(met).upper()} (worst p99 {p99:.2f} ms)"
        )


# --------------------------------------------------------------------------- main


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench.routing", description=__doc__.split("\n\n")[0])
    parser.add_argument("--points", type=int, default=20_000, help="routed points (default 20000)")
    parser.add_argument("--warmup", type=int, default=500, help="routed points before measuring (default 500)")
    parser.add_argument("--reports", type=int, default=1_000_000, help="reports loaded; 0 skips (default 1000000)")
    parser.add_argument("--queries", type=int, default=5_000, help="duplicate searches (default 5000)")
    parser.add_argument("--query-warmup", type=int, default=200, help="searches before measuring (default 200)")
    parser.add_argument("--citizens", type=int, default=20_000, help="citizens sending the reports (default 20000)")
    parser.add_argument("--seed", type=int, default=2026, help="random seed (default 2026)")
    parser.add_argument(
        "--budget",
        type=float,
        default=240.0,
        help="seconds at most per timed phase, plus a tenth for its warm-up (default 240)",
    )
    parser.add_argument("--keep", action="store_true", help=f"keep the database {BENCH_DB} at the end")
    args = parser.parse_args(argv)
    if not 1 <= args.points <= 1_000_000 or not 0 <= args.warmup <= 100_000:
        parser.error("--points 1..1000000, --warmup 0..100000")
    if not 0 <= args.reports <= 20_000_000 or not 1 <= args.queries <= 1_000_000 or not 1 <= args.citizens <= 10**6:
        parser.error("--reports 0..20000000, --queries 1..1000000, --citizens 1..1000000")
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    stop_cleanly_on_signals()
    os.environ["DATABASE_URL"] = DATABASE_URL  # anything reading settings in this process
    # One connection: the CPU of "its postgres backend" is then one process's.
    engine = create_engine(DATABASE_URL, pool_size=1, max_overflow=0, connect_args={"options": "-c timezone=UTC"})
    rng = random.Random(args.seed)  # noqa: S311 - positions on a map, not secrets
    try:
        progress(f"preparing {BENCH_DB}")
        setup = prepare(engine)
        categories = load_categories(engine)
        points = routing_points(engine, args.points + args.warmup, categories, rng)
        progress(f"routing {len(points):,} points, with plain SQL side by side")
        routing = measure_routing(engine, points, warmup=args.warmup, side_by_side=True, budget=args.budget)
        loaded = duplicates = load = None
        if args.reports:
            load = load_reports(engine, args.reports, args.citizens, rng)
            queries = duplicate_queries(engine, args.queries + args.query_warmup, categories, rng)
            progress(f"{len(queries):,} duplicate searches, two views each")
            duplicates = measure_duplicates(engine, queries, warmup=args.query_warmup, budget=args.budget)
            progress(f"routing the {len(points):,} points again")
            loaded = measure_routing(engine, points, warmup=args.warmup, side_by_side=False, budget=args.budget)
        progress("done")
        print_setup(setup, args)
        print_routing(routing, "routing a report, no reports in the table", args.budget)
        print_side_by_side(routing)
        if load is not None and loaded is not None and duplicates is not None:
            print_duplicates(load, duplicates, args, loaded)
        print_verdict(routing, loaded, duplicates, load.facts["reports"] if load else 0)
        return 0
    except KeyboardInterrupt:
        print("\n[bench.routing] interrupted: cleaning up", file=sys.stderr)
        return 130
    finally:
        for signum in (signal.SIGINT, signal.SIGTERM):
            signal.signal(signum, signal.SIG_IGN)  # let the clean-up finish
        engine.dispose()
        if args.keep:
            print(f"[bench.routing] kept the database {BENCH_DB} (--keep)", file=sys.stderr)
        else:
            try:
                admin_execute(f'DROP DATABASE IF EXISTS "{BENCH_DB}" WITH (FORCE)')
            except Exception as exc:
                print(f"[bench.routing] could not drop the database: {type(exc).__name__}: {exc}", file=sys.stderr)


if __name__ == "__main__":
    sys.exit(main())
