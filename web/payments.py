"""Choosing the payment gateway from the settings (the composition root calls this)."""

from __future__ import annotations

from piccolo.engine.base import Engine

from domain.adapters.payments.sandbox import SandboxGateway
from domain.adapters.payments.stripe_gateway import StripeGateway
from domain.payments.ports import PaymentGateway
from web.settings import PaymentSettings


def make_gateway(settings: PaymentSettings, engine: Engine) -> PaymentGateway:
    if settings.gateway == "stripe":
        assert settings.stripe_api_key is not None  # the settings refuse stripe without a key
        return StripeGateway(
            settings.stripe_api_key,
            api_base=settings.stripe_api_base,
            webhook_secret=settings.stripe_webhook_secret,
        )
    return SandboxGateway(engine, failure_rate=settings.sandbox_failure_rate)
