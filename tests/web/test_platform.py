"""Cross-cutting behaviour of the app: health, errors, problem details, headers, CSRF, API."""

from __future__ import annotations

import json

import httpx
import pytest
from litestar import Litestar, get, post

from domain.shared.clock import FrozenClock
from domain.shared.errors import InvalidTransition, ValidationFailed
from tests.support.database import TestDatabase
from tests.support.html import parse
from tests.web.conftest import make_settings, serve
from web.app import create_app

pytestmark = pytest.mark.web


async def test_healthz_reports_database_and_runner(
    client: httpx.AsyncClient, db: TestDatabase
) -> None:
    response = await client.get("/healthz")
    body = response.json()
    # the test app does not start its runner, while settings say it is enabled: not healthy
    assert response.status_code == 503
    assert body["database"]["status"] == "ok"
    assert body["database"]["backend"] == db.backend
    assert body["job_runner"]["state"] == "stopped"
    assert set(body["jobs"]) == {"queued", "running", "succeeded", "dead"}


async def test_healthz_is_ok_when_the_runner_runs(db: TestDatabase, clock) -> None:  # type: ignore[no-untyped-def]
    app = create_app(make_settings(db), clock=clock, engine=db.engine, start_runner=True)
    async with serve(app) as client:
        response = await client.get("/healthz")
    assert response.status_code == 200
    assert response.json()["status"] == "ok"
    assert response.json()["job_runner"]["state"] == "running"


async def test_healthz_is_ok_when_jobs_are_disabled(db: TestDatabase, clock) -> None:  # type: ignore[no-untyped-def]
    app = create_app(make_settings(db, APP_JOBS_ENABLED="false"), clock=clock, engine=db.engine)
    async with serve(app) as client:
        response = await client.get("/healthz")
    assert response.status_code == 200
    assert response.json()["job_runner"]["enabled"] is False


async def test_unknown_page_renders_the_404_page(client: httpx.AsyncClient) -> None:
    response = await client.get("/no/such/page")
    assert response.status_code == 404
    assert response.headers["content-type"].startswith("text/html")
    assert parse(response.text).find("html") is not None


async def test_unknown_page_for_htmx_renders_an_inline_error(
    client: httpx.AsyncClient,
) -> None:
    response = await client.get("/no/such/page", headers={"HX-Request": "true"})
    assert response.status_code == 404
    assert parse(response.text).find("html") is None


async def test_api_errors_are_problem_details(
    client: httpx.AsyncClient, catalog: TestDatabase
) -> None:
    response = await client.get("/api/v1/plans/no-such-plan")
    assert response.status_code == 404
    assert response.headers["content-type"] == "application/problem+json"
    body = response.json()
    assert body["status"] == 404
    assert body["code"] == "catalog.plan_not_found"
    assert body["instance"] == "/api/v1/plans/no-such-plan"
    assert body["request_id"] == response.headers["x-request-id"]

    missing_route = await client.get("/api/v1/nothing-here")
    assert missing_route.status_code == 404
    assert missing_route.headers["content-type"] == "application/problem+json"


async def test_api_lists_plans_with_exact_amounts(
    client: httpx.AsyncClient, catalog: TestDatabase
) -> None:
    response = await client.get("/api/v1/plans")
    assert response.status_code == 200
    plans = {p["code"]: p for p in response.json()["data"]}
    usd = next(p for p in plans["starter-monthly"]["prices"] if p["currency"] == "USD")
    assert usd == {
        "currency": "USD",
        "headline_minor": 1900,
        "headline": "19.00",
        "suffix": "/ month",
    }


async def test_every_response_carries_security_headers_and_a_request_id(
    client: httpx.AsyncClient, db: TestDatabase
) -> None:
    response = await client.get("/", headers={"X-Request-ID": "abc-123"})
    headers = response.headers
    assert "script-src 'self'" in headers["content-security-policy"]
    assert "unsafe-inline" not in headers["content-security-policy"]
    assert headers["x-content-type-options"] == "nosniff"
    assert headers["referrer-policy"] == "strict-origin-when-cross-origin"
    assert headers["x-request-id"] == "abc-123"
    bogus = await client.get("/", headers={"X-Request-ID": "<script>"})
    assert bogus.headers["x-request-id"] != "<script>"


async def test_pages_contain_no_inline_script(
    client: httpx.AsyncClient, catalog: TestDatabase
) -> None:
    doc = parse((await client.get("/")).text)
    for script in doc.find_all("script"):
        assert script.get("src"), "scripts are files under /static (CSP forbids inline script)"
        assert script["src"].startswith("/static/")
    for tag in doc.find_all(True):
        assert not any(attr.startswith("on") for attr in tag.attrs), f"inline handler on {tag.name}"


async def test_vendored_htmx_is_served(client: httpx.AsyncClient, db: TestDatabase) -> None:
    doc = parse((await client.get("/")).text)
    src = next(s["src"] for s in doc.find_all("script") if "htmx" in s["src"])
    response = await client.get(src)
    assert response.status_code == 200
    assert "htmx" in response.text[:2000]
    config = json.loads(doc.find("meta", attrs={"name": "htmx-config"})["content"])
    assert any(rule["code"] == "422" and rule["swap"] for rule in config["responseHandling"])


async def test_forms_are_protected_by_csrf(app: Litestar, db: TestDatabase) -> None:
    @post("/test-only/form", name="test_form")
    async def submit_form() -> str:
        return "accepted"

    app.register(submit_form)
    async with serve(app) as client:
        refused = await client.post("/test-only/form", data={"x": "1"})
        assert refused.status_code == 403

        page = await client.get("/")
        token = parse(page.text).find("body")["hx-headers"]
        csrf = json.loads(token)["X-CSRFToken"]
        accepted = await client.post("/test-only/form", data={"x": "1", "_csrf_token": csrf})
        assert accepted.status_code == 201
        via_header = await client.post("/test-only/form", headers={"X-CSRFToken": csrf})
        assert via_header.status_code == 201


async def test_cookies_are_secure_in_production(db: TestDatabase, clock) -> None:  # type: ignore[no-untyped-def]
    settings = make_settings(
        db, APP_ENV="production", APP_JOBS_ENABLED="false", PAYMENT_ALLOW_SANDBOX="true"
    )
    app = create_app(settings, clock=clock, engine=db.engine)
    async with serve(app, "https://testserver.local") as client:
        response = await client.get("/")
    cookie = response.headers["set-cookie"]
    assert "Secure" in cookie and "HttpOnly" in cookie
    assert "max-age=63072000" in response.headers["strict-transport-security"]


async def test_the_api_schema_is_served_in_production_only_when_a_setting_says_so(
    db: TestDatabase, clock: FrozenClock
) -> None:
    production = {"APP_ENV": "production", "PAYMENT_ALLOW_SANDBOX": "true"}
    for env, status in (({}, 200), (production, 404), ({**production, "APP_API_SCHEMA": "1"}, 200)):
        app = create_app(
            make_settings(db, APP_JOBS_ENABLED="false", **env), clock=clock, engine=db.engine
        )
        async with serve(app, "https://testserver.local") as client:
            for path in ("/api/schema/openapi.json", "/api/schema"):
                assert (await client.get(path)).status_code == status, (env, path)


async def test_domain_errors_map_to_pages_fragments_and_flash(
    app: Litestar, db: TestDatabase
) -> None:
    @post("/test-only/refuse", name="test_refuse")
    async def refuse() -> None:
        raise InvalidTransition("A canceled subscription cannot be paused.")

    @get("/test-only/invalid", name="test_invalid")
    async def invalid() -> None:
        raise ValidationFailed({"quantity": "must be at least 1"})

    @get("/test-only/boom", name="test_boom")
    async def boom() -> None:
        raise RuntimeError("a bug")

    for handler in (refuse, invalid, boom):
        app.register(handler)
    async with serve(app, "http://testserver.local") as client:
        csrf = json.loads(parse((await client.get("/")).text).find("body")["hx-headers"])[
            "X-CSRFToken"
        ]
        headers = {"X-CSRFToken": csrf}

        htmx = await client.post("/test-only/refuse", headers={**headers, "HX-Request": "true"})
        assert htmx.status_code == 409
        assert htmx.headers["hx-retarget"] == "#flash"
        assert "cannot be paused" in parse(htmx.text).select_one("#flash").get_text()

        plain = await client.post(
            "/test-only/refuse",
            headers={**headers, "Referer": "http://testserver.local/?currency=EUR"},
            follow_redirects=False,
        )
        assert plain.status_code == 303
        assert plain.headers["location"] == "/?currency=EUR"
        landing = parse((await client.get(plain.headers["location"])).text)
        assert "cannot be paused" in landing.select_one("#flash").get_text()

        unprocessable = await client.get("/test-only/invalid")
        assert unprocessable.status_code == 422
        assert "must be at least 1" in unprocessable.text

        crashed = await client.get("/test-only/boom")
        assert crashed.status_code == 500
        assert crashed.headers["x-request-id"] in crashed.text, "the page quotes the request id"
        assert "a bug" not in crashed.text, "internals never reach the visitor"


async def test_drain_jobs_runs_what_a_use_case_enqueued(app: Litestar, db: TestDatabase) -> None:
    from domain.adapters.db.tables import JobTable
    from tests.support.jobs import drain_jobs

    runtime = app.state.runtime
    uow = runtime.uow()
    async with uow:
        uow.jobs.enqueue("jobs.purge_finished", unique_key="manual-purge")
        await uow.commit()
    from domain.jobs.schedule import SCHEDULE

    # the enqueued job and the schedule's latest tick of each entry
    assert await drain_jobs(app) == 1 + len(SCHEDULE)
    assert {r["status"] for r in await JobTable.select(JobTable.status)} == {"succeeded"}
