"""The renewal run's throughput: renewal invoices and charges per second through the job runner.

For each backend (a SQLite file, a fresh PostgreSQL database), N monthly subscriptions due at one
instant are set up: one customer is made through the use cases (a sandbox card 4242..., a
subscription, its first invoice issued and charged), then its rows are copied N - 1 times with
fresh ids (customer, sandbox customer and card, saved card, subscription, first invoice and its
lines, payment attempt, sandbox charge), straight into the tables, in batches. Then a ``JobRunner``
in this process, on a ``FrozenClock`` at the renewal instant, runs ``subscriptions.renew_due``
and the ``payments.collect_invoice`` jobs it enqueues, charging through the ``SandboxGateway``,
until the queue is empty. The registry holds the subscription and payment jobs only, and no-ops
for the receipt notices the charges queue (``notifications.notify_many`` for a batch's receipts,
``notifications.notify`` for one recorded one by one; no e-mails composed); no PDF job: the
renewal path queues none (PDFs render on their first download), and one queued would go dead.
With ``--receipts compose`` the notice jobs run for real instead: every receipt is composed with
the app's e-mail templates and written to the outbox (its delivery job a no-op: no mail server),
and the run checks one receipt per subscription in the outbox.

Figures: renewal invoices per second (N over the time until ``renew_due`` and the batch jobs it
fans out to finished) and charges per second (N over the time until the last collection
finished); both clocks start when the runner starts, and ``seconds`` is the latter time. The
baseline (``bench/renewal_baseline.py``), measured in the same run on the same database, is the
bare cost of writing the invoice and payment rows a renewal writes: per subscription, one
transaction of plain ``INSERT`` statements (invoice, its lines, payment attempt, the gateway's
payment). The ratios (invoices/s ÷ baseline/s, charges/s ÷ baseline/s) are what survives a
noisy machine. Each run is checked afterwards (``bench/renewal_run_checks.py``: one paid renewal
invoice and one succeeded charge per subscription, no dead job, gapless numbers); a broken check
ends the bench with a non-zero exit.

The output ends with one line per size (``bench/renewal_lines.py``; PostgreSQL's figures when
measured, else SQLite's), preceded by ``statements:`` lines (``--count-statements``) and
``silver:`` lines (``--silver``: django-silver's billing run at the same size, on the same
PostgreSQL server, in the same run; ``bench/silver_peer.py``)::

    renewal: n=<N> seconds=<s> invoices_per_s=<x> charges_per_s=<y> baseline_per_s=<b> ratio=<x/b>

    python -m bench.renewal_run [--sizes 10000] [--pg-url postgresql://...] [--no-sqlite]
    python -m bench.renewal_run --sizes 1000 --sqlite-concurrency 1   # SQLite, one runner slot
    python -m bench.renewal_run --pg-url postgresql://... --sizes 1000 --no-sqlite --silver \
        --count-statements
    python -m bench.renewal_run --pg-url postgresql://... --sizes 10000 100000 --no-sqlite  # long
    python -m bench.renewal_run --pg-url postgresql://... --sizes 10000 --no-sqlite \
        --receipts compose   # the receipts composed and written to the outbox too
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
import tempfile
import time
import uuid
from collections import Counter
from collections.abc import Callable
from contextlib import AbstractContextManager, nullcontext
from dataclasses import asdict, dataclass, field
from datetime import datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

from piccolo.engine.base import Engine
from piccolo.engine.postgres import PostgresEngine
from piccolo.table import Table

from bench.job_throughput import _drop_pg_database, _fresh_pg_database
from bench.renewal_baseline import baseline_minimal, baseline_rows
from bench.renewal_lines import RenewalLine, SilverLine, closing_lines, statements_line
from bench.renewal_run_checks import RunCheckFailed, check_receipts, check_run
from bench.silver_peer import PeerUnavailable, SilverPeer
from bench.statement_count import counting, labelled, not_counted
from domain.adapters.db.engine import close_pool, make_engine, start_pool
from domain.adapters.db.job_store import PiccoloJobStore
from domain.adapters.db.migrate import apply_migrations
from domain.adapters.db.tables import (
    CustomerTable,
    InvoiceLineTable,
    InvoiceSeriesTable,
    InvoiceTable,
    JobTable,
    PaymentAttemptTable,
    PaymentMethodTable,
    SandboxCardTable,
    SandboxCustomerTable,
    SandboxPaymentTable,
    SubscriptionTable,
    bind_tables,
)
from domain.adapters.db.transactions import write_transaction
from domain.adapters.db.uow import PiccoloUnitOfWork
from domain.adapters.mail_templates import JinjaEmailRenderer
from domain.adapters.payments.sandbox import SandboxGateway
from domain.billing.config import BillingConfig
from domain.catalog.model import Plan, PlanPrice
from domain.customers.service import create_customer
from domain.jobs.context import JobContext
from domain.jobs.model import JobStatus
from domain.jobs.registry import JobRegistry
from domain.jobs.runner import JobRunner
from domain.notices import jobs as notice_jobs
from domain.notifications.service import SEND_JOB
from domain.payments import jobs as payment_jobs
from domain.payments import service as payments
from domain.pricing.model import Charge, ChargeModel
from domain.shared.clock import FrozenClock
from domain.shared.ids import PlanId
from domain.shared.money import Currency
from domain.shared.periods import Interval, IntervalUnit, utc
from domain.subscriptions import jobs as subscription_jobs
from domain.subscriptions.subscribing import subscribe

START = utc(2025, 1, 15, 9)
RENEWAL = utc(2025, 2, 15, 9)  # START's period end: every subscription is due then
CONFIG = BillingConfig()
BATCH = 500  # copies per INSERT (PostgreSQL allows 32,767 parameters per statement)
# how often the bench looks at the queue: counting a queue of hundreds of thousands of jobs is
# itself work, so looking too often slows what is measured
POLL_S = 1.0
CONCURRENCY = 8
TEAM = Plan(
    id=PlanId("bench-team"),
    code="team",
    name="Team",
    description="",
    interval=Interval(IntervalUnit.MONTH, 1),
    prices=(
        PlanPrice(
            Currency.of("USD"),
            (
                Charge(ChargeModel.FLAT, amount_minor=3000),
                Charge(ChargeModel.PER_UNIT, unit_minor=Decimal(1000)),
            ),
        ),
    ),
)
# the rows one subscribed customer owns, in an order that satisfies the foreign keys
CLONED: tuple[type[Table], ...] = (
    CustomerTable,
    SandboxCustomerTable,
    SandboxCardTable,
    PaymentMethodTable,
    InvoiceTable,
    InvoiceLineTable,
    SubscriptionTable,
    PaymentAttemptTable,
    SandboxPaymentTable,
)


@dataclass
class Result:
    backend: str
    subscriptions: int
    setup_s: float
    seconds: float  # the run: from the runner's start to the last charge recorded
    invoices_per_s: float
    charges_per_s: float
    baseline_per_s: float
    invoices_vs_baseline: float
    charges_vs_baseline: float
    renew_attempts: int  # 1 unless the renewal job timed out (900 s) and was retried
    statements: dict[str, int] = field(default_factory=dict)  # by kind, --count-statements
    renewal_statements: dict[str, int] = field(default_factory=dict)  # the renewal jobs' share


RENEWAL_JOBS = ("subscriptions.renew_due", "subscriptions.renew_batch")


def _labelled(fn: Callable[..., Any]) -> Callable[..., Any]:
    async def renewal_job(ctx: JobContext, **kwargs: Any) -> Any:
        with labelled("renewal"):
            return await fn(ctx, **kwargs)

    return renewal_job


def _registry(gateway: SandboxGateway, receipts: str = "skip") -> JobRegistry:
    """Renewals and charges for real; the receipts the charges also enqueue are left out of the
    measurement (``receipts="skip"``): their jobs are registered (so enqueueing them is counted)
    but do nothing here. ``"compose"``: the notice jobs for real, delivery a no-op."""
    real = JobRegistry()
    real.merge(subscription_jobs.build_jobs(CONFIG))
    real.merge(payment_jobs.build_jobs(CONFIG, gateway))
    registry = JobRegistry()
    for d in real:  # the renewal jobs' statements counted apart too (--count-statements)
        fn = _labelled(d.fn) if d.name in RENEWAL_JOBS else d.fn
        registry.job(d.name, max_attempts=d.max_attempts, timeout_s=d.timeout_s)(fn)
    excluded = JobRegistry()
    if receipts == "compose":
        registry.merge(
            notice_jobs.build_jobs(
                renderer=JinjaEmailRenderer(
                    brand_name="Tessera", default_locale="en_US", default_timezone="UTC"
                ),
                config=CONFIG,
            )
        )

        @excluded.job(SEND_JOB)
        async def not_delivered(ctx: JobContext, **kwargs: object) -> None:
            return None

        registry.merge(excluded)
        return registry

    @excluded.job("notifications.notify")
    async def no_notice(ctx: JobContext, **kwargs: object) -> None:
        return None

    @excluded.job("notifications.notify_many")  # a set-based batch's receipts, one job
    async def no_notices(ctx: JobContext, **kwargs: object) -> None:
        return None

    registry.merge(excluded)
    return registry


# -- setup ------------------------------------------------------------------------------------
async def _template(engine: Engine, start: datetime = START) -> None:
    """One customer with a card and a subscription whose first invoice is paid, by use case,
    subscribed at ``start`` (its renewal is due a month later)."""
    clock = FrozenClock(start)
    gateway = SandboxGateway(engine)
    registry = _registry(gateway)

    def uow() -> PiccoloUnitOfWork:
        return PiccoloUnitOfWork(engine, clock=clock, registry=registry)

    async with uow() as setup:
        await setup.plans.add(TEAM)
        await setup.commit()
    customer = await create_customer(
        email="bench-0@example.test", name="Bench", currency="USD", country="US",
        uow=uow(), clock=clock,
    )  # fmt: skip
    token = await gateway.tokenize_card(
        number="4242424242424242", exp_month=12, exp_year=2030, cvc="123"
    )
    await payments.add_payment_method(customer.id, token, uow=uow, gateway=gateway, clock=clock)
    outcome = await subscribe(customer.id, "team", uow=uow(), clock=clock, config=CONFIG)
    [first] = outcome.invoices
    paid = await payments.collect_invoice(
        first.id, uow=uow, gateway=gateway, clock=clock, config=CONFIG
    )
    assert paid.invoice.status == "paid"
    await JobTable.delete(force=True)  # its collection job: done above


def _fresh(value: str, k: int) -> str:
    """A new identifier shaped like ``value`` for copy ``k``."""
    if "@" in value:
        return value.replace("bench-0@", f"bench-{k}@")
    if "_" in value:  # a gateway reference: pm_..., cus_..., tok_..., pi_...
        prefix, _, rest = value.partition("_")
        return f"{prefix}_{uuid.uuid4().hex[: len(rest)]}"
    return str(uuid.uuid4())


async def _clone(engine: Engine, n: int) -> None:
    """Copy the template's rows ``n - 1`` times, every identifier replaced."""
    rows = {table: await table.select() for table in CLONED}
    [invoice] = rows[InvoiceTable]
    number: str = invoice["number"]
    prefix = number.rstrip("0123456789")
    width = len(number) - len(prefix)
    # every identifier the template's rows hold: primary keys, gateway references, the e-mail
    keys: set[str] = {str(r[t._meta.primary_key._meta.name]) for t in CLONED for r in rows[t]}
    keys.add(rows[CustomerTable][0]["email"])
    keys |= {str(r["gateway_customer"]) for r in rows[PaymentMethodTable]}
    keys |= {str(r["method_ref"]) for r in rows[PaymentMethodTable]}
    keys.add(number)
    # per table and column: the identifiers it holds (most columns hold none)
    plans: dict[type[Table], list[tuple[str, list[str]]]] = {}
    for table in CLONED:
        plans[table] = []
        for row in rows[table]:
            for column, value in row.items():
                if isinstance(value, str):
                    found = [key for key in keys if key in value]
                    if found:
                        plans[table].append((column, found))

    def copy(row: dict[str, Any], table: type[Table], fresh: Callable[[str], str]) -> Table:
        data = dict(row)
        for column, found in plans[table]:
            value = data[column]
            if isinstance(value, str):
                for key in found:
                    value = value.replace(key, fresh(key))
                data[column] = value
        return table(**data)

    for first in range(1, n, BATCH):
        batch: dict[type[Table], list[Table]] = {table: [] for table in CLONED}
        for k in range(first, min(first + BATCH, n)):
            mapping = {key: _fresh(key, k) for key in keys}
            mapping[number] = f"{prefix}{k + 1:0{width}d}"
            for table in CLONED:
                for row in rows[table]:
                    batch[table].append(copy(row, table, mapping.__getitem__))
        async with write_transaction(engine):
            for table in CLONED:
                if batch[table]:
                    await table.insert(*batch[table])
    await InvoiceSeriesTable.update({InvoiceSeriesTable.next_number: n + 1}).where(
        InvoiceSeriesTable.prefix == prefix
    )


# -- the run ----------------------------------------------------------------------------------
async def _renewal_run(
    engine: Engine, n: int, concurrency: int, receipts: str = "skip"
) -> tuple[float, float, float, int]:
    """(invoices/s, charges/s, seconds until the queue was empty, renew_due attempts)."""
    clock = FrozenClock(RENEWAL)
    gateway = SandboxGateway(engine)
    registry = _registry(gateway, receipts)
    store = PiccoloJobStore(engine)
    await store.add([registry.get("subscriptions.renew_due").new({}, now=RENEWAL)])
    runner = JobRunner(
        store=store,
        registry=registry,
        clock=clock,
        uow_factory=lambda: PiccoloUnitOfWork(engine, clock=clock, registry=registry),
        concurrency=concurrency,
        poll_interval_s=0.01,
        schedule=(),
    )
    renewed_at: float | None = None
    attempts = 0
    started = time.perf_counter()
    await runner.start()
    try:
        # the runner's tasks exist now and keep counting; this task's polling of the queue does not
        with not_counted():
            while True:
                await asyncio.sleep(POLL_S)
                if renewed_at is None:
                    [renewal] = await JobTable.select(
                        JobTable.status, JobTable.attempts, JobTable.run_at, JobTable.last_error
                    ).where(JobTable.name == "subscriptions.renew_due")
                    pending_advances = await JobTable.count().where(
                        JobTable.name.is_in(["subscriptions.renew_batch", "subscriptions.advance"])
                        & JobTable.status.is_in([JobStatus.QUEUED, JobStatus.RUNNING])
                    )
                    if renewal["status"] == JobStatus.SUCCEEDED and not pending_advances:
                        # the run fanned out batch jobs (and a batch hands a subscription it could
                        # not renew to its own advance job): all done
                        renewed_at = time.perf_counter()
                        attempts = int(renewal["attempts"])
                    elif renewal["status"] == JobStatus.DEAD:
                        raise RuntimeError(f"the renewal run died: {renewal['last_error']}")
                    elif renewal["status"] == JobStatus.QUEUED and renewal["run_at"] > clock.now():
                        # it failed (a timeout, most likely) and waits for its back-off: move the
                        # frozen clock there, as real time would, so the retry resumes the run
                        print(
                            f"renew_due attempt {renewal['attempts']} failed"
                            f" ({str(renewal['last_error']).splitlines()[0]}); resuming",
                            file=sys.stderr,
                        )
                        clock.set(renewal["run_at"])
                counts = await store.counts()
                if (
                    renewed_at is not None
                    and not counts[JobStatus.QUEUED] + counts[JobStatus.RUNNING]
                ):
                    break
    finally:
        await runner.stop()
    seconds = time.perf_counter() - started
    return n / (renewed_at - started), n / seconds, seconds, attempts


async def _measure(
    backend: str,
    url: str,
    n: int,
    concurrency: int = CONCURRENCY,
    *,
    baseline_kind: str = "rows",
    count_statements: bool = False,
    receipts: str = "skip",
) -> Result:
    engine = make_engine(url)
    bind_tables(engine)
    await apply_migrations(engine, quiet=True)
    await start_pool(engine, max_size=concurrency + 2)
    try:
        started = time.perf_counter()
        await _template(engine)
        setup_s = time.perf_counter() - started
        if baseline_kind == "rows":
            baseline = await baseline_rows(engine, n, RENEWAL)
        else:
            baseline = await baseline_minimal(engine, n, RENEWAL)
        started = time.perf_counter()
        await _clone(engine, n)
        setup_s += time.perf_counter() - started
        # statements counted at the driver (asyncpg: PostgreSQL only), the run only
        by_label: dict[str, Counter[str]] = {}
        scope: AbstractContextManager[Counter[str]] = (
            counting(by_label) if count_statements and isinstance(engine, PostgresEngine)
            else nullcontext(Counter())
        )  # fmt: skip
        with scope as counts:
            invoices_per_s, charges_per_s, seconds, attempts = await _renewal_run(
                engine, n, concurrency, receipts
            )
            statements = dict(counts)
        await check_run(n, RENEWAL)
        if receipts == "compose":
            await check_receipts(n, RENEWAL)
        # the ratios of the rounded rates: the same as the closing line's
        invoices, charges, base = (round(x, 1) for x in (invoices_per_s, charges_per_s, baseline))
        return Result(
            backend=backend,
            subscriptions=n,
            setup_s=round(setup_s, 1),
            seconds=round(seconds, 1),
            invoices_per_s=invoices,
            charges_per_s=charges,
            baseline_per_s=base,
            invoices_vs_baseline=round(invoices / base, 3),
            charges_vs_baseline=round(charges / base, 3),
            renew_attempts=attempts,
            statements=statements,
            renewal_statements=dict(by_label.get("renewal", {})),
        )
    finally:
        await close_pool(engine)


def _sizes(values: list[str]) -> list[int]:
    """``--sizes 10000 100000`` or ``--sizes 10000,100000``."""
    return [int(s) for v in values for s in v.split(",") if s.strip()]


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawTextHelpFormatter
    )
    parser.add_argument(
        "--sizes",
        nargs="+",
        default=["10000"],
        help="subscription counts, space- or comma-separated (100000 takes long: see"
        " docs/benchmarks.md)",
    )
    parser.add_argument(
        "--pg-url", default="", help="PostgreSQL server (a scratch database per size is created)"
    )
    parser.add_argument("--no-sqlite", action="store_true", help="PostgreSQL only")
    parser.add_argument(
        "--sqlite-concurrency",
        type=int,
        default=CONCURRENCY,
        help="runner slots on SQLite (default 8; it has one writer, so slots wait on each other)",
    )
    parser.add_argument(
        "--baseline",
        choices=("rows", "minimal"),
        default="rows",
        help="rows (default): per subscription, one transaction inserting the invoice, its"
        " lines, the payment attempt and the gateway's payment a renewal writes; minimal: one"
        " bare invoice row and one payment row (the baseline before 2026-12-07)",
    )
    parser.add_argument(
        "--silver",
        nargs="?",
        const="required",
        choices=("required", "auto"),
        help="also time django-silver's billing run at each size on the PostgreSQL server"
        " (needs --pg-url); 'auto' skips it with a message when the peer cannot be set up",
    )
    parser.add_argument(
        "--silver-dir",
        default=None,
        help="folder with the peer's manage.py, settings and silver_bench.py (default: the"
        " shared folder beside the checkout, shared/peers/silver)",
    )
    parser.add_argument(
        "--receipts",
        choices=("skip", "compose"),
        default="skip",
        help="skip (default): the receipt notice jobs are no-ops; compose: they run for real"
        " (every receipt rendered and written to the outbox; delivery a no-op)",
    )
    parser.add_argument(
        "--count-statements",
        action="store_true",
        help="count the SQL statements per renewed subscription on PostgreSQL (at the driver)",
    )
    return parser


async def _silver_peer(args: argparse.Namespace) -> SilverPeer | None:
    """The peer set up, or None (``--silver auto`` when it cannot be, said on stderr)."""
    if not args.silver:
        return None
    try:
        if not args.pg_url:
            raise PeerUnavailable("it runs on PostgreSQL: give --pg-url")
        peer = SilverPeer(args.pg_url, args.silver_dir)
        await peer.start()
        return peer
    except PeerUnavailable as exc:
        if args.silver == "auto":
            print(f"silver: skipped, the peer cannot be set up here: {exc}", file=sys.stderr)
            return None
        raise


async def main(argv: list[str] | None = None) -> list[Result]:
    args = _parser().parse_args(argv)
    sizes = _sizes(args.sizes)
    options = {"baseline_kind": args.baseline, "receipts": args.receipts}
    peer = await _silver_peer(args)
    results: list[Result] = []
    silver: list[SilverLine] = []
    try:
        for n in sizes:
            if not args.no_sqlite:
                with tempfile.TemporaryDirectory() as tmp:
                    url = f"sqlite:///{Path(tmp) / 'b.db'}"
                    results.append(
                        await _measure("sqlite", url, n, args.sqlite_concurrency, **options)
                    )
                    _progress(f"measured {asdict(results[-1])}")
            if args.pg_url:
                url, name = await _fresh_pg_database(args.pg_url)
                try:
                    results.append(
                        await _measure(
                            "postgres", url, n, count_statements=args.count_statements, **options
                        )
                    )
                finally:
                    await _drop_pg_database(args.pg_url, name)
                _progress(f"measured {asdict(results[-1])}")
            if peer is not None:
                run = peer.run(n)
                ours = results[-1].invoices_per_s
                silver.append(SilverLine(n, run.seconds[run.best], run.invoices_per_s, ours))
                _progress(f"silver n={n} docs={run.docs} seconds={run.seconds}")
    finally:
        if peer is not None:
            await peer.stop()
    _print_table(results)
    print(json.dumps([asdict(r) for r in results]), file=sys.stderr, flush=True)
    for line in closing_lines(_renewal_lines(results), silver, _statement_lines(results)):
        print(line)
    return results


def _progress(text: str) -> None:
    """Each figure as soon as it is measured (stderr): a long run stopped early keeps them."""
    print(f"{time.strftime('%H:%M:%S', time.gmtime())} UTC {text}", file=sys.stderr, flush=True)


def _renewal_lines(results: list[Result]) -> list[RenewalLine]:
    """One per size: PostgreSQL's figures when it was measured, else SQLite's."""
    pg = [r for r in results if r.backend == "postgres"]
    return [
        RenewalLine(r.subscriptions, r.seconds, r.invoices_per_s, r.charges_per_s, r.baseline_per_s)
        for r in (pg or results)
    ]


def _statement_lines(results: list[Result]) -> list[str]:
    lines = []
    for r in results:
        if r.statements:
            lines.append(statements_line(r.subscriptions, r.statements))
        if r.renewal_statements:  # the renewal jobs alone (renew_due and its batches)
            line = statements_line(r.subscriptions, r.renewal_statements)
            lines.append(line.replace("statements:", "statements (renewal jobs):", 1))
    return lines


def _print_table(results: list[Result]) -> None:
    print(
        f"{'backend':9} {'subs':>7} {'setup s':>8} {'seconds':>8} {'invoices/s':>10}"
        f" {'charges/s':>10} {'baseline/s':>10} {'inv/base':>9} {'chg/base':>9}"
        f" {'renew attempts':>14}"
    )
    for r in results:
        print(
            f"{r.backend:9} {r.subscriptions:>7} {r.setup_s:>8} {r.seconds:>8}"
            f" {r.invoices_per_s:>10} {r.charges_per_s:>10} {r.baseline_per_s:>10}"
            f" {r.invoices_vs_baseline:>9} {r.charges_vs_baseline:>9} {r.renew_attempts:>14}"
        )


if __name__ == "__main__":
    try:
        asyncio.run(main())
    except (RunCheckFailed, PeerUnavailable) as exc:
        sys.exit(f"renewal run FAILED: {exc}")
