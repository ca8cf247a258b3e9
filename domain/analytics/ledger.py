"""The MRR movement ledger: one append-only row per change of a subscription's MRR, written in the
transaction of the change that moved it (``domain/subscriptions/mrr_ledger.py``) and rebuilt from
the subscriptions' stored history by ``python -m web.cli analytics rebuild``.

Each row carries two kinds (docs/analytics.md, "The ledger"):

- ``kind``: the subscription's own movement, exactly as the simulator prints it (``movements``);
- ``customer_kind``: the same change seen on the customer's total MRR, as ChartMogul classifies
  (a second subscription of a paying customer is an ``expansion``, cancelling one of two a
  ``contraction``); the dashboard's movements, churn and retention read this one.

Rows are ordered by ``id`` (the order they were written, one customer's changes in the order of
their transactions) and then ``at``. Amounts are minor units of the subscription's currency;
``reporting_amount_minor`` is the same amount in the reporting currency on the movement's day,
filled in by the analytics refresh when a rate for that day exists (``None`` until then).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from datetime import datetime

from domain.analytics.movements import MovementKind, classify


@dataclass(frozen=True, slots=True)
class Reading:
    """A subscription's MRR read at an instant, with its plan then (a churn keeps the plan it
    left)."""

    at: datetime
    mrr: int
    plan_code: str


@dataclass(frozen=True, slots=True)
class LedgerMovement:
    subscription_id: str
    customer_id: str
    at: datetime
    kind: MovementKind
    customer_kind: MovementKind
    amount_minor: int  # signed
    mrr_minor: int  # the subscription's MRR after it
    currency: str
    plan_code: str
    country: str | None  # the customer's country when it was recorded
    version: int  # the subscription history version whose transaction recorded it
    reporting_currency: str | None = None
    reporting_amount_minor: int | None = None
    id: int | None = None  # assigned when stored


@dataclass
class CustomerLedger:
    """Where a customer's ledger stands: each subscription's MRR and whether it ever churned,
    and whether the customer as a whole ever churned."""

    mrr: dict[str, int] = field(default_factory=dict)
    churned: set[str] = field(default_factory=set)
    customer_churned: bool = False

    @property
    def total(self) -> int:
        return sum(self.mrr.values())

    @classmethod
    def of(cls, rows: Iterable[LedgerMovement]) -> CustomerLedger:
        """From a customer's rows in ledger order."""
        state = cls()
        for row in rows:
            state._apply(row)
        return state

    def _apply(self, row: LedgerMovement) -> None:
        self.mrr[row.subscription_id] = row.mrr_minor
        if row.kind is MovementKind.CHURN:
            self.churned.add(row.subscription_id)
        if row.customer_kind is MovementKind.CHURN:
            self.customer_churned = True

    def record(
        self,
        readings: Iterable[Reading],
        *,
        subscription_id: str,
        customer_id: str,
        currency: str,
        country: str | None,
        version: int,
    ) -> list[LedgerMovement]:
        """The movements of one transaction's readings of one subscription (in time order; the
        readings at one instant net into one movement), applied to this state."""
        settled: list[Reading] = []
        for reading in readings:
            if settled and reading.at < settled[-1].at:
                raise ValueError("MRR readings must be in time order")
            if settled and settled[-1].at == reading.at:
                settled[-1] = reading
            else:
                settled.append(reading)
        rows: list[LedgerMovement] = []
        for reading in settled:
            before = self.mrr.get(subscription_id, 0)
            kind = classify(before, reading.mrr, churned_before=subscription_id in self.churned)
            if kind is None:
                continue
            customer_before = self.total
            customer_after = customer_before - before + reading.mrr
            customer_kind = classify(
                customer_before, customer_after, churned_before=self.customer_churned
            )
            # a customer's total can only stay put when another subscription moved the same
            # amount at once, which one subscription's change cannot; keep the kinds total
            assert customer_kind is not None
            row = LedgerMovement(
                subscription_id=subscription_id,
                customer_id=customer_id,
                at=reading.at,
                kind=kind,
                customer_kind=customer_kind,
                amount_minor=reading.mrr - before,
                mrr_minor=reading.mrr,
                currency=currency,
                plan_code=reading.plan_code,
                country=country,
                version=version,
            )
            self._apply(row)
            rows.append(row)
        return rows


def same_rows(a: Iterable[LedgerMovement], b: Iterable[LedgerMovement]) -> bool:
    """Whether two ledgers hold the same movements, each customer's in the same order (ids,
    reporting amounts and the interleaving of different customers aside: the rebuild writes
    customer by customer, the live ledger as changes happen)."""

    def by_customer(rows: Iterable[LedgerMovement]) -> dict[str, list[LedgerMovement]]:
        grouped: dict[str, list[LedgerMovement]] = {}
        for row in rows:
            grouped.setdefault(row.customer_id, []).append(
                replace(row, id=None, reporting_currency=None, reporting_amount_minor=None)
            )
        return grouped

    return by_customer(a) == by_customer(b)
