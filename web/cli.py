"""Command line: ``python -m web.cli {serve,migrate,seed-demo,worker,check}``, the billing
commands in ``web/cli_billing.py`` (``clock``, ``customer``, ``subscribe``, ``renew``) and
``staff create`` in ``web/cli_staff.py``.

Every command validates the settings and the database first and reports a problem as one line
on stderr with exit status 2 (no traceback).
"""

from __future__ import annotations

import argparse
import asyncio
import signal
import sys
from collections.abc import Awaitable, Callable

from domain.adapters.db.engine import (
    DatabaseConfigError,
    check_connection,
    close_pool,
    make_engine,
    start_pool,
)
from domain.adapters.db.job_store import PiccoloJobStore
from domain.adapters.db.migrate import MigrationFailed, apply_migrations
from domain.adapters.db.tables import bind_tables
from domain.adapters.db.uow import PiccoloUnitOfWork
from domain.catalog.demo_features import load_demo_features
from domain.catalog.service import load_demo_catalog
from domain.jobs.runner import JobRunner
from domain.shared.clock import Clock, SystemClock
from domain.subscriptions.demo import demo_coupons, load_demo_coupons
from domain.taxes.demo import load_demo_tax_rates
from domain.unit_of_work import UnitOfWork
from web import cli_billing, cli_staff
from web.demo_history import load_demo_history
from web.jobs import build_registry, registry_for
from web.logging_setup import configure_logging
from web.payments import make_gateway
from web.settings import Settings, SettingsError


def _fail(message: str) -> None:
    print(f"error: {message}", file=sys.stderr)
    raise SystemExit(2)


def _settings() -> Settings:
    try:
        return Settings.from_env()
    except SettingsError as exc:
        _fail(str(exc))
        raise  # unreachable


async def _prepare(settings: Settings, *, migrate: bool, demo: bool, history: bool = False) -> None:
    engine = make_engine(settings.database.url)
    bind_tables(engine)
    await check_connection(engine, settings.database.url)
    if migrate:
        await apply_migrations(engine, quiet=True)
        print(f"migrations applied to {settings.database.url.display}", file=sys.stderr)
    if demo:

        def uow() -> PiccoloUnitOfWork:
            return PiccoloUnitOfWork(engine, clock=SystemClock(), registry=build_registry())

        for line in await load_demo_data(uow, SystemClock()):
            print(line, file=sys.stderr)
        if history:
            made = await load_demo_history(
                uow=uow,
                clock=SystemClock(),
                gateway=make_gateway(settings.payments, engine, SystemClock()),
                config=settings.billing,
                reporting_currency=settings.reporting_currency,
            )
            if made:
                print(f"loaded a year of the demo business ({made} customers)", file=sys.stderr)


async def load_demo_data(new_uow: Callable[[], UnitOfWork], clock: Clock) -> list[str]:
    """What ``serve --demo`` and ``seed-demo`` load: the demo catalog (into an empty catalog),
    its features (when there are none), the demo promotion codes and tax rates that are missing; one line per thing loaded."""
    said = []
    if added := await load_demo_catalog(uow=new_uow()):
        said.append(f"loaded the demo catalog ({added} plans)")
    if features := await load_demo_features(uow=new_uow(), at=clock.now()):
        said.append(f"loaded the demo features ({features}) and the demo plans' grants")
    if await load_demo_coupons(uow=new_uow()):
        codes = ", ".join(code.code for _, code in demo_coupons())
        said.append(f"loaded the demo promotion codes ({codes})")
    if rates := await load_demo_tax_rates(uow=new_uow(), clock=clock):
        said.append(f"loaded the demo tax rates ({rates}: EU VAT and Washington sales tax)")
    return said


def _run(coro: Awaitable[None]) -> None:
    try:
        asyncio.run(coro)  # type: ignore[arg-type]
    except (DatabaseConfigError, MigrationFailed) as exc:
        _fail(str(exc))


def cmd_migrate(args: argparse.Namespace) -> None:
    _run(_prepare(_settings(), migrate=True, demo=False))


def cmd_seed_demo(args: argparse.Namespace) -> None:
    _run(_prepare(_settings(), migrate=False, demo=True, history=args.history))


def cmd_check(args: argparse.Namespace) -> None:
    settings = _settings()
    _run(_prepare(settings, migrate=False, demo=False))
    print(f"ok: settings valid, database reachable at {settings.database.url.display}")


def cmd_serve(args: argparse.Namespace) -> None:
    import uvicorn

    from web.app import create_app

    # links in e-mails and PDFs point at where this process serves, unless APP_PUBLIC_URL says
    settings = _settings().served_at(args.host, args.port)
    configure_logging(settings.log_level)
    demo = args.demo and settings.demo_data
    _run(_prepare(settings, migrate=args.migrate, demo=demo, history=demo and args.demo_history))
    app = create_app(settings)
    print(
        f"serving {settings.brand_name} on http://{args.host}:{args.port}"
        f" (links in e-mails and PDFs: {settings.public_url})",
        file=sys.stderr,
    )
    uvicorn.run(
        app,
        host=args.host,
        port=args.port,
        log_config=None,
        access_log=False,
        proxy_headers=True,
        forwarded_allow_ips=args.forwarded_allow_ips,
    )


def cmd_worker(args: argparse.Namespace) -> None:
    """Run the job runner alone (no HTTP), until SIGINT/SIGTERM; then shut down gracefully."""
    settings = _settings()
    configure_logging(settings.log_level)

    async def main() -> None:
        engine = make_engine(settings.database.url)
        bind_tables(engine)
        await check_connection(engine, settings.database.url)
        await start_pool(engine, max_size=settings.database.pool_size)
        clock = SystemClock()
        gateway = make_gateway(settings.payments, engine, clock)
        registry = registry_for(settings, gateway=gateway)
        runner = JobRunner(
            store=PiccoloJobStore(engine),
            registry=registry,
            clock=clock,
            uow_factory=lambda: PiccoloUnitOfWork(engine, clock=clock, registry=registry),
            concurrency=args.concurrency or settings.jobs.concurrency,
            poll_interval_s=settings.jobs.poll_interval_s,
            shutdown_grace_s=settings.jobs.shutdown_grace_s,
        )
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(sig, stop.set)
        await runner.start()
        print(f"worker {runner.worker_id} running; Ctrl-C to stop", file=sys.stderr)
        await stop.wait()
        await runner.stop()
        await close_pool(engine)

    _run(main())


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m web.cli", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    serve = sub.add_parser("serve", help="serve the app over HTTP (with the in-process job runner)")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=8000)
    serve.add_argument("--migrate", action="store_true", help="apply migrations first")
    serve.add_argument(
        "--demo",
        action="store_true",
        help="load the demo catalog when the catalog is empty (not in production)",
    )
    serve.add_argument(
        "--demo-history",
        action="store_true",
        help="with --demo: a year of a demo business (customers, subscriptions, invoices) when "
        "there are no customers yet, on the sandbox gateway",
    )
    serve.add_argument(
        "--forwarded-allow-ips",
        default="127.0.0.1",
        help="proxies trusted for X-Forwarded-* headers",
    )
    serve.set_defaults(func=cmd_serve)
    sub.add_parser("migrate", help="apply all migrations").set_defaults(func=cmd_migrate)
    seed = sub.add_parser("seed-demo", help="load the demo catalog into an empty catalog")
    seed.add_argument(
        "--history", action="store_true", help="and a year of a demo business (sandbox only)"
    )
    seed.set_defaults(func=cmd_seed_demo)
    sub.add_parser("check", help="validate settings and reach the database").set_defaults(
        func=cmd_check
    )
    worker = sub.add_parser("worker", help="run the job runner without HTTP")
    worker.add_argument("--concurrency", type=int, default=0)
    worker.set_defaults(func=cmd_worker)
    cli_billing.add_parsers(sub, _settings)
    cli_staff.add_parsers(sub, _settings)
    return parser


def main(argv: list[str] | None = None) -> None:
    args = build_parser().parse_args(argv)
    args.func(args)


if __name__ == "__main__":
    main()
