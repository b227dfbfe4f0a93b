"""Deciding the edit: nothing when the bounds hold, only the fields that change, and a
conflict (asking to set both) when one new bound contradicts the other's current value."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from sieve_action.api.models import Version
from sieve_action.api.shape import load
from sieve_action.contract.targets import Target
from sieve_action.errors import BoundsConflict
from sieve_action.scaling.edit import edit_for


def target(low: int | None = None, high: int | None = None) -> Target:
    return Target("acme", "whisper", "latest", low, high)


def current(low: int = 0, high: int | None = 1) -> Version:
    return Version(id="v1", build_status="ready", minimum_replicas=low, maximum_replicas=high)


@pytest.mark.parametrize(
    ("asked", "now"),
    [
        ((None, None), (0, 1)),
        ((0, 1), (0, 1)),
        ((0, None), (0, 1)),
        ((None, 1), (0, 1)),
        ((2, None), (2, None)),
        ((3, 3), (3, 3)),
    ],
)
def test_no_edit_when_the_bounds_already_hold(
    asked: tuple[int | None, int | None], now: tuple[int, int | None]
) -> None:
    edit = edit_for(target(*asked), current(*now))
    assert edit.request is None
    assert edit.changes is False
    assert (edit.min_replicas, edit.max_replicas) == now


@pytest.mark.parametrize(
    ("asked", "now", "body", "after"),
    [
        ((1, None), (0, 1), {"minimum_replicas": 1}, (1, 1)),
        ((None, 5), (0, 1), {"maximum_replicas": 5}, (0, 5)),
        ((1, 3), (0, 1), {"minimum_replicas": 1, "maximum_replicas": 3}, (1, 3)),
        ((0, 3), (0, 1), {"maximum_replicas": 3}, (0, 3)),  # min already 0: not sent
        ((4, 4), (1, 4), {"minimum_replicas": 4}, (4, 4)),
        ((0, 0), (2, 5), {"minimum_replicas": 0, "maximum_replicas": 0}, (0, 0)),
        ((5, 6), (1, 2), {"minimum_replicas": 5, "maximum_replicas": 6}, (5, 6)),
    ],
)
def test_the_edit_holds_only_the_fields_that_change(
    asked: tuple[int | None, int | None],
    now: tuple[int, int | None],
    body: dict[str, int],
    after: tuple[int, int | None],
) -> None:
    edit = edit_for(target(*asked), current(*now))
    assert edit.request is not None and edit.changes
    assert edit.request.body() == body
    assert (edit.min_replicas, edit.max_replicas) == after


def test_a_new_minimum_above_the_current_maximum_asks_to_set_both() -> None:
    with pytest.raises(BoundsConflict) as caught:
        edit_for(target(3, None), current(0, 1))
    message = str(caught.value)
    assert "set both" in message
    assert "acme/whisper@latest" in message
    assert "new minimum 3" in message and "current maximum 1" in message
    assert "min-replicas: 3 and max-replicas: 3" in message


def test_a_new_maximum_below_the_current_minimum_asks_to_set_both() -> None:
    with pytest.raises(BoundsConflict) as caught:
        edit_for(target(None, 1), current(4, 10))
    message = str(caught.value)
    assert "set both" in message
    assert "new maximum 1" in message and "current minimum 4" in message
    assert "min-replicas: 1 and max-replicas: 1" in message


def test_a_new_maximum_of_zero_below_the_current_minimum_conflicts() -> None:
    with pytest.raises(BoundsConflict, match="set both"):
        edit_for(target(None, 0), current(1, 3))


def test_a_maximum_of_zero_sent_by_sieve_conflicts_with_a_new_minimum() -> None:
    with pytest.raises(BoundsConflict, match="set both"):
        edit_for(target(1, None), current(0, 0))


def test_giving_both_bounds_resolves_the_conflict() -> None:
    edit = edit_for(target(3, 3), current(0, 1))
    assert edit.request is not None
    assert edit.request.body() == {"minimum_replicas": 3, "maximum_replicas": 3}


@pytest.mark.parametrize("low", [0, 1, 50, 2**31 - 1])
def test_a_null_current_maximum_never_conflicts(low: int) -> None:
    edit = edit_for(target(low, None), current(0, None))
    assert edit.max_replicas is None
    assert edit.min_replicas == low
    if low == 0:
        assert edit.request is None
    else:
        assert edit.request is not None and edit.request.body() == {"minimum_replicas": low}


def test_a_version_without_maximum_replicas_takes_the_documented_default_of_zero() -> None:
    version = load(Version, {"id": "v1", "build_status": "ready"})
    assert (version.minimum_replicas, version.maximum_replicas) == (0, 0)
    assert edit_for(target(None, None), version).request is None


bound = st.integers(min_value=0, max_value=2**31 - 1)


@given(
    asked_min=st.none() | bound,
    asked_max=st.none() | bound,
    now_min=bound,
    now_max=st.none() | bound,
)
def test_edit_properties(
    asked_min: int | None, asked_max: int | None, now_min: int, now_max: int | None
) -> None:
    low = now_min if asked_min is None else asked_min
    high = now_max if asked_max is None else asked_max
    if high is not None and low > high:
        with pytest.raises(BoundsConflict, match="set both"):
            edit_for(target(asked_min, asked_max), current(now_min, now_max))
        return
    edit = edit_for(target(asked_min, asked_max), current(now_min, now_max))
    # The bounds after the edit hold.
    assert edit.max_replicas is None or edit.min_replicas <= edit.max_replicas
    body = edit.request.body() if edit.request else {}
    # Only fields that were asked for, and that differ from now, are sent.
    assert set(body) <= {"minimum_replicas", "maximum_replicas"}
    assert ("minimum_replicas" in body) == (asked_min is not None and asked_min != now_min)
    assert ("maximum_replicas" in body) == (asked_max is not None and asked_max != now_max)
    assert edit.min_replicas == body.get("minimum_replicas", now_min)
    assert edit.max_replicas == body.get("maximum_replicas", now_max)
