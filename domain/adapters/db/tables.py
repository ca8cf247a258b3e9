"""Piccolo tables. Only repositories and the job store touch these classes.

Money columns are ``BigInt`` ``*_minor`` beside a ``currency``; instants are ``Timestamptz`` set by
use cases from the injected clock (no column computes time by default).
"""

from __future__ import annotations

from piccolo.columns import (
    JSON,
    BigInt,
    Boolean,
    Bytea,
    ForeignKey,
    Integer,
    OnDelete,
    Text,
    Timestamptz,
    Varchar,
)
from piccolo.table import Table

from domain.adapters.db.tables_analytics import ANALYTICS_TABLES
from domain.adapters.db.tables_apikeys import APIKEY_TABLES
from domain.adapters.db.tables_customers import CUSTOMER_TABLES
from domain.adapters.db.tables_entitlements import ENTITLEMENT_TABLES
from domain.adapters.db.tables_integrations import INTEGRATION_TABLES
from domain.adapters.db.tables_operations import OPERATIONS_TABLES
from domain.adapters.db.tables_price_migrations import PRICE_MIGRATION_TABLES
from domain.adapters.db.tables_staff import STAFF_TABLES
from domain.adapters.db.tables_support import SUPPORT_TABLES
from domain.adapters.db.tables_webhooks import WEBHOOK_TABLES


class PlanTable(Table, tablename="plan"):
    """One row per plan version. Unique indexes the columns cannot declare live in the migration
    ``20261124_2200_plan_versions``: ``(code, version)``, and ``code`` among current versions
    (``retired_at IS NULL``)."""

    id = Varchar(length=36, primary_key=True)
    code = Varchar(length=64)
    version = Integer(default=1)
    retired_at = Timestamptz(default=None, null=True)
    kind = Varchar(length=8, default="base")
    attaches_to = JSON(default=[])
    name = Varchar(length=200)
    description = Text(default="")
    interval_unit = Varchar(length=8)
    interval_count = Integer(default=1)
    trial_days = Integer(default=0)
    is_public = Boolean(default=True)
    highlighted = Boolean(default=False)
    sort_order = Integer(default=0)
    features = JSON(default=[])
    metadata = JSON(default={})


class PlanPriceTable(Table, tablename="plan_price"):
    id = Varchar(length=36, primary_key=True)
    plan = ForeignKey(references=PlanTable, on_delete=OnDelete.restrict, null=False, index=True)
    currency = Varchar(length=3)
    setup_fee_minor = BigInt(default=0)
    charges = JSON(default=[])


class PlanChangeRuleTable(Table, tablename="plan_change_rule"):
    """How a change from one plan code to another applies, overriding the default policy;
    ``(from_code, to_code)`` is unique (an index in ``20261124_2200_plan_versions``)."""

    id = Varchar(length=36, primary_key=True)
    from_code = Varchar(length=64)
    to_code = Varchar(length=64)
    timing = Varchar(length=16)
    proration = Varchar(length=16)


class CatalogVersionTable(Table, tablename="catalog_version"):
    """The catalog's version: one row (``id`` 1), raised in the same transaction as every
    catalog write (``repositories/catalog_version.py``); the per-process catalog caches compare
    it with the version of their snapshot (``domain/catalog/cache.py``). No row reads as 0."""

    id = Integer(primary_key=True)
    version = BigInt(default=0)


class PromotionsVersionTable(Table, tablename="promotions_version"):
    """The coupons' and promotion codes' version: one row (``id`` 1), raised in the same
    transaction as every write of them (``repositories/promotions_version.py``); each process's
    promotion cache compares it with the version its codes were read at
    (``domain/promotions/cache.py``). No row reads as 0."""

    id = Integer(primary_key=True)
    version = BigInt(default=0)


class JobTable(Table, tablename="job"):
    id = Varchar(length=36, primary_key=True)
    name = Varchar(length=100)
    kwargs = JSON(default={})
    status = Varchar(length=10, index=True)
    attempts = Integer(default=0)
    max_attempts = Integer(default=5)
    timeout_s = Integer(default=60)
    run_at = Timestamptz(default=None, null=True)
    unique_key = Varchar(length=200, null=True, default=None, unique=True)
    locked_by = Varchar(length=100, null=True, default=None)
    locked_until = Timestamptz(default=None, null=True)
    last_error = Text(null=True, default=None)
    created_at = Timestamptz(default=None, null=True)
    started_at = Timestamptz(default=None, null=True)
    finished_at = Timestamptz(default=None, null=True)


class InvoiceSeriesTable(Table, tablename="invoice_series"):
    """A numbering series ("INV-2026-"); ``next_number`` moves only inside the issuing transaction,
    so a rolled-back issue gives its number back and the series stays gapless."""

    id = Varchar(length=36, primary_key=True)
    prefix = Varchar(length=40, unique=True)
    next_number = BigInt(default=1)


class InvoiceTable(Table, tablename="invoice"):
    """An invoice: a draft (no number yet) or a finalized one, whose amounts and customer snapshot
    never change again; only its status and the instants of its status changes move."""

    id = Varchar(length=36, primary_key=True)
    number = Varchar(length=64, unique=True, null=True, default=None)  # null while a draft
    subscription_id = Varchar(length=36, null=True, default=None, index=True)
    customer_id = Varchar(length=36, null=True, default=None, index=True)
    billing_reason = Varchar(length=32)
    # "<subscription>:<period start>" for renewal invoices: the database refuses a second one
    cycle_key = Varchar(length=100, null=True, default=None, unique=True)
    status = Varchar(length=16)
    currency = Varchar(length=3)
    period_start = Timestamptz(default=None, null=True)
    period_end = Timestamptz(default=None, null=True)
    issued_at = Timestamptz(default=None, null=True)
    subtotal_minor = BigInt(default=0)
    discount_minor = BigInt(default=0)
    tax_minor = BigInt(default=0)
    total_minor = BigInt(default=0)
    credit_applied_minor = BigInt(default=0)
    amount_due_minor = BigInt(default=0)
    customer_snapshot = JSON(default={})
    paid_at = Timestamptz(default=None, null=True)
    voided_at = Timestamptz(default=None, null=True)
    marked_uncollectible_at = Timestamptz(default=None, null=True)
    # the tax as applied: {"percentage": "8.875" or null, "inclusive", "reverse_charge", "note"};
    # null on invoices issued before it was kept (documents then work the rate out)
    tax_basis = JSON(default=None, null=True)
    # printed when set (one-off invoices): a memo, the customer's PO number, the due date
    memo = Text(default="")
    po_number = Varchar(length=64, default="")
    due_at = Timestamptz(default=None, null=True)
    # paid outside the gateway: {"method", "reference", "received_on"}, recorded by staff
    offline_payment = JSON(default=None, null=True)


class InvoiceLineTable(Table, tablename="invoice_line"):
    id = Varchar(length=36, primary_key=True)
    invoice = ForeignKey(
        references=InvoiceTable, on_delete=OnDelete.cascade, null=False, index=True
    )
    position = Integer(default=0)
    kind = Varchar(length=16)
    description = Text(default="")
    quantity = Text()  # exact: a decimal string ("250", "2.5")
    unit_amount_minor = Text()  # exact minor units: "0.05" (sub-minor), or a ratio "1057/1234"
    amount_minor = BigInt(default=0)
    period_start = Timestamptz(default=None, null=True)
    period_end = Timestamptz(default=None, null=True)
    explanation = Text(default="")
    detail = Text(default="")  # the explanation in days ("15 of 30 days x 30.00"), or empty


class CreditNoteTable(Table, tablename="credit_note"):
    """An issued credit note against a finalized invoice: numbered from its own series,
    immutable; its amounts are in the invoice's currency."""

    id = Varchar(length=36, primary_key=True)
    number = Varchar(length=64, unique=True)
    invoice = ForeignKey(
        references=InvoiceTable, on_delete=OnDelete.restrict, null=False, index=True
    )
    customer_id = Varchar(length=36, null=True, default=None, index=True)
    subscription_id = Varchar(length=36, null=True, default=None, index=True)
    reason = Varchar(length=32)
    currency = Varchar(length=3)
    issued_at = Timestamptz(default=None, null=True)
    subtotal_minor = BigInt(default=0)
    discount_minor = BigInt(default=0)
    tax_minor = BigInt(default=0)
    total_minor = BigInt(default=0)
    refunded_minor = BigInt(default=0)
    credited_minor = BigInt(default=0)


class CreditNoteLineTable(Table, tablename="credit_note_line"):
    id = Varchar(length=36, primary_key=True)
    credit_note = ForeignKey(
        references=CreditNoteTable, on_delete=OnDelete.cascade, null=False, index=True
    )
    position = Integer(default=0)
    description = Text(default="")
    amount_minor = BigInt(default=0)
    explanation = Text(default="")
    detail = Text(default="")


class InvoiceDocumentTable(Table, tablename="invoice_document"):
    """An invoice's rendered PDF, one per invoice; ``version`` is the fingerprint of what it shows
    (domain/documents/invoice_document.py), so it is re-rendered only when that changes."""

    id = Varchar(length=36, primary_key=True)
    invoice = ForeignKey(
        references=InvoiceTable, on_delete=OnDelete.cascade, null=False, unique=True
    )
    version = Varchar(length=64)
    rendered_at = Timestamptz(default=None, null=True)
    size_bytes = Integer(default=0)
    content = Bytea(default=b"")


class CreditNoteDocumentTable(Table, tablename="credit_note_document"):
    """A credit note's rendered PDF, one per credit note (like ``invoice_document``)."""

    id = Varchar(length=36, primary_key=True)
    credit_note = ForeignKey(
        references=CreditNoteTable, on_delete=OnDelete.cascade, null=False, unique=True
    )
    version = Varchar(length=64)
    rendered_at = Timestamptz(default=None, null=True)
    size_bytes = Integer(default=0)
    content = Bytea(default=b"")


class CustomerTable(Table, tablename="customer"):
    """A buyer; ``balance_minor`` < 0 is credit the business owes (applied to next invoices)."""

    id = Varchar(length=36, primary_key=True)
    email = Varchar(length=254, unique=True)
    name = Varchar(length=200)
    currency = Varchar(length=3)
    country = Varchar(length=2, default="")
    region = Varchar(length=100, null=True, default=None)
    address_lines = JSON(default=[])
    tax_id = Varchar(length=40, null=True, default=None)
    tax_exempt = Boolean(default=False)
    timezone = Varchar(length=64, default="UTC")
    balance_minor = BigInt(default=0)
    created_at = Timestamptz(default=None, null=True)
    # set: this customer lives on a test clock (sandbox only), not on real time
    test_clock_id = Varchar(length=36, null=True, default=None, index=True)


class SubscriptionTable(Table, tablename="subscription"):
    """The billing engine's state at rest (see domain/subscriptions/model.py)."""

    id = Varchar(length=36, primary_key=True)
    customer = ForeignKey(
        references=CustomerTable, on_delete=OnDelete.restrict, null=False, index=True
    )
    currency = Varchar(length=3)
    timezone = Varchar(length=64)
    proration = Varchar(length=8)
    plan = ForeignKey(references=PlanTable, on_delete=OnDelete.restrict, null=False)
    quantity = Integer(default=1)
    status = Varchar(length=20, index=True)
    anchor = Timestamptz(default=None, null=True)
    period_start = Timestamptz(default=None, null=True)
    period_end = Timestamptz(default=None, null=True)
    # when the renewal run must next look at it (NULL: ended); indexed for the due scan
    next_action_at = Timestamptz(default=None, null=True, index=True)
    created_at = Timestamptz(default=None, null=True)
    canceled_at = Timestamptz(default=None, null=True)
    pending_anchor = Timestamptz(default=None, null=True)
    cancel_at_period_end = Boolean(default=False)
    scheduled_plan_id = Varchar(length=36, null=True, default=None)
    scheduled_quantity = Integer(null=True, default=None)
    scheduled_from = Timestamptz(default=None, null=True)
    resume_at = Timestamptz(default=None, null=True)
    paused_at = Timestamptz(default=None, null=True)
    incomplete_expires_at = Timestamptz(default=None, null=True)
    coupon = JSON(null=True, default=None)
    carry_minor = BigInt(default=0)
    pending_lines = JSON(default=[])
    addons = JSON(default=[])
    period_invoice_id = Varchar(length=36, null=True, default=None)
    version = Integer(default=0)
    test_clock_id = Varchar(length=36, null=True, default=None, index=True)


class UsageEventTable(Table, tablename="usage_event"):
    id = Varchar(length=36, primary_key=True)
    # indexed with at, and with idempotency_key (unique): migration 20261208_0200
    subscription = ForeignKey(references=SubscriptionTable, on_delete=OnDelete.cascade, null=False)
    meter = Varchar(length=100)
    value = Text()  # exact decimal string
    at = Timestamptz(default=None, null=True)
    key = Varchar(length=200, null=True, default=None)
    idempotency_key = Varchar(length=200, null=True, default=None)


class CouponTable(Table, tablename="coupon"):
    """The discount (``domain/promotions``); customers redeem it through its promotion codes."""

    id = Varchar(length=64, primary_key=True)
    name = Varchar(length=100, default="")
    duration = Varchar(length=10)
    percent_off = Varchar(length=12, null=True, default=None)  # exact decimal string
    amounts_off = JSON(default={})  # {"USD": 1000}: minor units per currency
    duration_in_months = Integer(null=True, default=None)
    plan_codes = JSON(default=[])
    redeem_by = Timestamptz(default=None, null=True)
    max_redemptions = Integer(null=True, default=None)  # across all its promotion codes
    times_redeemed = Integer(default=0)
    created_at = Timestamptz(default=None, null=True)


class PromotionCodeTable(Table, tablename="promotion_code"):
    """A customer-facing code for one coupon, with its own limits and count."""

    id = Varchar(length=36, primary_key=True)
    code = Varchar(length=40, unique=True)
    coupon = ForeignKey(references=CouponTable, on_delete=OnDelete.restrict, null=False, index=True)
    active = Boolean(default=True)
    expires_at = Timestamptz(default=None, null=True)
    max_redemptions = Integer(null=True, default=None)
    first_subscription_only = Boolean(default=False)
    minimum_amounts = JSON(default={})  # {"USD": 5000}: minor units per currency
    times_redeemed = Integer(default=0)
    created_at = Timestamptz(default=None, null=True)


class TaxRateTable(Table, tablename="tax_rate"):
    id = Varchar(length=36, primary_key=True)
    country = Varchar(length=2, index=True)
    region = Varchar(length=100, null=True, default=None)
    code = Varchar(length=40)  # the name printed on invoices: "VAT", "Sales tax"
    percentage = Varchar(length=12)  # exact decimal string
    inclusive = Boolean(default=False)
    # a rate never changes: a new rate replaces it and it is archived (kept for the record)
    created_at = Timestamptz(default=None, null=True)
    archived_at = Timestamptz(default=None, null=True)


class SandboxCardTable(Table, tablename="sandbox_card"):
    """The sandbox gateway's own records (it plays the payment provider): tokens and attached
    payment methods with the test behaviour of their card, never the card number."""

    ref = Varchar(length=40, primary_key=True)  # tok_... until attached, then pm_...
    customer_ref = Varchar(length=40, null=True, default=None, index=True)
    behaviour = Varchar(length=32)
    brand = Varchar(length=20)
    last4 = Varchar(length=4)
    exp_month = Integer()
    exp_year = Integer()
    fingerprint = Varchar(length=40)
    used = Boolean(default=False)


class SandboxCustomerTable(Table, tablename="sandbox_customer"):
    ref = Varchar(length=40, primary_key=True)
    customer_id = Varchar(length=36, unique=True)
    email = Varchar(length=254)


class SandboxPaymentTable(Table, tablename="sandbox_payment"):
    """The sandbox's ledger of payments: one per idempotency key, as a real gateway keeps."""

    ref = Varchar(length=40, primary_key=True)
    idempotency_key = Varchar(length=200, unique=True)
    kind = Varchar(length=10)  # charge | refund
    method_ref = Varchar(length=40, null=True, default=None)
    payment_ref = Varchar(length=40, null=True, default=None)  # a refund's payment
    amount_minor = BigInt()
    currency = Varchar(length=3)
    status = Varchar(length=20)
    code = Varchar(length=40, null=True, default=None)


class PaymentMethodTable(Table, tablename="payment_method"):
    """A saved card: the gateway's references, brand, last four, expiry and fingerprint only."""

    id = Varchar(length=36, primary_key=True)
    customer = ForeignKey(
        references=CustomerTable, on_delete=OnDelete.restrict, null=False, index=True
    )
    gateway = Varchar(length=20)
    gateway_customer = Varchar(length=100)
    method_ref = Varchar(length=100)
    brand = Varchar(length=20)
    last4 = Varchar(length=4, index=True)  # support finds a customer by a card's last four
    exp_month = Integer()
    exp_year = Integer()
    fingerprint = Varchar(length=64)
    is_default = Boolean(default=False)
    created_at = Timestamptz(default=None, null=True)
    removed_at = Timestamptz(default=None, null=True)


class PaymentAttemptTable(Table, tablename="payment_attempt"):
    id = Varchar(length=36, primary_key=True)
    invoice = ForeignKey(
        references=InvoiceTable, on_delete=OnDelete.restrict, null=False, index=True
    )
    customer_id = Varchar(length=36, index=True)
    payment_method_id = Varchar(length=36, null=True, default=None)
    number = Integer()
    # "<invoice id>:<number>": the gateway's idempotency key, and unique here
    idempotency_key = Varchar(length=100, unique=True)
    amount_minor = BigInt()
    currency = Varchar(length=3)
    status = Varchar(length=20)
    code = Varchar(length=60, null=True, default=None)
    message = Text(default="")
    payment_ref = Varchar(length=100, null=True, default=None, index=True)
    hard_decline = Boolean(default=False)
    created_at = Timestamptz(default=None, null=True)
    finished_at = Timestamptz(default=None, null=True)


class DunningCaseTable(Table, tablename="dunning_case"):
    invoice = ForeignKey(
        references=InvoiceTable, on_delete=OnDelete.restrict, null=False, unique=True
    )
    customer_id = Varchar(length=36, index=True)
    subscription_id = Varchar(length=36, null=True, default=None)
    status = Varchar(length=12)
    failures = Integer(default=0)
    first_failed_at = Timestamptz(default=None, null=True)
    next_attempt_at = Timestamptz(default=None, null=True, index=True)
    awaiting_new_method = Boolean(default=False)
    closed_at = Timestamptz(default=None, null=True)
    test_clock_id = Varchar(length=36, null=True, default=None)


class DunningPolicyTable(Table, tablename="dunning_policy"):
    """The retry policy as data (one row, ``default``)."""

    name = Varchar(length=20, primary_key=True)
    retry_days = JSON(default=[1, 3, 5, 7])
    final_subscription_action = Varchar(length=12, default="cancel")
    final_invoice_action = Varchar(length=16, default="uncollectible")


class RefundTable(Table, tablename="refund"):
    """Money sent back through the gateway for a credit note's ``refunded`` part (one refund per
    credit note; its id is the gateway's idempotency key)."""

    id = Varchar(length=36, primary_key=True)
    credit_note_id = Varchar(length=36, unique=True)
    invoice_id = Varchar(length=36, index=True)
    customer_id = Varchar(length=36, null=True, default=None, index=True)
    payment_ref = Varchar(length=100, null=True, default=None)
    amount_minor = BigInt()
    currency = Varchar(length=3)
    status = Varchar(length=12)  # pending | succeeded | failed
    refund_ref = Varchar(length=100, null=True, default=None)
    code = Varchar(length=60, null=True, default=None)
    created_at = Timestamptz(default=None, null=True)
    finished_at = Timestamptz(default=None, null=True)


class PaymentWebhookEventTable(Table, tablename="payment_webhook_event"):
    """Each provider event we acted on or held for staff, once per ``<gateway>:<event id>``."""

    key = Varchar(length=300, primary_key=True)
    gateway = Varchar(length=20)
    event_id = Varchar(length=255)
    event_type = Varchar(length=100)
    payment_ref = Varchar(length=100, null=True, default=None)
    outcome = Varchar(length=12, index=True)  # applied | held
    detail = Text(default="")
    received_at = Timestamptz(default=None, null=True)


class TestClockTable(Table, tablename="test_clock"):
    """A sandbox clock staff move by hand; its customers are billed on its time."""

    __test__ = False  # not a pytest test class

    id = Varchar(length=36, primary_key=True)
    name = Varchar(length=100)
    frozen_at = Timestamptz(default=None, null=True)
    created_at = Timestamptz(default=None, null=True)


class OutboxEmailTable(Table, tablename="outbox_email"):
    """An e-mail as rendered when it was queued, and its delivery state. ``attachments`` is a
    JSON list of ``{filename, content_type, content_b64}`` (carried) or ``{filename,
    content_type, ref_kind, ref}`` (resolved at send time)."""

    id = Varchar(length=36, primary_key=True)
    kind = Varchar(length=40)
    recipient = Varchar(length=254, index=True)  # a customer's e-mails, on their record
    subject = Text(default="")
    text_body = Text(default="")
    html_body = Text(default="")
    attachments = JSON(default=[])
    status = Varchar(length=10, index=True)
    attempts = Integer(default=0)
    last_error = Text(null=True, default=None)
    # "<kind>:<what it is about>": the same notice is never queued twice
    dedupe_key = Varchar(length=200, unique=True)
    created_at = Timestamptz(default=None, null=True, index=True)
    sent_at = Timestamptz(default=None, null=True)


class AccountTable(Table, tablename="account"):
    """A person who signs in; ``customer`` is the billing customer they manage (after checkout)."""

    id = Varchar(length=36, primary_key=True)
    email = Varchar(length=254, unique=True)
    name = Varchar(length=200)
    password_hash = Varchar(length=200, null=True, default=None)
    customer = ForeignKey(
        references=CustomerTable, on_delete=OnDelete.restrict, null=True, index=True
    )
    email_verified = Boolean(default=False)
    email_preferences = JSON(default={})
    # language, digits, calendar (domain.shared.display.DisplayPreferences); {} = not chosen
    display_preferences = JSON(default={})
    created_at = Timestamptz(default=None, null=True)
    password_changed_at = Timestamptz(default=None, null=True)


class AccountIdentityTable(Table, tablename="account_identity"):
    """An OpenID Connect identity linked to an account; ``key`` is ``issuer|subject``."""

    id = Varchar(length=36, primary_key=True)
    account = ForeignKey(
        references=AccountTable, on_delete=OnDelete.cascade, null=False, index=True
    )
    key = Varchar(length=600, unique=True)
    issuer = Varchar(length=300)
    subject = Varchar(length=255)
    email = Varchar(length=254)
    created_at = Timestamptz(default=None, null=True)


class AuthSessionTable(Table, tablename="auth_session"):
    """A signed-in browser; ``id`` is the SHA-256 of the secret in its session cookie."""

    id = Varchar(length=64, primary_key=True)
    account = ForeignKey(
        references=AccountTable, on_delete=OnDelete.cascade, null=False, index=True
    )
    method = Varchar(length=20)
    created_at = Timestamptz(default=None, null=True)
    last_seen_at = Timestamptz(default=None, null=True)
    expires_at = Timestamptz(default=None, null=True)
    revoked_at = Timestamptz(default=None, null=True)
    user_agent = Varchar(length=300, default="")
    ip = Varchar(length=64, default="")


class EmailTokenTable(Table, tablename="email_token"):
    """A single-use e-mailed link; ``id`` is the SHA-256 of the secret in the link."""

    id = Varchar(length=64, primary_key=True)
    account = ForeignKey(
        references=AccountTable, on_delete=OnDelete.cascade, null=False, index=True
    )
    purpose = Varchar(length=20)
    new_email = Varchar(length=254, null=True, default=None)
    created_at = Timestamptz(default=None, null=True)
    expires_at = Timestamptz(default=None, null=True)
    used_at = Timestamptz(default=None, null=True)


class SignInAttemptTable(Table, tablename="sign_in_attempt"):
    """One sign-in attempt under a key: subscribers' ``email:<address>``, ``ip:<address>`` and
    e-mailed-link requests (``magic_link:email:<address>``, ...); staff's ``staff-ip:<address>``."""

    id = Varchar(length=36, primary_key=True)
    key = Varchar(length=300, index=True)
    at = Timestamptz(default=None, null=True, index=True)
    succeeded = Boolean(default=False)


class CancellationFeedbackTable(Table, tablename="cancellation_feedback"):
    """Why a subscriber cancelled, as they said it in the portal's cancellation flow."""

    id = Varchar(length=36, primary_key=True)
    subscription = ForeignKey(
        references=SubscriptionTable, on_delete=OnDelete.cascade, null=False, index=True
    )
    customer = ForeignKey(references=CustomerTable, on_delete=OnDelete.cascade, null=False)
    reason = Varchar(length=40)
    comment = Text(default="")
    timing = Varchar(length=20)
    created_at = Timestamptz(default=None, null=True)


class CheckoutSessionTable(Table, tablename="checkout_session"):
    """One checkout (the token in its form): its state makes placing the order idempotent."""

    token = Varchar(length=64, primary_key=True)
    plan_code = Varchar(length=100)
    state = Varchar(length=20, index=True)
    customer = ForeignKey(
        references=CustomerTable, on_delete=OnDelete.restrict, null=True, index=True
    )
    account = ForeignKey(references=AccountTable, on_delete=OnDelete.restrict, null=True)
    subscription_id = Varchar(length=36, null=True, default=None)
    invoice_id = Varchar(length=36, null=True, default=None)
    payment_ref = Varchar(length=100, null=True, default=None)
    message = Varchar(length=300, default="")
    # the order's first attempt created the account (the buyer was not signed in before)
    account_created = Boolean(default=False)
    created_at = Timestamptz(default=None, null=True)
    updated_at = Timestamptz(default=None, null=True)


ALL_TABLES: tuple[type[Table], ...] = (
    PlanTable,
    PlanPriceTable,
    PlanChangeRuleTable,
    CatalogVersionTable,
    PromotionsVersionTable,
    JobTable,
    InvoiceSeriesTable,
    InvoiceTable,
    InvoiceLineTable,
    CreditNoteTable,
    CreditNoteLineTable,
    InvoiceDocumentTable,
    CreditNoteDocumentTable,
    CustomerTable,
    SubscriptionTable,
    UsageEventTable,
    CouponTable,
    PromotionCodeTable,
    TaxRateTable,
    SandboxCardTable,
    SandboxCustomerTable,
    SandboxPaymentTable,
    PaymentMethodTable,
    PaymentAttemptTable,
    DunningCaseTable,
    DunningPolicyTable,
    TestClockTable,
    RefundTable,
    PaymentWebhookEventTable,
    OutboxEmailTable,
    AccountTable,
    AccountIdentityTable,
    AuthSessionTable,
    EmailTokenTable,
    SignInAttemptTable,
    CancellationFeedbackTable,
    CheckoutSessionTable,
    *STAFF_TABLES,
    *SUPPORT_TABLES,
    *CUSTOMER_TABLES,
    *PRICE_MIGRATION_TABLES,
    *OPERATIONS_TABLES,
    *ANALYTICS_TABLES,
    *WEBHOOK_TABLES,
    *APIKEY_TABLES,
    *INTEGRATION_TABLES,
    *ENTITLEMENT_TABLES,
)


def bind_tables(engine: object) -> None:
    """Point every table (and Piccolo's migration table) at the app's engine."""
    from piccolo.apps.migrations.tables import Migration
    from piccolo.engine.base import Engine

    assert isinstance(engine, Engine)
    for table in (*ALL_TABLES, Migration):
        table._meta.db = engine
