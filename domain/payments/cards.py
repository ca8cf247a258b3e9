"""The subscriber's own cards (the portal's payment methods): the cards saved, a new card saved
as the default, another saved card made the default. A new default card is charged at once for
every past-due invoice (``retry_open_invoices``) and the outcomes are returned, so that the
subscriber sees how each went."""

from __future__ import annotations

from dataclasses import dataclass

from domain.billing.config import BillingConfig
from domain.payments.model import PaymentMethod
from domain.payments.ports import PaymentGateway, PaymentsUnit
from domain.payments.service import (
    CollectionResult,
    UowFactory,
    add_payment_method,
    list_payment_methods,
    retry_open_invoices,
    set_default_payment_method,
)
from domain.shared.clock import Clock
from domain.shared.ids import CustomerId


@dataclass(frozen=True, slots=True)
class NewCard:
    """A card as typed. The number goes no further than the gateway's tokenisation."""

    number: str
    exp_month: int
    exp_year: int
    cvc: str


async def saved_cards(customer_id: CustomerId | None, *, uow: PaymentsUnit) -> list[PaymentMethod]:
    """The customer's saved cards, the default first; none for an account that never bought."""
    if not customer_id:
        return []
    return await list_payment_methods(customer_id, uow=uow)


async def add_default_card(
    customer_id: CustomerId,
    card: NewCard,
    *,
    uow: UowFactory,
    gateway: PaymentGateway,
    clock: Clock,
    config: BillingConfig,
) -> list[CollectionResult]:
    """Tokenise the card (the sandbox gateway's job; a real one does it in the browser), save it
    as the default, then retry every past-due invoice with it now. A card refused by the gateway
    is ``ValidationFailed`` or ``PaymentDeclined``, and nothing is saved."""
    token = await gateway.tokenize_card(
        number=card.number, exp_month=card.exp_month, exp_year=card.exp_year, cvc=card.cvc
    )
    await add_payment_method(
        customer_id, token, uow=uow, gateway=gateway, clock=clock, retry_in_background=False
    )
    return await retry_open_invoices(
        customer_id, uow=uow, gateway=gateway, clock=clock, config=config
    )


async def choose_default_card(
    customer_id: CustomerId,
    method_id: str,
    *,
    uow: UowFactory,
    gateway: PaymentGateway,
    clock: Clock,
    config: BillingConfig,
) -> list[CollectionResult]:
    """Charge this saved card from now on, and retry every past-due invoice with it now."""
    await set_default_payment_method(
        customer_id, method_id, uow=uow(), clock=clock, retry_in_background=False
    )
    return await retry_open_invoices(
        customer_id, uow=uow, gateway=gateway, clock=clock, config=config
    )
