"""Notice preferences: which optional e-mail notices (``OPTIONAL_NOTICES``) an account wants."""

from __future__ import annotations

from dataclasses import replace

from domain.accounts.model import Account, SignedIn
from domain.accounts.ports import AccountsUnit
from domain.accounts.rules import OPTIONAL_NOTICES
from domain.shared.errors import NotFound


async def set_email_preferences(
    signed_in: SignedIn, wanted: set[str], *, uow: AccountsUnit
) -> Account:
    """Turn each optional notice on (its kind in ``wanted``) or off; other kinds are ignored."""
    async with uow:
        account = await uow.accounts.get(signed_in.account_id, lock=True)
        if account is None:
            raise NotFound("No such account.")
        prefs = dict(account.email_preferences)
        prefs.update({kind.value: kind.value in wanted for kind in OPTIONAL_NOTICES})
        account = replace(account, email_preferences=prefs)
        await uow.accounts.update(account)
        await uow.commit()
    return account
