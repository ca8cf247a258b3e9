"""/admin/exports through the real form, on a history made by the live use cases: a German
customer taxed at 19 % subscribes (the first invoice paid by card), is refunded in part (a credit
note and a refund), and a second customer's invoice is paid offline. Each CSV has its columns
and exact amounts; the journal balances per document and in total; a bad period re-renders with
the messages; viewers and support are refused; CSRF is required; each download is audited."""

from __future__ import annotations

import csv
import io
from collections import defaultdict
from datetime import timedelta
from decimal import Decimal
from typing import Any

import httpx
import pytest
from litestar import Litestar

from domain.adapters.db.tables_staff import AuditEntryTable
from domain.billing.config import BillingConfig
from domain.billing.invoices import mark_invoice_paid_in
from domain.billing.issued import OfflineMethod, OfflinePayment
from domain.customers.service import create_customer
from domain.integrations import accounting
from domain.payments.refunds import refund_invoice
from domain.payments.service import add_payment_method, collect_invoice
from domain.pricing.tax_policy import JurisdictionRate
from domain.pricing.totals import TaxRate
from domain.shared.clock import FrozenClock
from domain.subscriptions.subscribing import subscribe
from tests.support.gateway import SUCCEEDS, FakeGateway
from tests.support.html import csrf_token, parse
from tests.support.staff import admin_sign_in, make_staff
from tests.web.conftest import serve

pytestmark = pytest.mark.web
CONFIG = BillingConfig()


async def _history(app: Litestar, clock: FrozenClock) -> dict[str, str]:
    new = app.state.runtime.uow
    async with new() as uow:
        await uow.tax_rates.add(JurisdictionRate("DE", TaxRate("DE-VAT", Decimal(19), False)))
        await uow.commit()
    gateway = FakeGateway()
    hans = await create_customer(email="hans@example.de", name="Hans GmbH", currency="EUR",
                                 country="DE", uow=new(), clock=clock)  # fmt: skip
    token = await gateway.tokenize_card(number=SUCCEEDS, exp_month=12, exp_year=2030, cvc="123")
    await add_payment_method(hans.id, token, uow=new, gateway=gateway, clock=clock)
    first = (await subscribe(hans.id, "team-monthly", quantity=3, uow=new(), clock=clock,
                             config=CONFIG)).invoices[0]  # fmt: skip
    await collect_invoice(first.id, uow=new, gateway=gateway, clock=clock, config=CONFIG)
    clock.advance(days=2)
    note, refund = await refund_invoice(first.id, amount_minor=1190, uow=new, gateway=gateway,
                                        clock=clock, config=CONFIG)  # fmt: skip
    assert refund is not None
    ann = await create_customer(email="ann@example.com", name="Ann Inc", currency="USD",
                                country="US", uow=new(), clock=clock)  # fmt: skip
    second = (await subscribe(ann.id, "starter-monthly", trial_days=0, uow=new(), clock=clock,
                              config=CONFIG)).invoices[0]  # fmt: skip
    async with new() as uow:
        await mark_invoice_paid_in(uow, second.id, paid_at=clock.now(), offline=OfflinePayment(
            OfflineMethod.BANK_TRANSFER, "WIRE-7", clock.now().date()))  # fmt: skip
        await uow.commit()
    return {"first": first.invoice.number, "second": second.invoice.number,
            "note": note.note.number}  # fmt: skip


async def _signed_in(app: Litestar, client: httpx.AsyncClient, clock: FrozenClock, role: str,
                     email: str) -> str:  # fmt: skip
    member = await make_staff(app.state.runtime.uow, clock, role=role, email=email)
    assert (await admin_sign_in(client, member, clock)).status_code == 303
    return csrf_token((await client.get("/admin")).text)


async def _download(client: httpx.AsyncClient, token: str, kind: str, first: str,
                    last: str) -> list[dict[str, str]]:  # fmt: skip
    answer = await client.post("/admin/exports", data={"from": first, "to": last, "kind": kind,
                                                       "_csrf_token": token})  # fmt: skip
    assert answer.status_code == 200, answer.text[:500]
    assert answer.headers["content-type"].startswith("text/csv")
    assert f'filename="{kind}-{first}-{last}.csv"' in answer.headers["content-disposition"]
    return list(csv.DictReader(io.StringIO(answer.text)))


async def test_documents_and_a_balanced_journal_are_exported_with_exact_amounts(
    app: Litestar,
    client: httpx.AsyncClient,
    clock: FrozenClock,
    catalog: Any,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    numbers = await _history(app, clock)
    token = await _signed_in(app, client, clock, "billing", "bill@example.com")
    page = parse((await client.get("/admin/exports")).text)
    assert page.select_one('a[href="/admin/exports"]') is not None
    day = clock.now().date()
    first, last = (day - timedelta(days=5)).isoformat(), day.isoformat()

    invoices = {r["number"]: r for r in await _download(client, token, "invoices", first, last)}
    hans = invoices[numbers["first"]]  # 3 seats of Team at 11.00 EUR, 19 % VAT
    assert (hans["currency"], hans["subtotal"], hans["tax"], hans["total"], hans["status"]) == (
        "EUR", "33.00", "6.27", "39.27", "paid")  # fmt: skip
    assert hans["customer_name"] == "Hans GmbH" and hans["discount"] == "0.00"
    ann = invoices[numbers["second"]]
    assert (ann["currency"], ann["total"], ann["tax"], ann["status"]) == ("USD", "19.00", "0.00",
                                                                         "paid")  # fmt: skip
    payments = await _download(client, token, "payments", first, last)
    assert sorted((p["invoice"], p["amount"], p["method"]) for p in payments) == sorted([
        (numbers["first"], "39.27", "card"), (numbers["second"], "19.00", "bank_transfer")])  # fmt: skip
    (note,) = await _download(client, token, "credit_notes", first, last)
    assert (note["number"], note["invoice"], note["total"], note["tax"], note["refunded"],
            note["credited"]) == (numbers["note"], numbers["first"], "11.90", "1.90", "11.90",
                                  "0.00")  # fmt: skip
    (refund,) = await _download(client, token, "refunds", first, last)
    assert (refund["credit_note"], refund["amount"], refund["currency"]) == (numbers["note"],
                                                                             "11.90", "EUR")  # fmt: skip

    journal = await _download(client, token, "journal", first, last)
    assert list(journal[0]) == [
        "date",
        "document",
        "entry",
        "reference",
        "customer_id",
        "account",
        "account_name",
        "debit",
        "credit",
        "currency",
    ]
    per_posting: dict[tuple[str, str, str], Decimal] = defaultdict(Decimal)
    per_currency: dict[str, Decimal] = defaultdict(Decimal)
    for row in journal:
        value = Decimal(row["debit"] or 0) - Decimal(row["credit"] or 0)
        per_posting[(row["document"], row["entry"], row["reference"])] += value
        per_currency[row["currency"]] += value
    assert set(per_posting.values()) == {Decimal(0)} and set(per_currency.values()) == {0}
    assert {k[1] for k in per_posting} == {"invoice", "payment", "credit_note", "refund"}
    hans_invoice = [(r["account"], r["debit"], r["credit"]) for r in journal
                    if r["document"] == numbers["first"] and r["entry"] == "invoice"]  # fmt: skip
    assert hans_invoice == [("1100", "39.27", ""), ("4000", "", "33.00"), ("2200", "", "6.27")]
    cash = sum(Decimal(r["debit"] or 0) - Decimal(r["credit"] or 0) for r in journal
               if r["account"] == "1000" and r["currency"] == "EUR")  # fmt: skip
    assert cash == Decimal("39.27") - Decimal("11.90")
    # read a row per page (the keyset cursor on every reader): the same files
    monkeypatch.setattr(accounting, "PAGE", 1)
    for kind, whole in [("journal", journal), ("payments", payments)]:
        assert await _download(client, token, kind, first, last) == whole, kind
    assert len(await _download(client, token, "invoices", first, last)) == len(invoices)
    monkeypatch.undo()
    # a period before the history has headers only
    empty = await _download(client, token, "journal", "2020-01-01", "2020-01-31")
    assert empty == []
    actions = await AuditEntryTable.select(AuditEntryTable.object_id).where(
        AuditEntryTable.action == "accounting.exported")  # fmt: skip
    assert len(actions) == 9


async def test_a_bad_period_re_renders_and_roles_and_csrf_are_enforced(
    app: Litestar, client: httpx.AsyncClient, clock: FrozenClock
) -> None:
    token = await _signed_in(app, client, clock, "owner", "olive@example.com")
    for data, message in [({"from": "2026-02-30"}, "YYYY-MM-DD"),
                          ({"from": "2026-03-01", "to": "2026-02-01"}, "before the start"),
                          ({"kind": "ledger"}, "Choose what to export"),
                          ({"from": "x" * 40}, "at most 10")]:  # fmt: skip
        answer = await client.post("/admin/exports", data={"from": "2026-01-01", "to": "2026-01-31",
                                                           "kind": "journal", **data,
                                                           "_csrf_token": token})  # fmt: skip
        assert answer.status_code == 422, data
        assert message in answer.text, data
    assert (await client.post("/admin/exports", data={"from": "2026-01-01", "to": "2026-01-31",
                                                      "kind": "journal"})).status_code == 403  # fmt: skip
    for role in ("viewer", "support"):
        async with serve(app) as other:
            other_token = await _signed_in(app, other, clock, role, f"{role}@example.com")
            assert (await other.get("/admin/exports")).status_code == 403
            refused = await other.post("/admin/exports", data={
                "from": "2026-01-01", "to": "2026-01-31", "kind": "journal",
                "_csrf_token": other_token})  # fmt: skip
            assert refused.status_code == 403
    assert await AuditEntryTable.count().where(
        AuditEntryTable.action == "accounting.exported") == 0  # fmt: skip
