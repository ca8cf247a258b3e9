"""Adjusting a customer's balance by hand, as Stripe's customer balance transactions: a grant of
credit (the balance goes down: the business owes more) or the removal of credit the customer
has. Each adjustment is a ``BalanceTransaction`` row, kept beside the balance it moved, so the
customer record's timeline shows it. Credit is used by the customer's next invoices (the billing
engine takes the balance as it issues them); no credit note is issued for a plain adjustment.

Other movements of the balance are documented where they happen (credit notes credited to the
balance, invoices that used it); only adjustments are rows here."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime

from domain.customers.errors import CustomerErrorCode
from domain.customers.model import BalanceTransaction, Customer
from domain.customers.ports import CustomersUnit
from domain.shared.errors import NotFound, ValidationFailed
from domain.shared.ids import CustomerId, new_id
from domain.shared.money import Money

MAX_DESCRIPTION = 1_000


def check_adjustment(customer: Customer, amount_minor: int) -> None:
    """A credit grant (negative) is any amount; a removal (positive) takes away at most the
    credit the customer has: an adjustment never makes a customer owe money."""
    if amount_minor == 0:
        raise ValidationFailed({"amount": "Enter an amount more than zero."})
    credit = max(0, -customer.balance_minor)
    if amount_minor > credit:
        have = Money.of_minor(credit, customer.currency)
        raise ValidationFailed(
            {"amount": f"The customer has {have} of credit; remove at most that."}
            if credit
            else {"amount": "The customer has no credit to remove."},
            code=CustomerErrorCode.CREDIT_TOO_SMALL,
        )


def adjusted(customer: Customer, amount_minor: int) -> Customer:
    """The customer with the adjustment applied (checked with ``check_adjustment``)."""
    check_adjustment(customer, amount_minor)
    return replace(customer, balance_minor=customer.balance_minor + amount_minor)


async def adjust_balance_in(
    uow: CustomersUnit,
    customer_id: CustomerId,
    amount_minor: int,
    *,
    description: str,
    now: datetime,
    created_by: str | None = None,
) -> BalanceTransaction:
    """Move the balance by ``amount_minor`` (negative grants credit) in the caller's transaction,
    the customer row locked, and record the balance transaction."""
    customer = await uow.customers.get(customer_id, lock=True)
    if customer is None:
        raise NotFound("There is no such customer.", code=CustomerErrorCode.NOT_FOUND)
    after = adjusted(customer, amount_minor)
    await uow.customers.save(after)
    entry = BalanceTransaction(
        id=new_id(),
        customer_id=customer.id,
        amount_minor=amount_minor,
        currency=customer.currency,
        ending_balance_minor=after.balance_minor,
        description=description[:MAX_DESCRIPTION],
        created_at=now,
        created_by=created_by,
    )
    await uow.balance_transactions.add(entry)
    return entry
