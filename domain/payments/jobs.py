"""The payments' jobs: collecting an invoice or a renewal batch's invoices, and the dunning run (every 15 minutes)."""

from __future__ import annotations

from domain.billing.config import BillingConfig
from domain.billing.issued import COLLECT_BATCH_JOB, INVOICE_SETTLED_JOB
from domain.jobs.context import JobContext
from domain.jobs.registry import JobRegistry
from domain.payments.batch_collection import collect_batch
from domain.payments.ports import PaymentGateway, PaymentsUnit
from domain.payments.refunds import REFUND_JOB, refund_credit_note
from domain.payments.service import COLLECT_JOB, collect_invoice, run_dunning
from domain.payments.settlement import settle_dunning


def build_jobs(config: BillingConfig, gateway: PaymentGateway | None) -> JobRegistry:
    registry = JobRegistry()

    def _gateway() -> PaymentGateway:
        if gateway is None:
            raise RuntimeError("no payment gateway is configured (PAYMENT_GATEWAY)")
        return gateway

    @registry.job(COLLECT_JOB, max_attempts=8, timeout_s=120)
    async def collect_invoice_job(ctx: JobContext[PaymentsUnit], *, invoice_id: str) -> None:
        """Charge an invoice; a gateway timeout (TransientError) retries the same attempt with
        the same idempotency key, so it is never charged twice, and a rerun after its outcome
        was recorded charges nothing (a failure is dunning's to retry)."""
        await collect_invoice(
            invoice_id, uow=ctx.uow, gateway=_gateway(), clock=ctx.clock, config=config,
            scheduled=True,
        )  # fmt: skip

    @registry.job(COLLECT_BATCH_JOB, max_attempts=8, timeout_s=600)
    async def collect_batch_job(ctx: JobContext[PaymentsUnit], *, invoice_ids: list[str]) -> None:
        """Charge a renewal batch's invoices (one transaction before the charges, one after);
        a rerun reuses the pending attempts and their keys, so nothing is charged twice."""
        await collect_batch(
            invoice_ids, uow=ctx.uow, gateway=_gateway(), clock=ctx.clock, config=config
        )

    @registry.job(REFUND_JOB, max_attempts=8, timeout_s=120)
    async def refund_credit_note_job(ctx: JobContext[PaymentsUnit], *, credit_note_id: str) -> None:
        """Send a credit note's refund; retries reuse the refund's idempotency key."""
        await refund_credit_note(credit_note_id, uow=ctx.uow, gateway=_gateway(), clock=ctx.clock)

    @registry.job(INVOICE_SETTLED_JOB, max_attempts=8, timeout_s=60)
    async def invoice_settled_job(ctx: JobContext[PaymentsUnit], *, invoice_id: str) -> None:
        """Billing paid, voided or wrote off an invoice by itself: close its dunning case."""
        await settle_dunning(invoice_id, uow=ctx.uow, clock=ctx.clock, config=config)

    @registry.job("dunning.run", max_attempts=3, timeout_s=900)
    async def dunning_run_job(ctx: JobContext[PaymentsUnit]) -> None:
        await run_dunning(uow=ctx.uow, gateway=_gateway(), clock=ctx.clock, config=config)

    return registry
