"""Sieve's objects, as its OpenAPI document (``spec/sieve-openapi.json``) describes them.

Only the fields this project reads are typed; every other field, documented or not, is
kept verbatim in ``raw`` (the object as Sieve sent it) so that the ``version`` output
can hand the whole object on. Sieve is a FastAPI service that may add fields at any
time, so unknown fields are never an error. :func:`sieve_action.shape.load` checks an
answer against these; ``max_length`` bounds a string field.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from typing import Any, TypeGuard

#: The documented values of ``Version.build_status``. The schema types it as a plain
#: string, so any other value is possible and counts as "still in progress".
BUILD_STATUSES = frozenset({"queued", "building", "pushing", "deploying", "ready", "error"})
#: The longest version ID accepted from Sieve. Its IDs are UUIDs (36 characters) and the
#: document allows any string; a huge one would only break the URL of the next request.
MAX_VERSION_ID = 256


#: A version or job ID goes into URL paths (one quoted segment): never empty or huge.
_ID: Mapping[str, int] = {"min_length": 1, "max_length": MAX_VERSION_ID}


def _raw() -> Any:
    """The field ``raw``: the object as Sieve sent it, every field kept (None for a model
    made here); not part of the model's equality."""
    return field(default=None, repr=False, compare=False)


@dataclass(frozen=True)
class WorkerCounts:
    """``WorkerCounts``: workers of a version by state; every count may be null."""

    starting: int | None = None
    setup: int | None = None
    active: int | None = None
    idle: int | None = None
    awaiting_resources: int | None = None
    raw: Mapping[str, Any] | None = _raw()

    @property
    def warm(self) -> int:
        """Workers that can take a job now: idle plus active."""
        return (self.idle or 0) + (self.active or 0)


@dataclass(frozen=True)
class Version:
    """``Version``: one deploy of a function, with its replica bounds and build state.

    ``minimum_replicas`` defaults to 0 and ``maximum_replicas`` is nullable, as in the
    document. Timestamps stay strings: Sieve writes them in UTC without a zone suffix,
    and the action only passes them on.
    """

    id: str = field(metadata=_ID)
    build_status: str
    queued_at: str | None = None
    built_at: str | None = None
    ready_at: str | None = None
    minimum_replicas: int = 0
    maximum_replicas: int | None = 0
    current_workers: WorkerCounts | None = None
    #: The machine type it runs on (``a100``, ``l4``, ``cpu``), as Sieve names it.
    compute_type: str | None = None
    raw: Mapping[str, Any] | None = _raw()


@dataclass(frozen=True)
class EditFunctionVersionRequest:
    """``EditFunctionVersionRequest``: only the bounds given (not None) are sent."""

    minimum_replicas: int | None = None
    maximum_replicas: int | None = None

    def body(self) -> dict[str, Any]:
        return {name: value for name, value in asdict(self).items() if value is not None}


@dataclass(frozen=True)
class VersionList:
    """``get_function_versions``: one page of versions, newest first (a JSON array)."""

    root: list[Version]


#: How a job can end (``Job.status``); ``queued`` and ``processing`` are on the way.
JOB_ENDINGS = frozenset({"finished", "error", "cancelled"})


@dataclass(frozen=True)
class PushRequest:
    """``PushRequest``: one job for one version (``owner/name:version``)."""

    function: str
    #: The job's inputs: a JSON object (or, for some functions, an array).
    inputs: Any

    def body(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class PushResponse:
    """``PushResponse``: the new job; only its ID and status are read."""

    id: str = field(metadata=_ID)
    status: str


@dataclass(frozen=True)
class Job:
    """``Job``: a job's state. Its outputs are counted, never shown (they can be large or
    sensitive); its error is shown cut short, once the key is scrubbed from it."""

    id: str = field(metadata=_ID)
    status: str
    error: str | None = None
    outputs: list[Any] = field(default_factory=list)
    raw: Mapping[str, Any] | None = _raw()

    @property
    def ended(self) -> bool:
        return self.status in JOB_ENDINGS


@dataclass(frozen=True)
class StatusResponse:
    """``StatusResponse``: what ``cancel_job`` answers."""

    message: str = ""


@dataclass(frozen=True)
class DetailedUsage:
    """``DetailedUsage``: a version's cost over a time window and the compute seconds it
    was billed for, in all and by machine type (one optional field per type, ``a100``,
    ``l4``, ``cpu``…, each a ``MachineTypeUsage``: read from ``raw`` by :meth:`of`)."""

    total_cost_dollars: float
    total_compute_seconds: float = 0.0
    raw: Mapping[str, Any] | None = _raw()

    def of(self, machine: str) -> tuple[float, float] | None:
        """The dollars and compute seconds billed on one machine type, when Sieve gives
        them as numbers."""
        entry = (self.raw or {}).get(machine)
        if not isinstance(entry, Mapping):
            return None
        cost, seconds = entry.get("cost_dollars"), entry.get("compute_seconds")
        if not (_number(cost) and _number(seconds)):
            return None
        return float(cost), float(seconds)


def _number(value: object) -> TypeGuard[float]:
    return isinstance(value, int | float) and not isinstance(value, bool)


@dataclass(frozen=True)
class JobCost:
    """``JobCostResponse``: what one job cost (only the cost is read)."""

    cost: float
