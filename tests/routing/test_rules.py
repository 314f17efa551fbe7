"""The routing decision alone: pure, no database."""

from hypothesis import given
from hypothesis import strategies as st

from service.routing.rules import Facts, Rule, decide, rank

POTHOLE_IN_BACH_QUANG = Facts(category_code="pothole", group_code="roads", area_code="05528")
PROVINCIAL_ROAD_IN_BACH_QUANG = Facts(category_code="provincial_road", group_code="roads", area_code="05528")

WARD_DEFAULT = Rule(id=1, unit_id=10, area_code="05528")
PROVINCE_ROADS = Rule(id=2, unit_id=20, category_code="provincial_road")
WARD_ROADS_GROUP = Rule(id=3, unit_id=30, group_code="roads", area_code="05528")
CATCH_ALL = Rule(id=4, unit_id=40)


def test_the_ranks_follow_the_documented_order():
    kinds = [
        Rule(id=1, unit_id=1, category_code="c", area_code="a"),
        Rule(id=1, unit_id=1, group_code="g", area_code="a"),
        Rule(id=1, unit_id=1, category_code="c"),
        Rule(id=1, unit_id=1, group_code="g"),
        Rule(id=1, unit_id=1, area_code="a"),
        Rule(id=1, unit_id=1),
    ]
    assert [rank(rule) for rule in kinds] == [0, 1, 2, 3, 4, 5]


def test_a_province_wide_category_rule_beats_the_ward_default():
    assert decide([WARD_DEFAULT, PROVINCE_ROADS, CATCH_ALL], PROVINCIAL_ROAD_IN_BACH_QUANG) == PROVINCE_ROADS


def test_a_ward_specific_rule_beats_the_province_wide_one():
    ward_provincial = Rule(id=9, unit_id=90, category_code="provincial_road", area_code="05528")
    rules = [PROVINCE_ROADS, WARD_DEFAULT, ward_provincial]
    assert decide(rules, PROVINCIAL_ROAD_IN_BACH_QUANG) == ward_provincial
    # ...even a ward rule for the whole group beats a province-wide rule for the category.
    assert decide([PROVINCE_ROADS, WARD_ROADS_GROUP], PROVINCIAL_ROAD_IN_BACH_QUANG) == WARD_ROADS_GROUP


def test_other_wards_and_categories_are_not_matched():
    elsewhere = Facts(category_code="pothole", group_code="roads", area_code="05443")
    assert decide([WARD_DEFAULT, WARD_ROADS_GROUP], elsewhere) is None
    assert decide([PROVINCE_ROADS], POTHOLE_IN_BACH_QUANG) is None
    assert decide([WARD_DEFAULT, CATCH_ALL], elsewhere) == CATCH_ALL


def test_order_then_id_break_ties_and_inactive_rules_never_match():
    low = Rule(id=7, unit_id=70, area_code="05528", order=10)
    high = Rule(id=5, unit_id=50, area_code="05528", order=20)
    same_order_older = Rule(id=6, unit_id=60, area_code="05528", order=10)
    assert decide([high, low, same_order_older], POTHOLE_IN_BACH_QUANG) == same_order_older
    retired = Rule(id=1, unit_id=1, category_code="pothole", area_code="05528", is_active=False)
    assert decide([retired, high], POTHOLE_IN_BACH_QUANG) == high


rules_strategy = st.lists(
    st.builds(
        Rule,
        id=st.integers(1, 10_000),
        unit_id=st.integers(1, 50),
        category_code=st.sampled_from([None, "pothole", "flooding"]),
        group_code=st.none(),
        area_code=st.sampled_from([None, "05528", "05443"]),
        order=st.integers(0, 3),
        is_active=st.booleans(),
    ),
    max_size=12,
    unique_by=lambda rule: rule.id,  # ids are primary keys
)


@given(rules_strategy, st.randoms())
def test_the_decision_does_not_depend_on_the_order_of_the_rules(rules, random):
    shuffled = list(rules)
    random.shuffle(shuffled)
    assert decide(rules, POTHOLE_IN_BACH_QUANG) == decide(shuffled, POTHOLE_IN_BACH_QUANG)


@given(rules_strategy)
def test_the_chosen_rule_matches_and_no_matching_rule_is_more_specific(rules):
    chosen = decide(rules, POTHOLE_IN_BACH_QUANG)
    matching = [
        r for r in rules if r.is_active and r.category_code in (None, "pothole") and r.area_code in (None, "05528")
    ]
    if chosen is None:
        assert matching == []
    else:
        assert chosen in matching
        assert all(rank(chosen) <= rank(r) for r in matching)
