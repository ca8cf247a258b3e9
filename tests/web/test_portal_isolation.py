"""The subscriber portal never shows or changes another subscriber's things, nor admits they
exist: signed in as B, every /account URL that names something (enumerated from the app's own
routes, so routes added later are covered too), filled in with A's ids, answers 404 to GET and
to POST, and no row of any table changes."""

from __future__ import annotations

import re
from typing import Any

import pytest
from litestar import Litestar

from domain.accounts.model import SignedIn
from domain.accounts.profile import request_email_change
from domain.adapters.db.tables import ALL_TABLES, AuthSessionTable, OutboxEmailTable
from domain.shared.clock import FrozenClock
from tests.support.accounts import sign_in
from tests.support.database import TestDatabase
from tests.support.html import csrf_token
from tests.support.portal_history import Subscriber, fail_next_renewal, make_subscriber
from tests.web.conftest import serve

pytestmark = pytest.mark.web

PARAM = re.compile(r"\{(\w+)(?::\w+)?\}")
# rows that a request by B may legitimately touch (B's own session: last seen)
VOLATILE = {AuthSessionTable._meta.tablename}


def account_routes(app: Litestar) -> list[tuple[str, str]]:
    """Every (method, path template) under /account, e.g. ("GET", "/account/invoices/{invoice_id:str}")."""
    found = []
    for route in app.routes:
        if not route.path.startswith("/account"):
            continue
        for method in sorted(getattr(route, "methods", set()) - {"HEAD", "OPTIONS"}):
            found.append((method, route.path))
    return found


async def _email_change_secret(app: Litestar, clock: FrozenClock, who: Subscriber) -> str:
    runtime = app.state.runtime
    async with runtime.uow() as uow:
        account = await uow.accounts.get_by_customer(who.customer_id)
    signed = SignedIn(account.id, account.email, account.name, who.customer_id, "s")
    await request_email_change(
        signed, "a-new@example.com", uow=runtime.uow(), clock=clock, mailing=runtime.mailing
    )
    body = (
        await OutboxEmailTable.select(OutboxEmailTable.text_body)
        .where(OutboxEmailTable.recipient == "a-new@example.com")
        .first()
    )["text_body"]
    return re.search(r"/account/profile/email/([\w-]+)", body).group(1)


def ids_of(a: Subscriber, secret: str) -> dict[str, str]:
    """A's id for each kind of path parameter; a parameter the test does not know gets A's
    subscription id (a new route's own id name should be added here)."""
    return {
        "invoice_id": a.invoice_ids[0],  # paid, with its PDF rendered
        "credit_note_id": a.credit_note_id or "",
        "method_id": a.card_ids[0],
        "payment_method_id": a.card_ids[0],
        "secret": secret,
        "token": secret,
        "subscription_id": a.subscription_id,
        "customer_id": a.customer_id,
        "code": "extra-storage",  # an add-on code: with A's subscription, B gets 404 all the same
    }


async def snapshot() -> dict[str, list[dict[str, Any]]]:
    rows: dict[str, list[dict[str, Any]]] = {}
    for table in ALL_TABLES:
        name = table._meta.tablename
        if name in VOLATILE:
            continue
        rows[name] = sorted(
            (await table.select()), key=lambda r: str(r.get(table._meta.primary_key._meta.name))
        )
    return rows


async def test_every_account_url_with_another_subscribers_ids_is_404_and_changes_nothing(
    app: Litestar, db: TestDatabase, clock: FrozenClock
) -> None:
    async with serve(app) as client:
        a = await make_subscriber(app, clock, email="ada@example.com", name="Ada A")
        await fail_next_renewal(app, clock, a)  # an open past-due invoice and a second card
        await make_subscriber(app, clock, email="bob@example.com", name="Bob B")
        secret = await _email_change_secret(app, clock, a)
        ids = ids_of(a, secret)
        await sign_in(client, "bob@example.com")
        token = csrf_token((await client.get("/account/profile")).text)

        routes = account_routes(app)
        with_ids = [(m, p) for m, p in routes if PARAM.search(p)]
        assert {
            "/account/invoices/{invoice_id:str}/pdf",
            "/account/payment-methods/{method_id:str}/remove",
        } <= {p for _, p in with_ids}
        before = await snapshot()
        answers = {}
        for method, template in with_ids:
            path = PARAM.sub(lambda m: ids.get(m.group(1), a.subscription_id), template)
            for verb in {method, "GET", "POST"}:
                if verb == "GET":
                    answer = await client.get(path)
                else:
                    answer = await client.post(path, data={"_csrf_token": token})
                if verb == method or answer.status_code != 405:
                    answers[(verb, template)] = answer.status_code
        assert answers and all(code == 404 for code in answers.values()), {
            k: v for k, v in answers.items() if v != 404
        }
        assert await snapshot() == before

        # and the pages without ids show nothing of A's
        a_marks = [a.customer_id, *a.invoice_ids, *a.card_ids, "Ada A", "ada@example.com"]
        for method, template in routes:
            if method == "GET" and not PARAM.search(template):
                page = await client.get(template, follow_redirects=True)
                assert page.status_code == 200, template
                assert not [m for m in a_marks if m in page.text], template
