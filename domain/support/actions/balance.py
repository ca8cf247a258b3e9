"""Grant balance credit to a customer, or remove credit they have: a balance transaction
(``domain/customers/balance.py``), as in Stripe's customer balance. No card is charged or
refunded and no credit note is issued: the credit is used by the customer's next invoices,
which the preview shows with the new balance (the engine's upcoming invoices, run on copies)."""

from __future__ import annotations

from collections.abc import Mapping
from zoneinfo import ZoneInfo

from domain.customers.balance import adjust_balance_in, check_adjustment
from domain.customers.model import Customer
from domain.shared.errors import NotFound
from domain.shared.ids import CustomerId
from domain.shared.message import said
from domain.shared.money import Money
from domain.staff.model import SignedInStaff
from domain.staff.permissions import Permission
from domain.subscriptions.engine import ENDED
from domain.subscriptions.reads import upcoming_with_balance_in
from domain.support.actions.base import (
    ActionField,
    ActionPreview,
    ActionServices,
    Executed,
    FieldKind,
    MoneyLine,
    StaffAction,
    TargetKind,
)
from domain.support.actions.inputs import money_field, text_field
from domain.support.ports import ActionsUnit

MAX_NOTE = 200


async def _customer(uow: ActionsUnit, customer_id: str, target_id: str, lock: bool) -> Customer:
    customer = (
        await uow.customers.get(CustomerId(target_id), lock=lock)
        if target_id == customer_id
        else None
    )
    if customer is None:
        raise NotFound("There is no such customer.", code="support.no_such_customer")
    return customer


async def _next_invoices(
    uow: ActionsUnit, svc: ActionServices, customer: Customer, balance_minor: int
) -> list[MoneyLine]:
    """Each live subscription's next invoice as it would be issued with ``balance_minor`` as
    the balance: its amount due, and how much of the credit it uses."""
    out = []
    for sub in await uow.subscriptions.for_customer(customer.id):
        if sub.status in ENDED:
            continue
        invoice = await upcoming_with_balance_in(
            uow, sub, balance_minor, now=svc.clock.now(), config=svc.config
        )
        if invoice is None:
            continue
        local = invoice.issued_at.astimezone(ZoneInfo(sub.timezone))
        used = (
            f"uses {Money.of_minor(invoice.credit_applied, invoice.currency)} of credit"
            if invoice.credit_applied
            else "uses no credit"
        )
        out.append(
            MoneyLine(
                f"Next invoice on {local:%b} {local.day}, {local.year}, after credit",
                Money.of_minor(invoice.amount_due, invoice.currency),
                f"{invoice.number or 'upcoming'}: total "
                f"{Money.of_minor(invoice.total, invoice.currency)}, {used}",
            )
        )
        balance_minor -= invoice.credit_applied  # the next subscription's invoice sees the rest
    return out


class _BalanceAction(StaffAction):
    target = TargetKind.CUSTOMER
    permission = Permission.MONEY_ACT
    moves_money = True
    sign: int  # -1: the balance goes down (credit granted), +1: credit removed
    fields = (
        ActionField("amount", "Amount", FieldKind.MONEY,
                    help="In the customer's currency."),
        ActionField("note", "Note on the balance transaction", FieldKind.TEXT,
                    required=False, max_length=MAX_NOTE,
                    help="Optional; your reason goes in the audit log either way."),
    )  # fmt: skip

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
        customer = await _customer(uow, customer_id, target_id, lock)
        cur = customer.currency
        amount = money_field(raw, "amount", cur)
        assert amount is not None
        note = text_field(raw, "note", max_length=MAX_NOTE, required=False)
        change = self.sign * amount.minor
        check_adjustment(customer, change)
        before = Money.of_minor(customer.balance_minor, cur)
        after = Money.of_minor(customer.balance_minor + change, cur)
        facts = [
            MoneyLine("Balance now", before, _words(before)),
            MoneyLine("Balance after", after, _words(after)),
            *await _next_invoices(uow, svc, customer, after.minor),
        ]
        verb = "Grant balance credit to" if self.sign < 0 else "Remove balance credit from"
        return ActionPreview(
            summary=f"{verb} {customer.name or customer.email}",
            # the balance it starts from pins the preview: any movement meanwhile refuses it
            terms={
                "amount": amount.to_decimal_string(),
                "note": note,
                "from": str(customer.balance_minor),
            },
            lines=(MoneyLine(self._line, Money.of_minor(change, cur), note),),
            total=amount,
            effect=self._effect,
            notes=(
                "No card is charged or refunded and no credit note is issued: the balance "
                "pays (part of) the customer's next invoices.",
                "The customer sees the credit in their portal; the adjustment is on their "
                "record's timeline.",
            ),
            facts=tuple(facts),
            before={"balance": str(before)},
            after={"balance": str(after)},
        )

    _line: str = ""
    _effect: str = ""

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
        assert preview.total is not None
        note = preview.terms.get("note", "")
        entry = await adjust_balance_in(
            uow, CustomerId(target_id), self.sign * preview.total.minor,
            description=note or reason, now=svc.clock.now(), created_by=actor.email,
        )  # fmt: skip
        balance = entry.ending_balance
        return Executed(
            object_type="customer",
            object_id=target_id,
            message=(
                said("Balance credit granted (balance now %(balance)s).", balance=balance)
                if self.sign < 0
                else said("Balance credit removed (balance now %(balance)s).", balance=balance)
            ),
            after={"balance_transaction": entry.id},
        )


def _words(balance: Money) -> str:
    if balance.minor < 0:
        return f"{-balance} of credit"
    if balance.minor > 0:
        return "owed by the customer"
    return "nothing owed either way"


class GrantCredit(_BalanceAction):
    code = "customer.grant_credit"
    title = "Grant balance credit"
    verb = "Grant credit"
    sign = -1
    _line = "Credit granted to the balance"
    _effect = "Credited to the customer's balance"


class RemoveCredit(_BalanceAction):
    code = "customer.remove_credit"
    title = "Remove balance credit"
    verb = "Remove credit"
    sign = 1
    _line = "Credit removed from the balance"
    _effect = "Taken off the customer's credit"
