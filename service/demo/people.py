"""The people of the demo history: staff enough for every unit (a lead to decide
extensions, colleagues to reassign to) and a few thousand residents who send reports.

Names are Vietnamese, made from a seed; every account shares the demo password (hashed
once: hashing hundreds of passwords would take minutes)."""

import random

from sqlmodel import Session

from service.core.settings import get_settings
from service.demo import repository
from service.identity.models import Role, User
from service.identity.security import hash_password

SURNAMES = ["Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Vũ", "Phan", "Đặng", "Bùi", "Đỗ", "Hồ", "Ngô", "Dương", "Lý"]
MIDDLE = ["Văn", "Thị", "Minh", "Đức", "Thu", "Thanh", "Ngọc", "Quang", "Hữu", "Hồng", "Mạnh", "Kim"]
GIVEN = [
    "An", "Bình", "Cường", "Dũng", "Giang", "Hà", "Hải", "Hạnh", "Hiếu", "Hoa", "Hùng", "Hương", "Khánh", "Lan",
    "Linh", "Long", "Mai", "Nam", "Nga", "Phong", "Phương", "Quân", "Sơn", "Tâm", "Thảo", "Trang", "Tuấn", "Vân",
    "Yến", "Đạt", "Thắng", "Huyền",
]  # fmt: skip
# Units that get a second officer (the busiest kinds), by code suffix; every unit gets a lead.
SECOND_OFFICER = ("-KTHT", "-DVTH", "EVN-TN", "SXD-TN")
CITIZEN_PHONE = "+8490{:07d}"


def vietnamese_name(rng: random.Random) -> str:
    return f"{rng.choice(SURNAMES)} {rng.choice(MIDDLE)} {rng.choice(GIVEN)}"


def _password_hash() -> str:
    # The demo password skips identity/passwords.py on purpose (see seed.py).
    return hash_password(get_settings().demo_password.get_secret_value())


def ensure_staff(session: Session, *, seed: int) -> int:
    """A lead (``ld.<unit>``) for every unit without one and a second officer
    (``cb2.<unit>``) for the busy ones that have a single officer; returns how many were
    added."""
    rng = random.Random(f"staff/{seed}")
    taken = repository.usernames(session)
    password_hash = None
    added = 0
    officers = repository.staff_by_unit(session, Role.officer)
    leads = repository.staff_by_unit(session, Role.unit_lead)
    for code, unit_id in sorted(repository.unit_ids_by_code(session).items()):
        # Units the demo already staffs (Bách Quang's named officers and lead) keep theirs.
        wanted = [] if unit_id in leads else [(f"ld.{code.lower()}", Role.unit_lead)]
        if code.endswith(SECOND_OFFICER) and len(officers.get(unit_id, [])) < 2:
            wanted.append((f"cb2.{code.lower()}", Role.officer))
        for username, role in wanted:
            name = vietnamese_name(rng)
            if username in taken:
                continue
            password_hash = password_hash or _password_hash()
            session.add(
                User(username=username, full_name=name, password_hash=password_hash, role=role, unit_id=unit_id)
            )
            added += 1
    session.flush()
    return added


def ensure_citizens(session: Session, *, count: int, seed: int) -> int:
    """Residents ``+84900000000`` … in order (the history picks them by index)."""
    rng = random.Random(f"citizens/{seed}")
    taken = repository.usernames(session)
    password_hash = None
    added = 0
    for index in range(count):
        phone = CITIZEN_PHONE.format(index)
        name = vietnamese_name(rng)
        if phone in taken:
            continue
        password_hash = password_hash or _password_hash()
        session.add(User(username=phone, phone=phone, full_name=name, password_hash=password_hash, role=Role.citizen))
        added += 1
    session.flush()
    return added


def citizens(session: Session, count: int) -> list[User]:
    names = [CITIZEN_PHONE.format(index) for index in range(count)]
    found = repository.users_named(session, names)
    return [found[name] for name in names]


def dispatcher(session: Session) -> User:
    user = repository.first_dispatcher(session)
    if user is None:
        raise LookupError("the demo history needs a dispatcher: run the demo seed first")
    return user


def leads_by_unit(session: Session) -> dict[int, User]:
    return {unit_id: users[0] for unit_id, users in repository.staff_by_unit(session, Role.unit_lead).items()}


def officers_by_unit(session: Session) -> dict[int, list[User]]:
    return repository.staff_by_unit(session, Role.officer)
