"""Working-time arithmetic on the Vietnamese civil-service calendar: pure, no database."""

from datetime import UTC, date, datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from service.sla.calendar import WorkingCalendar

VN = ZoneInfo("Asia/Ho_Chi_Minh")
CALENDAR = WorkingCalendar()
DAY = timedelta(hours=7.5)
HOUR = timedelta(hours=1)


def at(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=VN)


def local(moment: datetime | None) -> datetime:
    assert moment is not None
    return moment.astimezone(VN)


# --- what the holidays package gives us ----------------------------------------------------


def test_tet_2027_is_thursday_4_to_wednesday_10_february():
    # Lunar New Year 2027 is Saturday 6 Feb: the eve (Fri 5) and mùng 1–4 are off; the
    # weekend days are made up Thursday 4 (29 Tết) and Wednesday 10 (mùng 5).
    break_days = [date(2027, 2, day) for day in range(4, 11)]
    assert not any(CALENDAR.is_working_day(day) for day in break_days)
    assert CALENDAR.is_working_day(date(2027, 2, 3))
    assert CALENDAR.is_working_day(date(2027, 2, 11))


def test_days_off_in_lieu_and_announced_swaps_come_from_the_package():
    # Labour Day 2027 is a Saturday: Monday 3 May is off instead.
    assert not CALENDAR.is_working_day(date(2027, 5, 3))
    # 2025: Friday 2 May off, made up on Saturday 26 April.
    assert not CALENDAR.is_working_day(date(2025, 5, 2))
    assert CALENDAR.is_working_day(date(2025, 4, 26))
    # A swap across New Year: Monday 31/12/2018 off, Saturday 5/1/2019 worked.
    assert not CALENDAR.is_working_day(date(2018, 12, 31))
    assert CALENDAR.is_working_day(date(2019, 1, 5))
    # Ngày Văn hóa Việt Nam, a holiday from 2026.
    assert not CALENDAR.is_working_day(date(2026, 11, 24))
    assert CALENDAR.is_working_day(date(2025, 11, 24))


def test_years_the_package_does_not_cover_are_refused():
    assert CALENDAR.is_working_day(date(2100, 12, 31))
    with pytest.raises(ValueError, match="2100"):
        CALENDAR.is_working_day(date(2101, 1, 3))
    with pytest.raises(ValueError):
        CALENDAR.add(at(2100, 12, 31, 9), 2 * DAY)


# --- fixed examples ----------------------------------------------------------------------


def test_a_report_filed_before_tet_is_due_after_the_break():
    # Wednesday 3 Feb, the last working day before Tết: one hour today, seven after the break.
    assert local(CALENDAR.add(at(2027, 2, 3, 16), 8 * HOUR)) == at(2027, 2, 11, 16, 30)
    # Filed on Friday 5 Feb, Tết eve, itself a day off: the clock starts on Thursday 11.
    filed = at(2027, 2, 5, 16)
    due = CALENDAR.add(filed, 8 * HOUR)
    assert local(due) == at(2027, 2, 12, 8)
    assert CALENDAR.between(filed, due) == 8 * HOUR
    assert CALENDAR.next_working_moment(filed) == at(2027, 2, 11, 7, 30)


def test_the_lunch_break_and_the_weekend_are_skipped():
    assert local(CALENDAR.add(at(2027, 3, 1, 11), HOUR)) == at(2027, 3, 1, 14)
    assert CALENDAR.between(at(2027, 3, 1, 11), at(2027, 3, 1, 14)) == HOUR
    assert not CALENDAR.is_working_time(at(2027, 3, 1, 12))
    # Friday 16:00 plus two hours: one on Friday, one on Monday.
    assert local(CALENDAR.add(at(2027, 3, 5, 16), 2 * HOUR)) == at(2027, 3, 8, 8, 30)
    assert CALENDAR.between(at(2027, 3, 5, 16), at(2027, 3, 8, 8, 30)) == 2 * HOUR


def test_a_start_on_sunday_counts_from_monday_morning():
    sunday = at(2027, 3, 7, 10)
    assert not CALENDAR.is_working_time(sunday)
    assert local(CALENDAR.next_working_moment(sunday)) == at(2027, 3, 8, 7, 30)
    assert local(CALENDAR.add(sunday, HOUR)) == at(2027, 3, 8, 8, 30)
    assert CALENDAR.between(sunday, at(2027, 3, 8, 7, 30)) == timedelta(0)
    assert local(CALENDAR.add(sunday, timedelta(0))) == at(2027, 3, 8, 7, 30)


def test_a_substitute_working_saturday_counts():
    calendar = WorkingCalendar(substitute_working_days={date(2027, 3, 6)})
    assert calendar.is_working_time(at(2027, 3, 6, 9))
    assert local(calendar.add(at(2027, 3, 5, 16), 2 * HOUR)) == at(2027, 3, 6, 8, 30)


def test_an_admin_day_off_does_not_count():
    calendar = WorkingCalendar(extra_days_off={date(2027, 3, 8)})
    assert not calendar.is_working_time(at(2027, 3, 8, 9))
    assert local(calendar.add(at(2027, 3, 5, 16), 2 * HOUR)) == at(2027, 3, 9, 8, 30)
    assert calendar.between(at(2027, 3, 5, 16), at(2027, 3, 9, 8, 30)) == 2 * HOUR


def test_work_that_runs_out_at_closing_time_ends_at_closing_time():
    assert local(CALENDAR.add(at(2027, 3, 1, 16), HOUR)) == at(2027, 3, 1, 17)
    assert local(CALENDAR.add(at(2027, 3, 1, 11), timedelta(minutes=30))) == at(2027, 3, 1, 11, 30)
    assert local(CALENDAR.add_days(at(2027, 3, 1, 7, 30), 1)) == at(2027, 3, 1, 17)
    # Closing is not open; opening is.
    assert not CALENDAR.is_working_time(at(2027, 3, 1, 17))
    assert CALENDAR.is_working_time(at(2027, 3, 1, 17) - timedelta(microseconds=1))
    assert CALENDAR.is_working_time(at(2027, 3, 1, 7, 30))
    assert CALENDAR.between(at(2027, 3, 1, 17), at(2027, 3, 2, 7, 30)) == timedelta(0)


def test_working_days_are_multiples_of_the_working_day():
    assert CALENDAR.day_length == DAY
    assert local(CALENDAR.add_days(at(2027, 3, 1, 9), 3)) == at(2027, 3, 4, 9)
    # Over a weekend, and over Reunification Day, Labour Day and its Monday in lieu.
    assert local(CALENDAR.add_days(at(2027, 3, 4, 9), 3)) == at(2027, 3, 9, 9)
    assert local(CALENDAR.add_days(at(2027, 4, 29, 9), 1)) == at(2027, 5, 4, 9)
    # 261 weekdays in 2027, less 12 holidays on weekdays (Tết is 5 of them).
    assert CALENDAR.between(at(2027, 1, 1), at(2028, 1, 1)) == 249 * DAY


def test_any_zone_in_utc_out_and_naive_refused():
    start = datetime(2027, 3, 1, 2, 0, tzinfo=UTC)  # 09:00 in Hà Nội
    due = CALENDAR.add(start, HOUR)
    assert due.tzinfo is UTC
    assert due == datetime(2027, 3, 1, 3, 0, tzinfo=UTC)
    assert CALENDAR.add(start.astimezone(timezone(timedelta(hours=-5))), HOUR) == due
    naive = datetime(2027, 3, 1, 9)
    for call in (
        lambda: CALENDAR.add(naive, HOUR),
        lambda: CALENDAR.between(naive, start),
        lambda: CALENDAR.between(start, naive),
        lambda: CALENDAR.is_working_time(naive),
        lambda: CALENDAR.next_working_moment(naive),
        lambda: CALENDAR.deadline(start, HOUR, [(naive, None)]),
        lambda: CALENDAR.between_excluding(start, due, [(start, naive)]),
    ):
        with pytest.raises(ValueError, match="naive"):
            call()


def test_a_calendar_checks_its_own_configuration():
    with pytest.raises(ValueError):
        WorkingCalendar(office_hours=[(time(13, 30), time(17)), (time(7, 30), time(11, 30))])
    with pytest.raises(ValueError):
        WorkingCalendar(office_hours=[(time(8), time(8))])
    with pytest.raises(ValueError):
        WorkingCalendar(extra_days_off={date(2027, 3, 6)}, substitute_working_days={date(2027, 3, 6)})
    with pytest.raises(ValueError):
        CALENDAR.add(at(2027, 3, 1, 9), -HOUR)
    # Configured from lists, equal and hashable like any value.
    shop = WorkingCalendar(office_hours=[(time(8), time(12))], weekdays=[0, 1, 2, 3, 4, 5])
    assert shop == WorkingCalendar(office_hours=((time(8), time(12)),), weekdays=frozenset(range(6)))
    assert len({shop, CALENDAR}) == 2
    assert local(shop.add_days(at(2027, 3, 5, 10), 2)) == at(2027, 3, 8, 10)


# --- paused clocks, extensions, holders -----------------------------------------------------

FILED = at(2027, 3, 1, 9)  # Monday
ALLOWED = 3 * DAY  # due Thursday 09:00 when nothing pauses


def test_waiting_two_working_days_for_the_citizen_moves_the_deadline_two_working_days():
    awaiting_info = [(at(2027, 3, 1, 10), at(2027, 3, 3, 10))]
    assert CALENDAR.between_excluding(*awaiting_info[0], []) == 2 * DAY
    due = CALENDAR.deadline(FILED, ALLOWED, awaiting_info)
    assert local(due) == at(2027, 3, 8, 9)
    assert due == CALENDAR.add_days(CALENDAR.add(FILED, ALLOWED), 2)
    assert CALENDAR.between_excluding(FILED, due, awaiting_info) == ALLOWED


def test_pauses_outside_working_time_or_after_the_deadline_change_nothing():
    on_time = CALENDAR.add(FILED, ALLOWED)
    over_the_night = [(at(2027, 3, 1, 17), at(2027, 3, 2, 7, 30))]
    assert CALENDAR.deadline(FILED, ALLOWED, over_the_night) == on_time
    too_late = [(at(2027, 3, 4, 10), None)]  # already overdue when the question was asked
    assert CALENDAR.deadline(FILED, ALLOWED, too_late) == on_time
    before_filing = [(at(2027, 2, 20), at(2027, 3, 1, 8))]
    assert CALENDAR.deadline(FILED, ALLOWED, before_filing) == on_time


def test_an_open_pause_leaves_no_deadline_but_time_left_is_known():
    waiting = [(at(2027, 3, 2, 9), None)]
    assert CALENDAR.deadline(FILED, ALLOWED, waiting) is None
    # Frozen at what was left when the clock stopped, however long the citizen takes.
    assert CALENDAR.remaining(FILED, ALLOWED, at(2027, 3, 20, 9), waiting) == 2 * DAY
    assert CALENDAR.remaining(FILED, ALLOWED, at(2027, 3, 9, 9)) == -3 * DAY


def test_overlapping_pauses_count_once():
    pauses = [
        (at(2027, 3, 1, 10), at(2027, 3, 2, 10)),
        (at(2027, 3, 2, 9), at(2027, 3, 3, 10)),
        (at(2027, 3, 2, 13, 30), at(2027, 3, 2, 15)),
    ]
    assert CALENDAR.between_excluding(FILED, at(2027, 3, 4, 9), pauses) == DAY
    assert local(CALENDAR.deadline(FILED, ALLOWED, pauses)) == at(2027, 3, 8, 9)


def test_an_extension_is_more_allowed_time():
    extension = 2 * DAY
    awaiting_info = [(at(2027, 3, 1, 10), at(2027, 3, 2, 10))]
    assert local(CALENDAR.deadline(FILED, ALLOWED + extension, awaiting_info)) == at(2027, 3, 9, 9)


def test_each_holder_gets_its_own_segment_and_they_add_up():
    # The ward holds it, returns it to dispatch on Tuesday 10:00, the district takes it
    # Tuesday 14:00 and asks the citizen for details Wednesday 09:00–Thursday 09:00.
    holders = [(FILED, "ward"), (at(2027, 3, 2, 10), "dispatch"), (at(2027, 3, 2, 14), "district")]
    pauses = [(at(2027, 3, 3, 9), at(2027, 3, 4, 9))]
    end = at(2027, 3, 5, 9)
    split = CALENDAR.segments(FILED, end, holders, pauses)
    assert split == {"ward": DAY + HOUR, "dispatch": 2 * HOUR, "district": DAY + timedelta(hours=4.5)}
    assert sum(split.values(), timedelta(0)) == CALENDAR.between_excluding(FILED, end, pauses)
    # Back to the ward: its time adds up.
    again = CALENDAR.segments(FILED, end, [*holders, (at(2027, 3, 4, 9), "ward")], pauses)
    assert again["ward"] == 2 * DAY + HOUR
    with pytest.raises(ValueError):
        CALENDAR.segments(FILED, end, [(at(2027, 3, 2, 10), "late")], [])


# --- properties --------------------------------------------------------------------------

PROPERTIES = settings(max_examples=150, deadline=None)  # the first holiday look-up takes ~1 s

zones = st.integers(-12 * 60, 14 * 60).map(lambda minutes: timezone(timedelta(minutes=minutes)))
moments = st.builds(
    lambda naive, zone: naive.replace(tzinfo=zone),
    st.datetimes(min_value=datetime(2000, 1, 1), max_value=datetime(2095, 12, 31)),
    zones,
)
durations = st.integers(0, int(60 * DAY / timedelta(microseconds=1))).map(lambda us: timedelta(microseconds=us))


def is_open_or_closing(moment: datetime) -> bool:
    hours = local(moment)
    closing_times = {closing for _, closing in CALENDAR.office_hours}
    closes_now = hours.time() in closing_times and CALENDAR.is_working_day(hours.date())
    return CALENDAR.is_working_time(moment) or closes_now


def walked_between(start: datetime, end: datetime) -> timedelta:
    """The slow way: every day, every office interval."""
    first, last = local(start), local(end)
    total, day = timedelta(0), first.date()
    while day <= last.date():
        if CALENDAR.is_working_day(day):
            for opening, closing in CALENDAR.office_hours:
                low = max(first, datetime.combine(day, opening, VN))
                high = min(last, datetime.combine(day, closing, VN))
                total += max(high - low, timedelta(0))
        day += timedelta(days=1)
    return total


@PROPERTIES
@given(moments, durations)
def test_between_undoes_add(start, duration):
    due = CALENDAR.add(start, duration)
    assert due.tzinfo is UTC
    assert due >= start
    assert CALENDAR.between(start, due) == duration
    assert is_open_or_closing(due)


@PROPERTIES
@given(moments, durations, durations)
def test_add_is_monotonic(start, one, other):
    shorter, longer = sorted([one, other])
    assert CALENDAR.add(start, shorter) <= CALENDAR.add(start, longer)


@PROPERTIES
@given(moments, st.lists(st.timedeltas(timedelta(0), timedelta(days=40)), min_size=2, max_size=2))
def test_between_is_additive_and_matches_a_day_by_day_walk(a, gaps):
    b = a + gaps[0]
    c = (b + gaps[1]).astimezone(VN)  # mixed zones on purpose
    assert CALENDAR.between(a, b) + CALENDAR.between(b, c) == CALENDAR.between(a, c)
    assert CALENDAR.between(a, c) == walked_between(a, c)
    assert CALENDAR.between(c, a) == timedelta(0)


pause_lists = st.lists(
    st.tuples(st.timedeltas(timedelta(days=-5), timedelta(days=60)), st.timedeltas(timedelta(0), timedelta(days=10))),
    max_size=4,
)


@PROPERTIES
@given(moments, durations, pause_lists)
def test_a_paused_deadline_leaves_exactly_the_allowed_time(start, allowed, offsets):
    pauses = [(start + offset, start + offset + length) for offset, length in offsets]
    due = CALENDAR.deadline(start, allowed, pauses)
    assert due is not None
    assert CALENDAR.between_excluding(start, due, pauses) == allowed
    assert CALENDAR.remaining(start, allowed, due, pauses) == timedelta(0)
    assert due >= CALENDAR.add(start, allowed)


@PROPERTIES
@given(
    moments,
    st.timedeltas(timedelta(0), timedelta(days=60)),
    pause_lists,
    st.lists(st.timedeltas(timedelta(0), timedelta(days=60)), max_size=5),
)
def test_segments_add_up_to_the_paused_total(start, span, offsets, handovers):
    end = start + span
    pauses = [(start + offset, start + offset + length) for offset, length in offsets]
    holders = [(start, 0)] + [(start + moment, index % 3) for index, moment in enumerate(handovers, 1)]
    split = CALENDAR.segments(start, end, holders, pauses)
    assert sum(split.values(), timedelta(0)) == CALENDAR.between_excluding(start, end, pauses)
