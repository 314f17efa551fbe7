"""`phananh seed-demo`: the real wards of Thái Nguyên, a realistic organisation and one
demo account per role. Safe to run again: everything is matched by its code."""

import random
from dataclasses import dataclass
from pathlib import Path

from sqlmodel import Session

from service.areas.models import Area
from service.areas.service import import_areas, load_features
from service.categories.models import Category, CategoryGroup
from service.core.settings import get_settings
from service.demo import repository
from service.demo.catalogue import (
    ACCOUNTS,
    CATEGORIES,
    DUPLICATE_RADIUS_M,
    GROUPS,
    PROVINCE_CATEGORY_UNITS,
    PROVINCE_UNITS,
    WARD_GROUP_UNITS,
    WARD_UNITS,
)
from service.demo.people import vietnamese_name
from service.identity.models import Role, User
from service.identity.security import hash_password
from service.routing.models import RoutingRule
from service.units import repository as units_repository
from service.units.models import Unit

WARDS_FILE = Path(__file__).parent / "data" / "thai_nguyen_wards_2025.geojson"
DEMO_ADMIN = "quantri"


@dataclass
class SeedReport:
    areas: int
    units: int
    categories: int
    accounts_created: int


def already_seeded(session: Session) -> bool:
    return DEMO_ADMIN in repository.usernames(session)


def has_reports(session: Session) -> bool:
    return repository.any_report(session)


def _seed_units(session: Session, areas: list[Area]) -> int:
    rows = []
    for area in areas:
        is_ward = area.full_name.startswith("Phường")
        for suffix, kind, ward_name, commune_name, name_en in WARD_UNITS:
            rows.append(
                {
                    "code": f"{area.code}-{suffix}",
                    "name": (ward_name if is_ward else commune_name).format(full=area.full_name),
                    "name_en": name_en.format(full_en=area.full_name_en),
                    "kind": kind.value,
                    "is_active": True,
                }
            )
    rows += [
        {"code": code, "name": name, "name_en": name_en, "kind": kind.value, "is_active": True}
        for code, kind, name, name_en in PROVINCE_UNITS
    ]
    repository.upsert(session, Unit, "code", rows)
    # An id read back from the table is never None; the model allows None only before insert.
    unit_ids = repository.unit_ids_by_code(session)
    for area in areas:
        for suffix, *_ in WARD_UNITS:
            units_repository.set_areas(session, unit_ids[f"{area.code}-{suffix}"], [area.id])  # type: ignore[list-item]
    for code, *_ in PROVINCE_UNITS:
        units_repository.set_areas(session, unit_ids[code], [a.id for a in areas])  # type: ignore[misc]
    return len(rows)


def _seed_rules(session: Session, areas: list[Area]) -> int:
    # An id read back from the table is never None; the model allows None only before insert.
    unit_ids = repository.unit_ids_by_code(session)
    category_ids = repository.category_ids_by_code(session)
    wanted: list[tuple[int | None, str | None, int | None, int]] = []
    for area in areas:
        wanted.append((None, None, area.id, unit_ids[f"{area.code}-KTHT"]))
        for group, suffix in WARD_GROUP_UNITS.items():
            wanted.append((None, group, area.id, unit_ids[f"{area.code}-{suffix}"]))
    for category, unit_code in PROVINCE_CATEGORY_UNITS.items():
        wanted.append((category_ids[category], None, None, unit_ids[unit_code]))
    existing = repository.rule_keys(session)
    missing = [key for key in wanted if key not in existing]
    session.add_all(
        RoutingRule(category_id=c, group_code=g, area_id=a, unit_id=u, note="demo") for c, g, a, u in missing
    )
    return len(wanted)


def _demo_accounts(areas: list[Area]) -> list[tuple[str, str, str, str | None, str | None]]:
    """The named demo accounts, and one officer per unit so every demo report is assigned."""
    unit_codes = [f"{area.code}-{suffix}" for area in areas for suffix, *_ in WARD_UNITS]
    unit_codes += [code for code, *_ in PROVINCE_UNITS]
    # Each officer's name is drawn from their unit's code: the same name in every database.
    return ACCOUNTS + [
        (f"cb.{code.lower()}", vietnamese_name(random.Random(code)), "officer", code, None) for code in unit_codes
    ]


def _seed_accounts(session: Session, areas: list[Area]) -> int:
    # One hash for every demo account: hashing hundreds of passwords would take seconds.
    # Not checked by identity/passwords.py, deliberately: the demo's published password
    # ("PhanAnh@2026", the service's name in it) is for a demo, never a real account.
    password_hash = hash_password(get_settings().demo_password.get_secret_value())
    existing = repository.usernames(session)
    unit_ids = repository.unit_ids_by_code(session)
    created = 0
    for username, full_name, role, unit_code, phone in _demo_accounts(areas):
        if username in existing:
            continue  # never reset a password someone may have changed
        session.add(
            User(
                username=username,
                phone=phone,
                full_name=full_name,
                password_hash=password_hash,
                role=Role(role),
                unit_id=unit_ids[unit_code] if unit_code else None,
            )
        )
        created += 1
    return created


def seed_demo(session: Session) -> SeedReport:
    import_areas(session=session, features=load_features(path=WARDS_FILE))
    session.flush()
    areas = repository.wards_of(session, province_code="19")
    repository.upsert(
        session,
        CategoryGroup,
        "code",
        [
            {"code": code, "name": name, "name_en": name_en, "sort_order": i}
            for i, (code, name, name_en) in enumerate(GROUPS)
        ],
    )
    repository.upsert(
        session,
        Category,
        "code",
        [
            {
                "code": code,
                "group_code": group,
                "name": name,
                "name_en": name_en,
                "default_priority": priority.value,
                "sort_order": i,
                "is_active": True,
                "duplicate_radius_m": DUPLICATE_RADIUS_M.get(code, 100),
            }
            for i, (code, group, name, name_en, priority) in enumerate(CATEGORIES)
        ],
    )
    units = _seed_units(session, areas)
    _seed_rules(session, areas)
    accounts = _seed_accounts(session, areas)
    session.flush()
    return SeedReport(areas=len(areas), units=units, categories=len(CATEGORIES), accounts_created=accounts)
