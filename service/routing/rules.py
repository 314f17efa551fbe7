"""Which unit gets a report: a pure function of the rules and the report's facts.

Order of evaluation (most specific first, as FixMyStreet does body -> area -> contact):

    1. this category      in this ward
    2. this category group in this ward
    3. this category      in any ward     (e.g. provincial roads -> Sở Xây dựng)
    4. this category group in any ward
    5. any category       in this ward    (the ward's default office)
    6. any category       in any ward

A ward-specific rule for a category therefore beats the province-wide rule for it, and
a province-wide rule for a category beats a ward's catch-all. Among rules of the same
rank the lower ``order`` wins, then the older rule (lower id), so the outcome never
depends on the order rows come back from the database. Inactive rules never match.
"""

from collections.abc import Iterable
from dataclasses import dataclass


@dataclass(frozen=True)
class Rule:
    id: int
    unit_id: int
    category_code: str | None = None
    group_code: str | None = None
    area_code: str | None = None
    order: int = 100
    is_active: bool = True


@dataclass(frozen=True)
class Facts:
    category_code: str
    group_code: str
    area_code: str


def matches(rule: Rule, facts: Facts) -> bool:
    return (
        rule.is_active
        and rule.category_code in (None, facts.category_code)
        and rule.group_code in (None, facts.group_code)
        and rule.area_code in (None, facts.area_code)
    )


def rank(rule: Rule) -> int:
    """0 for the most specific kind of rule, 5 for the catch-all (see the table above)."""
    category_level = 0 if rule.category_code else 1 if rule.group_code else 2
    in_ward = rule.area_code is not None
    if category_level < 2:
        return category_level if in_ward else 2 + category_level
    return 4 if in_ward else 5


def decide(rules: Iterable[Rule], facts: Facts) -> Rule | None:
    candidates = [rule for rule in rules if matches(rule, facts)]
    return min(candidates, key=lambda r: (rank(r), r.order, r.id), default=None)
