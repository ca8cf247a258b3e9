"""A year of synthetic analytics history for the browser test's screenshots (deterministic, seeded):
about 450 customers whose MRR moves month by month (new, expansion, contraction, churn,
reactivation; USD and EUR, five countries, three plans) written to the ledger as the live ledger
classifies them (``CustomerLedger.record``), trials in the subscription history, dunning cases,
refunds and cancellation feedback spread over the months; then the cohort and subscriber metrics
refreshes. Figures are plausible, not hand-checked: the hand-checked figures are in
analytics_business.py."""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

from domain.adapters.db.tables import (
    CancellationFeedbackTable,
    DunningCaseTable,
    InvoiceTable,
    RefundTable,
)
from domain.analytics.cohort_report import refresh_cohorts
from domain.analytics.cohorts import add_months, month_of
from domain.analytics.exchange_rates import ExchangeRate
from domain.analytics.ledger import CustomerLedger, LedgerMovement, Reading
from domain.analytics_reports.subscriber_refresh import refresh_subscriber_metrics
from domain.billing.config import BillingConfig
from domain.customers.service import create_customer
from domain.pricing.proration import ProrationUnit
from domain.shared.clock import Clock
from domain.shared.ids import CustomerId, PlanId, SubscriptionId
from domain.shared.money import Currency
from domain.subscriptions.engine import SubscriptionStatus
from domain.subscriptions.history import SubscriptionVersion
from domain.subscriptions.model import CancellationReason, Subscription
from domain.subscriptions.subscribing import subscribe
from domain.unit_of_work import UnitOfWork

PLANS = (("starter", 2900), ("team", 7900), ("business", 24900))
PLACES = (("USD", "US"), ("USD", "US"), ("USD", "CA"), ("USD", "GB"), ("EUR", "DE"),
          ("EUR", "FR"))  # fmt: skip
EUR_PRICE = Decimal("0.92")  # a plan's EUR price per USD


def _at(rng: random.Random, month: date, now: datetime) -> datetime:
    at = datetime(month.year, month.month, 1, tzinfo=UTC) + timedelta(
        days=rng.randrange(0, 27), hours=rng.randrange(0, 24))  # fmt: skip
    return min(at, now - timedelta(minutes=5))


def _ledger(rng: random.Random, first: date, now: datetime) -> list[LedgerMovement]:
    rows: list[LedgerMovement] = []
    current = month_of(now)
    n = 0
    for m in range(12):
        month = add_months(first, m)
        for _ in range(26 + 4 * m + rng.randrange(0, 8)):
            n += 1
            plan, price = rng.choices(PLANS, weights=(5, 4, 1))[0]
            currency, country = rng.choice(PLACES)
            mrr = price * rng.choice((1, 1, 1, 2, 3))
            if currency == "EUR":
                mrr = int(mrr * EUR_PRICE)
            readings = [Reading(_at(rng, month, now), mrr, plan)]
            value, churned = mrr, False
            later = month
            while (later := add_months(later, 1)) <= current:
                roll = rng.random()
                if not churned and roll < 0.07:
                    value, churned = 0, True
                elif churned and roll < 0.12:
                    value, churned = mrr, False
                elif not churned and roll < 0.13:
                    value = value + value // 2
                elif not churned and roll < 0.15:
                    value = max(value // 2, 1)
                else:
                    continue
                readings.append(Reading(_at(rng, later, now), value, plan))
            readings.sort(key=lambda r: r.at)
            rows += CustomerLedger().record(
                readings, subscription_id=f"demo-sub-{n}", customer_id=f"demo-cus-{n}",
                currency=currency, country=country, version=1,
            )  # fmt: skip
    return rows


def _trial(sub_id: str, start: datetime, converted: bool) -> list[SubscriptionVersion]:
    end = start + timedelta(days=14)
    sub = Subscription(
        id=SubscriptionId(sub_id), customer_id=CustomerId(f"cus-{sub_id}"), currency="USD",
        timezone="UTC", proration=ProrationUnit.DAY, plan_id=PlanId("demo-team-monthly"),
        quantity=1, status=SubscriptionStatus.TRIALING, anchor=start, period_start=start,
        period_end=end, created_at=start, version=1,
    )  # fmt: skip
    status = SubscriptionStatus.ACTIVE if converted else SubscriptionStatus.CANCELED
    after = replace(sub, status=status, version=2)
    return [SubscriptionVersion(sub, start, None, "US"),
            SubscriptionVersion(after, end, None, "US")]  # fmt: skip


async def seed_analytics_demo(new_uow: Callable[[], UnitOfWork], clock: Clock) -> None:
    rng = random.Random(16)
    now = clock.now()
    first = add_months(month_of(now), -11)
    async with new_uow() as uow:
        await uow.exchange_rates.add(ExchangeRate(
            id="demo-rate-eur", currency="EUR", reporting="USD", rate=Decimal("1.0825"),
            effective_on=first, entered_by="demo@example.test", entered_at=now,
        ))  # fmt: skip
        await uow.mrr_ledger.append(_ledger(rng, first, now))
        for m in range(12):
            month = add_months(first, m)
            for i in range(8 + rng.randrange(0, 8)):
                for version in _trial(f"demo-trial-{m}-{i}", _at(rng, month, now) - timedelta(
                        days=14), rng.random() < 0.62):  # fmt: skip
                    await uow.subscription_history.add(version)
        await uow.commit()
    customers = []
    for i in range(3):
        customer = await create_customer(
            email=f"leaver{i}@example.test", name=f"Leaver {i}", currency="USD", country="US",
            region="NY", address_lines=("1 Main St", "Town"), uow=new_uow(), clock=clock,
        )  # fmt: skip
        outcome = await subscribe(customer.id, "team-monthly", uow=new_uow(), clock=clock,
                                  config=BillingConfig(seller_country="US"))  # fmt: skip
        customers.append((customer.id, outcome.subscription.id))
    reasons = list(CancellationReason)
    n = 0
    for m in range(12):
        month = add_months(first, m)
        for _ in range(rng.randrange(4, 14)):
            n += 1
            customer_id, sub_id = rng.choice(customers)
            reason = rng.choices(reasons, weights=(5, 3, 2, 4, 1))[0]
            await CancellationFeedbackTable.insert(CancellationFeedbackTable(
                id=f"demo-fb-{n}", subscription=sub_id, customer=customer_id, reason=reason.value,
                comment="", timing="period_end", created_at=_at(rng, month, now),
            ))  # fmt: skip
        for k in range(rng.randrange(5, 12)):
            n += 1
            amount = rng.choice(PLANS)[1] * rng.choice((1, 1, 2))
            at = _at(rng, month, now)
            await InvoiceTable.insert(InvoiceTable(
                id=f"demo-inv-{n}", currency="USD", status="paid", amount_due_minor=amount,
                total_minor=amount, subtotal_minor=amount, billing_reason="subscription_cycle",
                issued_at=at - timedelta(days=3),
            ))  # fmt: skip
            await DunningCaseTable.insert(DunningCaseTable(
                invoice=f"demo-inv-{n}", customer_id=customer_id, status="recovered"
                if rng.random() < 0.66 else "exhausted", failures=2,
                first_failed_at=at - timedelta(days=3), closed_at=at,
            ))  # fmt: skip
            if k < 3:
                await RefundTable.insert(RefundTable(
                    id=f"demo-refund-{n}", credit_note_id=f"demo-cn-{n}",
                    invoice_id=f"demo-inv-{n}", customer_id=customer_id,
                    amount_minor=amount // rng.choice((1, 2, 4)), currency="USD",
                    status="succeeded", created_at=at, finished_at=at + timedelta(hours=1),
                ))  # fmt: skip
    await refresh_cohorts(new_uow=new_uow, clock=clock, reporting=Currency.of("USD"),
                          rounding=BillingConfig().rounding)  # fmt: skip
    await refresh_subscriber_metrics(new_uow=new_uow, clock=clock, reporting=Currency.of("USD"),
                                     rounding=BillingConfig().rounding)  # fmt: skip
