"""The analytics read model: the MRR ledger folded into one row per day and **slice**, so the
dashboard reads a few hundred rows instead of the ledger (docs/analytics.md, "Read model").

A slice is a combination of the three filters (plan, currency, country), each either a value or
``ALL``: the eight grouping sets of every movement are stored, so any filter reads exactly its
own rows and a customer is counted once per slice (a customer on two plans is one customer of
the unfiltered figures and one of each plan's).

Within a slice, a movement is classified on the **customer's MRR in that slice** (the rules of
``movements.classify``): unfiltered this is the ledger's ``customer_kind`` (ChartMogul's
customer-level movements); under a plan filter a subscription moving from plan A to plan B
leaves A (a churn or contraction of A's customer) and arrives on B (new, expansion or
reactivation there), as ChartMogul's plan segments count a plan switch.

**Reporting currency**: each movement is converted at the rate of its own day (UTC date of
``at``), rounded once (``ExchangeRates.convert``); a subscription's reporting MRR is the sum of
its converted movements, and that sum is what moves between slices. A currency with a movement
on a day without a rate is left out of every figure **as a whole** (never guessed, never
partly counted) and named in ``missing``, with its first day without a rate.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from functools import cache

from domain.analytics.exchange_rates import ExchangeRates, NoExchangeRate
from domain.analytics.ledger import LedgerMovement
from domain.analytics.movements import MovementKind, classify
from domain.shared.money import Currency, Money, Rounding

ALL = "*"  # a slice's "any value" of a filter
NO_COUNTRY = ""  # a customer without a country (matched by the unfiltered slices only)

Dims = tuple[str, str, str]  # plan code, currency, country
MASKS: tuple[tuple[bool, bool, bool], ...] = tuple(
    (p, c, k) for p in (False, True) for c in (False, True) for k in (False, True)
)


@cache
def slices_of(dims: Dims) -> tuple[Dims, ...]:
    """The eight slices a subscription with these values counts in (``MASKS`` order)."""
    return tuple(slice_of(dims, mask) for mask in MASKS)


def slice_of(dims: Dims, mask: tuple[bool, bool, bool]) -> Dims:
    return (
        dims[0] if mask[0] else ALL,
        dims[1] if mask[1] else ALL,
        dims[2] if mask[2] else ALL,
    )


@dataclass(slots=True)
class DayAggregate:
    """One day of one slice: the movements' sums by kind in minor units of the reporting
    currency (churn and contraction negative) and the changes of the counts."""

    day: date
    plan_code: str
    currency: str
    country: str
    new: int = 0
    expansion: int = 0
    contraction: int = 0
    churn: int = 0
    reactivation: int = 0
    customers: int = 0  # change of the customers with MRR > 0
    subscribers: int = 0  # change of the subscriptions with MRR > 0
    new_customers: int = 0
    churned_customers: int = 0
    reactivated_customers: int = 0
    movements: int = 0

    @property
    def net(self) -> int:
        return self.new + self.expansion + self.contraction + self.churn + self.reactivation

    def add(self, kind: MovementKind, amount: int) -> None:
        setattr(self, kind.value, getattr(self, kind.value) + amount)


@dataclass(frozen=True, slots=True)
class MissingRate:
    """A currency left out: its first day without a rate and how many movements need one."""

    currency: str
    first_day: date
    movements: int


@dataclass
class Folded:
    reporting_amounts: dict[int, int | None]  # ledger id -> converted amount (None: no rate)
    days: list[DayAggregate]
    missing: list[MissingRate]
    movements: int

    @property
    def plans(self) -> list[str]:
        return sorted({d.plan_code for d in self.days} - {ALL})

    @property
    def currencies(self) -> list[str]:
        return sorted({d.currency for d in self.days} - {ALL})

    @property
    def countries(self) -> list[str]:
        return sorted({d.country for d in self.days} - {ALL, NO_COUNTRY})


@dataclass
class _Sub:
    dims: Dims
    native: int = 0
    reporting: int = 0


@dataclass
class _State:
    subs: dict[str, _Sub] = field(default_factory=dict)
    customer_native: dict[tuple[Dims, str], int] = field(default_factory=dict)
    churned: set[tuple[Dims, str]] = field(default_factory=set)
    days: dict[tuple[date, Dims], DayAggregate] = field(default_factory=dict)

    def day(self, on: date, key: Dims) -> DayAggregate:
        found = self.days.get((on, key))
        if found is None:
            found = self.days[(on, key)] = DayAggregate(on, *key)
        return found


def convert_rows(
    rows: Iterable[LedgerMovement], rates: ExchangeRates, rounding: Rounding
) -> tuple[dict[int, int | None], list[MissingRate]]:
    """Each row's amount in the reporting currency on its day (None when no rate applies)."""
    out: dict[int, int | None] = {}
    missing: dict[str, tuple[date, int]] = {}
    cache: dict[str, Currency] = {}
    for row in rows:
        assert row.id is not None
        day = row.at.date()
        currency = cache.get(row.currency) or cache.setdefault(
            row.currency, Currency.of(row.currency)
        )
        try:
            out[row.id] = rates.convert(Money(row.amount_minor, currency), day, rounding).minor
        except NoExchangeRate:
            out[row.id] = None
            first, count = missing.get(row.currency, (day, 0))
            missing[row.currency] = (min(first, day), count + 1)
    gaps = [MissingRate(c, first, n) for c, (first, n) in sorted(missing.items())]
    return out, gaps


def fold(
    rows: list[LedgerMovement], rates: ExchangeRates, rounding: Rounding = Rounding.HALF_UP
) -> Folded:
    """The read model of the whole ledger (rows in ledger order)."""
    converted, missing = convert_rows(rows, rates, rounding)
    left_out = {m.currency for m in missing}
    state = _State()
    counted = 0
    for row in rows:
        if row.currency in left_out:
            continue
        assert row.id is not None
        amount = converted[row.id]
        assert amount is not None
        _fold_row(state, row, amount)
        counted += 1
    # by slice, then day: a slice's rows lie together on disk (a page reads few blocks)
    days = sorted(state.days.values(), key=lambda d: (d.plan_code, d.currency, d.country, d.day))
    return Folded(converted, [d for d in days if _moved(d)], missing, counted)


def _moved(d: DayAggregate) -> bool:
    return d.movements > 0


def _fold_row(state: _State, row: LedgerMovement, amount: int) -> None:
    dims: Dims = (row.plan_code, row.currency, row.country or NO_COUNTRY)
    sub = state.subs.get(row.subscription_id)
    before = sub or _Sub(dims)
    after = _Sub(dims, row.mrr_minor, before.reporting + amount)
    day = row.at.date()
    for key_before, key_after in zip(slices_of(before.dims), slices_of(dims), strict=True):
        if key_before == key_after:
            changes = [(key_after, before.native, after.native, after.reporting - before.reporting)]
        else:
            changes = [
                (key_before, before.native, 0, -before.reporting),
                (key_after, 0, after.native, after.reporting),
            ]
        for key, sub_before, sub_after, reporting in changes:
            if sub_before == sub_after:
                continue
            _move(state, state.day(day, key), key, row.customer_id, sub_before, sub_after,
                  reporting)  # fmt: skip
    state.subs[row.subscription_id] = after


def _move(
    state: _State, agg: DayAggregate, key: Dims, customer: str, sub_before: int, sub_after: int,
    reporting: int,
) -> None:  # fmt: skip
    who = (key, customer)
    customer_before = state.customer_native.get(who, 0)
    customer_after = customer_before + sub_after - sub_before
    state.customer_native[who] = customer_after
    kind = classify(customer_before, customer_after, churned_before=who in state.churned)
    if kind is None:  # cannot happen: one subscription moved, the customer's total moved
        raise AssertionError("a slice movement without a kind")
    agg.add(kind, reporting)
    agg.movements += 1
    if kind is MovementKind.CHURN:
        state.churned.add(who)
        agg.customers -= 1
        agg.churned_customers += 1
    elif kind is MovementKind.NEW:
        agg.customers += 1
        agg.new_customers += 1
    elif kind is MovementKind.REACTIVATION:
        agg.customers += 1
        agg.reactivated_customers += 1
    if sub_before == 0 and sub_after > 0:
        agg.subscribers += 1
    elif sub_before > 0 and sub_after == 0:
        agg.subscribers -= 1
