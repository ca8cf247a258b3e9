"""The one-off invoice action: lines staff type, taxed and numbered like other invoices, net
terms (0: charged now after the commit; N days: e-mailed, due then), memo and PO printed."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta
from typing import Any

import pytest

from domain.billing.model import InvoiceStatus
from domain.documents.invoice_document import DEMO_SELLER, build_invoice_document
from domain.shared.errors import NotFound, PermissionDenied
from domain.shared.money import Money
from domain.staff.model import Role
from domain.support.actions.service import PreviewChanged, action_page, confirm_action
from tests.service.payments._shop import MAR1, Shop
from tests.service.support._desk import desk, entries, staff

pytestmark = pytest.mark.service

CODE = "customer.one_off_invoice"
LINES = {"line1_description": "Onboarding workshop", "line1_amount": "250",
         "line2_description": "Data import", "line2_amount": "99.50"}  # fmt: skip


async def _page(shop: Shop, customer_id: str, raw: dict[str, str], who: Role = Role.BILLING,
                target: str | None = None) -> Any:  # fmt: skip
    return await action_page(staff(who), CODE, customer_id=customer_id,
                             target_id=target or customer_id, raw=raw, svc=desk(shop))  # fmt: skip


async def _do(shop: Shop, customer_id: str, page: Any) -> Any:
    return await confirm_action(staff(), CODE, customer_id=customer_id, target_id=customer_id,
                                raw=page.values, shown=page.agreement,
                                reason="Workshop sold by sales", svc=desk(shop))  # fmt: skip


async def test_net_terms_issue_an_open_invoice_e_mailed_with_its_due_date_memo_and_po(
    shop: Shop,
) -> None:
    sub = await shop.subscriber()
    raw = {**LINES, "net_days": "30", "po_number": "PO-7781", "memo": "Thanks for the order"}
    page = await _page(shop, sub.customer_id, raw)
    assert page.errors == {} and page.preview is not None
    assert page.preview.total == Money.of_minor(34950, "USD")  # no tax for the demo customer
    assert [line.label for line in page.preview.lines] == ["Onboarding workshop", "Data import"]
    assert "due 2024-03-31" in page.preview.summary
    charges = len(shop.gateway.charges)

    done = await _do(shop, sub.customer_id, page)

    invoice = await shop.invoice(done.object_id)
    assert invoice.status is InvoiceStatus.OPEN and invoice.number
    assert (invoice.memo, invoice.po_number) == ("Thanks for the order", "PO-7781")
    assert invoice.due_at == MAR1 + timedelta(days=30)
    assert invoice.invoice.amount_due == 34950 and invoice.subscription_id is None
    assert len(shop.gateway.charges) == charges, "net terms: not charged"
    assert shop.notices("invoice", invoice.id), "the invoice is e-mailed"
    doc = build_invoice_document(invoice, DEMO_SELLER)
    assert (doc.memo, doc.po_number, doc.due_on.isoformat()) == (
        "Thanks for the order", "PO-7781", "2024-03-31",
    )  # fmt: skip
    (entry,) = await entries(shop)
    assert entry.object_id == invoice.id and entry.after["invoice"] == invoice.number


async def test_net_zero_charges_the_default_card_now_and_uses_balance_credit(shop: Shop) -> None:
    sub = await shop.subscriber()
    customer = await shop.uow.customers.get(sub.customer_id)
    assert customer is not None
    await shop.uow.customers.save(replace(customer, balance_minor=-1000))  # 10.00 of credit
    page = await _page(shop, sub.customer_id, {"line1_description": "Rush fee",
                                              "line1_amount": "25", "net_days": "0"})  # fmt: skip
    assert page.preview is not None and page.preview.total == Money.of_minor(1500, "USD")
    assert "Visa" in page.preview.effect
    done = await _do(shop, sub.customer_id, page)
    invoice = await shop.invoice(done.object_id)
    assert invoice.status is InvoiceStatus.PAID and invoice.invoice.credit_applied == 1000
    assert shop.gateway.charges[-1].amount == Money.of_minor(1500, "USD")
    after = await shop.uow.customers.get(sub.customer_id)
    assert after is not None and after.balance_minor == 0


async def test_inputs_are_checked_and_only_money_roles_may(shop: Shop) -> None:
    sub = await shop.subscriber()
    blank = await _page(shop, sub.customer_id, {})
    assert blank.preview is None and blank.errors == {}  # a fresh form: no messages yet
    for raw, field in (
        ({"line1_amount": "5"}, "line1_description"),
        ({"line1_description": "X", "line1_amount": "abc"}, "line1_amount"),
        ({**LINES, "line2_description": ""}, "line2_description"),
        ({**LINES, "net_days": "400"}, "net_days"),
        ({**LINES, "memo": "bad\x00"}, "memo"),
        ({**LINES, "po_number": "P" * 65}, "po_number"),
    ):
        page = await _page(shop, sub.customer_id, raw)
        assert page.preview is None and field in page.errors, (raw, page.errors)
    with pytest.raises(PermissionDenied):
        await _page(shop, sub.customer_id, LINES, Role.SUPPORT)
    other = await shop.subscriber()
    with pytest.raises(NotFound):
        await _page(shop, sub.customer_id, LINES, target=other.customer_id)
    page = await _page(shop, sub.customer_id, {**LINES, "net_days": "14"})
    shop.clock.set(MAR1 + timedelta(days=1))  # the due date moved: confirm again
    with pytest.raises(PreviewChanged):
        await _do(shop, sub.customer_id, page)
    assert await entries(shop) == []
