"""The step's scaling in the test's own process, for tests that look at the run records
(and inject a transport or a clock) rather than at a step's files."""

from __future__ import annotations

import httpx

from sieve_action.api.policy import RetryPolicy
from sieve_action.console import Console
from sieve_action.contract.inputs import Inputs
from sieve_action.driver import client_for, scale_targets
from sieve_action.scaling.record import TargetRun
from sieve_action.scaling.waiting import Clock


def scale_in_process(
    inputs: Inputs,
    console: Console,
    *,
    policy: RetryPolicy | None = None,
    clock: Clock | None = None,
    transport: httpx.BaseTransport | None = None,
) -> list[TargetRun]:
    """The step's scaling in this process, signals handled as the driver does: for tests
    that look at the records rather than at a step's files."""
    client = client_for(inputs, console, environ={}, policy=policy, transport=transport)
    with client:
        runs, _ = scale_targets(inputs, client, console, clock)
    return runs
