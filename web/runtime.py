"""What the composition root builds once per app and shares: engine, clock, job machinery."""

from __future__ import annotations

from dataclasses import dataclass, field

from piccolo.engine.base import Engine

from domain.accounts.mailing import Mailing
from domain.accounts.ports import PasswordHasher
from domain.adapters.db.job_store import PiccoloJobStore
from domain.adapters.db.uow import PiccoloUnitOfWork
from domain.catalog.cache import CatalogCache
from domain.documents.service import DocumentRendering
from domain.jobs.registry import JobRegistry
from domain.jobs.runner import JobRunner
from domain.payments.ports import PaymentGateway
from domain.promotions.cache import PromotionCache
from domain.shared.clock import Clock
from domain.staff.ports import SecretBox
from web.admin.analytics_cache import AnalyticsPageCache
from web.api.rate_limit import RateLimiter
from web.auth.oidc_client import OidcClient
from web.settings import OidcProviderSettings, Settings


@dataclass(frozen=True)
class OidcProvider:
    """A configured "Sign in with ..." provider and its client (built once, discovery cached)."""

    settings: OidcProviderSettings
    client: OidcClient

    @property
    def slug(self) -> str:
        return self.settings.slug

    @property
    def name(self) -> str:
        return self.settings.name


@dataclass
class Runtime:
    settings: Settings
    engine: Engine
    clock: Clock
    registry: JobRegistry
    job_store: PiccoloJobStore
    runner: JobRunner
    gateway: PaymentGateway
    hasher: PasswordHasher
    mailing: Mailing
    secret_box: SecretBox  # seals staff TOTP secrets (key from the settings)
    oidc_providers: dict[str, OidcProvider] = field(default_factory=dict)  # by slug
    staff_oidc: OidcProvider | None = None  # staff single sign-on, when configured
    api_limiter: RateLimiter | None = None  # /api/v1 requests per key (web/api/rate_limit.py)
    # lazy PDF downloads (portal, API): set by create_app, which needs runtime.uow first
    documents: DocumentRendering | None = None
    # the public pages' catalog snapshot (domain/catalog/cache.py): set by create_app
    catalog: CatalogCache | None = None
    # the checkout pages' promotion codes (domain/promotions/cache.py): set by create_app
    promotions: PromotionCache | None = None
    # the analytics pages' bodies per read model version (web/admin/analytics_cache.py)
    analytics_pages: AnalyticsPageCache | None = None

    @property
    def oidc(self) -> OidcClient | None:
        """The (first) OpenID Connect client, None when sign-in with a provider is off."""
        return next(iter(self.oidc_providers.values())).client if self.oidc_providers else None

    def uow(self) -> PiccoloUnitOfWork:
        return PiccoloUnitOfWork(self.engine, clock=self.clock, registry=self.registry)

    def read_uow(self) -> PiccoloUnitOfWork:
        """A unit of work for use cases that only read (no write lock on SQLite)."""
        return PiccoloUnitOfWork(
            self.engine, clock=self.clock, registry=self.registry, read_only=True
        )

    def statement_uow(self) -> PiccoloUnitOfWork:
        """A read unit of work for a use case that reads with one statement (the API key
        check, the entitlements read): on PostgreSQL no transaction around it (autocommit on a
        pooled connection), on SQLite a read transaction as ``read_uow``."""
        return PiccoloUnitOfWork(
            self.engine, clock=self.clock, registry=self.registry, read_only=True, statement=True
        )
