"""The capacity file's value syntax: days (``mon-fri``, ``sat,sun``, ``daily``), wall-clock
times (``HH:MM``) and dates (``YYYY-MM-DD``), each read to a value or None when bad."""

from __future__ import annotations

import re
from datetime import date

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
TIME = re.compile(r"([0-9]{2}):([0-9]{2})")
_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")


def parse_date(text: str) -> date | None:
    if not _DATE.fullmatch(text):
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        return None


def parse_minute(text: str, allow_midnight: bool) -> int | None:
    """Minutes after midnight of ``HH:MM``; 24:00 (1440) only if allowed; None if bad."""
    match = TIME.fullmatch(text)
    if match is None:
        return None
    hours, minutes = int(match[1]), int(match[2])
    if (hours < 24 and minutes < 60) or (allow_midnight and (hours, minutes) == (24, 0)):
        return hours * 60 + minutes
    return None


def clock(minute: int) -> str:
    return f"{minute // 60:02}:{minute % 60:02}"


def parse_days(text: str) -> frozenset[int] | None:
    """Weekdays (0 is Monday) of ``mon-fri``, ``sat,sun``, ``fri-mon``, ``daily``; None if bad."""
    words = text.lower().replace(" ", "")
    if words == "daily":
        return frozenset(range(7))
    days: set[int] = set()
    for part in words.split(","):
        first, dash, last = part.partition("-")
        if first not in WEEKDAYS or (dash and last not in WEEKDAYS):
            return None
        day, stop = WEEKDAYS.index(first), WEEKDAYS.index(last if dash else first)
        days.add(day)
        while day != stop:  # a range may wrap past Sunday: fri-mon
            day = (day + 1) % 7
            days.add(day)
    return frozenset(days)
