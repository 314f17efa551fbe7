"""Working time on the Vietnamese civil-service calendar: the one place SLA clocks are counted.

Deadlines are counted in office hours on working days, in Asia/Ho_Chi_Minh: by default
Monday to Friday, 07:30–11:30 and 13:30–17:00 (7.5 hours a day), less the public
holidays of the `holidays` package (lunar Tết and the days off in lieu it knows) and the
days an administrator adds; plus the weekend days the government has everyone work to
make up a bridge holiday.

Pure arithmetic, no database: every function takes aware datetimes (any zone) and gives
back UTC. Office hours are half-open, ``[opening, closing)``: a deadline that falls
exactly at a closing time *is* that closing time, never the next opening.

The national calendar is looked up once per year (cached) and turned into a running
count of working days, so ``add`` and ``between`` cost a few set look-ups and a bisect
whatever the span, rather than a walk over every day or minute.
"""

from bisect import bisect_left
from collections.abc import Hashable, Iterable, Sequence, Set
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from functools import cache, lru_cache
from typing import TypeVar

from service.core.settings import LOCAL_TZ

# The years for which `holidays` has Vietnam's lunar calendar. Outside them it would
# quietly report no holidays at all, so the calendar refuses them instead.
FIRST_YEAR = 1901
LAST_YEAR = 2100

DEFAULT_OFFICE_HOURS: tuple[tuple[time, time], ...] = (
    (time(7, 30), time(11, 30)),
    (time(13, 30), time(17, 0)),
)
MONDAY_TO_FRIDAY: frozenset[int] = frozenset(range(5))  # date.weekday(): Monday is 0

ZERO = timedelta(0)

# A pause is (paused at, resumed at); None while it is still going on.
Pause = tuple[datetime, datetime | None]
Key = TypeVar("Key", bound=Hashable)


@cache
def _vietnam_year(year: int) -> tuple[frozenset[date], frozenset[date]]:
    """The package's days off for one year, and the weekend days it says are worked."""
    # Imported here: the package takes about half a second to import and set up, which
    # only the first look-up should pay, not every process that imports this module.
    import holidays

    vietnam = holidays.country_holidays("VN", years=year)
    return frozenset(vietnam), frozenset(vietnam.weekend_workdays)


@cache
def _national_days(year: int) -> tuple[frozenset[date], frozenset[date]]:
    """Days off in ``year``, and the weekend days in ``year`` that are worked."""
    days_off = _vietnam_year(year)[0]
    # A swap can straddle New Year (31/12/2018 off, Saturday 5/1/2019 worked): the
    # package files it under the year of the day off, so look at both neighbours too.
    neighbours = range(max(year - 1, FIRST_YEAR), min(year + 1, LAST_YEAR) + 1)
    worked = frozenset(day for y in neighbours for day in _vietnam_year(y)[1] if day.year == year)
    return days_off, worked


def _require_aware(moment: datetime) -> None:
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError(f"naive datetime {moment.isoformat()}: working time needs a time zone")


@dataclass(frozen=True)
class WorkingCalendar:
    """Office hours, working weekdays and days off; all SLA arithmetic hangs off one of these.

    ``extra_days_off`` are days an administrator closes the offices on top of the national
    holidays (a provincial day off, a longer Tết than the law's minimum);
    ``substitute_working_days`` are days worked although they fall on a weekend or a
    holiday (the Saturday worked to bridge a holiday). A day cannot be both.
    ``public_holidays=False`` leaves the national holidays out (for tests and for units
    that work through them).
    """

    office_hours: Sequence[tuple[time, time]] = DEFAULT_OFFICE_HOURS
    weekdays: Set[int] = MONDAY_TO_FRIDAY
    extra_days_off: Set[date] = frozenset()
    substitute_working_days: Set[date] = frozenset()
    public_holidays: bool = True
    tz: tzinfo = LOCAL_TZ

    # Office hours as offsets from midnight; and per year the running count of working
    # days (see _year_counts), kept here too so a look-up does not hash the calendar.
    _spans: tuple[tuple[timedelta, timedelta], ...] = field(init=False, repr=False, compare=False)
    _day_length: timedelta = field(init=False, repr=False, compare=False)
    _counts: dict[int, tuple[int, ...]] = field(default_factory=dict, init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        # Lists and sets are welcome as arguments; stored frozen so the calendar hashes.
        hours = tuple((opening, closing) for opening, closing in self.office_hours)
        object.__setattr__(self, "office_hours", hours)
        object.__setattr__(self, "weekdays", frozenset(self.weekdays))
        object.__setattr__(self, "extra_days_off", frozenset(self.extra_days_off))
        object.__setattr__(self, "substitute_working_days", frozenset(self.substitute_working_days))

        if not hours:
            raise ValueError("office hours must have at least one interval")
        previous_closing = time.min
        for opening, closing in hours:
            if opening.tzinfo is not None or closing.tzinfo is not None:
                raise ValueError("office hours are local wall-clock times, without a zone")
            if not opening < closing:
                raise ValueError(f"office interval {opening}–{closing} must open before it closes")
            if opening < previous_closing:
                raise ValueError("office intervals must be in order and must not overlap")
            previous_closing = closing
        if not self.weekdays <= frozenset(range(7)):
            raise ValueError("weekdays are 0 (Monday) to 6 (Sunday)")
        if both := self.extra_days_off & self.substitute_working_days:
            raise ValueError(f"days both off and worked: {sorted(both)}")

        def since_midnight(moment: time) -> timedelta:
            return datetime.combine(date.min, moment) - datetime.min

        spans = tuple((since_midnight(opening), since_midnight(closing)) for opening, closing in hours)
        object.__setattr__(self, "_spans", spans)
        object.__setattr__(self, "_day_length", sum((closing - opening for opening, closing in spans), ZERO))

    # --- days ---------------------------------------------------------------------------

    @property
    def day_length(self) -> timedelta:
        """Working time in one working day (7.5 hours by default): the unit of ``add_days``."""
        return self._day_length

    def is_working_day(self, day: date) -> bool:
        """Whether the offices open on ``day`` (a local calendar date)."""
        if not FIRST_YEAR <= day.year <= LAST_YEAR:
            raise ValueError(f"{day}: the calendar covers {FIRST_YEAR}–{LAST_YEAR} only")
        if day in self.extra_days_off:
            return False
        if day in self.substitute_working_days:
            return True
        if self.public_holidays:
            days_off, weekend_worked = _national_days(day.year)
            if day in days_off:
                return False
            if day in weekend_worked:
                return True
        return day.weekday() in self.weekdays

    def _year_counts(self, year: int) -> tuple[int, ...]:
        counts = self._counts.get(year)
        if counts is None:
            counts = self._counts[year] = _year_counts(self, year)
        return counts

    def _working_days(self, first: date, stop: date) -> int:
        """How many working days in ``[first, stop)``."""
        total = 0
        for year in range(first.year, stop.year + 1):
            new_year = date(year, 1, 1)
            high = (stop - new_year).days if year == stop.year else None
            if high == 0:
                break
            counts = self._year_counts(year)
            low = (first - new_year).days if year == first.year else 0
            total += counts[len(counts) - 1 if high is None else high] - counts[low]
        return total

    def _nth_working_day(self, first: date, n: int) -> date:
        """The ``n``-th working day (``n >= 1``) counting ``first`` itself."""
        year, low = first.year, (first - date(first.year, 1, 1)).days
        while True:
            counts = self._year_counts(year)
            target = counts[low] + n
            if target <= counts[-1]:
                # The n-th working day is the one on which the running count reaches target.
                return date(year, 1, 1) + timedelta(days=bisect_left(counts, target, low) - 1)
            n = target - counts[-1]
            year, low = year + 1, 0

    # --- moments in local wall-clock time -------------------------------------------------

    def _local(self, moment: datetime) -> datetime:
        _require_aware(moment)
        return moment.astimezone(self.tz).replace(tzinfo=None)

    def _utc(self, local: datetime) -> datetime:
        return local.replace(tzinfo=self.tz).astimezone(UTC)

    def _worked_before(self, local: datetime) -> timedelta:
        """Working time on ``local``'s own day before ``local``."""
        if not self.is_working_day(local.date()):
            return ZERO
        since_midnight = local - datetime.combine(local.date(), time())
        return sum((min(max(since_midnight, opening), closing) - opening for opening, closing in self._spans), ZERO)

    def _moment_into_day(self, day: date, worked: timedelta) -> datetime:
        """The local moment on working ``day`` when ``worked`` (0 < worked <= day length) is done."""
        midnight = datetime.combine(day, time())
        for opening, closing in self._spans:
            if worked <= closing - opening:
                return midnight + opening + worked
            worked -= closing - opening
        raise AssertionError("more work asked of a day than it holds")

    def _next_opening(self, local: datetime) -> datetime:
        day = local.date()
        if self.is_working_day(day):
            midnight = datetime.combine(day, time())
            for opening, closing in self._spans:
                if local < midnight + closing:
                    return max(local, midnight + opening)
        following = self._nth_working_day(day + timedelta(days=1), 1)
        return datetime.combine(following, time()) + self._spans[0][0]

    # --- the public arithmetic ----------------------------------------------------------

    def is_working_time(self, moment: datetime) -> bool:
        """Whether the offices are open at ``moment`` (closing moments are not open)."""
        local = self._local(moment)
        return self._next_opening(local) == local

    def next_working_moment(self, moment: datetime) -> datetime:
        """``moment`` itself when the offices are open, else the next opening (UTC)."""
        return self._utc(self._next_opening(self._local(moment)))

    def add(self, start: datetime, duration: timedelta) -> datetime:
        """When ``duration`` of working time has passed since ``start`` (UTC).

        Outside office hours the count starts at the next opening; work that runs out
        exactly at a closing time ends at that closing time. ``duration == 0`` gives the
        next working moment.
        """
        if duration < ZERO:
            raise ValueError("working time to add must not be negative")
        local = self._local(start)
        if not duration:
            return self._utc(self._next_opening(local))

        day, remaining = local.date(), duration
        if self.is_working_day(day):
            midnight = datetime.combine(day, time())
            for opening, closing in self._spans:
                begin = max(local, midnight + opening)
                if begin < midnight + closing:
                    if remaining <= midnight + closing - begin:
                        return self._utc(begin + remaining)
                    remaining -= midnight + closing - begin
        # Skip whole working days; the last one gets the rest, in (0, day length].
        length = self.day_length
        days = -(-remaining // length)
        last = self._nth_working_day(day + timedelta(days=1), days)
        return self._utc(self._moment_into_day(last, remaining - (days - 1) * length))

    def add_days(self, start: datetime, n: int) -> datetime:
        """``n`` working days after ``start``: Monday 09:00 plus 3 days is Thursday 09:00."""
        if n < 0:
            raise ValueError("working days to add must not be negative")
        return self.add(start, n * self.day_length)

    def between(self, start: datetime, end: datetime) -> timedelta:
        """Working time from ``start`` to ``end``; zero when ``end`` is not after ``start``."""
        local_start, local_end = self._local(start), self._local(end)
        if end <= start:
            return ZERO
        days = self._working_days(local_start.date(), local_end.date())
        return days * self.day_length - self._worked_before(local_start) + self._worked_before(local_end)

    # --- paused clocks ------------------------------------------------------------------

    def between_excluding(self, start: datetime, end: datetime, pauses: Iterable[Pause] = ()) -> timedelta:
        """Working time from ``start`` to ``end`` less the working time spent paused.

        A pause still open (``None`` as its end) lasts until ``end``; overlapping pauses
        count once.
        """
        if end <= start:
            _require_aware(start)
            _require_aware(end)
            return ZERO
        paused = sum((self.between(low, high or end) for low, high in _merged(pauses, start, end)), ZERO)
        return self.between(start, end) - paused

    def deadline(self, start: datetime, allowed: timedelta, pauses: Iterable[Pause] = ()) -> datetime | None:
        """When ``allowed`` working time runs out on a clock started at ``start`` (UTC).

        Each pause that begins before the clock runs out pushes the deadline back by the
        working time it lasted; while such a pause is still open there is no deadline yet
        (None). Pauses that begin after the clock ran out change nothing: the report was
        already late. An approved extension is more ``allowed`` time.
        """
        if allowed < ZERO:
            raise ValueError("allowed working time must not be negative")
        cursor, remaining = start, allowed
        for low, high in _merged(pauses, start, None):
            due = self.add(cursor, remaining)
            if due <= low:
                return due
            remaining -= self.between(cursor, low)
            if high is None:
                return None
            cursor = high
        return self.add(cursor, remaining)

    def remaining(self, start: datetime, allowed: timedelta, at: datetime, pauses: Iterable[Pause] = ()) -> timedelta:
        """Working time left at ``at`` on a clock of ``allowed`` started at ``start``.

        Negative once the deadline has passed (by how much it is overdue); known even
        while a pause is open, when ``deadline`` is not.
        """
        return allowed - self.between_excluding(start, at, pauses)

    def segments(
        self,
        start: datetime,
        end: datetime,
        holders: Sequence[tuple[datetime, Key]],
        pauses: Iterable[Pause] = (),
    ) -> dict[Key, timedelta]:
        """Working time from ``start`` to ``end``, less pauses, split by who held the report.

        ``holders`` are (since when, holder): each holds the report until the next one
        takes it, the last until ``end``; a holder that comes back adds up. The first must
        hold it from ``start`` or earlier. The values add up to ``between_excluding``.
        """
        if not holders:
            raise ValueError("a report is always held by someone: holders is empty")
        _require_aware(start)
        _require_aware(end)
        for since, _ in holders:
            _require_aware(since)
        # Stable: of two hand-overs at the same moment the later in the list wins.
        ordered = sorted(holders, key=lambda holder: holder[0])
        if ordered[0][0] > start:
            raise ValueError("nobody holds the report at the start: the first holder starts later")
        pauses = list(pauses)
        totals: dict[Key, timedelta] = {}
        for index, (since, holder) in enumerate(ordered):
            until = ordered[index + 1][0] if index + 1 < len(ordered) else end
            low, high = max(since, start), min(until, end)
            totals[holder] = totals.get(holder, ZERO) + self.between_excluding(low, high, pauses)
        return totals


# Shared by equal calendars, so one rebuilt from the same settings for every report
# finds its tables made; bounded because settings change over a process's life.
@lru_cache(maxsize=1024)
def _year_counts(calendar: WorkingCalendar, year: int) -> tuple[int, ...]:
    """``counts[i]``: how many of the first ``i`` days of ``year`` are working days."""
    first = date(year, 1, 1)
    counts = [0]
    for offset in range((date(year + 1, 1, 1) - first).days):
        counts.append(counts[-1] + calendar.is_working_day(first + timedelta(days=offset)))
    return tuple(counts)


def _merged(pauses: Iterable[Pause], start: datetime, end: datetime | None) -> list[tuple[datetime, datetime | None]]:
    """Pauses cut to ``[start, end]`` (``end=None``: no end), sorted, overlaps joined."""
    _require_aware(start)
    cut: list[tuple[datetime, datetime | None]] = []
    for low, high in pauses:
        _require_aware(low)
        if high is not None:
            _require_aware(high)
            if high < low:
                raise ValueError(f"pause resumed at {high.isoformat()} before it began at {low.isoformat()}")
        if end is not None:
            high = end if high is None else min(high, end)
        low = max(low, start)
        if (high is None or low < high) and (end is None or low < end):
            cut.append((low, high))
    cut.sort(key=lambda pause: pause[0])

    merged: list[tuple[datetime, datetime | None]] = []
    for low, high in cut:
        if merged:
            last_low, last_high = merged[-1]
            if last_high is None:
                break  # an open pause swallows everything after it
            if low <= last_high:
                merged[-1] = (last_low, None if high is None else max(high, last_high))
                continue
        merged.append((low, high))
    return merged
