"""MRR movements: how a subscription's MRR changed, one movement per instant it changed at.

- ``new``: MRR goes from zero to above zero for the first time;
- ``expansion``: it goes up (from above zero);
- ``contraction``: it goes down and stays above zero;
- ``churn``: it goes to zero;
- ``reactivation``: it goes from zero to above zero after an earlier churn.

Several changes at one instant net into one movement (the value after the last of them against
the value before the instant); a net change of zero is no movement. Amounts are differences of
rounded values (``mrr.mrr``), so the movements always sum to the MRR after the last one.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum


class MovementKind(StrEnum):
    NEW = "new"
    EXPANSION = "expansion"
    CONTRACTION = "contraction"
    CHURN = "churn"
    REACTIVATION = "reactivation"


@dataclass(frozen=True, slots=True)
class MrrMovement:
    """A change of MRR at ``at``: ``amount`` is signed, ``mrr`` the value after it (both in
    minor units of the subscription's currency)."""

    at: datetime
    kind: MovementKind
    amount: int
    mrr: int


def classify(before: int, after: int, *, churned_before: bool) -> MovementKind | None:
    """The kind of a change from ``before`` to ``after`` (None when nothing changed).

    ``churned_before``: the subscription has had a churn earlier (a rise from zero is then a
    reactivation, else it is new)."""
    if after == before:
        return None
    if before == 0:
        return MovementKind.REACTIVATION if churned_before else MovementKind.NEW
    if after == 0:
        return MovementKind.CHURN
    return MovementKind.EXPANSION if after > before else MovementKind.CONTRACTION


def movements(observations: Iterable[tuple[datetime, int]]) -> list[MrrMovement]:
    """The movements of a subscription whose MRR was observed as ``(instant, value)`` pairs in
    time order, starting from zero (before it subscribed). Only the last value observed at an
    instant counts, so changes at one instant net into one movement."""
    settled: list[tuple[datetime, int]] = []
    for at, value in observations:
        if settled and at < settled[-1][0]:
            raise ValueError("MRR observations must be in time order")
        if settled and settled[-1][0] == at:
            settled[-1] = (at, value)
        else:
            settled.append((at, value))
    found: list[MrrMovement] = []
    current, churned = 0, False
    for at, value in settled:
        kind = classify(current, value, churned_before=churned)
        if kind is None:
            continue
        found.append(MrrMovement(at, kind, value - current, value))
        churned = churned or kind is MovementKind.CHURN
        current = value
    return found
