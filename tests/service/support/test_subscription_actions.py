"""Staff actions on a subscription (cancel, uncancel, pause, resume, change a trial's end, end
a trial): each preview is the engine's own result at that instant and confirming does exactly
it, with one audit entry; stale previews, bad input, another customer's subscription and the
wrong state change nothing."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from domain.shared.errors import InvalidTransition, NotFound, PermissionDenied, ValidationFailed
from domain.shared.money import Money
from domain.staff.model import Role
from domain.subscriptions.engine import SubscriptionStatus
from domain.subscriptions.subscribing import subscribe
from domain.support.actions.base import TargetKind
from domain.support.actions.registry import actions_for
from domain.support.actions.service import PreviewChanged, action_page, confirm_action
from tests.service.payments._shop import APR1, MAR1, Shop, Subscriber
from tests.service.support._desk import desk, entries, staff

pytestmark = pytest.mark.service

CANCEL = "subscription.cancel"
UNCANCEL = "subscription.uncancel"
PAUSE = "subscription.pause"
RESUME = "subscription.resume"
EXTEND = "subscription.trial_extend"
END_TRIAL = "subscription.trial_end_now"
REASON = "Customer asked on the phone"


async def _page(shop: Shop, code: str, sub: Subscriber, raw: dict[str, str], who=None, limit=100):  # type: ignore[no-untyped-def]
    return await action_page(
        who or staff(Role.SUPPORT), code, customer_id=sub.customer_id,
        target_id=sub.subscription_id, raw=raw, svc=desk(shop, limit),
    )  # fmt: skip


async def _confirm(shop: Shop, code: str, sub: Subscriber, page: Any, who=None, limit=100):  # type: ignore[no-untyped-def]
    return await confirm_action(
        who or staff(Role.SUPPORT), code, customer_id=sub.customer_id,
        target_id=sub.subscription_id, raw=dict(page.preview.terms) if page.preview else {},
        shown=page.agreement, reason=REASON, svc=desk(shop, limit),
    )  # fmt: skip


async def _trialing(shop: Shop) -> Subscriber:
    customer_id = await shop.customer()
    card = await shop.add_card(customer_id)
    outcome = await subscribe(
        customer_id, "team-monthly", quantity=3, trial_days=14, uow=shop.uow, clock=shop.clock,
        config=shop.config,
    )  # fmt: skip
    assert outcome.subscription.status is SubscriptionStatus.TRIALING
    return Subscriber(customer_id, outcome.subscription.id, outcome.invoices[0].id, card)


def _notified(shop: Shop, kind: str) -> int:
    return sum(1 for job in shop.jobs("notifications.notify") if job["kind"] == kind)


# -- cancel ---------------------------------------------------------------------------------------
async def test_cancel_now_with_a_prorated_refund_issues_exactly_the_previewed_credit_note(
    shop: Shop,
) -> None:
    sub = await shop.subscriber()  # 36.00 paid for Mar 1 - Apr 1
    shop.clock.set(MAR1 + timedelta(days=10))
    page = await _page(shop, CANCEL, sub, {"when": "now", "refund": "prorated_refund"})
    assert page.errors == {} and page.preview is not None
    p = page.preview
    assert p.total == Money.of_minor(2439, "USD")  # 21 of 31 days of 36.00
    assert sum(line.amount.minor for line in p.lines) == 2439
    assert "refunded to the card" in p.effect

    done = await _confirm(shop, CANCEL, sub, page)

    assert await shop.status(sub.subscription_id) is SubscriptionStatus.CANCELED
    (note,) = await shop.uow.credit_notes.list_for_customer(sub.customer_id)
    assert (note.note.total, note.note.refunded, note.note.credited) == (2439, 2439, 0)
    assert shop.jobs("payments.refund_credit_note") == [{"credit_note_id": note.id}]
    assert _notified(shop, "subscription_canceled") == 1
    (entry,) = await entries(shop)
    assert (entry.action, entry.object_id, entry.reason) == (CANCEL, sub.subscription_id, REASON)
    assert entry.before["status"] == "active" and entry.after["status"] == "canceled"
    assert entry.after["credit_notes"] == [note.note.number]
    assert entry.after["amount"] == "24.39 USD"
    assert note.note.number in str(done.message)


async def test_cancel_now_crediting_the_balance_and_at_period_end_then_uncancel(
    shop: Shop,
) -> None:
    sub = await shop.subscriber()
    shop.clock.set(MAR1 + timedelta(days=10))
    end = await _page(shop, CANCEL, sub, {"when": "period_end"})
    assert end.preview is not None and end.preview.total is None
    assert "Apr 1, 2024" in end.preview.effect
    await _confirm(shop, CANCEL, sub, end)
    stored = await shop.subscription(sub.subscription_id)
    assert stored.cancel_at_period_end and stored.status is SubscriptionStatus.ACTIVE
    assert _notified(shop, "subscription_cancel_scheduled") == 1
    again = await _page(shop, CANCEL, sub, {"when": "period_end"})
    assert again.preview is None and "already ends on Apr 1, 2024" in again.errors[""]

    # the menu offers "keep renewing" only now
    flags = frozenset({"cancel_at_period_end"})
    codes = [
        a.code for a in actions_for(staff(Role.SUPPORT), TargetKind.SUBSCRIPTION, "active", flags)
    ]
    assert UNCANCEL in codes
    plain = [a.code for a in actions_for(staff(Role.SUPPORT), TargetKind.SUBSCRIPTION, "active")]
    assert UNCANCEL not in plain and RESUME not in plain and EXTEND not in plain
    assert actions_for(staff(Role.VIEWER), TargetKind.SUBSCRIPTION, "active") == []

    keep = await _page(shop, UNCANCEL, sub, {})
    assert keep.preview is not None and keep.preview.total is None
    assert sum(line.amount.minor for line in keep.preview.lines) == 3600  # Apr 1 renewal
    assert keep.preview.facts[0].amount == Money.of_minor(3600, "USD")
    await _confirm(shop, UNCANCEL, sub, keep)
    assert not (await shop.subscription(sub.subscription_id)).cancel_at_period_end
    assert _notified(shop, "subscription_cancel_undone") == 1

    credit = await _page(shop, CANCEL, sub, {"when": "now", "refund": "prorated_credit"})
    assert credit.preview is not None and credit.preview.total == Money.of_minor(2439, "USD")
    await _confirm(shop, CANCEL, sub, credit)
    customer = await shop.uow.customers.get(sub.customer_id)
    assert customer is not None and customer.balance_minor == -2439
    assert shop.jobs("payments.refund_credit_note") == []
    assert sorted(e.action for e in await entries(shop)) == [CANCEL, CANCEL, UNCANCEL]


async def test_a_stale_cancel_preview_is_refused_and_changes_nothing(shop: Shop) -> None:
    sub = await shop.subscriber()
    shop.clock.set(MAR1 + timedelta(days=10))
    page = await _page(shop, CANCEL, sub, {"when": "now", "refund": "prorated_credit"})
    shop.clock.set(MAR1 + timedelta(days=11))  # a day later: less unused time
    with pytest.raises(PreviewChanged) as stale:
        await _confirm(shop, CANCEL, sub, page)
    assert stale.value.page.preview is not None
    assert stale.value.page.preview.total == Money.of_minor(2323, "USD")  # 20 of 31 days
    assert await shop.status(sub.subscription_id) is SubscriptionStatus.ACTIVE
    assert await shop.uow.credit_notes.list_for_customer(sub.customer_id) == []
    assert await entries(shop) == []


async def test_cancel_bad_input_other_customers_and_limits(shop: Shop) -> None:
    sub = await shop.subscriber()
    other = await shop.subscriber()
    bad = await _page(shop, CANCEL, sub, {"when": "tomorrow"})
    assert bad.preview is None and "Choose one" in bad.errors["when"]
    mixed = await _page(shop, CANCEL, sub, {"when": "period_end", "refund": "prorated_refund"})
    assert mixed.preview is None and "refund" in mixed.errors
    with pytest.raises(NotFound):
        await action_page(
            staff(), CANCEL, customer_id=other.customer_id, target_id=sub.subscription_id,
            raw={}, svc=desk(shop),
        )  # fmt: skip
    page = await _page(shop, CANCEL, sub, {"when": "now", "refund": "prorated_refund"}, limit=10)
    assert "at most 10.00 USD" in page.errors[""]  # support's limit: 36.00 is over it
    with pytest.raises(PermissionDenied):
        await _confirm(shop, CANCEL, sub, page, limit=10)
    with pytest.raises(PermissionDenied):
        await _page(shop, CANCEL, sub, {}, who=staff(Role.VIEWER))
    page = await _page(shop, CANCEL, sub, {"when": "now"})
    with pytest.raises(ValidationFailed):
        await confirm_action(
            staff(), CANCEL, customer_id=sub.customer_id, target_id=sub.subscription_id,
            raw=dict(page.preview.terms), shown=page.agreement, reason=" ", svc=desk(shop),
        )  # fmt: skip
    assert await shop.status(sub.subscription_id) is SubscriptionStatus.ACTIVE
    billing = await _page(shop, CANCEL, sub, {"when": "now", "refund": "prorated_refund"},
                          who=staff(Role.BILLING), limit=10)  # fmt: skip
    assert billing.errors == {}
    await _confirm(shop, CANCEL, sub, billing, who=staff(Role.BILLING), limit=10)
    assert await shop.status(sub.subscription_id) is SubscriptionStatus.CANCELED
    ended = await _page(shop, CANCEL, sub, {"when": "now"})
    assert ended.preview is None and "already canceled" in ended.errors[""]
    assert len(await entries(shop)) == 1


# -- pause and resume -----------------------------------------------------------------------------
async def test_pause_for_two_periods_then_resume_early(shop: Shop) -> None:
    sub = await shop.subscriber()
    shop.clock.set(MAR1 + timedelta(days=10))
    page = await _page(shop, PAUSE, sub, {"periods": "2"})
    assert page.errors == {} and page.preview is not None
    assert "until Jun 1, 2024" in page.preview.summary
    # the Apr 1 and May 1 renewals are skipped (the portal's rule): billed again on Jun 1
    assert page.preview.facts[0].label.startswith("First invoice after the pause (Jun 1, 2024)")
    assert page.preview.facts[0].amount == Money.of_minor(3600, "USD")
    await _confirm(shop, PAUSE, sub, page)
    stored = await shop.subscription(sub.subscription_id)
    assert stored.status is SubscriptionStatus.PAUSED
    assert stored.resume_at == datetime(2024, 6, 1, tzinfo=UTC)
    assert _notified(shop, "subscription_paused") == 1
    paused = [a.code for a in actions_for(staff(Role.SUPPORT), TargetKind.SUBSCRIPTION, "paused")]
    assert [c for c in paused if c.startswith("subscription.") and "coupon" not in c] == [
        RESUME,
        CANCEL,
    ]

    again = await _page(shop, PAUSE, sub, {"periods": "1"})
    assert again.preview is None and "cannot be paused" in again.errors[""]

    shop.clock.set(MAR1 + timedelta(days=20))
    resume = await _page(shop, RESUME, sub, {})
    assert resume.preview is not None and resume.preview.total is None
    assert "Apr 1, 2024" in resume.preview.effect
    assert sum(line.amount.minor for line in resume.preview.lines) == 3600
    await _confirm(shop, RESUME, sub, resume)
    assert await shop.status(sub.subscription_id) is SubscriptionStatus.ACTIVE
    assert _notified(shop, "subscription_resumed") == 1
    renewal = await shop.renewal(sub, APR1)
    assert renewal.invoice.amount_due == 3600  # what the resume preview said
    log = await entries(shop)
    assert sorted(e.action for e in log) == [PAUSE, RESUME]
    assert all(e.reason == REASON for e in log)


async def test_pause_until_a_date_and_its_limits(shop: Shop) -> None:
    sub = await shop.subscriber()
    past = await _page(shop, PAUSE, sub, {"periods": "until", "until": "2024-02-01"})
    assert past.preview is None and "after today" in past.errors["until"]
    far = await _page(shop, PAUSE, sub, {"periods": "until", "until": "2026-01-01"})
    assert far.preview is None and "up to a year" in far.errors["until"]
    junk = await _page(shop, PAUSE, sub, {"periods": "until", "until": "soon"})
    assert junk.preview is None and "YYYY-MM-DD" in junk.errors["until"]
    page = await _page(shop, PAUSE, sub, {"periods": "until", "until": "2024-06-15"})
    assert page.preview is not None and "until Jun 15, 2024" in page.preview.summary
    await _confirm(shop, PAUSE, sub, page)
    stored = await shop.subscription(sub.subscription_id)
    assert stored.resume_at == datetime(2024, 6, 15, tzinfo=UTC)
    not_paused = await _page(shop, RESUME, await shop.subscriber(), {})
    assert not_paused.preview is None and "not paused" in not_paused.errors[""]
    shown = await _page(shop, RESUME, sub, {})
    shop.clock.set(datetime(2024, 6, 16, tzinfo=UTC))  # the pause ended by itself meanwhile
    over = await _page(shop, RESUME, sub, {})
    assert over.preview is None and "its pause ended" in over.errors[""]
    with pytest.raises(InvalidTransition):
        await _confirm(shop, RESUME, sub, shown)
    assert sorted(e.action for e in await entries(shop)) == [PAUSE]


# -- trials ---------------------------------------------------------------------------------------
async def test_extend_a_trial_shows_the_first_invoice_and_moves_the_trial_end(shop: Shop) -> None:
    sub = await _trialing(shop)  # trial until Mar 15
    page = await _page(shop, EXTEND, sub, {"trial_end": "2024-03-29"})
    assert page.errors == {} and page.preview is not None
    assert "ends on Mar 29, 2024 instead of Mar 15, 2024" in page.preview.summary
    assert page.preview.facts[0].amount == Money.of_minor(3600, "USD")
    assert "Mar 29, 2024" in page.preview.effect
    await _confirm(shop, EXTEND, sub, page)
    stored = await shop.subscription(sub.subscription_id)
    assert stored.period_end == datetime(2024, 3, 29, tzinfo=UTC)
    assert stored.status is SubscriptionStatus.TRIALING
    (entry,) = await entries(shop)
    assert entry.before["trial_end"] == "2024-03-15T00:00:00+00:00"
    assert entry.after["trial_end"] == "2024-03-29T00:00:00+00:00"

    default = await _page(shop, EXTEND, sub, {})
    assert default.preview is not None and default.preview.terms["trial_end"] == "2024-04-05"
    for bad, message in (("2024-03-01", "after today"), ("2027-01-01", "two years"),
                         ("29/03/2024", "YYYY-MM-DD")):  # fmt: skip
        refused = await _page(shop, EXTEND, sub, {"trial_end": bad})
        assert refused.preview is None and message in refused.errors["trial_end"], bad
    active = await _page(shop, EXTEND, await shop.subscriber(), {"trial_end": "2024-04-01"})
    assert active.preview is None and "not in a trial" in active.errors[""]


async def test_ending_a_trial_the_instant_it_began_is_refused_with_a_message(shop: Shop) -> None:
    sub = await _trialing(shop)  # the frozen clock has not moved: the trial began now
    page = await _page(shop, END_TRIAL, sub, {})
    assert page.preview is None and "a moment later" in page.errors[""]
    assert (await shop.subscription(sub.subscription_id)).status is SubscriptionStatus.TRIALING


async def test_end_a_trial_now_invoices_exactly_the_preview(shop: Shop) -> None:
    sub = await _trialing(shop)
    shop.clock.set(MAR1 + timedelta(days=3))
    page = await _page(shop, END_TRIAL, sub, {})
    assert page.preview is not None and page.preview.total == Money.of_minor(3600, "USD")
    assert sum(line.amount.minor for line in page.preview.lines) == 3600
    done = await _confirm(shop, END_TRIAL, sub, page)
    stored = await shop.subscription(sub.subscription_id)
    assert stored.status is SubscriptionStatus.ACTIVE
    assert stored.period_start == MAR1 + timedelta(days=3)
    collect = shop.jobs("payments.collect_invoice")[-1]  # charged after the commit
    first = await shop.invoice(str(collect["invoice_id"]))
    assert first.invoice.amount_due == 3600 and first.number in str(done.message)
    (entry,) = await entries(shop)
    assert entry.after["amount"] == "36.00 USD" and entry.after["invoices"] == [first.number]
    gone = await _page(shop, END_TRIAL, sub, {})
    assert gone.preview is None and "not in a trial" in gone.errors[""]
