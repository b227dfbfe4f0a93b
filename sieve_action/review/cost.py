"""What a replica-hour of each function costs, and how that was found: from the capacity
file's ``prices`` (by function, then by compute type), else, with a key, estimated from
what Sieve billed the live version over the last week (on its compute type, when Sieve
says). A cost shown is always
said with where its rate came from; a function with no rate has none shown.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass

from ..capacity.model import Schedule
from ..contract.targets import folded
from .change import Change, FunctionChange

#: The window of past usage an estimate reads.
USAGE_DAYS = 7


@dataclass(frozen=True)
class Rate:
    """Dollars per replica-hour, and where that came from, in words."""

    dollars: float
    source: str


#: Reads Sieve's usage of a function (by its label) into a rate, or None (no key, no
#: usage, or Sieve would not say).
Estimate = Callable[[FunctionChange], Rate | None]


def rates(
    change: Change, compute: Mapping[str, str], estimate: Estimate | None = None
) -> dict[str, Rate | None]:
    """Each function's rate, by label. ``compute``: the compute type Sieve gives each
    function's version (read with a key), used when the file does not say one."""
    files = [("the file's", change.head), ("the base's", change.base)]
    found: dict[str, Rate | None] = {}
    for function in change.functions:
        named = function.schedule
        rate = _by_function(files, folded(named.owner, named.function))
        machine = function.compute or compute.get(function.label)
        if rate is None and machine is not None:
            rate = _by_compute(files, machine)
        if rate is None and estimate is not None:
            rate = estimate(function)
        found[function.label] = rate
    return found


def _by_function(files: list[tuple[str, Schedule | None]], key: tuple[str, ...]) -> Rate | None:
    for whose, schedule in files:
        if schedule is not None and key in schedule.prices.functions:
            named = "/".join(key)
            return Rate(schedule.prices.functions[key], f"{whose} `prices.functions.{named}`")
    return None


def _by_compute(files: list[tuple[str, Schedule | None]], machine: str) -> Rate | None:
    for whose, schedule in files:
        if schedule is not None and machine in schedule.prices.compute:
            return Rate(schedule.prices.compute[machine], f"{whose} `prices.compute.{machine}`")
    return None


def from_usage(cost: float, seconds: float, *, machine: str | None = None) -> Rate | None:
    """A rate estimated from what Sieve billed the live version over the last week:
    ``cost`` dollars over ``seconds`` compute seconds (on ``machine``, when Sieve broke
    its usage down by type); None when there was no usage."""
    if seconds <= 0:
        return None
    hours = seconds / 3600
    on = f" on {machine}" if machine else ""
    return Rate(
        cost / hours,
        f"estimated from what Sieve billed the live version{on} over the last {USAGE_DAYS} "
        f"days (${cost:,.2f} over {hours:,.1f} compute-hours)",
    )


def money(hours: float, rate: Rate | None) -> float | None:
    return None if rate is None else hours * rate.dollars
