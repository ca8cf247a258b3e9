"""The tax rates a demo install ships (``seed-demo``, ``serve --demo``), so a fresh install
shows tax at checkout: the standard VAT rates of seven EU countries and Washington's state
sales tax, which applies to SaaS there ("digital automated services"). All exclusive: the demo
prices are before tax.

They are the standard rates of 2026 (DE 19, FR 20, NL 21, IE 23, ES 21, IT 22, SE 25; checked
in December 2026 against a published table of EU VAT rates for 2026) and Washington's 6.5% state
rate without the local rates a real seller adds by address; check them before charging anyone
with them. A demo customer in Washington types
``WA`` as the state (the region matches as typed, without case).
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from domain.pricing.tax_rates import StoredTaxRate
from domain.shared.clock import Clock
from domain.shared.ids import new_id
from domain.taxes.ports import TaxRatesUnit

DEMO_RATES: tuple[tuple[str, str | None, str, str], ...] = (
    ("DE", None, "VAT", "19"),
    ("FR", None, "VAT", "20"),
    ("NL", None, "VAT", "21"),
    ("IE", None, "VAT", "23"),
    ("ES", None, "VAT", "21"),
    ("IT", None, "VAT", "22"),
    ("SE", None, "VAT", "25"),
    ("US", "WA", "Sales tax", "6.5"),
)


def demo_tax_rates(now: datetime) -> list[StoredTaxRate]:
    return [
        StoredTaxRate(new_id(), country, region, name, Decimal(percent), False, now)
        for country, region, name, percent in DEMO_RATES
    ]


async def load_demo_tax_rates(*, uow: TaxRatesUnit, clock: Clock) -> int:
    """Add the demo rates of jurisdictions that have no rate yet (active or archived: a rate
    staff archived stays archived); returns how many were added. Running it again adds
    nothing. Development only, like the demo catalog."""
    added = 0
    async with uow:
        stored = await uow.tax_rates.stored()
        for rate in demo_tax_rates(clock.now()):
            if not any(r.same_jurisdiction(rate.country, rate.region) for r in stored):
                await uow.tax_rates.create(rate)
                added += 1
        await uow.commit()
    return added
