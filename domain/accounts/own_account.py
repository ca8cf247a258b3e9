"""The signed-in subscriber's own account as they see and keep it (the portal's profile): the
account with its billing customer, linked sign-in providers, live sessions and optional notices
(``AccountView``), and the billing details of the customer the account pays as."""

from __future__ import annotations

from dataclasses import dataclass

from domain.accounts.model import Account, AuthSession, LinkedIdentity, SignedIn
from domain.accounts.ports import AccountsUnit
from domain.accounts.rules import OPTIONAL_NOTICES
from domain.customers.errors import CustomerErrorCode
from domain.customers.model import Customer
from domain.customers.service import update_billing_details
from domain.shared.clock import Clock
from domain.shared.errors import NotFound, ValidationFailed
from domain.shared.ids import CustomerId


@dataclass(frozen=True, slots=True)
class AccountView:
    account: Account
    customer: Customer | None  # None: the account never bought (no billing details yet)
    identities: list[LinkedIdentity]
    sessions: list[AuthSession]  # the live ones

    @property
    def notices(self) -> tuple[tuple[str, bool], ...]:
        """Each optional notice's kind and whether the subscriber wants it (yes unless refused)."""
        prefs = self.account.email_preferences
        return tuple((kind.value, prefs.get(kind.value, True)) for kind in OPTIONAL_NOTICES)


async def view_own_account(signed_in: SignedIn, *, uow: AccountsUnit, clock: Clock) -> AccountView:
    """The signed-in account in full. ``NotFound`` for an account or customer gone meanwhile."""
    async with uow:
        account = await uow.accounts.get(signed_in.account_id)
        if account is None:
            raise NotFound("No such account.")
        customer = None
        if signed_in.customer_id:
            customer = await uow.customers.get(CustomerId(signed_in.customer_id))
            if customer is None:
                raise NotFound("No such customer.", code=CustomerErrorCode.NOT_FOUND)
        identities = await uow.accounts.identities_of(signed_in.account_id)
        sessions = await uow.accounts.live_sessions_of(signed_in.account_id, clock.now())
    return AccountView(account, customer, identities, sessions)


async def change_billing_details(
    signed_in: SignedIn,
    *,
    name: str,
    country: str,
    address_lines: tuple[str, ...],
    region: str,
    tax_id: str,
    uow: AccountsUnit,
    clock: Clock,
) -> Customer:
    """The name, address, country and tax ID the account's next invoices print (see
    ``update_billing_details``); an account that never bought has none to change."""
    if not signed_in.customer_id:
        raise ValidationFailed({"name": "You have no billing account yet."})
    return await update_billing_details(
        CustomerId(signed_in.customer_id),
        name=name,
        country=country,
        address_lines=address_lines,
        region=region,
        tax_id=tax_id,
        uow=uow,
        clock=clock,
    )
