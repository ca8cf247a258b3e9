"""A small business driven through the real subscription use cases with a FrozenClock, whose
cohort figures are computed by hand (docs/analytics.md, "Cohorts"), for the service, page and
browser tests.

- Ada (US, USD) subscribes to ``team`` x1 on 2024-01-10: 40.00; upgrades to x3 on 2024-02-05:
  60.00 (expansion).
- Bob (US, USD) subscribes to ``team`` x1 on 2024-01-20: 40.00; cancels at once on 2024-02-15
  (churn); subscribes again on 2024-03-10: 40.00 (a customer reactivation: he stays in January).
- Cleo (DE, EUR) subscribes to ``euro`` on 2024-02-03: 50.00 EUR, 55.00 USD at EUR 1.10 (the rate
  from 2024-01-01).

As of 2024-04-15 12:00 (April under way), in USD:

| cohort | customers | M0 | M1 | M2 | M3 * |
| --- | --- | --- | --- | --- | --- |
| Jan 2024 logos | 2 | 2 (100.0%) | 1 (50.0%) | 2 (100.0%) | 2 (100.0%) |
| Jan 2024 revenue | 80.00 | 100.0% | 60.00 (75.0%) | 100.00 (125.0%) | 100.00 (125.0%) |
| Feb 2024 logos | 1 | 1 (100.0%) | 1 (100.0%) | 1 (100.0%) * | |
| Feb 2024 revenue | 55.00 | 100.0% | 100.0% | 100.0% * | |

Averages (completed months only): M0 3/3 100.0%, 135.00/135.00 100.0%; M1 2/3 66.7%,
115.00/135.00 85.2%; M2 (January only) 2/2 100.0%, 125.0%; M3 none (only April, under way).
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal

from domain.adapters.db.uow import PiccoloUnitOfWork
from domain.analytics.exchange_rates import ExchangeRate
from domain.billing.config import BillingConfig
from domain.customers.service import create_customer
from domain.shared.clock import FrozenClock
from domain.shared.ids import CustomerId
from domain.shared.periods import utc
from domain.subscriptions.engine import ProrationBehavior, Refund, Timing
from domain.subscriptions.lifecycle import cancel_subscription
from domain.subscriptions.plan_changes import change_subscription
from domain.subscriptions.subscribing import subscribe
from tests.support.database import TestDatabase
from tests.unit.billing._builders import EUR, flat, make_plan
from web.jobs import build_registry

TEAM = make_plan("team")  # 30.00 + 10.00 per seat, monthly, USD
EURO = make_plan("euro", charges=(flat(5000),), currency=EUR)
CONFIG = BillingConfig(seller_country="US")
AS_OF = datetime(2024, 4, 15, 12, 0, tzinfo=UTC)
START = datetime(2024, 1, 1, tzinfo=UTC)  # a clock for the business starts here


def business_uow(db: TestDatabase, clock: FrozenClock) -> PiccoloUnitOfWork:
    return PiccoloUnitOfWork(db.engine, clock=clock, registry=build_registry())


async def make_business_customer(
    db: TestDatabase, clock: FrozenClock, email: str, name: str, currency: str, country: str
) -> CustomerId:
    customer = await create_customer(
        email=email, name=name, currency=currency, country=country,
        region="NY" if country == "US" else "", address_lines=("1 Main St", "Town"),
        uow=business_uow(db, clock), clock=clock,
    )  # fmt: skip
    return customer.id


async def build_cohort_business(db: TestDatabase, clock: FrozenClock) -> dict[str, str]:
    """The history above on a clock at ``START``, left at ``AS_OF``; the customers' ids by
    first name."""
    uow = business_uow(db, clock)
    async with uow:
        await uow.plans.add(TEAM)
        await uow.plans.add(EURO)
        await uow.exchange_rates.add(ExchangeRate(
            id="rate-eur", currency="EUR", reporting="USD", rate=Decimal("1.10"),
            effective_on=date(2024, 1, 1), entered_by="bill@example.com", entered_at=clock.now(),
        ))  # fmt: skip
        await uow.commit()

    def kw() -> dict[str, object]:
        return {"uow": business_uow(db, clock), "clock": clock, "config": CONFIG}

    ada = await make_business_customer(db, clock, "ada@example.test", "Ada", "USD", "US")
    bob = await make_business_customer(db, clock, "bob@example.test", "Bob", "USD", "US")
    cleo = await make_business_customer(db, clock, "cleo@example.test", "Cleo", "EUR", "DE")
    clock.set(utc(2024, 1, 10))
    ada_sub = (await subscribe(ada, "team", quantity=1, **kw())).subscription.id  # type: ignore[arg-type]
    clock.set(utc(2024, 1, 20))
    bob_sub = (await subscribe(bob, "team", quantity=1, **kw())).subscription.id  # type: ignore[arg-type]
    clock.set(utc(2024, 2, 3))
    await subscribe(cleo, "euro", quantity=1, **kw())  # type: ignore[arg-type]
    clock.set(utc(2024, 2, 5))
    await change_subscription(ada_sub, plan_code="team", quantity=3,
                              proration=ProrationBehavior.NONE, **kw())  # type: ignore[arg-type]  # fmt: skip
    clock.set(utc(2024, 2, 15))
    await cancel_subscription(bob_sub, timing=Timing.IMMEDIATE, refund=Refund.NONE, **kw())  # type: ignore[arg-type]
    clock.set(utc(2024, 3, 10))
    await subscribe(bob, "team", quantity=1, **kw())  # type: ignore[arg-type]
    clock.set(AS_OF)
    return {"ada": ada, "bob": bob, "cleo": cleo}
