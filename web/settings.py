"""Settings read once from the environment and validated at start; only ``web/`` reads them.

Every setting, its variable and default is listed in docs/operations.md's configuration table.
"""

from __future__ import annotations

import os
import re
import secrets
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from enum import StrEnum

from domain.adapters.db.engine import DatabaseConfigError, DatabaseUrl
from domain.billing.config import BillingConfig
from domain.subscriptions.engine import Refund


class SettingsError(Exception):
    """A setting is missing or malformed; ``str()`` is one line naming the variable."""


class Environment(StrEnum):
    DEVELOPMENT = "development"
    TEST = "test"
    PRODUCTION = "production"


@dataclass(frozen=True, slots=True)
class DatabaseSettings:
    url: DatabaseUrl
    pool_size: int = 10


@dataclass(frozen=True, slots=True)
class JobSettings:
    enabled: bool = True
    concurrency: int = 4
    poll_interval_s: float = 1.0
    shutdown_grace_s: float = 30.0


@dataclass(frozen=True, slots=True)
class SellerSettings:
    """The business as printed on invoices (``SELLER_*``); unset fields fall back to the demo."""

    name: str | None = None
    address_lines: tuple[str, ...] = ()
    country: str | None = None
    tax_id: str | None = None
    email: str | None = None
    tax_name: str = "Tax"
    payment_terms_days: int = 0


@dataclass(frozen=True, slots=True)
class PaymentSettings:
    """The gateway and its secrets. The sandbox's webhook secret and fingerprint key are per
    installation: ``SANDBOX_WEBHOOK_SECRET`` or derived from ``APP_SECRET_KEY`` (as is the
    fingerprint key); a ``PaymentSettings()`` built by hand gets random ones (None)."""

    gateway: str = "sandbox"  # sandbox | stripe
    sandbox_failure_rate: float = 0.0
    sandbox_webhook_secret: str | None = None
    sandbox_fingerprint_key: str | None = None
    allow_sandbox_in_production: bool = False
    webhook_tolerance_s: int = 300
    stripe_api_key: str | None = None
    stripe_api_base: str | None = None
    stripe_webhook_secret: str | None = None


@dataclass(frozen=True, slots=True)
class MailSettings:
    smtp_url: str | None = None  # None: e-mails stay in the outbox (development)
    mail_from: str = "billing@localhost"


@dataclass(frozen=True, slots=True)
class OidcProviderSettings:
    """One "Sign in with ..." provider (``OIDC_*``). ``slug`` names it in URLs
    (``/auth/oidc/{slug}/callback``), ``name`` labels its button."""

    slug: str
    name: str
    issuer: str
    client_id: str
    client_secret: str


@dataclass(frozen=True, slots=True)
class PortalSettings:
    """The subscriber portal's cancellation flow: the coupon offered to a subscriber who finds the
    price too high (None: no offer), and what "cancel now" gives back for the unused time."""

    retention_coupon: str | None = None
    cancel_now_refund: Refund = Refund.PRORATED_CREDIT


@dataclass(frozen=True, slots=True)
class Settings:
    env: Environment
    secret_key: str
    database: DatabaseSettings
    jobs: JobSettings = field(default_factory=JobSettings)
    brand_name: str = "Tessera"
    public_url: str = "http://127.0.0.1:8000"  # links in e-mails and PDFs
    public_url_set: bool = False  # APP_PUBLIC_URL was given; else serve derives it (served_at)
    default_currency: str = "USD"
    default_locale: str = "en_US"
    default_timezone: str = "UTC"
    log_level: str = "INFO"
    demo_data: bool = True
    api_schema: bool = True  # serve /api/schema (OpenAPI)
    billing: BillingConfig = field(default_factory=BillingConfig)
    payments: PaymentSettings = field(default_factory=PaymentSettings)
    seller: SellerSettings = field(default_factory=SellerSettings)
    mail: MailSettings = field(default_factory=MailSettings)
    oidc_providers: tuple[OidcProviderSettings, ...] = ()
    staff_oidc: OidcProviderSettings | None = None  # staff single sign-on (STAFF_OIDC_*)
    # what the key sealing staff TOTP secrets is derived from: STAFF_TOTP_KEY, else the secret key
    staff_totp_key: str = field(default="", repr=False)
    portal: PortalSettings = field(default_factory=PortalSettings)
    # the most the support role refunds at once, in major units of the invoice's currency
    support_refund_limit: int = 100
    # a price migration's default notice, in days (the form may choose another)
    price_change_notice_days: int = 30
    # analytics report every amount in this currency, converted with the exchange rates staff
    # enter (ANALYTICS_REPORTING_CURRENCY; docs/analytics.md, "Exchange rates")
    reporting_currency: str = "USD"
    # /api/v1: requests per key per window (API_RATE_LIMIT, API_RATE_WINDOW_S; docs/operations.md)
    api_rate_limit: int = 100
    api_rate_window_s: int = 10

    @property
    def is_development(self) -> bool:
        return self.env is not Environment.PRODUCTION

    @property
    def secure_cookies(self) -> bool:
        return self.env is Environment.PRODUCTION

    def served_at(self, host: str, port: int) -> Settings:
        """These settings for an app serving on ``host:port``: without ``APP_PUBLIC_URL``, links
        point at that address (a wildcard bind, ``0.0.0.0`` or ``::``, at this machine's
        loopback address on that port)."""
        if self.public_url_set:
            return self
        return replace(self, public_url=bound_url(host, port))

    @staticmethod
    def from_env(environ: Mapping[str, str] | None = None) -> Settings:
        env_vars = os.environ if environ is None else environ
        return _parse(env_vars)


def _bool(env: Mapping[str, str], name: str, default: bool) -> bool:
    raw = env.get(name)
    if raw is None or raw == "":
        return default
    value = raw.strip().lower()
    if value in ("1", "true", "yes", "on"):
        return True
    if value in ("0", "false", "no", "off"):
        return False
    raise SettingsError(f"{name}={raw!r}: expected true or false")


def _number(
    env: Mapping[str, str],
    name: str,
    default: float,
    *,
    minimum: float,
    integer: bool,
    maximum: float | None = None,
) -> float:
    raw = env.get(name)
    if raw is None or raw == "":
        return default
    try:
        value = int(raw) if integer else float(raw)
    except ValueError:
        kind = "a whole number" if integer else "a number"
        raise SettingsError(f"{name}={raw!r}: expected {kind}") from None
    if value < minimum:
        raise SettingsError(f"{name}={raw!r}: must be at least {minimum:g}")
    if maximum is not None and value > maximum:
        raise SettingsError(f"{name}={raw!r}: must be at most {maximum:g}")
    return value


def bound_url(host: str, port: int) -> str:
    """``http://host:port`` for a server bound there (IPv6 in brackets, wildcards as loopback)."""
    host = host.strip().strip("[]") or "127.0.0.1"
    if host == "0.0.0.0":  # noqa: S104  (the wildcard: its loopback address)
        host = "127.0.0.1"
    elif host == "::":
        host = "::1"
    return f"http://[{host}]:{port}" if ":" in host else f"http://{host}:{port}"


def _public_url(env: Mapping[str, str]) -> str:
    url = (env.get("APP_PUBLIC_URL") or "http://127.0.0.1:8000").strip().rstrip("/")
    if not re.fullmatch(r"https?://[^\s/]+(/[^\s]*)?", url):
        raise SettingsError(
            f"APP_PUBLIC_URL={url!r}: an http(s) URL such as https://billing.example.com"
        )
    return url


def _billing(env: Mapping[str, str]) -> BillingConfig:
    from domain.pricing.proration import ProrationUnit
    from domain.pricing.totals import TaxRounding
    from domain.shared.money import Rounding

    def choice(name: str, enum: type[StrEnum], default: str) -> str:
        value = env.get(name, default).strip().lower()
        allowed = [e.value for e in enum]
        if value not in allowed:
            raise SettingsError(f"{name}={value!r}: expected one of {', '.join(allowed)}")
        return value

    seller = env.get("BILLING_SELLER_COUNTRY", "US").strip().upper()
    if len(seller) != 2 or not seller.isalpha():
        raise SettingsError(f"BILLING_SELLER_COUNTRY={seller!r}: a two-letter ISO country code")
    config = BillingConfig(
        seller_country=seller,
        proration=ProrationUnit(choice("BILLING_PRORATION", ProrationUnit, "day")),
        rounding=Rounding(choice("BILLING_ROUNDING", Rounding, "half_up")),
        tax_rounding=TaxRounding(choice("BILLING_TAX_ROUNDING", TaxRounding, "per_invoice")),
        invoice_prefix=env.get("BILLING_INVOICE_PREFIX", "INV-{year}-"),
        credit_note_prefix=env.get("BILLING_CREDIT_NOTE_PREFIX", "CN-{year}-"),
    )
    for name, prefix in (
        ("BILLING_INVOICE_PREFIX", config.invoice_prefix),
        ("BILLING_CREDIT_NOTE_PREFIX", config.credit_note_prefix),
    ):
        try:
            rendered = prefix.format(year=2026)
        except (KeyError, IndexError, ValueError):
            raise SettingsError(f"{name}={prefix!r}: only {{year}} may be substituted") from None
        if not re.fullmatch(r"[A-Z0-9][A-Z0-9-]{0,30}", rendered):
            raise SettingsError(
                f"{name}={prefix!r}: capital letters, digits and dashes, e.g. INV-{{year}}-"
            )
    return config


def _payments(env: Mapping[str, str], app_env: Environment, secret: str) -> PaymentSettings:
    from domain.adapters.payments.webhook_signing import derive_secret

    production = app_env is Environment.PRODUCTION
    gateway = env.get("PAYMENT_GATEWAY", "sandbox").strip().lower()
    if gateway not in ("sandbox", "stripe"):
        raise SettingsError(f"PAYMENT_GATEWAY={gateway!r}: expected sandbox or stripe")
    allow_sandbox = _bool(env, "PAYMENT_ALLOW_SANDBOX", False)
    if production and gateway == "sandbox" and not allow_sandbox:
        raise SettingsError(
            "APP_ENV=production refuses PAYMENT_GATEWAY=sandbox (the default: it takes no real "
            "money and accepts any valid-looking card); set PAYMENT_GATEWAY=stripe, or "
            "PAYMENT_ALLOW_SANDBOX=true for a demo installation"
        )
    key = env.get("STRIPE_API_KEY") or None
    if gateway == "stripe" and not key:
        raise SettingsError("PAYMENT_GATEWAY=stripe needs STRIPE_API_KEY")
    stripe_webhook_secret = env.get("STRIPE_WEBHOOK_SECRET") or None
    if production and gateway == "stripe" and not stripe_webhook_secret:
        raise SettingsError(
            "PAYMENT_GATEWAY=stripe in production needs STRIPE_WEBHOOK_SECRET (the endpoint's "
            "signing secret, whsec_...)"
        )
    sandbox_secret = env.get("SANDBOX_WEBHOOK_SECRET", "").strip() or None
    if sandbox_secret is not None and len(sandbox_secret) < 32:
        raise SettingsError("SANDBOX_WEBHOOK_SECRET must be at least 32 characters")
    return PaymentSettings(
        gateway=gateway,
        sandbox_failure_rate=_number(
            env, "SANDBOX_FAILURE_RATE", 0.0, minimum=0, integer=False, maximum=1
        ),
        sandbox_webhook_secret=sandbox_secret or derive_secret(secret, "sandbox-webhook"),
        sandbox_fingerprint_key=derive_secret(secret, "sandbox-card-fingerprint"),
        allow_sandbox_in_production=allow_sandbox,
        webhook_tolerance_s=int(
            _number(env, "PAYMENT_WEBHOOK_TOLERANCE", 300, minimum=1, integer=True, maximum=86_400)
        ),
        stripe_api_key=key,
        stripe_api_base=env.get("STRIPE_API_BASE") or None,
        stripe_webhook_secret=stripe_webhook_secret,
    )


def _mail(env: Mapping[str, str]) -> MailSettings:
    from email.utils import parseaddr

    from domain.adapters.mail_smtp import SmtpUrl, redact_url

    smtp_url = env.get("SMTP_URL", "").strip() or None
    if smtp_url is not None:
        try:
            SmtpUrl.parse(smtp_url)
        except ValueError as exc:
            raise SettingsError(f"SMTP_URL={redact_url(smtp_url)!r}: {exc}") from None
    mail_from = env.get("MAIL_FROM", "").strip() or "billing@localhost"
    address = parseaddr(mail_from)[1]
    local, at, domain = address.partition("@")
    if (
        not (local and at and domain)
        or "@" in domain
        or any(c in mail_from for c in "\r\n")
        or any(c.isspace() for c in address)
    ):
        raise SettingsError(
            f"MAIL_FROM={mail_from!r}: expected an address, e.g. billing@example.com or "
            "'Example Billing <billing@example.com>'"
        )
    return MailSettings(smtp_url=smtp_url, mail_from=mail_from)


OIDC_VARIABLES = ("OIDC_ISSUER", "OIDC_CLIENT_ID", "OIDC_CLIENT_SECRET", "OIDC_NAME")
STAFF_OIDC_VARIABLES = ("STAFF_OIDC_ISSUER", "STAFF_OIDC_CLIENT_ID", "STAFF_OIDC_CLIENT_SECRET")
STAFF_OIDC_DEFAULT_NAME = "single sign-on"


def _oidc(env: Mapping[str, str]) -> tuple[OidcProviderSettings, ...]:
    """Zero or one provider: all of OIDC_ISSUER, OIDC_CLIENT_ID, OIDC_CLIENT_SECRET and OIDC_NAME,
    or none of them (a list of providers would parse ``OIDC_<N>_*`` the same way)."""
    provider = _oidc_provider(env, "", OIDC_VARIABLES, slug="oidc", name="")
    if provider is None:
        return ()
    slug = env.get("OIDC_SLUG", "").strip() or "oidc"
    if not re.fullmatch(r"[a-z0-9][a-z0-9-]{0,39}", slug):
        raise SettingsError(f"OIDC_SLUG={slug!r}: lower-case letters, digits and dashes")
    return (replace(provider, slug=slug),)


def _staff_oidc(env: Mapping[str, str]) -> OidcProviderSettings | None:
    """Staff single sign-on, separate from the subscribers' provider: all of STAFF_OIDC_ISSUER,
    STAFF_OIDC_CLIENT_ID and STAFF_OIDC_CLIENT_SECRET, or none; STAFF_OIDC_NAME labels the
    button (default "single sign-on")."""
    return _oidc_provider(
        env, "STAFF_", STAFF_OIDC_VARIABLES, slug="staff", name=STAFF_OIDC_DEFAULT_NAME
    )


def _oidc_provider(
    env: Mapping[str, str], prefix: str, required: tuple[str, ...], *, slug: str, name: str
) -> OidcProviderSettings | None:
    """One provider from ``<prefix>OIDC_*``: every variable in ``required`` or none of them;
    ``name`` is the button's label when ``<prefix>OIDC_NAME`` is optional."""
    names = (*required, f"{prefix}OIDC_NAME")
    values = {n: env.get(n, "").strip() for n in names}
    given = [n for n, value in values.items() if value]
    if not given:
        return None
    missing = [n for n in required if not values[n]]
    if missing:
        raise SettingsError(
            f"{given[0]} is set, so OpenID Connect sign-in also needs {', '.join(missing)}"
        )
    issuer = values[f"{prefix}OIDC_ISSUER"].rstrip("/")
    parts = re.fullmatch(r"(https?)://([^/\s:]+|\[[^\]]+\])(:\d+)?(/\S*)?", issuer)
    loopback = parts is not None and parts.group(2) in ("127.0.0.1", "[::1]", "localhost")
    if parts is None or not (parts.group(1) == "https" or loopback):
        raise SettingsError(
            f"{prefix}OIDC_ISSUER={issuer!r}: an https URL (http only on 127.0.0.1 or localhost)"
        )
    return OidcProviderSettings(
        slug=slug,
        name=values[f"{prefix}OIDC_NAME"] or name,
        issuer=issuer,
        client_id=values[f"{prefix}OIDC_CLIENT_ID"],
        client_secret=values[f"{prefix}OIDC_CLIENT_SECRET"],
    )


def _staff_totp_key(env: Mapping[str, str], secret: str) -> str:
    """STAFF_TOTP_KEY (32+ characters), else the secret key: staff TOTP secrets are encrypted
    with a key derived from it. A separate key lets APP_SECRET_KEY be rotated without losing
    every enrolled authenticator (docs/admin.md)."""
    key = env.get("STAFF_TOTP_KEY", "").strip()
    if key and len(key) < 32:
        raise SettingsError("STAFF_TOTP_KEY must be at least 32 characters")
    return key or secret


def _parse(env: Mapping[str, str]) -> Settings:
    raw_env = env.get("APP_ENV", "development").strip().lower()
    try:
        app_env = Environment(raw_env)
    except ValueError:
        choices = ", ".join(e.value for e in Environment)
        raise SettingsError(f"APP_ENV={raw_env!r}: expected one of {choices}") from None

    secret = env.get("APP_SECRET_KEY", "")
    if not secret:
        if app_env is Environment.PRODUCTION:
            raise SettingsError("APP_SECRET_KEY is required in production (32+ random characters)")
        secret = secrets.token_urlsafe(32)  # development: sessions last until the process restarts
    elif len(secret) < 32:
        raise SettingsError("APP_SECRET_KEY must be at least 32 characters")

    try:
        db_url = DatabaseUrl.parse(env.get("DATABASE_URL", "sqlite:///var/app.db"))
    except DatabaseConfigError as exc:
        raise SettingsError(str(exc)) from None

    from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

    from babel import Locale, UnknownLocaleError

    locale = env.get("APP_LOCALE", "en_US")
    try:
        Locale.parse(locale)
    except (ValueError, UnknownLocaleError):
        raise SettingsError(
            f"APP_LOCALE={locale!r}: not a known locale (e.g. en_US, de_DE)"
        ) from None
    tz = env.get("APP_TIMEZONE", "UTC")
    try:
        ZoneInfo(tz)
    except (ZoneInfoNotFoundError, ValueError):
        raise SettingsError(
            f"APP_TIMEZONE={tz!r}: not an IANA time zone (e.g. Europe/Berlin)"
        ) from None

    from domain.shared.errors import ValidationFailed
    from domain.shared.money import Currency

    currency = env.get("APP_CURRENCY", "USD")
    try:
        Currency.of(currency)
    except ValidationFailed:
        raise SettingsError(f"APP_CURRENCY={currency!r}: not an ISO 4217 code") from None

    reporting = (env.get("ANALYTICS_REPORTING_CURRENCY") or "USD").strip()
    try:
        reporting = Currency.of(reporting).code
    except ValidationFailed:
        raise SettingsError(
            f"ANALYTICS_REPORTING_CURRENCY={reporting!r}: not an ISO 4217 code the app knows"
        ) from None

    log_level = env.get("APP_LOG_LEVEL", "INFO").upper()
    if log_level not in ("DEBUG", "INFO", "WARNING", "ERROR"):
        raise SettingsError(f"APP_LOG_LEVEL={log_level!r}: expected DEBUG, INFO, WARNING or ERROR")

    return Settings(
        env=app_env,
        secret_key=secret,
        database=DatabaseSettings(
            url=db_url,
            pool_size=int(_number(env, "APP_DB_POOL_SIZE", 10, minimum=1, integer=True)),
        ),
        jobs=JobSettings(
            enabled=_bool(env, "APP_JOBS_ENABLED", True),
            concurrency=int(_number(env, "APP_JOBS_CONCURRENCY", 4, minimum=1, integer=True)),
            poll_interval_s=_number(
                env, "APP_JOBS_POLL_INTERVAL", 1.0, minimum=0.01, integer=False
            ),
            shutdown_grace_s=_number(
                env, "APP_JOBS_SHUTDOWN_GRACE", 30.0, minimum=0, integer=False
            ),
        ),
        brand_name=env.get("APP_BRAND_NAME", "Tessera").strip() or "Tessera",
        public_url=_public_url(env),
        public_url_set=bool((env.get("APP_PUBLIC_URL") or "").strip()),
        default_currency=Currency.of(currency).code,
        default_locale=locale,
        default_timezone=tz,
        log_level=log_level,
        demo_data=_bool(env, "APP_DEMO_DATA", app_env is not Environment.PRODUCTION),
        api_schema=_bool(env, "APP_API_SCHEMA", app_env is not Environment.PRODUCTION),
        billing=_billing(env),
        payments=_payments(env, app_env, secret),
        seller=SellerSettings(
            name=env.get("SELLER_NAME") or None,
            address_lines=tuple(
                line.strip() for line in env.get("SELLER_ADDRESS", "").split("|") if line.strip()
            ),
            country=(env.get("SELLER_COUNTRY") or "").upper() or None,
            tax_id=env.get("SELLER_TAX_ID") or None,
            email=env.get("SELLER_EMAIL") or None,
            tax_name=env.get("SELLER_TAX_NAME") or "Tax",
            payment_terms_days=int(
                _number(env, "SELLER_PAYMENT_TERMS_DAYS", 0, minimum=0, integer=True, maximum=120)
            ),
        ),
        mail=_mail(env),
        oidc_providers=_oidc(env),
        staff_oidc=_staff_oidc(env),
        staff_totp_key=_staff_totp_key(env, secret),
        portal=_portal(env),
        support_refund_limit=int(
            _number(env, "SUPPORT_REFUND_LIMIT", 100, minimum=0, maximum=10**9, integer=True)
        ),
        price_change_notice_days=int(
            _number(env, "PRICE_CHANGE_NOTICE_DAYS", 30, minimum=1, maximum=365, integer=True)
        ),
        reporting_currency=reporting,
        api_rate_limit=int(
            _number(env, "API_RATE_LIMIT", 100, minimum=1, maximum=1_000_000, integer=True)
        ),
        api_rate_window_s=int(
            _number(env, "API_RATE_WINDOW_S", 10, minimum=1, maximum=3600, integer=True)
        ),
    )


def _portal(env: Mapping[str, str]) -> PortalSettings:
    coupon = (env.get("RETENTION_COUPON") or "").strip().upper() or None
    if coupon is not None and not re.fullmatch(r"[A-Z0-9_-]{2,40}", coupon):
        raise SettingsError(
            f"RETENTION_COUPON={coupon!r}: a coupon code (letters, digits, - and _), e.g. STAY20"
        )
    raw = (env.get("PORTAL_CANCEL_NOW_REFUND") or Refund.PRORATED_CREDIT.value).strip().lower()
    try:
        refund = Refund(raw)
    except ValueError:
        choices = ", ".join(r.value for r in Refund)
        raise SettingsError(f"PORTAL_CANCEL_NOW_REFUND={raw!r}: one of {choices}") from None
    return PortalSettings(retention_coupon=coupon, cancel_now_refund=refund)
