"""Saved cards: what is kept of a card (never its number), the default card, removing one."""

from __future__ import annotations

from datetime import timedelta

import pytest

from domain.payments.service import (
    PaymentErrorCode,
    forget_declined_method,
    list_payment_methods,
    remove_payment_method,
)
from domain.shared.errors import InvalidTransition, NotFound, PaymentDeclined
from tests.service.payments._shop import MAR1, Shop
from tests.support.gateway import EXPIRED, NEEDS_ACTION, SUCCEEDS

pytestmark = pytest.mark.service


def _everything_stored(shop: Shop) -> str:
    """Every row of every in-memory repository, as text."""
    return "\n".join(
        repr(vars(repo)) for repo in vars(shop.uow).values() if hasattr(repo, "__dict__")
    )


async def test_a_saved_card_keeps_brand_last_four_expiry_and_fingerprint_never_the_number(
    shop: Shop,
) -> None:
    subscriber = await shop.subscriber(card=SUCCEEDS)
    card = subscriber.card

    assert (card.brand, card.last4, card.exp_month, card.exp_year, card.is_default) == (
        "visa",
        "4242",
        12,
        2030,
        True,
    )
    assert card.gateway == "fake" and card.method_ref.startswith("pm_")
    assert card.created_at == MAR1
    assert len(card.fingerprint) == 32 and SUCCEEDS not in card.fingerprint
    stored = _everything_stored(shop)
    assert card.method_ref in stored and card.fingerprint in stored  # the scan sees the rows
    assert SUCCEEDS not in stored
    assert SUCCEEDS[:12] not in stored, "not even the first digits"
    assert await list_payment_methods(subscriber.customer_id, uow=shop.uow) == [card]


async def test_a_card_refused_when_saving_stores_nothing(shop: Shop) -> None:
    customer_id = await shop.customer()

    with pytest.raises(PaymentDeclined) as info:
        await shop.add_card(customer_id, EXPIRED)

    assert info.value.code == "expired_card"
    assert await list_payment_methods(customer_id, uow=shop.uow) == []
    assert EXPIRED not in _everything_stored(shop)


async def test_the_default_card_cannot_be_removed_and_another_one_is_detached(shop: Shop) -> None:
    subscriber = await shop.subscriber()
    shop.clock.advance(days=1)
    spare = await shop.add_card(subscriber.customer_id, NEEDS_ACTION, make_default=False)

    with pytest.raises(InvalidTransition) as info:
        await remove_payment_method(
            subscriber.customer_id, subscriber.card.id, uow=shop.uow, gateway=shop.gateway,
            clock=shop.clock,
        )  # fmt: skip
    assert info.value.code == PaymentErrorCode.DEFAULT_METHOD
    with pytest.raises(NotFound):  # another customer's card is no card at all
        await remove_payment_method(
            await shop.customer(), spare.id, uow=shop.uow, gateway=shop.gateway, clock=shop.clock
        )
    assert shop.gateway.detached == []

    await remove_payment_method(
        subscriber.customer_id, spare.id, uow=shop.uow, gateway=shop.gateway, clock=shop.clock
    )

    assert [m.id for m in await list_payment_methods(subscriber.customer_id, uow=shop.uow)] == [
        subscriber.card.id
    ]
    assert shop.gateway.detached == [spare.method_ref]
    assert shop.uow.payment_methods.rows[spare.id][2] == MAR1 + timedelta(days=1)


async def test_a_card_declined_at_checkout_is_forgotten_and_the_old_default_restored(
    shop: Shop,
) -> None:
    subscriber = await shop.subscriber()
    new = await shop.add_card(subscriber.customer_id)
    before = await list_payment_methods(subscriber.customer_id, uow=shop.uow)
    assert [(m.id, m.is_default) for m in before] == [(new.id, True), (subscriber.card.id, False)]

    await forget_declined_method(
        subscriber.customer_id, new.id, previous_default=subscriber.card.id, uow=shop.factory,
        gateway=shop.gateway, clock=shop.clock,
    )  # fmt: skip

    methods = await list_payment_methods(subscriber.customer_id, uow=shop.uow)
    assert [(m.id, m.is_default) for m in methods] == [(subscriber.card.id, True)]
    assert shop.gateway.detached == [new.method_ref]
