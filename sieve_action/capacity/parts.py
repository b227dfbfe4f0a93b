"""The capacity file's keys beside ``functions``: ``timezone``, ``holidays`` and ``prices``
(dollars per replica-hour, by compute type and by function, for the review of a change:
:mod:`sieve_action.review`). Read in the reader's one pass, their mistakes reported like
any other, through the few of the reader's helpers they need."""

from __future__ import annotations

import difflib
import re
from datetime import date
from typing import Protocol
from zoneinfo import ZoneInfo

import yaml

from ..contract.targets import folded
from .calendar import Holidays, load_zone, subdivisions
from .calendar import zone_names as _zone_names
from .model import Prices

#: A compute type as Sieve names one (``a100``, ``a100-20gb``, ``l4``, ``cpu``).
COMPUTE = re.compile(r"[a-z0-9][a-z0-9-]{0,31}")
COMPUTE_RULE = "must be a compute type as Sieve names it (a100, a100-20gb, l4, t4, cpu)"
#: Dollars per replica-hour: the most a price may be (far above any machine's).
MAX_PRICE = 1_000.0
_PRICE_KEYS = ("compute", "functions")
_HOLIDAY_KEYS = ("country", "subdivision", "dates")


class _Reader(Protocol):
    """What of the reader ``prices`` uses (:class:`.reader.Reader`)."""

    def quote(self, value: str) -> str: ...

    def fail(self, node: yaml.Node | int, key: str, rule: str) -> None: ...

    def mapping(
        self, node: yaml.Node, key: str, known: tuple[str, ...], what: str
    ) -> dict[str, tuple[yaml.Node, yaml.Node]] | None: ...

    def text(self, node: yaml.Node, key: str, what: str) -> str | None: ...

    def reference(
        self, name: str, key_node: yaml.Node, key: str, *, versioned: bool = True
    ) -> tuple[str, str, str | None] | None: ...

    def kind(self, node: yaml.Node) -> str: ...

    def date(self, node: yaml.Node, key: str) -> date | None: ...


def read_prices(reader: _Reader, node: yaml.Node) -> Prices:
    """``prices``: ``compute`` (compute type to dollars) and ``functions``
    (``owner/function`` to dollars), every mistake reported by ``reader``."""
    entries = reader.mapping(node, "prices", _PRICE_KEYS, "`compute` and `functions`") or {}
    compute: dict[str, float] = {}
    if "compute" in entries:
        listed = reader.mapping(entries["compute"][1], "prices.compute", (), "types to dollars")
        for name, (key_node, value) in (listed or {}).items():
            price = _price(reader, value, f"prices.compute.{name}")
            if not COMPUTE.fullmatch(name):
                reader.fail(key_node, f"prices.compute.{name}", COMPUTE_RULE)
            elif price is not None:
                compute[name] = price
    functions: dict[tuple[str, ...], float] = {}
    if "functions" in entries:
        what = "owner/function to dollars"
        listed = reader.mapping(entries["functions"][1], "prices.functions", (), what)
        for name, (key_node, value) in (listed or {}).items():
            key = f"prices.functions.{name}"
            price = _price(reader, value, key)
            reference = reader.reference(name, key_node, key, versioned=False)
            if reference is not None and price is not None:
                functions[folded(reference[0], reference[1])] = price
    return Prices(compute, functions)


def _price(reader: _Reader, node: yaml.Node, key: str) -> float | None:
    rule = f"must be dollars per replica-hour, a number from 0 to {MAX_PRICE:g} (3.40)"
    text = reader.text(node, key, rule)
    if text is None:
        return None
    try:
        price = float(text)
    except ValueError:
        price = -1.0
    if not 0 <= price <= MAX_PRICE:  # NaN too
        reader.fail(node, key, f"{rule}, got {reader.quote(text)}")
        return None
    return price


def read_timezone(reader: _Reader, node: yaml.Node) -> tuple[str, ZoneInfo] | None:
    """``timezone``: the zone's name and the zone, read from ``tzdata``."""
    name = reader.text(node, "timezone", "an IANA zone name such as Europe/Berlin")
    if name is None:
        return None
    try:
        zone = load_zone(name)
    except KeyError:
        names = _zone_names()
        close = [z for z in names if z.lower() == name.lower()]
        close = close or difflib.get_close_matches(name, sorted(names), n=1)
        hint = f" (did you mean {close[0]}?)" if close else ""
        reader.fail(
            node,
            "timezone",
            f"is not a known IANA time zone, got {reader.quote(name)}{hint}; "
            "write a name such as Europe/Berlin, America/New_York or UTC",
        )
        return None
    return name, zone


def read_holidays(reader: _Reader, node: yaml.Node) -> Holidays | None:
    """``holidays``: a country (and subdivision) the library knows, and dates."""
    entries = reader.mapping(node, "holidays", _HOLIDAY_KEYS, "`country`, `subdivision`, `dates`")
    if entries is None:
        return None
    country = subdivision = None
    if "country" in entries:
        value = entries["country"][1]
        code = reader.text(value, "holidays.country", "a country code such as DE or US")
        known = None if code is None else subdivisions(code.upper())
        if code is not None and known is None:
            reader.fail(
                value,
                "holidays.country",
                f"is not a country the `holidays` library knows, got {reader.quote(code)}; "
                "write an ISO 3166-1 alpha-2 code such as DE, FR or US",
            )
        elif code is not None:
            country = code.upper()
        if "subdivision" in entries and country is not None and known is not None:
            subdivision = _subdivision(reader, entries["subdivision"][1], country, known)
    elif "subdivision" in entries:
        reader.fail(entries["subdivision"][0], "holidays.subdivision", "needs a `country`")
    dates: set[date] = set()
    if "dates" in entries:
        value = entries["dates"][1]
        if not isinstance(value, yaml.SequenceNode):
            reader.fail(
                value, "holidays.dates", f"must be a list of dates, got {reader.kind(value)}"
            )
        else:
            for index, item in enumerate(value.value):
                day = reader.date(item, f"holidays.dates[{index}]")
                if day is not None:
                    dates.add(day)
    return Holidays(country, subdivision, frozenset(dates))


def _subdivision(
    reader: _Reader, node: yaml.Node, country: str, known: tuple[str, ...]
) -> str | None:
    code = reader.text(node, "holidays.subdivision", "a subdivision code such as BY")
    if code is None:
        return None
    by_case = {k.lower(): k for k in known}
    if code.lower() in by_case:
        return by_case[code.lower()]
    listed = ", ".join(known) if known else "none"
    reader.fail(
        node,
        "holidays.subdivision",
        f"is not a subdivision of {country} the `holidays` library knows, got "
        f"{reader.quote(code)}; known: {listed}",
    )
    return None
