"""Account use cases: sign-up, password sign-in with rate limits, sessions, e-mailed links and
OpenID Connect sign-in.

Every function takes its collaborators as keyword arguments (unit of work, clock, hasher, the
e-mail renderer); none reads the time or the environment itself. A sign-in returns the new
session's secret once: the web layer puts it in the session cookie, storage keeps its digest.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime
from urllib.parse import urlencode

from domain.accounts.errors import (
    AccountErrorCode,
    BadToken,
    SignInFailed,
    TooManyAttempts,
)
from domain.accounts.model import (
    Account,
    AuthSession,
    EmailToken,
    LinkedIdentity,
    SignedIn,
    SignInMethod,
    TokenPurpose,
)
from domain.accounts.ports import AccountsUnit, PasswordHasher
from domain.accounts.rules import (
    MAX_NAME,
    OPTIONAL_NOTICES,
    SESSION_LIFETIME,
    SESSION_TOUCH_EVERY,
    TOKEN_LIFETIME,
    LinkRequestPolicy,
    ThrottlePolicy,
    digest,
    email_problem,
    is_local_path,
    new_secret,
    normalise_email,
    password_problem,
)
from domain.notifications.model import EmailKind
from domain.notifications.ports import EmailRenderer
from domain.notifications.service import queue_email_in
from domain.shared.clock import Clock
from domain.shared.errors import Conflict, NotFound, ValidationFailed
from domain.shared.ids import CustomerId, new_id

DEFAULT_THROTTLE = ThrottlePolicy()
DEFAULT_LINK_POLICY = LinkRequestPolicy()


@dataclass(frozen=True, slots=True)
class SessionGrant:
    """A new session: who signed in, and the secret for the session cookie (shown once)."""

    signed_in: SignedIn
    secret: str


@dataclass(frozen=True, slots=True)
class Mailing:
    """What sending an account e-mail needs: the renderer and where links point."""

    renderer: EmailRenderer
    public_url: str  # e.g. https://billing.example.com (no trailing slash)


@dataclass(frozen=True, slots=True)
class OidcIdentityClaims:
    issuer: str
    subject: str
    email: str
    email_verified: bool
    name: str


# -- sign-up --------------------------------------------------------------------------------------
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


# -- sessions -------------------------------------------------------------------------------------
async def open_session_in(
    uow: AccountsUnit,
    account: Account,
    *,
    method: SignInMethod,
    now: datetime,
    ip: str = "",
    user_agent: str = "",
) -> SessionGrant:
    secret = new_secret()
    session = AuthSession(
        id=digest(secret),
        account_id=account.id,
        method=method,
        created_at=now,
        last_seen_at=now,
        expires_at=now + SESSION_LIFETIME,
        user_agent=user_agent[:300],
        ip=ip[:64],
    )
    await uow.accounts.add_session(session)
    return SessionGrant(_signed_in(account, session.id), secret)


def _signed_in(account: Account, session_id: str) -> SignedIn:
    return SignedIn(
        account_id=account.id,
        email=account.email,
        name=account.name,
        customer_id=account.customer_id,
        session_id=session_id,
    )


async def resolve_session(secret: str, *, uow: AccountsUnit, clock: Clock) -> SignedIn | None:
    """Who holds this session secret, or None when the session is unknown, expired or revoked."""
    if not secret:
        return None
    now = clock.now()
    async with uow:
        session = await uow.accounts.get_session(digest(secret))
        if session is None or not session.is_live(now):
            return None
        account = await uow.accounts.get(session.account_id)
        if account is None:
            return None
        if now - session.last_seen_at >= SESSION_TOUCH_EVERY:
            await uow.accounts.touch_session(session.id, now)
            await uow.commit()
    return _signed_in(account, session.id)


async def sign_out(secret: str, *, uow: AccountsUnit, clock: Clock) -> None:
    async with uow:
        await uow.accounts.revoke_session(digest(secret), clock.now())
        await uow.commit()


async def sign_out_everywhere(
    account_id: str, *, uow: AccountsUnit, clock: Clock, keep_session: str | None = None
) -> int:
    """End every session of the account (all browsers and devices); ``keep_session`` (a session
    id) stays signed in. Returns how many sessions ended."""
    async with uow:
        ended = await uow.accounts.revoke_sessions_of(account_id, clock.now(), keep=keep_session)
        await uow.commit()
    return ended


async def list_sessions(account_id: str, *, uow: AccountsUnit, clock: Clock) -> list[AuthSession]:
    async with uow:
        return await uow.accounts.live_sessions_of(account_id, clock.now())


# -- password sign-in -----------------------------------------------------------------------------
async def sign_in_with_password(
    email: str,
    password: str,
    *,
    ip: str,
    user_agent: str = "",
    uow: AccountsUnit,
    clock: Clock,
    hasher: PasswordHasher,
    throttle: ThrottlePolicy = DEFAULT_THROTTLE,
) -> SessionGrant:
    """Check the password and open a session. Failures are recorded (and committed) before the
    refusal is raised, so the limits hold across processes; past a limit nothing is checked."""
    email = normalise_email(email)
    now = clock.now()
    email_key, ip_key = f"email:{email}", f"ip:{ip}"
    async with uow:
        since = now - throttle.window
        wait = throttle.retry_after(
            await uow.accounts.failures_since(email_key, since), throttle.per_email, now
        ) or throttle.retry_after(
            await uow.accounts.failures_since(ip_key, since), throttle.per_ip, now
        )
        if wait is not None:
            raise TooManyAttempts(wait)
        grant = await _check_password_in(uow, email, password, ip, user_agent, now, hasher)
        await uow.commit()  # a failure is committed too: the limits count it
    if grant is None:
        raise SignInFailed()
    return grant


async def _check_password_in(
    uow: AccountsUnit,
    email: str,
    password: str,
    ip: str,
    user_agent: str,
    now: datetime,
    hasher: PasswordHasher,
) -> SessionGrant | None:
    email_key, ip_key = f"email:{email}", f"ip:{ip}"
    account = await uow.accounts.get_by_email(email)
    if account is None or account.password_hash is None:
        hasher.hash(password)  # same work as a real check: timing tells nothing
        ok = False
    else:
        ok = hasher.verify(account.password_hash, password)
    await uow.accounts.record_attempt(email_key, now, succeeded=ok)
    await uow.accounts.record_attempt(ip_key, now, succeeded=ok)
    if not ok or account is None:
        return None
    if account.password_hash is not None and hasher.needs_rehash(account.password_hash):
        account = replace(account, password_hash=hasher.hash(password))
        await uow.accounts.update(account)
    return await open_session_in(
        uow, account, method=SignInMethod.PASSWORD, now=now, ip=ip, user_agent=user_agent
    )


async def change_password(
    signed_in: SignedIn,
    current_password: str,
    new_password: str,
    *,
    uow: AccountsUnit,
    clock: Clock,
    hasher: PasswordHasher,
) -> None:
    """Change the password (the current one is asked for when there is one) and end every other
    session of the account."""
    now = clock.now()
    async with uow:
        account = await uow.accounts.get(signed_in.account_id, lock=True)
        if account is None:
            raise NotFound("No such account.")
        if account.password_hash is not None and not hasher.verify(
            account.password_hash, current_password
        ):
            raise ValidationFailed(
                {"current_password": "That is not your current password."},
                code=AccountErrorCode.BAD_PASSWORD,
            )
        if problem := password_problem(new_password, email=account.email, name=account.name):
            raise ValidationFailed({"new_password": problem}, code=AccountErrorCode.BAD_PASSWORD)
        await uow.accounts.update(
            replace(account, password_hash=hasher.hash(new_password), password_changed_at=now)
        )
        await uow.accounts.revoke_sessions_of(account.id, now, keep=signed_in.session_id)
        await uow.commit()


# -- e-mailed links -------------------------------------------------------------------------------
async def _issue_token_in(
    uow: AccountsUnit, account: Account, purpose: TokenPurpose, now: datetime, new_email: str | None
) -> tuple[str, EmailToken]:
    secret = new_secret()
    token = EmailToken(
        id=digest(secret),
        account_id=account.id,
        purpose=purpose,
        created_at=now,
        expires_at=now + TOKEN_LIFETIME[purpose],
        new_email=new_email,
    )
    await uow.accounts.add_token(token)
    return secret, token


def _minutes(purpose: TokenPurpose) -> int:
    return int(TOKEN_LIFETIME[purpose].total_seconds() // 60)


async def _link_request_allowed_in(
    uow: AccountsUnit,
    purpose: TokenPurpose,
    email: str,
    ip: str,
    now: datetime,
    policy: LinkRequestPolicy,
) -> bool:
    """Count this request against the limits; False when a limit is reached (nothing is sent).
    Requests are stored as sign-in attempts that did not succeed under their own keys, so the
    count holds across processes and never mixes with password failures."""
    keys = [(f"{purpose.value}:email:{email}", policy.per_email)]
    if ip:
        keys.append((f"{purpose.value}:ip:{ip}", policy.per_ip))
    since = now - policy.window
    for key, limit in keys:
        if len(await uow.accounts.failures_since(key, since)) >= limit:
            return False
    for key, _ in keys:
        await uow.accounts.record_attempt(key, now, succeeded=False)
    return True


async def request_password_reset(
    email: str,
    *,
    ip: str = "",
    uow: AccountsUnit,
    clock: Clock,
    mailing: Mailing,
    policy: LinkRequestPolicy = DEFAULT_LINK_POLICY,
) -> None:
    """E-mail a single-use reset link when the address has an account. The caller answers the
    same whether or not it has one (the form never reveals who has an account), and the same
    when the address (or client) has asked too often: then nothing is sent (``LinkRequestPolicy``,
    3 an hour per address)."""
    email = normalise_email(email)
    if email_problem(email):
        raise ValidationFailed({"email": "Enter an e-mail address like name@example.com."})
    now = clock.now()
    async with uow:
        if not await _link_request_allowed_in(
            uow, TokenPurpose.PASSWORD_RESET, email, ip, now, policy
        ):
            return
        account = await uow.accounts.get_by_email(email)
        if account is not None:
            secret, token = await _issue_token_in(
                uow, account, TokenPurpose.PASSWORD_RESET, now, None
            )
            await queue_email_in(
                uow,
                EmailKind.PASSWORD_RESET,
                to=account.email,
                context={
                    "customer_name": account.name,
                    "reset_url": f"{mailing.public_url}/auth/reset/{secret}",
                    "expires_in_minutes": _minutes(TokenPurpose.PASSWORD_RESET),
                },
                dedupe_key=f"password_reset:{token.id}",
                clock=clock,
                renderer=mailing.renderer,
            )
        await uow.commit()  # the request counts against the limit with or without an account


async def request_magic_link(
    email: str,
    *,
    ip: str = "",
    uow: AccountsUnit,
    clock: Clock,
    mailing: Mailing,
    next_path: str = "",
    policy: LinkRequestPolicy = DEFAULT_LINK_POLICY,
) -> None:
    """E-mail a single-use sign-in link when the address has an account (silently nothing
    otherwise, or past the request limit, as for password resets). ``next_path`` rides along in
    the link only when it is a path on this site."""
    email = normalise_email(email)
    if email_problem(email):
        raise ValidationFailed({"email": "Enter an e-mail address like name@example.com."})
    now = clock.now()
    async with uow:
        if not await _link_request_allowed_in(uow, TokenPurpose.MAGIC_LINK, email, ip, now, policy):
            return
        account = await uow.accounts.get_by_email(email)
        if account is not None:
            secret, token = await _issue_token_in(uow, account, TokenPurpose.MAGIC_LINK, now, None)
            suffix = f"?{urlencode({'next': next_path})}" if is_local_path(next_path) else ""
            await queue_email_in(
                uow,
                EmailKind.MAGIC_LINK,
                to=account.email,
                context={
                    "sign_in_url": f"{mailing.public_url}/auth/magic/{secret}{suffix}",
                    "expires_in_minutes": _minutes(TokenPurpose.MAGIC_LINK),
                },
                dedupe_key=f"magic_link:{token.id}",
                clock=clock,
                renderer=mailing.renderer,
            )
        await uow.commit()


def _usable(token: EmailToken | None, purpose: TokenPurpose, now: datetime) -> EmailToken:
    """The token when its link still works; else ``BadToken`` saying why."""
    if token is None or token.purpose is not purpose or token.used_at is not None:
        raise BadToken()
    if now >= token.expires_at:
        raise BadToken("This link has expired. Ask for a new one.")
    return token


async def _redeem_in(
    uow: AccountsUnit, secret: str, purpose: TokenPurpose, now: datetime
) -> tuple[Account, EmailToken]:
    token = _usable(await uow.accounts.get_token(digest(secret), lock=True), purpose, now)
    account = await uow.accounts.get(token.account_id, lock=True)
    if account is None:
        raise BadToken()
    if not await uow.accounts.use_token(token.id, now):
        raise BadToken()
    return account, token


async def check_token(
    secret: str, purpose: TokenPurpose, *, uow: AccountsUnit, clock: Clock
) -> None:
    """Raise ``BadToken`` when a link can no longer be used (shown before the form is filled)."""
    async with uow:
        token = await uow.accounts.get_token(digest(secret))
    _usable(token, purpose, clock.now())


async def reset_password(
    secret: str,
    new_password: str,
    *,
    ip: str = "",
    user_agent: str = "",
    uow: AccountsUnit,
    clock: Clock,
    hasher: PasswordHasher,
) -> SessionGrant:
    """Set a new password from a reset link: the link is spent, every session of the account
    ends, and this browser is signed in. Proving the mailbox also verifies the address."""
    now = clock.now()
    async with uow:
        account, _ = await _redeem_in(uow, secret, TokenPurpose.PASSWORD_RESET, now)
        if problem := password_problem(new_password, email=account.email, name=account.name):
            raise ValidationFailed({"password": problem}, code=AccountErrorCode.BAD_PASSWORD)
        account = replace(
            account,
            password_hash=hasher.hash(new_password),
            password_changed_at=now,
            email_verified=True,
        )
        await uow.accounts.update(account)
        await uow.accounts.revoke_sessions_of(account.id, now)
        await uow.accounts.record_attempt(f"email:{account.email}", now, succeeded=True)
        grant = await open_session_in(
            uow, account, method=SignInMethod.PASSWORD_RESET, now=now, ip=ip, user_agent=user_agent
        )
        await uow.commit()
    return grant


async def sign_in_with_magic_link(
    secret: str, *, ip: str = "", user_agent: str = "", uow: AccountsUnit, clock: Clock
) -> SessionGrant:
    now = clock.now()
    async with uow:
        account, _ = await _redeem_in(uow, secret, TokenPurpose.MAGIC_LINK, now)
        if not account.email_verified:
            account = replace(account, email_verified=True)
            await uow.accounts.update(account)
        grant = await open_session_in(
            uow, account, method=SignInMethod.MAGIC_LINK, now=now, ip=ip, user_agent=user_agent
        )
        await uow.commit()
    return grant


# -- OpenID Connect -------------------------------------------------------------------------------
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


async def get_account(signed_in: SignedIn, *, uow: AccountsUnit) -> Account:
    async with uow:
        account = await uow.accounts.get(signed_in.account_id)
    if account is None:
        raise NotFound("No such account.")
    return account


async def linked_identities(signed_in: SignedIn, *, uow: AccountsUnit) -> list[LinkedIdentity]:
    async with uow:
        return await uow.accounts.identities_of(signed_in.account_id)


# -- profile --------------------------------------------------------------------------------------
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
        secret, token = await _issue_token_in(
            uow, account, TokenPurpose.EMAIL_CHANGE, now, new_email
        )
        common = {
            "customer_name": account.name,
            "new_email": new_email,
            "expires_in_minutes": _minutes(TokenPurpose.EMAIL_CHANGE),
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
    return _usable(token, TokenPurpose.EMAIL_CHANGE, clock.now()).new_email or ""


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
        account, token = await _redeem_in(uow, secret, TokenPurpose.EMAIL_CHANGE, now)
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
