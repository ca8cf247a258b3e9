"""The set-based path of the batch renewal (issue 18): a batch's renewals loaded, run and written
in bulk, in the batch's transaction.

**Loading** (a few queries for the whole batch, whatever its size): the customers under row
lock in one ``SELECT ... FOR UPDATE`` in id order (the subscriptions are locked already, in id
order, by ``renew_batch``), their period invoices with their lines, their MRR ledger rows, and
which subscriptions have usage events since their period began. Plans and tax rates are read
through the unit, which keeps them for the transaction (one query per plan version and one for
the rates, per batch).

**Running**: each subscription's renewal is the one-subscription code itself (``run_in``: the
same engine, MRR trail, invoice issue, history, MRR movements, events, notices) run against a
``StagedUnit`` (``renewal_staging.py``) that answers from what was loaded and keeps every write
in memory, so the two paths cannot drift apart. The usage of a subscription with events is read
with the one-subscription queries (a month of events stays summed by the database), inside a
savepoint so that a failing read leaves the batch's transaction usable.

**Writing** (one or a few statements per table for the whole batch): the renewal keys of the
new invoices checked free in one query, then the invoices and their lines as multi-row inserts,
the subscriptions with one ``UPDATE ... FROM unnest(...)`` (PostgreSQL; SQLite updates row by
row, local calls), the history rows, MRR movements and outbound events as multi-row inserts,
and the jobs with the unit's one insert at commit. The batch numbers the invoices at its end
(``renew_batch``, ``number_issued``: gapless).

**Left to the one-subscription path** (``renew_batch``'s savepoint path, in the same batch and
transaction, after the set-based writes, in id order): a subscription on a test clock; one whose
renewal does anything the staged unit does not hold, found by running it: a credit note or a
refund (a plan change with a credit), a change of the customer's balance (credit applied), a
change of what entitles (the status moves: a trial ends, a cancellation at the period's end
takes effect, a pause begins or ends; or a scheduled plan or quantity change lands), an event
with a dedupe key, an invoice numbered at once; one whose renewal raises (the savepoint path
meets the error again and hands the subscription to its own job); and one whose renewal key
exists already. Every other subscription of such a subscription's customer in the batch goes the
same way, so a customer's MRR ledger rows are written in the order the one-subscription path
writes them.
"""

from __future__ import annotations

import logging
from contextlib import AbstractAsyncContextManager, nullcontext
from dataclasses import dataclass
from datetime import datetime
from typing import cast

from domain.analytics.ledger import LedgerMovement
from domain.billing.config import BillingConfig
from domain.billing.issued import BillingReason
from domain.shared.ids import CustomerId
from domain.subscriptions.lifecycle import run_in
from domain.subscriptions.model import Subscription
from domain.subscriptions.outcome import Outcome
from domain.subscriptions.ports import SubscriptionsUnit
from domain.subscriptions.renewal_staging import Loaded, NotStaged, StagedUnit, Writes

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class Renewed:
    """A subscription renewed by the set-based path (its rows are written)."""

    before: Subscription
    outcome: Outcome


@dataclass(frozen=True, slots=True)
class BulkResult:
    renewed: list[Renewed]  # in batch (id) order
    left: list[Subscription]  # for the one-subscription path, in batch order


async def renew_in_bulk(
    uow: SubscriptionsUnit, due: list[Subscription], *, now: datetime, config: BillingConfig
) -> BulkResult:
    """Renew ``due`` (locked, in id order) set-based inside the caller's transaction, up to
    numbering (see the module); returns what is left to the one-subscription path."""
    loaded = await _load(uow, due)
    batch = Writes()
    staged: list[tuple[Subscription, Outcome, Writes]] = []
    left_customers: set[CustomerId] = set()
    for sub in due:
        if sub.customer_id in left_customers or sub.test_clock_id is not None:
            left_customers.add(sub.customer_id)
            continue
        unit = StagedUnit(uow, loaded, batch)
        # a subscription with usage reads it from the database: a failing read must not abort
        # the batch's transaction (PostgreSQL), so it reads inside a savepoint
        guard: AbstractAsyncContextManager[None] = nullcontext()
        if sub.id in loaded.with_usage:
            guard = uow.savepoint()
        try:
            async with guard:
                outcome = await run_in(
                    cast(SubscriptionsUnit, unit), sub.id, None,
                    reason=BillingReason.SUBSCRIPTION_CYCLE, now=now, config=config,
                    as_customer=None, locked=sub, collect_later=False, number_later=True,
                )  # fmt: skip
        except NotStaged as why:
            log.debug("renewal of %s left to the one-subscription path: %s", sub.id, why)
            left_customers.add(sub.customer_id)
            continue
        except Exception:  # the one-subscription path meets it again and reports it
            left_customers.add(sub.customer_id)
            continue
        batch.extend(unit.writes)
        staged.append((sub, outcome, unit.writes))
    taken = await uow.invoices.existing_cycle_keys(batch.cycle_keys)
    for sub, _, writes in staged:
        if taken.intersection(writes.cycle_keys):
            left_customers.add(sub.customer_id)
    kept = [s for s in staged if s[0].customer_id not in left_customers]
    await _write(uow, [writes for _, _, writes in kept])
    return BulkResult(
        [Renewed(sub, outcome) for sub, outcome, _ in kept],
        [sub for sub in due if sub.customer_id in left_customers],
    )


async def _load(uow: SubscriptionsUnit, due: list[Subscription]) -> Loaded:
    if not due:
        return Loaded({}, {}, {}, set())
    customer_ids = sorted({sub.customer_id for sub in due})
    customers = await uow.customers.get_many(customer_ids, lock=True)
    period_ids = [sub.period_invoice_id for sub in due if sub.period_invoice_id]
    ledger: dict[str, list[LedgerMovement]] = {}
    for row in await uow.mrr_ledger.for_customers(list(customer_ids)):
        ledger.setdefault(row.customer_id, []).append(row)
    earliest = min(sub.period_start for sub in due)
    return Loaded(
        customers={c.id: c for c in customers},
        period_invoices={i.id: i for i in await uow.invoices.get_many(period_ids)},
        ledger=ledger,
        with_usage=await uow.usage.with_events_since([sub.id for sub in due], earliest),
    )


async def _write(uow: SubscriptionsUnit, kept: list[Writes]) -> None:
    everything = Writes()
    for writes in kept:
        everything.extend(writes)
    await uow.invoices.add_many(everything.invoices)
    await uow.subscriptions.save_many(everything.subscriptions)
    await uow.subscription_history.add_many(everything.history)
    if everything.movements:
        await uow.mrr_ledger.append(everything.movements)
    await uow.outbound_events.add_many(everything.events)
    for job in everything.jobs:
        uow.jobs.enqueue(job.name, unique_key=job.unique_key, run_at=job.run_at, **job.kwargs)
