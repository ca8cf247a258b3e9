"""Charging a renewal batch's invoices in one job (issue 18): the same three steps as one
invoice's collection (``service``), each done for the whole batch at once.

1. (one transaction) a pending attempt per open invoice, with its idempotency key
   ``<invoice id>:<attempt number>`` (or the pending attempt a crashed run left behind), read
   and written set-based (``charging.prepare_charges``: the invoices, their cases, attempts and
   cards in a few queries, the attempts in one insert); an invoice whose outcome an earlier run
   of the job recorded is skipped (a scheduled charge): a failed charge is dunning's to retry,
   days later, not the rerun's. What needs more (an open dunning case to close) is prepared
   one by one (``charging.prepare_charge``), in a savepoint each;
2. (no transaction) the charges, ``CHARGE_CONCURRENCY`` at a time, each with its attempt's key:
   a rerun of the job after a crash asks again with the same keys and gets the first results,
   so no invoice is ever charged twice;
3. (one transaction) every outcome recorded: the successful charges that only pay their
   invoice (an active subscription, no dunning case) set-based (``bulk_outcomes``), the rest
   (failures and dunning, 3-D Secure, a past-due subscription back to active) one by one
   (``record_outcome``), each in a savepoint.

An invoice whose step raises (an unexpected error recording it, a gateway that timed out) is
rolled back to its savepoint and handed to the one-invoice job ``payments.collect_invoice``,
which reuses its pending attempt (the same key) and retries it alone with back-off; the rest
of the batch is recorded. A bulk step that raises is rolled back to its savepoint and its
invoices go the one-by-one way. A crash between the steps leaves pending attempts: the job runs
again and step 1 reuses them.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import cast

from domain.billing.config import BillingConfig
from domain.payments.bulk_outcomes import Outcome, record_paid_in_bulk
from domain.payments.charging import (
    NO_CARD,
    NothingToCharge,
    PendingCharge,
    PreparedBatch,
    charge_request,
    prepare_charge,
    prepare_charges,
    send_charge,
)
from domain.payments.model import ChargeResult
from domain.payments.ports import BulkChargingGateway, PaymentGateway, PaymentsUnit
from domain.payments.service import COLLECT_JOB, record_outcome
from domain.shared.clock import Clock

log = logging.getLogger(__name__)

CHARGE_CONCURRENCY = 4  # gateway calls in flight at once per batch


@dataclass(frozen=True, slots=True)
class BatchCollection:
    charged: int  # outcomes recorded (paid, declined or waiting for the customer)
    settled: int  # nothing to collect (paid, voided, nothing due, or charged by an earlier run)
    handed_over: tuple[tuple[str, str], ...]  # (invoice id, error): left to its own job


def _hand_over(uow: PaymentsUnit, invoice_id: str, exc: BaseException) -> tuple[str, str]:
    error = f"{type(exc).__name__}: {exc}"
    log.warning("collection of %s handed to its own job: %s", invoice_id, error)
    uow.jobs.enqueue(COLLECT_JOB, unique_key=f"collect:{invoice_id}", invoice_id=invoice_id)
    return invoice_id, error


async def collect_batch(
    invoice_ids: list[str],
    *,
    uow: Callable[[], PaymentsUnit],
    gateway: PaymentGateway,
    clock: Clock,
    config: BillingConfig,
) -> BatchCollection:
    """Charge the open invoices of a renewal batch (see the module)."""
    handed_over: list[tuple[str, str]] = []
    async with uow() as first:
        batch = await _prepare(first, invoice_ids, clock)
        charges = list(batch.charges)
        settled = batch.settled
        for invoice_id in batch.one_by_one:
            try:
                async with first.savepoint():
                    prepared = await prepare_charge(
                        first, invoice_id, now=clock.now(), config=config, scheduled=True
                    )
            except Exception as exc:
                handed_over.append(_hand_over(first, invoice_id, exc))
                continue
            if isinstance(prepared, NothingToCharge):
                settled += 1
            else:
                charges.append(prepared)
        await first.commit()

    bulk = _bulk_charging(gateway)
    if bulk is not None:
        results = await _charge_in_bulk(bulk, charges)
    else:
        results = await _charge_concurrently(gateway, charges)

    outcomes: list[Outcome] = []
    async with uow() as last:
        for pending, result in zip(charges, results, strict=True):
            if isinstance(result, Exception):
                handed_over.append(_hand_over(last, pending.issued.id, result))
            else:
                outcomes.append((pending.attempt, result))
        charged, rest = await _record_in_bulk(last, outcomes, clock)
        for attempt, result in rest:
            try:
                async with last.savepoint():
                    await record_outcome(last, attempt, result, clock.now(), config)
            except Exception as exc:
                handed_over.append(_hand_over(last, attempt.invoice_id, exc))
                continue
            charged += 1
        await last.commit()
    return BatchCollection(charged, settled, tuple(handed_over))


def _bulk_charging(gateway: PaymentGateway) -> BulkChargingGateway | None:
    """The gateway as a ``BulkChargingGateway`` when it has the call. Checked on the object
    (not with ``isinstance``, whose answer is cached per class), so a gateway whose
    ``charge_many`` is switched off (None) is charged one call at a time."""
    if callable(getattr(gateway, "charge_many", None)):
        return cast(BulkChargingGateway, gateway)
    return None


async def _charge_concurrently(
    gateway: PaymentGateway, charges: list[PendingCharge]
) -> list[ChargeResult | Exception]:
    lane = asyncio.Semaphore(CHARGE_CONCURRENCY)

    async def charge(pending: PendingCharge) -> ChargeResult | Exception:
        async with lane:
            try:
                return await send_charge(gateway, pending)
            except Exception as exc:  # the one-invoice job retries it with the same key
                return exc

    return list(await asyncio.gather(*(charge(c) for c in charges)))


async def _charge_in_bulk(
    gateway: BulkChargingGateway, charges: list[PendingCharge]
) -> list[ChargeResult | Exception]:
    """One call for the batch's charges (see ``BulkChargingGateway``); a call that raises
    fails each of them, for its own job to retry with the same key."""
    requests = [charge_request(c) for c in charges]
    sent = [r for r in requests if r is not None]
    answers: list[ChargeResult | Exception]
    try:
        answers = await gateway.charge_many(sent) if sent else []
    except Exception as exc:
        answers = [exc] * len(sent)
    given = iter(answers)
    return [NO_CARD if r is None else next(given) for r in requests]


async def _prepare(uow: PaymentsUnit, invoice_ids: list[str], clock: Clock) -> PreparedBatch:
    """Step 1 in bulk; if it raises (a conflicting attempt, say), nothing of it stays and every
    invoice is prepared one by one, as before it, each in its savepoint."""
    try:
        async with uow.savepoint():
            return await prepare_charges(uow, invoice_ids, now=clock.now())
    except Exception as exc:
        log.warning("batch preparation failed, preparing one by one: %s", exc)
        return PreparedBatch((), 0, tuple(invoice_ids))


async def _record_in_bulk(
    uow: PaymentsUnit, outcomes: list[Outcome], clock: Clock
) -> tuple[int, list[Outcome]]:
    """Step 3's common case in bulk; if it raises, nothing of it stays and every outcome is
    recorded one by one."""
    try:
        async with uow.savepoint():
            return await record_paid_in_bulk(uow, outcomes, clock.now())
    except Exception as exc:
        log.warning("recording the batch in bulk failed, recording one by one: %s", exc)
        return 0, outcomes
