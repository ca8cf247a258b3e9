"""The admin's catalog use cases on an in-memory unit of work: permissions, exact amounts,
every validation message at once, grandfathering through a real renewal, subscriber counts per
version, display details edited in place, and one audit entry per change."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

import pytest

from domain.billing.config import BillingConfig
from domain.catalog.drafts import ChargeInput, DetailsInput, PlanInput, PriceInput, TierInput
from domain.catalog.service import show_cached_pricing_page
from domain.catalog_admin.service import (
    catalog_overview,
    create_plan,
    plan_page,
    preview_version,
    publish_version,
    update_plan_details,
)
from domain.customers.service import create_customer
from domain.pricing.model import Aggregation, ChargeModel
from domain.shared.clock import FrozenClock
from domain.shared.errors import PermissionDenied, ValidationFailed
from domain.staff.model import Role, SignedInStaff
from domain.subscriptions.renewals import advance_subscription
from domain.subscriptions.subscribing import subscribe
from tests.fakes import InMemoryUnitOfWork
from tests.support.catalog_cache import memory_catalog_cache

pytestmark = pytest.mark.service

BILLING = SignedInStaff("staff-bill", "bill@example.com", "Bill", Role.BILLING, "s")
SUPPORT = SignedInStaff("staff-sam", "sam@example.com", "Sam", Role.SUPPORT, "s")
MAR1 = datetime(2024, 3, 1, tzinfo=UTC)
CONFIG = BillingConfig()


def flat(currency: str, amount: str, setup: str = "") -> PriceInput:
    return PriceInput(currency, setup, (ChargeInput("flat", amount=amount),))


def pro(*prices: PriceInput, **over: object) -> PlanInput:
    fields: dict[str, object] = {
        "code": "pro-monthly",
        "details": DetailsInput(name="Pro", features="Unlimited projects\n\n Phone  support "),
        "prices": prices or (flat("USD", "49.00"), flat("EUR", "45", setup="10.5")),
    }
    fields.update(over)
    return PlanInput(**fields)  # type: ignore[arg-type]


async def test_a_plan_is_created_with_exact_minor_units_and_audited() -> None:
    uow, clock = InMemoryUnitOfWork(), FrozenClock(MAR1)
    plan = await create_plan(BILLING, pro(), uow=uow, clock=clock)
    assert (plan.code, plan.version, plan.name, plan.features) == (
        "pro-monthly", 1, "Pro", ("Unlimited projects", "Phone support"),
    )  # fmt: skip
    usd, eur = plan.prices
    assert (usd.currency.code, usd.charges[0].amount_minor, usd.setup_fee_minor) == ("USD", 4900, 0)
    assert (eur.currency.code, eur.charges[0].amount_minor, eur.setup_fee_minor) == (
        "EUR",
        4500,
        1050,
    )
    [entry] = uow.audit.entries
    assert (entry.action, entry.object_id, entry.actor.staff_id) == (
        "plan.created", "pro-monthly", "staff-bill",
    )  # fmt: skip
    assert entry.after["prices"]["EUR"]["setup_fee_minor"] == 1050
    page = await show_cached_pricing_page(
        requested_currency="EUR",
        interval=None,
        seats=None,
        default_currency="USD",
        catalog=memory_catalog_cache(uow),
    )
    assert tuple(page.currencies) == ("EUR", "USD")


async def test_every_pricing_model_is_accepted_with_exact_unit_prices() -> None:
    uow, clock = InMemoryUnitOfWork(), FrozenClock(MAR1)
    tiers = (TierInput("10000", "0"), TierInput("100000", "0.002"), TierInput("", "0.001", "5"))
    charges = (
        ChargeInput("flat", amount="99"),
        ChargeInput("per_unit", unit_price="12.50", unit_label="seat"),
        ChargeInput("graduated", unit_label="API call", meter="api_calls", tiers=tiers),
        ChargeInput("volume", unit_label="user", tiers=(TierInput("10", "5"), TierInput("", "4"))),
        ChargeInput(
            "package",
            amount="5",
            package_size="100",
            free_units="50",
            unit_label="GB",
            meter="storage_gb",
            aggregation="max",
        ),
    )
    plan = await create_plan(BILLING, pro(PriceInput("USD", "", charges)), uow=uow, clock=clock)
    flat_fee, seat, usage, volume, package = plan.prices[0].charges
    assert flat_fee.amount_minor == 9900
    assert (seat.model, seat.unit_minor, seat.unit_label) == (ChargeModel.PER_UNIT, 1250, "seat")
    assert [(t.up_to, t.unit_minor, t.flat_minor) for t in usage.tiers] == [
        (Decimal(10000), 0, 0), (Decimal(100000), Decimal("0.2"), 0), (None, Decimal("0.1"), 500),
    ]  # fmt: skip
    assert usage.meter is not None and usage.meter.name == "api_calls"
    assert volume.model is ChargeModel.VOLUME and volume.meter is None
    assert (package.amount_minor, package.package_size, package.free_units) == (500, 100, 50)
    assert package.meter is not None and package.meter.aggregation is Aggregation.MAX


async def test_bad_fields_are_all_named_and_nothing_is_written() -> None:
    uow, clock = InMemoryUnitOfWork(), FrozenClock(MAR1)
    bad = pro(
        flat("USD", "49.999"),
        flat("JPY", "4500.5"),
        flat("usd", "1"),
        PriceInput(
            "EUR",
            "",
            (
                ChargeInput(
                    "graduated",
                    tiers=(TierInput("5", "1"), TierInput("3", "1"), TierInput("", "1")),
                ),
            ),
        ),
        PriceInput("GBP", "", (ChargeInput("per_unit", unit_price="0.000000001"),)),
        code="New Plan",
        interval_unit="week",
        trial_days="-3",
        details=DetailsInput(name=" ", sort_order="x"),
    )
    with pytest.raises(ValidationFailed) as refused:
        await create_plan(BILLING, bad, uow=uow, clock=clock)
    errors = refused.value.field_errors
    assert errors["price-0-charge-0-amount"] == "Use at most 2 decimal places for USD."
    assert errors["price-1-charge-0-amount"] == "JPY has no decimal places; enter a whole amount."
    assert errors["price-2-currency"] == "USD is priced twice; keep one."
    assert errors["price-3-charge-0-tier-1-up_to"] == "Each tier must end above the one before."
    assert errors["price-4-charge-0-unit_price"] == "Use at most 8 decimal places for GBP."
    assert {"code", "name", "interval_unit", "trial_days", "sort_order"} <= set(errors)
    assert await uow.plans.count() == 0 and uow.audit.entries == []


async def test_a_used_code_and_a_wrong_role_are_refused() -> None:
    uow, clock = InMemoryUnitOfWork(), FrozenClock(MAR1)
    await create_plan(BILLING, pro(), uow=uow, clock=clock)
    with pytest.raises(ValidationFailed) as taken:
        await create_plan(BILLING, pro(), uow=uow, clock=clock)
    assert "code" in taken.value.field_errors
    with pytest.raises(PermissionDenied):
        await create_plan(SUPPORT, pro(code="other"), uow=uow, clock=clock)
    with pytest.raises(ValidationFailed) as reserved:
        await create_plan(BILLING, pro(code="new"), uow=uow, clock=clock)
    assert "reserved" in reserved.value.field_errors["code"]
    assert len(await catalog_overview(SUPPORT, uow=uow)) == 1  # reading is every role's


async def test_an_add_on_attaches_only_to_base_plans_on_its_interval() -> None:
    uow, clock = InMemoryUnitOfWork(), FrozenClock(MAR1)
    await create_plan(BILLING, pro(), uow=uow, clock=clock)
    await create_plan(BILLING, pro(code="pro-annual", interval_unit="year"), uow=uow, clock=clock)
    addon = pro(flat("USD", "9"), code="sso", kind="addon", attaches_to=("pro-annual",))
    with pytest.raises(ValidationFailed) as refused:
        await create_plan(BILLING, addon, uow=uow, clock=clock)
    assert "Pro renews every year, not every month" in refused.value.field_errors["attaches_to"]
    made = await create_plan(BILLING, pro(flat("USD", "9"), code="sso", kind="addon",
                                          attaches_to=("pro-monthly",)), uow=uow, clock=clock)  # fmt: skip
    assert made.is_addon and made.attaches_to == ("pro-monthly",)


async def test_a_new_version_is_previewed_then_published_and_the_old_subscriber_keeps_its_price() -> (
    None
):
    uow, clock = InMemoryUnitOfWork(), FrozenClock(MAR1)
    v1 = await create_plan(BILLING, pro(), uow=uow, clock=clock)
    customer = await create_customer(email="ada@example.test", name="Ada", currency="USD",
                                     country="US", uow=uow, clock=clock)  # fmt: skip
    sold = await subscribe(customer.id, "pro-monthly", uow=uow, clock=clock, config=CONFIG)
    assert sold.invoices[0].invoice.total == 4900

    new_prices = (flat("USD", "59.00"), flat("EUR", "45", setup="10.5"), flat("GBP", "39"))
    preview = await preview_version(BILLING, "pro-monthly", new_prices, "14", uow=uow)
    assert preview.next_version == 2 and preview.subscribers == 1
    assert [(c.currency, c.change) for c in preview.changes] == [
        ("USD", "changed"), ("EUR", "unchanged"), ("GBP", "added"),
    ]  # fmt: skip
    assert (preview.trial_before, preview.trial_after) == (0, 14)
    assert await uow.plans.count() == 1  # a preview writes nothing

    v2 = await publish_version(BILLING, "pro-monthly", new_prices, "14", uow=uow, clock=clock)
    assert (v2.version, v2.trial_days, v2.prices[0].charges[0].amount_minor) == (2, 14, 5900)
    entry = uow.audit.entries[-1]
    assert entry.action == "plan.version_published"
    assert entry.before["prices"]["USD"]["charges"][0]["amount_minor"] == 4900
    assert entry.after["prices"]["USD"]["charges"][0]["amount_minor"] == 5900

    page = await plan_page(BILLING, "pro-monthly", uow=uow)
    assert [(v.plan.version, v.subscribers, v.is_current) for v in page.versions] == [
        (1, 1, False), (2, 0, True),
    ]  # fmt: skip

    clock.set(datetime(2024, 4, 1, tzinfo=UTC))  # the renewal bills the version it was sold
    renewed = await advance_subscription(sold.subscription.id, uow=uow, clock=clock, config=CONFIG)
    assert renewed.subscription.plan_id == v1.id
    assert [i.invoice.total for i in renewed.invoices] == [4900]
    other = await create_customer(email="bo@example.test", name="Bo", currency="USD",
                                  country="US", uow=uow, clock=clock)  # fmt: skip
    newcomer = await subscribe(other.id, "pro-monthly", trial_days=0, uow=uow, clock=clock,
                               config=CONFIG)  # fmt: skip
    assert newcomer.subscription.plan_id == v2.id
    assert newcomer.invoices[0].invoice.total == 5900


async def test_publishing_the_same_terms_is_refused() -> None:
    uow, clock = InMemoryUnitOfWork(), FrozenClock(MAR1)
    await create_plan(BILLING, pro(), uow=uow, clock=clock)
    same = (flat("USD", "49"), flat("EUR", "45.00", setup="10.50"))
    with pytest.raises(ValidationFailed) as refused:
        await publish_version(BILLING, "pro-monthly", same, "0", uow=uow, clock=clock)
    assert refused.value.code == "catalog.nothing_changed"
    assert await uow.plans.count() == 1


async def test_display_details_edit_every_version_in_place() -> None:
    uow, clock = InMemoryUnitOfWork(), FrozenClock(MAR1)
    await create_plan(BILLING, pro(), uow=uow, clock=clock)
    await publish_version(BILLING, "pro-monthly", (flat("USD", "59"),), "0", uow=uow, clock=clock)
    details = DetailsInput(name="Pro Plus", features="Everything", is_public=False,
                           sort_order="5", highlighted=True, family="pro")  # fmt: skip
    changed = await update_plan_details(BILLING, "pro-monthly", details, uow=uow, clock=clock)
    assert set(changed) == {"name", "features", "is_public", "sort_order", "highlighted", "family"}
    versions = (await plan_page(BILLING, "pro-monthly", uow=uow)).versions
    assert {(v.plan.name, v.plan.is_public, v.plan.metadata.get("family")) for v in versions} == {
        ("Pro Plus", False, "pro")
    }
    assert [v.plan.prices[0].charges[0].amount_minor for v in versions] == [4900, 5900]
    entry = uow.audit.entries[-1]
    assert (entry.action, entry.before["name"], entry.after["name"]) == (
        "plan.updated", "Pro", "Pro Plus",
    )  # fmt: skip
    again = await update_plan_details(BILLING, "pro-monthly", details, uow=uow, clock=clock)
    assert again == [] and uow.audit.entries[-1] is entry  # nothing changed: nothing recorded


async def test_bounds_and_unit_prices_are_stored_in_plain_form() -> None:
    uow, clock = InMemoryUnitOfWork(), FrozenClock(MAR1)
    tiers = (TierInput("10000", "1"), TierInput("", "0.50"))
    charges = (ChargeInput("graduated", tiers=tiers), ChargeInput("per_unit", unit_price="100"))
    plan = await create_plan(BILLING, pro(PriceInput("USD", "", charges)), uow=uow, clock=clock)
    graduated, per_unit = plan.prices[0].charges
    assert [str(t.up_to) for t in graduated.tiers] == ["10000", "None"]
    assert [str(t.unit_minor) for t in graduated.tiers] == ["100", "50"]
    assert str(per_unit.unit_minor) == "10000"
    page = await plan_page(BILLING, "pro-monthly", uow=uow)
    tier_rows = page.versions[0].prices[0].charges[0].tiers
    assert [(t.first_unit, t.last_unit) for t in tier_rows] == [("1", "10,000"), ("10,001", None)]
