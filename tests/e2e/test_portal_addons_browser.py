"""The plan-change page in Chromium: plan prices follow the seats typed, a flat plan has no seat
field until a per-seat plan is chosen, add-ons are added at exactly the quoted price (checked
against the stored invoice), and a metered plan shows its usage so far. Screenshots go to
test-output/portal-addon-*.png and portal-plan-*.png (with ``caret="initial"``: Playwright's
caret hiding leaves ``style=""`` on inputs, which htmx's settle step would then try to copy,
against the page's CSP)."""

from __future__ import annotations

import asyncio
import re
import sqlite3
from pathlib import Path

import pytest
from playwright.async_api import Page, async_playwright, expect

from domain.accounts.sign_up import attach_customer_in, register_in
from domain.adapters.db.engine import make_engine
from domain.adapters.db.tables import bind_tables
from domain.adapters.db.uow import PiccoloUnitOfWork
from domain.billing.config import BillingConfig
from domain.jobs.registry import JobRegistry
from domain.shared.clock import SystemClock
from domain.shared.ids import SubscriptionId
from domain.subscriptions.usage import record_usage
from tests.e2e.a11y import check_a11y
from tests.e2e.test_payment_browser import _cli
from tests.e2e.test_storefront_browser import CHROMIUM_ARGS, server  # noqa: F401
from tests.support.accounts import CHEAP_HASHER, PASSWORD

pytestmark = [pytest.mark.e2e, pytest.mark.slow]


def _uow(db: str) -> PiccoloUnitOfWork:
    engine = make_engine(f"sqlite:///{db}")
    bind_tables(engine)
    return PiccoloUnitOfWork(engine, clock=SystemClock(), registry=JobRegistry())


async def _subscriber(db: str, email: str, plan: str, quantity: int = 1) -> str:
    """Customer with the 4242 card and a subscription through the CLI; the account that signs
    in through the accounts use cases. Returns the subscription id."""
    _cli(db, "customer", "create", "--email", email, "--name", "Grace Hopper",
         "--country", "US", "--card", "4242424242424242")  # fmt: skip
    _cli(db, "subscribe", "--email", email, "--plan", plan, "--quantity", str(quantity))
    with sqlite3.connect(db) as conn:
        customer_id, sub_id = conn.execute(
            "SELECT c.id, s.id FROM customer c JOIN subscription s ON s.customer = c.id"
            " WHERE c.email = ?",
            (email,),
        ).fetchone()
    clock = SystemClock()
    async with _uow(db) as uow:
        account = await register_in(
            uow, email=email, password=PASSWORD, name="Grace Hopper", clock=clock,
            hasher=CHEAP_HASHER,
        )  # fmt: skip
        await attach_customer_in(uow, account.id, customer_id)
        await uow.commit()
    for _ in range(100):  # the server's job runner charges the first invoice
        if _last_invoice(db, email)[1] in ("paid", None):
            break
        await asyncio.sleep(0.1)
    return str(sub_id)


def _last_invoice(db: str, email: str) -> tuple[int, str | None]:
    with sqlite3.connect(db) as conn:
        row = conn.execute(
            "SELECT i.amount_due_minor, i.status FROM invoice i JOIN customer c"
            " ON c.id = i.customer_id WHERE c.email = ? ORDER BY i.issued_at DESC, i.rowid DESC"
            " LIMIT 1",
            (email,),
        ).fetchone()
    return (int(row[0]), str(row[1])) if row else (0, None)


async def _sign_in(page: Page, server: str, email: str) -> None:  # noqa: F811
    await page.goto(f"{server}/auth/login?next=/account")
    await page.get_by_label("E-mail").fill(email)
    await page.get_by_label("Password").fill(PASSWORD)
    await page.get_by_role("button", name="Sign in").click()
    await expect(page.get_by_role("heading", level=1)).to_have_text("Overview")


async def _confirm(page: Page, db: str, email: str, shots: Path, name: str) -> str:
    """Confirm the quote on the page; the stored, paid invoice is exactly what was quoted."""
    quote = page.get_by_test_id("change-quote")
    due = await quote.get_by_test_id("due-today").inner_text()
    await page.screenshot(
        path=str(shots / f"portal-addon-{name}-quote.png"), full_page=True, caret="initial"
    )
    await check_a11y(page)
    await quote.get_by_test_id("confirm").click()
    receipt = page.get_by_test_id("receipt-paid")
    await expect(receipt).to_contain_text(f"Charged {due} to Visa •••• 4242", timeout=15_000)
    await page.screenshot(
        path=str(shots / f"portal-addon-{name}-charged.png"), full_page=True, caret="initial"
    )
    await check_a11y(page)
    amount, status = _last_invoice(db, email)
    assert (f"${amount / 100:,.2f}", status) == (due, "paid")
    return due


async def test_a_subscriber_adds_add_ons_at_exactly_the_quoted_price(
    server: str,  # noqa: F811
    output_dir: Path,
    tmp_path_factory: pytest.TempPathFactory,
) -> None:
    db = str(next(tmp_path_factory.getbasetemp().glob("e2e*/app.db")))
    email = "grace@example.test"
    await _subscriber(db, email, "team-monthly", 2)
    async with async_playwright() as pw:
        browser = await pw.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
        page = await browser.new_page(viewport={"width": 1280, "height": 900})
        errors: list[str] = []
        page.on(
            "console",
            lambda m: (
                errors.append(f"{m.text} @ {m.location} on {page.url}")
                if m.type == "error"
                else None
            ),
        )
        await _sign_in(page, server, email)
        await page.get_by_test_id("subscription").get_by_role("link", name="Team").click()
        await page.get_by_test_id("change-link").click()

        # the plans' prices follow the seats typed (htmx swaps them with the quote)
        await page.get_by_role("spinbutton", name="Seats").fill("5")
        team = page.locator("#change-form .choice", has_text="Team (current)")
        await expect(team).to_contain_text("$60.00 every month for 5 seats")
        await expect(page.get_by_test_id("due-today")).to_be_visible()
        await expect(page.get_by_role("spinbutton", name="Seats")).to_be_focused()
        await page.wait_for_timeout(400)  # htmx's settle transition
        await page.screenshot(
            path=str(output_dir / "portal-plan-hints.png"), full_page=True, caret="initial"
        )
        await check_a11y(page)

        # Priority support: the add link shows the quote, confirming charges exactly it
        addons = page.get_by_test_id("addons")
        await expect(addons).to_contain_text("$49.00 every month")
        await expect(addons).to_contain_text("$5.00 per 100 GB every month")
        await addons.get_by_test_id("addon-add-priority-support").click()
        await expect(page.get_by_role("heading", level=1)).to_have_text("Priority support")
        await expect(page.get_by_test_id("quote-lines")).to_contain_text(
            "Remaining time on Priority support"
        )
        await _confirm(page, db, email, output_dir, "priority")
        await expect(page.get_by_test_id("addons-summary")).to_contain_text("Priority support")

        # Extra storage: 3 blocks asked on the change page, 4 typed on its page (htmx swaps the
        # quote), then confirmed at that price
        await page.get_by_test_id("change-link").click()
        await page.get_by_label(re.compile("Extra storage: blocks")).fill("3")
        await page.get_by_test_id("addon-price-extra-storage").click()
        await expect(page.get_by_test_id("quote-lines")).to_contain_text("Extra storage after")
        three = await page.get_by_test_id("due-today").inner_text()
        # a text field (it reads Persian digits), not a spin button
        await page.get_by_role("textbox", name="Blocks of 100 GB").fill("4")
        await expect(page.get_by_test_id("due-today")).not_to_have_text(three)
        await _confirm(page, db, email, output_dir, "storage")
        await expect(page.get_by_test_id("addons-summary")).to_contain_text("4 × 100 GB")
        await page.screenshot(
            path=str(output_dir / "portal-addon-summary.png"), full_page=True, caret="initial"
        )
        await check_a11y(page)
        assert errors == []
        await browser.close()


async def test_a_flat_plan_has_no_seats_and_a_metered_plan_shows_its_usage(
    server: str,  # noqa: F811
    output_dir: Path,
    tmp_path_factory: pytest.TempPathFactory,
) -> None:
    db = str(next(tmp_path_factory.getbasetemp().glob("e2e*/app.db")))
    await _subscriber(db, "flat@example.test", "starter-monthly")
    scale = await _subscriber(db, "metered@example.test", "scale-monthly")
    async with async_playwright() as pw:
        browser = await pw.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
        page = await browser.new_page(viewport={"width": 1280, "height": 900})
        errors: list[str] = []
        page.on(
            "console",
            lambda m: (
                errors.append(f"{m.text} @ {m.location} on {page.url}")
                if m.type == "error"
                else None
            ),
        )
        await _sign_in(page, server, "flat@example.test")
        await page.get_by_test_id("subscription").get_by_role("link", name="Starter").click()
        await expect(page.get_by_test_id("change-link")).to_have_text("Change plan")
        await page.get_by_test_id("change-link").click()
        await expect(page.get_by_role("heading", level=1)).to_have_text("Change plan")
        await expect(page.get_by_role("spinbutton", name="Seats")).to_have_count(0)
        await page.screenshot(
            path=str(output_dir / "portal-plan-flat.png"), full_page=True, caret="initial"
        )
        await check_a11y(page)
        await page.get_by_role("radio", name=re.compile(r"^Team \$")).check()
        await expect(page.get_by_role("spinbutton", name="Seats")).to_be_visible()
        await page.get_by_role("radio", name=re.compile(r"^Starter \(current\)")).check()
        await expect(page.get_by_role("spinbutton", name="Seats")).to_have_count(0)
        await page.context.clear_cookies()

        await _sign_in(page, server, "metered@example.test")
        await page.get_by_test_id("subscription").get_by_role("link", name="Scale").click()
        usage = page.get_by_test_id("usage")
        await expect(usage.get_by_test_id("usage-none")).to_contain_text("No usage recorded")
        await page.screenshot(
            path=str(output_dir / "portal-plan-usage-none.png"), full_page=True, caret="initial"
        )
        await check_a11y(page)
        await record_usage(
            SubscriptionId(scale), "api_calls", 12_500, uow=_uow(db), clock=SystemClock(),
            config=BillingConfig(),
        )  # fmt: skip
        await page.reload()
        await expect(usage.get_by_test_id("usage-so-far")).to_contain_text("12,500 API calls")
        await expect(usage.get_by_test_id("usage-charge")).to_have_text("$5.00")
        await usage.scroll_into_view_if_needed()
        await page.screenshot(
            path=str(output_dir / "portal-plan-usage.png"), full_page=True, caret="initial"
        )
        await check_a11y(page)
        assert errors == []
        await browser.close()
