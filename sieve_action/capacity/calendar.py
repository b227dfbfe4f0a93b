"""The calendar a capacity schedule runs on: IANA zones read from the ``tzdata`` package,
wall-clock times turned into instants across daylight-saving changes, and holidays.

Zones come from ``tzdata`` explicitly (not the system's files), so a run gives the same
answer whatever the base image holds. ``holidays`` is imported only when a file names a
country: importing it loads every country's module (docs/capacity.md has the figures).
"""

from __future__ import annotations

import importlib.resources
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

#: Minutes in a day; a wall-clock time is minutes after local midnight (1440: the next one).
DAY = 1440


@dataclass(frozen=True)
class Holidays:
    """The days on which weekday windows do not apply: a country's public holidays (from
    the ``holidays`` library, optionally one subdivision's) plus dates of the file's own."""

    country: str | None = None
    subdivision: str | None = None
    dates: frozenset[date] = frozenset()


def zone_names() -> frozenset[str]:
    """Every zone the ``tzdata`` package ships, from its own list."""
    text = importlib.resources.files("tzdata").joinpath("zones").read_text(encoding="utf-8")
    return frozenset(text.split())


def load_zone(name: str) -> ZoneInfo:
    """The zone ``name`` read from the ``tzdata`` package; KeyError when it has none."""
    if name not in zone_names():
        raise KeyError(name)
    resource = importlib.resources.files("tzdata.zoneinfo")
    for part in name.split("/"):
        resource = resource.joinpath(part)
    with resource.open("rb") as data:
        return ZoneInfo.from_file(data, key=name)


def instant(day: date, minute: int, zone: ZoneInfo) -> datetime:
    """The UTC instant at which the wall clock of ``zone`` shows ``minute`` (after midnight;
    1440 is the next midnight) on ``day``. A time that does not exist that day (spring
    forward) is the first instant after the gap; a time that occurs twice (fall back) is
    its first occurrence."""
    day, minute = day + timedelta(days=minute // DAY), minute % DAY
    wall = datetime.combine(day, time(minute // 60, minute % 60), tzinfo=zone)
    # fold=0 (the default) is the first occurrence of a repeated time.
    first = wall.astimezone(UTC)
    if first.astimezone(zone).replace(tzinfo=None) == wall.replace(tzinfo=None):
        return first
    # In a gap: fold=0 reads the wall time with the offset from before the change (an
    # instant after the change), fold=1 with the offset after it (an instant before).
    # The change lies between the two; find its first second.
    low = int(wall.replace(fold=1).astimezone(UTC).timestamp())
    high = int(first.timestamp())
    after = first.astimezone(zone).utcoffset()
    while high - low > 1:
        middle = (low + high) // 2
        if datetime.fromtimestamp(middle, zone).utcoffset() == after:
            high = middle
        else:
            low = middle
    return datetime.fromtimestamp(high, UTC)


def subdivisions(country: str) -> tuple[str, ...] | None:
    """The subdivisions ``holidays`` knows for ``country``, or None for an unknown country."""
    import holidays  # heavy (every country's module): only when a file names one

    found = holidays.list_supported_countries().get(country)
    return None if found is None else tuple(found)


def holiday_dates(holidays: Holidays, years: Iterable[int]) -> dict[date, str]:
    """Every holiday of ``holidays`` in ``years``, with its name: the country's public
    ones (``Christmas Day``) and the file's own dates."""
    days = dict.fromkeys(holidays.dates, "a date in the file's `holidays.dates`")
    if holidays.country is not None:
        import holidays as library  # see subdivisions()

        # Named in English whatever the runner's locale (the library reads the locale).
        calendar = library.country_holidays(
            holidays.country,
            subdiv=holidays.subdivision,
            years=sorted(set(years)),
            language="en_US",
        )
        days.update({day: str(name) for day, name in calendar.items()})
    return days
