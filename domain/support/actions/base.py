"""Staff actions on a customer: what each one is, asks for, previews and does.

Every action follows the portal's binding quote: ``preview`` computes exactly what confirming
will do (the money lines and their total, in words), the page shows it with a required reason,
and confirming recomputes the preview inside the writing transaction and refuses (``Conflict``)
when it differs from the one shown; otherwise ``execute`` does it in that same transaction, and
the service records one audit entry beside it. Money that leaves through the gateway (a refund,
a charge) is sent after the commit (``Executed.after_commit``), as the portal does, so nothing
moves without its document.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any, ClassVar

from domain.billing.config import BillingConfig
from domain.payments.ports import PaymentGateway
from domain.shared.clock import Clock
from domain.shared.message import Message
from domain.shared.money import Currency, Money
from domain.shared.periods import Period
from domain.staff.model import SignedInStaff
from domain.staff.permissions import Permission, can, require
from domain.support.ports import ActionsUnit


class TargetKind(StrEnum):
    """What an action acts on: the customer's id, or one of their invoices or subscriptions."""

    CUSTOMER = "customer"
    INVOICE = "invoice"
    SUBSCRIPTION = "subscription"


class FieldKind(StrEnum):
    MONEY = "money"  # an amount in the target's currency, "12.50"
    CHOICE = "choice"
    INTEGER = "integer"
    TEXT = "text"
    DATE = "date"  # YYYY-MM-DD
    HIDDEN = "hidden"  # not typed: a preview's own term carried back (a quote's instant)


@dataclass(frozen=True, slots=True)
class ActionField:
    name: str
    label: str
    kind: FieldKind = FieldKind.TEXT
    choices: tuple[tuple[str, str], ...] = ()  # (value, label)
    help: str = ""
    required: bool = True
    max_length: int = 200
    default: str = ""  # what the form shows before anything is typed (a choice's selection)


@dataclass(frozen=True, slots=True)
class MoneyLine:
    label: str
    amount: Money
    detail: str = ""
    # an invoice's or a credit note's own line (the engine's words, "Team (Feb 1 - Mar 1)"):
    # a page rewrites it and its arithmetic in the reader's language as every invoice is
    # (domain/adapters/line_text.py), its dates from ``period`` when it has one
    billed: bool = False
    period: Period | None = None
    lead: str = ""  # what the label starts with before the engine's words ("Final invoice: ")


@dataclass(frozen=True, slots=True)
class ActionPreview:
    """What confirming does. ``total`` is the money that moves (None when none does), with
    ``effect`` saying where ("refunded to Visa •••• 4242", "charged", "credited to the balance");
    ``terms`` are the parsed inputs as text (what the confirm form carries back)."""

    summary: str
    terms: Mapping[str, str]
    lines: tuple[MoneyLine, ...] = ()
    total: Money | None = None
    effect: str = ""
    notes: tuple[str, ...] = ()  # consequences in words ("the subscription ends on ...")
    facts: tuple[MoneyLine, ...] = ()  # amounts for context, not moved ("left to refund after")
    before: Mapping[str, Any] = field(default_factory=dict)  # for the audit entry
    after: Mapping[str, Any] = field(default_factory=dict)

    def agreement(self, code: str, target_id: str) -> dict[str, Any]:
        """What the staff member agreed to: confirming is refused unless it is unchanged."""
        return {
            "action": code,
            "target": target_id,
            "terms": dict(sorted(self.terms.items())),
            "lines": [
                [line.label, line.amount.minor, line.amount.currency.code] for line in self.lines
            ],
            "total": None if self.total is None else [self.total.minor, self.total.currency.code],
            "summary": self.summary,
        }


@dataclass(frozen=True, slots=True)
class Executed:
    """What ``execute`` did: the object the audit entry names and what to send after commit."""

    object_type: str
    object_id: str
    message: Message  # shown to the staff member, in their language ("Voided invoice %(number)s.")
    after: Mapping[str, Any] = field(default_factory=dict)  # more "after" values for the audit
    after_commit: Callable[[], Awaitable[None]] | None = None


@dataclass(frozen=True, slots=True)
class RefundLimits:
    """How much a ``support`` role may refund at once: ``default`` major units in any currency
    (100 dollars, 100 euros, 100 yen...) unless ``per_currency`` names it (in minor units)."""

    default_major: int = 100
    per_currency: Mapping[str, int] = field(default_factory=dict)

    def limit(self, currency: Currency | str) -> Money:
        cur = currency if isinstance(currency, Currency) else Currency.of(currency)
        minor = self.per_currency.get(cur.code, self.default_major * cur.minor_per_major)
        return Money.of_minor(minor, cur)


@dataclass(frozen=True, slots=True)
class ActionServices:
    """What actions run with: a unit of work per transaction, the clock, the billing rules,
    the gateway (refunds, charges) and the refund limit of the support role."""

    uow: Callable[[], ActionsUnit]
    clock: Clock
    config: BillingConfig
    gateway: PaymentGateway
    refund_limits: RefundLimits = RefundLimits()


class StaffAction(ABC):
    """One action. Subclasses name it, list the fields it asks for, and preview and execute it
    inside a transaction the service opened (``uow``)."""

    code: ClassVar[str]  # stable, the audit entry's action: "invoice.refund"
    title: ClassVar[str]  # "Refund invoice"
    verb: ClassVar[str]  # the confirm button: "Refund"
    target: ClassVar[TargetKind]
    permission: ClassVar[Permission] = Permission.CUSTOMERS_ACT
    moves_money: ClassVar[bool] = False
    fields: ClassVar[tuple[ActionField, ...]] = ()
    # the target statuses (or flags, such as "cancel_at_period_end") the menu offers it in
    when: ClassVar[frozenset[str] | None] = None

    async def form_fields(
        self, uow: ActionsUnit, svc: ActionServices, *, customer_id: str, target_id: str
    ) -> tuple[ActionField, ...]:
        """The fields as this target's form shows them: ``fields`` with the choices that depend
        on the target filled in (the plans sold in its currency); the same names, in order."""
        return self.fields

    def offered(self, status: str, flags: frozenset[str] = frozenset()) -> bool:
        return self.when is None or status in self.when or not self.when.isdisjoint(flags)

    def allowed(self, actor: SignedInStaff) -> bool:
        return can(actor.role, self.permission)

    def authorize(self, actor: SignedInStaff, preview: ActionPreview, svc: ActionServices) -> None:
        """Refuse (403) an actor who may not do this preview; by default the permission."""
        require(actor, self.permission)

    @abstractmethod
    async def preview(
        self,
        uow: ActionsUnit,
        svc: ActionServices,
        *,
        customer_id: str,
        target_id: str,
        raw: Mapping[str, str],
        lock: bool,
    ) -> ActionPreview:
        """Parse ``raw`` (``ValidationFailed`` with field messages), check the target belongs
        to the customer (``NotFound``) and compute exactly what ``execute`` will do."""

    @abstractmethod
    async def execute(
        self,
        uow: ActionsUnit,
        svc: ActionServices,
        *,
        actor: SignedInStaff,
        customer_id: str,
        target_id: str,
        preview: ActionPreview,
        reason: str,
    ) -> Executed:
        """Do the previewed action in ``uow`` (not committing)."""
