"""The schedule seen from an instant: bounds and why, since when, next changes, the
commitment, late vs drift; across midnight, holidays, one-off dates, overlaps, overrides,
and both daylight-saving changes in Europe/Berlin and America/New_York."""

from __future__ import annotations

import textwrap
import time
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sieve_action.capacity.calendar import instant, load_zone
from sieve_action.capacity.file import ScheduleErrors, parse_schedule
from sieve_action.capacity.model import Bounds, Schedule
from sieve_action.capacity.schedule import (
    Change,
    Outlook,
    Previous,
    Status,
    classify,
    commitment,
    evaluate,
    expired_overrides,
    in_effect,
    outlook,
)

BERLIN = ZoneInfo("Europe/Berlin")
NEW_YORK = ZoneInfo("America/New_York")


def schedule(body: str, head: str = "timezone: Europe/Berlin\n") -> Schedule:
    """A file with one function, acme/whisper, whose mapping is ``body``."""
    text = head + "functions:\n  acme/whisper:\n" + textwrap.indent(textwrap.dedent(body), "    ")
    return parse_schedule(text, "sieve-capacity.yml")


def look(s: Schedule, when: datetime) -> Outlook:
    return evaluate(s, when)[0]


def local(zone: ZoneInfo, year: int, month: int, day: int, hour: int, minute: int) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=zone)


OFFICE = """\
min: 0
max: 4
windows:
  - {days: mon-fri, from: '08:00', to: '20:00', min: 2, max: 8}
"""


# -- bounds in effect and why ------------------------------------------------------


def test_a_weekday_window_and_the_baseline_around_it() -> None:
    s = schedule(OFFICE)
    # Wednesday 2026-12-02
    assert in_effect(s, s.functions[0], local(BERLIN, 2026, 12, 2, 7, 59)).bounds == Bounds(0, 4)
    inside = in_effect(s, s.functions[0], local(BERLIN, 2026, 12, 2, 8, 0))
    assert inside.bounds == Bounds(2, 8)
    assert inside.reason == "window mon-fri 08:00–20:00"
    assert inside.since == local(BERLIN, 2026, 12, 2, 8, 0)
    after = in_effect(s, s.functions[0], local(BERLIN, 2026, 12, 2, 20, 0))  # `to` is exclusive
    assert (after.bounds, after.reason) == (Bounds(0, 4), "baseline")
    assert after.since == local(BERLIN, 2026, 12, 2, 20, 0)
    weekend = in_effect(s, s.functions[0], local(BERLIN, 2026, 12, 5, 12, 0))
    assert weekend.bounds == Bounds(0, 4)
    assert weekend.since == local(BERLIN, 2026, 12, 4, 20, 0)  # Friday evening


def test_the_instant_may_be_given_in_any_zone_and_naive_is_refused() -> None:
    s = schedule(OFFICE)
    assert look(s, datetime(2026, 12, 2, 7, 0, tzinfo=UTC)).in_effect.bounds == Bounds(2, 8)
    with pytest.raises(ValueError, match="aware"):
        look(s, datetime(2026, 12, 2, 7, 0))


def test_a_window_across_midnight_belongs_to_the_day_it_starts() -> None:
    s = schedule(
        """\
        min: 0
        windows:
          - {days: fri, from: '22:00', to: '06:00', min: 4}
        """
    )
    assert look(s, local(BERLIN, 2026, 12, 4, 21, 59)).in_effect.bounds.min == 0
    assert look(s, local(BERLIN, 2026, 12, 4, 22, 0)).in_effect.bounds.min == 4
    saturday = look(s, local(BERLIN, 2026, 12, 5, 5, 59)).in_effect
    assert (saturday.bounds.min, saturday.reason) == (4, "window fri 22:00–06:00")
    assert look(s, local(BERLIN, 2026, 12, 5, 6, 0)).in_effect.bounds.min == 0
    # Saturday night is not Friday's: nothing.
    assert look(s, local(BERLIN, 2026, 12, 6, 2, 0)).in_effect.bounds.min == 0
    # Thursday night, into Friday: nothing either.
    assert look(s, local(BERLIN, 2026, 12, 4, 2, 0)).in_effect.bounds.min == 0


def test_a_holiday_on_friday_suppresses_the_window_running_into_saturday() -> None:
    body = """\
        min: 0
        windows:
          - {days: fri, from: '22:00', to: '06:00', min: 4}
        """
    s = schedule(body, "timezone: Europe/Berlin\nholidays: {country: DE}\n")
    # Friday 2026-12-25 is Christmas Day in Germany.
    assert look(s, local(BERLIN, 2026, 12, 25, 23, 0)).in_effect.bounds.min == 0
    assert look(s, local(BERLIN, 2026, 12, 26, 3, 0)).in_effect.bounds.min == 0
    # The Friday before is not a holiday.
    assert look(s, local(BERLIN, 2026, 12, 19, 3, 0)).in_effect.bounds.min == 4


def test_a_holiday_on_saturday_does_not_stop_fridays_window_running_into_it() -> None:
    body = """\
        min: 0
        windows:
          - {days: fri, from: '22:00', to: '06:00', min: 4}
        """
    s = schedule(body, "holidays: {dates: [2026-12-05]}\n")
    assert look(s, datetime(2026, 12, 5, 3, 0, tzinfo=UTC)).in_effect.bounds.min == 4


def test_subdivision_holidays_and_dates_of_the_files_own() -> None:
    head = (
        "timezone: Europe/Berlin\nholidays: {country: DE, subdivision: BY, dates: [2026-03-10]}\n"
    )
    s = schedule(OFFICE, head)
    noon = (12, 0)
    # Epiphany (Tuesday 2026-01-06) is a holiday in Bavaria only.
    assert look(s, local(BERLIN, 2026, 1, 6, *noon)).in_effect.bounds == Bounds(0, 4)
    assert look(schedule(OFFICE, "holidays: {country: DE}\n"), local(BERLIN, 2026, 1, 6, *noon))
    assert look(s, local(BERLIN, 2026, 1, 7, *noon)).in_effect.bounds == Bounds(2, 8)
    assert look(s, local(BERLIN, 2026, 3, 10, *noon)).in_effect.bounds == Bounds(0, 4)
    assert look(s, local(BERLIN, 2026, 12, 25, *noon)).in_effect.bounds == Bounds(0, 4)
    without = schedule(OFFICE, "timezone: Europe/Berlin\nholidays: {country: DE}\n")
    assert look(without, local(BERLIN, 2026, 1, 6, *noon)).in_effect.bounds == Bounds(2, 8)


def test_a_holiday_is_the_reason_its_bounds_hold_and_a_change_it_brings() -> None:
    s = schedule(OFFICE, "timezone: America/New_York\nholidays: {country: US}\n")
    # Friday 2026-12-25: the office window is off all day, for Christmas.
    christmas = look(s, local(NEW_YORK, 2026, 12, 25, 12, 0))
    assert christmas.in_effect.bounds == Bounds(0, 4)
    assert christmas.in_effect.reason == "holiday: Christmas Day"
    # Seen from the Wednesday before: Thursday's window, then the holiday's bounds hold on
    # (no change at Friday 08:00), then Monday's window.
    before = look(s, local(NEW_YORK, 2026, 12, 23, 21, 0))
    assert [(c.at.astimezone(NEW_YORK).day, c.reason) for c in before.changes][:3] == [
        (24, "window mon-fri 08:00–20:00"),
        (24, "baseline"),
        (28, "window mon-fri 08:00–20:00"),
    ]
    # A holiday's own dates are named as the file's.
    own = schedule(OFFICE, "holidays: {dates: [2026-12-23]}\n")
    assert look(own, datetime(2026, 12, 23, 12, 0, tzinfo=UTC)).in_effect.reason == (
        "holiday: a date in the file's `holidays.dates`"
    )


def test_a_date_window_is_not_suppressed_by_holidays() -> None:
    s = schedule(
        """\
        min: 0
        windows:
          - {date: 2026-12-25, from: '10:00', to: '14:00', min: 3}
        """,
        "timezone: Europe/Berlin\nholidays: {country: DE, dates: [2026-12-25]}\n",
    )
    effect = look(s, local(BERLIN, 2026, 12, 25, 11, 0)).in_effect
    assert (effect.bounds, effect.reason) == (Bounds(3, None), "window 2026-12-25 10:00–14:00")
    assert look(s, local(BERLIN, 2026, 12, 26, 11, 0)).in_effect.bounds == Bounds(0, None)


def test_a_date_window_to_24_00_ends_at_midnight() -> None:
    s = schedule("min: 0\nwindows:\n  - {date: 2026-12-31, from: '18:00', to: '24:00', min: 4}\n")
    assert look(s, local(BERLIN, 2026, 12, 31, 23, 59)).in_effect.bounds.min == 4
    assert look(s, local(BERLIN, 2027, 1, 1, 0, 0)).in_effect.bounds.min == 0


def test_overlapping_windows_take_the_highest_min_and_the_highest_max_each() -> None:
    s = schedule(
        """\
        min: 0
        max: 4
        windows:
          - {days: mon-fri, from: '08:00', to: '20:00', min: 2, max: 8}
          - {days: daily, from: '18:00', to: '22:00', min: 5, max: 6}
          - {days: wed, from: '12:00', to: '13:00', max: 10}
        """
    )
    evening = look(s, local(BERLIN, 2026, 12, 2, 19, 0)).in_effect
    assert evening.bounds == Bounds(5, 8)
    assert evening.reason == (
        "windows mon-fri 08:00–20:00 and daily 18:00–22:00 (the highest of each bound)"
    )
    late = look(s, local(BERLIN, 2026, 12, 2, 21, 0)).in_effect
    assert (late.bounds, late.reason) == (Bounds(5, 6), "window daily 18:00–22:00")
    # The Wednesday window gives only a max: the min is the other window's.
    assert look(s, local(BERLIN, 2026, 12, 2, 12, 30)).in_effect.bounds == Bounds(2, 10)


def test_a_window_leaving_a_bound_out_takes_it_from_the_baseline() -> None:
    s = schedule(
        """\
        min: 1
        max: 9
        windows:
          - {days: daily, from: '18:00', to: '22:00', min: 5}
          - {days: daily, from: '02:00', to: '04:00', max: 2}
        """
    )
    evening = look(s, local(BERLIN, 2026, 12, 2, 19, 0)).in_effect
    assert evening.bounds == Bounds(5, 9)
    assert evening.reason == "window daily 18:00–22:00 (max from the baseline)"
    night = look(s, local(BERLIN, 2026, 12, 2, 3, 0)).in_effect
    assert night.bounds == Bounds(1, 2)
    assert night.reason == "window daily 02:00–04:00 (min from the baseline)"
    noon = look(s, local(BERLIN, 2026, 12, 2, 12, 0)).in_effect
    assert (noon.bounds, noon.reason) == (Bounds(1, 9), "baseline")


def test_a_max_left_out_everywhere_stays_as_it_is() -> None:
    s = schedule("min: 0\nwindows:\n  - {days: daily, from: '08:00', to: '20:00', min: 2}\n")
    effect = look(s, local(BERLIN, 2026, 12, 2, 9, 0)).in_effect
    assert (effect.bounds, effect.reason) == (Bounds(2, None), "window daily 08:00–20:00")


# -- overrides ---------------------------------------------------------------------


OVERRIDDEN = OFFICE + "override: {min: 6, max: 12, until: 2026-12-02T18:00}\n"


def test_an_active_override_wins_over_everything() -> None:
    s = schedule(OVERRIDDEN)
    o = look(s, local(BERLIN, 2026, 12, 2, 12, 0))
    assert o.in_effect.bounds == Bounds(6, 12)
    assert o.in_effect.reason == "override until 2026-12-02 18:00"
    assert o.in_effect.since is None  # the file does not say when it began
    # Before it, the windows' bounds now: live bounds there mean it was not yet applied.
    assert o.previous == Previous(Bounds(2, 8), None)
    assert o.changes[0] == Change(
        local(BERLIN, 2026, 12, 2, 18, 0), Bounds(2, 8), "window mon-fri 08:00–20:00"
    )
    assert o.changes[1].at == local(BERLIN, 2026, 12, 2, 20, 0)
    assert expired_overrides(s, local(BERLIN, 2026, 12, 2, 17, 59)) == ()


def test_an_expired_override_is_ignored_with_a_warning_to_remove_it() -> None:
    s = schedule(OVERRIDDEN)
    o = look(s, local(BERLIN, 2026, 12, 2, 18, 0))
    assert (o.in_effect.bounds, o.in_effect.reason) == (Bounds(2, 8), "window mon-fri 08:00–20:00")
    assert o.in_effect.since == local(BERLIN, 2026, 12, 2, 18, 0)
    assert o.previous == Previous(Bounds(6, 12), local(BERLIN, 2026, 12, 2, 18, 0))
    assert expired_overrides(s, local(BERLIN, 2026, 12, 2, 18, 0)) == (
        "sieve-capacity.yml:8: functions.acme/whisper.override: expired at 2026-12-02 18:00 "
        "(Europe/Berlin) and is ignored: remove it",
    )
    weeks_later = look(s, local(BERLIN, 2027, 1, 13, 12, 0)).in_effect
    assert weeks_later.bounds == Bounds(2, 8)


# -- daylight saving ---------------------------------------------------------------


def test_instant_rules_in_both_zones() -> None:
    from datetime import date

    berlin, new_york = load_zone("Europe/Berlin"), load_zone("America/New_York")
    # Spring forward: 02:30 does not exist; it starts at the first instant after the gap.
    assert instant(date(2026, 3, 29), 150, berlin) == datetime(2026, 3, 29, 1, 0, tzinfo=UTC)
    assert instant(date(2026, 3, 8), 150, new_york) == datetime(2026, 3, 8, 7, 0, tzinfo=UTC)
    # Fall back: 02:30 (Berlin) and 01:30 (New York) occur twice; the first counts.
    assert instant(date(2026, 10, 25), 150, berlin) == datetime(2026, 10, 25, 0, 30, tzinfo=UTC)
    assert instant(date(2026, 11, 1), 90, new_york) == datetime(2026, 11, 1, 5, 30, tzinfo=UTC)
    # Ordinary times, and 24:00 as the next midnight.
    assert instant(date(2026, 7, 1), 1440, berlin) == datetime(2026, 7, 1, 22, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("zone", "day", "start_utc", "end_utc"),
    [
        # 02:30–03:30 on the spring-forward night: starts at the change (03:00 local).
        ("Europe/Berlin", "2026-03-29", datetime(2026, 3, 29, 1, 0), datetime(2026, 3, 29, 1, 30)),
        ("America/New_York", "2026-03-08", datetime(2026, 3, 8, 7, 0), datetime(2026, 3, 8, 7, 30)),
        # On the fall-back night: both ends on their first occurrence, so two hours.
        (
            "Europe/Berlin",
            "2026-10-25",
            datetime(2026, 10, 25, 0, 30),
            datetime(2026, 10, 25, 2, 30),
        ),
        (
            "America/New_York",
            "2026-11-01",
            datetime(2026, 11, 1, 5, 30),
            datetime(2026, 11, 1, 7, 30),
        ),
    ],
)
def test_daylight_saving_changes(
    zone: str, day: str, start_utc: datetime, end_utc: datetime
) -> None:
    # New York repeats 01:00-02:00 when it falls back; the others 02:00-03:00 or none.
    fall_back_new_york = zone == "America/New_York" and day.endswith("11-01")
    times = ("'01:30'", "'02:30'") if fall_back_new_york else ("'02:30'", "'03:30'")
    s = schedule(
        f"min: 0\nwindows:\n  - {{date: {day}, from: {times[0]}, to: {times[1]}, min: 3}}\n",
        f"timezone: {zone}\n",
    )
    start, end = start_utc.replace(tzinfo=UTC), end_utc.replace(tzinfo=UTC)
    before = look(s, start - timedelta(minutes=1))
    assert before.in_effect.bounds.min == 0
    assert [c.at for c in before.changes[:2]] == [start, end]
    assert look(s, start).in_effect.bounds.min == 3
    assert look(s, end - timedelta(seconds=1)).in_effect.bounds.min == 3
    assert look(s, end).in_effect.bounds.min == 0


def test_a_window_inside_the_gap_never_opens() -> None:
    s = schedule("min: 0\nwindows:\n  - {date: 2026-03-29, from: '02:10', to: '02:50', min: 3}\n")
    o = look(s, datetime(2026, 3, 29, 0, 0, tzinfo=UTC))
    assert o.changes == ()


def test_a_weekday_window_keeps_wall_clock_hours_across_the_change() -> None:
    s = schedule(OFFICE)
    # Friday before the spring change: 08:00 CET is 07:00 UTC; Monday after: 06:00 UTC.
    o = look(s, local(BERLIN, 2026, 3, 27, 21, 0))
    assert [c.at.astimezone(UTC).hour for c in o.changes[:2]] == [6, 18]


# -- next changes, previous bounds, commitment --------------------------------------


def test_next_changes_over_the_coming_week_merge_equal_bounds() -> None:
    s = schedule(
        """\
        min: 0
        max: 4
        windows:
          - {days: mon-fri, from: '08:00', to: '12:00', min: 2, max: 8}
          - {days: mon-fri, from: '12:00', to: '20:00', min: 2, max: 8}
        """
    )
    now = local(BERLIN, 2026, 11, 30, 0, 0)  # Monday
    o = look(s, now)
    # One change in at 08:00 and one out at 20:00 each weekday: the noon seam is no change.
    assert len(o.changes) == 10
    assert o.changes[0] == Change(
        local(BERLIN, 2026, 11, 30, 8, 0), Bounds(2, 8), "window mon-fri 08:00–12:00"
    )
    assert o.changes[1] == Change(local(BERLIN, 2026, 11, 30, 20, 0), Bounds(0, 4), "baseline")
    assert all(c.at < now + timedelta(days=7) for c in o.changes)
    assert all(a.bounds != b.bounds for a, b in zip(o.changes, o.changes[1:], strict=False))


def test_the_warm_minimum_commitment() -> None:
    s = schedule(OFFICE)
    o = look(s, local(BERLIN, 2026, 11, 30, 0, 0))
    assert o.replica_hours == 5 * 12 * 2  # five 12-hour days at min 2
    two = parse_schedule(
        "functions:\n  acme/a: {min: 1}\n  acme/b:\n    min: 0\n    windows:\n"
        "      - {days: daily, from: '00:00', to: '01:00', min: 3}\n",
        "f.yml",
    )
    outlooks = evaluate(two, datetime(2026, 11, 30, tzinfo=UTC))
    assert [o.replica_hours for o in outlooks] == [168.0, 21.0]
    assert commitment(outlooks) == 189.0


def test_the_commitment_counts_an_override_until_it_ends() -> None:
    s = schedule("min: 0\noverride: {min: 2, max: 2, until: 2026-12-02T12:00}\n", "")
    assert look(s, datetime(2026, 12, 1, 12, 0, tzinfo=UTC)).replica_hours == 48.0


def test_since_is_unknown_for_bounds_unchanged_for_over_a_week() -> None:
    o = look(schedule("min: 1\n"), datetime(2026, 12, 1, tzinfo=UTC))
    assert o.in_effect == type(o.in_effect)(Bounds(1, None), "baseline", None)
    assert o.previous is None
    assert o.changes == ()


# -- late or drift -----------------------------------------------------------------


def test_live_bounds_as_intended_late_or_drift() -> None:
    s = schedule(OFFICE)
    o = look(s, local(BERLIN, 2026, 12, 2, 20, 31))
    assert classify(o, Bounds(0, 4)) == Status("as-intended")
    # Still at the window's bounds: the 20:00 change is late, not drift.
    assert classify(o, Bounds(2, 8)) == Status("late", local(BERLIN, 2026, 12, 2, 20, 0))
    assert classify(o, Bounds(3, 4)) == Status("drift")
    assert classify(o, Bounds(0, 5)) == Status("drift")


def test_a_max_left_as_it_is_matches_any_live_max() -> None:
    s = schedule("min: 0\nwindows:\n  - {days: daily, from: '08:00', to: '20:00', min: 2}\n")
    o = look(s, local(BERLIN, 2026, 12, 2, 9, 0))
    assert classify(o, Bounds(2, 17)) == Status("as-intended")
    assert classify(o, Bounds(0, 17)) == Status("late", local(BERLIN, 2026, 12, 2, 8, 0))


def test_an_override_not_yet_applied_is_late_with_no_due_time() -> None:
    o = look(schedule(OVERRIDDEN), local(BERLIN, 2026, 12, 2, 12, 0))
    assert classify(o, Bounds(6, 12)) == Status("as-intended")
    assert classify(o, Bounds(2, 8)) == Status("late", None)
    assert classify(o, Bounds(0, 4)) == Status("drift")


# -- a file with many functions ----------------------------------------------------


def test_fifty_functions_of_twenty_windows_evaluate_quickly() -> None:
    lines = ["timezone: Europe/Berlin", "functions:"]
    for f in range(50):
        lines.append(f"  acme/fn{f}:\n    min: 0\n    max: 100\n    windows:")
        for w in range(20):
            days = "mon-fri" if w < 10 else "'sat,sun'"  # quoted: a flow mapping's comma
            lines.append(
                f"      - {{days: {days}, from: '{w:02}:00', to: '{w:02}:45', min: {w}, "
                f"max: {50 + w}}}"
            )
    s = parse_schedule("\n".join(lines), "big.yml")
    now = datetime(2026, 3, 27, 12, tzinfo=UTC)  # the week of a daylight-saving change
    best = min(_timed(lambda: evaluate(s, now)) for _ in range(3))
    assert best < 0.5  # about 0.07 s on the reference machine; generous for a shared CI


def _timed(work: object) -> float:
    start = time.perf_counter()
    work()  # type: ignore[operator]
    return time.perf_counter() - start


# -- the property: an accepted file never yields min > max ---------------------------


TIMES = st.sampled_from(["00:00", "02:30", "06:00", "08:00", "12:00", "20:00", "22:00", "24:00"])
DAYS = st.sampled_from(["mon-fri", "sat,sun", "daily", "fri", "sun", "fri-mon"])
COUNT = st.one_of(st.none(), st.integers(0, 6))


@st.composite
def files(draw: st.DrawFn) -> str:
    zone = draw(st.sampled_from(["Europe/Berlin", "America/New_York", "UTC"]))
    base_max = draw(COUNT)
    lines = [f"timezone: {zone}", "holidays: {dates: [2026-03-27]}", "functions:", "  acme/w:"]
    lines.append(f"    min: {draw(st.integers(0, 6))}")
    if base_max is not None:
        lines.append(f"    max: {base_max}")
    lines.append("    windows:")
    for _ in range(draw(st.integers(0, 5))):
        when = (
            f"date: 2026-03-{draw(st.integers(26, 30))}"
            if draw(st.booleans())
            else f"days: '{draw(DAYS)}'"
        )
        start = draw(TIMES.filter(lambda t: t != "24:00"))
        low, high = draw(COUNT), draw(COUNT)
        if low is None and high is None:
            low = 0
        bounds = "".join(
            f", {name}: {value}"
            for name, value in (("min", low), ("max", high))
            if value is not None
        )
        lines.append(f"      - {{{when}, from: '{start}', to: '{draw(TIMES)}'{bounds}}}")
    if draw(st.booleans()):
        low, high = draw(st.integers(0, 6)), draw(st.integers(0, 6))
        lines.append(f"    override: {{min: {low}, max: {high}, until: 2026-03-28T12:00}}")
    return "\n".join(lines) + "\n"


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(files(), st.integers(0, 9 * 24 * 4))
def test_an_accepted_file_never_gives_min_above_max(text: str, quarter_hours: int) -> None:
    try:
        s = parse_schedule(text, "f.yml")
    except ScheduleErrors:
        return
    now = datetime(2026, 3, 24, tzinfo=UTC) + timedelta(minutes=15 * quarter_hours)
    o = evaluate(s, now)[0]
    everything = [o.in_effect.bounds, *(c.bounds for c in o.changes)]
    if o.previous is not None:
        everything.append(o.previous.bounds)
    for bounds in everything:
        assert bounds.max is None or bounds.min <= bounds.max, (text, now, bounds)


def test_the_outlook_of_one_function_matches_evaluate() -> None:
    s = schedule(OVERRIDDEN)
    now = local(BERLIN, 2026, 12, 1, 9, 0)
    assert outlook(s, s.functions[0], now) == evaluate(s, now)[0]
