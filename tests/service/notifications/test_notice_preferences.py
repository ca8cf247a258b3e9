"""Optional notices honour the subscriber's e-mail preferences; transactional ones do not ask."""

from __future__ import annotations

from dataclasses import replace

import pytest

from domain.accounts.model import Account
from domain.accounts.rules import OPTIONAL_NOTICES, wants_notice
from domain.billing.config import BillingConfig
from domain.customers.model import Customer
from domain.notices.compose import notify
from domain.notifications.model import EmailKind
from domain.shared.clock import FrozenClock
from domain.shared.ids import CustomerId
from tests.fakes import FakeEmailRenderer, InMemoryUnitOfWork

pytestmark = pytest.mark.service


async def _setup(uow: InMemoryUnitOfWork, clock: FrozenClock, prefs: dict[str, bool]) -> None:
    await uow.customers.add(
        Customer(id=CustomerId("c1"), email="ada@example.test", name="Ada", currency="USD")
    )
    await uow.accounts.add(
        Account(
            id="a1", email="ada@example.test", name="Ada", password_hash=None,
            customer_id="c1", email_verified=True, created_at=clock.now(),
            email_preferences=prefs,
        )
    )  # fmt: skip


async def _card_expiring(uow: InMemoryUnitOfWork, clock: FrozenClock) -> None:
    await notify(
        EmailKind.CARD_EXPIRING,
        customer_id="c1",
        key="card_expiring:c1:2026-12",
        invoice_id=None,
        subscription_id=None,
        extra={"card_brand": "visa", "card_last4": "4242", "expires_on": "12/2026"},
        uow=uow,
        clock=clock,
        renderer=FakeEmailRenderer(),
        public_url="https://billing.example.test",
        config=BillingConfig(),
    )


async def test_an_optional_notice_turned_off_is_not_sent(clock: FrozenClock) -> None:
    uow = InMemoryUnitOfWork()
    await _setup(uow, clock, {"card_expiring": False})
    await _card_expiring(uow, clock)
    assert uow.emails.emails == {}


async def test_an_optional_notice_is_sent_by_default(clock: FrozenClock) -> None:
    uow = InMemoryUnitOfWork()
    await _setup(uow, clock, {})
    await _card_expiring(uow, clock)
    assert [e.kind for e in uow.emails.emails.values()] == [EmailKind.CARD_EXPIRING]


def test_transactional_notices_cannot_be_turned_off(clock: FrozenClock) -> None:
    account = Account(
        id="a1", email="a@example.test", name="A", password_hash=None, customer_id="c1",
        email_verified=True, created_at=clock.now(),
    )  # fmt: skip
    off = replace(account, email_preferences={k.value: False for k in EmailKind})
    for kind in EmailKind:
        assert wants_notice(off, kind) is (kind not in OPTIONAL_NOTICES)
    assert EmailKind.RECEIPT not in OPTIONAL_NOTICES
    assert EmailKind.PAYMENT_FAILED not in OPTIONAL_NOTICES
