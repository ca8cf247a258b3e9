"""The invoice actions as staff take them (void, uncollectible, offline payment, retry now,
resend, credit note): each preview is what confirming does, one audit entry with the reason and
before/after, stale previews and bad input change nothing, another customer's invoice is not
found, a wrong state says why, and settling an invoice ends its dunning (as Stripe does)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from domain.billing.invoices import mark_invoice_paid, void_invoice
from domain.billing.issued import INVOICE_SETTLED_JOB, OfflineMethod
from domain.billing.model import InvoiceStatus
from domain.payments.dunning import DunningStatus
from domain.payments.jobs import build_jobs
from domain.payments.service import collect_invoice
from domain.payments.settlement import settle_dunning
from domain.shared.errors import InvalidTransition, NotFound, PermissionDenied, ValidationFailed
from domain.shared.money import Money
from domain.staff.model import Role
from domain.subscriptions.engine import SubscriptionStatus
from domain.support.actions.service import PreviewChanged, action_page, confirm_action
from tests.service.payments._shop import APR1, Shop, Subscriber
from tests.service.support._desk import desk, entries, staff
from tests.support.gateway import DECLINED, SUCCEEDS

pytestmark = pytest.mark.service

REASON = "Agreed with the customer on the phone"


async def _past_due(shop: Shop) -> tuple[Subscriber, str]:
    """A subscriber whose Apr 1 renewal (36.00) was declined: past due, in dunning."""
    sub = await shop.subscriber()
    shop.gateway.set_behaviour(sub.card.method_ref, DECLINED)
    renewal = await shop.renewal(sub)
    await collect_invoice(renewal.id, **shop.kw)
    assert await shop.status(sub.subscription_id) is SubscriptionStatus.PAST_DUE
    return sub, renewal.id


async def _page(shop: Shop, code: str, sub: Subscriber, target: str, raw: dict[str, str],
                who: Role = Role.BILLING) -> Any:  # fmt: skip
    return await action_page(staff(who), code, customer_id=sub.customer_id, target_id=target,
                             raw=raw, svc=desk(shop))  # fmt: skip


async def _do(shop: Shop, code: str, sub: Subscriber, target: str, page: Any,
              who: Role = Role.BILLING) -> Any:  # fmt: skip
    return await confirm_action(staff(who), code, customer_id=sub.customer_id, target_id=target,
                                raw=page.values, shown=page.agreement, reason=REASON,
                                svc=desk(shop))  # fmt: skip


async def test_voiding_a_past_due_invoice_ends_dunning_and_reactivates_the_subscription(
    shop: Shop,
) -> None:
    sub, invoice_id = await _past_due(shop)
    page = await _page(shop, "invoice.void", sub, invoice_id, {})
    assert page.errors == {} and page.preview is not None
    assert page.preview.total is None  # no money moves
    assert page.preview.lines[0].amount == Money.of_minor(3600, "USD")
    words = " ".join(page.preview.notes)
    assert "dunning ends" in words and "past due to active" in words

    done = await _do(shop, "invoice.void", sub, invoice_id, page)

    assert (await shop.invoice(invoice_id)).status is InvoiceStatus.VOID
    assert shop.uow.dunning.cases[invoice_id].status is DunningStatus.CLOSED
    assert await shop.status(sub.subscription_id) is SubscriptionStatus.ACTIVE
    (entry,) = await entries(shop)
    assert (entry.action, entry.reason, entry.object_id) == ("invoice.void", REASON, invoice_id)
    assert entry.before["status"] == "open" and entry.after["status"] == "void"
    assert "Voided" in str(done.message)
    again = await _page(shop, "invoice.void", sub, invoice_id, {})
    assert again.preview is None and "is void" in again.errors[""]


async def test_marking_uncollectible_stops_retries_and_may_still_be_paid_offline(
    shop: Shop,
) -> None:
    sub, invoice_id = await _past_due(shop)
    page = await _page(shop, "invoice.mark_uncollectible", sub, invoice_id, {})
    await _do(shop, "invoice.mark_uncollectible", sub, invoice_id, page)
    assert (await shop.invoice(invoice_id)).status is InvoiceStatus.UNCOLLECTIBLE
    assert shop.uow.dunning.cases[invoice_id].status is DunningStatus.CLOSED
    assert await shop.status(sub.subscription_id) is SubscriptionStatus.ACTIVE

    raw = {"method": "bank_transfer", "reference": "BT-2024-77",
           "received_on": (APR1 + timedelta(days=1)).date().isoformat()}  # fmt: skip
    shop.clock.set(APR1 + timedelta(days=2))
    paid = await _page(shop, "invoice.record_payment", sub, invoice_id, raw)
    assert paid.errors == {} and paid.preview is not None
    assert paid.preview.total == Money.of_minor(3600, "USD")
    await _do(shop, "invoice.record_payment", sub, invoice_id, paid)
    invoice = await shop.invoice(invoice_id)
    assert invoice.status is InvoiceStatus.PAID and invoice.offline_payment is not None
    assert invoice.offline_payment.method is OfflineMethod.BANK_TRANSFER
    assert invoice.offline_payment.reference == "BT-2024-77"
    assert shop.notices("receipt", invoice_id), "the receipt goes out as after a card payment"
    assert [e.action for e in await entries(shop)] == [
        "invoice.record_payment", "invoice.mark_uncollectible",
    ]  # fmt: skip


async def test_an_offline_payment_closes_dunning_as_recovered_and_checks_its_inputs(
    shop: Shop,
) -> None:
    sub, invoice_id = await _past_due(shop)
    today = shop.clock.now().date()
    for raw, field, message in (
        ({"method": "bank_transfer", "reference": "", "received_on": today.isoformat()},
         "reference", "Fill this in"),
        ({"method": "gold", "reference": "X", "received_on": today.isoformat()},
         "method", "Choose"),
        ({"method": "cheque", "reference": "X", "received_on": "tomorrow"},
         "received_on", "YYYY-MM-DD"),
        ({"method": "cheque", "reference": "X",
          "received_on": (today + timedelta(days=1)).isoformat()}, "received_on", "after today"),
    ):  # fmt: skip
        page = await _page(shop, "invoice.record_payment", sub, invoice_id, raw)
        assert page.preview is None and message in page.errors[field], (raw, page.errors)
    raw = {"method": "cheque", "reference": "CHQ 000123", "received_on": today.isoformat()}
    page = await _page(shop, "invoice.record_payment", sub, invoice_id, raw)
    await _do(shop, "invoice.record_payment", sub, invoice_id, page)
    assert shop.uow.dunning.cases[invoice_id].status is DunningStatus.RECOVERED
    assert await shop.status(sub.subscription_id) is SubscriptionStatus.ACTIVE
    (entry,) = await entries(shop)
    assert entry.after["reference"] == "CHQ 000123" and entry.after["amount"] == "36.00 USD"


async def test_retry_now_charges_the_default_card_after_the_commit(shop: Shop) -> None:
    sub, invoice_id = await _past_due(shop)
    shop.gateway.set_behaviour(sub.card.method_ref, SUCCEEDS)
    page = await _page(shop, "invoice.retry_payment", sub, invoice_id, {}, Role.SUPPORT)
    assert page.preview is not None and page.preview.total == Money.of_minor(3600, "USD")
    assert f"•••• {sub.card.last4}" in page.preview.effect
    charges = len(shop.gateway.charges)
    await _do(shop, "invoice.retry_payment", sub, invoice_id, page, Role.SUPPORT)
    assert len(shop.gateway.charges) == charges + 1
    assert (await shop.invoice(invoice_id)).status is InvoiceStatus.PAID
    assert shop.uow.dunning.cases[invoice_id].status is DunningStatus.RECOVERED
    (entry,) = await entries(shop)
    assert entry.actor.email == "support@example.com"
    paid = await _page(shop, "invoice.retry_payment", sub, invoice_id, {})
    assert paid.preview is None and "nothing is left" in paid.errors[""]


async def test_resend_queues_the_invoice_or_the_receipt_each_time(shop: Shop) -> None:
    sub, invoice_id = await _past_due(shop)
    for _ in range(2):
        page = await _page(shop, "invoice.resend", sub, invoice_id, {}, Role.SUPPORT)
        assert page.preview is not None and "invoice e-mail" in page.preview.effect
        await _do(shop, "invoice.resend", sub, invoice_id, page, Role.SUPPORT)
        shop.clock.set(shop.clock.now() + timedelta(minutes=1))
    assert len(shop.notices("invoice", invoice_id)) == 2
    receipt = await _page(shop, "invoice.resend", sub, sub.first_invoice_id, {})
    assert receipt.preview is not None and "receipt" in receipt.preview.summary
    with pytest.raises(PermissionDenied):
        await _page(shop, "invoice.resend", sub, invoice_id, {}, Role.VIEWER)


async def test_a_credit_note_on_an_open_invoice_lowers_what_it_owes(shop: Shop) -> None:
    sub, invoice_id = await _past_due(shop)
    page = await _page(shop, "invoice.credit_note", sub, invoice_id, {"amount": "10"})
    assert page.preview is not None and page.preview.total == Money.of_minor(1000, "USD")
    assert page.preview.facts[1].amount == Money.of_minor(2600, "USD")
    await _do(shop, "invoice.credit_note", sub, invoice_id, page)
    invoice = await shop.invoice(invoice_id)
    assert (invoice.status, invoice.invoice.amount_due) == (InvoiceStatus.OPEN, 2600)
    assert invoice.invoice.total - invoice.invoice.credit_applied == 2600
    (note,) = await shop.uow.credit_notes.list_for_invoice(invoice_id)
    assert (note.note.total, note.note.credited, note.note.refunded) == (1000, 1000, 0)
    customer = await shop.uow.customers.get(sub.customer_id)
    assert customer is not None and customer.balance_minor == 0, "not to the balance"

    too_much = await _page(shop, "invoice.credit_note", sub, invoice_id, {"amount": "26.01"})
    assert too_much.preview is None and "at most 26.00" in too_much.errors["amount"]
    rest = await _page(shop, "invoice.credit_note", sub, invoice_id, {"amount": "26"})
    await _do(shop, "invoice.credit_note", sub, invoice_id, rest)
    assert (await shop.invoice(invoice_id)).status is InvoiceStatus.PAID
    assert shop.uow.dunning.cases[invoice_id].status is DunningStatus.RECOVERED
    assert len(await entries(shop, "invoice.credit_note")) == 2


async def test_a_credit_note_on_a_paid_invoice_credits_the_balance(shop: Shop) -> None:
    sub = await shop.subscriber()
    page = await _page(shop, "invoice.credit_note", sub, sub.first_invoice_id,
                       {"amount": "5.50", "credit_reason": "order_change"})  # fmt: skip
    assert page.preview is not None and "balance" in page.preview.effect
    await _do(shop, "invoice.credit_note", sub, sub.first_invoice_id, page)
    customer = await shop.uow.customers.get(sub.customer_id)
    assert customer is not None and customer.balance_minor == -550
    (entry,) = await entries(shop)
    assert entry.after["credit_note"].startswith("CN-")


async def test_stale_previews_bad_input_and_other_customers_change_nothing(shop: Shop) -> None:
    sub, invoice_id = await _past_due(shop)
    other = await shop.subscriber()
    with pytest.raises(NotFound):
        await _page(shop, "invoice.void", other, invoice_id, {})
    blank = await _page(shop, "invoice.credit_note", sub, invoice_id, {"amount": ""})
    assert blank.preview is None and blank.errors == {}  # nothing typed yet: no messages
    for amount in ("abc", "0", "-1"):
        page = await _page(shop, "invoice.credit_note", sub, invoice_id, {"amount": amount})
        assert page.preview is None and page.errors.get("amount"), amount
    void = await _page(shop, "invoice.void", sub, invoice_id, {})
    credit = await _page(shop, "invoice.credit_note", sub, invoice_id, {"amount": "1"})
    await _do(shop, "invoice.credit_note", sub, invoice_id, credit)  # owes 35.00 now
    with pytest.raises(PreviewChanged):
        await _do(shop, "invoice.void", sub, invoice_id, void)
    assert (await shop.invoice(invoice_id)).status is InvoiceStatus.OPEN
    with pytest.raises(ValidationFailed):
        await confirm_action(staff(), "invoice.void", customer_id=sub.customer_id,
                             target_id=invoice_id, raw={}, shown=void.agreement, reason="",
                             svc=desk(shop))  # fmt: skip
    with pytest.raises(PermissionDenied):
        await _page(shop, "invoice.void", sub, invoice_id, {}, Role.SUPPORT)
    with pytest.raises(InvalidTransition):
        await confirm_action(staff(), "invoice.mark_uncollectible", customer_id=sub.customer_id,
                             target_id=sub.first_invoice_id, raw={}, shown=None, reason=REASON,
                             svc=desk(shop))  # fmt: skip
    assert [e.action for e in await entries(shop)] == ["invoice.credit_note"]


async def test_billings_own_pay_and_void_close_the_dunning_case(shop: Shop) -> None:
    """The known bug: mark_invoice_paid / void_invoice left the case open (retried forever)."""
    subs = [await shop.subscriber(), await shop.subscriber()]
    renewals = []
    for sub in subs:
        shop.gateway.set_behaviour(sub.card.method_ref, DECLINED)
        renewals.append((await shop.renewal(sub)).id)
        await collect_invoice(renewals[-1], **shop.kw)
    voided, paid = renewals
    await void_invoice(voided, uow=shop.uow, clock=shop.clock)
    assert [j["invoice_id"] for j in shop.jobs(INVOICE_SETTLED_JOB)] == [voided]
    assert INVOICE_SETTLED_JOB in build_jobs(shop.config, shop.gateway)
    await settle_dunning(voided, uow=shop.factory, clock=shop.clock, config=shop.config)
    assert shop.uow.dunning.cases[voided].status is DunningStatus.CLOSED
    assert await shop.status(subs[0].subscription_id) is SubscriptionStatus.ACTIVE

    await mark_invoice_paid(paid, paid_at=shop.clock.now(), uow=shop.uow)
    # even before the job runs, the next collection (a dunning retry) closes it
    await collect_invoice(paid, **shop.kw)
    assert shop.uow.dunning.cases[paid].status is DunningStatus.RECOVERED
    assert await shop.status(subs[1].subscription_id) is SubscriptionStatus.ACTIVE
