"""A subscriber's display: the language, digits and calendar they read the product in, saved on
their account (``domain.shared.display``); every page, e-mail and PDF for them uses it."""

from __future__ import annotations

from dataclasses import replace

from domain.accounts.model import Account, SignedIn
from domain.accounts.ports import AccountsUnit
from domain.shared.display import DisplayPreferences
from domain.shared.errors import NotFound


async def set_display_preferences(
    signed_in: SignedIn, prefs: DisplayPreferences, *, uow: AccountsUnit
) -> Account:
    """Save the signed-in subscriber's own choice (checked by ``parse_preferences``)."""
    async with uow:
        account = await uow.accounts.get(signed_in.account_id, lock=True)
        if account is None:
            raise NotFound("No such account.")
        account = replace(account, display=prefs)
        await uow.accounts.update(account)
        await uow.commit()
    return account


async def display_of_customer(customer_id: str, *, uow: AccountsUnit) -> DisplayPreferences:
    """What the account that manages a customer chose (an e-mail or a PDF for them), or the
    default when no account manages it."""
    async with uow:
        account = await uow.accounts.get_by_customer(customer_id)
    return account.display if account is not None else DisplayPreferences()
