"""Sample e-mail contexts, one per notice, holding exactly the keys its templates document."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

from domain.billing.issued import CreditNoteReason, IssuedCreditNote
from domain.billing.model import CreditNote, CreditNoteLine, InvoiceStatus
from domain.documents.credit_note_document import CreditNoteDocument, build_credit_note_document
from domain.documents.invoice_document import DEMO_SELLER, InvoiceDocument, build_invoice_document
from domain.notifications.model import EmailKind
from domain.shared.money import Money
from tests.unit.documents._builders import issued_invoice

AT = datetime(2024, 2, 3, 10, 0, tzinfo=UTC)
URL = "https://billing.example.test"


def _invoice_document() -> InvoiceDocument:
    """A paid invoice with a discount and 19% VAT (figures that reconcile)."""
    issued = issued_invoice(discount=500, status=InvoiceStatus.PAID, paid_at=AT)
    return build_invoice_document(issued, DEMO_SELLER)


def _credit_note_document() -> CreditNoteDocument:
    """The unused part of a discounted period: 72.00 less 20% is 57.60, 40.00 of it refunded."""
    invoice = issued_invoice(status=InvoiceStatus.PAID, paid_at=AT, tax=None)
    note = IssuedCreditNote(
        id="cn-7",
        invoice_id=invoice.id,
        customer_id=invoice.customer_id,
        subscription_id=invoice.subscription_id,
        reason=CreditNoteReason.ORDER_CHANGE,
        currency="EUR",
        note=CreditNote(
            number="CN-2024-000007",
            issued_at=AT,
            invoice=invoice.number or "",
            lines=(CreditNoteLine("Unused time on Team", 7200, "18 of 31 days"),),
            subtotal=7200,
            discount=1440,
            tax=0,
            total=5760,
            refunded=4000,
            credited=1760,
        ),
    )
    return build_credit_note_document(note, invoice, DEMO_SELLER)


def sample_context(kind: EmailKind) -> dict[str, Any]:
    usd = Money.of_minor(4900, "USD")
    contexts: dict[EmailKind, dict[str, Any]] = {
        EmailKind.WELCOME: {
            "customer_name": "Ada",
            "plan_name": "Team",
            "account_url": f"{URL}/account",
        },
        EmailKind.RECEIPT: {
            "customer_name": "Ada",
            "invoice_number": "INV-2024-000042",
            "amount_paid": Money.of_minor(123450, "USD"),
            "paid_at": AT,
            "invoice_url": f"{URL}/account/invoices/inv-42",
            "document": _invoice_document(),
        },
        EmailKind.PAYMENT_FAILED: {
            "customer_name": "Ada",
            "invoice_number": "INV-2024-000042",
            "amount_due": usd,
            "next_retry_at": AT,
            "update_card_url": f"{URL}/account/payment-methods",
        },
        EmailKind.PAYMENT_ACTION_REQUIRED: {
            "customer_name": "Ada",
            "invoice_number": "INV-2024-000042",
            "amount_due": usd,
            "action_url": f"{URL}/account/invoices/inv-42/pay",
        },
        EmailKind.LAST_CHANCE: {
            "customer_name": "Ada",
            "invoice_number": "INV-2024-000042",
            "amount_due": usd,
            "ends_at": AT,
            "update_card_url": f"{URL}/account/payment-methods",
        },
        EmailKind.TRIAL_ENDING: {
            "customer_name": "Ada",
            "plan_name": "Team",
            "trial_ends_at": AT,
            "amount": usd,
            "manage_url": f"{URL}/account/subscription",
        },
        EmailKind.UPCOMING_RENEWAL: {
            "customer_name": "Ada",
            "plan_name": "Starter annual",
            "renews_at": AT,
            "amount": Money.of_minor(19000, "USD"),
            "manage_url": f"{URL}/account/subscription",
        },
        EmailKind.CARD_EXPIRING: {
            "customer_name": "Ada",
            "card_brand": "Visa",
            "card_last4": "4242",
            "expires_on": date(2024, 3, 1),
            "update_card_url": f"{URL}/account/payment-methods",
        },
        EmailKind.SUBSCRIPTION_CANCELED: {
            "customer_name": "Ada",
            "plan_name": "Team",
            "ends_at": AT,
            "resubscribe_url": f"{URL}/",
        },
        EmailKind.SUBSCRIPTION_CANCEL_SCHEDULED: {
            "customer_name": "Ada",
            "plan_name": "Team",
            "ends_at": AT,
            "undo_url": f"{URL}/account/subscriptions/sub-1",
        },
        EmailKind.SUBSCRIPTION_CANCEL_UNDONE: {
            "customer_name": "Ada",
            "plan_name": "Team",
            "next_billing_at": AT,
            "manage_url": f"{URL}/account",
        },
        EmailKind.SUBSCRIPTION_PAUSED: {
            "customer_name": "Ada",
            "plan_name": "Team",
            "resumes_at": None,
            "manage_url": f"{URL}/account/subscription",
        },
        EmailKind.SUBSCRIPTION_RESUMED: {
            "customer_name": "Ada",
            "plan_name": "Team",
            "next_billing_at": AT,
            "manage_url": f"{URL}/account/subscription",
        },
        EmailKind.PLAN_CHANGED: {
            "customer_name": "Ada",
            "old_plan_name": "Starter",
            "new_plan_name": "Team",
            "effective_at": AT,
            "manage_url": f"{URL}/account/subscription",
        },
        EmailKind.PRICE_CHANGE: {
            "customer_name": "Ada",
            "plan_name": "Team",
            "new_plan_name": "Team",
            "old_price": Money.of_minor(3000, "USD"),
            "new_price": Money.of_minor(3500, "USD"),
            "interval": "month",
            "quantity": 3,
            "moves_at": AT,
            "tax_note": "Tax at 8.875% is added to these prices",
            "manage_url": f"{URL}/account",
        },
        EmailKind.PASSWORD_RESET: {
            "customer_name": "Ada",
            "reset_url": f"{URL}/auth/reset/tok-1",
            "expires_in_minutes": 30,
        },
        EmailKind.MAGIC_LINK: {
            "sign_in_url": f"{URL}/auth/magic/tok-2",
            "expires_in_minutes": 15,
        },
        EmailKind.EMAIL_CHANGE: {
            "customer_name": "Ada Lovelace",
            "new_email": "ada@new.example",
            "confirm_url": f"{URL}/account/profile/email/tok-3",
            "expires_in_minutes": 1440,
        },
        EmailKind.CREDIT_NOTE: {
            "customer_name": "Ada",
            "credit_note_number": "CN-2024-000007",
            "invoice_number": "INV-2024-000042",
            "document": _credit_note_document(),
            "credit_note_url": f"{URL}/account/credit-notes/cn-7",
        },
        EmailKind.INVOICE: {
            "customer_name": "Ada",
            "invoice_number": "INV-2024-000042",
            "amount_due": Money.of_minor(123450, "USD"),
            "due_at": AT,
            "invoice_url": f"{URL}/account/invoices/inv-42",
            "document": _invoice_document(),
        },
        EmailKind.ANALYTICS_SUMMARY: {
            "staff_name": "Bill",
            "month": date(2024, 1, 1),
            "mrr": Money.of_minor(1234500, "USD"),
            "net_new_mrr": Money.of_minor(-4000, "USD"),
            "new_customers": 12,
            "churned_customers": 3,
            "logo_churn": "2.5%",
            "missing_rates": "",
            "dashboard_url": f"{URL}/admin/analytics",
        },
        EmailKind.WEBHOOK_ENDPOINT_DISABLED: {
            "endpoint_url": "https://hooks.example.com/tessera",
            "failing_since": AT,
            "disabled_at": AT,
            "endpoint_admin_url": f"{URL}/admin/webhook-endpoints/we_1",
        },
    }
    return contexts[kind]
