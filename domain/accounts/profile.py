"""The profile: the signed-in account, its name, and changing its e-mail address (a link to
the new address confirms it; the account and its billing customer then take it)."""

from __future__ import annotations

from dataclasses import replace

from domain.accounts.email_links import issue_token_in, lifetime_minutes, redeem_in, usable_token
from domain.accounts.errors import BadToken
from domain.accounts.mailing import Mailing
from domain.accounts.model import Account, SignedIn, TokenPurpose
from domain.accounts.ports import AccountsUnit
from domain.accounts.rules import MAX_NAME, digest, email_problem, normalise_email
from domain.notifications.model import EmailKind
from domain.notifications.service import queue_email_in
from domain.shared.clock import Clock
from domain.shared.errors import NotFound, ValidationFailed
from domain.shared.ids import CustomerId


async def get_account(signed_in: SignedIn, *, uow: AccountsUnit) -> Account:
    async with uow:
        account = await uow.accounts.get(signed_in.account_id)
    if account is None:
        raise NotFound("No such account.")
    return account


async def rename_account(signed_in: SignedIn, name: str, *, uow: AccountsUnit) -> Account:
    """The name we greet the subscriber with (the name on invoices is the billing details')."""
    name = name.strip()
    if not name or len(name) > MAX_NAME:
        raise ValidationFailed({"name": f"Enter your name (at most {MAX_NAME} characters)."})
    async with uow:
        account = await uow.accounts.get(signed_in.account_id, lock=True)
        if account is None:
            raise NotFound("No such account.")
        account = replace(account, name=name)
        await uow.accounts.update(account)
        await uow.commit()
    return account


# -- e-mail change --------------------------------------------------------------------------------
async def request_email_change(
    signed_in: SignedIn, new_email: str, *, uow: AccountsUnit, clock: Clock, mailing: Mailing
) -> None:
    """Send a confirmation link to the NEW address and a notice to the current one. Nothing
    changes until the link is used; an address another account or customer has is refused."""
    new_email = normalise_email(new_email)
    if problem := email_problem(new_email):
        raise ValidationFailed({"email": problem})
    now = clock.now()
    async with uow:
        account = await uow.accounts.get(signed_in.account_id)
        if account is None:
            raise NotFound("No such account.")
        if new_email == account.email:
            raise ValidationFailed({"email": "This is already your e-mail address."})
        if await _email_taken(uow, new_email, account):
            raise ValidationFailed({"email": "Another account uses this e-mail address."})
        secret, token = await issue_token_in(
            uow, account, TokenPurpose.EMAIL_CHANGE, now, new_email
        )
        common = {
            "customer_name": account.name,
            "new_email": new_email,
            "expires_in_minutes": lifetime_minutes(TokenPurpose.EMAIL_CHANGE),
            "display_preferences": account.display,
        }
        await queue_email_in(
            uow,
            EmailKind.EMAIL_CHANGE,
            to=new_email,
            context=common
            | {"confirm_url": f"{mailing.public_url}/account/profile/email/{secret}"},
            dedupe_key=f"email_change:{token.id}",
            clock=clock,
            renderer=mailing.renderer,
        )
        await queue_email_in(
            uow,
            EmailKind.EMAIL_CHANGE,
            to=account.email,
            context=common | {"confirm_url": ""},  # the notice: no link to the old address
            dedupe_key=f"email_change_notice:{token.id}",
            clock=clock,
            renderer=mailing.renderer,
        )
        await uow.commit()


async def _email_taken(uow: AccountsUnit, email: str, account: Account) -> bool:
    other = await uow.accounts.get_by_email(email)
    if other is not None and other.id != account.id:
        return True
    customer = await uow.customers.get_by_email(email)
    return customer is not None and customer.id != account.customer_id


async def check_email_change_link(
    signed_in: SignedIn, secret: str, *, uow: AccountsUnit, clock: Clock
) -> str:
    """The address a pending e-mail change link would confirm (shown before the click).
    Another account's link is ``NotFound``; a spent or expired one ``BadToken``."""
    async with uow:
        token = await uow.accounts.get_token(digest(secret))
    if token is not None and token.account_id != signed_in.account_id:
        raise NotFound("We could not find that link.", code="accounts.token_not_found")
    return usable_token(token, TokenPurpose.EMAIL_CHANGE, clock.now()).new_email or ""


async def confirm_email_change(
    signed_in: SignedIn, secret: str, *, uow: AccountsUnit, clock: Clock
) -> Account:
    """Use the link from the new mailbox, signed in as the account that asked: the account and
    its billing customer take the new address (verified by this very click). Another account's
    link is ``NotFound`` and stays unused. Issued invoices keep the address they were sent to."""
    now = clock.now()
    async with uow:
        pending = await uow.accounts.get_token(digest(secret))
        if pending is not None and pending.account_id != signed_in.account_id:
            raise NotFound("We could not find that link.", code="accounts.token_not_found")
        account, token = await redeem_in(uow, secret, TokenPurpose.EMAIL_CHANGE, now)
        new_email = token.new_email or ""
        if not new_email or await _email_taken(uow, new_email, account):
            raise BadToken("This address is now used by another account. Ask for a new link.")
        account = replace(account, email=new_email, email_verified=True)
        await uow.accounts.update(account)
        if account.customer_id is not None:
            customer = await uow.customers.get(CustomerId(account.customer_id), lock=True)
            if customer is not None:
                await uow.customers.save(replace(customer, email=new_email))
        await uow.commit()
    return account
