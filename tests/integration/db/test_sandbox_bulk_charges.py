"""The sandbox's bulk charge (``charge_many``, issue 18) answers each request as ``charge`` answers
it alone: every test card's outcome, a card that is gone, the timeout a ``timeout_once`` card
gives once (in its place, the rest answered), the simulated failure rate; and a batch sent again
with the same idempotency keys charges nothing twice."""

from __future__ import annotations

from typing import Any

import pytest

from domain.adapters.db.tables import SandboxPaymentTable
from domain.adapters.payments.sandbox import SandboxGateway
from domain.payments.batch_collection import _bulk_charging
from domain.payments.model import ChargeRequest, ChargeResult, ChargeStatus
from domain.shared.errors import TransientError
from domain.shared.money import Money
from tests.support.database import TestDatabase

pytestmark = pytest.mark.integration

CARDS = (
    "4242424242424242",  # succeeds
    "4000000000000002",  # generic decline
    "4000000000009995",  # insufficient funds
    "4000000000000069",  # expired, a hard decline (attached as a good card, then switched)
    "4000002500003155",  # 3-D Secure
    "4000000000000119",  # processing error
    "4000000000000259",  # times out once, then succeeds
)


async def _card(gateway: SandboxGateway, customer: str, number: str) -> tuple[str, str]:
    """A customer at the sandbox with a card attached that behaves like ``number``."""
    ref = await gateway.ensure_customer(customer_id=customer, email=f"{customer}@x.test", name="")
    token = await gateway.tokenize_card(
        number="4242424242424242", exp_month=12, exp_year=2030, cvc="123"
    )
    card = await gateway.attach(gateway_customer=ref, token=token)
    await gateway.set_behaviour(card.method_ref, number)
    return ref, card.method_ref


def _request(ref: str, method: str, key: str, minor: int = 1250) -> ChargeRequest:
    return ChargeRequest(ref, method, Money.of_minor(minor, "EUR"), key, f"Invoice {key}")


def _shape(answer: ChargeResult | Exception) -> tuple[Any, ...]:
    if isinstance(answer, Exception):
        return (type(answer).__name__,)
    return (answer.status, answer.code, answer.message, answer.action_url is not None)


async def _charge_alone(gateway: SandboxGateway, r: ChargeRequest) -> ChargeResult:
    return await gateway.charge(
        gateway_customer=r.gateway_customer,
        method_ref=r.method_ref,
        amount=r.amount,
        idempotency_key=r.idempotency_key,
        description=r.description,
    )


async def test_a_bulk_charge_answers_each_request_as_a_charge_alone(db: TestDatabase) -> None:
    gateway = SandboxGateway(db.engine)
    assert _bulk_charging(gateway) is gateway  # the batch collection charges it in bulk
    alone, together = [], []
    for k, number in enumerate(CARDS):
        alone.append(_request(*await _card(gateway, f"alone-{k}", number), f"alone:{k}"))
        together.append(_request(*await _card(gateway, f"bulk-{k}", number), f"bulk:{k}"))
    gone_ref, gone_method = await _card(gateway, "gone", CARDS[0])
    await gateway.detach(gateway_customer=gone_ref, method_ref=gone_method)
    alone.append(_request(gone_ref, gone_method, "alone:gone"))
    together.append(_request(gone_ref, gone_method, "bulk:gone"))

    one_by_one: list[ChargeResult | Exception] = []
    for r in alone:
        try:
            one_by_one.append(await _charge_alone(gateway, r))
        except TransientError as exc:
            one_by_one.append(exc)
    answers = await gateway.charge_many(together)
    assert [_shape(a) for a in answers] == [_shape(a) for a in one_by_one]
    assert _shape(answers[0])[0] is ChargeStatus.SUCCEEDED
    assert isinstance(answers[CARDS.index("4000000000000259")], TransientError)

    # the same batch again: the first answers, nothing charged twice; the timed-out one now
    # goes through (as its own retry would)
    rows = await SandboxPaymentTable.count()
    again = await gateway.charge_many(together)
    assert await SandboxPaymentTable.count() == rows + 1
    for first, second in zip(answers, again, strict=True):
        if isinstance(first, ChargeResult):
            assert second == first  # the same payment reference, the same outcome
        else:
            assert isinstance(second, ChargeResult) and second.status is ChargeStatus.SUCCEEDED
    stored = await SandboxPaymentTable.select().where(
        SandboxPaymentTable.idempotency_key == "bulk:0"
    )
    assert [(r["amount_minor"], r["currency"], r["status"]) for r in stored] == [
        (1250, "EUR", "succeeded")
    ]


async def test_a_bulk_charge_fails_the_same_share_as_charges_alone(db: TestDatabase) -> None:
    gateway = SandboxGateway(db.engine, failure_rate=1.0)
    ref, method = await _card(gateway, "flaky", CARDS[0])
    answers = await gateway.charge_many([_request(ref, method, f"k:{n}") for n in range(3)])
    assert {(a.status, a.code) for a in answers if isinstance(a, ChargeResult)} == {
        (ChargeStatus.ERROR, "processing_error")
    }
    assert await gateway.charge_many([]) == []
