"""A subscriber with a card and a subscription, for the portal's tests."""

from __future__ import annotations

from dataclasses import dataclass

from litestar import Litestar

from domain.customers.service import create_customer
from domain.payments import service as payments
from domain.shared.clock import Clock
from domain.subscriptions.subscribing import subscribe
from tests.support.accounts import make_account


@dataclass(frozen=True)
class Subscriber:
    email: str
    customer_id: str
    subscription_id: str


async def make_subscriber(
    app: Litestar,
    clock: Clock,
    *,
    email: str = "sam@example.com",
    plan: str = "team-monthly",
    quantity: int = 3,
    card: str = "4242424242424242",
) -> Subscriber:
    """Through the use cases: customer, card (default), subscription (its first invoice paid
    by the collection job the caller drains), and an account attached to the customer."""
    runtime = app.state.runtime
    customer = await create_customer(
        email=email, name="Sam Subscriber", currency="USD", country="US",
        uow=runtime.uow(), clock=clock,
    )  # fmt: skip
    token = await runtime.gateway.tokenize_card(number=card, exp_month=12, exp_year=2030, cvc="123")
    await payments.add_payment_method(
        customer.id, token, uow=runtime.uow, gateway=runtime.gateway, clock=clock
    )
    outcome = await subscribe(
        customer.id, plan, quantity=quantity, uow=runtime.uow(), clock=clock,
        config=runtime.settings.billing,
    )  # fmt: skip
    await make_account(runtime.uow(), clock, email=email, customer_id=customer.id)
    return Subscriber(email, customer.id, outcome.subscription.id)
