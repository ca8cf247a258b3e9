"""A field the form cannot take (a NUL byte, more characters than it holds) comes back beside
the field with 422, and nothing is looked up or written: the cases of issue 11 §4 that answered
500 on PostgreSQL, one by one (tests/web/test_hostile_inputs.py walks every route)."""

from __future__ import annotations

import pytest
from litestar import Litestar

from domain.adapters.db.tables import CustomerTable, SignInAttemptTable
from domain.shared.clock import FrozenClock
from domain.shared.text import BAD_CHARACTERS
from tests.support.accounts import make_account, sign_in
from tests.support.database import TestDatabase
from tests.support.html import by_testid, csrf_token, parse, text
from tests.support.portal_history import make_subscriber
from tests.web.conftest import serve

pytestmark = pytest.mark.web


@pytest.mark.parametrize(
    ("email", "message"),
    [("a\x00b@example.com", BAD_CHARACTERS), ("x" * 10_240, "Use at most 254 characters.")],
)
async def test_sign_in_with_an_unreadable_or_huge_e_mail_is_refused_on_the_form(
    app: Litestar, db: TestDatabase, email: str, message: str
) -> None:
    async with serve(app) as client:
        token = csrf_token((await client.get("/auth/login")).text)
        answer = await client.post(
            "/auth/login", data={"email": email, "password": "whatever it is", "_csrf_token": token}
        )
    assert answer.status_code == 422
    assert text(by_testid(parse(answer.text), "signin-error")[0]) == message
    assert await SignInAttemptTable.count() == 0  # not even a failure was recorded


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("region", "x" * 10_240, "Use at most 100 characters."),
        ("tax_id", "x" * 10_240, "Use at most 40 characters."),
        ("region", "Bava\x00ria", BAD_CHARACTERS),
        ("name", "Ada\x00", BAD_CHARACTERS),
    ],
)
async def test_billing_details_the_columns_cannot_hold_come_back_beside_the_field(
    app: Litestar, db: TestDatabase, clock: FrozenClock, field: str, value: str, message: str
) -> None:
    async with serve(app) as client:
        who = await make_subscriber(app, clock, email="ada@example.com", name="Ada A")
        await sign_in(client, "ada@example.com")
        token = csrf_token((await client.get("/account/profile")).text)
        before = await CustomerTable.select().where(CustomerTable.id == who.customer_id)
        form = {"name": "Ada A", "address": "1 Main St", "country": "US", "region": "CA",
                "tax_id": "", field: value, "_csrf_token": token}  # fmt: skip
        answer = await client.post("/account/profile/billing", data=form)
    assert answer.status_code == 422
    control = "billing-name" if field == "name" else field
    error = parse(answer.text).select_one(f"#f-{control}-error")
    assert error is not None and text(error) == message
    assert await CustomerTable.select().where(CustomerTable.id == who.customer_id) == before


@pytest.mark.parametrize(
    "url",
    [
        "/checkout/team-monthly?promotion_code=a%00b",
        "/account/invoices/a%00b",
        "/api/v1/plans/a%00b",
        "/checkout/complete/a%00b",
    ],
)
async def test_a_nul_in_the_address_answers_400(
    app: Litestar, db: TestDatabase, clock: FrozenClock, url: str
) -> None:
    async with serve(app) as client:
        await make_account(app.state.runtime.uow(), clock)
        await sign_in(client)
        answer = await client.get(url)
    assert answer.status_code == 400
    if url.startswith("/api/"):
        assert answer.headers["content-type"] == "application/problem+json"
        assert answer.json()["status"] == 400
    else:
        assert "characters we cannot read" in answer.text
