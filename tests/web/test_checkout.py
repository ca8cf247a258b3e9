"""Checkout through HTTP: the form and its summary, validation, and placing an order once."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from typing import Any

import httpx
import pytest
from litestar import Litestar

from domain.adapters.db.tables import (
    CheckoutSessionTable,
    DunningCaseTable,
    OutboxEmailTable,
    PaymentAttemptTable,
    SandboxPaymentTable,
    SubscriptionTable,
)
from domain.catalog.service import load_demo_catalog
from domain.customers.service import create_customer
from domain.shared.clock import FrozenClock
from domain.subscriptions.demo import load_demo_coupons
from tests.support.accounts import make_account, sign_in
from tests.support.database import TestDatabase
from tests.support.html import by_testid, csrf_token, parse, text
from tests.support.jobs import drain_jobs
from tests.web.conftest import serve

pytestmark = pytest.mark.web

SUCCESS, DECLINE, ACTION = "4242424242424242", "4000000000000002", "4000002500003155"
PATH = "/checkout/team-annual"


async def _demo(app: Litestar) -> None:
    runtime = app.state.runtime
    await load_demo_catalog(uow=runtime.uow())
    await load_demo_coupons(uow=runtime.uow())


# the signed summary each opened checkout showed (``_order`` posts it back, as the form does)
_SHOWN: dict[str, str] = {}
ORDERED = "?currency=USD&quantity=5&promotion_code=WELCOME20&country=US&region=CA"


async def _open(
    client: httpx.AsyncClient, path: str = PATH, query: str = ORDERED
) -> tuple[str, str, str]:
    """Open the checkout as the order will be posted (the summary it shows is what paying
    agrees to)."""
    page = await client.get(path + query)
    assert page.status_code == 200
    html = parse(page.text)
    token, shown = (
        html.select_one(f'input[name="{n}"]') for n in ("checkout_token", "summary_token")
    )
    assert token is not None and shown is not None
    _SHOWN[str(token["value"])] = str(shown["value"])
    return page.text, csrf_token(page.text), str(token["value"])


def _order(csrf: str, token: str, card: str = SUCCESS, **over: str) -> dict[str, str]:
    data = {
        "summary_token": _SHOWN.get(token, ""),
        "_csrf_token": csrf,
        "checkout_token": token,
        "currency": "USD",
        "quantity": "5",
        "promotion_code": "WELCOME20",
        "name": "Ada Lovelace",
        "email": "ada@example.com",
        "password": "analytical engine 1843",
        "country": "US",
        "region": "CA",
        "address_line1": "1 Infinite Loop",
        "address_line2": "",
        "city": "Cupertino",
        "postal_code": "95014",
        "tax_id": "",
        "card_number": card,
        "exp_month": "12",
        "exp_year": "34",
        "cvc": "123",
    }
    data.update(over)
    return data


async def _count(table: Any, *where: Any) -> int:
    query = table.count()
    for w in where:
        query = query.where(w)
    return int(await query)


async def test_the_page_shows_the_summary_priced_by_the_engine(
    app: Litestar, db: TestDatabase
) -> None:
    async with serve(app) as client:
        await _demo(app)
        page = await client.get(PATH + "?currency=USD&quantity=5&promotion_code=WELCOME20")
        assert page.status_code == 200
        html = parse(page.text)
        assert text(by_testid(html, "summary-total")[0]) == "$480.00"
        assert text(by_testid(html, "summary-discount")[0]).endswith("$120.00")
        for control in html.select("form#checkout-form input:not([type=hidden]), form select"):
            assert html.select_one(f'label[for="{control["id"]}"]') is not None, control
        fragment = await client.get(
            PATH + "/summary?currency=USD&quantity=2&promotion_code=NOPE&country=US",
            headers={"HX-Request": "true"},
        )
        assert fragment.status_code == 200
        doc = parse(fragment.text)
        assert doc.find("html") is None
        assert text(by_testid(doc, "summary-total")[0]) == "$240.00"
        assert text(by_testid(doc, "promotion-error")[0]) == "The code NOPE is not valid."


async def test_apply_without_javascript_rerenders_the_page_with_the_code(
    app: Litestar, db: TestDatabase
) -> None:
    async with serve(app) as client:
        await _demo(app)
        _, csrf, token = await _open(client)
        applied = await client.post(PATH, data=_order(csrf, token, intent="apply", card_number=""))
        assert applied.status_code == 200
        assert text(by_testid(parse(applied.text), "summary-total")[0]) == "$480.00"
        assert await _count(SubscriptionTable) == 0


async def test_unknown_and_add_on_plans_are_a_friendly_404(app: Litestar, db: TestDatabase) -> None:
    async with serve(app) as client:
        await _demo(app)
        for path in ("/checkout/no-such-plan", "/checkout/priority-support"):
            answer = await client.get(path)
            assert answer.status_code == 404
            assert parse(answer.text).find("html") is not None


async def test_bad_input_is_shown_next_to_each_field_and_kept(
    app: Litestar, db: TestDatabase
) -> None:
    async with serve(app) as client:
        await _demo(app)
        _, csrf, token = await _open(client)
        answer = await client.post(
            PATH,
            data=_order(
                csrf,
                token,
                quantity="0",
                email="not-an-email",
                password="short",
                country="XX",
                city="",
                name="x" * 201,
                card_number="4242424242424241",
                promotion_code="EXPIRED1",
                tax_id="",
            ),
        )
        assert answer.status_code == 422
        html = parse(answer.text)
        for name in ("quantity", "email", "password", "country", "city", "name", "card_number",
                     "promotion_code"):  # fmt: skip
            assert html.select_one(f"#f-{name}-error") is not None, name
        assert html.select_one("#f-email")["value"] == "not-an-email"  # type: ignore[index]
        assert html.select_one("#f-quantity")["value"] == "0"  # type: ignore[index]
        assert not html.select_one("#f-card_number").has_attr("value")  # type: ignore[union-attr]
        assert not html.select_one("#f-password").has_attr("value")  # type: ignore[union-attr]
        assert await _count(SubscriptionTable) == 0
        assert await _count(CheckoutSessionTable) == 0


async def test_an_add_on_that_does_not_attach_is_refused(app: Litestar, db: TestDatabase) -> None:
    async with serve(app) as client:
        await _demo(app)
        _, csrf, token = await _open(client)
        answer = await client.post(
            PATH, data=_order(csrf, token, **{"addon-priority-support": "1"})
        )
        assert answer.status_code == 422
        assert "cannot be added" in text(parse(answer.text).select_one("#f-addons-error"))  # type: ignore[arg-type]
        assert await _count(SubscriptionTable) == 0


async def test_an_existing_account_is_asked_to_sign_in(
    app: Litestar, db: TestDatabase, clock: FrozenClock
) -> None:
    async with serve(app) as client:
        await _demo(app)
        await make_account(app.state.runtime.uow(), clock, email="ada@example.com")
        _, csrf, token = await _open(client)
        answer = await client.post(PATH, data=_order(csrf, token))
        assert answer.status_code == 422
        html = parse(answer.text)
        assert by_testid(html, "account-exists")
        link = by_testid(html, "account-exists")[0].find("a")
        assert link is not None and link["href"] == "/auth/login?next=/checkout/team-annual"


async def _place(client: httpx.AsyncClient, data: dict[str, str]) -> httpx.Response:
    return await client.post(PATH, data=data)


async def test_an_order_is_placed_once_and_the_buyer_lands_signed_in(
    app: Litestar, db: TestDatabase
) -> None:
    async with serve(app) as client:
        await _demo(app)
        _, csrf, token = await _open(client)
        data = _order(csrf, token)
        first = await _place(client, data)
        assert first.status_code == 303, first.text
        assert first.headers["location"] == f"/checkout/complete/{token}"
        again = await _place(client, data)  # a refresh, a back-button resubmit
        assert again.status_code == 303 and again.headers["location"] == first.headers["location"]
        done = await client.get(first.headers["location"])
        assert done.status_code == 200
        html = parse(done.text)
        assert text(by_testid(html, "done-charged")[0]) == "$480.00"
        assert await _count(SubscriptionTable) == 1
        assert await _count(SandboxPaymentTable) == 1
        assert await _count(PaymentAttemptTable) == 1
        assert await _count(OutboxEmailTable, OutboxEmailTable.kind == "welcome") == 1
        await drain_jobs(app)
        assert await _count(OutboxEmailTable, OutboxEmailTable.kind == "receipt") == 1
        assert await _count(PaymentAttemptTable) == 1  # no queued collection charged it again
        assert [r["status"] for r in await SubscriptionTable.select(SubscriptionTable.status)] == [
            "active"
        ]
        account = await client.get("/account", follow_redirects=False)
        assert account.headers.get("location", "").startswith("/auth/login") is False
    async with serve(app) as stranger:
        assert (await stranger.get(f"/checkout/complete/{token}")).status_code == 404


async def test_a_double_click_places_one_order(app: Litestar, db: TestDatabase) -> None:
    async with serve(app) as client:
        await _demo(app)
        _, csrf, token = await _open(client)
        data = _order(csrf, token)
        answers = await asyncio.gather(_place(client, data), _place(client, data))
        assert sorted(a.status_code for a in answers) == [303, 303]
        assert await _count(SubscriptionTable) == 1
        assert await _count(SandboxPaymentTable) == 1
        assert await _count(PaymentAttemptTable) == 1
        assert await _count(OutboxEmailTable, OutboxEmailTable.kind == "welcome") == 1


async def test_a_decline_keeps_the_order_and_a_new_card_pays_the_same_subscription(
    app: Litestar, db: TestDatabase
) -> None:
    async with serve(app) as client:
        await _demo(app)
        _, csrf, token = await _open(client)
        declined = await _place(client, _order(csrf, token, card=DECLINE))
        assert declined.status_code == 422
        html = parse(declined.text)
        assert "Your card was declined." in text(by_testid(html, "payment-declined")[0])
        # the order exists: it is shown as stored, and only the card is asked for again
        assert "Cupertino" in text(by_testid(html, "order-on-file-billing")[0])
        assert html.select_one("#f-city") is None
        assert not html.select_one("#f-card_number").has_attr("value")  # type: ignore[union-attr]
        charged = await SandboxPaymentTable.select().where(
            SandboxPaymentTable.status == "succeeded"
        )
        assert charged == []
        assert await _count(DunningCaseTable) == 0  # a first payment is not dunned
        # nothing is welcomed until it is paid (a declined, abandoned order sends nothing)
        assert await _count(OutboxEmailTable, OutboxEmailTable.kind == "welcome") == 0
        retry = await _place(client, _order(csrf, token, card=SUCCESS, password=""))
        assert retry.status_code == 303, retry.text
        assert await _count(SubscriptionTable) == 1
        assert [r["status"] for r in await SubscriptionTable.select(SubscriptionTable.status)] == [
            "active"
        ]
        assert await _count(OutboxEmailTable, OutboxEmailTable.kind == "welcome") == 1
        done = await client.get(retry.headers["location"])
        assert text(by_testid(parse(done.text), "done-charged")[0]) == "$480.00"


async def test_a_card_that_asks_for_confirmation_completes_after_the_extra_step(
    app: Litestar, db: TestDatabase
) -> None:
    async with serve(app) as client:
        await _demo(app)
        _, csrf, token = await _open(client)
        placed = await _place(client, _order(csrf, token, card=ACTION))
        assert placed.status_code == 303
        location = placed.headers["location"]
        assert location.startswith("/pay/confirm/") and location.endswith(
            f"?return=/checkout/complete/{token}"
        )
        assert await _count(OutboxEmailTable, OutboxEmailTable.kind == "welcome") == 0
        page = await client.get(location)
        form_return = parse(page.text).select_one('input[name="return"]')
        assert form_return is not None and form_return["value"] == f"/checkout/complete/{token}"
        ref = location.split("/pay/confirm/")[1].split("?")[0]
        confirmed = await client.post(
            f"/pay/confirm/{ref}",
            data={"_csrf_token": csrf_token(page.text), "return": str(form_return["value"])},
        )
        assert confirmed.status_code == 303
        assert confirmed.headers["location"] == f"/checkout/complete/{token}"
        done = await client.get(confirmed.headers["location"])
        assert by_testid(parse(done.text), "done-charged")
        assert text(by_testid(parse(done.text), "done-charged")[0]) == "$480.00"
        assert await _count(SubscriptionTable) == 1
        assert await _count(OutboxEmailTable, OutboxEmailTable.kind == "welcome") == 1
        await client.get(confirmed.headers["location"])  # seeing it again sends nothing more
        assert await _count(OutboxEmailTable, OutboxEmailTable.kind == "welcome") == 1


async def test_a_signed_in_buyer_subscribes_on_their_account(
    app: Litestar, db: TestDatabase, clock: FrozenClock
) -> None:
    async with serve(app) as client:
        await _demo(app)
        runtime = app.state.runtime
        customer = await create_customer(
            email="sam@example.com", name="Sam", currency="USD", country="US",
            uow=runtime.uow(), clock=clock,
        )  # fmt: skip
        await make_account(runtime.uow(), clock, customer_id=customer.id)
        await sign_in(client)
        page, csrf, token = await _open(
            client, query="?currency=USD&quantity=5&country=US&region=CA"
        )
        assert by_testid(parse(page), "signed-in-as")
        data = _order(csrf, token, email="", password="", name="Sam", promotion_code="")
        placed = await _place(client, data)
        assert placed.status_code == 303, placed.text
        done = await client.get(placed.headers["location"])
        assert text(by_testid(parse(done.text), "done-charged")[0]) == "$600.00"
        rows = await SubscriptionTable.select(SubscriptionTable.customer)
        assert [r["customer"] for r in rows] == [customer.id]


async def test_a_trial_charges_nothing_today_and_saves_the_card(
    app: Litestar, db: TestDatabase
) -> None:
    async with serve(app) as client:
        await _demo(app)
        page, csrf, token = await _open(
            client, "/checkout/starter-monthly", "?currency=USD&quantity=1&country=US&region=CA"
        )
        html = parse(page)
        assert text(by_testid(html, "summary-total")[0]) == "$0.00"
        assert "Then $19.00 on" in text(by_testid(html, "summary-then")[0])
        assert html.select_one("#f-quantity") is None  # a flat plan is bought once
        data = _order(csrf, token, promotion_code="")
        del data["quantity"]
        placed = await client.post("/checkout/starter-monthly", data=data)
        assert placed.status_code == 303, placed.text
        done = parse((await client.get(placed.headers["location"])).text)
        assert text(by_testid(done, "done-charged")[0]) == "$0.00"
        assert await _count(SandboxPaymentTable) == 0
        assert [r["status"] for r in await SubscriptionTable.select(SubscriptionTable.status)] == [
            "trialing"
        ]


async def test_a_resubmit_while_the_order_is_processing_shows_a_page_that_refreshes(
    app: Litestar, db: TestDatabase, clock: FrozenClock
) -> None:
    async with serve(app) as client:
        await _demo(app)
        _, csrf, token = await _open(client)
        now = clock.now()
        await CheckoutSessionTable.insert(
            CheckoutSessionTable(
                token=token, plan_code="team-annual", state="processing", message="",
                created_at=now, updated_at=now,
            )
        )  # fmt: skip
        again = await _place(client, _order(csrf, token))
        assert again.status_code == 303
        assert again.headers["location"] == f"/checkout/complete/{token}"
        page = await client.get(again.headers["location"])
        assert page.status_code == 200
        html = parse(page.text)
        assert by_testid(html, "checkout-processing")
        refresh = html.select_one('meta[http-equiv="refresh"]')
        assert refresh is not None and f"/checkout/complete/{token}" in str(refresh["content"])
        assert await _count(SubscriptionTable) == 0


async def test_an_order_left_processing_by_a_dead_request_is_taken_over_later(
    app: Litestar, db: TestDatabase, clock: FrozenClock
) -> None:
    async with serve(app) as client:
        await _demo(app)
        _, csrf, token = await _open(client)
        then = clock.now() - timedelta(minutes=3)
        await CheckoutSessionTable.insert(
            CheckoutSessionTable(
                token=token, plan_code="team-annual", state="processing", message="",
                created_at=then, updated_at=then,
            )
        )  # fmt: skip
        placed = await _place(client, _order(csrf, token))
        assert placed.status_code == 303
        done = await client.get(placed.headers["location"])
        assert text(by_testid(parse(done.text), "done-charged")[0]) == "$480.00"
        assert await _count(SubscriptionTable) == 1
