"""What must hold after each measured renewal run (``bench/renewal_run.py``), on SQLite and
PostgreSQL alike; the run fails (``RunCheckFailed``, a non-zero exit) unless all of it does:

- one renewal invoice per subscription (period start at the renewal instant), each paid, and
  no subscription with two;
- exactly one succeeded charge in the sandbox gateway's ledger per renewal invoice (the charge's
  idempotency key is ``<invoice id>:<attempt>``), and 2N succeeded charges in all (each
  subscription's first invoice and its renewal);
- no dead job, and no job left queued or running but the scheduled ``renew_due``;
- gapless invoice numbers: per series (the number's prefix), the numbers taken are exactly 1 to
  their count, none twice, every invoice numbered, and the series row's next number right after
  the last;
- with ``--receipts compose`` (``check_receipts``): one receipt in the outbox per renewal
  invoice, and no other.

``python -O`` leaves these in (no ``assert``).
"""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from datetime import datetime

from domain.adapters.db.tables import (
    InvoiceSeriesTable,
    InvoiceTable,
    JobTable,
    OutboxEmailTable,
    SandboxPaymentTable,
    SubscriptionTable,
)
from domain.jobs.model import JobStatus


class RunCheckFailed(Exception):
    """The run broke an exactly-once property; ``str()`` lists each broken one with a count."""


def gaps(numbers: list[str], next_numbers: dict[str, int]) -> list[str]:
    """What is wrong with the invoice numbers ``numbers`` (all of them) and the series' next
    numbers (``prefix -> next_number``): empty when every series is gapless."""
    problems: list[str] = []
    taken: dict[str, list[int]] = defaultdict(list)
    for number in numbers:
        match = re.fullmatch(r"(.*?)(\d+)", number)
        if match is None:
            problems.append(f"an invoice number without digits: {number!r}")
            continue
        taken[match.group(1)].append(int(match.group(2)))
    for prefix, values in sorted(taken.items()):
        missing = set(range(1, len(values) + 1)) - set(values)
        if missing:
            problems.append(
                f"series {prefix!r}: {len(missing)} numbers missing (first {min(missing)})"
            )
        twice = len(values) - len(set(values))
        if twice:
            problems.append(f"series {prefix!r}: {twice} numbers taken twice")
        if next_numbers.get(prefix) != max(values) + 1:
            problems.append(
                f"series {prefix!r}: next number {next_numbers.get(prefix)}, not {max(values) + 1}"
            )
    return problems


async def check_run(n: int, renewal: datetime) -> None:
    """The checks above for a run over ``n`` subscriptions renewed at ``renewal``."""
    problems: list[str] = []
    subscriptions = await SubscriptionTable.count()
    if subscriptions != n:
        problems.append(f"{subscriptions} subscriptions, expected {n}")
    renewals = await InvoiceTable.select(
        InvoiceTable.id, InvoiceTable.subscription_id, InvoiceTable.status
    ).where(InvoiceTable.period_start == renewal)
    if len(renewals) != n:
        problems.append(f"{len(renewals)} renewal invoices for {n} subscriptions")
    per_subscription = Counter(str(r["subscription_id"]) for r in renewals)
    twice = sum(1 for c in per_subscription.values() if c > 1)
    if twice:
        problems.append(f"{twice} subscriptions with more than one renewal invoice")
    unpaid = sum(1 for r in renewals if r["status"] != "paid")
    if unpaid:
        problems.append(f"{unpaid} renewal invoices not paid")

    charges = await SandboxPaymentTable.select(SandboxPaymentTable.idempotency_key).where(
        (SandboxPaymentTable.kind == "charge") & (SandboxPaymentTable.status == "succeeded")
    )
    per_invoice = Counter(str(c["idempotency_key"]).split(":", 1)[0] for c in charges)
    not_once = sum(1 for r in renewals if per_invoice.get(str(r["id"]), 0) != 1)
    if not_once:
        problems.append(f"{not_once} renewal invoices without exactly one succeeded charge")
    if len(charges) != 2 * n:
        problems.append(f"{len(charges)} succeeded charges, expected {2 * n}")

    dead = await JobTable.count().where(JobTable.status == JobStatus.DEAD)
    if dead:
        problems.append(f"{dead} dead jobs")
    left = await JobTable.count().where(
        JobTable.status.is_in([JobStatus.QUEUED, JobStatus.RUNNING])
        & (JobTable.name != "subscriptions.renew_due")
    )
    if left:
        problems.append(f"{left} jobs left queued or running")

    invoices = await InvoiceTable.select(InvoiceTable.number)
    unnumbered = sum(1 for i in invoices if i["number"] is None)
    if unnumbered:
        problems.append(f"{unnumbered} invoices without a number")
    series = {
        str(s["prefix"]): int(s["next_number"])
        for s in await InvoiceSeriesTable.select(
            InvoiceSeriesTable.prefix, InvoiceSeriesTable.next_number
        )
    }
    problems += gaps([str(i["number"]) for i in invoices if i["number"] is not None], series)
    if problems:
        raise RunCheckFailed(f"after the run over {n} subscriptions: " + "; ".join(problems))


async def check_receipts(n: int, renewal: datetime) -> None:
    """With the receipts composed (``--receipts compose``): one receipt in the outbox per
    renewal invoice (a dedupe key is unique, so none twice) and no other receipt."""
    renewals = {
        f"receipt:{r['id']}"
        for r in await InvoiceTable.select(InvoiceTable.id).where(
            InvoiceTable.period_start == renewal
        )
    }
    keys = {
        str(r["dedupe_key"])
        for r in await OutboxEmailTable.select(OutboxEmailTable.dedupe_key).where(
            OutboxEmailTable.kind == "receipt"
        )
    }
    if keys != renewals or len(keys) != n:
        raise RunCheckFailed(
            f"after the run over {n} subscriptions: {len(renewals - keys)} renewal invoices"
            f" without a receipt, {len(keys - renewals)} other receipts"
        )
