"""The portal's plan-change page over HTTP: each plan priced at the chosen seats, the seat field
only for per-seat plans, add-ons listed with their prices and added or removed through the signed
quote (charged exactly as quoted, without JavaScript), and a metered plan's usage so far."""

from __future__ import annotations

import pytest
from litestar import Litestar

from domain.adapters.db.tables import InvoiceTable
from domain.shared.clock import FrozenClock
from domain.shared.errors import ValidationFailed
from domain.subscriptions.plan_changes import quote_subscription_change
from domain.subscriptions.reads import get_subscription
from domain.subscriptions.usage import record_usage
from tests.support.accounts import sign_in
from tests.support.database import TestDatabase
from tests.support.html import by_testid, parse, text
from tests.support.jobs import drain_jobs
from tests.support.portal import Subscriber, make_subscriber
from tests.web.conftest import serve

pytestmark = pytest.mark.web
QUOTE = {"HX-Request": "true", "HX-Target": "change-quote"}


async def _signed_in(client, app, clock, **kw) -> Subscriber:  # type: ignore[no-untyped-def]
    sub = await make_subscriber(app, clock, **kw)
    await drain_jobs(app)
    assert (await sign_in(client, sub.email)).status_code == 303
    return sub


def _hints(html) -> dict[str, str]:  # type: ignore[no-untyped-def]
    """Plan label -> its hint, from the plan radio group."""
    return {
        text(choice.select_one(".choice__label")): text(choice.select_one(".choice__hint"))
        for choice in html.select("#change-form .choice")
    }


def _confirm_fields(html) -> tuple[str, dict[str, str]]:  # type: ignore[no-untyped-def]
    form = by_testid(html, "confirm-form")[0]
    return form["action"], {i["name"]: i.get("value", "") for i in form.find_all("input")}


async def test_each_plan_is_priced_at_the_chosen_seats(
    app: Litestar, catalog: TestDatabase, clock: FrozenClock
) -> None:
    async with serve(app) as client:
        sub = await _signed_in(client, app, clock)  # Team, 3 seats
        url = f"/account/subscriptions/{sub.subscription_id}/change"
        hints = _hints(parse((await client.get(url, params={"quantity": "5"})).text))
        assert hints["Team (current)"] == "$60.00 every month for 5 seats"
        assert hints["Starter"] == "$19.00 every month"
        assert hints["Scale"] == "$99.00 every month plus usage"
        one = _hints(parse((await client.get(url, params={"quantity": "1"})).text))
        assert one["Team (current)"] == "$12.00 every month for 1 seat"
        # typing seats with htmx: the quote and, out of band, every plan's price at that count
        fragment = parse((await client.get(url, params={"quantity": "7"}, headers=QUOTE)).text)
        oob = {s["id"]: text(s) for s in fragment.select("[hx-swap-oob]")}
        page_ids = [s["id"] for s in parse((await client.get(url)).text).select(".choice__hint")]
        assert sorted(oob) == sorted(page_ids)
        assert "$84.00 every month for 7 seats" in oob.values()
        assert by_testid(fragment, "due-today")


async def test_a_flat_plan_has_no_seat_field_and_no_seat_wording(
    app: Litestar, catalog: TestDatabase, clock: FrozenClock
) -> None:
    async with serve(app) as client:
        sub = await _signed_in(client, app, clock, plan="starter-monthly", quantity=1)
        base = f"/account/subscriptions/{sub.subscription_id}"
        page = await client.get(f"{base}/change")
        html = parse(page.text)
        assert html.select_one("#change-form input[name=quantity]") is None
        assert text(html.select_one("h1")) == "Change plan"
        assert "seats" not in text(html.select_one("main")).lower().replace(
            "$12.00 every month for 1 seat", ""
        )
        summary = parse((await client.get(base)).text)
        assert text(by_testid(summary, "change-link")[0]) == "Change plan"
        # a quantity sent for a flat plan is ignored, not an error
        junk = await client.get(
            f"{base}/change", params={"plan": "starter-monthly", "quantity": "x"}
        )
        assert junk.status_code == 200 and by_testid(parse(junk.text), "quote-empty")
        # choosing a per-seat plan brings the field (the whole panel is swapped with htmx)
        team = await client.get(
            f"{base}/change",
            params={"plan": "team-monthly"},
            headers={"HX-Request": "true", "HX-Target": "change-panel"},
        )
        panel = parse(team.text)
        assert panel.find("html") is None and panel.select_one("#change-form input[name=quantity]")
        assert by_testid(panel, "change-form") and by_testid(panel, "confirm")


async def test_an_add_on_is_added_at_exactly_the_quoted_price_without_javascript(
    app: Litestar, catalog: TestDatabase, clock: FrozenClock
) -> None:
    async with serve(app) as client:
        sub = await _signed_in(client, app, clock)
        base = f"/account/subscriptions/{sub.subscription_id}"
        clock.advance(days=9)
        change = parse((await client.get(f"{base}/change")).text)
        offers = {
            o["data-addon"]: text(by_testid(o, "addon-price")[0])
            for o in by_testid(change, "addon")
        }
        assert offers == {
            "priority-support": "$49.00 every month",
            "extra-storage": "$5.00 per 100 GB every month",
        }
        add = change.select_one('[data-testid="addon-add-priority-support"]')
        page = parse((await client.get(add["href"])).text)
        lines = [text(li) for li in by_testid(page, "quote-line")]
        assert len(lines) == 1 and "Remaining time on Priority support" in lines[0]
        due = text(by_testid(page, "due-today")[0])
        assert text(by_testid(page, "renewal-after")[0]).startswith("Then $85.00 on")
        action, fields = _confirm_fields(page)
        done = await client.post(action, data=fields)
        assert done.status_code == 303 and "charged=" in done.headers["location"]
        await drain_jobs(app)
        after = parse((await client.get(done.headers["location"])).text)
        assert f"Charged {due} to Visa •••• 4242" in text(by_testid(after, "receipt-paid")[0])
        rows = await InvoiceTable.select(InvoiceTable.amount_due_minor).order_by(
            InvoiceTable.issued_at
        )
        assert f"${rows[-1]['amount_due_minor'] / 100:,.2f}" == due
        assert [text(a) for a in by_testid(after, "addon-line")] == [
            "Priority support · $49.00 every month"
        ]
        # the same quote cannot be confirmed twice; removing it is quoted as a credit
        again = await client.post(action, data=fields)
        assert again.status_code == 409 and by_testid(parse(again.text), "quote-notice")
        remove = parse((await client.get(f"{base}/addons/priority-support?quantity=0")).text)
        assert text(by_testid(remove, "due-today")[0]) == "$0.00"
        assert text(by_testid(remove, "quote-line")[0]).startswith(
            "Unused time on Priority support"
        )
        assert "is kept as credit" in text(by_testid(remove, "credit-kept")[0])


async def test_quote_tokens_only_confirm_their_own_kind_of_change(
    app: Litestar, catalog: TestDatabase, clock: FrozenClock
) -> None:
    async with serve(app) as client:
        sub = await _signed_in(client, app, clock)
        base = f"/account/subscriptions/{sub.subscription_id}"
        plan_page = parse((await client.get(f"{base}/change?quantity=5")).text)
        _, plan_fields = _confirm_fields(plan_page)
        addon_page = parse((await client.get(f"{base}/addons/extra-storage?quantity=2")).text)
        addon_action, addon_fields = _confirm_fields(addon_page)
        crossed = await client.post(
            addon_action, data={**addon_fields, "quote": plan_fields["quote"]}
        )
        assert crossed.status_code == 409
        crossed = await client.post(
            f"{base}/change", data={**plan_fields, "quote": addon_fields["quote"]}
        )
        assert crossed.status_code == 409
        stored = await get_subscription(sub.subscription_id, uow=app.state.runtime.uow())  # type: ignore[arg-type]
        assert (stored.quantity, stored.addons) == (3, ())


async def test_add_on_pages_check_their_input(
    app: Litestar, catalog: TestDatabase, clock: FrozenClock
) -> None:
    async with serve(app) as client:
        other = await make_subscriber(app, clock, email="other@example.com")
        sub = await _signed_in(client, app, clock)
        base = f"/account/subscriptions/{sub.subscription_id}/addons"
        for query, status in (
            ("extra-storage?quantity=-1", 422),
            ("extra-storage?quantity=%C2%B2", 422),
            ("extra-storage?quantity=10001", 422),
            ("priority-support?quantity=2", 422),
            ("priority-support?quantity=0", 422),  # not on the subscription
            ("no-such-addon", 404),
            ("team-monthly", 404),
        ):
            answer = await client.get(f"{base}/{query}")
            assert answer.status_code == status, query
        theirs = f"/account/subscriptions/{other.subscription_id}/addons/extra-storage"
        assert (await client.get(theirs)).status_code == 404


async def test_a_metered_plan_shows_its_usage_so_far_and_its_tiers(
    app: Litestar, catalog: TestDatabase, clock: FrozenClock
) -> None:
    async with serve(app) as client:
        sub = await _signed_in(client, app, clock, plan="scale-monthly", quantity=1)
        page = f"/account/subscriptions/{sub.subscription_id}"
        html = parse((await client.get(page)).text)
        (usage,) = by_testid(html, "usage")
        assert "No usage recorded this period" in text(by_testid(usage, "usage-none")[0])
        assert by_testid(usage, "tier-table")
        runtime = app.state.runtime
        await record_usage(
            sub.subscription_id, "api_calls", 12_500, uow=runtime.uow(), clock=clock,
            config=runtime.settings.billing,
        )  # type: ignore[arg-type]  # fmt: skip
        for url in (page, f"{page}/change"):
            (usage,) = by_testid(parse((await client.get(url)).text), "usage")
            assert "12,500 API calls so far" in text(by_testid(usage, "usage-so-far")[0])
            assert text(by_testid(usage, "usage-charge")[0]) == "$5.00"


async def test_the_seats_are_held_to_the_plans_own_limit(
    app: Litestar, catalog: TestDatabase, clock: FrozenClock
) -> None:
    """The portal no longer has its own 1..10,000 rule: the use case holds the seats to the plan's
    ``max_seats`` (as checkout does), and a refused count re-renders the form with the message."""
    from domain.adapters.db.tables import PlanTable

    await PlanTable.update({PlanTable.metadata: {"max_seats": "50"}}).where(
        PlanTable.code == "team-monthly"
    )
    async with serve(app) as client:
        sub = await _signed_in(client, app, clock)  # Team, 3 seats
        url = f"/account/subscriptions/{sub.subscription_id}/change"
        for seats in ("51", "0", "abc", "²"):
            page = await client.get(url, params={"plan": "team-monthly", "quantity": seats})
            assert page.status_code == 422, seats
            error = parse(page.text).select_one(".field--invalid")
            assert error is not None and "from 1 to 50." in text(error), seats
            assert not by_testid(parse(page.text), "confirm-form"), seats
        fine = await client.get(url, params={"plan": "team-monthly", "quantity": "50"})
        assert fine.status_code == 200 and by_testid(parse(fine.text), "confirm-form")
    with pytest.raises(ValidationFailed) as refused:
        await quote_subscription_change(
            sub.subscription_id, quantity=51, uow=app.state.runtime.uow(), clock=clock,
            config=app.state.runtime.settings.billing,
        )  # fmt: skip
    assert refused.value.field_errors == {"quantity": "Enter a whole number of seats from 1 to 50."}
