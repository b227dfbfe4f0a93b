"""What every target's work shares: Sieve, the inputs, time, and the log."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from ..api.client import SieveClient
from ..contract.inputs import Inputs
from .waiting import Clock


@dataclass(frozen=True)
class Context:
    """What every target's work shares: Sieve, the inputs, time, and the log."""

    client: SieveClient
    inputs: Inputs
    clock: Clock
    log: Callable[[str], None]
    #: Told of an unexpected error (a bug), to show it with its traceback.
    bug: Callable[[BaseException], object] = lambda _: None
