"""Choosing the payment gateway from the settings (the composition root calls this)."""

from __future__ import annotations

from piccolo.engine.base import Engine

from domain.adapters.payments.sandbox import SandboxGateway
from domain.payments.ports import PaymentGateway
from web.settings import PaymentSettings


def make_gateway(settings: PaymentSettings, engine: Engine) -> PaymentGateway:
    if settings.gateway == "stripe":  # pragma: no cover - wired when the adapter lands
        raise NotImplementedError("the stripe gateway adapter is not wired yet")
    return SandboxGateway(engine, failure_rate=settings.sandbox_failure_rate)
