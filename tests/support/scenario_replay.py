"""Replaying a simulator scenario (``domain.simulate``) through the live use cases: the scenario's
plans go into the catalog, its coupons become promotion codes, its tax rate the rate of the
customer's country, its settings the ``BillingConfig``; then each event is the use case a
subscriber, staff or a job would call, on a ``FrozenClock`` set to the event's instant.

The renewal run (``renew_due``) is the job that bills what falls due between events. Two ways to
run it, which must give the same ledger:

- ``on_time``: the run wakes at each instant the subscription is due (its ``next_action_at``),
  as the scheduled run does in production, so each renewal is its own transaction;
- ``with_events``: the run never wakes between events; the next command (or the run at
  ``until``) bills the renewals due on its way, reading MRR at each one's own instant.

What the live use cases cannot express is named by ``why_not_replayable``.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from decimal import Decimal, localcontext
from fractions import Fraction
from typing import Any, Literal

from domain.analytics.movements import MrrMovement, movements
from domain.billing.config import BillingConfig
from domain.customers.service import create_customer
from domain.pricing.coupons import Coupon
from domain.pricing.tax_policy import JurisdictionRate
from domain.shared.clock import FrozenClock
from domain.shared.ids import SubscriptionId
from domain.simulate.run import simulate
from domain.simulate.scenario import Event, Scenario
from domain.subscriptions.lifecycle import (
    apply_coupon,
    cancel_subscription,
    pause_subscription,
    resume_subscription,
    uncancel_subscription,
)
from domain.subscriptions.plan_changes import change_subscription
from domain.subscriptions.renewals import renew_due
from domain.subscriptions.subscribing import subscribe
from domain.subscriptions.usage import record_usage
from tests.support.promotions import add_promotion

Renewals = Literal["on_time", "with_events"]
Row = tuple[datetime, str, int, int]  # (at, kind, amount, mrr), minor units

COUNTRY = "US"  # the customer's, and the seller's: the scenario's tax rate is domestic

NO_ANCHOR = (
    "subscribe has no anchor: the live use case always anchors billing at the subscribe "
    "instant (the engine's anchor stub is reachable from the simulator only)"
)


def why_not_replayable(scenario: Scenario) -> str | None:
    """Why the live use cases cannot replay ``scenario`` (None: they can)."""
    for event in scenario.events:
        if event.type == "subscribe" and event.fields.get("anchor") is not None:
            return NO_ANCHOR
    return None


def config_of(scenario: Scenario) -> BillingConfig:
    return BillingConfig(
        seller_country=COUNTRY,
        proration=scenario.proration,
        rounding=scenario.rounding,
        tax_rounding=scenario.tax_rounding,
    )


def simulated_rows(scenario: Scenario) -> list[Row]:
    return [_row(m) for m in simulate(scenario).mrr_movements]


def _row(m: MrrMovement) -> Row:
    return (m.at, m.kind.value, m.amount, m.mrr)


async def ledger_rows(uow: Any, subscription_id: str) -> list[Row]:
    """The ledger's rows of one subscription, as the simulator prints its movements."""
    async with uow:
        rows = await uow.mrr_ledger.for_subscription(subscription_id)
    return [(r.at, r.kind.value, r.amount_minor, r.mrr_minor) for r in rows]


def netted(rows: list[Row]) -> list[Row]:
    """``rows`` with the rows at one instant netted into one movement (the simulator's rule)."""
    return [_row(m) for m in movements((at, mrr) for at, _, _, mrr in rows)]


def _decimal(value: Fraction) -> Decimal:
    """The usage value as the scenario wrote it (a decimal, so the division is exact)."""
    with localcontext() as ctx:
        ctx.prec = 60
        number = Decimal(value.numerator) / Decimal(value.denominator)
    assert Fraction(number) == value
    return number


async def _catalog(scenario: Scenario, uow: Any) -> None:
    async with uow:
        for plan in scenario.plans.values():
            await uow.plans.add(plan)
        for coupon in scenario.coupons.values():
            await _promotion(uow, coupon, scenario.currency.code)
        if scenario.tax_rate is not None:
            await uow.tax_rates.add(JurisdictionRate(COUNTRY, scenario.tax_rate))
        await uow.commit()


async def _promotion(uow: Any, coupon: Coupon, currency: str) -> None:
    await add_promotion(
        uow,
        coupon.code,
        coupon.duration,
        percent_off=coupon.percent_off,
        amounts_off={currency: coupon.amount_off_minor} if coupon.amount_off_minor else None,
        duration_in_months=coupon.duration_in_months,
    )


class Replayer:
    """Drives one scenario's history through the use cases, with fresh units of work from
    ``uow`` (the Piccolo unit on a database, or one shared in-memory fake)."""

    def __init__(
        self,
        scenario: Scenario,
        *,
        uow: Callable[[], Any],
        clock: FrozenClock,
        renewals: Renewals = "on_time",
    ) -> None:
        self.scenario = scenario
        self.uow = uow
        self.clock = clock
        self.renewals = renewals
        self.config = config_of(scenario)
        self.subscription_id: SubscriptionId | None = None
        self.renewal_runs = 0

    def _kw(self) -> dict[str, Any]:
        return {"uow": self.uow(), "clock": self.clock, "config": self.config}

    async def run(self) -> SubscriptionId:
        reason = why_not_replayable(self.scenario)
        assert reason is None, reason
        first = self.scenario.events[0]
        self.clock.set(first.at)
        await _catalog(self.scenario, self.uow())
        customer = await create_customer(
            email="replay@example.test",
            name="Replay Customer",
            currency=self.scenario.currency.code,
            country=COUNTRY,
            timezone=self.scenario.tz.key,
            uow=self.uow(),
            clock=self.clock,
        )
        self.customer_id = customer.id
        for event in self.scenario.events:
            await self._run_renewals_before(event.at)
            self.clock.set(event.at)
            await self._apply(event)
        await self._run_renewals_before(self.scenario.until)
        self.clock.set(self.scenario.until)
        await self._renew()
        assert self.subscription_id is not None
        return self.subscription_id

    async def _renew(self) -> None:
        report = await renew_due(uow=self.uow, clock=self.clock, config=self.config)
        assert not report.failed, report.failed
        self.renewal_runs += 1

    async def _next_action_at(self) -> datetime | None:
        if self.subscription_id is None:
            return None
        async with self.uow() as reader:
            sub = await reader.subscriptions.get(self.subscription_id)
        assert sub is not None
        return sub.next_action_at  # type: ignore[no-any-return]

    async def _run_renewals_before(self, until: datetime) -> None:
        """``on_time``: wake the renewal run at each instant the subscription falls due up to
        ``until`` (inclusive), as the scheduler would."""
        if self.renewals != "on_time":
            return
        while (due := await self._next_action_at()) is not None and due <= until:
            self.clock.set(due)
            await self._renew()
            after = await self._next_action_at()
            assert after is None or after > due, f"the renewal run did not move on from {due}"

    async def _apply(self, event: Event) -> None:
        f = event.fields
        if event.type == "subscribe":
            coupon = f.get("coupon")
            outcome = await subscribe(
                self.customer_id,
                f["plan"].code,
                quantity=f.get("quantity", 1),
                coupon_code=coupon.code if coupon else None,
                trial_days=f.get("trial_days"),
                **self._kw(),
            )
            self.subscription_id = outcome.subscription.id
            return
        sub_id = self.subscription_id
        assert sub_id is not None
        match event.type:
            case "change_plan" | "change_quantity":
                await change_subscription(
                    sub_id,
                    plan_code=f["plan"].code if "plan" in f else None,
                    quantity=f.get("quantity"),
                    timing=f["timing"],
                    proration=f["proration"],
                    **self._kw(),
                )
            case "usage":
                await record_usage(
                    sub_id, f["meter"], _decimal(f["value"]), key=f["key"], **self._kw()
                )
            case "apply_coupon":
                await apply_coupon(sub_id, f["coupon"].code, **self._kw())
            case "cancel":
                await cancel_subscription(
                    sub_id, timing=f["timing"], refund=f["refund"], **self._kw()
                )
            case "pause":
                await pause_subscription(sub_id, resume_at=f.get("resume_at"), **self._kw())
            case "resume":
                await resume_subscription(sub_id, **self._kw())
            case "uncancel":
                await uncancel_subscription(sub_id, **self._kw())
            case _:  # pragma: no cover - the parser admits only the kinds above
                raise AssertionError(event.type)
