"""View as subscriber (start, resolve, end; what ends a view), staff notes (checks, audit,
record and timeline), the record's lists a page at a time, and that the reads check the
permission themselves."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

import pytest

from domain.accounts.model import Account
from domain.shared.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from domain.staff import permissions
from domain.staff.model import Role, SessionStage, SignedInStaff, StaffMember, StaffSession
from domain.support.notes import MAX_NOTE, NOTE_ADDED, add_note
from domain.support.record import customer_record
from domain.support.record_lists import RecordList, customer_list, list_kind
from domain.support.record_model import EventKind
from domain.support.search import search_customers
from domain.support.view_as import (
    ENDED,
    PAGE,
    STARTED,
    end_view_as,
    resolve_view_as,
    start_view_as,
)
from tests.service.payments._shop import Shop

pytestmark = pytest.mark.service


async def _staff(
    shop: Shop, role: Role = Role.VIEWER, email: str = "vi@example.com"
) -> SignedInStaff:
    now = shop.clock.now()
    member = StaffMember(
        id=f"staff-{role}", email=email, name=f"{role.value.title()} Staff", role=role,
        password_hash=None, created_at=now,
    )  # fmt: skip
    await shop.uow.staff.add(member)
    session = StaffSession(
        id=f"session-{role}", staff_id=member.id, stage=SessionStage.ACTIVE, created_at=now,
        last_seen_at=now, expires_at=now + timedelta(hours=12),
    )  # fmt: skip
    await shop.uow.staff.add_session(session)
    return SignedInStaff(member.id, member.email, member.name, role, session.id)


async def _with_account(shop: Shop) -> str:
    subscriber = await shop.subscriber()
    await shop.uow.accounts.add(
        Account(
            id="acct-1", email="ada@example.test", name="Ada", password_hash=None,
            customer_id=subscriber.customer_id, email_verified=True, created_at=shop.clock.now(),
        )
    )  # fmt: skip
    return subscriber.customer_id


def _actions(shop: Shop) -> list[str]:
    return [e.action for e in shop.uow.audit.entries]


async def test_a_view_resolves_to_the_subscribers_account_and_audits_each_page(
    shop: Shop,
) -> None:
    customer_id = await _with_account(shop)
    viewer = await _staff(shop)

    viewing = await start_view_as(viewer, customer_id, uow=shop.uow, clock=shop.clock)
    viewed = await resolve_view_as(viewing, uow=shop.uow, clock=shop.clock, page="/account")
    quiet = await resolve_view_as(viewing, uow=shop.uow, clock=shop.clock)  # a fragment

    assert viewed is not None and quiet is not None
    assert viewed.signed_in.customer_id == customer_id and viewed.signed_in.account_id == "acct-1"
    assert viewed.signed_in.session_id == ""  # none of the subscriber's sessions
    assert viewed.staff_email == "vi@example.com"
    assert _actions(shop) == [STARTED, PAGE]
    started, page = shop.uow.audit.entries
    assert started.actor.staff_id == viewer.staff_id and started.customer_id == customer_id
    assert started.after["account_id"] == "acct-1" and page.after["path"] == "/account"
    assert viewing.expires_at == shop.clock.now() + timedelta(minutes=30)


async def test_what_ends_a_view(shop: Shop) -> None:
    customer_id = await _with_account(shop)
    viewer = await _staff(shop)
    viewing = await start_view_as(viewer, customer_id, uow=shop.uow, clock=shop.clock)
    kw = {"uow": shop.uow, "clock": shop.clock}
    assert await resolve_view_as(viewing, **kw) is not None

    expired = replace(viewing, expires_at=shop.clock.now())
    assert await resolve_view_as(expired, **kw) is None  # past its 30 minutes

    session = shop.uow.staff.sessions[viewer.session_id]
    shop.uow.staff.sessions[session.id] = replace(session, revoked_at=shop.clock.now())
    assert await resolve_view_as(viewing, **kw) is None  # signed out of the admin
    shop.uow.staff.sessions[session.id] = session

    member = shop.uow.staff.members[viewer.staff_id]
    shop.uow.staff.members[member.id] = replace(member, disabled_at=shop.clock.now())
    assert await resolve_view_as(viewing, **kw) is None  # disabled
    shop.uow.staff.members[member.id] = member
    assert await resolve_view_as(viewing, **kw) is not None

    await end_view_as(viewer, customer_id, **kw)
    assert _actions(shop)[-1] == ENDED


async def test_no_account_no_view_and_unknown_customers(shop: Shop) -> None:
    subscriber = await shop.subscriber()  # a customer with no sign-in account
    viewer = await _staff(shop)
    with pytest.raises(Conflict):
        await start_view_as(viewer, subscriber.customer_id, uow=shop.uow, clock=shop.clock)
    with pytest.raises(NotFound):
        await start_view_as(viewer, "no-such-customer", uow=shop.uow, clock=shop.clock)
    assert shop.uow.audit.entries == []


async def test_notes_are_checked_audited_and_on_the_record_and_timeline(shop: Shop) -> None:
    customer_id = await _with_account(shop)
    support = await _staff(shop, Role.SUPPORT, "sue@example.com")
    viewer = await _staff(shop, Role.VIEWER)

    with pytest.raises(PermissionDenied):
        await add_note(viewer, customer_id, "hi", uow=shop.uow, clock=shop.clock)
    for bad in ["", "   ", "a" * (MAX_NOTE + 1), "null \x00 byte"]:
        with pytest.raises(ValidationFailed) as refused:
            await add_note(support, customer_id, bad, uow=shop.uow, clock=shop.clock)
        assert "body" in refused.value.field_errors
    with pytest.raises(NotFound):
        await add_note(support, "no-such-customer", "hi", uow=shop.uow, clock=shop.clock)
    assert shop.uow.audit.entries == []

    note = await add_note(
        support, customer_id, "  Called about the invoice.\r\nWill call back.  ",
        uow=shop.uow, clock=shop.clock,
    )  # fmt: skip

    assert note.body == "Called about the invoice.\nWill call back."
    (entry,) = shop.uow.audit.entries
    assert (entry.action, entry.object_id, entry.customer_id) == (NOTE_ADDED, note.id, customer_id)
    assert entry.after == {"body": note.body}
    record = await customer_record(viewer, customer_id, uow=shop.uow, clock=shop.clock)
    assert [n.body for n in record.notes.items] == [note.body] and record.notes.count == 1
    (event,) = [e for e in record.timeline if e.kind is EventKind.NOTE]
    assert event.text == "Note by Support Staff: Called about the invoice.…"


async def test_lists_page_past_the_first_page(shop: Shop) -> None:
    customer_id = await _with_account(shop)
    support = await _staff(shop, Role.SUPPORT, "sue@example.com")
    for n in range(5):
        shop.clock.advance(minutes=1)
        await add_note(support, customer_id, f"note {n}", uow=shop.uow, clock=shop.clock)

    first = await customer_list(
        support, customer_id, RecordList.NOTES, page=1, uow=shop.uow, per_page=2
    )
    last = await customer_list(
        support, customer_id, RecordList.NOTES, page=99, uow=shop.uow, per_page=2
    )
    invoices = await customer_list(
        support, customer_id, RecordList.INVOICES, page=1, uow=shop.uow, per_page=1
    )

    assert [n.body for n in first.page.items] == ["note 4", "note 3"]
    assert (first.page.count, first.page.pages, first.page.number) == (5, 3, 1)
    assert [n.body for n in last.page.items] == ["note 0"] and last.page.number == 3
    assert invoices.page.count == 1 and invoices.page.items[0].number
    for kind in RecordList:
        assert (await customer_list(support, customer_id, kind, page=1, uow=shop.uow)).kind is kind
    with pytest.raises(NotFound):
        list_kind("secrets")


async def test_the_reads_check_the_permission_themselves(
    shop: Shop, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Every role reads customers today; a role without ``customers.read`` (the table emptied
    for this test) is refused by each use case itself, not only by the route."""
    customer_id = await _with_account(shop)
    viewer = await _staff(shop)
    monkeypatch.setitem(permissions.ROLE_PERMISSIONS, Role.VIEWER, frozenset())
    calls = (
        customer_record(viewer, customer_id, uow=shop.uow, clock=shop.clock),
        search_customers(viewer, "ada", uow=shop.uow),
        customer_list(viewer, customer_id, RecordList.NOTES, page=1, uow=shop.uow),
        start_view_as(viewer, customer_id, uow=shop.uow, clock=shop.clock),
    )
    for call in calls:
        with pytest.raises(PermissionDenied):
            await call
