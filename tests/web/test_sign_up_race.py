"""Two sign-ups with the same new e-mail at once (two tabs): both pass the "does an account
exist?" check, one commits first, and the other's insert meets the unique index (PostgreSQL) or
waits for the first and sees its row (SQLite). The one that loses gets the same answer as a
later sign-up would: "An account with this e-mail exists", a 422 form, nothing written."""

from __future__ import annotations

import asyncio

import httpx
import pytest
from litestar import Litestar

from domain.accounts.errors import AccountErrorCode
from domain.adapters.db.repositories.accounts import PiccoloAccountRepository
from domain.adapters.db.repositories.subscriptions import PiccoloCustomerRepository
from domain.adapters.db.tables import AccountTable, CustomerTable, SubscriptionTable
from domain.checkout.service import ACCOUNT_EXISTS
from domain.shared.clock import FrozenClock
from domain.shared.errors import ValidationFailed
from tests.support.accounts import make_account
from tests.support.database import TestDatabase
from tests.support.html import by_testid, parse, text
from tests.web.conftest import serve
from tests.web.test_checkout import _demo, _open, _order

pytestmark = pytest.mark.web


async def _not_seen(self: object, email: str) -> None:
    """The other tab's row is not committed yet when this request looks."""
    return None


async def test_a_sign_up_that_loses_the_race_for_the_e_mail_is_told_the_account_exists(
    app: Litestar, db: TestDatabase, monkeypatch: pytest.MonkeyPatch
) -> None:
    async with serve(app) as client:
        await _demo(app)
        _, csrf, token = await _open(client)
        first = await client.post("/checkout/team-annual", data=_order(csrf, token))
        assert first.status_code == 303  # the first tab's order went through
        client.cookies.delete("session")
        _, csrf, token = await _open(client)
        counts = [await t.count() for t in (CustomerTable, AccountTable, SubscriptionTable)]
        monkeypatch.setattr(PiccoloAccountRepository, "get_by_email", _not_seen)
        monkeypatch.setattr(PiccoloCustomerRepository, "get_by_email", _not_seen)

        second = await client.post("/checkout/team-annual", data=_order(csrf, token))

    assert second.status_code == 422, second.text[-2000:]
    assert by_testid(parse(second.text), "account-exists")
    assert ACCOUNT_EXISTS in text(parse(second.text))
    assert [await t.count() for t in (CustomerTable, AccountTable, SubscriptionTable)] == counts


async def test_registering_an_e_mail_taken_meanwhile_says_the_account_exists(
    app: Litestar, db: TestDatabase, clock: FrozenClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    await make_account(app.state.runtime.uow(), clock, email="sam@example.com")
    monkeypatch.setattr(PiccoloAccountRepository, "get_by_email", _not_seen)
    with pytest.raises(ValidationFailed) as refused:
        await make_account(app.state.runtime.uow(), clock, email="sam@example.com")
    assert refused.value.code == AccountErrorCode.ACCOUNT_EXISTS
    assert await AccountTable.count() == 1


async def test_two_tabs_signing_up_with_one_e_mail_at_once_get_one_account(
    app: Litestar, db: TestDatabase
) -> None:
    """The real race, two requests in flight together (the first test forces the interleaving
    that this one reaches only sometimes)."""
    async with (
        serve(app) as one,
        httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app), base_url=str(one.base_url)
        ) as two,
    ):
        await _demo(app)
        (_, csrf1, token1), (_, csrf2, token2) = await _open(one), await _open(two)
        answers = await asyncio.gather(
            one.post("/checkout/team-annual", data=_order(csrf1, token1)),
            two.post("/checkout/team-annual", data=_order(csrf2, token2)),
        )
    assert sorted(a.status_code for a in answers) == [303, 422], [a.status_code for a in answers]
    assert await AccountTable.count() == 1
    assert await CustomerTable.count() == 1
