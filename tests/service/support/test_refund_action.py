"""The refund action as staff take it: a binding preview, a confirm that does exactly that with
a reason and one audit entry, refusals that change nothing, and the support role's limit."""

from __future__ import annotations

from datetime import timedelta

import pytest

from domain.payments.model import RefundStatus
from domain.shared.errors import InvalidTransition, NotFound, PermissionDenied, ValidationFailed
from domain.shared.money import Money
from domain.staff.model import Role
from domain.support.actions.service import PreviewChanged, action_page, confirm_action
from tests.service.payments._shop import MAR1, Shop
from tests.service.support._desk import desk, entries, staff

pytestmark = pytest.mark.service

REFUND = "invoice.refund"


async def _page(shop: Shop, who, sub, raw, limit=100):  # type: ignore[no-untyped-def]
    return await action_page(
        who, REFUND, customer_id=sub.customer_id, target_id=sub.first_invoice_id, raw=raw,
        svc=desk(shop, limit),
    )  # fmt: skip


async def _confirm(shop: Shop, who, sub, raw, shown, reason="Customer asked; outage on Mar 2"):  # type: ignore[no-untyped-def]
    return await confirm_action(
        who, REFUND, customer_id=sub.customer_id, target_id=sub.first_invoice_id, raw=raw,
        shown=shown, reason=reason, svc=desk(shop),
    )  # fmt: skip


async def test_a_partial_refund_is_previewed_then_done_exactly_with_one_audit_entry(
    shop: Shop,
) -> None:
    sub = await shop.subscriber()  # 36.00 paid
    shop.clock.set(MAR1 + timedelta(days=2))
    page = await _page(shop, staff(Role.SUPPORT), sub, {"amount": "18", "to": "card"})
    assert page.errors == {}
    assert page.preview is not None
    assert page.preview.total == Money.of_minor(1800, "USD")
    assert "Visa" in page.preview.effect and sub.card.last4 in page.preview.effect
    assert page.preview.facts[0].amount == Money.of_minor(1800, "USD")  # left afterwards

    done = await _confirm(shop, staff(Role.SUPPORT), sub, page.values, page.agreement)

    (refund,) = await shop.uow.refunds.for_invoice(sub.first_invoice_id)
    assert (refund.amount_minor, refund.status) == (1800, RefundStatus.SUCCEEDED)
    notes = await shop.uow.credit_notes.list_for_customer(sub.customer_id)
    assert [n.note.total for n in notes] == [1800]
    (entry,) = await entries(shop)
    assert (entry.action, entry.object_id, entry.customer_id) == (
        REFUND, sub.first_invoice_id, sub.customer_id,
    )  # fmt: skip
    assert entry.actor.email == "support@example.com"
    assert entry.reason == "Customer asked; outage on Mar 2"
    assert entry.after["credit_note"] == notes[0].note.number
    assert entry.after["amount"] == "18.00 USD"
    assert notes[0].note.number in str(done.message)


async def test_a_refund_as_credit_moves_no_money_and_lowers_the_balance(shop: Shop) -> None:
    sub = await shop.subscriber()
    page = await _page(shop, staff(), sub, {"amount": "10.00", "to": "balance"})
    await _confirm(shop, staff(), sub, page.values, page.agreement)
    assert await shop.uow.refunds.for_invoice(sub.first_invoice_id) == []
    customer = await shop.uow.customers.get(sub.customer_id)
    assert customer is not None and customer.balance_minor == -1000
    (note,) = await shop.uow.credit_notes.list_for_customer(sub.customer_id)
    assert (note.note.refunded, note.note.credited) == (0, 1000)


async def test_confirming_after_something_changed_shows_the_new_preview_and_does_nothing(
    shop: Shop,
) -> None:
    sub = await shop.subscriber()
    page = await _page(shop, staff(), sub, {"to": "card"})  # everything left: 36.00
    first = await _page(shop, staff(), sub, {"amount": "6", "to": "card"})
    await _confirm(shop, staff(), sub, first.values, first.agreement)  # a colleague refunds 6
    with pytest.raises(PreviewChanged) as stale:
        await _confirm(shop, staff(), sub, page.values, page.agreement)
    assert stale.value.page.preview is not None
    assert stale.value.page.preview.total == Money.of_minor(3000, "USD")
    assert len(await shop.uow.refunds.for_invoice(sub.first_invoice_id)) == 1
    assert len(await entries(shop)) == 1


async def test_a_forged_or_missing_preview_is_refused(shop: Shop) -> None:
    sub = await shop.subscriber()
    page = await _page(shop, staff(), sub, {"amount": "1", "to": "card"})
    assert page.agreement is not None
    forged = {**page.agreement, "total": [1, "USD"]}
    for shown in (None, forged):
        with pytest.raises(PreviewChanged):
            await _confirm(shop, staff(), sub, {"amount": "36", "to": "card"}, shown)
    assert await shop.uow.refunds.for_invoice(sub.first_invoice_id) == []


async def test_support_refunds_up_to_the_limit_and_billing_beyond_it(shop: Shop) -> None:
    sub = await shop.subscriber()
    page = await _page(shop, staff(Role.SUPPORT), sub, {"to": "card"}, limit=20)
    assert "at most 20.00 USD" in page.errors[""]
    with pytest.raises(PermissionDenied):
        await confirm_action(
            staff(Role.SUPPORT), REFUND, customer_id=sub.customer_id,
            target_id=sub.first_invoice_id, raw=page.values, shown=page.agreement,
            reason="Goodwill", svc=desk(shop, 20),
        )  # fmt: skip
    with pytest.raises(PermissionDenied):
        await _page(shop, staff(Role.VIEWER), sub, {"to": "card"})
    billing = await _page(shop, staff(Role.BILLING), sub, {"to": "card"}, limit=20)
    assert billing.errors == {}
    await confirm_action(
        staff(Role.BILLING), REFUND, customer_id=sub.customer_id, target_id=sub.first_invoice_id,
        raw=billing.values, shown=billing.agreement, reason="Goodwill", svc=desk(shop, 20),
    )  # fmt: skip
    assert [e.actor.email for e in await entries(shop)] == ["billing@example.com"]


async def test_bad_input_and_a_missing_reason_are_messages_and_change_nothing(shop: Shop) -> None:
    sub = await shop.subscriber()
    for amount, message in (("abc", "such as"), ("0", "more than zero"), ("36.01", "at most"),
                            ("1.234", "decimals"), ("9" * 30, "such as")):  # fmt: skip
        page = await _page(shop, staff(), sub, {"amount": amount, "to": "card"})
        assert page.preview is None and message in page.errors["amount"], (amount, page.errors)
    page = await _page(shop, staff(), sub, {"amount": "1", "to": "card"})
    for reason in ("", "  ", "x"):
        with pytest.raises(ValidationFailed) as refused:
            await _confirm(shop, staff(), sub, page.values, page.agreement, reason=reason)
        assert "reason" in refused.value.field_errors
    assert await shop.uow.refunds.for_invoice(sub.first_invoice_id) == []
    assert await entries(shop) == []


async def test_another_customers_invoice_is_not_found_and_an_unpaid_one_says_why(
    shop: Shop,
) -> None:
    sub = await shop.subscriber()
    other = await shop.subscriber()
    with pytest.raises(NotFound):
        await action_page(
            staff(), REFUND, customer_id=other.customer_id, target_id=sub.first_invoice_id,
            raw={}, svc=desk(shop),
        )  # fmt: skip
    full = await _page(shop, staff(), sub, {"to": "card"})
    await _confirm(shop, staff(), sub, full.values, full.agreement)
    again = await _page(shop, staff(), sub, {"to": "card"})
    assert again.preview is None and "in full" in again.errors["amount"]
    renewal = await shop.renewal(sub)  # open, not paid
    page = await action_page(
        staff(), REFUND, customer_id=sub.customer_id, target_id=renewal.id, raw={}, svc=desk(shop)
    )
    assert page.preview is None and "not paid" in page.errors[""]
    with pytest.raises(InvalidTransition):
        await confirm_action(
            staff(), REFUND, customer_id=sub.customer_id, target_id=renewal.id, raw={},
            shown=None, reason="test", svc=desk(shop),
        )  # fmt: skip


async def test_the_customer_timeline_shows_the_staff_action_with_its_reason(shop: Shop) -> None:
    from domain.support.record import customer_record
    from domain.support.record_model import EventKind

    sub = await shop.subscriber()
    page = await _page(shop, staff(Role.SUPPORT), sub, {"amount": "5", "to": "card"})
    await _confirm(shop, staff(Role.SUPPORT), sub, page.values, page.agreement)
    record = await customer_record(
        staff(Role.VIEWER), sub.customer_id, uow=shop.uow, clock=shop.clock
    )
    (event,) = [e for e in record.timeline if e.kind is EventKind.STAFF]
    assert event.text == "support@example.com: Refund invoice — Customer asked; outage on Mar 2"
    assert event.ref == sub.first_invoice_id
