"""The first two steps of charging an invoice (see ``service``): the pending attempt, recorded in
the caller's transaction, and the gateway call with its idempotency key, outside any
transaction. Shared by the one-invoice collection and the batch collection."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from domain.billing.config import BillingConfig
from domain.billing.invoices import load_for_update
from domain.billing.issued import IssuedInvoice
from domain.billing.model import InvoiceStatus
from domain.payments.dunning import DunningCase, DunningStatus
from domain.payments.model import (
    AttemptStatus,
    ChargeRequest,
    ChargeResult,
    ChargeStatus,
    PaymentAttempt,
    PaymentMethod,
)
from domain.payments.ports import PaymentGateway, PaymentsUnit
from domain.payments.settlement import close_dunning_in
from domain.shared.ids import new_id
from domain.shared.money import Money


@dataclass(frozen=True, slots=True)
class PendingCharge:
    """An invoice to charge: its pending attempt and the card it goes to (None: no card)."""

    issued: IssuedInvoice
    attempt: PaymentAttempt
    method: PaymentMethod | None
    gateway_customer: str | None


@dataclass(frozen=True, slots=True)
class NothingToCharge:
    """The invoice was settled another way (voided, paid offline or by another run), or, for a
    scheduled charge, it was charged already and its outcome recorded (see ``prepare_charge``)."""

    issued: IssuedInvoice
    wrote: bool  # its open dunning case was closed (False: nothing was written)


async def prepare_charge(
    uow: PaymentsUnit,
    invoice_id: str,
    *,
    now: datetime,
    config: BillingConfig,
    scheduled: bool = False,
) -> PendingCharge | NothingToCharge:
    """Lock the invoice; if it is open with an amount due, record a ``pending`` attempt whose
    idempotency key is ``<invoice id>:<attempt number>``, or reuse the pending attempt a crashed
    run left behind. Otherwise the invoice as it is, with its open dunning case (if any)
    closed. Writes in the caller's transaction.

    ``scheduled``: the charge of a job (a collection, the dunning run), which may run again
    after its work was done and recorded (a runner killed before the queue heard that it
    finished). It charges only an invoice never charged yet or whose dunning retry is due:
    after a recorded failure the retries are dunning's, on its schedule, and after a charge
    that waits for the customer (3-D Secure) the customer's; a rerun of the job charges
    nothing. A customer paying (``scheduled`` False) is charged whenever the invoice is open."""
    issued = await load_for_update(uow, invoice_id)
    if issued.status not in (InvoiceStatus.OPEN, InvoiceStatus.UNCOLLECTIBLE) or (
        issued.invoice.amount_due <= 0
    ):
        case = await uow.dunning.get(invoice_id)
        if case is not None and case.status is DunningStatus.OPEN:
            await close_dunning_in(uow, issued, now=now, config=config)
            return NothingToCharge(issued, wrote=True)
        return NothingToCharge(issued, wrote=False)
    assert issued.customer_id is not None
    attempts = await uow.payment_attempts.for_invoice(invoice_id)
    pending = next((a for a in attempts if a.status is AttemptStatus.PENDING), None)
    if pending is None and scheduled and not await _charge_due(uow, invoice_id, attempts, now):
        return NothingToCharge(issued, wrote=False)
    method: PaymentMethod | None = None
    gateway_customer: str | None = None
    if pending is None:
        methods = await uow.payment_methods.for_customer(issued.customer_id)
        method = next((m for m in methods if m.is_default), None)
        pending = PaymentAttempt(
            id=new_id(),
            invoice_id=invoice_id,
            customer_id=issued.customer_id,
            payment_method_id=method.id if method else None,
            number=len(attempts) + 1,
            idempotency_key=f"{invoice_id}:{len(attempts) + 1}",
            amount_minor=issued.invoice.amount_due,
            currency=issued.invoice.currency,
            status=AttemptStatus.PENDING,
            created_at=now,
        )
        await uow.payment_attempts.add(pending)
    elif pending.payment_method_id is not None:
        method = await uow.payment_methods.get(pending.payment_method_id)
    if method is not None:
        gateway_customer = await uow.payment_methods.gateway_customer(
            issued.customer_id, method.gateway
        )
    return PendingCharge(issued, pending, method, gateway_customer)


async def _charge_due(
    uow: PaymentsUnit, invoice_id: str, attempts: list[PaymentAttempt], now: datetime
) -> bool:
    """Whether a scheduled charge may charge the invoice (see ``prepare_charge``)."""
    if not attempts:
        return True
    return _retry_due(await uow.dunning.get(invoice_id), now)


def _retry_due(case: DunningCase | None, now: datetime) -> bool:
    return (
        case is not None
        and case.status is DunningStatus.OPEN
        and case.next_attempt_at is not None
        and case.next_attempt_at <= now
    )


def _is_payable(issued: IssuedInvoice) -> bool:
    return (
        issued.status in (InvoiceStatus.OPEN, InvoiceStatus.UNCOLLECTIBLE)
        and issued.invoice.amount_due > 0
    )


@dataclass(frozen=True, slots=True)
class PreparedBatch:
    """``prepare_charges``' answer: the charges to send (in the order of the ids given), how
    many invoices have nothing to charge, and those left to ``prepare_charge`` one by one."""

    charges: tuple[PendingCharge, ...]
    settled: int
    one_by_one: tuple[str, ...]


async def prepare_charges(
    uow: PaymentsUnit, invoice_ids: Sequence[str], *, now: datetime
) -> PreparedBatch:
    """``prepare_charge(scheduled=True)`` for a batch of invoices in a few queries: the invoices
    (locked) with their lines, their dunning cases, their attempts, the cards and the gateway's
    customers, then one multi-row insert of the new pending attempts. The rule is the same: an
    open invoice is charged when it was never charged or its dunning retry is due, with the
    pending attempt a crashed run left (same key) or a new one numbered after the last.

    What writes anything else is left to ``prepare_charge`` (``one_by_one``): a settled
    invoice whose dunning case is still open (it is closed), an unknown invoice and one
    without a customer (it raises there, and is handed to its own job)."""
    ids = list(dict.fromkeys(invoice_ids))
    found = {i.id: i for i in await uow.invoices.get_many_for_update(ids)}
    cases = await uow.dunning.for_invoices(list(found))
    payable = [i for i in ids if i in found and _is_payable(found[i])]
    attempts = await uow.payment_attempts.for_invoices(payable)
    settled = 0
    one_by_one: list[str] = []
    to_charge: list[tuple[IssuedInvoice, PaymentAttempt | None]] = []  # None: a new attempt
    for invoice_id in ids:
        issued = found.get(invoice_id)
        if issued is None or (issued.customer_id is None and _is_payable(issued)):
            one_by_one.append(invoice_id)
        elif not _is_payable(issued):
            case = cases.get(invoice_id)
            if case is not None and case.status is DunningStatus.OPEN:
                one_by_one.append(invoice_id)
            else:
                settled += 1
        else:
            made = attempts[invoice_id]
            pending = next((a for a in made if a.status is AttemptStatus.PENDING), None)
            if pending is None and made and not _retry_due(cases.get(invoice_id), now):
                settled += 1
            else:
                to_charge.append((issued, pending))
    customers = sorted({str(i.customer_id) for i, _ in to_charge})
    defaults = await uow.payment_methods.defaults_for(
        sorted({str(i.customer_id) for i, p in to_charge if p is None})
    )
    reused = await uow.payment_methods.get_many(
        sorted({p.payment_method_id for _, p in to_charge if p and p.payment_method_id})
    )
    gateway_customers = await uow.payment_methods.gateway_customers(customers)
    new: list[PaymentAttempt] = []
    charges: list[PendingCharge] = []
    for issued, pending in to_charge:
        customer_id = str(issued.customer_id)
        method: PaymentMethod | None
        if pending is None:
            method = defaults.get(customer_id)
            number = len(attempts[issued.id]) + 1
            pending = PaymentAttempt(
                id=new_id(),
                invoice_id=issued.id,
                customer_id=customer_id,
                payment_method_id=method.id if method else None,
                number=number,
                idempotency_key=f"{issued.id}:{number}",
                amount_minor=issued.invoice.amount_due,
                currency=issued.invoice.currency,
                status=AttemptStatus.PENDING,
                created_at=now,
            )
            new.append(pending)
        else:
            method = reused.get(pending.payment_method_id or "")
        gateway_customer = (
            gateway_customers.get((customer_id, method.gateway)) if method is not None else None
        )
        charges.append(PendingCharge(issued, pending, method, gateway_customer))
    await uow.payment_attempts.add_many(new)
    return PreparedBatch(tuple(charges), settled, tuple(one_by_one))


NO_CARD = ChargeResult(
    ChargeStatus.DECLINED,
    None,
    "payment_method_missing",
    "There is no card on file. Please add a card.",
)  # the outcome of a charge with no card to charge: the gateway is not asked


def charge_request(charge: PendingCharge) -> ChargeRequest | None:
    """What the gateway is asked for the attempt; None when there is no card to charge."""
    if charge.method is None or charge.gateway_customer is None:
        return None
    return ChargeRequest(
        gateway_customer=charge.gateway_customer,
        method_ref=charge.method.method_ref,
        amount=Money.of_minor(charge.attempt.amount_minor, charge.attempt.currency),
        idempotency_key=charge.attempt.idempotency_key,
        description=f"Invoice {charge.issued.number}",
    )


async def send_charge(gateway: PaymentGateway, charge: PendingCharge) -> ChargeResult:
    """Ask the gateway to charge the attempt (no transaction open): a retry of the same attempt
    carries the same idempotency key and gets the first result instead of charging again."""
    request = charge_request(charge)
    if request is None:
        return NO_CARD
    return await gateway.charge(
        gateway_customer=request.gateway_customer,
        method_ref=request.method_ref,
        amount=request.amount,
        idempotency_key=request.idempotency_key,
        description=request.description,
    )
