"""What must hold after a renewal day, whatever crashed during it (``bench/renewal_crash.py``).

Read from the database (PostgreSQL) once the runners stopped; each check counts the rows that
break it, so the report says how many, not only that something broke:

- exactly one renewal invoice per subscription and period, and no other invoice;
- per renewal invoice: at most one succeeded charge in the gateway's ledger, exactly one for a
  paid invoice and none for an open one; exactly one payment attempt (a failed charge is retried
  by dunning on its schedule, days later, never by a rerun of the collection job), none left
  pending, and each attempt's status the same as the gateway's for its idempotency key;
- a failed charge handed to dunning as the product does it: the invoice open, one open dunning
  case with one failure and its next attempt at the policy's first retry day, the subscription
  past due; a paid invoice's subscription active, with no dunning case;
- the invoice numbers of each series consecutive from 1 (no gap, no duplicate), the series row's
  next number right after the last;
- no dead job and no renewal batch or collection job left queued or running;
- every subscription advanced one period (period start at the renewal instant, next action one
  period later, the same for all).
"""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from domain.adapters.db.tables import JobTable

# the jobs that carry a renewal day's work (the scheduled ``subscriptions.renew_due`` is not
# one: once nothing is due, a tick of it waiting in the queue has nothing to do)
BILLING_JOBS = (
    "subscriptions.renew_batch",
    "subscriptions.advance",
    "payments.collect_batch",
    "payments.collect_invoice",
)


async def _rows(sql: str, *args: Any) -> list[dict[str, Any]]:
    return list(await JobTable.raw(sql, *args))


async def _one(sql: str, *args: Any) -> int:
    [row] = await _rows(sql, *args)
    return int(next(iter(row.values())) or 0)


@dataclass
class DayReport:
    """The renewal day as the database has it, and what broke (empty: nothing)."""

    subscriptions: int = 0
    invoices: int = 0  # renewal invoices
    paid: int = 0
    failed: int = 0  # renewal invoices whose charge failed (in dunning)
    succeeded_charges: int = 0
    dunning_cases: int = 0
    reclaimed_jobs: int = 0  # billing jobs that took more than one attempt
    failed_attempts: int = 0  # job attempts that failed (the job error history)
    problems: list[str] = field(default_factory=list)

    def expect(self, what: str, count: int) -> None:
        """``count`` rows break ``what``: a problem unless none."""
        if count:
            self.problems.append(f"{what}: {count}")


async def check_day(
    renewal: datetime, *, retry_days: int, failures: tuple[int, int] = (0, 0)
) -> DayReport:
    """The checks of the module for the renewal at ``renewal``; ``failures`` bounds how many
    renewal charges may fail (a gateway failing a share of them), ``retry_days`` is the dunning
    policy's first retry."""
    r = DayReport()
    r.subscriptions = await _one("SELECT count(*) FROM subscription")
    renewals = "SELECT id FROM invoice WHERE period_start = {}"
    r.invoices = await _one("SELECT count(*) FROM invoice WHERE period_start = {}", renewal)
    r.expect(
        "subscriptions with more than one renewal invoice for the period",
        await _one(
            "SELECT count(*) FROM (SELECT subscription_id FROM invoice WHERE period_start = {}"
            " GROUP BY subscription_id HAVING count(*) > 1) d",
            renewal,
        ),
    )
    r.expect(
        "subscriptions without a renewal invoice",
        await _one(
            "SELECT count(*) FROM subscription s WHERE NOT EXISTS (SELECT 1 FROM invoice i"
            " WHERE i.subscription_id = s.id AND i.period_start = {})",
            renewal,
        ),
    )
    r.expect(
        "invoices other than one first and one renewal invoice per subscription",
        abs(await _one("SELECT count(*) FROM invoice") - 2 * r.subscriptions),
    )
    r.expect(
        "renewal invoices not cycle invoices",
        await _one(
            "SELECT count(*) FROM invoice WHERE period_start = {}"
            " AND billing_reason <> 'subscription_cycle'",
            renewal,
        ),
    )

    # -- charges ----------------------------------------------------------------------------
    charge_of = "split_part(p.idempotency_key, ':', 1)"
    r.succeeded_charges = await _one(
        f"SELECT count(*) FROM sandbox_payment p WHERE p.kind = 'charge' AND p.status ="
        f" 'succeeded' AND {charge_of} IN ({renewals})",
        renewal,
    )
    r.expect(
        "invoices charged successfully more than once",
        await _one(
            f"SELECT count(*) FROM (SELECT {charge_of} FROM sandbox_payment p WHERE p.kind ="
            f" 'charge' AND p.status = 'succeeded' GROUP BY 1 HAVING count(*) > 1) d"
        ),
    )
    # succeeded charges per invoice, compared here: PostgreSQL plans the join of the grouped
    # ledger with the invoices as a nested loop (minutes at 10,000)
    succeeded: dict[str, int] = {
        str(row["invoice"]): int(row["n"])
        for row in await _rows(
            f"SELECT {charge_of} AS invoice, count(*) AS n FROM sandbox_payment p"
            " WHERE p.kind = 'charge' AND p.status = 'succeeded' GROUP BY 1"
        )
    }
    invoices = await _rows("SELECT id, status FROM invoice WHERE period_start = {}", renewal)
    r.paid = sum(1 for i in invoices if i["status"] == "paid")
    r.expect(
        "paid renewal invoices without exactly one succeeded charge",
        sum(1 for i in invoices if i["status"] == "paid" and succeeded.get(i["id"], 0) != 1),
    )
    r.expect(
        "unpaid renewal invoices with a succeeded charge (charged, not recorded)",
        sum(1 for i in invoices if i["status"] != "paid" and succeeded.get(i["id"], 0)),
    )
    r.expect(
        "renewal invoices charged more than once (attempts beyond the first)",
        await _one(
            f"SELECT count(*) FROM (SELECT invoice FROM payment_attempt WHERE invoice IN"
            f" ({renewals}) GROUP BY invoice HAVING count(*) > 1) d",
            renewal,
        ),
    )
    r.expect(
        "renewal invoices never charged (no payment attempt)",
        await _one(
            "SELECT count(*) FROM invoice i WHERE i.period_start = {} AND NOT EXISTS"
            " (SELECT 1 FROM payment_attempt a WHERE a.invoice = i.id)",
            renewal,
        ),
    )
    r.expect(
        "payment attempts left pending",
        await _one("SELECT count(*) FROM payment_attempt WHERE status = 'pending'"),
    )
    r.expect(
        "payment attempts whose status differs from the gateway's",
        await _one(
            "SELECT count(*) FROM payment_attempt a LEFT JOIN sandbox_payment p ON"
            " p.idempotency_key = a.idempotency_key WHERE p.status IS DISTINCT FROM a.status"
        ),
    )

    # -- failed charges and dunning -----------------------------------------------------------
    failed_invoices = (
        f"SELECT invoice FROM payment_attempt WHERE status IN ('declined', 'error')"
        f" AND invoice IN ({renewals})"
    )
    r.failed = await _one(f"SELECT count(*) FROM ({failed_invoices}) f", renewal)
    low, high = failures
    if not low <= r.failed <= high:
        r.problems.append(f"failed renewal charges: {r.failed}, expected {low} to {high}")
    r.dunning_cases = await _one("SELECT count(*) FROM dunning_case")
    r.expect("dunning cases for invoices whose charge did not fail", r.dunning_cases - r.failed)
    r.expect(
        "failed charges not handed to dunning as the policy says (an open case, one failure,"
        f" next attempt {retry_days} day(s) after it, the invoice open, the subscription past"
        " due)",
        await _one(
            f"SELECT count(*) FROM ({failed_invoices}) f JOIN invoice i ON i.id = f.invoice"
            " LEFT JOIN dunning_case d ON d.invoice = f.invoice"
            " LEFT JOIN subscription s ON s.id = i.subscription_id"
            " WHERE d.invoice IS NULL OR d.status <> 'open' OR d.failures <> 1"
            " OR d.next_attempt_at <> d.first_failed_at + {}"
            " OR i.status <> 'open' OR s.status <> 'past_due'",
            renewal,
            timedelta(days=retry_days),
        ),
    )
    r.expect(
        "paid renewal invoices whose subscription is not active",
        await _one(
            "SELECT count(*) FROM invoice i JOIN subscription s ON s.id = i.subscription_id"
            " WHERE i.period_start = {} AND i.status = 'paid' AND s.status <> 'active'",
            renewal,
        ),
    )

    # -- numbering ------------------------------------------------------------------------------
    numbers: dict[str, list[int]] = defaultdict(list)
    for row in await _rows("SELECT number FROM invoice WHERE number IS NOT NULL"):
        match = re.fullmatch(r"(.*?)(\d+)", str(row["number"]))
        assert match is not None, f"an invoice number without digits: {row['number']}"
        numbers[match.group(1)].append(int(match.group(2)))
    series = {
        str(s["prefix"]): int(s["next_number"])
        for s in await _rows("SELECT prefix, next_number FROM invoice_series")
    }
    for prefix, taken in numbers.items():
        expected = set(range(1, len(taken) + 1))
        r.expect(f"invoice numbers missing from series {prefix}", len(expected - set(taken)))
        r.expect(f"invoice numbers taken twice in series {prefix}", len(taken) - len(set(taken)))
        r.expect(
            f"series {prefix}: next number not right after the last",
            int(series.get(prefix) != max(taken) + 1),
        )
    r.expect(
        "invoices without a number", await _one("SELECT count(*) FROM invoice WHERE number IS NULL")
    )

    # -- jobs and subscriptions ------------------------------------------------------------------
    r.expect("dead jobs", await _one("SELECT count(*) FROM job WHERE status = 'dead'"))
    names = ", ".join(f"'{n}'" for n in BILLING_JOBS)
    r.expect(
        "renewal or collection jobs left queued or running",
        await _one(
            f"SELECT count(*) FROM job WHERE status IN ('queued', 'running') AND name IN ({names})"
        ),
    )
    r.reclaimed_jobs = await _one(
        f"SELECT count(*) FROM job WHERE attempts > 1 AND name IN ({names})"
    )
    r.failed_attempts = await _one("SELECT count(*) FROM job_failure")
    r.expect(
        "subscriptions not advanced to the renewal's period",
        await _one(
            "SELECT count(*) FROM subscription WHERE period_start IS DISTINCT FROM {}", renewal
        ),
    )
    r.expect(
        "subscriptions whose next action is not one period on (or differs)",
        await _one(
            "SELECT count(DISTINCT next_action_at) FROM subscription WHERE next_action_at > {}",
            renewal,
        )
        - 1
        + await _one(
            "SELECT count(*) FROM subscription WHERE next_action_at IS NULL"
            " OR next_action_at <= {}",
            renewal,
        ),
    )
    return r
