"""Checkout binds the order to the summary the buyer saw: a declined card and a retry, a total
that changed before paying, the promotion's terms and the stated price after it ends."""

from __future__ import annotations

import httpx
import pytest
from litestar import Litestar

from domain.adapters.db.tables import (
    AccountTable,
    CheckoutSessionTable,
    CustomerTable,
    PaymentMethodTable,
    SandboxCardTable,
    SandboxPaymentTable,
    SubscriptionTable,
)
from domain.checkout.placing import place_order
from domain.checkout.service import BillingDetails, check_choice, checkout_plan
from domain.shared.clock import FrozenClock
from domain.shared.errors import Conflict
from domain.shared.money import Money
from tests.support.accounts import sign_in
from tests.support.database import TestDatabase
from tests.support.html import by_testid, csrf_token, parse, text
from tests.support.portal import make_subscriber
from tests.web.conftest import serve
from tests.web.test_checkout import DECLINE, SUCCESS, _count, _demo, _order

pytestmark = pytest.mark.web

TEAM = "/checkout/team-monthly"
QUERY = "?currency=USD&quantity=3&promotion_code=WELCOME20&country=US&region=CA"


def _hidden(page: str, name: str) -> str:
    field = parse(page).select_one(f'input[name="{name}"]')
    assert field is not None, name
    return str(field["value"])


async def _open(client: httpx.AsyncClient, query: str = QUERY) -> tuple[str, dict[str, str]]:
    page = await client.get(TEAM + query)
    assert page.status_code == 200
    form = _order(csrf_token(page.text), _hidden(page.text, "checkout_token"), quantity="3")
    form["summary_token"] = _hidden(page.text, "summary_token")
    return page.text, form


def _no_stepper(*pages: str) -> None:
    """The checkout is one page: no step indicator claims the buyer is on another step."""
    for page in pages:
        assert parse(page).select_one('nav[aria-label="Checkout progress"], .steps') is None


def _summary(html: str) -> tuple[str, str, str]:
    doc = parse(html)
    return (
        text(by_testid(doc, "summary-total")[0]),
        text(by_testid(doc, "place-order")[0]),
        text(by_testid(doc, "pay-lead")[0]),
    )


async def test_a_declined_card_then_another_card_shows_and_charges_one_number(
    app: Litestar, db: TestDatabase
) -> None:
    """The issue's journey: Team, 3 seats, WELCOME20 ($28.80), 4000 0000 0000 0002 declined,
    then 4242 4242 4242 4242."""
    async with serve(app) as client:
        await _demo(app)
        page, form = await _open(client)
        assert _summary(page) == (
            "$28.80",
            "Pay $28.80 and subscribe",
            "Your card is charged $28.80 now.",
        )
        declined = await client.post(TEAM, data={**form, "card_number": DECLINE})
        assert declined.status_code == 422
        html = parse(declined.text)
        # the buyer's own unpaid attempt does not make the code "first subscription only"
        assert not by_testid(html, "promotion-error")
        assert _summary(declined.text) == (
            "$28.80",
            "Pay $28.80 and subscribe",
            "Your card is charged $28.80 now.",
        )
        notice = text(by_testid(html, "payment-declined")[0])
        assert "Your account was created" in notice and "nothing was charged" in notice
        # the declined card is not kept: not on the customer, not attached at the gateway
        assert await _count(PaymentMethodTable, PaymentMethodTable.removed_at.is_null()) == 0
        assert await _count(SandboxCardTable, SandboxCardTable.customer_ref.is_not_null()) == 0

        retry = {**form, "summary_token": _hidden(declined.text, "summary_token")}
        paid = await client.post(TEAM, data={**retry, "card_number": SUCCESS, "password": ""})
        assert paid.status_code == 303, paid.text
        complete = (await client.get(paid.headers["location"])).text
        done = parse(complete)
        assert text(by_testid(done, "done-charged")[0]) == "$28.80"
        errors = await client.post(TEAM, data={**form, "checkout_token": "n" * 32, "city": ""})
        assert errors.status_code == 422
        _no_stepper(page, declined.text, complete, errors.text)
        charges = await SandboxPaymentTable.select(SandboxPaymentTable.amount_minor).where(
            SandboxPaymentTable.status == "succeeded"
        )
        assert [c["amount_minor"] for c in charges] == [2880]
        assert await _count(SubscriptionTable) == 1
        assert await _count(PaymentMethodTable, PaymentMethodTable.removed_at.is_null()) == 1


async def test_a_total_that_changed_is_shown_again_before_anything_is_charged(
    app: Litestar, db: TestDatabase
) -> None:
    """Without JavaScript the buyer changes the seats and presses Pay at once: the page they
    saw said $28.80, the order now costs $38.40, so it is shown again and nothing happens."""
    async with serve(app) as client:
        await _demo(app)
        _, form = await _open(client)
        changed = await client.post(TEAM, data={**form, "quantity": "4"})
        assert changed.status_code == 409
        html = parse(changed.text)
        assert "$38.40" in text(by_testid(html, "total-changed")[0])
        assert _summary(changed.text)[:2] == ("$38.40", "Pay $38.40 and subscribe")
        assert await _count(SubscriptionTable) == 0
        assert await _count(CustomerTable) == 0
        assert await _count(CheckoutSessionTable) == 0
        assert await _count(SandboxPaymentTable) == 0
        again = {**form, "quantity": "4", "summary_token": _hidden(changed.text, "summary_token")}
        paid = await client.post(TEAM, data=again)
        assert paid.status_code == 303, paid.text
        done = parse((await client.get(paid.headers["location"])).text)
        assert text(by_testid(done, "done-charged")[0]) == "$38.40"


@pytest.mark.parametrize("token", ["", "bm9wZQ.0000", "garbage"])
async def test_an_order_without_the_summary_it_was_shown_is_refused(
    app: Litestar, db: TestDatabase, token: str
) -> None:
    async with serve(app) as client:
        await _demo(app)
        _, form = await _open(client)
        refused = await client.post(TEAM, data={**form, "summary_token": token})
        assert refused.status_code == 409
        assert by_testid(parse(refused.text), "total-changed")
        assert await _count(SubscriptionTable) == 0
        assert await _count(SandboxPaymentTable) == 0


async def test_the_summary_states_the_coupons_terms_and_the_price_after_it_ends(
    app: Litestar, db: TestDatabase
) -> None:
    async with serve(app) as client:
        await _demo(app)
        page = await client.get(TEAM + QUERY)
        html = parse(page.text)
        assert text(by_testid(html, "summary-promotion-terms")[0]) == "20% off for 3 months"
        then = text(by_testid(html, "summary-then")[0])
        # the frozen clock is Jan 31, 2024: two more discounted months, then the full price
        assert then == (
            "Then $28.80 on Feb 29, 2024 and Mar 31, 2024, "
            "then $36.00 every month from Apr 30, 2024 until you cancel."
        )
        fragment = await client.get(TEAM + "/summary" + QUERY, headers={"HX-Request": "true"})
        doc = parse(fragment.text)
        assert text(by_testid(doc, "summary-promotion-terms")[0]) == "20% off for 3 months"
        # the pay button, its sentence and the signed summary follow the fragment
        assert text(by_testid(doc, "place-order-label")[0]) == "Pay $28.80 and subscribe"
        assert doc.select_one('input[name="summary_token"][hx-swap-oob]') is not None


async def test_a_declined_card_leaves_a_signed_in_buyers_own_card_the_default(
    app: Litestar, db: TestDatabase, clock: FrozenClock
) -> None:
    async with serve(app) as client:
        await _demo(app)
        sub = await make_subscriber(app, clock, plan="starter-monthly")
        assert (await sign_in(client, sub.email)).status_code == 303
        _, form = await _open(client, "?currency=USD&quantity=3&country=US&region=CA")
        form.update(email="", password="", name="Sam", promotion_code="")
        declined = await client.post(TEAM, data={**form, "card_number": DECLINE})
        assert declined.status_code == 422
        notice = text(by_testid(parse(declined.text), "payment-declined")[0])
        assert "Nothing was charged." in notice and "account was created" not in notice
        cards = await PaymentMethodTable.select(
            PaymentMethodTable.last4, PaymentMethodTable.is_default
        ).where(PaymentMethodTable.removed_at.is_null())
        assert cards == [{"last4": "4242", "is_default": True}]


async def test_an_order_whose_first_invoice_is_not_the_agreed_total_is_not_created(
    app: Litestar, db: TestDatabase
) -> None:
    """The last guard, inside the order transaction: the total changed between the page's check
    and the order (a price published meanwhile, say); nothing of the order is left."""
    async with serve(app) as client:
        await _demo(app)
        _, form = await _open(client)
        runtime = app.state.runtime
        plan = await checkout_plan("team-monthly", uow=runtime.read_uow())
        choice = await check_choice(
            plan, currency="USD", quantity="3", addons={}, uow=runtime.read_uow()
        )
        card = await runtime.gateway.tokenize_card(
            number=SUCCESS, exp_month=12, exp_year=2034, cvc="123"
        )
        with pytest.raises(Conflict) as refused:
            await place_order(
                choice,
                BillingDetails(
                    name="Ada",
                    email="ada@example.com",
                    password="analytical engine 1843",
                    country="US",
                    address_line1="1 Infinite Loop",
                    city="Cupertino",
                ),
                token=form["checkout_token"],
                promotion_code="WELCOME20",
                agreed_total=Money.of_minor(2879, "USD"),
                card_token=card,
                buyer=None,
                uow=runtime.uow,
                clock=runtime.clock,
                config=runtime.settings.billing,
                gateway=runtime.gateway,
                hasher=runtime.hasher,
                mailing=runtime.mailing,
            )
        assert refused.value.code == "checkout.total_changed"
        for table in (SubscriptionTable, CustomerTable, AccountTable, SandboxPaymentTable):
            assert await _count(table) == 0, table
        (session,) = await CheckoutSessionTable.select(CheckoutSessionTable.state)
        assert session["state"] == "open"  # the buyer may try again
