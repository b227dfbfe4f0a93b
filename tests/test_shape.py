"""Sieve's answers checked against the models (sieve_action/shape.py): what is taken,
what is refused and how the refusal says where, and what goes back out as JSON."""

from __future__ import annotations

from typing import Any

import pytest

from sieve_action.api.models import DetailedUsage, Job, Version, VersionList, WorkerCounts
from sieve_action.api.shape import ShapeError, documented, dump, load

ID = "41b83e76-0a13-4d96-b0a0-7cd62c9977c3"


def version(**fields: Any) -> dict[str, Any]:
    return {"id": ID, "build_status": "ready", **fields}


def test_a_version_keeps_every_field_sieve_sent() -> None:
    data = version(
        minimum_replicas=2.0,
        current_workers={"idle": 1, "active": None, "new_state": 3},
        python_packages=["torch"],
    )
    loaded = load(Version, data)
    assert loaded.minimum_replicas == 2 and isinstance(loaded.minimum_replicas, int)
    assert loaded.maximum_replicas == 0  # the document's default when absent
    assert loaded.current_workers == WorkerCounts(idle=1)
    assert loaded.current_workers is not None and loaded.current_workers.warm == 1
    # Out again as it came, with the checked values (2.0 is a count, 2).
    assert dump(loaded) == {**data, "minimum_replicas": 2}
    assert list(dump(loaded)) == list(data)


def test_only_the_documented_fields_with_their_defaults() -> None:
    loaded = load(Version, version(python_packages=["torch"] * 3))
    assert documented(loaded) == {
        "id": ID,
        "build_status": "ready",
        "queued_at": None,
        "built_at": None,
        "ready_at": None,
        "minimum_replicas": 0,
        "maximum_replicas": 0,
        "current_workers": None,
        "compute_type": None,
    }


def test_an_empty_object_stays_empty() -> None:
    loaded = load(Version, version(current_workers={}))
    assert loaded.current_workers == WorkerCounts()
    assert dump(loaded)["current_workers"] == {}


def test_a_model_made_here_dumps_its_fields() -> None:
    assert dump(Version(id="v1", build_status="queued", maximum_replicas=None))["id"] == "v1"
    assert dump(WorkerCounts(idle=2)) == {
        "starting": None,
        "setup": None,
        "active": None,
        "idle": 2,
        "awaiting_resources": None,
    }


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"items": [1, 2, 3]}, "id: missing"),
        ([version()], "body: must be an object"),
        (version(id=""), "id: must be at least 1 characters long"),
        (version(id="x" * 257), "id: must be at most 256 characters long"),
        (version(id=7), "id: must be a string"),
        (version(build_status=None), "build_status: must not be null"),
        (version(minimum_replicas="2"), "minimum_replicas: must be an integer"),
        (version(minimum_replicas=True), "minimum_replicas: must be an integer"),
        (version(minimum_replicas=1.5), "minimum_replicas: must be an integer"),
        (version(minimum_replicas=None), "minimum_replicas: must not be null"),
        (version(current_workers=[]), "current_workers: must be an object"),
        (version(current_workers={"idle": "1"}), "current_workers.idle: must be an integer"),
    ],
)
def test_a_version_of_the_wrong_shape_says_where(data: Any, message: str) -> None:
    with pytest.raises(ShapeError) as caught:
        load(Version, data)
    assert str(caught.value) == message


def test_a_list_of_versions_is_a_json_array() -> None:
    loaded = load(VersionList, [version(), version(id="v2")])
    assert [item.id for item in loaded.root] == [ID, "v2"]
    with pytest.raises(ShapeError, match=r"^1\.id: missing$"):
        load(VersionList, [version(), {}])
    with pytest.raises(ShapeError, match=r"^body: must be an array$"):
        load(VersionList, version())


def test_numbers_booleans_and_free_values() -> None:
    assert load(DetailedUsage, {"total_cost_dollars": 1}).total_cost_dollars == 1.0
    with pytest.raises(ShapeError, match="total_cost_dollars: must be a number"):
        load(DetailedUsage, {"total_cost_dollars": "1"})
    with pytest.raises(ShapeError, match="total_cost_dollars: must be a number"):
        load(DetailedUsage, {"total_cost_dollars": False})
    job = load(Job, {"id": "j", "status": "finished", "outputs": [{"a": [1]}, None]})
    assert job.outputs == [{"a": [1]}, None] and job.error is None and job.ended
    assert load(Job, {"id": "j", "status": "queued"}).outputs == []
    with pytest.raises(ShapeError, match="outputs: must be an array"):
        load(Job, {"id": "j", "status": "queued", "outputs": {}})
