"""A subscriber with billing history for the portal's tests: an account, a card, a monthly
subscription, paid and past-due invoices, a credit note and a rendered PDF, all made through the
use cases on the app's own runtime (the jobs run with ``drain_jobs``)."""

from __future__ import annotations

from dataclasses import dataclass

from litestar import Litestar

from domain.adapters.db.tables import InvoiceTable
from domain.billing.credit_notes import issue_credit_note
from domain.billing.issued import CreditNoteReason
from domain.billing.model import CreditNote, CreditNoteLine
from domain.customers.service import create_customer
from domain.payments import service as payments
from domain.shared.clock import FrozenClock
from domain.shared.ids import CustomerId
from domain.subscriptions.subscribing import subscribe
from tests.support.accounts import make_account
from tests.support.jobs import drain_jobs
from tests.unit.billing._builders import make_plan

SUCCESS, DECLINE, FAILS_AFTER_ATTACH, ACTION = (
    "4242424242424242",
    "4000000000000002",
    "4000000000000341",
    "4000002500003155",
)


@dataclass
class Subscriber:
    email: str
    customer_id: CustomerId
    subscription_id: str
    card_ids: list[str]
    invoice_ids: list[str]  # oldest first
    credit_note_id: str | None = None


async def ensure_team_plan(app: Litestar) -> None:
    runtime = app.state.runtime
    async with runtime.uow() as uow:
        if await uow.plans.get_by_code("team") is None:
            await uow.plans.add(make_plan("team"))  # 30.00 + 10.00 a seat, monthly
            await uow.commit()


async def add_card(app: Litestar, customer_id: CustomerId, number: str) -> str:
    runtime = app.state.runtime
    token = await runtime.gateway.tokenize_card(
        number=number, exp_month=12, exp_year=2030, cvc="123"
    )
    method = await payments.add_payment_method(
        customer_id, token, uow=runtime.uow, gateway=runtime.gateway, clock=runtime.clock
    )
    return method.id


async def make_subscriber(
    app: Litestar, clock: FrozenClock, *, email: str, name: str = "Sam Subscriber"
) -> Subscriber:
    """An account whose customer pays a first invoice with a good card, gets a credit note on
    it, and has that invoice's PDF rendered."""
    runtime = app.state.runtime
    await ensure_team_plan(app)
    customer = await create_customer(
        email=email, name=name, currency="USD", country="US", uow=runtime.uow(), clock=clock
    )
    await make_account(runtime.uow(), clock, email=email, name=name, customer_id=customer.id)
    card = await add_card(app, customer.id, SUCCESS)
    outcome = await subscribe(
        customer.id, "team", uow=runtime.uow(), clock=clock, config=runtime.settings.billing
    )
    await drain_jobs(app)  # the first charge, its PDF and receipt
    first = outcome.invoices[0].id
    note = await issue_credit_note(
        CreditNote(
            number="",
            issued_at=clock.now(),
            invoice="",
            lines=(CreditNoteLine("Goodwill credit", 500, "A day of downtime, credited"),),
            subtotal=500,
            discount=0,
            tax=0,
            total=500,
            refunded=0,
            credited=500,
        ),
        invoice_id=first,
        customer_id=customer.id,
        subscription_id=outcome.subscription.id,
        series="CN-T-",
        reason=CreditNoteReason.PRODUCT_UNSATISFACTORY,
        uow=runtime.uow(),
    )
    return Subscriber(
        email=email,
        customer_id=customer.id,
        subscription_id=outcome.subscription.id,
        card_ids=[card],
        invoice_ids=[first],
        credit_note_id=note.id,
    )


async def fail_next_renewal(app: Litestar, clock: FrozenClock, who: Subscriber) -> str:
    """Switch the default card to one that declines off-session and let the month pass: the
    renewal invoice stays open and enters dunning. Returns its id."""
    who.card_ids.append(await add_card(app, who.customer_id, FAILS_AFTER_ATTACH))
    clock.advance(days=32)
    await drain_jobs(app)
    rows = await (
        InvoiceTable.select(InvoiceTable.id)
        .where(InvoiceTable.customer_id == who.customer_id)
        .where(InvoiceTable.status == "open")
    )
    assert len(rows) == 1, rows
    who.invoice_ids.append(rows[0]["id"])
    clock.advance(seconds=300)
    return str(rows[0]["id"])
