"""The billing engine: one subscription billed through time, exactly and explainably.

It is pure (no I/O, no clock of its own): every command takes the instant it happens at, and
``advance_to`` processes everything due up to an instant (renewals, trial ends, scheduled changes
and cancellations, pause ends), issuing invoices and credit notes. The simulator drives it from a
scenario; the same rules price quotes and renewals elsewhere.

Rules it follows (docs/billing.md's "Billing rules" lists them all):
- Periods are half-open and computed from the anchor (month ends clamp). Licensed charges are
  billed in advance, usage charges in arrears; a renewal invoice holds the usage of the ending
  period and the advance charges of the new one.
- An event at the same instant as a renewal happens after the renewal.
- Immediate changes prorate per charge: a negative line for the unused part of the old state and
  a positive line for the rest of the period in the new state (never one net line); they ride on
  the next invoice (``next_invoice``), on an invoice issued now (``invoice_now``) or not at all
  (``none``). A change to another interval credits the old plan's unused time and starts a new
  period at the change instant, invoiced at once.
- Immediate cancellation may credit (to the balance) or refund the unused part of the paid period
  through a credit note whose total includes its share of the discount and tax; usage up to the
  cancel instant is then invoiced, so the credit applies to it.
- Pausing follows Stripe's "pause collection (void)": billing periods keep rolling, invoices that
  fall inside the pause are not issued and usage is not recorded; resuming bills again from the
  next renewal. The usage recorded before the pause is still billed, at the first renewal inside
  the pause, on an invoice for the period it was recorded in.

Its modules: ``states`` (status, timing, proration, refund, error codes), ``values`` (settings,
usage events, add-ons), ``checks`` (guards), ``periods`` (period and anchor arithmetic),
``wording`` (dates and labels on lines), ``usage`` and ``lines`` (building invoice lines:
recurring, usage, proration), ``credit_notes`` (the credit for unused time), ``core`` (the state
and issuing an invoice), the commands ``subscribing``, ``changes``, ``cancellation``,
``payments`` and ``renewals``, and ``aggregate`` (``SubscriptionEngine``). This package's names
below are its public surface; import them from here.
"""

from domain.subscriptions.engine.aggregate import SubscriptionEngine
from domain.subscriptions.engine.states import (
    BILLING,
    ENDED,
    INCOMPLETE_WINDOW,
    BillingErrorCode,
    ProrationBehavior,
    Refund,
    SubscriptionStatus,
    Timing,
)
from domain.subscriptions.engine.values import AddOnItem, BillingSettings, UsageEvent

__all__ = [
    "BILLING",
    "ENDED",
    "INCOMPLETE_WINDOW",
    "AddOnItem",
    "BillingErrorCode",
    "BillingSettings",
    "ProrationBehavior",
    "Refund",
    "SubscriptionEngine",
    "SubscriptionStatus",
    "Timing",
    "UsageEvent",
]
