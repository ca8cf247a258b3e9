"""Settings come from the environment and are validated at start with one-line errors."""

from __future__ import annotations

import pytest

from web.settings import Environment, Settings, SettingsError

pytestmark = pytest.mark.unit


def test_defaults_give_an_embedded_development_setup() -> None:
    settings = Settings.from_env({})
    assert settings.env is Environment.DEVELOPMENT
    assert settings.database.url.backend == "sqlite"
    assert settings.database.url.sqlite_path == "var/app.db"
    assert settings.jobs.enabled and settings.jobs.concurrency == 4
    assert settings.demo_data
    assert not settings.secure_cookies
    assert len(settings.secret_key) >= 32


def test_production_requires_a_secret_key_and_secures_cookies() -> None:
    with pytest.raises(SettingsError, match="APP_SECRET_KEY is required"):
        Settings.from_env({"APP_ENV": "production"})
    settings = Settings.from_env(
        {"APP_ENV": "production", "APP_SECRET_KEY": "k" * 32, "PAYMENT_ALLOW_SANDBOX": "true"}
    )
    assert settings.secure_cookies
    assert not settings.demo_data
    assert not settings.api_schema


PRODUCTION = {"APP_ENV": "production", "APP_SECRET_KEY": "k" * 32}


@pytest.mark.parametrize("gateway", [{}, {"PAYMENT_GATEWAY": "sandbox"}])
def test_production_refuses_the_sandbox_unless_allowed(gateway: dict[str, str]) -> None:
    with pytest.raises(SettingsError, match="refuses PAYMENT_GATEWAY=sandbox"):
        Settings.from_env({**PRODUCTION, **gateway})
    with pytest.raises(SettingsError, match="refuses PAYMENT_GATEWAY=sandbox"):
        Settings.from_env({**PRODUCTION, **gateway, "PAYMENT_ALLOW_SANDBOX": "false"})
    allowed = Settings.from_env({**PRODUCTION, **gateway, "PAYMENT_ALLOW_SANDBOX": "true"})
    assert allowed.payments.gateway == "sandbox"
    assert Settings.from_env({**gateway}).payments.gateway == "sandbox"  # development: fine


def test_production_on_stripe_needs_the_webhook_secret() -> None:
    stripe = {**PRODUCTION, "PAYMENT_GATEWAY": "stripe", "STRIPE_API_KEY": "sk_live_x"}
    with pytest.raises(SettingsError, match="needs STRIPE_WEBHOOK_SECRET"):
        Settings.from_env(stripe)
    settings = Settings.from_env({**stripe, "STRIPE_WEBHOOK_SECRET": "whsec_live"})
    assert settings.payments.stripe_webhook_secret == "whsec_live"


def test_webhook_secrets_and_fingerprint_keys_are_per_installation() -> None:
    one = Settings.from_env({"APP_SECRET_KEY": "a" * 32}).payments
    same = Settings.from_env({"APP_SECRET_KEY": "a" * 32}).payments
    other = Settings.from_env({"APP_SECRET_KEY": "b" * 32}).payments
    assert one.sandbox_webhook_secret == same.sandbox_webhook_secret
    assert one.sandbox_webhook_secret != other.sandbox_webhook_secret
    assert one.sandbox_fingerprint_key != other.sandbox_fingerprint_key
    assert one.sandbox_webhook_secret != one.sandbox_fingerprint_key
    for value in (one.sandbox_webhook_secret, one.sandbox_fingerprint_key):
        assert value and "a" * 32 not in value and value != "whsec_sandbox"
    configured = Settings.from_env({"SANDBOX_WEBHOOK_SECRET": "s" * 40}).payments
    assert configured.sandbox_webhook_secret == "s" * 40
    with pytest.raises(SettingsError, match="SANDBOX_WEBHOOK_SECRET"):
        Settings.from_env({"SANDBOX_WEBHOOK_SECRET": "short"})


def test_the_webhook_tolerance_is_300_seconds_unless_set() -> None:
    assert Settings.from_env({}).payments.webhook_tolerance_s == 300
    assert Settings.from_env({"PAYMENT_WEBHOOK_TOLERANCE": "60"}).payments.webhook_tolerance_s == 60
    for bad in ("0", "-5", "soon", "100000"):
        with pytest.raises(SettingsError, match="PAYMENT_WEBHOOK_TOLERANCE"):
            Settings.from_env({"PAYMENT_WEBHOOK_TOLERANCE": bad})


def test_the_api_schema_is_served_in_production_only_when_asked() -> None:
    allowed = {**PRODUCTION, "PAYMENT_ALLOW_SANDBOX": "true"}
    assert Settings.from_env({}).api_schema
    assert not Settings.from_env(allowed).api_schema
    assert Settings.from_env({**allowed, "APP_API_SCHEMA": "true"}).api_schema


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({"APP_ENV": "staging"}, "APP_ENV='staging'"),
        ({"APP_SECRET_KEY": "short"}, "at least 32 characters"),
        ({"DATABASE_URL": "mysql://db/x"}, "unsupported scheme 'mysql'"),
        ({"DATABASE_URL": "sqlite://"}, "give a file"),
        ({"DATABASE_URL": "postgresql://u:hunter2@/db"}, "no host"),
        ({"APP_JOBS_CONCURRENCY": "0"}, "must be at least 1"),
        ({"APP_JOBS_CONCURRENCY": "four"}, "expected a whole number"),
        ({"APP_JOBS_ENABLED": "maybe"}, "expected true or false"),
        ({"APP_CURRENCY": "XYZ"}, "not an ISO 4217 code"),
        ({"ANALYTICS_REPORTING_CURRENCY": "EURO"}, "ANALYTICS_REPORTING_CURRENCY='EURO'"),
        ({"ANALYTICS_REPORTING_CURRENCY": "XAU"}, "not an ISO 4217 code the app knows"),
        ({"APP_TIMEZONE": "Mars/Olympus"}, "not an IANA time zone"),
        ({"APP_LOCALE": "xx_YY_ZZ"}, "not a known locale"),
        ({"APP_LOG_LEVEL": "LOUD"}, "APP_LOG_LEVEL"),
    ],
)
def test_bad_values_are_refused_with_a_clear_line(env: dict[str, str], message: str) -> None:
    with pytest.raises(SettingsError, match=message) as info:
        Settings.from_env(env)
    assert "\n" not in str(info.value)
    assert "hunter2" not in str(info.value), "passwords never appear in errors"


def test_the_reporting_currency_defaults_to_usd_and_is_normalised() -> None:
    assert Settings.from_env({}).reporting_currency == "USD"
    assert Settings.from_env({"ANALYTICS_REPORTING_CURRENCY": " eur "}).reporting_currency == "EUR"


def test_postgres_url_is_recognised() -> None:
    settings = Settings.from_env({"DATABASE_URL": "postgresql://app:secret@db:5432/billing"})
    assert settings.database.url.backend == "postgres"
    assert settings.database.url.display == "postgresql://app:***@db:5432/billing"


def test_mail_settings_default_to_the_outbox_and_a_local_sender() -> None:
    settings = Settings.from_env({})
    assert settings.mail.smtp_url is None
    assert settings.mail.mail_from == "billing@localhost"
    configured = Settings.from_env(
        {"SMTP_URL": "smtps://u:p@mail.example.com", "MAIL_FROM": "Billing <b@example.com>"}
    )
    assert configured.mail.smtp_url == "smtps://u:p@mail.example.com"
    assert configured.mail.mail_from == "Billing <b@example.com>"


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({"SMTP_URL": "http://mail.example.com"}, "SMTP_URL='http://mail.example.com': expected"),
        ({"SMTP_URL": "smtp://u:secret@:25"}, "SMTP_URL='smtp://"),
        ({"MAIL_FROM": "billing"}, "MAIL_FROM='billing': expected an address"),
        ({"MAIL_FROM": "a@b.c\r\nBcc: x@y.z"}, "MAIL_FROM="),
    ],
)
def test_bad_mail_settings_are_refused(env: dict[str, str], message: str) -> None:
    with pytest.raises(SettingsError) as err:
        Settings.from_env(env)
    assert str(err.value).startswith(message)
    assert "secret" not in str(err.value)


def test_the_invoice_letterhead_comes_from_seller_settings() -> None:
    from web.jobs import seller_from

    settings = Settings.from_env(
        {
            "SELLER_NAME": "Acme Billing GmbH",
            "SELLER_ADDRESS": "Hauptstr. 1 | 10115 Berlin",
            "SELLER_COUNTRY": "de",
            "SELLER_TAX_ID": "DE123456789",
            "SELLER_EMAIL": "billing@acme.test",
            "SELLER_TAX_NAME": "VAT",
            "SELLER_PAYMENT_TERMS_DAYS": "14",
            "APP_PUBLIC_URL": "https://billing.acme.test",
        }
    )
    seller = seller_from(settings)
    assert (seller.name, seller.address_lines, seller.country) == (
        "Acme Billing GmbH",
        ("Hauptstr. 1", "10115 Berlin"),
        "DE",
    )
    assert (seller.tax_id, seller.tax_name, seller.payment_terms_days) == ("DE123456789", "VAT", 14)
    assert seller.website == "billing.acme.test"
    with pytest.raises(SettingsError):
        Settings.from_env({"SELLER_PAYMENT_TERMS_DAYS": "-1"})
    with pytest.raises(SettingsError):
        Settings.from_env({"APP_PUBLIC_URL": "not a url"})
    with pytest.raises(SettingsError):
        Settings.from_env({"PAYMENT_GATEWAY": "stripe"})  # without a key


OIDC = {
    "OIDC_ISSUER": "https://id.example.com/",
    "OIDC_CLIENT_ID": "billing",
    "OIDC_CLIENT_SECRET": "s3cret",
    "OIDC_NAME": "Acme SSO",
}


def test_oidc_sign_in_is_off_unless_configured() -> None:
    assert Settings.from_env({}).oidc_providers == ()


def test_oidc_settings_give_one_provider_with_a_default_slug() -> None:
    (provider,) = Settings.from_env(OIDC).oidc_providers
    assert (provider.slug, provider.name, provider.issuer) == (
        "oidc",
        "Acme SSO",
        "https://id.example.com",
    )
    assert (provider.client_id, provider.client_secret) == ("billing", "s3cret")
    (custom,) = Settings.from_env({**OIDC, "OIDC_SLUG": "acme"}).oidc_providers
    assert custom.slug == "acme"


@pytest.mark.parametrize(
    ("env", "message"),
    [
        (
            {"OIDC_ISSUER": "https://id.example.com"},
            "OIDC_ISSUER is set, so OpenID Connect sign-in also needs OIDC_CLIENT_ID, "
            "OIDC_CLIENT_SECRET, OIDC_NAME",
        ),
        ({**OIDC, "OIDC_NAME": ""}, "also needs OIDC_NAME"),
        ({**OIDC, "OIDC_ISSUER": "http://id.example.com"}, "an https URL"),
        ({**OIDC, "OIDC_ISSUER": "id.example.com"}, "an https URL"),
        ({**OIDC, "OIDC_SLUG": "Acme SSO"}, "OIDC_SLUG='Acme SSO'"),
    ],
)
def test_bad_oidc_settings_fail_with_one_line(env: dict[str, str], message: str) -> None:
    with pytest.raises(SettingsError) as error:
        Settings.from_env(env)
    assert message in str(error.value) and "\n" not in str(error.value)


def test_oidc_issuer_may_be_plain_http_on_loopback_only() -> None:
    (provider,) = Settings.from_env({**OIDC, "OIDC_ISSUER": "http://127.0.0.1:4000"}).oidc_providers
    assert provider.issuer == "http://127.0.0.1:4000"


def test_staff_totp_key_is_its_own_setting_or_the_secret_key() -> None:
    assert Settings.from_env({"APP_SECRET_KEY": "a" * 32}).staff_totp_key == "a" * 32
    own = Settings.from_env({"APP_SECRET_KEY": "a" * 32, "STAFF_TOTP_KEY": "b" * 32})
    assert own.staff_totp_key == "b" * 32 and "b" * 32 not in repr(own)
    with pytest.raises(SettingsError, match="STAFF_TOTP_KEY must be at least 32"):
        Settings.from_env({"STAFF_TOTP_KEY": "short"})
    generated = Settings.from_env({}).staff_totp_key  # development: generated, as the secret key
    assert len(generated) >= 32 and generated != Settings.from_env({}).staff_totp_key
