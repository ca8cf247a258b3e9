"""The set-based batch renewal (issue 18) writes exactly what the one-subscription path writes.

One varied set of subscriptions (the five pricing models, coupons that last and coupons that
run out, tax exclusive and inclusive, usage in arrears, a trial ending, a cancellation at the
period's end, a pause ending, a scheduled quantity change, two currencies, add-ons, a customer with two subscriptions, a
customer with credit, two periods overdue) is renewed in one batch on the one-subscription path
(``set_based_path=False``), the database is emptied, the same set is built again and renewed on
the set-based path. Everything the renewal writes is compared, the random ids replaced by
stable labels: invoices (numbers, amounts, discount, tax, totals, lines), subscriptions,
history, MRR movements, outbound events and jobs."""

from __future__ import annotations

import json
import random
import re
import uuid
from collections.abc import Callable
from dataclasses import replace
from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest

from domain.adapters.db.tables import InvoiceLineTable, InvoiceTable, JobTable, SubscriptionTable
from domain.adapters.db.tables_analytics import MrrMovementTable, SubscriptionHistoryTable
from domain.adapters.db.tables_webhooks import OutboundEventTable
from domain.adapters.db.uow import PiccoloUnitOfWork
from domain.adapters.payments.sandbox import SandboxGateway
from domain.billing.config import BillingConfig
from domain.catalog.model import PlanKind, PlanPrice
from domain.customers.balance import adjust_balance_in
from domain.customers.service import create_customer
from domain.pricing.coupons import CouponDuration
from domain.pricing.model import Charge, ChargeModel, Meter, Tier
from domain.pricing.tax_policy import JurisdictionRate
from domain.pricing.totals import TaxRate
from domain.shared.clock import FrozenClock
from domain.shared.ids import SubscriptionId
from domain.shared.money import Currency
from domain.shared.periods import utc
from domain.subscriptions.engine import Timing
from domain.subscriptions.lifecycle import cancel_subscription, pause_subscription
from domain.subscriptions.plan_changes import change_subscription
from domain.subscriptions.renewal_batches import BatchReport, renew_batch
from domain.subscriptions.subscribing import subscribe
from domain.subscriptions.usage import record_usage
from tests.support.database import TestDatabase
from tests.support.jobs import billing_registry
from tests.support.promotions import add_promotion
from tests.unit.billing._builders import api_calls, flat, make_plan, per_unit

pytestmark = pytest.mark.integration

CONFIG = BillingConfig(seller_country="US")
START = utc(2024, 1, 15, 9)
LATER = utc(2024, 2, 20, 9)  # one subscriber joins a month later: one period overdue, not two
RENEWAL = utc(2024, 3, 21, 10)  # two monthly periods overdue for the others

TEAM = make_plan("team")  # flat 30.00 + 10.00 a seat
TEAM = replace(
    TEAM, prices=(*TEAM.prices, PlanPrice(Currency.of("EUR"), (flat(2800), per_unit(900)), 0))
)
VOLUME = make_plan(
    "volume",
    charges=(Charge(ChargeModel.VOLUME, tiers=(Tier(Decimal(5), Decimal(1200)),
                                               Tier(None, Decimal(900)))),),
)  # fmt: skip
METERED = make_plan("metered", charges=(flat(3000), api_calls()))  # graduated, in arrears
PACKAGE = make_plan(
    "package",
    charges=(flat(1000), Charge(ChargeModel.PACKAGE, amount_minor=700, package_size=100,
                                meter=Meter("exports"))),
)  # fmt: skip
TRIAL = make_plan("trial", trial_days=14)
STORAGE = replace(make_plan("storage", charges=(per_unit(500),)), kind=PlanKind.ADDON)


def _uow_factory(db: TestDatabase, clock: FrozenClock) -> Callable[[], PiccoloUnitOfWork]:
    registry = billing_registry(SandboxGateway(db.engine), CONFIG)
    return lambda: PiccoloUnitOfWork(db.engine, clock=clock, registry=registry)


async def _catalog(uow: Callable[[], PiccoloUnitOfWork]) -> None:
    async with uow() as setup:
        for plan in (TEAM, VOLUME, METERED, PACKAGE, TRIAL, STORAGE):
            await setup.plans.add(plan)
        await setup.tax_rates.add(
            JurisdictionRate("US", TaxRate("Sales tax", Decimal("8.875"), False), "NY")
        )
        await setup.tax_rates.add(JurisdictionRate("DE", TaxRate("MwSt", Decimal(19), True)))
        await add_promotion(setup, "TENOFF", CouponDuration.FOREVER, percent_off=Decimal(10))
        await add_promotion(
            setup, "FIVE", CouponDuration.REPEATING, amounts_off={"USD": 500}, duration_in_months=3
        )
        await add_promotion(setup, "ONCE", CouponDuration.ONCE, amounts_off={"USD": 700})
        await add_promotion(
            setup, "MONTH", CouponDuration.REPEATING, percent_off=Decimal(25), duration_in_months=1
        )
        await setup.commit()


async def _scenario(
    uow: Callable[[], PiccoloUnitOfWork], clock: FrozenClock
) -> dict[str, SubscriptionId]:
    """The varied set, built the same way every time; returns the subscriptions by tag."""
    clock.set(START)
    await _catalog(uow)
    kw: dict[str, Any] = {"clock": clock, "config": CONFIG}
    made: dict[str, SubscriptionId] = {}
    customers: dict[str, Any] = {}

    async def customer(tag: str, currency: str = "USD", country: str = "US") -> Any:
        if tag not in customers:
            region = "NY" if tag.endswith("ny") else ("CA" if country == "US" else None)
            customers[tag] = await create_customer(
                email=f"{tag}@example.test", name=tag, currency=currency, country=country,
                region=region, address_lines=("1 Main St",), uow=uow(), clock=clock,
            )  # fmt: skip
        return customers[tag]

    async def sub(tag: str, plan: str, who: str | None = None, **extra: Any) -> SubscriptionId:
        c = await customer(who or tag, **extra.pop("place", {}))
        made[tag] = (await subscribe(c.id, plan, uow=uow(), **kw, **extra)).subscription.id
        return made[tag]

    await sub("flat-seats", "team", quantity=2)
    await sub("coupon-forever-ny", "team", quantity=3, coupon_code="TENOFF")  # tax exclusive
    await sub("eur-inclusive", "team", quantity=2, place={"currency": "EUR", "country": "DE"})
    await sub("volume-addon", "volume", quantity=7, addons=(("storage", 4),), coupon_code="FIVE")
    metered = await sub("graduated-usage", "metered")
    package = await sub("package-usage", "package")
    await sub("coupon-once", "team", coupon_code="ONCE")  # runs out after the first invoice
    await sub("coupon-month", "team", coupon_code="MONTH")  # runs out at the first renewal
    await sub("trial", "trial")
    ending = await sub("cancel-at-end", "team", quantity=2)
    await cancel_subscription(ending, timing=Timing.PERIOD_END, uow=uow(), **kw)
    scheduled = await sub("scheduled-change", "team", quantity=3)
    await change_subscription(scheduled, quantity=1, timing=Timing.PERIOD_END, uow=uow(), **kw)
    paused = await sub("paused", "team")
    await pause_subscription(paused, resume_at=START + timedelta(days=40), uow=uow(), **kw)
    await sub("two-a", "team", who="two-subs")
    await sub("two-b", "volume", who="two-subs", quantity=2)
    await sub("with-credit", "team", who="credit")
    async with uow() as unit:  # credit granted after the first invoice: the renewal uses it
        await adjust_balance_in(
            unit, customers["credit"].id, -1500, description="goodwill", now=clock.now()
        )
        await unit.commit()
    for k, at in enumerate((START + timedelta(days=3), START + timedelta(days=34))):
        clock.set(at)
        await record_usage(metered, "api_calls", str(150 + 90 * k), idempotency_key=f"m{k}",
                           uow=uow(), **kw)  # fmt: skip
        await record_usage(package, "exports", str(130 + 200 * k), idempotency_key=f"p{k}",
                           uow=uow(), **kw)  # fmt: skip
    clock.set(LATER)
    await sub("one-period-late", "team", quantity=4)
    clock.set(RENEWAL)
    return made


_EVENT_ID = re.compile(r"evt_[0-9a-f]{32}")


async def _snapshot(subs: dict[str, SubscriptionId]) -> dict[str, Any]:
    """Everything a renewal writes, the random ids replaced by labels."""
    labels: dict[str, str] = {sub_id: f"sub:{tag}" for tag, sub_id in subs.items()}
    invoices = await InvoiceTable.select().order_by(InvoiceTable.number)
    for row in await InvoiceTable.select(InvoiceTable.customer_id, InvoiceTable.subscription_id):
        tag = labels.get(row["subscription_id"] or "", "")
        labels.setdefault(row["customer_id"], f"cus:{tag}")
    for row in invoices:
        labels[row["id"]] = f"inv:{row['number']}"
    lines: dict[str, list[dict[str, Any]]] = {}
    for line in await InvoiceLineTable.select().order_by(InvoiceLineTable.position):
        del line["id"]
        lines.setdefault(line["invoice"], []).append(line)

    def clean(value: Any) -> Any:
        text = _EVENT_ID.sub("evt", json.dumps(value, sort_keys=True, default=str))
        for raw, label in sorted(labels.items(), key=lambda kv: -len(kv[0])):
            text = text.replace(raw, label)
        return json.loads(text)

    def in_order(rows: list[dict[str, Any]]) -> list[Any]:
        """Each customer's rows in the order they were written (their ids), customers by
        label: the paths write different customers' rows in different orders."""
        grouped: dict[str, list[Any]] = {}
        for row in sorted(rows, key=lambda r: r["id"]):
            grouped.setdefault(clean(row["customer_id"]), []).append(
                clean({k: v for k, v in row.items() if k != "id"})
            )
        return sorted(grouped.items())

    events = await OutboundEventTable.select(
        OutboundEventTable.type, OutboundEventTable.at, OutboundEventTable.data
    )
    jobs = await JobTable.select(
        JobTable.name, JobTable.kwargs, JobTable.status, JobTable.run_at, JobTable.unique_key
    )
    return {
        "invoices": [clean({**row, "lines": lines.get(row["id"], [])}) for row in invoices],
        "subscriptions": sorted(
            (clean(row) for row in await SubscriptionTable.select()), key=lambda r: r["id"]
        ),
        "history": in_order(await SubscriptionHistoryTable.select()),
        "mrr": in_order(await MrrMovementTable.select()),
        "events": sorted((clean(e) for e in events), key=json.dumps),
        "jobs": sorted((clean(j) for j in jobs), key=json.dumps),
    }


async def _renewed(
    db: TestDatabase, monkeypatch: pytest.MonkeyPatch, *, set_based_path: bool
) -> tuple[BatchReport, dict[str, Any]]:
    await db.truncate()
    # the same ids, in the same order, on both sides: the batch's (id) order, and with it the
    # invoice numbers, are the same
    seeded = random.Random(18)
    monkeypatch.setattr(uuid, "uuid4", lambda: uuid.UUID(int=seeded.getrandbits(128)))
    clock = FrozenClock(START)
    uow = _uow_factory(db, clock)
    subs = await _scenario(uow, clock)
    report = await renew_batch(
        list(subs.values()), uow=uow(), clock=clock, config=CONFIG, set_based_path=set_based_path
    )
    return report, await _snapshot(subs)


async def test_the_set_based_batch_renews_exactly_as_the_one_subscription_path(
    db: TestDatabase, monkeypatch: pytest.MonkeyPatch
) -> None:
    single_report, single = await _renewed(db, monkeypatch, set_based_path=False)
    bulk_report, bulk = await _renewed(db, monkeypatch, set_based_path=True)

    # the set is what it claims: every kind renewed, on both paths
    assert single_report.handed_over == bulk_report.handed_over == ()
    assert single_report.advanced == bulk_report.advanced == 16
    assert single_report.set_based == 0
    # 11 went set-based; the credit, the trial, the cancellation, the pause and the scheduled
    # change went the one-subscription path in the same batch
    assert bulk_report.set_based == 11, bulk_report
    renewed = {"subscription_cycle", "subscription_arrears"}
    renewals = [i for i in single["invoices"] if i["billing_reason"] in renewed]
    assert {i["currency"] for i in renewals} == {"USD", "EUR"}
    assert any(i["discount_minor"] > 0 for i in renewals)
    assert any(i["tax_minor"] > 0 for i in renewals)
    assert any(line["kind"] == "usage" for i in renewals for line in i["lines"])
    assert any(i["credit_applied_minor"] > 0 for i in renewals)

    # and the two paths wrote the same, table by table
    for table in single:
        assert bulk[table] == single[table], table
    assert bulk_report.collecting and len(bulk_report.collecting) == len(single_report.collecting)
