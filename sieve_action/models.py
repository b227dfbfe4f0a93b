"""Sieve's objects, as its OpenAPI document (``spec/sieve-openapi.json``) describes them.

Only the fields this project reads are typed; every other field, documented or not, is
kept verbatim (``extra="allow"``) so that the ``version`` output can hand the whole
object on. Sieve is a FastAPI service that may add fields at any time, so unknown
fields are never an error.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field, RootModel

#: The documented values of ``Version.build_status``. The schema types it as a plain
#: string, so any other value is possible and counts as "still in progress".
BUILD_STATUSES = frozenset({"queued", "building", "pushing", "deploying", "ready", "error"})
#: The longest version ID accepted from Sieve. Its IDs are UUIDs (36 characters) and the
#: document allows any string; a huge one would only break the URL of the next request.
MAX_VERSION_ID = 256


class WorkerCounts(BaseModel):
    """``WorkerCounts``: workers of a version by state; every count may be null."""

    model_config = ConfigDict(extra="allow", frozen=True)

    starting: int | None = None
    setup: int | None = None
    active: int | None = None
    idle: int | None = None
    awaiting_resources: int | None = None

    @property
    def warm(self) -> int:
        """Workers that can take a job now: idle plus active."""
        return (self.idle or 0) + (self.active or 0)


class Version(BaseModel):
    """``Version``: one deploy of a function, with its replica bounds and build state.

    ``minimum_replicas`` defaults to 0 and ``maximum_replicas`` is nullable, as in the
    document. Timestamps stay strings: Sieve writes them in UTC without a zone suffix,
    and the action only passes them on.
    """

    model_config = ConfigDict(extra="allow", frozen=True)

    #: Goes into URL paths (one quoted segment): an empty or huge ID is not a Version.
    id: str = Field(min_length=1, max_length=MAX_VERSION_ID)
    build_status: str
    queued_at: str | None = None
    built_at: str | None = None
    ready_at: str | None = None
    minimum_replicas: int = 0
    maximum_replicas: int | None = 0
    current_workers: WorkerCounts | None = None


class EditFunctionVersionRequest(BaseModel):
    """``EditFunctionVersionRequest``: only the fields set are sent."""

    minimum_replicas: int | None = None
    maximum_replicas: int | None = None

    def body(self) -> dict[str, Any]:
        return self.model_dump(exclude_unset=True)


#: Models that only a smoke test or retiring reads: built on first use, not at
#: import, so a plain run does not pay for them.
_ON_FIRST_USE = ConfigDict(extra="allow", frozen=True, defer_build=True)


class VersionList(RootModel[list[Version]]):
    """``get_function_versions``: one page of versions, newest first."""

    model_config = ConfigDict(defer_build=True)


#: How a job can end (``Job.status``); ``queued`` and ``processing`` are on the way.
JOB_ENDINGS = frozenset({"finished", "error", "cancelled"})


class PushRequest(BaseModel):
    """``PushRequest``: one job for one version (``owner/name:version``)."""

    model_config = ConfigDict(defer_build=True)

    function: str
    inputs: dict[str, Any] | list[Any]


class PushResponse(BaseModel):
    """``PushResponse``: the new job; only its ID and status are read."""

    model_config = _ON_FIRST_USE

    id: str = Field(min_length=1, max_length=MAX_VERSION_ID)
    status: str


class Job(BaseModel):
    """``Job``: a job's state. Its outputs are counted, never shown (they can be large or
    sensitive); its error is shown cut short, once the key is scrubbed from it."""

    model_config = _ON_FIRST_USE

    id: str = Field(min_length=1, max_length=MAX_VERSION_ID)
    status: str
    error: str | None = None
    outputs: list[Any] = Field(default_factory=list)

    @property
    def ended(self) -> bool:
        return self.status in JOB_ENDINGS


class StatusResponse(BaseModel):
    """``StatusResponse``: what ``cancel_job`` answers."""

    model_config = _ON_FIRST_USE

    message: str = ""


class DetailedUsage(BaseModel):
    """``DetailedUsage``: a version's cost over a time window (only the total is read)."""

    model_config = _ON_FIRST_USE

    total_cost_dollars: float


class JobCost(BaseModel):
    """``JobCostResponse``: what one job cost (only the cost is read)."""

    model_config = _ON_FIRST_USE

    cost: float
