"""The edit a target needs: the bounds asked for, against the bounds a version has now.

Kept apart from the HTTP code so that "write only what changes" and the conflict rule
can be read, and tested, on their own.
"""

from __future__ import annotations

from dataclasses import dataclass

from ..api.models import EditFunctionVersionRequest, Version
from ..contract.targets import Target
from ..errors import BoundsConflict


def bound(value: int | None) -> str:
    """A bound as the log and the summary show it: a null maximum is "none"."""
    return "none" if value is None else str(value)


@dataclass(frozen=True)
class Edit:
    """The edit a target needs: the request to send (``None`` when the bounds already
    hold) and the bounds once it holds."""

    request: EditFunctionVersionRequest | None
    min_replicas: int
    max_replicas: int | None

    @property
    def changes(self) -> bool:
        return self.request is not None

    def unmet(self, answer: Version) -> str | None:
        """How Sieve's answer to the edit differs from the bounds asked, if it does."""
        if self.request is None:
            return None
        asked = self.request.body()
        shown = {
            "minimum_replicas": answer.minimum_replicas,
            "maximum_replicas": answer.maximum_replicas,
        }
        wrong = [
            f"{field} {shown[field]} (asked {value})"
            for field, value in asked.items()
            if shown[field] != value
        ]
        return ", ".join(wrong) or None


def edit_for(target: Target, current: Version) -> Edit:
    """Fields that differ from ``current``, or :class:`BoundsConflict`.

    A null ``maximum_replicas`` is taken to mean "no maximum" (the document does not
    say; see docs/assumptions.md), so it never conflicts with a new minimum.
    """
    new_min, new_max = target.min_replicas, target.max_replicas
    low = current.minimum_replicas if new_min is None else new_min
    high = current.maximum_replicas if new_max is None else new_max
    if high is not None and low > high:
        if new_min is not None:
            raise BoundsConflict(
                f"`{target.label}`: the new minimum {new_min} is above its current maximum {high}; "
                f"set both, e.g. min-replicas: {new_min} and max-replicas: {new_min}"
            )
        raise BoundsConflict(
            f"`{target.label}`: the new maximum {new_max} is below its current minimum {low}; "
            f"set both, e.g. min-replicas: {new_max} and max-replicas: {new_max}"
        )
    fields: dict[str, int] = {}
    if new_min is not None and new_min != current.minimum_replicas:
        fields["minimum_replicas"] = new_min
    if new_max is not None and new_max != current.maximum_replicas:
        fields["maximum_replicas"] = new_max
    request = EditFunctionVersionRequest(**fields) if fields else None
    return Edit(request, low, high)
