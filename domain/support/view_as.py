"""View as subscriber: a staff member reads a subscriber's portal pages, read-only.

``start_view_as`` (the /admin POST) checks the permission, that the customer has a sign-in
account (the portal is an account's), and records ``customer.view_as_started``; it returns a
``Viewing`` that the web layer signs into a cookie the portal reads. Every portal request made
while viewing calls ``resolve_view_as``: the staff session that started the view must still be
live and signed in, the member enabled and still allowed ``customers.read``, the view not past
``expires_at`` (30 minutes, never past the staff session); a page view is audited
(``customer.view_as_page`` with its path). ``end_view_as`` (Exit) records
``customer.view_as_ended``. The subscriber's own sessions are never created, read or touched:
the portal acts with a ``SignedIn`` whose ``session_id`` is empty.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from domain.accounts.model import SignedIn
from domain.audit.model import Actor, new_entry
from domain.audit.service import record
from domain.shared.clock import Clock
from domain.shared.errors import Conflict, PermissionDenied
from domain.shared.ids import CustomerId, new_id
from domain.staff.model import SessionStage, SignedInStaff
from domain.staff.permissions import Permission, can, require
from domain.subscriptions.reads import customer_in
from domain.support.ports import SupportUnit

VIEW_LIFETIME = timedelta(minutes=30)
MAX_PATH = 300  # an audited path is cut to this many characters

STARTED = "customer.view_as_started"
PAGE = "customer.view_as_page"
ENDED = "customer.view_as_ended"


@dataclass(frozen=True, slots=True)
class Viewing:
    """A started view: who (the staff session's id, never its secret), whom, until when."""

    viewing_id: str
    staff_session_id: str
    customer_id: str
    expires_at: datetime


@dataclass(frozen=True, slots=True)
class ViewedAs:
    """A portal request made while viewing: the subscriber the portal shows, read-only, and the
    staff member reading it."""

    signed_in: SignedIn
    viewing: Viewing
    staff_id: str
    staff_email: str


async def start_view_as(
    actor: SignedInStaff, customer_id: str, *, uow: SupportUnit, clock: Clock
) -> Viewing:
    """Begin viewing ``customer_id``'s portal as ``actor``: ``NotFound`` for an unknown customer,
    ``Conflict`` when the customer has no sign-in account (there is no portal to view)."""
    require(actor, Permission.CUSTOMERS_READ)
    now = clock.now()
    async with uow:
        customer = await customer_in(uow, CustomerId(customer_id))
        account = await uow.accounts.get_by_customer(customer.id)
        if account is None:
            raise Conflict(
                "This customer has no sign-in account, so there is no portal to view.",
                code="support.no_account",
            )
        session = await uow.staff.get_session(actor.session_id)
        if session is None or not session.is_live(now):
            raise PermissionDenied("Sign in to the admin again.", code="staff.forbidden")
        viewing = Viewing(
            viewing_id=new_id(),
            staff_session_id=session.id,
            customer_id=customer.id,
            expires_at=min(now + VIEW_LIFETIME, session.expires_at),
        )
        await record(
            uow,
            new_entry(
                at=now,
                actor=Actor(actor.staff_id, actor.email),
                action=STARTED,
                object_type="customer",
                object_id=customer.id,
                customer_id=customer.id,
                after={
                    "viewing": viewing.viewing_id,
                    "account_id": account.id,
                    "email": account.email,
                    "until": viewing.expires_at.isoformat(),
                },
            ),
        )
        await uow.commit()
    return viewing


async def resolve_view_as(
    viewing: Viewing, *, uow: SupportUnit, clock: Clock, page: str | None = None
) -> ViewedAs | None:
    """The subscriber to show for a portal request made while viewing, or None when the view
    has ended (expired, the staff session signed out or expired, the member disabled or no
    longer allowed, the account gone). ``page`` (a path) is audited as one page viewed."""
    now = clock.now()
    if now >= viewing.expires_at:
        return None
    async with uow:
        session = await uow.staff.get_session(viewing.staff_session_id)
        if session is None or not session.is_live(now) or session.stage is not SessionStage.ACTIVE:
            return None
        member = await uow.staff.get(session.staff_id)
        if member is None or member.disabled_at is not None:
            return None
        if not can(member.role, Permission.CUSTOMERS_READ):
            return None
        account = await uow.accounts.get_by_customer(viewing.customer_id)
        if account is None or account.customer_id != viewing.customer_id:
            return None
        if page is not None:
            await record(
                uow,
                new_entry(
                    at=now,
                    actor=Actor(member.id, member.email),
                    action=PAGE,
                    object_type="customer",
                    object_id=viewing.customer_id,
                    customer_id=viewing.customer_id,
                    after={"viewing": viewing.viewing_id, "path": page[:MAX_PATH]},
                ),
            )
            await uow.commit()
    signed_in = SignedIn(
        account_id=account.id,
        email=account.email,
        name=account.name,
        customer_id=account.customer_id,
        session_id="",  # none of the subscriber's sessions: the view has none
    )
    return ViewedAs(signed_in, viewing, member.id, member.email)


async def end_view_as(
    actor: SignedInStaff, customer_id: str, *, uow: SupportUnit, clock: Clock
) -> None:
    """Exit: ``customer.view_as_ended`` recorded (``NotFound`` for an unknown customer)."""
    require(actor, Permission.CUSTOMERS_READ)
    async with uow:
        customer = await customer_in(uow, CustomerId(customer_id))
        await record(
            uow,
            new_entry(
                at=clock.now(),
                actor=Actor(actor.staff_id, actor.email),
                action=ENDED,
                object_type="customer",
                object_id=customer.id,
                customer_id=customer.id,
            ),
        )
        await uow.commit()
