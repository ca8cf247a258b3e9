"""Linked identities: sign in with an OpenID Connect provider's identity (linking it, or making
an account, only on a verified address), link one to the signed-in account, list them.

``complete_oidc_sign_in`` is the callback's one use case: it links the identity when the visitor
started signed in and asked to link, else signs in with it.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from domain.accounts.errors import AccountErrorCode
from domain.accounts.model import LinkedIdentity, SignedIn, SignInMethod
from domain.accounts.ports import AccountsUnit, PasswordHasher
from domain.accounts.rules import MAX_NAME, email_problem, normalise_email
from domain.accounts.sessions import SessionGrant, open_session_in
from domain.accounts.sign_up import register_in
from domain.shared.clock import Clock
from domain.shared.errors import Conflict, NotFound, ValidationFailed
from domain.shared.ids import new_id


@dataclass(frozen=True, slots=True)
class OidcIdentityClaims:
    issuer: str
    subject: str
    email: str
    email_verified: bool
    name: str


async def complete_oidc_sign_in(
    claims: OidcIdentityClaims,
    *,
    link_to: SignedIn | None,
    ip: str = "",
    user_agent: str = "",
    uow: AccountsUnit,
    clock: Clock,
    hasher: PasswordHasher,
) -> SessionGrant | LinkedIdentity:
    """The provider's callback: with ``link_to`` (the visitor started signed in, from the
    profile page) the identity is linked to that account (``LinkedIdentity``); else the visitor
    signs in with it (``SessionGrant``)."""
    if link_to is not None:
        return await link_identity(link_to, claims, uow=uow, clock=clock)
    return await sign_in_with_oidc(
        claims, ip=ip, user_agent=user_agent, uow=uow, clock=clock, hasher=hasher
    )


async def sign_in_with_oidc(
    claims: OidcIdentityClaims,
    *,
    ip: str = "",
    user_agent: str = "",
    uow: AccountsUnit,
    clock: Clock,
    hasher: PasswordHasher,
) -> SessionGrant:
    """Sign in with a provider's identity: the account it is linked to; else the account with the
    same e-mail address, linked now, but only when the provider says the address is verified;
    else a new account (again only with a verified address)."""
    now = clock.now()
    email = normalise_email(claims.email)
    async with uow:
        identity = await uow.accounts.find_identity(claims.issuer, claims.subject)
        if identity is not None:
            account = await uow.accounts.get(identity.account_id)
            if account is None:
                raise NotFound("No such account.")
        else:
            if not claims.email_verified or email_problem(email):
                raise ValidationFailed(
                    {
                        "provider": "Your sign-in provider did not confirm your e-mail address, "
                        "so we cannot match it to an account. Sign in another way."
                    },
                    code=AccountErrorCode.OIDC_EMAIL_UNVERIFIED,
                )
            account = await uow.accounts.get_by_email(email)
            if account is None:
                account = await register_in(
                    uow,
                    email=email,
                    password=None,
                    # a provider may send no name, or a longer one than ours allows
                    name=(claims.name.strip() or email.split("@", 1)[0])[:MAX_NAME],
                    clock=clock,
                    hasher=hasher,
                    email_verified=True,
                )
            elif not account.email_verified:
                # Nobody has proven this mailbox before; the provider just did. Whoever chose
                # the account's password may not own the address (a pre-registered account),
                # so the password and every open session go; the owner can set a new password
                # by e-mail at any time.
                account = replace(account, password_hash=None, email_verified=True)
                await uow.accounts.update(account)
                await uow.accounts.revoke_sessions_of(account.id, now)
            await uow.accounts.add_identity(
                LinkedIdentity(
                    id=new_id(),
                    account_id=account.id,
                    issuer=claims.issuer,
                    subject=claims.subject,
                    email=email,
                    created_at=now,
                )
            )
        grant = await open_session_in(
            uow, account, method=SignInMethod.OIDC, now=now, ip=ip, user_agent=user_agent
        )
        await uow.commit()
    return grant


async def link_identity(
    signed_in: SignedIn, claims: OidcIdentityClaims, *, uow: AccountsUnit, clock: Clock
) -> LinkedIdentity:
    """Link a provider identity to the signed-in account (from the profile page)."""
    async with uow:
        existing = await uow.accounts.find_identity(claims.issuer, claims.subject)
        if existing is not None:
            if existing.account_id == signed_in.account_id:
                return existing
            raise Conflict(
                "That sign-in is linked to another account.", code=AccountErrorCode.IDENTITY_TAKEN
            )
        identity = LinkedIdentity(
            id=new_id(),
            account_id=signed_in.account_id,
            issuer=claims.issuer,
            subject=claims.subject,
            email=normalise_email(claims.email),
            created_at=clock.now(),
        )
        await uow.accounts.add_identity(identity)
        await uow.commit()
    return identity


async def linked_identities(signed_in: SignedIn, *, uow: AccountsUnit) -> list[LinkedIdentity]:
    async with uow:
        return await uow.accounts.identities_of(signed_in.account_id)
