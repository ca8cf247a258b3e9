"""Every staff action's page in Persian (issue 19): a staff member who reads Persian opens each
action the customer record offers, for a subscriber in each state that offers one (active with
a paid invoice, a past-due renewal, a trial, a pause, a cancellation at the period's end, a
coupon), with its inputs filled in, and reads no English outside the values kept as written
(a plan's name, an invoice number, a card, a coupon's code: isolated, U+2068 ... U+2069, or in
a <bdi>): the inputs' labels and choices, the preview's summary, its money lines (an invoice
line's own words rewritten as the portal does, web/admin/preview_lines.py), its effect,
facts and notes (web/admin/form_words.py, preview_words.py). A new preview sentence, choice
or line shape the lists do not read fails here."""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Any

import httpx
import pytest
from litestar import Litestar

from domain.customers.service import create_customer
from domain.pricing.coupons import CouponDuration
from domain.shared.clock import FrozenClock
from domain.subscriptions.subscribing import subscribe
from domain.support.actions.registry import ACTIONS
from tests.support.html import parse, text
from tests.support.portal_history import (
    SUCCESS,
    add_card,
    ensure_team_plan,
    fail_next_renewal,
    make_subscriber,
)
from tests.support.promotions import add_promotion
from tests.web.admin.test_admin_persian_forms import _persian_owner

pytestmark = pytest.mark.web

ISOLATED = re.compile("\u2068[^\u2068\u2069]*\u2069")
ENGLISH_WORD = re.compile(r"[A-Za-z]{2,}")
KEPT = {"PDF", "WELCOME"}  # a format's name; the example code in the coupon field's help
# each action's inputs: every choice and shape its preview can take
INPUTS = {
    "invoice.refund": ["amount=5.00&to=card&credit_reason=duplicate",
                       "amount=5.00&to=balance&credit_reason=order_change", ""],
    "invoice.credit_note": ["amount=5.00&credit_reason=duplicate"],
    "invoice.record_payment": ["method=bank_transfer&reference=BT-991&received_on=2024-02-29",
                               "method=cheque&reference=CH-1&received_on=2024-02-29"],
    "subscription.change": ["plan=team&quantity=2&timing=immediate&proration=invoice_now",
                            "plan=team&quantity=2&timing=period_end&proration=policy"],
    "subscription.apply_coupon": ["coupon=HALF", "coupon=THREE", "coupon=TENOFF"],
    "subscription.trial_extend": ["trial_end=2024-03-20", "trial_end=2024-02-02"],
    "subscription.pause": ["periods=2", "periods=until&until=2024-05-15"],
    "subscription.cancel": ["when=now&refund=prorated_credit", "when=now&refund=prorated_refund",
                            "when=period_end&refund=none"],
    "customer.one_off_invoice": [
        "line1_description=%D9%85%D8%B4%D8%A7%D9%88%D8%B1%D9%87&line1_amount=10.00&net_days=14"
        "&po_number=PO-1&memo=%D8%B3%D9%BE%D8%A7%D8%B3",
        "line1_description=%D9%85%D8%B4%D8%A7%D9%88%D8%B1%D9%87&line1_amount=10.00&net_days=0",
    ],
    "customer.grant_credit": ["amount=5.00&note=%D9%87%D8%AF%DB%8C%D9%87"],
    "customer.remove_credit": ["amount=5.00&note=%D9%87%D8%AF%DB%8C%D9%87"],
}  # fmt: skip


def _english(html: str) -> list[str]:
    """The English words of the action page's main column, outside what is kept as written."""
    doc = parse(html)
    main = doc.select_one("main") or doc
    for kept in main.select("bdi, input, textarea"):
        kept.decompose()
    words = ENGLISH_WORD.findall(ISOLATED.sub(" ", text(main)))
    return [w for w in words if w not in KEPT]


def _links(html: str) -> dict[str, list[str]]:
    found: dict[str, list[str]] = {}
    for a in parse(html).select('[data-testid^="action-"]'):
        if a.get("href") and "/actions/" in a["href"]:
            found.setdefault(a["data-testid"].removeprefix("action-"), []).append(a["href"])
    return found


async def _confirm(client: httpx.AsyncClient, link: str, query: str) -> None:
    page = parse((await client.get(f"{link}?{query}")).text)
    form = {
        i["name"]: i.get("value", "") for i in page.select('[data-testid="confirm-form"] input')
    }
    done = await client.post(link, data={**form, "reason": "به درخواست مشتری"})
    assert done.status_code == 303, link


async def _read_every_action(client: httpx.AsyncClient, record: str, seen: set[str]) -> list[str]:
    english: list[str] = []
    for code, links in sorted(_links((await client.get(record)).text).items()):
        seen.add(code)
        for link in links:
            for query in INPUTS.get(code, [""]):
                page = await client.get(f"{link}?{query}" if query else link)
                assert page.status_code == 200, (code, query)
                english += [f"{code}?{query}: {w}" for w in _english(page.text)]
    return english


async def _trialing(app: Litestar, clock: FrozenClock) -> str:
    runtime = app.state.runtime
    await ensure_team_plan(app)
    customer = await create_customer(email="tara@example.com", name="Tara", currency="USD",
                                     country="US", uow=runtime.uow(), clock=clock)  # fmt: skip
    await add_card(app, customer.id, SUCCESS)
    await subscribe(customer.id, "team", trial_days=14, uow=runtime.uow(), clock=clock,
                    config=runtime.settings.billing)  # fmt: skip
    return str(customer.id)


async def test_every_staff_action_page_reads_persian(
    app: Litestar, client: httpx.AsyncClient, clock: FrozenClock
) -> None:
    ada = await make_subscriber(app, clock, email="ada@example.com", name="Ada Lovelace")
    bob = await make_subscriber(app, clock, email="bob@example.com", name="Bob")
    await fail_next_renewal(app, clock, ada)  # a month on: an open, past-due renewal
    tara = await _trialing(app, clock)
    clock.advance(hours=1)  # a trial ended the instant it began is a 500 (noted in the report)
    async with app.state.runtime.uow() as uow:
        await add_promotion(uow, "HALF", CouponDuration.FOREVER, percent_off=Decimal(50))
        await add_promotion(uow, "THREE", CouponDuration.REPEATING, percent_off=Decimal(10),
                            duration_in_months=3)  # fmt: skip
        await add_promotion(uow, "TENOFF", CouponDuration.ONCE, amounts_off={"USD": 1000})
        await uow.commit()
    await _persian_owner(app, client, clock)
    seen: set[str] = set()
    english: list[str] = []
    ada_record, bob_record = (
        f"/admin/customers/{ada.customer_id}",
        f"/admin/customers/{bob.customer_id}",
    )
    english += await _read_every_action(client, ada_record, seen)  # paid and past-due invoices
    english += await _read_every_action(client, f"/admin/customers/{tara}", seen)  # a trial
    # a coupon on, then a pause and a cancellation at the period's end, each read in turn
    links: dict[str, Any] = _links((await client.get(bob_record)).text)
    await _confirm(client, links["subscription.apply_coupon"][0], "coupon=THREE")
    await _confirm(client, links["customer.grant_credit"][0], "amount=3.00&note=")
    english += await _read_every_action(client, bob_record, seen)
    await _confirm(client, links["subscription.pause"][0], "periods=1")
    english += await _read_every_action(client, bob_record, seen)
    await _confirm(
        client, _links((await client.get(bob_record)).text)["subscription.resume"][0], ""
    )
    await _confirm(client, links["subscription.cancel"][0], "when=period_end&refund=none")
    english += await _read_every_action(client, bob_record, seen)

    assert seen == set(ACTIONS), set(ACTIONS) - seen  # every action was read
    assert not english, "\n".join(sorted(set(english)))
