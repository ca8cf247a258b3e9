"""The composition root: ``create_app(settings, **overrides)`` wires adapters, routers and plugins.

Tests call it with a frozen clock and their own database; ``web.asgi`` and ``web.cli`` call it
with settings from the environment. Nothing here runs at import time.
"""

from __future__ import annotations

import hashlib
from datetime import timedelta
from pathlib import Path
from typing import Any

from litestar import Litestar, Request, Router
from litestar.config.csrf import CSRFConfig
from litestar.datastructures import CacheControlHeader, State
from litestar.exceptions import NotFoundException
from litestar.middleware.session.client_side import CookieBackendConfig
from litestar.openapi.config import OpenAPIConfig
from litestar.plugins.htmx import HTMXPlugin
from litestar.static_files import create_static_files_router
from litestar.types import ControllerRouterHandler
from piccolo.engine.base import Engine

from domain.accounts.mailing import Mailing
from domain.accounts.ports import PasswordHasher
from domain.adapters.db.catalog_cache import piccolo_catalog_cache, version_probe
from domain.adapters.db.engine import check_connection, close_pool, make_engine, start_pool
from domain.adapters.db.job_store import PiccoloJobStore
from domain.adapters.db.promotion_cache import piccolo_promotion_cache, promotions_probe
from domain.adapters.db.repositories.analytics_version import (
    VERSION_SQL as ANALYTICS_VERSION_SQL,
)
from domain.adapters.db.repositories.analytics_version import read_analytics_version
from domain.adapters.db.tables import bind_tables
from domain.adapters.passwords_argon2 import Argon2PasswordHasher
from domain.adapters.pdf_weasyprint import WeasyPrintInvoiceRenderer
from domain.adapters.secret_box_fernet import FernetSecretBox
from domain.documents.ports import PdfRenderer
from domain.documents.service import DocumentRendering
from domain.jobs.registry import JobRegistry
from domain.jobs.runner import JobRunner
from domain.notifications.ports import Mailer
from domain.payments.ports import PaymentGateway
from domain.shared.clock import Clock, SystemClock
from web.admin.analytics_cache import AnalyticsPageCache
from web.admin.router import router as admin_router
from web.api.docs import COMPONENTS as API_COMPONENTS
from web.api.rate_limit import RateLimiter
from web.api.router import key_read_router as api_key_read_router
from web.api.router import resources_router as api_resources_router
from web.api.router import router as api_router
from web.auth.oidc_client import OidcClient, OidcSettings
from web.auth.router import router as auth_router
from web.auth.session import resolve_viewer
from web.deps import DEPENDENCIES
from web.dev.router import router as dev_router
from web.display import resolve_display, switch_display
from web.errors import EXCEPTION_HANDLERS
from web.guard import MAX_BODY_BYTES, guard_request
from web.health import show_health
from web.heap import freeze_startup_heap
from web.jobs import email_renderer_for, registry_for, seller_from
from web.middleware import request_context_middleware, security_headers_middleware
from web.payments import make_gateway
from web.portal.router_billing import router as portal_billing_router
from web.portal.router_subscriptions import router as portal_subscriptions_router
from web.public.fast_path import FAST_PATH_STATE, KeptPagesFastPath
from web.public.router import router as public_router
from web.runtime import OidcProvider, Runtime
from web.settings import Environment, OidcProviderSettings, Settings
from web.templating import template_config

STATIC_DIR = Path(__file__).resolve().parent.parent / "static"
SESSION_MAX_AGE = timedelta(days=14)

__all__ = ["create_app"]


def password_hasher_for(settings: Settings) -> Argon2PasswordHasher:
    """Argon2id with argon2-cffi's RFC 9106 low-memory defaults; APP_ENV=test uses the cheapest
    parameters so the suite's hundreds of sign-ins stay fast (never in production)."""
    if settings.env is Environment.TEST:
        return Argon2PasswordHasher(time_cost=1, memory_cost=1024)
    return Argon2PasswordHasher()


def oidc_provider_for(p: OidcProviderSettings) -> OidcProvider:
    """A provider's client; nothing is fetched until the first sign-in."""
    return OidcProvider(
        settings=p,
        client=OidcClient(
            OidcSettings(
                issuer=p.issuer,
                client_id=p.client_id,
                client_secret=p.client_secret,
                display_name=p.name,
            )
        ),
    )


def oidc_providers_for(settings: Settings) -> dict[str, OidcProvider]:
    """One client per configured subscribers' provider."""
    return {p.slug: oidc_provider_for(p) for p in settings.oidc_providers}


async def _before_request(request: Request[Any, Any, Any]) -> None:
    """Refuse hostile addresses and headers first (``guard_request``), then resolve who is signed
    in for the storefront header (``resolve_viewer``), then the language, digits and calendar
    the request is shown in (``resolve_display``)."""
    await guard_request(request)
    await resolve_viewer(request)
    await resolve_display(request)


def _hidden_schema_router() -> Router:
    """/api/schema answering 404 (APP_API_SCHEMA off): the schema is still generated, for
    /api/v1/openapi.json."""

    def hidden(_: Any, __: Any) -> None:
        raise NotFoundException()

    return Router("/api/schema", route_handlers=[], include_in_schema=False, guards=[hidden])


def create_app(
    settings: Settings,
    *,
    clock: Clock | None = None,
    engine: Engine | None = None,
    registry: JobRegistry | None = None,
    start_runner: bool | None = None,
    gateway: PaymentGateway | None = None,
    mailer: Mailer | None = None,
    hasher: PasswordHasher | None = None,
    pdf_renderer: PdfRenderer | None = None,
) -> Litestar:
    clock = clock or SystemClock()
    engine = engine or make_engine(settings.database.url)
    gateway = gateway or make_gateway(settings.payments, engine, clock)
    pdf_renderer = pdf_renderer or WeasyPrintInvoiceRenderer()  # loads WeasyPrint on first use
    registry = registry or registry_for(
        settings, gateway=gateway, mailer=mailer, renderer=pdf_renderer
    )
    job_store = PiccoloJobStore(engine)
    runtime = Runtime(
        settings=settings,
        engine=engine,
        clock=clock,
        registry=registry,
        job_store=job_store,
        gateway=gateway,
        hasher=hasher or password_hasher_for(settings),
        mailing=Mailing(renderer=email_renderer_for(settings), public_url=settings.public_url),
        runner=None,  # type: ignore[arg-type]  # set just below: the runner needs runtime.uow
        secret_box=FernetSecretBox(settings.staff_totp_key),
        oidc_providers=oidc_providers_for(settings),
        staff_oidc=oidc_provider_for(settings.staff_oidc) if settings.staff_oidc else None,
        api_limiter=RateLimiter(
            settings.api_rate_limit, timedelta(seconds=settings.api_rate_window_s)
        ),
    )
    runtime.runner = JobRunner(
        store=job_store,
        registry=registry,
        clock=clock,
        uow_factory=runtime.uow,
        concurrency=settings.jobs.concurrency,
        poll_interval_s=settings.jobs.poll_interval_s,
        shutdown_grace_s=settings.jobs.shutdown_grace_s,
    )
    runtime.documents = DocumentRendering(
        runtime.uow, pdf_renderer, seller_from(settings), clock, read_uow_factory=runtime.read_uow
    )
    catalog_probe = version_probe(engine)  # the per-request version check's own connection
    runtime.catalog = piccolo_catalog_cache(runtime.read_uow, catalog_probe)
    promotion_probe = promotions_probe(engine)  # the promotions' version check, as the catalog's
    runtime.promotions = piccolo_promotion_cache(runtime.read_uow, promotion_probe)
    # the analytics pages' version check: its own connection too
    analytics_probe = version_probe(engine, ANALYTICS_VERSION_SQL, read_analytics_version)
    runtime.analytics_pages = AnalyticsPageCache(analytics_probe)
    run_jobs = settings.jobs.enabled if start_runner is None else start_runner

    async def on_startup() -> None:
        bind_tables(engine)
        await check_connection(engine, settings.database.url)
        await start_pool(engine, max_size=settings.database.pool_size)
        if run_jobs:
            await runtime.runner.start()
        if settings.env is Environment.PRODUCTION:
            freeze_startup_heap()

    async def on_shutdown() -> None:
        await runtime.runner.stop()
        await catalog_probe.close()
        await promotion_probe.close()
        await analytics_probe.close()
        await close_pool(engine)

    templates = template_config(
        {
            "brand_name": settings.brand_name,
            "default_locale": settings.default_locale,
            "default_timezone": settings.default_timezone,
        },
        auto_reload=settings.is_development,  # no file-time check per render in production
    )
    secret = hashlib.sha256(settings.secret_key.encode()).digest()
    session = CookieBackendConfig(
        secret=secret,
        key="session",
        max_age=int(SESSION_MAX_AGE.total_seconds()),
        httponly=True,
        secure=settings.secure_cookies,
        samesite="lax",
        exclude=["^/api/", "^/healthz$"],  # bearer keys, no cookies: nothing to load or sign
    )
    csrf = CSRFConfig(
        secret=settings.secret_key,
        cookie_name="csrftoken",
        cookie_secure=settings.secure_cookies,
        cookie_httponly=True,
        cookie_samesite="lax",
        header_name="x-csrftoken",
        exclude=["^/api/", "^/healthz$"],
    )
    static = create_static_files_router(
        path="/static",
        directories=[STATIC_DIR],
        name="static",
        cache_control=CacheControlHeader(max_age=3600, public=True),
        include_in_schema=False,
    )
    route_handlers: list[ControllerRouterHandler] = [
        public_router,
        switch_display,
        auth_router,
        api_router,
        api_resources_router,
        api_key_read_router,
        portal_subscriptions_router,
        portal_billing_router,
        admin_router,
        show_health,
        static,
    ]
    if settings.is_development:
        route_handlers.append(dev_router)
    security_headers = security_headers_middleware(hsts=settings.secure_cookies)
    app = Litestar(
        route_handlers=route_handlers,
        dependencies=DEPENDENCIES,
        exception_handlers=EXCEPTION_HANDLERS,
        middleware=[security_headers, session.middleware],
        csrf_config=csrf,
        before_request=_before_request,
        request_max_body_size=MAX_BODY_BYTES,
        template_config=templates,
        plugins=[HTMXPlugin()],
        openapi_config=OpenAPIConfig(
            title=f"{settings.brand_name} API",
            version="1",
            path="/api/schema",
            components=API_COMPONENTS,
            # APP_API_SCHEMA=0 hides the whole app's schema; /api/v1/openapi.json stays
            openapi_router=None if settings.api_schema else _hidden_schema_router(),
        ),
        on_startup=[on_startup],
        on_shutdown=[on_shutdown],
        state=State({"runtime": runtime}),
        logging_config=None,  # web.logging_setup configures JSON logging for the process
    )
    # in front of the router: the request id and log line for every request, then the kept
    # storefront pages for anonymous visitors (web/public/fast_path.py), then Litestar's own
    fast_path = KeptPagesFastPath(
        app, app.asgi_handler, csrf=csrf, security_headers=security_headers
    )
    app.state[FAST_PATH_STATE] = fast_path
    app.asgi_handler = request_context_middleware(fast_path)
    return app
