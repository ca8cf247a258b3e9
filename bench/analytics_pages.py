"""The analytics benchmark's third part (``bench/analytics.py``): the read models' refresh jobs,
run once each through the app's own job registry and a ``JobRunner`` (timed), then the
analytics pages served by uvicorn (``web.asgi:app``, the production flags of
``bench/http_pages.py``, no job runner) against the generated database, requested one after
another by an owner signed in through the real forms (password, then TOTP enrolment with
``pyotp``). Each page gets a warm-up, then ``requests`` timed requests; every answer must be a
200. The baseline is the admin home ``/admin`` (no query) in the same app with the same session: the cost of the
admin shell (session, permission check, layout) without analytics."""

from __future__ import annotations

import asyncio
import re
import secrets
import statistics
import tempfile
import time
from pathlib import Path
from typing import TYPE_CHECKING

import httpx
import pyotp

from bench import http_pages
from domain.adapters.db.engine import close_pool, make_engine, start_pool
from domain.adapters.db.job_store import PiccoloJobStore
from domain.adapters.db.tables import JobTable, bind_tables
from domain.adapters.db.uow import PiccoloUnitOfWork
from domain.adapters.payments.sandbox import SandboxGateway
from domain.jobs.model import JobStatus
from domain.jobs.runner import JobRunner
from domain.shared.clock import SystemClock
from web.cli_staff import create_staff_account
from web.jobs import registry_for
from web.settings import Settings

if TYPE_CHECKING:
    from bench.analytics import Result

REFRESH_JOBS = ("analytics.refresh", "analytics.refresh_cohorts", "analytics.refresh_subscribers")
OWNER = f"owner-{secrets.token_hex(4)}@bench.example"  # a new one per run (--reuse)
PASSWORD = "bench-owner-password-16"
WARMUP = 20
BUDGET_S = 120.0
MIN_REQUESTS = 20
SLOW_S = 5.0
SLOW_REQUESTS = 5
TODAY_WEEKS = "from=2026-06-01&to=2026-11-30&bucket=week"
# (label, path): the dashboard with its defaults (the last twelve months by month), by week, a
# plan's slice, the whole five years; the cohort table; the baseline
PAGES = (
    ("baseline: admin home (no query)", "/admin"),
    ("dashboard default (12 months, month)", "/admin/analytics"),
    ("dashboard 6 months by week", f"/admin/analytics?{TODAY_WEEKS}"),
    ("dashboard plan team-monthly (month)", "/admin/analytics?plan=team-monthly"),
    ("dashboard plan team-monthly by week", f"/admin/analytics?plan=team-monthly&{TODAY_WEEKS}"),
    ("dashboard five years (month)", "/admin/analytics?from=2021-12-01&to=2026-11-30"),
    ("cohorts default", "/admin/analytics/cohorts"),
    ("subscribers default (12 months)", "/admin/analytics/subscribers"),
    ("subscribers 36 months", "/admin/analytics/subscribers?from=2023-12&to=2026-11"),
    ("subscribers plan team-monthly", "/admin/analytics/subscribers?plan=team-monthly"),
    (
        "subscribers plan + currency + country",
        "/admin/analytics/subscribers?plan=team-monthly&currency=EUR&country=DE",
    ),
    ("subscribers CSV (dunning)", "/admin/analytics/subscribers.csv?section=dunning"),
)
DIRECT_RUNS = 3  # the subscriber metrics computed from their sources, as each request did before


async def run_refresh_jobs(url: str, settings: Settings, result: Result) -> None:
    engine = make_engine(url)
    bind_tables(engine)
    await start_pool(engine, max_size=4)
    clock = SystemClock()
    try:
        registry = registry_for(settings, gateway=SandboxGateway(engine))
        store = PiccoloJobStore(engine)
        runner = JobRunner(
            store=store,
            registry=registry,
            clock=clock,
            uow_factory=lambda: PiccoloUnitOfWork(engine, clock=clock, registry=registry),
            concurrency=1,
            poll_interval_s=0.01,
            schedule=(),
        )
        for name in REFRESH_JOBS:
            if name not in registry:
                result.notes.append(f"no {name} job in this build: not run")
                continue
            # the rebuild enqueued a refresh (the first after it): time that one, else a new one
            queued = await JobTable.count().where(
                (JobTable.name == name) & (JobTable.status == JobStatus.QUEUED)
            )
            if not queued:
                await store.add([registry.get(name).new({}, now=clock.now())])
            started = time.perf_counter()
            await runner.drain(include_schedule=False)
            elapsed = time.perf_counter() - started
            jobs = await JobTable.select(JobTable.status, JobTable.last_error).where(
                JobTable.name == name
            )
            for job in jobs:
                if job["status"] != JobStatus.SUCCEEDED:
                    raise RuntimeError(f"{name} ended {job['status']}: {job['last_error']}")
            result.refresh_s[name] = round(elapsed, 1)
            print(f"{name}: {elapsed:.1f} s", flush=True)
    finally:
        await close_pool(engine)


class _Session:
    """An HTTP client that keeps the cookies by hand (production cookies are ``Secure``; the
    bench talks plain HTTP to 127.0.0.1)."""

    def __init__(self, base: str) -> None:
        self.client = httpx.Client(base_url=base, follow_redirects=False, timeout=60)
        self.jar: dict[str, str] = {}

    @property
    def cookie(self) -> str:
        return "; ".join(f"{k}={v}" for k, v in self.jar.items())

    def _keep(self, answer: httpx.Response) -> httpx.Response:
        for name, value in answer.cookies.items():
            self.jar[name] = value
        return answer

    def get(self, path: str) -> httpx.Response:
        return self._keep(self.client.get(path, headers={"Cookie": self.cookie}))

    def post(self, path: str, data: dict[str, str]) -> httpx.Response:
        return self._keep(self.client.post(path, data=data, headers={"Cookie": self.cookie}))


def _csrf(html: str) -> str:
    token = re.search(r'name="_csrf_token" value="([^"]+)"', html)
    assert token, "no CSRF token on the page"
    return token.group(1)


def sign_in_owner(base: str) -> _Session:
    """Password, then two-factor enrolment (an owner must), as a browser would."""
    s = _Session(base)
    page = s.get("/admin/login?next=/admin")
    answer = s.post(
        "/admin/login",
        {"email": OWNER, "password": PASSWORD, "_csrf_token": _csrf(page.text),
         "next": "/admin"},
    )  # fmt: skip
    assert answer.status_code in (302, 303), f"sign-in: {answer.status_code} {answer.text[:300]}"
    location = answer.headers["location"]
    if "/admin/enrol" in location:
        page = s.get(location)
        secret = re.search(r'data-testid="totp-secret"[^>]*>\s*([A-Z2-7]+)\s*<', page.text)
        assert secret, "no TOTP secret on the enrolment page"
        answer = s.post(
            "/admin/enrol",
            {"code": pyotp.TOTP(secret.group(1)).now(), "_csrf_token": _csrf(page.text),
             "next": "/admin"},
        )  # fmt: skip
        assert answer.status_code in (200, 302, 303), f"enrolment: {answer.status_code}"
    check = s.get("/admin")
    assert check.status_code == 200, f"/admin after sign-in: {check.status_code}"
    return s


def _quantiles(samples: list[float]) -> dict[str, float]:
    cuts = statistics.quantiles(samples, n=100, method="inclusive")
    return {
        "p50": round(cuts[49], 1),
        "p95": round(cuts[94], 1),
        "p99": round(cuts[98], 1),
        "max": round(max(samples), 1),
        "requests": len(samples),
    }


def time_pages(s: _Session, requests: int, result: Result, only: str = "") -> None:
    for label, path in PAGES:
        if only and only not in label and not label.startswith("baseline"):
            continue
        started = time.perf_counter()
        first = s.get(path)
        first_s = time.perf_counter() - started
        warmups = WARMUP if first_s < 1 else 1  # a slow page: fewer
        if first.status_code != 200:
            result.notes.append(f"{path}: {first.status_code} (not in this build?), not measured")
            continue
        started = time.perf_counter()
        for _ in range(warmups):
            s.get(path)
        warm_s = (time.perf_counter() - started) / warmups
        # a page of seconds gets fewer requests: each page has about BUDGET_S seconds
        count = min(requests, max(MIN_REQUESTS, int(BUDGET_S / max(warm_s, 0.001))))
        if first_s > SLOW_S:  # seconds a request: a handful tells the story
            count = SLOW_REQUESTS
        if count < requests:
            result.notes.append(f"{path}: {count} timed requests (warm-up {warm_s:.2f} s each)")
        samples = []
        for _ in range(count):
            started = time.perf_counter()
            answer = s.get(path)
            samples.append((time.perf_counter() - started) * 1000)
            assert answer.status_code == 200, f"{path}: {answer.status_code}"
        result.pages[f"{label}: {path}"] = _quantiles(samples)
        print(f"{label}: {result.pages[f'{label}: {path}']}", flush=True)


async def time_direct(url: str, settings: Settings, result: Result) -> None:
    """The subscriber metrics' default range computed from the sources in process
    (``direct_months``: what every request of the page did before its read model), timed
    ``DIRECT_RUNS`` times: the "before" of the page's figures."""
    from domain.analytics_reports.subscriber_page import default_range, direct_months
    from domain.shared.money import Currency

    engine = make_engine(url)
    bind_tables(engine)
    await start_pool(engine, max_size=2)
    clock = SystemClock()
    try:
        chosen = default_range(clock.now().date())
        samples = []
        for _ in range(DIRECT_RUNS):
            started = time.perf_counter()
            await direct_months(
                chosen, uow=PiccoloUnitOfWork(engine, clock=clock, registry=registry_for(
                    settings, gateway=SandboxGateway(engine))),
                reporting=Currency.of(settings.reporting_currency),
                rounding=settings.billing.rounding,
            )  # fmt: skip
            samples.append((time.perf_counter() - started) * 1000)
        label = "before: subscribers default computed per request (in process, no HTTP)"
        result.pages[label] = _quantiles(samples)
        print(f"{label}: {result.pages[label]}", flush=True)
    finally:
        await close_pool(engine)


async def measure_pages(
    url: str, result: Result, *, requests: int, only: str = "", refresh: bool = True
) -> None:
    env = http_pages.app_env(url)
    env["APP_SECRET_KEY"] = secrets.token_urlsafe(48)
    settings = Settings.from_env(env)
    if refresh:
        await run_refresh_jobs(url, settings, result)
    if not only or "subscribers" in only:
        await time_direct(url, settings, result)
    await create_staff_account(settings, email=OWNER, role="owner", name="Bench Owner",
                               password=PASSWORD)  # fmt: skip
    with tempfile.TemporaryDirectory() as tmp:
        log = Path(tmp) / "uvicorn.log"
        with http_pages.serve("web.asgi:app", env, log) as base:
            s = await asyncio.to_thread(sign_in_owner, base)
            await asyncio.to_thread(time_pages, s, requests, result, only)
