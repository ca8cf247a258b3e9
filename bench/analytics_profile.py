"""The analytics dashboard's five-year view profiled in process (issue 16, "Scale"): the app
(``web.app.create_app``, production settings, no job runner) on a database kept by
``python -m bench.analytics --keep``, an owner signed in through the real forms, then one page
requested ``--requests`` times through an in-process ASGI client (no server, no socket): the
p50/p99 of the whole request and the median CPU time this process spent on one (the Python
side: what a loaded machine's waiting does not inflate as much), and with ``--profile`` the functions it spends its time in
(``cProfile``, cumulative).

    python -m bench.analytics_profile --db-url postgresql://postgres@127.0.0.1:5432/bench_xxx \\
        [--path '/admin/analytics?from=2021-12-01&to=2026-11-30'] [--requests 100] [--profile]
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import pstats
import re
import secrets
import statistics
import time

import httpx
import pyotp

from bench import http_pages
from bench.analytics_pages import PASSWORD, _csrf
from web.app import create_app
from web.cli_staff import create_staff_account
from web.settings import Settings

FIVE_YEARS = "/admin/analytics?from=2021-12-01&to=2026-11-30"


class _Client:
    def __init__(self, app: object) -> None:
        transport = httpx.ASGITransport(app=app)  # type: ignore[arg-type]
        self.client = httpx.AsyncClient(transport=transport, base_url="http://127.0.0.1")
        self.jar: dict[str, str] = {}

    async def get(self, path: str) -> httpx.Response:
        return self._keep(await self.client.get(path, headers=self._headers()))

    async def post(self, path: str, data: dict[str, str]) -> httpx.Response:
        return self._keep(await self.client.post(path, data=data, headers=self._headers()))

    def _headers(self) -> dict[str, str]:
        return {"Cookie": "; ".join(f"{k}={v}" for k, v in self.jar.items())}

    def _keep(self, answer: httpx.Response) -> httpx.Response:
        for name, value in answer.cookies.items():
            self.jar[name] = value
        return answer


async def _sign_in(c: _Client, email: str) -> None:
    page = await c.get("/admin/login?next=/admin")
    answer = await c.post(
        "/admin/login",
        {"email": email, "password": PASSWORD, "_csrf_token": _csrf(page.text), "next": "/admin"},
    )
    location = answer.headers.get("location", "")
    if "/admin/enrol" in location:
        page = await c.get(location)
        secret = re.search(r'data-testid="totp-secret"[^>]*>\s*([A-Z2-7]+)\s*<', page.text)
        assert secret, "no TOTP secret on the enrolment page"
        await c.post(
            "/admin/enrol",
            {
                "code": pyotp.TOTP(secret.group(1)).now(),
                "_csrf_token": _csrf(page.text),
                "next": "/admin",
            },
        )
    assert (await c.get("/admin")).status_code == 200, "not signed in"


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--db-url", required=True)
    parser.add_argument("--path", default=FIVE_YEARS)
    parser.add_argument("--requests", type=int, default=100)
    parser.add_argument("--profile", action="store_true")
    args = parser.parse_args()
    env = http_pages.app_env(args.db_url)
    env["APP_SECRET_KEY"] = secrets.token_urlsafe(48)
    settings = Settings.from_env(env)
    email = f"owner-{secrets.token_hex(4)}@bench.example"
    await create_staff_account(settings, email=email, role="owner", name="Profile Owner",
                               password=PASSWORD)  # fmt: skip
    app = create_app(settings)
    async with app.lifespan():  # type: ignore[attr-defined]
        c = _Client(app)
        await _sign_in(c, email)
        for path in ("/admin", args.path):
            for _ in range(10):
                assert (await c.get(path)).status_code == 200, path
            samples, cpu = [], []
            for _ in range(args.requests):
                started, used = time.perf_counter(), time.process_time()
                answer = await c.get(path)
                cpu.append((time.process_time() - used) * 1000)
                samples.append((time.perf_counter() - started) * 1000)
                assert answer.status_code == 200
            cuts = statistics.quantiles(samples, n=100, method="inclusive")
            print(
                f"{path}: p50 {cuts[49]:.1f} ms, p99 {cuts[98]:.1f} ms ({len(samples)});"
                f" CPU of this process p50 {statistics.median(cpu):.1f} ms"
            )
        if args.profile:
            profile = cProfile.Profile()
            profile.enable()
            for _ in range(20):
                await c.get(args.path)
            profile.disable()
            pstats.Stats(profile).sort_stats("cumulative").print_stats(60)


if __name__ == "__main__":
    asyncio.run(main())
