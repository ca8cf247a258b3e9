"""Granting and removing balance credit as staff: the preview shows the balance before and after
and the next invoice using it, confirming moves the balance and records a balance transaction
and one audit entry; removing more than the credit, a stale preview, a role without money
actions and another customer change nothing."""

from __future__ import annotations

from typing import Any

import pytest

from domain.shared.errors import NotFound, PermissionDenied
from domain.shared.money import Money
from domain.staff.model import Role
from domain.support.actions.service import PreviewChanged, action_page, confirm_action
from tests.service.payments._shop import APR1, Shop, Subscriber
from tests.service.support._desk import desk, entries, staff

pytestmark = pytest.mark.service

GRANT = "customer.grant_credit"
REMOVE = "customer.remove_credit"


async def _page(shop: Shop, code: str, sub: Subscriber, raw: dict[str, str],
                role: Role = Role.BILLING) -> Any:  # fmt: skip
    return await action_page(
        staff(role), code, customer_id=sub.customer_id, target_id=sub.customer_id, raw=raw,
        svc=desk(shop),
    )  # fmt: skip


async def _confirm(
    shop: Shop, code: str, sub: Subscriber, page: Any, reason: str = "Outage credit"
) -> Any:
    return await confirm_action(
        staff(), code, customer_id=sub.customer_id, target_id=sub.customer_id,
        raw=dict(page.values), shown=page.agreement, reason=reason, svc=desk(shop),
    )  # fmt: skip


async def _balance(shop: Shop, sub: Subscriber) -> int:
    customer = await shop.uow.customers.get(sub.customer_id)
    assert customer is not None
    return customer.balance_minor


async def test_granting_credit_shows_the_balance_and_the_next_invoice_using_it(shop: Shop) -> None:
    sub = await shop.subscriber(quantity=3)  # 36.00 on Apr 1
    page = await _page(shop, GRANT, sub, {"amount": "10", "note": "March outage"})
    assert page.errors == {}
    p = page.preview
    assert p.summary == "Grant balance credit to Ada Lovelace"
    assert p.total == Money.of_minor(1000, "USD")
    assert [line.amount.minor for line in p.lines] == [-1000]
    before, after, nxt = p.facts
    assert (before.amount.minor, after.amount.minor) == (0, -1000)
    assert after.detail == "10.00 USD of credit"
    assert nxt.amount == Money.of_minor(2600, "USD") and "uses 10.00 USD of credit" in nxt.detail

    done = await _confirm(shop, GRANT, sub, page)

    assert await _balance(shop, sub) == -1000
    (row,) = await shop.uow.balance_transactions.for_customer(sub.customer_id, limit=10)
    assert (row.amount_minor, row.ending_balance_minor, row.description, row.created_by) == (
        -1000, -1000, "March outage", "billing@example.com",
    )  # fmt: skip
    (entry,) = await entries(shop, GRANT)
    assert (entry.object_type, entry.object_id) == ("customer", sub.customer_id)
    assert entry.before == {"balance": "0.00 USD"}
    assert entry.after["balance"] == "-10.00 USD" and entry.after["balance_transaction"] == row.id
    assert "balance now -10.00 USD" in str(done.message)
    renewal = await shop.renewal(sub, APR1)  # the next invoice uses it, as previewed
    assert (renewal.invoice.credit_applied, renewal.invoice.amount_due) == (1000, 2600)


async def test_removing_credit_takes_at_most_what_the_customer_has(shop: Shop) -> None:
    sub = await shop.subscriber()
    grant = await _page(shop, GRANT, sub, {"amount": "10"})
    await _confirm(shop, GRANT, sub, grant)
    too_much = await _page(shop, REMOVE, sub, {"amount": "10.01"})
    assert too_much.preview is None and "has 10.00 USD of credit" in too_much.errors["amount"]
    page = await _page(shop, REMOVE, sub, {"amount": "4"})
    assert [f.amount.minor for f in page.preview.facts[:2]] == [-1000, -600]
    await _confirm(shop, REMOVE, sub, page, reason="Granted twice")
    assert await _balance(shop, sub) == -600
    rows = await shop.uow.balance_transactions.for_customer(sub.customer_id, limit=10)
    assert sorted(r.amount_minor for r in rows) == [-1000, 400]
    assert len(await entries(shop, REMOVE)) == 1

    none = await shop.subscriber()
    empty = await _page(shop, REMOVE, none, {"amount": "1"})
    assert empty.preview is None and "no credit" in empty.errors["amount"]


async def test_bad_amounts_are_messages_and_change_nothing(shop: Shop) -> None:
    sub = await shop.subscriber()
    for amount, message in (("", "Enter an amount"), ("abc", "such as"), ("0", "more than zero"),
                            ("1.001", "decimals"), ("-5", "such as")):  # fmt: skip
        page = await _page(shop, GRANT, sub, {"amount": amount, "note": "x"})
        assert page.preview is None and message in page.errors["amount"], (amount, page.errors)
    note = await _page(shop, GRANT, sub, {"amount": "1", "note": "bad\x07"})
    assert note.preview is None and "note" in note.errors
    assert await _balance(shop, sub) == 0 and await entries(shop) == []


async def test_a_balance_that_moved_since_the_preview_refuses_it(shop: Shop) -> None:
    sub = await shop.subscriber()
    page = await _page(shop, GRANT, sub, {"amount": "5"})
    colleague = await _page(shop, GRANT, sub, {"amount": "5"})
    await _confirm(shop, GRANT, sub, colleague)
    with pytest.raises(PreviewChanged):
        await _confirm(shop, GRANT, sub, page)
    assert await _balance(shop, sub) == -500
    assert len(await entries(shop, GRANT)) == 1


async def test_support_may_not_and_another_customer_is_not_found(shop: Shop) -> None:
    sub = await shop.subscriber()
    other = await shop.subscriber()
    with pytest.raises(PermissionDenied):
        await _page(shop, GRANT, sub, {"amount": "5"}, role=Role.SUPPORT)
    with pytest.raises(NotFound):
        await action_page(
            staff(), GRANT, customer_id=other.customer_id, target_id=sub.customer_id,
            raw={"amount": "5"}, svc=desk(shop),
        )  # fmt: skip
