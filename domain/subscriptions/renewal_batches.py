"""The batch renewal (issue 18): one job renews a batch of due subscriptions in one transaction.

The scheduled run (``renewals.enqueue_due_renewals``) enqueues one ``subscriptions.renew_batch``
job per ``BATCH_SIZE`` subscriptions due; runner processes claim those jobs with the queue's
``SKIP LOCKED`` claim, so several processes share a renewal day a batch at a time. The job:

- reads its batch under row locks in one query, in id order (two overlapping batches, from two
  runs of the schedule, wait for each other instead of deadlocking), and skips a subscription
  that is no longer due (another batch, a command or the one-subscription job got there first);
- renews the due subscriptions set-based (``renewal_bulk``: what the batch needs loaded in a few
  queries, each subscription's renewal run in memory by the one-subscription code, everything
  written with a few multi-row statements per table);
- advances each due subscription the set-based path leaves (``renewal_bulk`` says which: a
  test clock, a credit note, a balance or entitlements change, an error...) exactly as the
  one-subscription path does (``run_in``: the same engine, numbering, storing, MRR ledger and
  history), each inside a savepoint, after the set-based writes;
- stores the invoices without numbers and numbers them all at the end (``number_issued``: one
  update of the series row, one of the invoices, then their ``invoice.issued`` events), so the
  series row is locked only from then to the commit instead of for the whole batch: batches in
  other processes (or other runner slots) do all their other work meanwhile. The numbers are
  consecutive and gapless (a subscription rolled back to its savepoint never took one; a
  rollback of the batch gives them all back). A subscription whose renewal also issued a credit
  note (it names its invoice's number) is numbered at once, as the one-subscription path does;
- queues one ``payments.collect_batch`` job for the open invoices the batch issued (instead of a
  collection job per invoice), then commits once.

A subscription whose advance raises is rolled back to its savepoint and handed to the
one-subscription job ``subscriptions.advance`` (the unique key of today's path), which retries
it alone with back-off and shows it as a dead job on the admin's queue if it keeps failing; the
rest of the batch is not held up. A crash before the commit leaves nothing written: the job runs
again (at-least-once) and renews the same subscriptions; a crash after it finds them renewed.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from domain.billing.config import BillingConfig
from domain.billing.issued import COLLECT_BATCH_JOB, BillingReason, IssuedInvoice
from domain.billing.service import number_issued
from domain.jobs.model import JsonValue
from domain.shared.clock import Clock
from domain.shared.ids import SubscriptionId
from domain.subscriptions._engine_store import needs_collection
from domain.subscriptions.lifecycle import run_in
from domain.subscriptions.model import Subscription
from domain.subscriptions.outcome import Outcome
from domain.subscriptions.ports import SubscriptionsUnit
from domain.subscriptions.renewal_bulk import renew_in_bulk
from domain.subscriptions.renewals import ADVANCE_JOB, advance_key

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class BatchReport:
    advanced: int
    skipped: int  # in the batch but not due any more (renewed meanwhile)
    handed_over: tuple[tuple[str, str], ...]  # (subscription id, error): left to its own job
    collecting: tuple[str, ...]  # the open invoices queued for the batch's collection
    set_based: int = 0  # of ``advanced``, those the set-based path renewed


async def renew_batch(
    subscription_ids: list[SubscriptionId],
    *,
    uow: SubscriptionsUnit,
    clock: Clock,
    config: BillingConfig,
    set_based_path: bool = True,
) -> BatchReport:
    """Bill everything due up to now for each subscription of the batch, in one transaction
    (see the module). ``set_based_path`` False: every subscription on the one-subscription path
    (what the set-based path is proved equal to)."""
    now = clock.now()
    advanced = skipped = set_based = 0
    handed_over: list[tuple[str, str]] = []
    collecting: dict[SubscriptionId, list[str]] = {}
    unnumbered: dict[SubscriptionId, list[tuple[IssuedInvoice, str]]] = {}
    async with uow:
        due: list[Subscription] = []
        for sub in await uow.subscriptions.get_many(subscription_ids, lock=True):
            if sub.next_action_at is None or sub.next_action_at > now:
                skipped += 1
            else:
                due.append(sub)
        left = due
        if set_based_path:
            bulk = await renew_in_bulk(uow, due, now=now, config=config)
            for renewed in bulk.renewed:
                advanced += 1
                set_based += 1
                _keep(renewed.before, renewed.outcome, config, unnumbered, collecting)
            left = bulk.left
        for sub in left:
            due_at = sub.next_action_at
            assert due_at is not None
            try:
                async with uow.savepoint():
                    outcome = await run_in(
                        uow, sub.id, None, reason=BillingReason.SUBSCRIPTION_CYCLE, now=now,
                        config=config, as_customer=None, locked=sub, collect_later=False,
                        number_later=True,
                    )  # fmt: skip
            except Exception as exc:  # whatever it was, it must not hold up the batch
                error = f"{type(exc).__name__}: {exc}"
                log.warning("renewal of %s handed to its own job: %s", sub.id, error)
                handed_over.append((sub.id, error))
                uow.jobs.enqueue(
                    ADVANCE_JOB, unique_key=advance_key(sub.id, due_at), subscription_id=sub.id
                )
                continue
            advanced += 1
            _keep(sub, outcome, config, unnumbered, collecting)
        # the batch's invoices numbered at once, in the batch's (id) order whichever path
        # renewed them: the series row is locked from here to the commit only, so other
        # batches do all their work but this beside it
        await number_issued(uow, [i for sub in due for i in unnumbered.get(sub.id, [])])
        collecting_ids = [i for sub in due for i in collecting.get(sub.id, [])]
        if collecting_ids:
            # the invoice ids are new in this transaction: the key is unique to this batch
            uow.jobs.enqueue(
                COLLECT_BATCH_JOB,
                unique_key=f"collect-batch:{collecting_ids[0]}",
                invoice_ids=list[JsonValue](collecting_ids),
            )
        await uow.commit()
    return BatchReport(
        advanced, skipped, tuple(handed_over), tuple(collecting_ids), set_based=set_based
    )


def _keep(
    sub: Subscription,
    outcome: Outcome,
    config: BillingConfig,
    unnumbered: dict[SubscriptionId, list[tuple[IssuedInvoice, str]]],
    collecting: dict[SubscriptionId, list[str]],
) -> None:
    """A renewal's invoices to number and to collect, under its subscription."""
    unnumbered[sub.id] = [
        (i, config.invoice_series(i.invoice.issued_at)) for i in outcome.invoices if not i.number
    ]
    collecting[sub.id] = [i.id for i in outcome.invoices if needs_collection(i, sub)]
