"""Usage events sent in (the API's ``POST /api/v1/usage`` and ``/usage/batch``): checked, then
recorded once each in one transaction and one multi-row insert (docs/api.md, "Usage events").

- **All or nothing.** Every event is checked (``usage_events.check_event``, then against its
  subscription); if any is refused, none is recorded and the error names each refused event
  (``events[3].meter``), as Stripe's meter events and Lago's batch do. Fix and send the batch
  again: the events already recorded are answered as duplicates.
- **Once per key.** An event's idempotency key is unique per subscription (a unique index):
  the first event with a key is recorded, any later one (in the same batch or another, with
  whatever it carries) answered ``duplicate`` and counted once.
- **Closed periods are refused.** Usage is billed in arrears on the invoice that ends its
  period; once that invoice is issued (the subscription's current period starts after the
  event) the event is refused with ``usage.period_closed``. Renewals due are run first (as
  every command does), so an event arriving after its period's end is refused as soon as the
  period is due, whether or not the renewal job has run.
- **Not billed, not stored.** In a trial, a pause or before the first payment usage is not
  billed (as in the engine and the simulator): such events are answered ``not_billed`` and not
  stored. An ended (canceled) subscription refuses events (``usage.subscription_ended``).
- Sent by customer, an event goes to the customer's one live subscription whose plan has the
  meter; none, or more than one, is refused (send ``subscription_id``).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum

from domain.billing.config import BillingConfig
from domain.billing.issued import BillingReason
from domain.catalog.model import Plan
from domain.shared.clock import Clock
from domain.shared.errors import ValidationFailed
from domain.shared.ids import CustomerId, PlanId, SubscriptionId
from domain.shared.money import Currency
from domain.subscriptions.engine import BILLING, ENDED
from domain.subscriptions.errors import SubscriptionErrorCode as Code
from domain.subscriptions.lifecycle import run_in
from domain.subscriptions.model import Subscription, UsageRecord
from domain.subscriptions.ports import SubscriptionsUnit
from domain.subscriptions.usage_events import (
    FUTURE_TOLERANCE,
    MAX_BATCH,
    CheckedEvent,
    UsageEventIn,
    check_event,
)


class EventStatus(StrEnum):
    RECORDED = "recorded"
    DUPLICATE = "duplicate"  # its key was recorded before: counted once
    NOT_BILLED = "not_billed"  # a trial, a pause, before the first payment: not stored


@dataclass(frozen=True, slots=True)
class EventResult:
    idempotency_key: str
    subscription_id: SubscriptionId
    status: EventStatus


@dataclass(frozen=True, slots=True)
class IngestResult:
    events: tuple[EventResult, ...]

    def count(self, status: EventStatus) -> int:
        return sum(1 for e in self.events if e.status is status)


class _Refusals:
    """The refused events' fields (``events[3].meter``, or ``meter`` for a single event) and
    their codes: one code when every refusal shares it, ``usage.invalid`` otherwise."""

    def __init__(self, batch: bool, size: int) -> None:
        self.batch, self.size = batch, size
        self.errors: dict[str, str] = {}
        self.codes: set[str] = set()
        self.events: set[int] = set()
        self._order: dict[str, tuple[int, int]] = {}  # refusals in event order

    def add(self, index: int, field: str, message: str, code: str) -> None:
        name = f"events[{index}].{field}" if self.batch else field
        self.errors.setdefault(name, message)
        self._order.setdefault(name, (index, len(self._order)))
        self.codes.add(code)
        self.events.add(index)

    def raise_any(self) -> None:
        if not self.errors:
            return
        code = next(iter(self.codes)) if len(self.codes) == 1 else Code.BAD_USAGE
        self.errors = dict(sorted(self.errors.items(), key=lambda kv: self._order[kv[0]]))
        refused = len(self.events)
        message = (
            f"{refused} of {self.size} events were refused; nothing was recorded."
            if self.batch
            else "; ".join(self.errors.values())
        )
        raise ValidationFailed(self.errors, message=message, code=code)


async def _meters(
    uow: SubscriptionsUnit, plans: dict[PlanId, set[str]], sub: Subscription
) -> set[str]:
    if sub.plan_id not in plans:
        plan: Plan | None = await uow.plans.get(sub.plan_id)
        price = plan.price_in(Currency.of(sub.currency)) if plan is not None else None
        plans[sub.plan_id] = {c.meter.name for c in (price.charges if price else ()) if c.meter}
    return plans[sub.plan_id]


async def _by_customer(
    uow: SubscriptionsUnit,
    events: list[CheckedEvent],
    plans: dict[PlanId, set[str]],
    refusals: _Refusals,
) -> dict[int, SubscriptionId]:
    """The subscription each event sent by customer goes to: the one live one metering it."""
    targets: dict[int, SubscriptionId] = {}
    live: dict[str, list[Subscription] | None] = {}
    for e in events:
        if e.customer_id is None:
            continue
        if e.customer_id not in live:
            customer = await uow.customers.get(CustomerId(e.customer_id))
            subs = await uow.subscriptions.for_customer(customer.id) if customer else None
            live[e.customer_id] = [s for s in subs if s.status not in ENDED] if subs else subs
        subs = live[e.customer_id]
        if subs is None:
            refusals.add(e.position, "customer_id", "No such customer.", Code.USAGE_NO_SUBSCRIPTION)
            continue
        metering = [s for s in subs if e.meter in await _meters(uow, plans, s)]
        if len(metering) == 1:
            targets[e.position] = metering[0].id
        elif not metering:
            refusals.add(e.position, "customer_id", f"The customer has no live subscription "
                         f"metering {e.meter!r}.", Code.USAGE_NO_SUBSCRIPTION)  # fmt: skip
        else:
            refusals.add(e.position, "customer_id", f"The customer has {len(metering)} live "
                         f"subscriptions metering {e.meter!r}; send subscription_id.",
                         Code.USAGE_NO_SUBSCRIPTION)  # fmt: skip
    return targets


async def _current(
    uow: SubscriptionsUnit, ids: set[SubscriptionId], *, now: datetime, config: BillingConfig
) -> dict[SubscriptionId, Subscription | None]:
    """The subscriptions locked (in id order: two batches never wait on each other in a
    circle), each brought up to date first when a renewal or another change is due."""
    subs: dict[SubscriptionId, Subscription | None] = dict.fromkeys(ids)
    for sub in await uow.subscriptions.get_many(sorted(ids), lock=True):
        due = sub.next_action_at
        if due is not None and due <= now:
            outcome = await run_in(uow, sub.id, None, reason=BillingReason.SUBSCRIPTION_CYCLE,
                                   now=now, config=config, as_customer=None)  # fmt: skip
            sub = outcome.subscription
        subs[sub.id] = sub
    return subs


async def ingest_usage(
    events: Sequence[UsageEventIn],
    *,
    uow: SubscriptionsUnit,
    clock: Clock,
    config: BillingConfig,
    batch: bool = True,
) -> IngestResult:
    """Record the events (1 to 1,000), all or none; each event's outcome, in the order sent."""
    if not 1 <= len(events) <= MAX_BATCH:
        raise ValidationFailed({"events": f"Send 1 to {MAX_BATCH:,} events."}, code=Code.BAD_USAGE)
    now = clock.now()
    refusals = _Refusals(batch, len(events))
    checked: list[CheckedEvent] = []
    latest = now + FUTURE_TOLERANCE
    for index, event in enumerate(events):
        result = check_event(event, index, now=now, latest=latest)
        if isinstance(result, CheckedEvent):
            checked.append(result)
        else:
            for field, message in result.items():
                refusals.add(index, field, message, Code.BAD_USAGE)
    # the events refused here never reach the database; the others are checked against their
    # subscriptions too, so that one answer names every refused event
    async with uow:
        plans: dict[PlanId, set[str]] = {}
        targets = await _by_customer(uow, checked, plans, refusals)
        for e in checked:
            if e.subscription_id is not None:
                targets[e.position] = SubscriptionId(e.subscription_id)
        subs = await _current(uow, set(targets.values()), now=now, config=config)
        records: list[UsageRecord] = []
        outcomes: list[EventResult | None] = []
        meters = {i: await _meters(uow, plans, sub) for i, sub in subs.items() if sub is not None}
        for e in checked:
            target = targets.get(e.position)  # None: refused already (by customer)
            sub = subs[target] if target is not None else None
            mine = meters[target] if sub is not None and target is not None else set()
            status = _check_against(e, sub, mine, refusals) if target is not None else None
            if sub is None or status is None:
                outcomes.append(None)
                continue
            outcomes.append(EventResult(e.idempotency_key, sub.id, status))
            if status is EventStatus.RECORDED:
                records.append(UsageRecord(sub.id, e.meter, e.value, e.at, key=e.key,
                                           idempotency_key=e.idempotency_key))  # fmt: skip
        refusals.raise_any()
        results = _results(outcomes, await _store(uow, records))
        await uow.commit()
    return IngestResult(results)


def _check_against(
    e: CheckedEvent, sub: Subscription | None, meters: set[str], refusals: _Refusals
) -> EventStatus | None:
    """What happens to the event on its subscription (None: refused, said in ``refusals``)."""
    if sub is None:
        refusals.add(e.position, "subscription_id", "No such subscription.",
                     Code.USAGE_NO_SUBSCRIPTION)  # fmt: skip
        return None
    if e.meter not in meters:
        known = ", ".join(sorted(meters)) or "none"
        refusals.add(e.position, "meter", f"The subscription's plan has no meter {e.meter!r} "
                     f"(its meters: {known}).", Code.USAGE_UNKNOWN_METER)  # fmt: skip
        return None
    if sub.status in ENDED:
        refusals.add(e.position, "subscription_id", f"The subscription is {sub.status}: it takes "
                     "no more usage.", Code.USAGE_SUBSCRIPTION_ENDED)  # fmt: skip
        return None
    if e.at < sub.period_start:
        refusals.add(e.position, "timestamp", "This event falls in a billing period that is closed "
                     "(invoiced); the current period started "
                     f"{_instant(sub.period_start)}.", Code.USAGE_PERIOD_CLOSED)  # fmt: skip
        return None
    return EventStatus.RECORDED if sub.status in BILLING else EventStatus.NOT_BILLED


def _instant(at: datetime) -> str:
    return at.astimezone(UTC).isoformat().replace("+00:00", "Z")


async def _store(
    uow: SubscriptionsUnit, records: list[UsageRecord]
) -> set[tuple[SubscriptionId, str]]:
    """One multi-row insert of the batch's first event per key; the pairs it stored."""
    first: dict[tuple[SubscriptionId, str], UsageRecord] = {}
    for r in records:
        assert r.idempotency_key is not None
        first.setdefault((r.subscription_id, r.idempotency_key), r)
    return await uow.usage.add_many(list(first.values()))


def _results(
    outcomes: list[EventResult | None], stored: set[tuple[SubscriptionId, str]]
) -> tuple[EventResult, ...]:
    """Each event's outcome: an event to record that the insert skipped (stored before) or
    whose key came earlier in the batch is a duplicate."""
    results = []
    claimed: set[tuple[SubscriptionId, str]] = set()
    for outcome in outcomes:
        assert outcome is not None  # every refusal was raised before
        pair = (outcome.subscription_id, outcome.idempotency_key)
        if outcome.status is EventStatus.RECORDED and (pair not in stored or pair in claimed):
            outcome = EventResult(outcome.idempotency_key, outcome.subscription_id,
                                  EventStatus.DUPLICATE)  # fmt: skip
        claimed.add(pair)
        results.append(outcome)
    return tuple(results)
