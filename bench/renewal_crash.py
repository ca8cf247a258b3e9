"""The renewal day under crashes (issue 18): real runner processes renew and charge N due
subscriptions on PostgreSQL while things go wrong, then everything that must hold is checked.

    python -m bench.renewal_crash --pg-url postgresql://postgres@127.0.0.1:5432/postgres \\
        --subscriptions 10000 [--scenario kill|two-runners|failing-gateway|all]

Per scenario: a fresh database on that server (dropped afterwards unless ``--keep``), N monthly
subscriptions due now, seeded as ``bench/renewal_run.py`` seeds them (one customer with a
sandbox card made through the use cases, its rows copied N - 1 times), subscribed a month and a
day ago so they are due on the system clock; then ``--runners`` runner processes
(``bench/renewal_crash_worker.py``, built as ``python -m web.cli worker`` builds its runner, on
the system clock) start, and the schedule's renewal tick starts the day. Scenarios:

- ``kill``: ``--kills`` times, the harness waits until a runner holds a claimed
  ``subscriptions.renew_batch`` (then a ``payments.collect_batch``, alternately) job and has a
  transaction open (``pg_stat_activity``, by the runner's ``application_name``), lets it run a
  random moment more, SIGKILLs that runner and starts a new one in its place;
- ``two-runners``: two runner processes share the day, nothing else;
- ``failing-gateway``: the sandbox gateway fails ``--failure-rate`` (20%) of the charges
  (``SANDBOX_FAILURE_RATE``, the app's setting: a processing error, which dunning retries on its
  schedule).

The day is done when the schedule's renewal run ran, no subscription is due, no renewal batch
or collection job is queued or running and no payment attempt is pending (the receipts' notice
jobs, no-ops here, may still be queued: the queue has no priorities, so a later tick of the
renewal run waits behind them, and is not waited for); the runners are then stopped (SIGTERM) and the database is
checked (``bench/renewal_crash_checks.py``). One line per scenario, then exit status 1 if any
check failed:

    crash: scenario=<s> n=<N> runners=<r> seconds=<t> invoices=<i> paid=<p> failed=<f>
      succeeded_charges=<c> dunning=<d> kills=<k> reclaimed_jobs=<j> problems=<count> result=ok

A killed runner's claimed job is taken again when its lease runs out: the job's timeout plus a
margin, 630 s for the batch jobs in the product. The harness shortens it by configuration of its
runners: ``--job-timeout`` (120 s) for the renewal and batch jobs, ``--lease-margin`` (5 s).
"""

from __future__ import annotations

import argparse
import asyncio
import math
import os
import random
import signal
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

from piccolo.engine.base import Engine

from bench.job_throughput import _drop_pg_database, _fresh_pg_database
from bench.renewal_crash_checks import BILLING_JOBS, DayReport, check_day
from bench.renewal_run import _clone, _template
from domain.adapters.db.engine import close_pool, make_engine, start_pool
from domain.adapters.db.migrate import apply_migrations
from domain.adapters.db.tables import JobTable, bind_tables
from domain.payments.dunning import DunningPolicy

ROOT = Path(__file__).resolve().parents[1]
SCENARIOS = ("kill", "two-runners", "failing-gateway")
KILLED_JOBS = ("subscriptions.renew_batch", "payments.collect_batch")


@dataclass
class Options:
    subscriptions: int
    runners: int = 2
    concurrency: int = 4
    kills: int = 4
    failure_rate: float = 0.2
    job_timeout_s: int = 120
    lease_margin_s: float = 5.0
    timeout_s: float = 3600.0
    seed: int | None = None
    log_dir: Path | None = None
    # the harness's hook, never the product's: each renewal batch pauses this long inside its
    # transaction (``CRASH_PAUSE_IN_BATCH_S``, read by the worker), so a kill lands with it open
    # even when the set-based batch is done in a blink
    pause_in_batch_s: float = 0.0


@dataclass
class Outcome:
    scenario: str
    subscriptions: int
    runners: int
    setup_s: float
    seconds: float
    renewal: datetime  # the instant the subscriptions were due
    kills: list[str] = field(default_factory=list)  # "<job name> <job id> tx_open=<bool>"
    report: DayReport = field(default_factory=DayReport)

    @property
    def ok(self) -> bool:
        return not self.report.problems

    def line(self) -> str:
        r = self.report
        return (
            f"crash: scenario={self.scenario} n={self.subscriptions} runners={self.runners}"
            f" seconds={self.seconds:.1f} invoices={r.invoices} paid={r.paid} failed={r.failed}"
            f" succeeded_charges={r.succeeded_charges} dunning={r.dunning_cases}"
            f" kills={len(self.kills)} reclaimed_jobs={r.reclaimed_jobs}"
            f" problems={len(r.problems)} result={'ok' if self.ok else 'FAILED'}"
        )


# -- runner processes ---------------------------------------------------------------------------
class Runners:
    """The runner processes, one per slot; each connects as ``crash-runner-<slot>``."""

    def __init__(self, url: str, options: Options, failure_rate: float, log_dir: Path) -> None:
        self.url = url
        self.options = options
        self.failure_rate = failure_rate
        self.log_dir = log_dir
        self.run_log = log_dir / "runs.log"
        self.procs: dict[int, subprocess.Popen[str]] = {}

    def app_name(self, slot: int) -> str:
        return f"crash-runner-{slot}"

    def start(self, slot: int) -> None:
        joiner = "&" if "?" in self.url else "?"
        env = {
            **os.environ,
            "DATABASE_URL": f"{self.url}{joiner}application_name={self.app_name(slot)}",
            "PAYMENT_GATEWAY": "sandbox",
            "SANDBOX_FAILURE_RATE": str(self.failure_rate),
            "APP_JOBS_CONCURRENCY": str(self.options.concurrency),
            "APP_JOBS_POLL_INTERVAL": "0.1",
            "APP_DB_POOL_SIZE": str(self.options.concurrency + 2),
            "APP_LOG_LEVEL": "WARNING",
            "CRASH_JOB_TIMEOUT_S": str(self.options.job_timeout_s),
            "CRASH_LEASE_MARGIN_S": str(self.options.lease_margin_s),
            "RUN_LOG": str(self.run_log),
            "CRASH_PAUSE_IN_BATCH_S": str(self.options.pause_in_batch_s),
        }
        stderr = open(self.log_dir / f"runner-{slot}.log", "a", encoding="utf-8")  # noqa: SIM115
        proc = subprocess.Popen(
            [sys.executable, "-m", "bench.renewal_crash_worker"],
            cwd=ROOT,
            env=env,
            stdout=subprocess.PIPE,
            stderr=stderr,
            text=True,
        )
        stderr.close()
        assert proc.stdout is not None
        line = proc.stdout.readline().strip()
        if line != "ready":
            proc.kill()
            raise RuntimeError(f"runner {slot} did not start (see {self.log_dir})")
        self.procs[slot] = proc

    def slot_of(self, locked_by: str | None) -> int | None:
        """The slot whose live process holds a lease (worker ids are ``host:pid:hex``)."""
        parts = (locked_by or "").split(":")
        if len(parts) < 3:
            return None
        for slot, proc in self.procs.items():
            if str(proc.pid) == parts[-2] and proc.poll() is None:
                return slot
        return None

    def kill(self, slot: int) -> None:
        proc = self.procs[slot]
        proc.send_signal(signal.SIGKILL)
        proc.wait()

    def crashed(self) -> list[int]:
        return [s for s, p in self.procs.items() if p.poll() is not None]

    def stop(self) -> list[int]:
        """SIGTERM to all, then wait: their exit statuses."""
        for proc in self.procs.values():
            if proc.poll() is None:
                proc.send_signal(signal.SIGTERM)
        codes = []
        for proc in self.procs.values():
            try:
                codes.append(proc.wait(timeout=60))
            except subprocess.TimeoutExpired:
                proc.kill()
                codes.append(proc.wait())
        return codes


# -- the day ------------------------------------------------------------------------------------
async def _count(sql: str, *args: object) -> int:
    [row] = await JobTable.raw(sql, *args)
    return int(next(iter(row.values())) or 0)


async def _done(renewal: datetime) -> bool:
    names = ", ".join(f"'{n}'" for n in BILLING_JOBS)
    if await _count("SELECT count(*) FROM job WHERE status = 'dead'"):
        return True  # nothing will move it: stop and report
    renew_due = await _count(
        "SELECT count(*) FROM job WHERE name = 'subscriptions.renew_due' AND status = 'succeeded'"
    )
    return (
        renew_due > 0
        and not await _count(
            "SELECT count(*) FROM subscription WHERE next_action_at <= {}", renewal
        )
        and not await _count(
            f"SELECT count(*) FROM job WHERE status IN ('queued', 'running') AND name IN ({names})"
        )
        and not await _count("SELECT count(*) FROM payment_attempt WHERE status = 'pending'")
    )


async def _transaction_open(app_name: str) -> bool:
    return bool(
        await _count(
            "SELECT count(*) FROM pg_stat_activity WHERE application_name = {}"
            " AND xact_start IS NOT NULL AND state <> 'idle'",
            app_name,
        )
    )


async def _kill_mid_batch(
    runners: Runners, job_name: str, rng: random.Random, deadline: float
) -> str | None:
    """Wait for a runner holding ``job_name`` with a transaction open, then SIGKILL it a random
    moment later and start another in its slot. None when no such job came (the day is over)."""
    while time.perf_counter() < deadline:
        held = await JobTable.raw(
            "SELECT id, locked_by FROM job WHERE status = 'running' AND name = {}", job_name
        )
        live = [(j["id"], runners.slot_of(j["locked_by"])) for j in held]
        live = [(job_id, slot) for job_id, slot in live if slot is not None]
        if live:
            job_id, slot = rng.choice(live)
            assert slot is not None
            if await _transaction_open(runners.app_name(slot)):
                await asyncio.sleep(rng.uniform(0.0, 0.5))
                tx_open = await _transaction_open(runners.app_name(slot))
                runners.kill(slot)
                await asyncio.to_thread(runners.start, slot)
                return f"{job_name} {job_id} tx_open={tx_open}"
        elif not await _count(
            "SELECT count(*) FROM job WHERE status IN ('queued', 'running') AND name IN ({}, {})",
            *KILLED_JOBS,
        ) and await _count(
            "SELECT count(*) FROM job WHERE name = 'subscriptions.renew_due'"
            " AND status = 'succeeded'"
        ):
            return None
        await asyncio.sleep(0.05)
    return None


async def run_day(
    url: str, scenario: str, options: Options, *, renewal: datetime, log_dir: Path
) -> tuple[float, list[str], list[int]]:
    """Run the renewal day of ``scenario`` on the seeded database at ``url``: its seconds, the
    kills made and the runners' exit statuses. Raises if it does not finish in time."""
    failure_rate = options.failure_rate if scenario == "failing-gateway" else 0.0
    runners = Runners(url, options, failure_rate, log_dir)
    rng = random.Random(options.seed)
    kills: list[str] = []
    started = time.perf_counter()
    deadline = started + options.timeout_s
    for slot in range(options.runners):
        await asyncio.to_thread(runners.start, slot)
    codes: list[int] = []
    try:
        if scenario == "kill":
            for k in range(options.kills):
                kill = await _kill_mid_batch(runners, KILLED_JOBS[k % 2], rng, deadline)
                if kill is None:
                    break
                kills.append(kill)
                print(f"  killed a runner holding {kill}", file=sys.stderr)
        while not await _done(renewal):
            if time.perf_counter() > deadline:
                raise TimeoutError(f"the renewal day did not finish in {options.timeout_s:.0f} s")
            if crashed := runners.crashed():
                raise RuntimeError(f"runner(s) {crashed} exited by themselves (see {log_dir})")
            await asyncio.sleep(0.5)
        seconds = time.perf_counter() - started
    finally:
        codes = runners.stop()
    return seconds, kills, codes


async def seed(engine: Engine, n: int, now: datetime) -> datetime:
    """Migrate, then seed ``n`` subscriptions due now (subscribed 31 days and an hour ago);
    their renewal instant."""
    await apply_migrations(engine, quiet=True)
    await _template(engine, (now - timedelta(days=31, hours=1)).replace(microsecond=0))
    await _clone(engine, n)
    [row] = await JobTable.raw("SELECT min(next_action_at) AS at FROM subscription")
    renewal: datetime = row["at"]
    assert renewal <= now, "the seeded subscriptions are not due"
    return renewal


async def run_scenario(url: str, scenario: str, options: Options) -> Outcome:
    """Seed the (empty) database at ``url``, run the day of ``scenario``, check it."""
    if scenario not in SCENARIOS:
        raise ValueError(f"unknown scenario {scenario!r}")
    engine = make_engine(url)
    bind_tables(engine)
    await start_pool(engine, max_size=4)
    try:
        setup_started = time.perf_counter()
        renewal = await seed(engine, options.subscriptions, datetime.now(UTC))
        setup_s = time.perf_counter() - setup_started
        with tempfile.TemporaryDirectory(prefix="renewal-crash-") as tmp:
            log_dir = options.log_dir or Path(tmp)
            log_dir.mkdir(parents=True, exist_ok=True)
            seconds, kills, codes = await run_day(
                url, scenario, options, renewal=renewal, log_dir=log_dir
            )
        n = options.subscriptions
        if scenario == "failing-gateway":
            rate = options.failure_rate
            spread = 5 * math.sqrt(n * rate * (1 - rate)) + 2
            bounds = (max(0, math.floor(n * rate - spread)), math.ceil(n * rate + spread))
        else:
            bounds = (0, 0)
        report = await check_day(renewal, retry_days=DunningPolicy().retry_days[0], failures=bounds)
    finally:
        await close_pool(engine)
    if any(code != 0 for code in codes):
        report.problems.append(f"runners stopped with exit statuses {codes}")
    if scenario == "kill" and len(kills) < options.kills:
        report.problems.append(f"{len(kills)} kills made of {options.kills} (the day ended first)")
    return Outcome(
        scenario, options.subscriptions, options.runners, setup_s, seconds, renewal, kills, report
    )


async def _with_pg_database(pg_url: str, scenario: str, options: Options, keep: bool) -> Outcome:
    url, name = await _fresh_pg_database(pg_url)
    try:
        outcome = await run_scenario(url, scenario, options)
    finally:
        if keep:
            print(f"  kept the database {name}", file=sys.stderr)
        else:
            await _drop_pg_database(pg_url, name)
    return outcome


async def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawTextHelpFormatter
    )
    parser.add_argument("--pg-url", required=True, help="PostgreSQL server (scratch databases)")
    parser.add_argument("--subscriptions", type=int, default=10_000)
    parser.add_argument("--scenario", choices=(*SCENARIOS, "all"), default="all")
    parser.add_argument("--runners", type=int, default=2, help="runner processes (default 2)")
    parser.add_argument("--concurrency", type=int, default=4, help="jobs at once per runner")
    parser.add_argument("--kills", type=int, default=4, help="SIGKILLs in the kill scenario")
    parser.add_argument("--failure-rate", type=float, default=0.2)
    parser.add_argument("--job-timeout", type=int, default=120, help="batch jobs' timeout, s")
    parser.add_argument("--lease-margin", type=float, default=5.0, help="lease margin, s")
    parser.add_argument("--timeout", type=float, default=3600.0, help="give up after, s")
    parser.add_argument("--seed", type=int, default=None, help="of the kill instants")
    parser.add_argument("--log-dir", type=Path, default=None, help="keep the runners' logs")
    parser.add_argument("--keep", action="store_true", help="keep the scratch databases")
    parser.add_argument(
        "--pause-in-batch", type=float, default=0.0,
        help="s each renewal batch waits inside its transaction (the harness's hook: kills "
        "then land with the batch's transaction open)",
    )  # fmt: skip
    args = parser.parse_args(argv)
    options = Options(
        subscriptions=args.subscriptions,
        runners=args.runners,
        concurrency=args.concurrency,
        kills=args.kills,
        failure_rate=args.failure_rate,
        job_timeout_s=args.job_timeout,
        lease_margin_s=args.lease_margin,
        timeout_s=args.timeout,
        seed=args.seed,
        pause_in_batch_s=args.pause_in_batch,
    )
    scenarios = SCENARIOS if args.scenario == "all" else (args.scenario,)
    failed = False
    for scenario in scenarios:
        if args.log_dir:
            options.log_dir = args.log_dir / scenario
        print(f"{scenario}: n={options.subscriptions} {os.getloadavg()}", file=sys.stderr)
        outcome = await _with_pg_database(args.pg_url, scenario, options, args.keep)
        for kill in outcome.kills:
            print(f"  kill: {kill}", file=sys.stderr)
        for problem in outcome.report.problems:
            print(f"  PROBLEM: {problem}", file=sys.stderr)
        print(f"  setup {outcome.setup_s:.1f} s, load {os.getloadavg()}", file=sys.stderr)
        print(outcome.line(), flush=True)
        failed = failed or not outcome.ok
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(asyncio.run(main()))
