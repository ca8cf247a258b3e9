"""/admin/exchange-rates through the real forms: billing adds a dated rate (audited), a
correction for the same date wins, the price currencies without a rate are named; viewers and
support read but cannot add; bad input re-renders with messages, writes nothing, never a 5xx."""

from __future__ import annotations

import httpx
import pytest
from litestar import Litestar

from domain.adapters.db.tables_analytics import ExchangeRateTable
from domain.adapters.db.tables_staff import AuditEntryTable
from domain.shared.clock import FrozenClock
from domain.shared.money import Currency
from tests.support.html import by_testid, csrf_token, parse, text
from tests.support.staff import admin_sign_in, make_staff
from tests.unit.billing._builders import make_plan
from tests.web.conftest import serve

pytestmark = pytest.mark.web

EURO = {"currency": "EUR", "rate": "1.0825", "effective_on": "2024-01-01"}


async def _signed_in(app: Litestar, client: httpx.AsyncClient, clock: FrozenClock, role: str,
                     email: str) -> str:  # fmt: skip
    member = await make_staff(app.state.runtime.uow, clock, role=role, email=email)
    assert (await admin_sign_in(client, member, clock)).status_code == 303
    return csrf_token((await client.get("/admin/exchange-rates")).text)


async def _added() -> list[str]:
    rows = await AuditEntryTable.select(AuditEntryTable.action).where(
        AuditEntryTable.action.like("exchange_rate.%")
    )
    return [r["action"] for r in rows]


async def test_billing_adds_and_corrects_a_rate_and_missing_currencies_are_named(
    app: Litestar, client: httpx.AsyncClient, clock: FrozenClock
) -> None:
    async with app.state.runtime.uow() as uow:
        await uow.plans.add(make_plan("euro", currency=Currency.of("EUR")))
        await uow.plans.add(make_plan("pound", currency=Currency.of("GBP")))
        await uow.commit()
    token = await _signed_in(app, client, clock, "billing", "bill@example.com")
    page = parse((await client.get("/admin/exchange-rates")).text)
    assert text(by_testid(page, "reporting-currency")[0]) == "USD"
    assert "EUR, GBP" in text(by_testid(page, "missing-rates")[0])
    assert [r["data-currency"] for r in by_testid(page, "currency-row")] == ["EUR", "GBP"]
    # the sidebar has the entry
    assert page.select_one('a[href="/admin/exchange-rates"]') is not None
    # CSRF: nothing without the token
    assert (await client.post("/admin/exchange-rates", data=EURO)).status_code == 403

    made = await client.post("/admin/exchange-rates", data={**EURO, "rate": "10.825",
                                                            "_csrf_token": token})  # fmt: skip
    assert made.status_code == 303 and made.headers["location"] == "/admin/exchange-rates"
    clock.advance(seconds=5)
    fixed = await client.post("/admin/exchange-rates", data={**EURO, "_csrf_token": token})
    assert fixed.status_code == 303
    page = parse((await client.get("/admin/exchange-rates")).text)
    rows = {r["data-currency"]: r for r in by_testid(page, "currency-row")}
    assert text(by_testid(rows["EUR"], "rate-today")[0]) == "1.0825"
    assert text(by_testid(rows["GBP"], "rate-today")[0]) == "—"
    assert "GBP" in text(by_testid(page, "missing-rates")[0])
    assert "EUR" not in text(by_testid(page, "missing-rates")[0])
    history = by_testid(page, "history-row")
    assert len(history) == 2 and "Corrected" in text(history[1])
    assert await ExchangeRateTable.count() == 2
    assert await _added() == ["exchange_rate.added", "exchange_rate.added"]
    # ?currency= preselects the form's currency
    chosen = parse((await client.get("/admin/exchange-rates?currency=gbp")).text)
    assert chosen.select_one("#f-currency option[selected]")["value"] == "GBP"


BAD_INPUT = [
    ({"currency": ""}, "currency", "Choose a currency"),
    ({"currency": "XXX"}, "currency", "ISO 4217"),
    ({"currency": "USD"}, "currency", "reporting currency"),
    ({"currency": "EURO"}, "currency", "at most 3 characters"),
    ({"rate": ""}, "rate", "Enter the rate"),
    ({"rate": "-1"}, "rate", "no signs"),
    ({"rate": "0"}, "rate", "above zero"),
    ({"rate": "1e3"}, "rate", "no signs"),
    ({"rate": "NaN"}, "rate", "no signs"),
    ({"rate": "٣"}, "rate", "no signs"),
    ({"rate": "1.23456789012"}, "rate", "significant digits"),
    ({"rate": "0.0000000000001"}, "rate", "decimals"),
    ({"rate": "5000000000"}, "rate", "too large"),
    ({"rate": "1" * 40}, "rate", "at most 32 characters"),
    ({"rate": "1\x00"}, "rate", "special characters"),
    ({"effective_on": ""}, "effective_on", "Enter the date"),
    ({"effective_on": "01/02/2024"}, "effective_on", "YYYY-MM-DD"),
    ({"effective_on": "2024-02-30"}, "effective_on", "YYYY-MM-DD"),
    ({"effective_on": "1999-12-31"}, "effective_on", "from 2000"),
    ({"effective_on": "2099-01-01"}, "effective_on", "a year ahead"),
]


async def test_bad_input_re_renders_the_form_and_writes_nothing(
    app: Litestar, client: httpx.AsyncClient, clock: FrozenClock
) -> None:
    token = await _signed_in(app, client, clock, "owner", "olive@example.com")
    for change, field, message in BAD_INPUT:
        answer = await client.post("/admin/exchange-rates",
                                   data={**EURO, **change, "_csrf_token": token})  # fmt: skip
        assert answer.status_code == 422, change
        assert message in answer.text, change
        assert parse(answer.text).select_one(f"#f-{field}")["aria-invalid"] == "true", change
    assert await ExchangeRateTable.count() == 0 and await _added() == []


async def test_viewers_and_support_read_but_cannot_add(
    app: Litestar, client: httpx.AsyncClient, clock: FrozenClock
) -> None:
    owner_token = await _signed_in(app, client, clock, "owner", "olive@example.com")
    added = await client.post("/admin/exchange-rates", data={**EURO, "_csrf_token": owner_token})
    assert added.status_code == 303
    for role in ("viewer", "support"):
        async with serve(app) as other:
            token = await _signed_in(app, other, clock, role, f"{role}@example.com")
            page = parse((await other.get("/admin/exchange-rates")).text)
            assert len(by_testid(page, "currency-row")) == 1
            assert not by_testid(page, "rate-form")
            refused = await other.post("/admin/exchange-rates",
                                       data={**EURO, "_csrf_token": token})  # fmt: skip
            assert refused.status_code == 403
    assert await ExchangeRateTable.count() == 1 and await _added() == ["exchange_rate.added"]
