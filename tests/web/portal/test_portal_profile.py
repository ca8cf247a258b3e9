"""The portal's profile page: name, e-mail change, billing details, password, preferences."""

from __future__ import annotations

import re

import pytest
from litestar import Litestar

from domain.adapters.db.tables import AccountTable, CustomerTable, InvoiceTable, OutboxEmailTable
from domain.shared.clock import FrozenClock
from tests.support.accounts import PASSWORD, sign_in
from tests.support.database import TestDatabase
from tests.support.html import csrf_token, parse
from tests.support.portal_history import make_subscriber
from tests.web.conftest import serve

pytestmark = pytest.mark.web


async def test_the_profile_page_lists_sessions_preferences_and_forms(
    app: Litestar, db: TestDatabase, clock: FrozenClock
) -> None:
    async with serve(app) as client:
        await make_subscriber(app, clock, email="sam@example.com")
        await sign_in(client, "sam@example.com")
        page = await client.get("/account/profile")
        assert page.status_code == 200
        html = parse(page.text)
        assert html.select_one("[data-testid=current-email]").get_text() == "sam@example.com"
        assert len(html.select("[data-testid=sessions] li")) == 1
        assert html.select_one("form[action='/auth/logout-everywhere']") is not None
        for control in html.select("input:not([type=hidden]), textarea"):
            if control.get("hidden") is None:
                assert html.select_one(f"label[for='{control['id']}']"), control


async def test_billing_details_apply_to_future_invoices_only(
    app: Litestar, db: TestDatabase, clock: FrozenClock
) -> None:
    async with serve(app) as client:
        who = await make_subscriber(app, clock, email="sam@example.com")
        await sign_in(client, who.email)
        token = csrf_token((await client.get("/account/profile")).text)
        bad = await client.post(
            "/account/profile/billing",
            data={"_csrf_token": token, "name": "", "address": "1 Main St", "country": "Germany",
                  "region": "", "tax_id": ""},
        )  # fmt: skip
        assert bad.status_code == 422
        html = parse(bad.text)
        assert html.select_one("#f-billing-name-error") and html.select_one("#f-country-error")
        assert "1 Main St" in html.select_one("#f-address").get_text()
        ok = await client.post(
            "/account/profile/billing",
            data={"_csrf_token": token, "name": "Sam GmbH", "address": "Hauptstr. 1\n10115 Berlin",
                  "country": "de", "region": "", "tax_id": ""},
        )  # fmt: skip
        assert ok.status_code == 303
        row = (await CustomerTable.select().where(CustomerTable.id == who.customer_id))[0]
        assert row["name"] == "Sam GmbH" and row["country"] == "DE"
        invoice = (await InvoiceTable.select().where(InvoiceTable.id == who.invoice_ids[0]))[0]
        assert "Sam GmbH" not in str(invoice["customer_snapshot"])


async def test_an_email_change_is_confirmed_from_the_new_mailbox(
    app: Litestar, db: TestDatabase, clock: FrozenClock
) -> None:
    async with serve(app) as client:
        who = await make_subscriber(app, clock, email="sam@example.com")
        await sign_in(client, who.email)
        token = csrf_token((await client.get("/account/profile")).text)
        taken = await client.post(
            "/account/profile/email", data={"_csrf_token": token, "email": "sam@example.com"}
        )
        assert taken.status_code == 422
        asked = await client.post(
            "/account/profile/email", data={"_csrf_token": token, "email": "Sam@New.example"}
        )
        assert asked.status_code == 303
        mails = await OutboxEmailTable.select().where(OutboxEmailTable.kind == "email_change")
        assert sorted(m["recipient"] for m in mails) == ["sam@example.com", "sam@new.example"]
        to_new = next(m for m in mails if m["recipient"] == "sam@new.example")
        link = re.search(r"/account/profile/email/([\w-]+)", to_new["text_body"]).group(1)
        old = next(m for m in mails if m["recipient"] == "sam@example.com")
        assert link not in old["text_body"]
        page = await client.get(f"/account/profile/email/{link}")
        assert page.status_code == 200
        done = await client.post(
            f"/account/profile/email/{link}", data={"_csrf_token": csrf_token(page.text)}
        )
        assert done.status_code == 303
        account = (await AccountTable.select(AccountTable.email))[0]
        customer = (await CustomerTable.select(CustomerTable.email))[0]
        assert account["email"] == customer["email"] == "sam@new.example"
        again = await client.post(
            f"/account/profile/email/{link}", data={"_csrf_token": csrf_token(page.text)}
        )
        assert again.status_code == 410


async def test_password_change_keeps_this_session_and_checks_the_current_one(
    app: Litestar, db: TestDatabase, clock: FrozenClock
) -> None:
    async with serve(app) as client:
        who = await make_subscriber(app, clock, email="sam@example.com")
        await sign_in(client, who.email)
        token = csrf_token((await client.get("/account/profile")).text)
        wrong = await client.post(
            "/account/profile/password",
            data={"_csrf_token": token, "current_password": "nope", "new_password": "x" * 12},
        )
        assert wrong.status_code == 422
        assert parse(wrong.text).select_one("#f-current_password-error") is not None
        ok = await client.post(
            "/account/profile/password",
            data={"_csrf_token": token, "current_password": PASSWORD,
                  "new_password": "a much better passphrase"},
        )  # fmt: skip
        assert ok.status_code == 303
        assert (await client.get("/account/profile")).status_code == 200


async def test_email_preferences_are_saved(
    app: Litestar, db: TestDatabase, clock: FrozenClock
) -> None:
    async with serve(app) as client:
        who = await make_subscriber(app, clock, email="sam@example.com")
        await sign_in(client, who.email)
        token = csrf_token((await client.get("/account/profile")).text)
        await client.post(
            "/account/profile/notifications",
            data={"_csrf_token": token, "notice": ["trial_ending"]},
        )
        page = parse((await client.get("/account/profile")).text)
        assert page.select_one("#f-notice-trial_ending").has_attr("checked")
        assert not page.select_one("#f-notice-upcoming_renewal").has_attr("checked")
