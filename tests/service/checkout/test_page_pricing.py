"""The checkout page's summary priced once per order and minute: pages opened within one minute
share the engine's summary (memoised in the catalog snapshot), a new minute or a new snapshot
prices again, and an order priced anywhere in a minute charges what the minute's start shows
(the page's summary is what the order is agreed and charged on)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from itertools import product

import pytest

from domain.billing.config import BillingConfig
from domain.catalog.cache import CatalogCache
from domain.catalog.model import Plan
from domain.catalog.service import load_demo_catalog
from domain.catalog.snapshot import CatalogSnapshot, read_catalog_in
from domain.checkout.form import OrderForm
from domain.checkout.page import CheckoutPage, checkout_page, preview_instant
from domain.checkout.summary import OrderSummary, is_per_seat, price_order, priced_once
from domain.pricing.coupons import Coupon
from domain.promotions.model import Promotion
from domain.promotions.redemption import find_promotion
from domain.shared.clock import FrozenClock
from domain.shared.money import Currency
from domain.subscriptions.demo import load_demo_coupons
from tests.fakes import InMemoryUnitOfWork

pytestmark = pytest.mark.service

NOW = datetime(2024, 1, 31, 23, 59, 30, 250_000, tzinfo=UTC)  # a 31st, 30 s before midnight
CONFIG = BillingConfig()


@pytest.fixture
async def uow() -> InMemoryUnitOfWork:
    uow = InMemoryUnitOfWork()
    await load_demo_catalog(uow=uow)
    await load_demo_coupons(uow=uow)
    return uow


class Codes:
    """The promotion codes as the pages find them (read from ``uow`` each time)."""

    def __init__(self, uow: InMemoryUnitOfWork) -> None:
        self._uow = uow

    async def find(self, code: str) -> Promotion | None:
        async with self._uow:
            return await find_promotion(self._uow, code)


class Held:
    """A catalog version that stands still (one snapshot) until ``version`` moves."""

    def __init__(self, uow: InMemoryUnitOfWork) -> None:
        self.version = 1
        self.cache = CatalogCache(current_version=self.current, load=self.load)
        self._uow = uow

    async def current(self) -> int:
        return self.version

    async def load(self) -> CatalogSnapshot:
        async with self._uow:
            return await read_catalog_in(self._uow, version=self.version)


async def test_pages_opened_within_a_minute_share_one_priced_summary(
    uow: InMemoryUnitOfWork,
) -> None:
    clock = FrozenClock(NOW)
    held = Held(uow)
    form = OrderForm("team-annual", currency="USD", quantity="5", promotion_code="welcome20")

    async def page() -> CheckoutPage:
        return await checkout_page(
            form, buyer=None, clock=clock, catalog=held.cache, read_uow=lambda: uow, config=CONFIG,
            promotions=Codes(uow),
        )  # fmt: skip

    first = await page()
    assert first.summary.promotion_code == "WELCOME20"
    clock.advance(seconds=29)  # 23:59:59.25: the same minute
    second = await page()
    assert second.summary is first.summary
    assert second.token != first.token
    clock.advance(seconds=1)  # midnight: another minute, another date
    third = await page()
    assert third.summary is not first.summary
    assert first.summary.next_billing_at == datetime(2025, 1, 31, 23, 59, tzinfo=UTC)
    assert third.summary.next_billing_at == datetime(2025, 2, 1, tzinfo=UTC)
    held.version = 2  # a catalog write
    fourth = await page()
    assert fourth.summary is not third.summary and fourth.summary == third.summary  # afresh


@pytest.mark.parametrize(
    "minute",
    [
        datetime(2024, 1, 31, 23, 59, tzinfo=UTC),  # a 31st, the last minute of the day
        datetime(2024, 2, 29, 0, 0, tzinfo=UTC),  # a leap day's first minute
        datetime(2026, 12, 7, 12, 34, tzinfo=UTC),
    ],
)
async def test_an_order_priced_anywhere_in_a_minute_charges_what_its_start_shows(
    uow: InMemoryUnitOfWork, minute: datetime
) -> None:
    async with uow:
        catalog = await read_catalog_in(uow)
        welcome = await find_promotion(uow, "WELCOME20")
    assert welcome is not None
    compared = 0
    for plan, with_code in product(catalog.plans, (False, True)):
        for currency in plan.currencies:
            price = plan.price_in(currency)
            assert price is not None
            quantity = 3 if is_per_seat(price) else 1
            coupon = welcome.terms_in(currency.code) if with_code else None

            def at(
                instant: datetime,
                plan: Plan = plan,
                currency: Currency = currency,
                quantity: int = quantity,
                coupon: Coupon | None = coupon,
            ) -> dict[str, object]:
                return price_order(
                    plan, currency=currency, quantity=quantity, addons=(), coupon=coupon,
                    tax_rate=None, tax_note=None, balance_minor=0, at=instant, config=CONFIG,
                ).agreement()  # fmt: skip

            start = preview_instant(minute + timedelta(seconds=42))
            assert start == minute
            assert at(start) == at(minute + timedelta(seconds=59, microseconds=999_999))
            compared += 1
    assert compared >= 10


async def test_summaries_are_kept_for_the_latest_instant_only(uow: InMemoryUnitOfWork) -> None:
    async with uow:
        catalog = await read_catalog_in(uow)
    plan = catalog.plans[0]
    runs: list[datetime] = []

    def price(at: datetime) -> OrderSummary:
        runs.append(at)
        return price_order(
            plan, currency=plan.currencies[0], quantity=1, addons=(), coupon=None,
            tax_rate=None, tax_note=None, balance_minor=0, at=at, config=CONFIG,
        )  # fmt: skip

    minute = datetime(2026, 12, 7, 12, 34, tzinfo=UTC)
    later = minute + timedelta(minutes=1)
    first = priced_once(catalog, minute, "k", lambda: price(minute))
    assert priced_once(catalog, minute, "k", lambda: price(minute)) is first
    assert priced_once(catalog, later, "k", lambda: price(later)) is not first
    # a request slower to get here, still at the earlier minute: priced, not kept
    late = priced_once(catalog, minute, "k", lambda: price(minute))
    assert late is not first and late == first
    assert runs == [minute, later, minute]
    assert priced_once(catalog, later, "k", lambda: price(later)).next_billing_at is not None
    assert runs == [minute, later, minute]
