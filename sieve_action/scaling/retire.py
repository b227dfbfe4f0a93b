"""Retiring the versions a target replaces: their minimum replicas set to 0.

On Sieve each version keeps its own warm workers, and jobs go to the latest version, so
once a new version is ready the warm workers of earlier ones cost money for nothing.
Only versions *earlier* than the target are touched (they come after it in Sieve's
newest-first list): a version deployed while the step runs is never retired. Their
maximum is left as it is, so a job sent to one explicitly still runs.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

from ..api.client import SieveClient
from ..api.models import EditFunctionVersionRequest, Version
from ..contract.outputs import RetiredVersion
from ..contract.targets import Target
from ..errors import SieveError

#: Versions asked for per page, and the most pages read (a function with more than
#: 2,500 versions has its oldest left alone).
PAGE = 50
MAX_PAGES = 50
#: The window of past cost shown for a version retired.
COST_WINDOW = 24 * 3600.0


@dataclass(frozen=True)
class Retired(RetiredVersion):
    """One earlier version retired (or, in a dry run, that would be): the ``retired``
    output's item, and what the summary adds to it."""

    #: What it cost over the last :data:`COST_WINDOW` seconds, when Sieve says.
    cost_dollars: float | None = None
    #: Why it is listed without having been retired (it disappeared meanwhile).
    note: str | None = None


def earlier_versions(client: SieveClient, target: Target, version_id: str) -> list[Version]:
    """The function's versions older than ``version_id``, from Sieve's newest-first list.
    Empty if ``version_id`` is not in the list (nothing is known to be earlier)."""
    seen: dict[str, Version] = {}
    for page in range(MAX_PAGES):
        versions = client.list_versions(
            target.owner, target.function, limit=PAGE, offset=page * PAGE
        )
        for version in versions:
            seen.setdefault(version.id, version)  # a deploy meanwhile shifts the pages
        if len(versions) < PAGE:
            break
    ordered = list(seen.values())
    ids = [version.id for version in ordered]
    return ordered[ids.index(version_id) + 1 :] if version_id in ids else []


def retire_previous(
    client: SieveClient,
    target: Target,
    version_id: str,
    *,
    dry_run: bool,
    retired: list[Retired],
    log: Callable[[str], None] = lambda _: None,
    warn: Callable[[str], None] = lambda _: None,
) -> None:
    """Set the minimum of every earlier version with warm workers to 0, appending each to
    ``retired`` once Sieve's answer shows it done (so a failure half-way still reports
    what was). An answer that shows another minimum is a :class:`SieveError`."""
    warm = [v for v in earlier_versions(client, target, version_id) if v.minimum_replicas > 0]
    if not warm:
        log(f"{target.label}: no earlier version keeps warm replicas: none to retire")
        return
    end = time.time()
    costs = _Costs(client, target, end - COST_WINDOW, end, warn)
    for version in warm:
        note = None
        cost = costs.of(version.id)  # before the edit: what it cost at its old minimum
        if dry_run:
            log(f"{target.label}: dry run, would set version {version.id}'s minimum to 0")
        else:
            try:
                answer = client.edit_version(
                    target.owner,
                    target.function,
                    version.id,
                    EditFunctionVersionRequest(minimum_replicas=0),
                )
            except SieveError as error:
                if error.status != 404:
                    raise
                note = "deleted meanwhile: nothing to retire"
            else:
                if answer.minimum_replicas != 0:
                    # Sieve said yes but shows another minimum: it may still cost money.
                    raise SieveError(
                        f"`{target.label}`: Sieve accepted the edit retiring version "
                        f"{version.id} but answered minimum_replicas {answer.minimum_replicas} "
                        "(asked 0); check the version's replicas on Sieve"
                    )
            log(
                f"{target.label}: version {version.id} "
                + (note or f"retired: minimum {version.minimum_replicas} → 0")
            )
        retired.append(Retired(version.id, version.minimum_replicas, cost, note))


@dataclass
class _Costs:
    """Past cost per version, where Sieve says; one warning when it does not."""

    client: SieveClient
    target: Target
    start: float
    end: float
    warn: Callable[[str], None]
    refused: bool = False

    def of(self, version_id: str) -> float | None:
        if self.refused:
            return None
        try:
            usage = self.client.version_usage(
                self.target.owner, self.target.function, version_id, self.start, self.end
            )
        except SieveError as error:
            # Cost is shown when Sieve gives it; never a reason to fail the step.
            self.refused = error.status in {401, 403, 404}
            self.warn(
                f"`{self.target.label}`: the past cost of version {version_id} is not "
                f"shown: {error}"
            )
            return None
        return usage.total_cost_dollars
