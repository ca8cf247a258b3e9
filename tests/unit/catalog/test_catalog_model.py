"""Catalog value objects: validation of charges, and the plan card read model."""

from __future__ import annotations

from decimal import Decimal

import pytest

from domain.catalog.demo import demo_plans
from domain.catalog.views import PlanCard
from domain.pricing.model import Charge, ChargeModel, Tier
from domain.shared.errors import ValidationFailed
from domain.shared.money import Money

pytestmark = pytest.mark.unit


def test_tiered_charge_needs_an_open_last_tier() -> None:
    with pytest.raises(ValidationFailed):
        Charge(ChargeModel.GRADUATED, tiers=(Tier(Decimal(10), Decimal(1)),))


def test_tier_bounds_must_increase() -> None:
    with pytest.raises(ValidationFailed):
        Charge(
            ChargeModel.VOLUME,
            tiers=(
                Tier(Decimal(10), Decimal(1)),
                Tier(Decimal(5), Decimal(1)),
                Tier(None, Decimal(1)),
            ),
        )


def test_package_needs_a_size() -> None:
    with pytest.raises(ValidationFailed):
        Charge(ChargeModel.PACKAGE, package_size=0)


def test_plan_cards_show_headline_prices_per_currency() -> None:
    cards = {p.code: PlanCard.of(p) for p in demo_plans()}
    team_usd = next(p for p in cards["team-monthly"].prices if p.currency == "USD")
    assert team_usd.headline == Money.of_minor(1200, "USD")
    assert team_usd.headline_suffix == "per seat / month"
    scale_eur = next(p for p in cards["scale-monthly"].prices if p.currency == "EUR")
    assert scale_eur.headline == Money.of_minor(8900, "EUR")
    assert scale_eur.headline_suffix == "/ month + usage"
    usage = next(c for c in scale_eur.charges if c.is_usage)
    assert [(t.first_unit, t.last_unit) for t in usage.tiers] == [
        ("1", "10,000"),
        ("10,001", "100,000"),
        ("100,001", None),
    ]
    assert usage.tiers[1].unit_price.minor == Decimal("0.2")
