"""Placing an order through the checkout's one use case, ``submit_order``, on the in-memory unit of
work with an in-memory gateway: the money charged is the summary the buyer was shown, refusals
write nothing, a declined card leaves only the unpaid order, a promotion code is redeemed once,
a per-seat plan sells up to its ``max_seats``, and a replayed checkout token places one order.

Amounts are computed by hand in the comments."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import pytest

from domain.accounts.mailing import Mailing
from domain.accounts.model import SignedIn
from domain.billing.config import BillingConfig
from domain.billing.model import InvoiceStatus
from domain.catalog.quantities import MAX_SEATS_KEY
from domain.catalog.service import load_demo_catalog
from domain.catalog.snapshot import FreshCatalog
from domain.checkout.form import CardEntry, OrderForm
from domain.checkout.model import CheckoutState, new_checkout_token
from domain.checkout.page import checkout_page
from domain.checkout.placing import place_order
from domain.checkout.service import BillingDetails, check_choice, checkout_plan
from domain.checkout.submit import (
    CheckoutOutcome,
    Declined,
    NeedsPaymentAction,
    Placed,
    Refused,
    submit_order,
)
from domain.notifications.model import EmailKind
from domain.pricing.coupons import CouponDuration
from domain.pricing.tax_policy import JurisdictionRate
from domain.pricing.totals import TaxRate
from domain.shared.clock import FrozenClock
from domain.shared.errors import ValidationFailed
from domain.shared.ids import PlanId
from domain.shared.money import Money
from domain.subscriptions.demo import load_demo_coupons
from domain.subscriptions.engine import SubscriptionStatus
from tests.fakes import FakeEmailRenderer, InMemoryUnitOfWork
from tests.support.gateway import DECLINED, NEEDS_ACTION, SUCCEEDS, FakeGateway
from tests.support.promotions import add_promotion

pytestmark = pytest.mark.service

NOW = datetime(2026, 12, 6, 17, 0, tzinfo=UTC)
CONFIG = BillingConfig()


class PlainHasher:
    def hash(self, password: str) -> str:
        return "plain:" + password

    def verify(self, password_hash: str, password: str) -> bool:
        return password_hash == "plain:" + password

    def needs_rehash(self, password_hash: str) -> bool:
        return False


@dataclass
class Shop:
    uow: InMemoryUnitOfWork
    clock: FrozenClock
    gateway: FakeGateway

    async def page_shown(self, form: OrderForm, buyer: SignedIn | None = None) -> OrderForm:
        """The checkout page the buyer saw for this form, and the form as its Pay button posts
        it (with the summary it showed and its checkout token)."""
        page = await checkout_page(
            form, buyer=buyer, clock=self.clock, catalog=FreshCatalog(lambda: self.uow),
            read_uow=lambda: self.uow, config=CONFIG,
        )  # fmt: skip
        return replace(form, shown=page.summary.agreement(), checkout_token=page.token)

    async def submit(self, form: OrderForm, buyer: SignedIn | None = None) -> CheckoutOutcome:
        return await submit_order(
            form,
            buyer=buyer,
            uow=lambda: self.uow,
            read_uow=lambda: self.uow,
            clock=self.clock,
            config=CONFIG,
            gateway=self.gateway,
            hasher=PlainHasher(),
            mailing=Mailing(renderer=FakeEmailRenderer(), public_url="https://shop.example"),
        )

    # what is stored
    def count(self) -> dict[str, int]:
        u = self.uow
        return {
            "checkouts": len(u.checkouts.rows),
            "customers": len(u.customers.rows),
            "accounts": len(u.accounts.rows),
            "subscriptions": len(u.subscriptions.rows),
            "invoices": len(u.invoices.invoices),
            "payment_methods": len(u.payment_methods.rows),
            "payment_attempts": len(u.payment_attempts.rows),
            "emails": len(u.emails.emails),
            "dunning": len(u.dunning.cases),
        }

    def live_cards(self) -> list[Any]:
        return [m for m, _, removed in self.uow.payment_methods.rows.values() if removed is None]

    def welcomes(self) -> list[Any]:
        return [e for e in self.uow.emails.emails.values() if e.kind is EmailKind.WELCOME]


NOTHING = dict.fromkeys(
    (
        "checkouts",
        "customers",
        "accounts",
        "subscriptions",
        "invoices",
        "payment_methods",
        "payment_attempts",
        "emails",
        "dunning",
    ),
    0,
)


@pytest.fixture
async def shop() -> Shop:
    uow = InMemoryUnitOfWork()
    await load_demo_catalog(uow=uow)
    await load_demo_coupons(uow=uow)
    return Shop(uow, FrozenClock(NOW), FakeGateway())


def _form(plan: str = "team-annual", *, card: str = SUCCEEDS, **over: Any) -> OrderForm:
    details = {
        "name": "Ada Lovelace",
        "email": "ada@example.com",
        "password": "analytical engine 1843",
        "country": "US",
        "region": "CA",
        "address_line1": "1 Infinite Loop",
        "city": "Cupertino",
        "postal_code": "95014",
    }
    details.update({k: over.pop(k) for k in list(over) if k in BillingDetails.__dataclass_fields__})
    fields: dict[str, Any] = {
        "currency": "USD",
        "quantity": "5",
        "promotion_code": "",
        "details": BillingDetails(**details),
        "card": CardEntry(number=card, exp_month="12", exp_year="34", cvc="123"),
        "default_currency": "USD",
    }
    fields.update(over)
    return OrderForm(plan_code=plan, **fields)


async def test_an_order_charges_exactly_the_summary_it_was_shown(shop: Shop) -> None:
    await shop.uow.tax_rates.add(JurisdictionRate("DE", TaxRate("VAT", Decimal(19), False)))
    form = await shop.page_shown(
        _form(currency="EUR", promotion_code="welcome20", country="DE", region="")
    )
    shown = form.shown
    assert shown is not None
    outcome = await shop.submit(form)

    assert isinstance(outcome, Placed), outcome
    assert outcome.session.state is CheckoutState.COMPLETE
    assert outcome.grant is not None  # the new account is signed in
    (invoice,) = shop.uow.invoices.invoices.values()
    totals = invoice.invoice
    # 5 seats x EUR 110.00 = 550.00; WELCOME20 takes 20% = 110.00; VAT 19% of 440.00 = 83.60
    assert (totals.subtotal, totals.discount, totals.tax, totals.amount_due) == (
        55000,
        11000,
        8360,
        52360,
    )
    assert totals.currency == "EUR" and invoice.status is InvoiceStatus.PAID
    assert shown["today"] == 52360 and shown["code"] == "WELCOME20" and shown["quantity"] == 5
    (charge,) = shop.gateway.charges
    assert charge.amount == Money.of_minor(52360, "EUR")
    (sub,) = shop.uow.subscriptions.rows.values()
    assert sub.status is SubscriptionStatus.ACTIVE and sub.quantity == 5
    assert [e.to for e in shop.welcomes()] == ["ada@example.com"]
    # the card went to the gateway and no further: only its token's method is stored
    (card,) = shop.live_cards()
    assert card.last4 == "4242" and card.is_default
    assert SUCCEEDS not in repr(shop.uow.payment_methods.rows) + repr(form)


async def test_refused_billing_details_write_nothing(shop: Shop) -> None:
    form = await shop.page_shown(
        _form(email="not-an-email", password="short", country="XX", city="", name="x" * 201)
    )
    outcome = await shop.submit(form)

    assert isinstance(outcome, Refused), outcome
    errors = outcome.page.errors
    assert list(errors) == ["email", "password", "name", "country", "city"]
    assert errors["country"] == "Choose your country from the list."
    assert errors["city"] == "Enter your city."
    assert errors["name"] == "Use at most 200 characters for your name."
    assert outcome.page.changed is None and outcome.page.checkout is None
    assert shop.count() == NOTHING
    assert shop.gateway.charges == [] and shop.gateway.attached == {}


async def test_placing_a_checked_order_refuses_billing_details_its_caller_did_not_check(
    shop: Shop,
) -> None:
    """``place_order`` does not trust its caller: details that ``submit_order`` would refuse
    create nothing, and the checkout may be tried again."""
    plan = await checkout_plan("team-annual", uow=shop.uow)
    choice = await check_choice(plan, currency="USD", quantity="5", addons={}, uow=shop.uow)
    token = new_checkout_token()
    with pytest.raises(ValidationFailed) as refused:
        await place_order(
            choice,
            BillingDetails(name="Ada", email="ada@example.com", password="analytical engine 1843",
                           country="XX", address_line1="1 Infinite Loop", city="Cupertino"),
            token=token, promotion_code=None, agreed_total=Money.of_minor(60000, "USD"),
            card_token=await shop.gateway.tokenize_card(
                number=SUCCEEDS, exp_month=12, exp_year=2034, cvc="123"
            ),
            buyer=None, uow=lambda: shop.uow, clock=shop.clock, config=CONFIG,
            gateway=shop.gateway, hasher=PlainHasher(),
            mailing=Mailing(renderer=FakeEmailRenderer(), public_url="https://shop.example"),
        )  # fmt: skip
    assert refused.value.field_errors == {"country": "Choose your country from the list."}
    assert shop.uow.checkouts.rows[token].state is CheckoutState.OPEN
    assert {**shop.count(), "checkouts": 0} == NOTHING
    assert shop.gateway.charges == []


async def test_a_declined_card_leaves_only_the_unpaid_order_and_a_new_card_pays_it(
    shop: Shop,
) -> None:
    form = await shop.page_shown(_form(card=DECLINED))
    outcome = await shop.submit(form)

    assert isinstance(outcome, Declined), outcome
    page = outcome.page
    assert page.checkout is not None and page.checkout.state is CheckoutState.DECLINED
    assert page.checkout.message == "Your card was declined."
    assert page.order is not None and page.order.account_created
    assert page.summary.total_today == Money.of_minor(60000, "USD")  # what a retry charges
    assert outcome.grant is not None  # the account stays, signed in
    # what today's behaviour keeps: the customer, the account, the unpaid subscription and its
    # open invoice, the failed attempt; no card, no charge, no welcome, no dunning
    assert shop.count() == {**NOTHING, "checkouts": 1, "customers": 1, "accounts": 1,
                            "subscriptions": 1, "invoices": 1, "payment_methods": 1,
                            "payment_attempts": 1}  # fmt: skip
    (sub,) = shop.uow.subscriptions.rows.values()
    assert sub.status is SubscriptionStatus.INCOMPLETE
    (invoice,) = shop.uow.invoices.invoices.values()
    assert invoice.status is InvoiceStatus.OPEN
    assert shop.live_cards() == []
    assert len(shop.gateway.detached) == 1 and shop.gateway.attached == {}
    assert shop.gateway.succeeded == [] and shop.welcomes() == []

    signed_in = outcome.grant.signed_in
    new_card = CardEntry(number=SUCCEEDS, exp_month="12", exp_year="34", cvc="123")
    retry = replace(form, card=new_card, shown=page.summary.agreement())
    paid = await shop.submit(retry, buyer=signed_in)

    assert isinstance(paid, Placed), paid
    assert paid.session.subscription_id == sub.id
    assert len(shop.uow.subscriptions.rows) == 1
    assert shop.uow.subscriptions.rows[sub.id].status is SubscriptionStatus.ACTIVE
    assert [c.amount for c in shop.gateway.succeeded] == [Money.of_minor(60000, "USD")]
    assert len(shop.welcomes()) == 1


async def test_a_card_that_asks_for_the_customers_check_waits_for_it(shop: Shop) -> None:
    outcome = await shop.submit(await shop.page_shown(_form(card=NEEDS_ACTION)))

    assert isinstance(outcome, NeedsPaymentAction), outcome
    assert outcome.session.state is CheckoutState.AWAITING_ACTION
    (charge,) = shop.gateway.charges  # the payment the gateway made, awaiting the check
    assert charge.result is not None
    assert outcome.payment_ref == outcome.session.payment_ref == charge.result.payment_ref
    assert shop.welcomes() == []


async def test_a_promotion_code_is_redeemed_once(shop: Shop) -> None:
    await add_promotion(
        shop.uow, "LAUNCH", CouponDuration.ONCE, amounts_off={"USD": 1000}, max_redemptions=1
    )
    first = await shop.submit(await shop.page_shown(_form(promotion_code="launch")))

    assert isinstance(first, Placed), first
    (invoice,) = shop.uow.invoices.invoices.values()
    # 5 seats x $120.00 = $600.00, less $10.00 once
    assert (invoice.invoice.discount, invoice.invoice.amount_due) == (1000, 59000)
    assert shop.uow.coupons.rows["LAUNCH"].times_redeemed == 1
    assert shop.uow.promotion_codes.rows["promo-launch"].times_redeemed == 1

    before = shop.count()
    second = await shop.submit(
        await shop.page_shown(_form(promotion_code="LAUNCH", email="grace@example.com"))
    )
    assert isinstance(second, Refused), second
    assert second.page.errors == {"promotion_code": "The code LAUNCH has been used up."}
    assert shop.count() == before
    assert shop.uow.coupons.rows["LAUNCH"].times_redeemed == 1
    assert len(shop.gateway.charges) == 1


async def test_a_per_seat_plan_sells_up_to_its_max_seats(shop: Shop) -> None:
    team = await shop.uow.plans.get_by_code("team-monthly")
    assert team is not None
    crew = replace(team, id=PlanId("test-crew-monthly"), code="crew-monthly",
                   metadata={**team.metadata, MAX_SEATS_KEY: "25"})  # fmt: skip
    await shop.uow.plans.add(crew)

    past = await shop.submit(await shop.page_shown(_form("crew-monthly", quantity="26")))
    assert isinstance(past, Refused), past
    assert past.page.errors == {"quantity": "Enter a whole number of seats from 1 to 25."}
    assert shop.count() == NOTHING and shop.gateway.charges == []

    at_limit = await shop.submit(await shop.page_shown(_form("crew-monthly", quantity="25")))
    assert isinstance(at_limit, Placed), at_limit
    (sub,) = shop.uow.subscriptions.rows.values()
    # 25 seats x $12.00 = $300.00
    assert sub.quantity == 25
    assert [c.amount for c in shop.gateway.charges] == [Money.of_minor(30000, "USD")]


async def test_an_order_replayed_with_its_checkout_token_is_placed_once(shop: Shop) -> None:
    form = await shop.page_shown(_form())
    first = await shop.submit(form)
    assert isinstance(first, Placed), first
    placed = shop.count()

    again = await shop.submit(form)  # a refresh, a back-button resubmit
    assert isinstance(again, Placed), again
    assert again.session.token == first.session.token == form.checkout_token
    assert again.grant is None
    assert shop.count() == placed
    assert placed["subscriptions"] == 1 and len(shop.welcomes()) == 1
    assert len(shop.gateway.charges) == 1


async def test_an_order_that_is_not_the_summary_shown_charges_nothing(shop: Shop) -> None:
    shown = await shop.page_shown(_form(quantity="5"))
    outcome = await shop.submit(replace(shown, quantity="6"))  # seats changed, summary did not

    assert isinstance(outcome, Refused), outcome
    assert outcome.page.changed is not None
    assert outcome.page.changed.before == Money.of_minor(60000, "USD")
    assert outcome.page.summary.total_today == Money.of_minor(72000, "USD")
    assert shop.count() == NOTHING and shop.gateway.charges == []


async def test_a_tax_rate_replaced_after_the_summary_was_shown_charges_nothing(
    shop: Shop,
) -> None:
    """Prices that include VAT: 19% replaced by 20% keeps the total, but not the invoice's tax."""
    await shop.uow.tax_rates.add(JurisdictionRate("DE", TaxRate("VAT", Decimal(19), True)))
    shown = await shop.page_shown(_form(currency="EUR", country="DE", region=""))
    (old,) = await shop.uow.tax_rates.stored()
    await shop.uow.tax_rates.archive(old.id, NOW)
    await shop.uow.tax_rates.add(JurisdictionRate("DE", TaxRate("VAT", Decimal(20), True)))

    outcome = await shop.submit(shown)

    assert isinstance(outcome, Refused), outcome
    assert outcome.page.changed is not None
    assert outcome.page.summary.tax_label == "VAT (20%)"
    assert shop.count() == NOTHING and shop.gateway.charges == []


async def test_a_card_left_empty_or_refused_by_the_gateway_places_nothing(shop: Shop) -> None:
    form = await shop.page_shown(_form())
    empty = await shop.submit(replace(form, card=CardEntry(number=" ", exp_month="12")))

    assert isinstance(empty, Refused), empty
    assert empty.page.errors == {
        "card_number": "Enter your card number.",
        "exp_year": "Enter the year (YY).",
        "cvc": "Enter the security code.",
    }
    assert shop.gateway.tokens == {}  # an incomplete card is not sent to the gateway

    typo = CardEntry(number="4242424242424241", exp_month="12", exp_year="34", cvc="123")
    refused = await shop.submit(replace(form, card=typo))
    assert isinstance(refused, Refused), refused
    assert refused.page.errors == {"card_number": "Your card number is incorrect."}
    assert shop.count() == NOTHING and shop.gateway.charges == []


def test_the_form_never_shows_the_card_or_the_password_in_a_repr() -> None:
    form = _form(password="analytical engine 1843")
    assert "analytical engine" not in repr(form)
    assert SUCCEEDS not in repr(form) and "123" not in repr(form.card)


async def test_an_order_below_the_codes_minimum_is_refused_and_counts_nothing(shop: Shop) -> None:
    await add_promotion(shop.uow, "BIGONLY", CouponDuration.ONCE, percent_off=Decimal(10),
                        minimum_amounts={"USD": 70000})  # fmt: skip
    before = shop.count()
    refused = await shop.submit(await shop.page_shown(_form(promotion_code="bigonly")))

    assert isinstance(refused, Refused), refused
    assert refused.page.errors == {
        "promotion_code": "The code BIGONLY needs an order of at least 700.00 USD before discounts."
    }
    assert shop.count() == before
    assert shop.uow.promotion_codes.rows["promo-bigonly"].times_redeemed == 0
    assert shop.gateway.charges == []
