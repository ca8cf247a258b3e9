"""The subscriber portal, part 1: overview, plan/seat changes with the quote, cancellation,
pause/resume and upcoming invoices, through HTTP (page and fragment, plain form posts)."""

from __future__ import annotations

import re
from datetime import timedelta
from decimal import Decimal

import pytest
from litestar import Litestar

from domain.adapters.db.tables import CancellationFeedbackTable, InvoiceTable
from domain.shared.clock import FrozenClock
from domain.subscriptions.usage import record_usage
from tests.support.accounts import make_account, sign_in
from tests.support.database import TestDatabase
from tests.support.html import by_testid, csrf_token, parse, text
from tests.support.jobs import drain_jobs
from tests.support.portal import make_subscriber
from tests.support.promotions import add_promotion
from tests.web.conftest import make_settings, serve
from web.app import create_app

pytestmark = pytest.mark.web
HX = {"HX-Request": "true", "HX-Target": "change-quote"}


async def _signed_in(client, app, clock, **kw):  # type: ignore[no-untyped-def]
    sub = await make_subscriber(app, clock, **kw)
    await drain_jobs(app)
    assert (await sign_in(client, sub.email)).status_code == 303
    return sub


async def test_overview_shows_plan_seats_next_bill_and_links(
    app: Litestar, catalog: TestDatabase, clock: FrozenClock
) -> None:
    async with serve(app) as client:
        sub = await _signed_in(client, app, clock)
        page = await client.get("/account")
        assert page.status_code == 200
        html = parse(page.text)
        (card,) = by_testid(html, "subscription")
        assert "Team" in text(by_testid(card, "plan")[0])
        assert text(by_testid(card, "quantity")[0]) == "3"
        assert "$36.00" in text(by_testid(card, "next-bill")[0])
        assert html.find("a", href=f"/account/subscriptions/{sub.subscription_id}")
        assert "sam@example.com" in text(html.select_one(".app-header__user"))
        listing = await client.get("/account/subscriptions")
        assert listing.headers["location"] == f"/account/subscriptions/{sub.subscription_id}"


async def test_overview_of_an_account_that_never_bought_links_to_pricing(
    app: Litestar, catalog: TestDatabase, clock: FrozenClock
) -> None:
    async with serve(app) as client:
        await make_account(app.state.runtime.uow(), clock, email="new@example.com")
        await sign_in(client, "new@example.com")
        html = parse((await client.get("/account")).text)
        assert by_testid(html, "no-subscriptions")
        assert html.find("a", href="/pricing")


async def test_anonymous_visitors_are_sent_to_sign_in(app: Litestar, catalog: TestDatabase) -> None:
    async with serve(app) as client:
        answer = await client.get("/account")
        assert answer.status_code == 303
        assert answer.headers["location"].startswith("/auth/login?next=/account")


async def test_another_subscribers_subscription_is_not_found(
    app: Litestar, catalog: TestDatabase, clock: FrozenClock
) -> None:
    async with serve(app) as client:
        other = await make_subscriber(app, clock, email="other@example.com")
        await _signed_in(client, app, clock)
        base = f"/account/subscriptions/{other.subscription_id}"
        for path in (base, f"{base}/change?plan=scale-monthly", f"{base}/cancel"):
            assert (await client.get(path)).status_code == 404, path
        token = csrf_token((await client.get("/account")).text)
        for action in ("uncancel", "resume", "scheduled-change/cancel"):
            answer = await client.post(f"{base}/{action}", data={"_csrf_token": token})
            assert answer.status_code == 404, action
        answer = await client.post(
            f"{base}/cancel", data={"_csrf_token": token, "reason": "not_using"}
        )
        assert answer.status_code == 404


async def test_quote_is_a_fragment_for_htmx_and_a_page_otherwise(
    app: Litestar, catalog: TestDatabase, clock: FrozenClock
) -> None:
    async with serve(app) as client:
        sub = await _signed_in(client, app, clock)
        url = f"/account/subscriptions/{sub.subscription_id}/change?plan=team-monthly&quantity=5"
        page = await client.get(url)
        assert page.status_code == 200
        html = parse(page.text)
        assert html.find("html") and by_testid(html, "change-form")
        fragment = await client.get(url, headers=HX)
        frag = parse(fragment.text)
        assert frag.find("html") is None and not by_testid(frag, "change-form")
        lines = [text(li) for li in by_testid(frag, "quote-line")]
        # the engine's words, with the arithmetic in days under them
        assert any(
            line.startswith("Unused time on 3 x Team seats after")
            and "29 of 29 days x 3 x 12.00" in line
            for line in lines
        )
        assert by_testid(frag, "due-today") and by_testid(frag, "confirm")
        assert "Then $60.00 on" in text(by_testid(frag, "renewal-after")[0])


async def test_confirming_charges_exactly_the_quote_without_javascript(
    app: Litestar, catalog: TestDatabase, clock: FrozenClock
) -> None:
    """No HX-Request anywhere: GET form for the price, plain POST to confirm, 303 to the page."""
    async with serve(app) as client:
        sub = await _signed_in(client, app, clock)
        clock.advance(days=12)
        page = await client.get(
            f"/account/subscriptions/{sub.subscription_id}/change",
            params={"plan": "scale-monthly", "quantity": "3"},
        )
        html = parse(page.text)
        due = text(by_testid(html, "due-today")[0])
        form = by_testid(html, "confirm-form")[0]
        fields = {i["name"]: i.get("value", "") for i in form.find_all("input")}
        done = await client.post(form["action"], data=fields)
        assert done.status_code == 303
        assert "charged=" in done.headers["location"]
        await drain_jobs(app)
        after = parse((await client.get(done.headers["location"])).text)
        receipt = text(by_testid(after, "receipt-paid")[0])
        assert f"Charged {due} to Visa •••• 4242" in receipt
        rows = await InvoiceTable.select(
            InvoiceTable.amount_due_minor, InvoiceTable.status
        ).order_by(InvoiceTable.issued_at)
        assert f"${rows[-1]['amount_due_minor'] / 100:,.2f}" == due
        assert rows[-1]["status"] == "paid"
        assert "Scale" in text(by_testid(after, "plan")[0])


async def test_an_expired_quote_says_so_and_shows_a_fresh_one(
    app: Litestar, catalog: TestDatabase, clock: FrozenClock
) -> None:
    async with serve(app) as client:
        sub = await _signed_in(client, app, clock)
        page = await client.get(
            f"/account/subscriptions/{sub.subscription_id}/change?plan=scale-monthly"
        )
        form = by_testid(parse(page.text), "confirm-form")[0]
        fields = {i["name"]: i.get("value", "") for i in form.find_all("input")}
        clock.advance(hours=2)
        answer = await client.post(form["action"], data=fields)
        assert answer.status_code == 409
        html = parse(answer.text)
        assert "over an hour ago" in text(by_testid(html, "quote-notice")[0])
        assert by_testid(html, "confirm-form")
        tampered = dict(fields, quote=fields["quote"][:-2] + "00")
        assert (await client.post(form["action"], data=tampered)).status_code == 409
        assert len(await InvoiceTable.select(InvoiceTable.id)) == 1


async def test_a_downgrade_is_scheduled_and_can_be_cancelled(
    app: Litestar, catalog: TestDatabase, clock: FrozenClock
) -> None:
    async with serve(app) as client:
        sub = await _signed_in(client, app, clock, plan="scale-monthly", quantity=1)
        page = await client.get(
            f"/account/subscriptions/{sub.subscription_id}/change?plan=starter-monthly"
        )
        html = parse(page.text)
        assert "end of your billing period" in text(by_testid(html, "quote-when")[0])
        form = by_testid(html, "confirm-form")[0]
        fields = {i["name"]: i.get("value", "") for i in form.find_all("input")}
        done = await client.post(form["action"], data=fields)
        assert done.status_code == 303
        detail = parse((await client.get(done.headers["location"])).text)
        assert "Switches to Starter on" in text(by_testid(detail, "scheduled-change")[0])
        rows = by_testid(detail, "upcoming-row")
        assert "Switches to Starter" in text(rows[0])
        assert "Switches to" not in text(rows[1])
        token = csrf_token(str(detail))
        undo = await client.post(
            f"/account/subscriptions/{sub.subscription_id}/scheduled-change/cancel",
            data={"_csrf_token": token},
        )
        assert undo.status_code == 303
        detail = parse((await client.get(undo.headers["location"])).text)
        assert not by_testid(detail, "scheduled-change")


async def test_bad_seats_rerender_with_422_and_keep_the_input(
    app: Litestar, catalog: TestDatabase, clock: FrozenClock
) -> None:
    async with serve(app) as client:
        sub = await _signed_in(client, app, clock)
        page = await client.get(
            f"/account/subscriptions/{sub.subscription_id}/change?plan=team-monthly&quantity=zero"
        )
        assert page.status_code == 422
        html = parse(page.text)
        assert html.select_one("#f-quantity")["value"] == "zero"
        assert html.select_one("#f-quantity-error")


async def test_cancel_flow_offers_the_coupon_for_too_expensive_then_cancels_and_undoes(
    db: TestDatabase, catalog: TestDatabase, clock: FrozenClock
) -> None:
    from domain.pricing.coupons import CouponDuration

    app = create_app(
        make_settings(db, RETENTION_COUPON="stay20"), clock=clock, engine=db.engine,
        start_runner=False,
    )  # fmt: skip
    async with serve(app) as client:
        async with app.state.runtime.uow() as uow:
            await add_promotion(
                uow,
                "STAY20",
                CouponDuration.REPEATING,
                percent_off=Decimal(20),
                duration_in_months=3,
            )
            await uow.commit()
        sub = await _signed_in(client, app, clock)
        base = f"/account/subscriptions/{sub.subscription_id}"
        step1 = parse((await client.get(f"{base}/cancel")).text)
        assert by_testid(step1, "reason-form") and not by_testid(step1, "cancel-form")
        step2 = await client.get(
            f"{base}/cancel?reason=too_expensive", headers={"HX-Request": "true"}
        )
        html = parse(step2.text)
        assert html.find("html") is None
        assert "20% off" in text(by_testid(html, "offer-coupon")[0])
        assert by_testid(html, "offer-pause")
        assert by_testid(html, "cancel-form")
        not_using = parse((await client.get(f"{base}/cancel?reason=not_using")).text)
        assert not by_testid(not_using, "offer-coupon") and by_testid(not_using, "offer-pause")
        token = csrf_token((await client.get(base)).text)
        bad = await client.post(
            f"{base}/cancel", data={"_csrf_token": token, "reason": "other", "comment": ""}
        )
        assert bad.status_code == 422
        assert parse(bad.text).select_one("#f-comment-error")
        done = await client.post(
            f"{base}/cancel",
            data={"_csrf_token": token, "reason": "too_expensive", "comment": "pricey",
                  "timing": "period_end"},
        )  # fmt: skip
        assert done.status_code == 303
        detail = parse((await client.get(base)).text)
        assert by_testid(detail, "canceling-box")
        assert [r["reason"] for r in await CancellationFeedbackTable.select()] == ["too_expensive"]
        undo = await client.post(f"{base}/uncancel", data={"_csrf_token": token})
        assert undo.status_code == 303
        detail = parse((await client.get(base)).text)
        assert not by_testid(detail, "canceling-box")
        coupon = await client.post(f"{base}/retention-coupon", data={"_csrf_token": token})
        assert coupon.status_code == 303
        assert "STAY20" in (await client.get(base)).text


async def test_cancel_now_shows_the_credit_before_confirming(
    app: Litestar, catalog: TestDatabase, clock: FrozenClock
) -> None:
    async with serve(app) as client:
        sub = await _signed_in(client, app, clock)
        clock.advance(days=10)
        base = f"/account/subscriptions/{sub.subscription_id}"
        html = parse((await client.get(f"{base}/cancel?reason=switching_product")).text)
        hint = text(html.select_one("#f-timing-2").find_parent("label"))
        assert "kept as account credit" in hint
        token = csrf_token(str(html))
        done = await client.post(
            f"{base}/cancel",
            data={"_csrf_token": token, "reason": "switching_product", "timing": "immediate"},
        )
        assert done.status_code == 303
        overview = parse((await client.get("/account")).text)
        assert by_testid(overview, "credit")
        assert 'data-status="canceled"' in str(overview)


async def test_cancel_now_on_a_metered_plan_names_the_final_usage_invoice(
    db: TestDatabase, catalog: TestDatabase, clock: FrozenClock
) -> None:
    # refunded to the card: with account credit the usage invoice is paid from it (nothing due)
    app = create_app(
        make_settings(db, PORTAL_CANCEL_NOW_REFUND="prorated_refund"), clock=clock,
        engine=db.engine, start_runner=False,
    )  # fmt: skip
    async with serve(app) as client:
        sub = await _signed_in(client, app, clock, plan="scale-monthly", quantity=1)
        base = f"/account/subscriptions/{sub.subscription_id}"
        html = parse((await client.get(f"{base}/cancel?reason=switching_product")).text)
        hint = text(html.select_one("#f-timing-2").find_parent("label"))
        assert "final invoice" not in hint
        runtime = app.state.runtime
        await record_usage(
            sub.subscription_id, "api_calls", 12_500, uow=runtime.uow(), clock=clock,
            config=runtime.settings.billing,
        )  # type: ignore[arg-type]  # fmt: skip
        clock.advance(days=1)
        html = parse((await client.get(f"{base}/cancel?reason=switching_product")).text)
        hint = text(html.select_one("#f-timing-2").find_parent("label"))
        assert "A final invoice of $5.00 bills usage so far." in hint


async def test_cancel_now_says_what_credit_is_left_after_the_final_usage_invoice(
    app: Litestar, catalog: TestDatabase, clock: FrozenClock
) -> None:
    """With the default account credit, the final usage invoice is paid from the credit: the hint
    says so and names what is kept, and the balance after cancelling is exactly that."""
    from domain.adapters.db.tables import CustomerTable

    async with serve(app) as client:
        sub = await _signed_in(client, app, clock, plan="scale-monthly", quantity=1)
        base = f"/account/subscriptions/{sub.subscription_id}"
        runtime = app.state.runtime
        await record_usage(
            sub.subscription_id, "api_calls", 12_500, uow=runtime.uow(), clock=clock,
            config=runtime.settings.billing,
        )  # type: ignore[arg-type]  # fmt: skip
        clock.advance(days=1)
        page = await client.get(f"{base}/cancel?reason=switching_product")
        hint = text(parse(page.text).select_one("#f-timing-2").find_parent("label"))
        assert (
            "A final invoice of $5.00 bills usage so far; $5.00 of it is paid from your account"
            in hint
        )
        kept = re.search(r"after the final invoice, \$([\d.,]+) is kept", hint)
        assert kept is not None, hint
        credited = re.search(r"\$([\d.,]+) for the unused time becomes account credit", hint)
        assert credited is not None, hint
        assert float(credited[1]) - 5.00 == pytest.approx(float(kept[1]))
        done = await client.post(
            f"{base}/cancel",
            data={"_csrf_token": csrf_token(page.text), "reason": "switching_product",
                  "timing": "immediate"},
        )  # fmt: skip
        assert done.status_code == 303
        (row,) = await CustomerTable.select(CustomerTable.balance_minor).where(
            CustomerTable.email == sub.email
        )
        assert -row["balance_minor"] == round(float(kept[1]) * 100)


async def test_pause_for_a_period_then_resume_early(
    app: Litestar, catalog: TestDatabase, clock: FrozenClock
) -> None:
    async with serve(app) as client:
        sub = await _signed_in(client, app, clock)
        base = f"/account/subscriptions/{sub.subscription_id}"
        page = parse((await client.get(base)).text)
        assert by_testid(page, "pause-form")
        token = csrf_token(str(page))
        bad = await client.post(
            f"{base}/pause", data={"_csrf_token": token, "periods": "until", "until": ""}
        )
        assert bad.status_code == 422
        assert parse(bad.text).select_one("#f-until-error")
        done = await client.post(f"{base}/pause", data={"_csrf_token": token, "periods": "2"})
        assert done.status_code == 303
        paused = parse((await client.get(base)).text)
        assert "resumes on" in text(by_testid(paused, "paused")[0])
        assert by_testid(paused, "resume-box")
        resumed = await client.post(f"{base}/resume", data={"_csrf_token": token})
        assert resumed.status_code == 303
        after = parse((await client.get(base)).text)
        assert 'data-status="active"' in str(after)


async def test_upcoming_invoices_cover_twelve_months(
    app: Litestar, catalog: TestDatabase, clock: FrozenClock
) -> None:
    async with serve(app) as client:
        sub = await _signed_in(client, app, clock)
        html = parse((await client.get(f"/account/subscriptions/{sub.subscription_id}")).text)
        rows = by_testid(html, "upcoming-row")
        assert 11 <= len(rows) <= 13
        assert all("$36.00" in text(r) for r in rows)


async def test_a_trial_shows_its_end_and_the_first_paid_invoice(
    app: Litestar, catalog: TestDatabase, clock: FrozenClock
) -> None:
    async with serve(app) as client:
        sub = await _signed_in(client, app, clock, plan="starter-monthly", quantity=1)
        html = parse((await client.get(f"/account/subscriptions/{sub.subscription_id}")).text)
        assert by_testid(html, "trial-end")
        first = text(by_testid(html, "upcoming-row")[0])
        assert "Trial ends" in first and "$19.00" in first


@pytest.mark.parametrize(
    ("card", "testid", "href"),
    [
        ("4000002500003155", "action-confirm_payment", "/pay/confirm/"),
        ("4000000000000002", "action-update_card", "/account/payment-methods"),
    ],
)
async def test_the_overview_says_what_needs_the_subscribers_action(
    app: Litestar, catalog: TestDatabase, clock: FrozenClock, card: str, testid: str, href: str
) -> None:
    async with serve(app) as client:
        await _signed_in(client, app, clock, card=card)
        html = parse((await client.get("/account")).text)
        (action,) = by_testid(html, testid)
        assert action.find("a")["href"].startswith(href)


async def test_pause_until_a_date(app: Litestar, catalog: TestDatabase, clock: FrozenClock) -> None:
    async with serve(app) as client:
        sub = await _signed_in(client, app, clock)
        base = f"/account/subscriptions/{sub.subscription_id}"
        token = csrf_token((await client.get(base)).text)
        until = (clock.now() + timedelta(days=45)).date().isoformat()
        done = await client.post(
            f"{base}/pause", data={"_csrf_token": token, "periods": "until", "until": until}
        )
        assert done.status_code == 303
        paused = parse((await client.get(base)).text)
        assert "resumes on" in text(by_testid(paused, "paused")[0])
        past = await client.post(f"{base}/resume", data={"_csrf_token": token})
        assert past.status_code == 303
        too_far = (clock.now() + timedelta(days=400)).date().isoformat()
        refused = await client.post(
            f"{base}/pause", data={"_csrf_token": token, "periods": "until", "until": too_far}
        )
        assert refused.status_code == 422
        assert "up to a year" in text(parse(refused.text).select_one("#f-until-error"))
