"""The signed-in account as its owner sees it, and the billing details it keeps."""

from __future__ import annotations

from datetime import timedelta

import pytest

from domain.accounts.model import Account, AuthSession, LinkedIdentity, SignedIn, SignInMethod
from domain.accounts.own_account import change_billing_details, view_own_account
from domain.customers.model import Customer
from domain.shared.clock import FrozenClock
from domain.shared.errors import NotFound, ValidationFailed
from domain.shared.ids import CustomerId
from tests.fakes import InMemoryUnitOfWork

pytestmark = pytest.mark.service


def _signed_in(customer_id: str | None = "cus-1") -> SignedIn:
    return SignedIn("acc-1", "ada@example.com", "Ada", customer_id, "ses-1")


async def _ada(uow: InMemoryUnitOfWork, clock: FrozenClock, customer_id: str | None) -> None:
    now = clock.now()
    await uow.accounts.add(
        Account(
            id="acc-1",
            email="ada@example.com",
            name="Ada",
            password_hash=None,
            customer_id=customer_id,
            email_verified=True,
            created_at=now,
            email_preferences={"trial_ending": False},
        )
    )
    if customer_id is not None:
        await uow.customers.add(
            Customer(CustomerId(customer_id), "ada@example.com", "Ada Ltd", "EUR", country="DE")
        )
    await uow.accounts.add_identity(
        LinkedIdentity("id-1", "acc-1", "https://id.example.com", "u-1", "ada@example.com", now)
    )
    for session_id, expires in (("ses-1", timedelta(days=1)), ("ses-old", timedelta(0))):
        await uow.accounts.add_session(
            AuthSession(session_id, "acc-1", SignInMethod.PASSWORD, now, now, now + expires)
        )


async def test_the_account_comes_with_its_customer_identities_live_sessions_and_notices(
    clock: FrozenClock,
) -> None:
    uow = InMemoryUnitOfWork()
    await _ada(uow, clock, "cus-1")
    view = await view_own_account(_signed_in(), uow=uow, clock=clock)
    assert view.account.id == "acc-1" and view.customer is not None
    assert view.customer.name == "Ada Ltd"
    assert [i.subject for i in view.identities] == ["u-1"]
    assert [s.id for s in view.sessions] == ["ses-1"]
    assert view.notices == (
        ("upcoming_renewal", True),
        ("trial_ending", False),
        ("card_expiring", True),
    )


async def test_an_account_that_never_bought_has_no_customer(clock: FrozenClock) -> None:
    uow = InMemoryUnitOfWork()
    await _ada(uow, clock, None)
    view = await view_own_account(_signed_in(None), uow=uow, clock=clock)
    assert view.customer is None
    with pytest.raises(ValidationFailed) as info:
        await change_billing_details(
            _signed_in(None), name="Ada", country="DE", address_lines=(), region="", tax_id="",
            uow=uow, clock=clock,
        )  # fmt: skip
    assert info.value.field_errors == {"name": "You have no billing account yet."}


async def test_a_customer_gone_meanwhile_is_not_found(clock: FrozenClock) -> None:
    uow = InMemoryUnitOfWork()
    await _ada(uow, clock, None)
    with pytest.raises(NotFound) as info:
        await view_own_account(_signed_in("cus-9"), uow=uow, clock=clock)
    assert info.value.code == "customer.not_found"


async def test_the_billing_details_are_the_customer_s(clock: FrozenClock) -> None:
    uow = InMemoryUnitOfWork()
    await _ada(uow, clock, "cus-1")
    saved = await change_billing_details(
        _signed_in(), name="Ada GmbH", country="de", address_lines=("Hauptstr. 1", " "),
        region="", tax_id="", uow=uow, clock=clock,
    )  # fmt: skip
    assert (saved.name, saved.country, saved.address_lines) == ("Ada GmbH", "DE", ("Hauptstr. 1",))
    assert await uow.customers.get(CustomerId("cus-1")) == saved
