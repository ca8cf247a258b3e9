"""The renewal bench (``bench/renewal_run.py``) at a dozen subscriptions, on the suite's backend:
it renews and charges them, measures the same-row baseline, counts statements on PostgreSQL,
prints issue 18's line, and its exactly-once checks fail on a number gap, a second charge and a
dead job."""

from __future__ import annotations

import re

import pytest

from bench.renewal_lines import parse_renewal
from bench.renewal_run import RENEWAL, _measure, _renewal_lines
from bench.renewal_run_checks import RunCheckFailed, check_run
from domain.adapters.db.engine import close_pool, start_pool
from domain.adapters.db.tables import InvoiceTable, JobTable, bind_tables
from tests.support.database import TestDatabase

pytestmark = [pytest.mark.integration, pytest.mark.slow]

N = 12


@pytest.mark.timeout(600)
async def test_the_renewal_bench_measures_and_its_checks_catch_what_breaks_a_run(
    db: TestDatabase,
) -> None:
    result = await _measure(db.backend, db.url, N, 4, count_statements=True)
    assert result.subscriptions == N
    assert result.seconds > 0 and result.invoices_per_s > 0 and result.baseline_per_s > 0
    [line] = _renewal_lines([result])
    parsed = parse_renewal(str(line))
    assert (parsed.n, parsed.seconds, parsed.invoices_per_s) == (
        N,
        result.seconds,
        line.invoices_per_s,
    )
    if db.backend == "postgres":
        # the renewal writes in sets: its invoices, lines, payment rows and history go in a few
        # multi-row inserts, not four or more per subscription as one renewal at a time would
        assert 0 < result.statements["insert"] < 4 * N
        assert 0 < result.renewal_statements.get("insert", 0) < N
        assert result.statements["commit"] >= 1
        assert result.statements["select"] > 0
    else:
        assert result.statements == {}  # counted at asyncpg only

    bind_tables(db.engine)
    await start_pool(db.engine, max_size=2)
    try:
        await check_run(N, RENEWAL)  # the run itself left everything right
        # the baseline's rows are gone
        assert await InvoiceTable.count().where(InvoiceTable.id.like("baseline-%")) == 0

        renewals = await InvoiceTable.select(InvoiceTable.id, InvoiceTable.number).where(
            InvoiceTable.period_start == RENEWAL
        )
        moved = renewals[0]
        match = re.fullmatch(r"(.*?)(\d+)", str(moved["number"]))
        assert match is not None
        prefix, digits = match.groups()
        await InvoiceTable.update({InvoiceTable.number: f"{prefix}{10 * N:0{len(digits)}d}"}).where(
            InvoiceTable.id == moved["id"]
        )
        await JobTable.raw(
            "INSERT INTO sandbox_payment (ref, idempotency_key, kind, method_ref, amount_minor,"
            " currency, status) VALUES ('pi_twice', {}, 'charge', 'pm_x', 4000, 'USD',"
            " 'succeeded')",
            f"{renewals[1]['id']}:9",
        )
        await JobTable.raw(
            "UPDATE job SET status = 'dead' WHERE id = (SELECT id FROM job ORDER BY id LIMIT 1)"
        )
        with pytest.raises(RunCheckFailed) as failed:
            await check_run(N, RENEWAL)
        problems = str(failed.value)
        assert "1 numbers missing" in problems
        assert "1 renewal invoices without exactly one succeeded charge" in problems
        assert f"{2 * N + 1} succeeded charges, expected {2 * N}" in problems
        assert "1 dead jobs" in problems
    finally:
        await close_pool(db.engine)
