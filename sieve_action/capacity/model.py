"""The capacity file's model: what a file says once it is read and checked.

Bounds, windows (on weekdays or on one date, in wall-clock minutes), an override, each
function version's schedule, and the schedule itself. Made by :mod:`.file`; read by
:mod:`.schedule`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from zoneinfo import ZoneInfo

from .calendar import Holidays


@dataclass(frozen=True)
class Bounds:
    """Replica bounds; ``max`` None leaves the version's max as it is."""

    min: int
    max: int | None

    def __str__(self) -> str:
        return f"min {self.min}, max {'unchanged' if self.max is None else self.max}"


@dataclass(frozen=True)
class Window:
    """A span of wall-clock time with bounds of its own: on weekdays (``days``) or on one
    ``date``. ``start`` and ``end`` are minutes after local midnight; an ``end`` at or
    before ``start`` is on the next day. A bound left out (None) comes from the baseline."""

    line: int
    days: frozenset[int]  # 0 is Monday; empty for a date window
    date: date | None
    start: int
    end: int
    min: int | None
    max: int | None
    label: str  # as the user reads it: "mon-fri 08:00–20:00"

    @property
    def overnight(self) -> bool:
        return self.end <= self.start

    def filled(self, baseline: Bounds) -> Bounds:
        """This window's bounds, with what it leaves out taken from the baseline."""
        return Bounds(
            baseline.min if self.min is None else self.min,
            baseline.max if self.max is None else self.max,
        )


@dataclass(frozen=True)
class Override:
    """Bounds that win over everything until ``until`` (UTC), written ``written`` (local)."""

    line: int
    bounds: Bounds
    until: datetime
    written: str  # "2026-12-02 18:00", in the file's zone


@dataclass(frozen=True)
class FunctionSchedule:
    """One function version's baseline, windows and override."""

    line: int
    name: str  # the key as written: owner/function[@version]
    owner: str
    function: str
    version: str
    baseline: Bounds
    windows: tuple[Window, ...] = ()
    override: Override | None = None
    #: Its compute type, when the file says (``a100``): which of ``prices.compute`` applies.
    compute: str | None = None

    @property
    def label(self) -> str:
        return f"{self.owner}/{self.function}@{self.version}"


@dataclass(frozen=True)
class Prices:
    """What a replica-hour costs, in dollars, as the file says: by compute type (as Sieve
    names them: ``a100``) and by function (folded ``owner``, ``function``). Only a review
    of the file's change reads them (:mod:`sieve_action.review`)."""

    compute: Mapping[str, float] = field(default_factory=dict)
    functions: Mapping[tuple[str, ...], float] = field(default_factory=dict)


@dataclass(frozen=True)
class Schedule:
    """A capacity file, read and checked."""

    file: str
    timezone: str
    zone: ZoneInfo = field(compare=False, repr=False)
    holidays: Holidays
    functions: tuple[FunctionSchedule, ...]
    prices: Prices = field(default_factory=Prices)
