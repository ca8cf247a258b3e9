"""The JSON shapes of /api/v1 (msgspec structs: validated on the way in, documented in the
OpenAPI document) and the functions that fill them from domain values. Money is integer minor
units with the currency and the exact decimal string; instants are RFC 3339 in UTC."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Literal

from msgspec import Meta, Struct

from domain.billing.issued import InvoiceSummary, IssuedCreditNote, IssuedInvoice
from domain.billing.model import Invoice, InvoiceLine
from domain.customers.model import Customer
from domain.payments.model import PaymentMethod
from domain.shared.money import Money
from domain.subscriptions.model import Subscription

NO_CONTROL = r"^[^\u0000-\u001f\u007f]*$"


def text(max_length: int, min_length: int = 0) -> Meta:
    return Meta(min_length=min_length, max_length=max_length, pattern=NO_CONTROL)


Name = Annotated[str, text(200, 1)]
Email = Annotated[str, text(254, 3)]
Country = Annotated[str, Meta(pattern=r"^[A-Za-z]{2}$")]
CurrencyCode = Annotated[str, Meta(pattern=r"^[A-Za-z]{3}$")]
Line = Annotated[str, text(200)]
Region = Annotated[str, text(100)]
TaxId = Annotated[str, text(40)]
Zone = Annotated[str, text(64, 1)]
Code = Annotated[str, text(64, 1)]
Id = Annotated[str, text(64, 1)]


def instant(value: datetime | None) -> str | None:
    if value is None:
        return None
    return value.astimezone(UTC).isoformat().replace("+00:00", "Z")


class MoneyOut(Struct):
    amount_minor: int
    currency: str
    amount: str  # the exact decimal, "12.50"


def money(minor: int, currency: str) -> MoneyOut:
    return MoneyOut(minor, currency, Money.of_minor(minor, currency).to_decimal_string())


# -- customers ------------------------------------------------------------------------------------
class CustomerCreate(Struct, forbid_unknown_fields=True):
    email: Email
    name: Name
    currency: CurrencyCode
    country: Country
    region: Region | None = None
    address_lines: Annotated[list[Line], Meta(max_length=4)] = []
    tax_id: TaxId | None = None
    tax_exempt: bool = False
    timezone: Zone = "UTC"


class CustomerUpdate(Struct, forbid_unknown_fields=True):
    name: Name
    country: Country
    region: Region | None = None
    address_lines: Annotated[list[Line], Meta(max_length=4)] = []
    tax_id: TaxId | None = None


class CustomerOut(Struct):
    id: str
    email: str
    name: str
    currency: str
    country: str
    region: str | None
    address_lines: list[str]
    tax_id: str | None
    tax_exempt: bool
    timezone: str
    balance: MoneyOut
    created_at: str | None


class CustomerList(Struct):
    data: list[CustomerOut]
    has_more: bool
    next_cursor: str | None


def customer_out(c: Customer) -> CustomerOut:
    return CustomerOut(
        id=c.id, email=c.email, name=c.name, currency=c.currency, country=c.country,
        region=c.region, address_lines=list(c.address_lines), tax_id=c.tax_id,
        tax_exempt=c.tax_exempt, timezone=c.timezone, balance=money(c.balance_minor, c.currency),
        created_at=instant(c.created_at),
    )  # fmt: skip


# -- invoices -------------------------------------------------------------------------------------
class LineOut(Struct):
    kind: str
    description: str
    quantity: str  # exact, as a fraction's decimal or "a/b"
    amount: MoneyOut
    period_start: str | None
    period_end: str | None


class InvoiceBody(Struct):
    currency: str
    period_start: str | None
    period_end: str | None
    lines: list[LineOut]
    subtotal: MoneyOut
    discount: MoneyOut
    tax: MoneyOut
    total: MoneyOut
    credit_applied: MoneyOut
    amount_due: MoneyOut


class InvoiceOut(Struct):
    id: str
    number: str | None
    customer_id: str | None
    subscription_id: str | None
    status: str
    issued_at: str | None
    detail: InvoiceBody


class InvoiceSummaryOut(Struct):
    id: str
    number: str
    status: str
    issued_at: str | None
    total: MoneyOut
    amount_due: MoneyOut


class InvoiceList(Struct):
    data: list[InvoiceSummaryOut]
    has_more: bool
    next_cursor: str | None


def _quantity(line: InvoiceLine) -> str:
    q = line.quantity
    return str(q.numerator) if q.denominator == 1 else f"{q.numerator}/{q.denominator}"


def line_out(line: InvoiceLine, currency: str) -> LineOut:
    return LineOut(kind=line.kind.value, description=line.description, quantity=_quantity(line),
                   amount=money(line.amount, currency), period_start=instant(line.period.start),
                   period_end=instant(line.period.end))  # fmt: skip


def invoice_body(inv: Invoice) -> InvoiceBody:
    cur = inv.currency
    return InvoiceBody(
        currency=cur, period_start=instant(inv.period.start), period_end=instant(inv.period.end),
        lines=[line_out(line, cur) for line in inv.shown_lines],
        subtotal=money(inv.subtotal, cur), discount=money(inv.discount, cur),
        tax=money(inv.tax, cur), total=money(inv.total, cur),
        credit_applied=money(inv.credit_applied, cur), amount_due=money(inv.amount_due, cur),
    )  # fmt: skip


def invoice_out(issued: IssuedInvoice) -> InvoiceOut:
    return InvoiceOut(
        id=issued.id, number=issued.number, customer_id=issued.customer_id,
        subscription_id=issued.subscription_id, status=issued.status.value,
        issued_at=instant(issued.invoice.issued_at), detail=invoice_body(issued.invoice),
    )  # fmt: skip


def invoice_summary_out(s: InvoiceSummary) -> InvoiceSummaryOut:
    return InvoiceSummaryOut(
        id=s.id, number=s.number, status=s.status.value, issued_at=instant(s.issued_at),
        total=money(s.total, s.currency), amount_due=money(s.amount_due, s.currency),
    )  # fmt: skip


# -- subscriptions --------------------------------------------------------------------------------
class SubscriptionCreate(Struct, forbid_unknown_fields=True):
    customer_id: Id
    plan_code: Code
    quantity: Annotated[int, Meta(ge=1, le=10_000)] = 1
    trial_days: Annotated[int, Meta(ge=0, le=730)] | None = None
    coupon_code: Code | None = None


class SubscriptionOut(Struct):
    id: str
    customer_id: str
    plan_id: str
    quantity: int
    status: str
    currency: str
    current_period_start: str | None
    current_period_end: str | None
    cancel_at_period_end: bool
    canceled_at: str | None
    paused_at: str | None
    resume_at: str | None
    created_at: str | None


class SubscriptionList(Struct):
    data: list[SubscriptionOut]
    has_more: bool
    next_cursor: str | None


class SubscriptionResult(Struct):
    """A command's result: the subscription as saved and the invoices it issued."""

    subscription: SubscriptionOut
    invoices: list[InvoiceOut]


class CancelIn(Struct, forbid_unknown_fields=True):
    at: Literal["period_end", "now"] = "period_end"
    refund: Literal["none", "prorated_credit", "prorated_refund"] = "none"


class PauseIn(Struct, forbid_unknown_fields=True):
    resume_at: Annotated[datetime, Meta(tz=True)] | None = None  # RFC 3339; none: until resumed


class QuoteIn(Struct, forbid_unknown_fields=True):
    plan_code: Code | None = None
    quantity: Annotated[int, Meta(ge=1, le=10_000)] | None = None
    timing: Literal["immediate", "period_end"] | None = None
    proration: Literal["invoice_now", "next_invoice", "none"] | None = None


class QuoteOut(Struct):
    """A binding quote: confirm it within an hour with its ``quote`` token."""

    quote: str
    subscription_id: str
    at: str | None
    plan_code: str
    quantity: int
    timing: str
    proration: str
    invoice: InvoiceBody | None  # the invoice the change issues (now, or at the renewal)
    pending_lines: list[LineOut]  # lines that ride on the next invoice


class ConfirmIn(Struct, forbid_unknown_fields=True):
    quote: Annotated[str, text(2000, 1)]


def subscription_out(s: Subscription) -> SubscriptionOut:
    return SubscriptionOut(
        id=s.id, customer_id=s.customer_id, plan_id=s.plan_id, quantity=s.quantity,
        status=s.status.value, currency=s.currency,
        current_period_start=instant(s.period_start), current_period_end=instant(s.period_end),
        cancel_at_period_end=s.cancel_at_period_end, canceled_at=instant(s.canceled_at),
        paused_at=instant(s.paused_at), resume_at=instant(s.resume_at),
        created_at=instant(s.created_at),
    )  # fmt: skip


# -- payment methods ------------------------------------------------------------------------------
class PaymentMethodCreate(Struct, forbid_unknown_fields=True):
    """A token from the payment gateway (Stripe: a PaymentMethod id made with Stripe.js); never a
    card number."""

    token: Annotated[str, text(255, 1)]
    make_default: bool = True


class PaymentMethodOut(Struct):
    id: str
    customer_id: str
    brand: str
    last4: str
    exp_month: int
    exp_year: int
    is_default: bool
    created_at: str | None


class PaymentMethodList(Struct):
    data: list[PaymentMethodOut]


def payment_method_out(m: PaymentMethod) -> PaymentMethodOut:
    return PaymentMethodOut(
        id=m.id, customer_id=m.customer_id, brand=m.brand, last4=m.last4, exp_month=m.exp_month,
        exp_year=m.exp_year, is_default=m.is_default, created_at=instant(m.created_at),
    )  # fmt: skip


# -- credit notes ---------------------------------------------------------------------------------
class CreditNoteLineOut(Struct):
    description: str
    amount: MoneyOut


class CreditNoteOut(Struct):
    id: str
    number: str
    invoice_id: str
    customer_id: str | None
    subscription_id: str | None
    reason: str
    issued_at: str | None
    lines: list[CreditNoteLineOut]
    subtotal: MoneyOut
    discount: MoneyOut
    tax: MoneyOut
    total: MoneyOut
    refunded: MoneyOut  # paid back to the card
    credited: MoneyOut  # added to the customer's balance


class CreditNoteList(Struct):
    data: list[CreditNoteOut]
    has_more: bool
    next_cursor: str | None


def credit_note_out(issued: IssuedCreditNote) -> CreditNoteOut:
    n, cur = issued.note, issued.currency
    return CreditNoteOut(
        id=issued.id, number=n.number, invoice_id=issued.invoice_id,
        customer_id=issued.customer_id, subscription_id=issued.subscription_id,
        reason=issued.reason.value, issued_at=instant(n.issued_at),
        lines=[CreditNoteLineOut(line.description, money(line.amount, cur)) for line in n.lines],
        subtotal=money(n.subtotal, cur), discount=money(n.discount, cur), tax=money(n.tax, cur),
        total=money(n.total, cur), refunded=money(n.refunded, cur),
        credited=money(n.credited, cur),
    )  # fmt: skip
