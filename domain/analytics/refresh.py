"""The ``analytics.refresh`` job's use case: fill the ledger's reporting amounts and rebuild the
read model (``aggregate.fold``) from the whole ledger, in one transaction.

Recomputing every row each time keeps the rule "the latest rate on or before the day" true when
staff add or correct a rate (a new rate may apply to earlier movements of its currency); rows
whose amount did not change are not written. The job runs every ten minutes
(``domain/jobs/schedule.py``) and after a ledger rebuild; the pages state its time.
"""

from __future__ import annotations

from collections.abc import Callable

from domain.analytics.aggregate import fold
from domain.analytics.exchange_rates import ExchangeRates
from domain.analytics.ports import AnalyticsUnit
from domain.analytics.read_model import Dimensions, RefreshState
from domain.shared.clock import Clock
from domain.shared.money import Currency, Rounding

REFRESH_JOB = "analytics.refresh"


async def refresh_analytics(
    *, uow: Callable[[], AnalyticsUnit], clock: Clock, reporting: Currency,
    rounding: Rounding = Rounding.HALF_UP,
) -> RefreshState:  # fmt: skip
    async with uow() as unit:
        rows = await unit.mrr_ledger.all()
        rates = ExchangeRates(reporting, await unit.exchange_rates.all())
        folded = fold(rows, rates, rounding)
        changed: dict[int, int | None] = {}
        for row in rows:
            assert row.id is not None
            amount = folded.reporting_amounts[row.id]
            currency = reporting.code if amount is not None else None
            if (row.reporting_currency, row.reporting_amount_minor) != (currency, amount):
                changed[row.id] = amount
        if changed:
            await unit.mrr_ledger.set_reporting(reporting.code, changed)
        dimensions = Dimensions(folded.plans, folded.currencies, folded.countries)
        state = RefreshState(clock.now(), reporting.code, folded.movements, folded.missing,
                             dimensions)  # fmt: skip
        await unit.analytics_read_model.replace(folded.days, state)
        await unit.commit()
    return state
