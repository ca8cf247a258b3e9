"""Persisted subscriptions on the real database: the use cases drive the same engine as the
simulator (a persisted history bills exactly what the in-memory engine bills), the renewal run
is idempotent and safe under concurrency, and bad input leaves nothing half-written."""

from __future__ import annotations

import asyncio
from dataclasses import replace
from datetime import timedelta
from decimal import Decimal
from fractions import Fraction

import pytest

from domain.adapters.db.tables import InvoiceTable, SubscriptionTable, UsageEventTable
from domain.adapters.db.uow import PiccoloUnitOfWork
from domain.billing.config import BillingConfig
from domain.billing.issued import BillingReason
from domain.billing.model import TaxBasis
from domain.catalog.change_policy import ChangeProration, ChangeTiming
from domain.catalog.model import Plan, PlanKind, PlanPrice
from domain.catalog.service import publish_plan_version, set_plan_change_rule
from domain.customers.service import create_customer
from domain.documents.invoice_document import DEMO_SELLER, build_invoice_document
from domain.pricing.coupons import Coupon, CouponDuration
from domain.pricing.tax_policy import JurisdictionRate
from domain.pricing.totals import TaxRate
from domain.promotions.model import StoredCoupon
from domain.shared.clock import FrozenClock
from domain.shared.errors import DomainError, NotFound, ValidationFailed
from domain.shared.ids import CustomerId
from domain.shared.periods import utc
from domain.subscriptions.engine import ProrationBehavior, Refund, SubscriptionStatus, Timing
from domain.subscriptions.lifecycle import (
    apply_coupon,
    cancel_scheduled_change,
    cancel_subscription,
    record_payment_failure,
    remove_coupon,
    set_addon,
    set_trial_end,
    settle_invoice,
)
from domain.subscriptions.plan_changes import (
    change_subscription,
    confirm_subscription_change,
    move_to_current_version,
    quote_subscription_change,
)
from domain.subscriptions.reads import get_subscription
from domain.subscriptions.renewals import advance_subscription, enqueue_due_renewals, renew_due
from domain.subscriptions.subscribing import subscribe
from domain.subscriptions.usage import record_usage
from tests.support.database import TestDatabase
from tests.support.promotions import add_promotion
from tests.unit.billing._builders import api_calls, flat, make_engine, make_plan, per_unit
from web.jobs import build_registry

pytestmark = pytest.mark.integration

TEAM = make_plan("team")  # 30.00 + 10.00 per seat, monthly
BIG = make_plan("big", charges=(flat(9000), per_unit(1000)))
METERED = make_plan("metered", charges=(flat(3000), api_calls()))
STORAGE = replace(make_plan("storage", charges=(per_unit(500),)), kind=PlanKind.ADDON)
CONFIG = BillingConfig(seller_country="US")
JAN31 = utc(2024, 1, 31)


@pytest.fixture
def clock() -> FrozenClock:
    return FrozenClock(JAN31)


def _uow(db: TestDatabase, clock: FrozenClock) -> PiccoloUnitOfWork:
    return PiccoloUnitOfWork(db.engine, clock=clock, registry=build_registry())


async def _setup(db: TestDatabase, clock: FrozenClock, *plans: Plan) -> CustomerId:
    uow = _uow(db, clock)
    async with uow:
        for plan in plans or (TEAM, BIG, METERED, STORAGE):
            await uow.plans.add(plan)
        await uow.commit()
    customer = await create_customer(
        email="Ada@Example.test",
        name="Ada Lovelace",
        currency="USD",
        country="US",
        region="NY",
        address_lines=("1 Main St", "New York"),
        uow=_uow(db, clock),
        clock=clock,
    )
    return customer.id


def _kw(db: TestDatabase, clock: FrozenClock) -> dict[str, object]:
    return {"uow": _uow(db, clock), "clock": clock, "config": CONFIG}


async def _invoices(sub_id: str) -> list[dict[str, object]]:
    return await (
        InvoiceTable.select()
        .where(InvoiceTable.subscription_id == sub_id)
        .order_by(InvoiceTable.issued_at)
        .order_by(InvoiceTable.number)
    )


async def test_a_persisted_history_bills_exactly_what_the_engine_bills(
    db: TestDatabase, clock: FrozenClock
) -> None:
    customer = await _setup(db, clock)
    first = await subscribe(customer, "metered", quantity=1, **_kw(db, clock))  # type: ignore[arg-type]
    sub_id = first.subscription.id
    clock.set(utc(2024, 2, 10))
    assert await record_usage(sub_id, "api_calls", "250", idempotency_key="e1", **_kw(db, clock))  # type: ignore[arg-type]
    assert not await record_usage(
        sub_id, "api_calls", "250", idempotency_key="e1", **_kw(db, clock)
    )  # type: ignore[arg-type]
    clock.set(utc(2024, 2, 15))
    await change_subscription(
        sub_id,
        plan_code="team",
        quantity=3,
        proration=ProrationBehavior.NEXT_INVOICE,
        **_kw(db, clock),  # type: ignore[arg-type]
    )
    clock.set(utc(2024, 3, 31))
    assert (await renew_due(uow=lambda: _uow(db, clock), clock=clock, config=CONFIG)).advanced == 1
    clock.set(utc(2024, 4, 10))
    await cancel_subscription(
        sub_id,
        timing=Timing.IMMEDIATE,
        refund=Refund.PRORATED_CREDIT,
        **_kw(db, clock),  # type: ignore[arg-type]
    )

    # the same history through the engine alone
    engine = make_engine(TEAM, METERED)
    engine.subscribe(JAN31, METERED)
    engine.advance_to(utc(2024, 2, 10))
    engine.record_usage(utc(2024, 2, 10), "api_calls", Fraction(250), None)
    engine.advance_to(utc(2024, 2, 15))
    engine.change(utc(2024, 2, 15), plan=TEAM, quantity=3)
    engine.advance_to(utc(2024, 4, 10))
    engine.cancel(utc(2024, 4, 10), timing=Timing.IMMEDIATE, refund=Refund.PRORATED_CREDIT)

    stored = await _invoices(sub_id)
    assert [(r["subtotal_minor"], r["total_minor"], r["amount_due_minor"]) for r in stored] == [
        (i.subtotal, i.total, i.amount_due) for i in engine.invoices
    ]
    assert [r["number"] for r in stored] == [f"INV-2024-{n:06d}" for n in range(1, 4)]
    assert [r["billing_reason"] for r in stored] == [
        BillingReason.SUBSCRIPTION_CREATE,
        BillingReason.SUBSCRIPTION_CYCLE,
        BillingReason.SUBSCRIPTION_CYCLE,
    ]
    uow = _uow(db, clock)
    async with uow:
        sub = await uow.subscriptions.get(sub_id)
        cust = await uow.customers.get(customer)
    assert sub is not None and cust is not None
    assert sub.status is SubscriptionStatus.CANCELED and sub.canceled_at == utc(2024, 4, 10)
    assert cust.balance_minor == engine.balance < 0
    assert sub.next_action_at is None


async def test_the_renewal_run_is_idempotent_and_bills_each_period_once(
    db: TestDatabase, clock: FrozenClock
) -> None:
    customer = await _setup(db, clock)
    outcome = await subscribe(customer, "team", quantity=2, **_kw(db, clock))  # type: ignore[arg-type]

    async def run() -> int:
        report = await renew_due(uow=lambda: _uow(db, clock), clock=clock, config=CONFIG)
        assert report.failed == ()
        return report.advanced

    assert await run() == 0
    clock.set(utc(2024, 2, 29))
    assert await run() == 1
    assert await run() == 0
    clock.set(utc(2024, 5, 1))  # three renewals were missed: one run catches up
    assert await run() == 1
    rows = await _invoices(outcome.subscription.id)
    assert [r["period_start"] for r in rows] == [
        JAN31,
        utc(2024, 2, 29),
        utc(2024, 3, 31),
        utc(2024, 4, 30),
    ]
    assert {r["total_minor"] for r in rows} == {5000}


async def test_concurrent_advances_of_one_subscription_issue_one_renewal(
    db: TestDatabase, clock: FrozenClock
) -> None:
    customer = await _setup(db, clock)
    outcome = await subscribe(customer, "team", **_kw(db, clock))  # type: ignore[arg-type]
    clock.set(utc(2024, 2, 29))
    results = await asyncio.gather(
        *(
            advance_subscription(outcome.subscription.id, **_kw(db, clock))  # type: ignore[arg-type]
            for _ in range(4)
        ),
        return_exceptions=True,
    )
    for result in results:
        assert not isinstance(result, BaseException) or isinstance(result, DomainError), result
    assert len(await _invoices(outcome.subscription.id)) == 2


async def test_another_customers_subscription_is_not_found(
    db: TestDatabase, clock: FrozenClock
) -> None:
    customer = await _setup(db, clock)
    other = await create_customer(
        email="eve@example.test",
        name="Eve",
        currency="USD",
        country="US",
        uow=_uow(db, clock),
        clock=clock,
    )
    outcome = await subscribe(customer, "team", **_kw(db, clock))  # type: ignore[arg-type]
    with pytest.raises(NotFound):
        await cancel_subscription(outcome.subscription.id, as_customer=other.id, **_kw(db, clock))  # type: ignore[arg-type]
    with pytest.raises(NotFound):
        await get_subscription(outcome.subscription.id, uow=_uow(db, clock), as_customer=other.id)


async def test_a_used_up_coupon_is_refused_and_nothing_is_written(
    db: TestDatabase, clock: FrozenClock
) -> None:
    customer = await _setup(db, clock)
    uow = _uow(db, clock)
    async with uow:
        await add_promotion(
            uow, "ONCE10", CouponDuration.ONCE, percent_off=Decimal(10), max_redemptions=1
        )
        await uow.commit()
    first = await subscribe(customer, "team", coupon_code="once10", **_kw(db, clock))  # type: ignore[arg-type]
    assert first.invoices[0].invoice.discount == 400
    with pytest.raises(ValidationFailed) as err:
        await subscribe(customer, "big", coupon_code="ONCE10", **_kw(db, clock))  # type: ignore[arg-type]
    assert err.value.code == "coupon.used_up"
    assert await SubscriptionTable.count() == 1
    assert await InvoiceTable.count() == 1


async def test_quantity_zero_and_unknown_plan_are_refused_without_writes(
    db: TestDatabase, clock: FrozenClock
) -> None:
    customer = await _setup(db, clock)
    with pytest.raises(ValidationFailed) as err:
        await subscribe(customer, "team", quantity=0, **_kw(db, clock))  # type: ignore[arg-type]
    assert err.value.code == "billing.bad_quantity"
    with pytest.raises(NotFound):
        await subscribe(customer, "nope", **_kw(db, clock))  # type: ignore[arg-type]
    assert await SubscriptionTable.count() == 0 and await InvoiceTable.count() == 0


async def test_tax_follows_the_customers_address_and_credit_is_used_next(
    db: TestDatabase, clock: FrozenClock
) -> None:
    customer = await _setup(db, clock)
    uow = _uow(db, clock)
    async with uow:
        await uow.tax_rates.add(
            JurisdictionRate("US", TaxRate("Sales tax", Decimal("8.875"), False), "NY")
        )
        await uow.commit()
    outcome = await subscribe(customer, "team", **_kw(db, clock))  # type: ignore[arg-type]
    assert outcome.invoices[0].invoice.tax == 355  # 8.875% of 40.00 = 3.55
    stored = await _uow(db, clock).invoices.get(outcome.invoices[0].id)
    assert stored is not None and stored.invoice.tax_basis == TaxBasis(
        Decimal("8.875"), name="Sales tax"
    )
    assert (
        build_invoice_document(stored, DEMO_SELLER).tax.label == "Sales tax 8.875%"
    )  # the rate's name
    clock.set(utc(2024, 2, 15))
    canceled = await cancel_subscription(
        outcome.subscription.id,
        timing=Timing.IMMEDIATE,
        refund=Refund.PRORATED_CREDIT,
        **_kw(db, clock),  # type: ignore[arg-type]
    )
    note = canceled.credit_notes[0]
    assert note.note.credited > 0
    again = await subscribe(customer, "team", **_kw(db, clock))  # type: ignore[arg-type]
    assert again.invoices[0].invoice.credit_applied == note.note.credited


async def test_a_reverse_charge_is_stored_on_the_invoice_with_its_note(
    db: TestDatabase, clock: FrozenClock
) -> None:
    await _setup(db, clock)
    uow = _uow(db, clock)
    async with uow:
        await uow.tax_rates.add(JurisdictionRate("FR", TaxRate("FR", Decimal("20"), False)))
        await uow.commit()
    customer = await create_customer(
        email="compta@example.fr",
        name="Exemple SARL",
        currency="USD",
        country="FR",
        tax_id="FR12345678901",
        uow=_uow(db, clock),
        clock=clock,
    )
    config = replace(CONFIG, seller_country="DE")
    outcome = await subscribe(customer.id, "team", uow=_uow(db, clock), clock=clock, config=config)
    stored = await _uow(db, clock).invoices.get(outcome.invoices[0].id)
    assert stored is not None and stored.invoice.tax == 0
    basis = stored.invoice.tax_basis
    assert basis is not None and basis.reverse_charge and basis.percentage is None
    assert basis.note == "Reverse charge: VAT to be accounted for by the customer (FR12345678901)"
    doc = build_invoice_document(stored, DEMO_SELLER)  # the PDF's seller is not even in the EU
    assert doc.tax.reverse_charge and doc.tax.note == basis.note


async def test_an_unpaid_incomplete_subscription_expires_after_23_hours(
    db: TestDatabase, clock: FrozenClock
) -> None:
    customer = await _setup(db, clock)
    outcome = await subscribe(customer, "team", await_payment=True, **_kw(db, clock))  # type: ignore[arg-type]
    assert outcome.subscription.status is SubscriptionStatus.INCOMPLETE
    clock.advance(hours=23)
    assert (await renew_due(uow=lambda: _uow(db, clock), clock=clock, config=CONFIG)).advanced == 1
    sub = await get_subscription(outcome.subscription.id, uow=_uow(db, clock))
    assert sub.status is SubscriptionStatus.INCOMPLETE_EXPIRED and sub.next_action_at is None


async def test_add_ons_trials_and_coupons_round_trip_through_storage(
    db: TestDatabase, clock: FrozenClock
) -> None:
    customer = await _setup(db, clock)
    uow = _uow(db, clock)
    async with uow:
        await add_promotion(
            uow, "FIVE", CouponDuration.FOREVER, amounts_off={"USD": 500, "EUR": 450}
        )
        await uow.commit()
    outcome = await subscribe(
        customer,
        "team",
        trial_days=14,
        addons=(("storage", 2),),
        **_kw(db, clock),  # type: ignore[arg-type]
    )
    sub_id = outcome.subscription.id
    assert outcome.subscription.status is SubscriptionStatus.TRIALING
    clock.advance(days=3)
    await set_trial_end(sub_id, utc(2024, 2, 29), **_kw(db, clock))  # type: ignore[arg-type]
    await apply_coupon(sub_id, "five", **_kw(db, clock))  # type: ignore[arg-type]
    clock.set(utc(2024, 2, 29))
    converted = await advance_subscription(sub_id, **_kw(db, clock))  # type: ignore[arg-type]
    invoice = converted.invoices[0].invoice
    assert [line.amount for line in invoice.lines] == [3000, 1000, 1000]
    assert invoice.discount == 500 and invoice.total == 4500
    clock.set(utc(2024, 3, 10))
    changed = await set_addon(sub_id, "storage", 0, **_kw(db, clock))  # type: ignore[arg-type]
    assert [line.amount for line in changed.invoices[0].invoice.lines] == [
        -655
    ]  # 19/29 of 10.00 (Mar 10 - Mar 29)
    await remove_coupon(sub_id, **_kw(db, clock))  # type: ignore[arg-type]
    sub = await get_subscription(sub_id, uow=_uow(db, clock))
    assert sub.addons == () and sub.coupon is None and sub.status is SubscriptionStatus.ACTIVE


async def test_a_quote_is_charged_exactly_or_refused_when_stale(
    db: TestDatabase, clock: FrozenClock
) -> None:
    customer = await _setup(db, clock)
    outcome = await subscribe(customer, "team", **_kw(db, clock))  # type: ignore[arg-type]
    sub_id = outcome.subscription.id
    clock.set(utc(2024, 2, 15))
    quote = await quote_subscription_change(sub_id, plan_code="big", **_kw(db, clock))  # type: ignore[arg-type]
    assert quote.invoice is not None
    clock.advance(minutes=20)
    done = await confirm_subscription_change(sub_id, quote, **_kw(db, clock))  # type: ignore[arg-type]
    assert done.invoices[0].invoice.total == quote.invoice.total
    assert [line.amount for line in done.invoices[0].invoice.lines] == [
        line.amount for line in quote.invoice.lines
    ]
    with pytest.raises(DomainError) as err:  # the subscription moved on since
        await confirm_subscription_change(sub_id, quote, **_kw(db, clock))  # type: ignore[arg-type]
    assert err.value.code == "billing.quote_stale"
    late = await quote_subscription_change(sub_id, quantity=4, **_kw(db, clock))  # type: ignore[arg-type]
    clock.advance(hours=2)
    with pytest.raises(DomainError) as err:
        await confirm_subscription_change(sub_id, late, **_kw(db, clock))  # type: ignore[arg-type]
    assert err.value.code == "billing.quote_expired"


async def test_usage_outside_a_meter_or_the_period_is_refused(
    db: TestDatabase, clock: FrozenClock
) -> None:
    customer = await _setup(db, clock)
    outcome = await subscribe(customer, "metered", **_kw(db, clock))  # type: ignore[arg-type]
    sub_id = outcome.subscription.id
    for args, field in (
        (("nope", "1"), "meter"),
        (("api_calls", "-1"), "value"),
        (("api_calls", "x"), "value"),
    ):
        with pytest.raises(ValidationFailed) as err:
            await record_usage(sub_id, *args, **_kw(db, clock))  # type: ignore[arg-type]
        assert field in err.value.field_errors
    with pytest.raises(ValidationFailed):
        await record_usage(sub_id, "api_calls", "1", at=JAN31 - timedelta(days=1), **_kw(db, clock))  # type: ignore[arg-type]
    assert await UsageEventTable.count() == 0


def test_coupon_terms_are_fixed_in_the_subscriptions_currency() -> None:
    coupon = StoredCoupon("five-usd", "Five", CouponDuration.ONCE, amounts_off={"USD": 500})
    assert coupon.terms_in("USD", code="FIVE") == Coupon(
        "FIVE", CouponDuration.ONCE, amount_off_minor=500
    )
    assert coupon.usable_in("USD") and not coupon.usable_in("EUR")


async def test_downgrades_wait_for_the_period_end_upgrades_bill_now_and_rules_override(
    db: TestDatabase, clock: FrozenClock
) -> None:
    customer = await _setup(db, clock)
    outcome = await subscribe(customer, "big", **_kw(db, clock))  # type: ignore[arg-type]
    sub_id = outcome.subscription.id
    clock.set(utc(2024, 2, 15))
    down = await change_subscription(sub_id, plan_code="team", **_kw(db, clock))  # type: ignore[arg-type]
    assert down.invoices == () and down.subscription.scheduled_plan_id == TEAM.id
    assert down.subscription.plan_id == BIG.id
    await cancel_scheduled_change(sub_id, **_kw(db, clock))  # type: ignore[arg-type]
    up = await change_subscription(sub_id, quantity=2, **_kw(db, clock))  # type: ignore[arg-type]
    assert [line.amount for line in up.invoices[0].invoice.lines] == [-4345, -483, 4345, 966]
    await set_plan_change_rule(
        "big",
        "team",
        timing=ChangeTiming.IMMEDIATE,
        proration=ChangeProration.NEXT_INVOICE,
        uow=_uow(db, clock),
    )
    ruled = await change_subscription(sub_id, plan_code="team", **_kw(db, clock))  # type: ignore[arg-type]
    assert ruled.subscription.plan_id == TEAM.id and ruled.invoices == ()
    assert len(ruled.subscription.pending_lines) == 4
    stored = await _uow(db, clock).subscriptions.get(sub_id)
    assert stored is not None and stored.pending_lines == ruled.subscription.pending_lines
    assert all(line.detail for line in stored.pending_lines)  # kept with the pending lines


async def test_grandfathered_subscriptions_move_to_the_new_version_on_the_date_given(
    db: TestDatabase, clock: FrozenClock
) -> None:
    customer = await _setup(db, clock)
    outcome = await subscribe(customer, "team", **_kw(db, clock))  # type: ignore[arg-type]
    sub_id = outcome.subscription.id
    clock.set(utc(2024, 2, 10))
    v2 = await publish_plan_version(
        "team",
        prices=(PlanPrice(TEAM.prices[0].currency, (flat(3500), per_unit(1000))),),
        uow=_uow(db, clock),
        clock=clock,
    )
    clock.set(utc(2024, 2, 29))
    await advance_subscription(sub_id, **_kw(db, clock))  # type: ignore[arg-type]
    assert (await _invoices(sub_id))[-1]["total_minor"] == 4000  # still grandfathered
    moved = await move_to_current_version(
        "team",
        effective_from=utc(2024, 4, 1),
        uow=lambda: _uow(db, clock),
        clock=clock,
        config=CONFIG,
    )
    assert moved == 1
    clock.set(utc(2024, 3, 31))
    await advance_subscription(sub_id, **_kw(db, clock))  # type: ignore[arg-type]
    assert (await _invoices(sub_id))[-1]["total_minor"] == 4000  # Mar 31 is before Apr 1
    clock.set(utc(2024, 4, 30))
    done = await advance_subscription(sub_id, **_kw(db, clock))  # type: ignore[arg-type]
    assert done.subscription.plan_id == v2.id
    assert (await _invoices(sub_id))[-1]["total_minor"] == 4500


async def test_paying_the_first_invoice_activates_an_incomplete_subscription(
    db: TestDatabase, clock: FrozenClock
) -> None:
    customer = await _setup(db, clock)
    outcome = await subscribe(customer, "team", await_payment=True, **_kw(db, clock))  # type: ignore[arg-type]
    clock.advance(hours=2)
    settled = await settle_invoice(outcome.invoices[0].id, **_kw(db, clock))  # type: ignore[arg-type]
    assert settled is not None and settled.subscription.status is SubscriptionStatus.ACTIVE
    stored = await _invoices(outcome.subscription.id)
    assert stored[0]["status"] == "paid" and stored[0]["paid_at"] == clock.now()
    clock.set(utc(2024, 2, 29))
    await advance_subscription(outcome.subscription.id, **_kw(db, clock))  # type: ignore[arg-type]
    failed = await record_payment_failure(outcome.subscription.id, **_kw(db, clock))  # type: ignore[arg-type]
    assert failed.subscription.status is SubscriptionStatus.PAST_DUE
    recovered = await settle_invoice(  # type: ignore[arg-type]
        str((await _invoices(outcome.subscription.id))[-1]["id"]), **_kw(db, clock)
    )
    assert recovered is not None and recovered.subscription.status is SubscriptionStatus.ACTIVE


async def test_an_add_on_must_be_allowed_for_the_plan(db: TestDatabase, clock: FrozenClock) -> None:
    customer = await _setup(db, clock)
    with pytest.raises(ValidationFailed) as err:
        await subscribe(customer, "team", addons=(("big", 1),), **_kw(db, clock))  # type: ignore[arg-type]
    assert err.value.code == "catalog.not_an_addon"
    assert await SubscriptionTable.count() == 0


async def test_cancel_after_a_downgrade_credit_rode_on_the_renewal(
    db: TestDatabase, clock: FrozenClock
) -> None:
    customer = await _setup(db, clock)
    outcome = await subscribe(customer, "big", **_kw(db, clock))  # type: ignore[arg-type]
    sub_id = outcome.subscription.id
    clock.set(utc(2024, 2, 15))
    await change_subscription(
        sub_id,
        plan_code="team",
        timing=Timing.IMMEDIATE,
        proration=ProrationBehavior.NEXT_INVOICE,
        **_kw(db, clock),  # type: ignore[arg-type]
    )
    clock.set(utc(2024, 3, 5))
    canceled = await cancel_subscription(
        sub_id,
        timing=Timing.IMMEDIATE,
        refund=Refund.PRORATED_REFUND,
        **_kw(db, clock),  # type: ignore[arg-type]
    )
    assert canceled.subscription.status is SubscriptionStatus.CANCELED
    renewal = (await _invoices(sub_id))[1]  # Feb 29: 40.00 for Team less the Big credit
    note = canceled.credit_notes[0].note
    # 26/31 of Team's 40.00 is unused (Mar 5 - Mar 31); only what the renewal collected is refunded
    assert note.total == 3355 > renewal["total_minor"]
    assert note.refunded == renewal["amount_due_minor"]
    assert note.credited == note.total - note.refunded


async def test_the_renewal_run_enqueues_one_advance_per_due_subscription_page_by_page(
    db: TestDatabase, clock: FrozenClock
) -> None:
    from domain.adapters.db.tables import JobTable

    customer = await _setup(db, clock)
    for _ in range(5):
        await subscribe(customer, "team", **_kw(db, clock))  # type: ignore[arg-type]
    clock.set(utc(2024, 2, 29))
    run = lambda: enqueue_due_renewals(uow=lambda: _uow(db, clock), clock=clock, batch=2)  # noqa: E731
    assert await run() == 5
    assert await run() == 5  # the same five are still due: their jobs are not enqueued twice
    advances = await JobTable.select(JobTable.unique_key).where(
        JobTable.name == "subscriptions.advance"
    )
    assert len(advances) == len({a["unique_key"] for a in advances}) == 5
