"""The last step of an order: it is paid (or nothing was due), so its checkout is complete and
the welcome e-mail goes out, once per checkout. Placing an order gets here when the first charge
succeeds; the confirmation page, when a payment that waited for the customer's check is paid."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime

from domain.accounts.mailing import Mailing
from domain.checkout.model import CheckoutSession, CheckoutState
from domain.checkout.ports import CheckoutUnit
from domain.notifications.model import EmailKind
from domain.notifications.service import queue_email_in
from domain.shared.ids import CustomerId


class OrderInstant:
    """The instant of the order for the use cases it calls (one instant per transaction)."""

    def __init__(self, now: datetime) -> None:
        self._now = now

    def now(self) -> datetime:
        return self._now


async def complete_in(
    tx: CheckoutUnit, session: CheckoutSession, now: datetime, mailing: Mailing
) -> CheckoutSession:
    """The order is paid (or nothing was due): the session is complete and the welcome e-mail
    goes out, once per checkout (an order declined and abandoned sends none)."""
    session = replace(session, state=CheckoutState.COMPLETE, payment_ref=None, message="",
                      updated_at=now)  # fmt: skip
    await tx.checkouts.save(session)
    customer = await tx.customers.get(CustomerId(session.customer_id or ""))
    plan = await tx.plans.get_by_code(session.plan_code)
    if customer is not None:
        # the buyer's saved display (language, digits, calendar), else the site's
        owner = await tx.accounts.get_by_customer(customer.id)
        await queue_email_in(
            tx,
            EmailKind.WELCOME,
            to=customer.email,
            context={
                "customer_name": customer.name,
                "plan_name": plan.name if plan else session.plan_code,
                "account_url": f"{mailing.public_url}/account",
                "display_preferences": owner.display if owner is not None else None,
            },
            dedupe_key=f"welcome:checkout:{session.token}",
            clock=OrderInstant(now),
            renderer=mailing.renderer,
        )
    return session
