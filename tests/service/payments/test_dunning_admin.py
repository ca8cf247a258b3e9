"""The admin's dunning policy: the preview's timeline and what it says of the open cases is what
dunning then does; the change is refused to roles without operations.act, on bad input and when
the stored policy is no longer the one previewed; one audit entry with before and after."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from domain.billing.model import InvoiceStatus
from domain.payments.dunning import (
    DunningPolicy,
    DunningStatus,
    FinalInvoiceAction,
    FinalSubscriptionAction,
)
from domain.payments.dunning_admin import (
    PolicyInput,
    change_dunning_policy,
    dunning_page,
    parse_policy,
    preview_dunning_policy,
)
from domain.payments.service import collect_invoice, run_dunning
from domain.shared.errors import Conflict, PermissionDenied, ValidationFailed
from domain.staff.model import Role, SignedInStaff
from domain.subscriptions.engine import SubscriptionStatus
from tests.service.payments._shop import APR1, Shop
from tests.support.gateway import DECLINED

pytestmark = pytest.mark.service

BILLING = SignedInStaff("staff-bill", "bill@example.com", "Bill Billing", Role.BILLING, "s")
VIEWER = SignedInStaff("staff-vera", "vera@example.com", "Vera Viewer", Role.VIEWER, "s")


def day(n: int) -> datetime:
    return APR1 + timedelta(days=n)


async def _in_dunning(shop: Shop) -> tuple[str, str]:
    """A subscriber whose Apr 1 renewal declined once: an open case, retry 1 due on day 1."""
    subscriber = await shop.subscriber()
    shop.gateway.set_behaviour(subscriber.card.method_ref, DECLINED)
    renewal = await shop.renewal(subscriber)
    await collect_invoice(renewal.id, **shop.kw)
    return subscriber.subscription_id, renewal.id


async def test_the_preview_is_what_dunning_then_does(shop: Shop) -> None:
    subscription_id, invoice_id = await _in_dunning(shop)
    page = await dunning_page(VIEWER, uow=shop.uow, clock=shop.clock)
    assert page.current.retries == (day(1), day(3), day(5), day(7))
    assert (page.open_cases.total, page.open_cases.ending) == (1, 0)

    typed = PolicyInput("2, 4", "unpaid", "open")
    preview = await preview_dunning_policy(BILLING, typed, uow=shop.uow, clock=shop.clock)
    assert preview.changes_anything and preview.current == DunningPolicy()
    assert preview.proposed.failed_at == APR1
    assert preview.proposed.retries == (day(2), day(4))
    assert preview.proposed.subscription_action.startswith("marked unpaid")
    assert preview.proposed.invoice_action == "left open"
    assert (preview.open_cases.total, preview.open_cases.ending) == (1, 0)
    assert shop.uow.dunning.stored_policy == DunningPolicy(), "a preview writes nothing"

    await change_dunning_policy(BILLING, preview.proposed.policy, previewed_against=preview.current,
                                uow=shop.uow, clock=shop.clock)  # fmt: skip
    assert shop.uow.dunning.stored_policy == DunningPolicy(
        (2, 4), FinalSubscriptionAction.UNPAID, FinalInvoiceAction.OPEN
    )
    [entry] = [e for e in shop.uow.audit.entries if e.action == "dunning_policy.changed"]
    assert (entry.actor.staff_id, entry.object_type, entry.object_id) == (
        "staff-bill", "dunning_policy", "default",
    )  # fmt: skip
    assert entry.before == {"retry_days": [1, 3, 5, 7], "final_subscription_action": "cancel",
                            "final_invoice_action": "uncollectible"}  # fmt: skip
    assert entry.after == {"retry_days": [2, 4], "final_subscription_action": "unpaid",
                           "final_invoice_action": "open"}  # fmt: skip

    # the open case keeps its scheduled retry (day 1), then follows the new days from Apr 1
    case = shop.uow.dunning.cases[invoice_id]
    assert case.next_attempt_at == day(1)
    shop.clock.set(day(1))
    assert await run_dunning(**shop.kw) == 1
    assert shop.uow.dunning.cases[invoice_id].next_attempt_at == day(4)
    # it has now used both retries of the new policy: the preview says its next failure ends it
    again = await preview_dunning_policy(BILLING, PolicyInput("2, 4", "unpaid", "open"),
                                         uow=shop.uow, clock=shop.clock)  # fmt: skip
    assert (again.changes_anything, again.open_cases.ending) == (False, 1)
    shop.clock.set(day(4))
    assert await run_dunning(**shop.kw) == 1
    assert shop.uow.dunning.cases[invoice_id].status is DunningStatus.EXHAUSTED
    assert await shop.status(subscription_id) is SubscriptionStatus.UNPAID
    assert (await shop.invoice(invoice_id)).status is InvoiceStatus.OPEN


async def test_a_shorter_policy_ends_cases_that_used_its_retries(shop: Shop) -> None:
    _, invoice_id = await _in_dunning(shop)
    shop.clock.set(day(1))
    await run_dunning(**shop.kw)  # failures: 2, retry 2 scheduled on day 3
    preview = await preview_dunning_policy(BILLING, PolicyInput("2", "cancel", "uncollectible"),
                                           uow=shop.uow, clock=shop.clock)  # fmt: skip
    assert (preview.open_cases.total, preview.open_cases.ending) == (1, 1)
    await change_dunning_policy(BILLING, preview.proposed.policy, previewed_against=preview.current,
                                uow=shop.uow, clock=shop.clock)  # fmt: skip
    assert shop.uow.dunning.cases[invoice_id].next_attempt_at == day(3)  # kept
    shop.clock.set(day(3))
    await run_dunning(**shop.kw)
    assert shop.uow.dunning.cases[invoice_id].status is DunningStatus.EXHAUSTED
    assert (await shop.invoice(invoice_id)).status is InvoiceStatus.UNCOLLECTIBLE


async def test_refusals_write_nothing(shop: Shop) -> None:
    typed = PolicyInput("1, 2", "cancel", "uncollectible")
    with pytest.raises(PermissionDenied):
        await preview_dunning_policy(VIEWER, typed, uow=shop.uow, clock=shop.clock)
    with pytest.raises(PermissionDenied):
        await change_dunning_policy(VIEWER, parse_policy(typed), previewed_against=DunningPolicy(),
                                    uow=shop.uow, clock=shop.clock)  # fmt: skip
    # previewed against a policy that is no longer the stored one
    stale = DunningPolicy((1, 2, 3))
    with pytest.raises(Conflict):
        await change_dunning_policy(BILLING, parse_policy(typed), previewed_against=stale,
                                    uow=shop.uow, clock=shop.clock)  # fmt: skip
    # the policy as it is
    with pytest.raises(ValidationFailed):
        await change_dunning_policy(BILLING, DunningPolicy(), previewed_against=DunningPolicy(),
                                    uow=shop.uow, clock=shop.clock)  # fmt: skip
    assert shop.uow.dunning.stored_policy == DunningPolicy()
    assert not [e for e in shop.uow.audit.entries if e.action == "dunning_policy.changed"]


@pytest.mark.parametrize(
    ("days", "subscription", "invoice", "field", "message"),
    [
        ("", "cancel", "open", "retry_days", "at least one"),
        ("1, three", "cancel", "open", "retry_days", "whole numbers"),
        ("-1", "cancel", "open", "retry_days", "whole numbers"),
        ("1.5", "cancel", "open", "retry_days", "whole numbers"),
        ("١", "cancel", "open", "retry_days", "whole numbers"),  # an Arabic-Indic digit
        ("0, 3", "cancel", "open", "retry_days", "1 to 60 days"),
        ("1, 61", "cancel", "open", "retry_days", "1 to 60 days"),
        ("99999999999", "cancel", "open", "retry_days", "whole numbers"),
        ("5, 3", "cancel", "open", "retry_days", "increasing order"),
        ("3, 3", "cancel", "open", "retry_days", "increasing order"),
        ("1 2 3 4 5 6 7 8 9", "cancel", "open", "retry_days", "at most 8"),
        ("1", "delete", "open", "final_subscription_action", "subscription"),
        ("1", "cancel", "void", "final_invoice_action", "invoice"),
    ],
)
def test_parse_policy_names_the_field(
    days: str, subscription: str, invoice: str, field: str, message: str
) -> None:
    with pytest.raises(ValidationFailed) as refused:
        parse_policy(PolicyInput(days, subscription, invoice))
    assert message in refused.value.field_errors[field]


def test_parse_policy_reads_commas_and_spaces() -> None:
    assert parse_policy(PolicyInput(" 1,3;  5 7 ", "past_due", "open")) == DunningPolicy(
        (1, 3, 5, 7), FinalSubscriptionAction.PAST_DUE, FinalInvoiceAction.OPEN
    )
