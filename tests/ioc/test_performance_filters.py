"""The performance table narrowed by unit, category and ward: the same brute-force recount as
tests/ioc/test_ioc.py over only the matching reports; unknown codes refused by field."""

from datetime import timedelta

import pytest
from sqlalchemy import text

from service.core.timeutil import to_local, utcnow
from tests.ioc.test_ioc import GROUPS, codes, midnight, recount, seed


@pytest.fixture
def history(db):
    return seed(db, now=utcnow())


def _busiest(history, key: str) -> int:
    counts: dict[int, int] = {}
    for s in history:
        value = getattr(s, key)
        if value is not None:
            counts[value] = counts.get(value, 0) + 1
    return max(counts, key=lambda k: counts[k])


FILTERS = {"unit": ("unit_id", "units"), "category": ("category_id", "categories"), "ward": ("area_id", "areas")}


@pytest.mark.parametrize(("narrow_by", "group_by"), [("unit", "officer"), ("category", "unit"), ("ward", "category")])
def test_a_filter_narrows_the_figures_to_its_reports(client, db, auth, history, narrow_by, group_by):
    column, table = FILTERS[narrow_by]
    chosen = _busiest(history, column)
    chosen_code = codes(db, table, "code")[chosen]
    today = to_local(utcnow()).date()
    first = today - timedelta(days=60)
    query = f"group_by={group_by}&from={first}&to={today}&{narrow_by}={chosen_code}"
    body = client.get(f"/api/v1/ioc/performance?{query}", headers=auth("dispatcher")).json()
    key, group_table, group_column = GROUPS[group_by]
    only = [s for s in history if getattr(s, column) == chosen]
    expected = recount(only, key, start=midnight(first), end=midnight(today + timedelta(days=1)), now=utcnow())
    names = codes(db, group_table, group_column)
    got = {row["code"]: {k: v for k, v in row.items() if k not in ("code", "name")} for row in body["rows"]}
    assert got == {names[group]: figures for group, figures in expected.items()}
    everything = client.get(f"/api/v1/ioc/performance?group_by={group_by}&from={first}&to={today}",
                            headers=auth("dispatcher")).json()  # fmt: skip
    # The filter took something away, and left something to compare.
    assert 0 < sum(r["handled"] for r in body["rows"]) < sum(r["handled"] for r in everything["rows"])
    # The export carries the same filter.
    exported = client.get(f"/api/v1/ioc/performance/export?{query}&format=csv", headers=auth("dispatcher"))
    assert exported.status_code == 200
    assert len(exported.text.strip().splitlines()) == len(body["rows"]) + 1


@pytest.mark.parametrize("field", ["unit", "category", "ward"])
@pytest.mark.parametrize("path", ["/api/v1/ioc/performance", "/api/v1/ioc/performance/export"])
def test_an_unknown_code_is_refused_naming_its_field(client, auth, field, path):
    refused = client.get(f"{path}?{field}=KHONG-CO", headers=auth("dispatcher"))
    assert refused.status_code == 422, refused.text
    body = refused.json()
    assert body["field"] == field
    assert body["code"] == {"unit": "unknown_unit", "category": "unknown_category", "ward": "unknown_area"}[field]
    assert body["message"] and body["message_en"]
    for nonsense in ("x" * 300, "%00", "a b", "'; --"):
        refused = client.get(f"{path}?{field}={nonsense}", headers=auth("dispatcher"))
        assert refused.status_code == 422, (nonsense, refused.text)
        assert refused.json()["errors"][0]["field"] == field, refused.text


def test_a_lead_narrowing_to_another_unit_sees_nothing_of_it(client, db, auth, history):
    lead_unit = db.exec(text("SELECT unit_id FROM users WHERE username = 'lanhdao.bachquang'")).scalar_one()
    other = next(s.unit_id for s in history if s.unit_id not in (None, lead_unit))
    other_code = codes(db, "units", "code")[other]
    body = client.get(f"/api/v1/ioc/performance?group_by=officer&unit={other_code}", headers=auth("unit_lead")).json()
    assert body["rows"] == []
