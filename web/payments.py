"""Choosing the payment gateway from the settings (the composition root calls this)."""

from __future__ import annotations

from piccolo.engine.base import Engine

from domain.adapters.payments.sandbox import SandboxGateway
from domain.adapters.payments.stripe_gateway import StripeGateway
from domain.payments.ports import PaymentGateway
from domain.shared.clock import Clock
from web.settings import PaymentSettings


def make_gateway(settings: PaymentSettings, engine: Engine, clock: Clock) -> PaymentGateway:
    """The configured gateway; ``clock`` times its webhook signatures' tolerance."""
    if settings.gateway == "stripe":
        assert settings.stripe_api_key is not None  # the settings refuse stripe without a key
        return StripeGateway(
            settings.stripe_api_key,
            api_base=settings.stripe_api_base,
            webhook_secret=settings.stripe_webhook_secret,
            webhook_tolerance_s=settings.webhook_tolerance_s,
            clock=clock,
        )
    return SandboxGateway(
        engine,
        webhook_secret=settings.sandbox_webhook_secret,
        fingerprint_key=settings.sandbox_fingerprint_key,
        webhook_tolerance_s=settings.webhook_tolerance_s,
        clock=clock,
        failure_rate=settings.sandbox_failure_rate,
    )
