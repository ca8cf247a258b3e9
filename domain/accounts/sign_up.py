"""Sign-up: the form's checks, creating an account (with or without a password) inside the
caller's transaction, and attaching the billing customer an account manages."""

from __future__ import annotations

from dataclasses import replace

from domain.accounts.errors import AccountErrorCode
from domain.accounts.model import Account
from domain.accounts.ports import AccountsUnit, PasswordHasher
from domain.accounts.rules import MAX_NAME, email_problem, normalise_email, password_problem
from domain.shared.clock import Clock
from domain.shared.errors import Conflict, NotFound, ValidationFailed
from domain.shared.ids import new_id


def check_sign_up(email: str, password: str | None, name: str) -> dict[str, str]:
    """Field errors of a sign-up form (empty when it is fine). ``password`` None: an account
    without one (e-mail link or OpenID Connect only), so there is no password to judge."""
    errors: dict[str, str] = {}
    email = normalise_email(email)
    if problem := email_problem(email):
        errors["email"] = problem
    if not name.strip() or len(name.strip()) > MAX_NAME:
        errors["name"] = f"Enter your name (at most {MAX_NAME} characters)."
    if password is not None and (problem := password_problem(password, email=email, name=name)):
        errors["password"] = problem
    return errors


async def register_in(
    uow: AccountsUnit,
    *,
    email: str,
    password: str | None,
    name: str,
    clock: Clock,
    hasher: PasswordHasher,
    customer_id: str | None = None,
    email_verified: bool = False,
) -> Account:
    """Create an account inside the caller's transaction. ``password`` None: an account that
    signs in by e-mail link or OpenID Connect only."""
    email = normalise_email(email)
    errors = check_sign_up(email, password, name)
    if errors:
        raise ValidationFailed(errors, code=AccountErrorCode.BAD_SIGN_UP)
    taken = ValidationFailed(
        {"email": "An account with this e-mail exists. Sign in first."},
        code=AccountErrorCode.ACCOUNT_EXISTS,
    )
    if await uow.accounts.get_by_email(email) is not None:
        raise taken
    now = clock.now()
    account = Account(
        id=new_id(),
        email=email,
        name=name.strip(),
        password_hash=hasher.hash(password) if password is not None else None,
        customer_id=customer_id,
        email_verified=email_verified,
        created_at=now,
        password_changed_at=now if password is not None else None,
    )
    try:
        await uow.accounts.add(account)
    except Conflict as exc:  # another sign-up with this e-mail committed since the check
        raise taken from exc
    return account


async def attach_customer_in(uow: AccountsUnit, account_id: str, customer_id: str) -> Account:
    account = await uow.accounts.get(account_id, lock=True)
    if account is None:
        raise NotFound("No such account.")
    if account.customer_id not in (None, customer_id):
        raise Conflict("This account already manages another customer.")
    updated = replace(account, customer_id=customer_id)
    await uow.accounts.update(updated)
    return updated
