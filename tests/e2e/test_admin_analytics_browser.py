"""The analytics dashboard in Chromium against ``serve --demo`` with a year of synthetic MRR
movements (sixty-odd customers on four plans, USD and EUR, classified by the ledger's own
``CustomerLedger``) and the refresh run: a billing member opens Analytics from the sidebar,
filters by week, follows a figure to its movements. Checked for accessibility and photographed
at 1280 and 390 px (test-output/admin-analytics*.png)."""

from __future__ import annotations

import random
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from playwright.async_api import expect

from domain.adapters.db.engine import make_engine
from domain.adapters.db.tables import bind_tables
from domain.adapters.db.uow import PiccoloUnitOfWork
from domain.analytics.exchange_rates import ExchangeRate
from domain.analytics.ledger import CustomerLedger, LedgerMovement, Reading
from domain.analytics.refresh import refresh_analytics
from domain.shared.clock import SystemClock
from domain.shared.money import Currency
from tests.e2e.staff_browser import staff_browser
from tests.e2e.test_admin_browser import (  # noqa: F401  (the module's server fixture)
    Server,
    server,
    shoot,
)
from web.jobs import build_registry

pytestmark = [pytest.mark.e2e, pytest.mark.slow]

PASSWORD = "ledger long passphrase"
PLANS = {"starter": 2900, "growth": 7900, "scale": 19900, "annual-pro": 12500}


def _history(now: datetime) -> list[LedgerMovement]:
    """A year of a growing business: new customers each month, some upgrades, downgrades,
    churn and reactivations (deterministic)."""
    rng = random.Random(16)
    rows: list[LedgerMovement] = []
    start = now - timedelta(days=380)
    customers: list[tuple[str, CustomerLedger, str, str, str | None]] = []
    plans: dict[str, str] = {}
    for day in range(380):
        at = start + timedelta(days=day, hours=rng.randrange(9, 18))
        for _ in range(rng.choice((0, 0, 0, 1, 1, 2)) if day < 370 else 0):
            n = len(customers)
            currency, country = ("EUR", "DE") if n % 4 == 3 else ("USD", rng.choice(("US", "GB")))
            customers.append((f"cust-{n:04d}", CustomerLedger(), f"sub-{n:04d}", currency, country))
            cid, state, sid, cur, ctry = customers[-1]
            plan = rng.choice(list(PLANS)[:3] if n % 5 else ["annual-pro"])
            plans[sid] = plan
            rows += state.record([Reading(at, PLANS[plan], plan)], subscription_id=sid,
                                 customer_id=cid, currency=cur, country=ctry, version=1)  # fmt: skip
        if customers and rng.random() < 0.22:
            cid, state, sid, cur, ctry = rng.choice(customers)
            mrr = state.mrr.get(sid, 0)
            roll = rng.random()
            if mrr and roll < 0.35:
                new_plan, value = "churn", 0
            elif mrr and roll < 0.7:
                new_plan = rng.choice([p for p in PLANS if p != plans[sid]])
                value = PLANS[new_plan]
            elif not mrr:
                new_plan = plans[sid]
                value = PLANS[new_plan]
            else:
                continue
            plan = plans[sid] if new_plan == "churn" else new_plan
            plans[sid] = plan
            rows += state.record([Reading(at, value, plan)], subscription_id=sid, customer_id=cid,
                                 currency=cur, country=ctry, version=2)  # fmt: skip
    return rows


async def _seed(db: Path) -> None:
    engine = make_engine(f"sqlite:///{db}")
    bind_tables(engine)
    uow = lambda: PiccoloUnitOfWork(engine, clock=SystemClock(), registry=build_registry())  # noqa: E731
    async with uow() as u:
        await u.mrr_ledger.append(_history(datetime.now(UTC)))
        await u.exchange_rates.add(ExchangeRate(
            id="eur-2020", currency="EUR", reporting="USD", rate=Decimal("1.0825"),
            effective_on=date(2020, 1, 1), entered_by="bill@example.test",
            entered_at=datetime.now(UTC),
        ))  # fmt: skip
        await u.commit()
    await refresh_analytics(uow=uow, clock=SystemClock(), reporting=Currency.of("USD"))


async def test_billing_reads_the_mrr_dashboard(
    server: Server,  # noqa: F811  (the fixture imported above)
    output_dir: Path,
) -> None:
    await _seed(server.db)
    async with staff_browser(server, "bill@example.test", "Bill Billing", PASSWORD) as signed_in:
        _, page, errors = signed_in
        await page.get_by_role("link", name="Analytics", exact=True).click()
        await expect(page.get_by_role("heading", name="Analytics", exact=True)).to_be_visible()
        await expect(page.get_by_test_id("as-of")).to_contain_text("Figures as of")
        await expect(page.get_by_test_id("card")).to_have_count(11)
        await expect(page.get_by_test_id("mrr-row")).to_have_count(12)
        await shoot(page, output_dir, "analytics")
        # weeks, through the GET form
        await page.get_by_label("Group by", exact=True).select_option("week")
        await page.get_by_label("From", exact=True).fill(
            (date.today() - timedelta(days=83)).isoformat()
        )
        await page.get_by_role("button", name="Apply").click()
        await page.wait_for_url("**bucket=week**")
        await expect(page.get_by_test_id("mrr-row").first).to_contain_text(" ")
        # a figure's movements
        churn = page.get_by_test_id("card").filter(has_text="Logo churn")
        await churn.get_by_test_id("card-value").click()
        await expect(page.get_by_role("heading", name="Churn movements")).to_be_visible()
        await expect(page.get_by_test_id("ledger-row").first).to_be_visible()
        await shoot(page, output_dir, "analytics-movements")
        assert errors == []
