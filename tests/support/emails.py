"""Sample e-mail contexts, one per notice, holding exactly the keys its templates document."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

from domain.notifications.model import EmailKind
from domain.shared.money import Money

AT = datetime(2024, 2, 3, 10, 0, tzinfo=UTC)
URL = "https://billing.example.test"


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
    }
    return contexts[kind]
