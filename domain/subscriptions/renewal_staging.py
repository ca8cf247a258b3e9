"""The staged unit of work of the set-based batch renewal (``renewal_bulk``): the repositories the
one-subscription renewal (``lifecycle.run_in``) uses, answering reads from what the batch loaded
in a few queries and keeping every write in memory for the batch to write in bulk.

Anything it does not hold (a credit note, a balance change, an entitlements refresh, an
invoice numbered at once, an event with a dedupe key...) raises ``NotStaged``: that
subscription's renewal is discarded and left to the one-subscription path of the same batch.
Reads it does not hold fall through to the batch's unit only where they are pure reads the
batch did not preload (plans and tax rates, cached by the unit for the transaction; the usage of
a subscription that has events)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from domain.analytics.ledger import LedgerMovement
from domain.billing.issued import IssuedInvoice
from domain.catalog.model import Plan
from domain.customers.model import Customer
from domain.jobs.model import JsonValue
from domain.outbound.events import OutboundEvent
from domain.pricing.tax_policy import JurisdictionRate
from domain.shared.ids import CustomerId, PlanId, SubscriptionId
from domain.subscriptions.history import SubscriptionVersion
from domain.subscriptions.model import Subscription, UsageRecord, UsageTotal
from domain.subscriptions.ports import SubscriptionsUnit


class NotStaged(Exception):
    """The renewal asked the staged unit for something only the one-subscription path does."""


@dataclass(frozen=True, slots=True)
class StagedJob:
    name: str
    unique_key: str | None
    run_at: datetime | None
    kwargs: dict[str, JsonValue]


@dataclass
class Writes:
    """What renewals staged: written by the batch in bulk, in this order per table."""

    invoices: list[IssuedInvoice] = field(default_factory=list)
    subscriptions: list[Subscription] = field(default_factory=list)
    history: list[SubscriptionVersion] = field(default_factory=list)
    movements: list[LedgerMovement] = field(default_factory=list)
    events: list[OutboundEvent] = field(default_factory=list)
    jobs: list[StagedJob] = field(default_factory=list)
    cycle_keys: list[str] = field(default_factory=list)  # checked free before anything is written

    def extend(self, other: Writes) -> None:
        self.invoices += other.invoices
        self.subscriptions += other.subscriptions
        self.history += other.history
        self.movements += other.movements
        self.events += other.events
        self.jobs += other.jobs
        self.cycle_keys += other.cycle_keys


@dataclass
class Loaded:
    """What the batch read in bulk, under its locks."""

    customers: dict[CustomerId, Customer]
    period_invoices: dict[str, IssuedInvoice]
    ledger: dict[str, list[LedgerMovement]]  # the stored rows, by customer
    with_usage: set[SubscriptionId]  # with events since the earliest period start of the batch


class _Refusing:
    """Every attribute not defined on the staged repository is one it does not hold."""

    def __getattr__(self, name: str) -> object:
        raise NotStaged(f"{type(self).__name__}.{name}")


class _Customers(_Refusing):
    def __init__(self, loaded: Loaded) -> None:
        self._loaded = loaded

    async def get(self, customer_id: CustomerId, *, lock: bool = False) -> Customer | None:
        customer = self._loaded.customers.get(customer_id)
        if customer is None:
            raise NotStaged("customer not loaded")
        return customer


class _Invoices(_Refusing):
    def __init__(self, loaded: Loaded, writes: Writes) -> None:
        self._loaded, self._writes = loaded, writes

    async def get(self, invoice_id: str) -> IssuedInvoice | None:
        invoice = self._loaded.period_invoices.get(invoice_id)
        if invoice is None:
            raise NotStaged("invoice not loaded")
        return invoice

    async def get_cycle_invoice(
        self, subscription_id: str, period_start: datetime
    ) -> IssuedInvoice | None:
        # none, as a rule (the period moves on with its invoice): the batch checks the keys in
        # one query before it writes, and sends a subscription whose key exists to its own path
        self._writes.cycle_keys.append(f"{subscription_id}:{period_start.isoformat()}")
        return None

    async def add(self, issued: IssuedInvoice) -> None:
        if issued.invoice.number:
            raise NotStaged("an invoice numbered at once")
        self._writes.invoices.append(issued)


class _Usage(_Refusing):
    def __init__(self, unit: SubscriptionsUnit, loaded: Loaded) -> None:
        self._unit, self._loaded = unit, loaded

    async def since(self, subscription_id: SubscriptionId, start: datetime) -> list[UsageRecord]:
        if subscription_id not in self._loaded.with_usage:
            return []
        return await self._unit.usage.since(subscription_id, start)

    async def totals(
        self, subscription_id: SubscriptionId, start: datetime, before: datetime
    ) -> list[UsageTotal]:
        if subscription_id not in self._loaded.with_usage:
            return []
        return await self._unit.usage.totals(subscription_id, start, before)


class _Subscriptions(_Refusing):
    def __init__(self, writes: Writes) -> None:
        self._writes = writes

    async def save(self, sub: Subscription) -> None:
        self._writes.subscriptions.append(sub)


class _History(_Refusing):
    def __init__(self, writes: Writes) -> None:
        self._writes = writes

    async def add(self, version: SubscriptionVersion) -> None:
        self._writes.history.append(version)


class _Ledger(_Refusing):
    def __init__(self, loaded: Loaded, batch: Writes, writes: Writes) -> None:
        self._loaded, self._batch, self._writes = loaded, batch, writes

    async def for_customer(self, customer_id: str) -> list[LedgerMovement]:
        staged = [*self._batch.movements, *self._writes.movements]
        mine = [m for m in staged if m.customer_id == customer_id]
        return [*self._loaded.ledger.get(customer_id, []), *mine]

    async def append(self, rows: list[LedgerMovement]) -> None:
        self._writes.movements += rows


class _Events(_Refusing):
    def __init__(self, writes: Writes) -> None:
        self._writes = writes

    async def add(self, event: OutboundEvent) -> bool:
        if event.key is not None:
            raise NotStaged("an event with a dedupe key")
        self._writes.events.append(event)
        return True


class _Jobs:
    def __init__(self, writes: Writes) -> None:
        self._writes = writes

    def enqueue(
        self,
        name: str,
        /,
        *,
        unique_key: str | None = None,
        run_at: datetime | None = None,
        **kwargs: JsonValue,
    ) -> None:
        self._writes.jobs.append(StagedJob(name, unique_key, run_at, dict(kwargs)))


class _Plans(_Refusing):
    def __init__(self, unit: SubscriptionsUnit) -> None:
        self._unit = unit

    async def get(self, plan_id: PlanId) -> Plan | None:
        return await self._unit.plans.get(plan_id)  # kept by the unit for its transaction


class _TaxRates(_Refusing):
    def __init__(self, unit: SubscriptionsUnit) -> None:
        self._unit = unit

    async def all(self) -> list[JurisdictionRate]:
        return await self._unit.tax_rates.all()  # kept by the unit for its transaction


class StagedUnit(_Refusing):
    """One subscription's renewal staged: its writes land in ``writes`` (the caller keeps them
    only when the renewal went through without ``NotStaged``); ``batch``: what the batch's
    renewals before it staged (their ledger rows count for a customer with several)."""

    def __init__(self, unit: SubscriptionsUnit, loaded: Loaded, batch: Writes) -> None:
        self.writes = Writes()
        self.customers = _Customers(loaded)
        self.invoices = _Invoices(loaded, self.writes)
        self.usage = _Usage(unit, loaded)
        self.subscriptions = _Subscriptions(self.writes)
        self.subscription_history = _History(self.writes)
        self.mrr_ledger = _Ledger(loaded, batch, self.writes)
        self.outbound_events = _Events(self.writes)
        self.jobs = _Jobs(self.writes)
        self.plans = _Plans(unit)
        self.tax_rates = _TaxRates(unit)
