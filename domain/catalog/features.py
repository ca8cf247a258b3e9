"""Machine-readable features (entitlements' catalog side), as Stripe's Entitlements features
(a ``lookup_key`` attached to products) and Chargebee's features with levels.

A ``Feature`` has a stable lookup ``key`` (what the business's product checks:
``analytics.export``, ``seats``, ``api-calls``) and a name shown to people. A plan code or an
add-on code *grants* features (``FeatureGrant``), each with a limit:

- ``access``: the feature is on, no quantity (a yes/no feature);
- ``quantity``: up to ``value`` (projects, included units); an add-on's grant counts once per
  add-on unit attached (an add-on of "5 projects" attached twice gives 10);
- ``unlimited``;
- ``per_seat``: the subscription's quantity (the seats bought) is the limit; only for a plan
  priced per seat (``quantities.is_per_seat``).

Grants belong to the plan *code*, as Stripe attaches features to a product: every version,
current or grandfathered, grants the same features, and a change applies to every subscriber
(``domain/catalog_admin/features.py`` refreshes their entitlements in the same transaction).
The free-text ``Plan.features`` stay what the pricing page shows; these are what the API's
entitlements report (``domain/subscriptions/entitlements.py``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from domain.catalog.model import Plan
from domain.catalog.quantities import is_per_seat, whole_number
from domain.shared.errors import ValidationFailed
from domain.shared.text import text_problem

MAX_KEY = 64
MAX_NAME = 120
MAX_LIMIT = 1_000_000_000
KEY_PATTERN = re.compile(r"[a-z0-9][a-z0-9_.\-]*")
KEY_RULE = (
    f"Use 1 to {MAX_KEY} lowercase letters, digits, '_', '-' or '.', starting with a letter "
    "or digit (e.g. analytics.export)."
)


class LimitKind(StrEnum):
    ACCESS = "access"
    QUANTITY = "quantity"
    UNLIMITED = "unlimited"
    PER_SEAT = "per_seat"


LIMIT_KIND_LABELS: dict[LimitKind, str] = {
    LimitKind.ACCESS: "Access only (no limit)",
    LimitKind.QUANTITY: "A quantity",
    LimitKind.UNLIMITED: "Unlimited",
    LimitKind.PER_SEAT: "The seats bought",
}


@dataclass(frozen=True, slots=True)
class Feature:
    key: str
    name: str
    created_at: datetime


@dataclass(frozen=True, slots=True)
class FeatureGrant:
    """``plan_code`` grants ``feature_key`` with a limit (``value`` only for ``quantity``)."""

    plan_code: str
    feature_key: str
    kind: LimitKind
    value: int | None = None

    def __post_init__(self) -> None:
        if (self.kind is LimitKind.QUANTITY) != (self.value is not None):
            raise ValueError("a quantity grant has a value; the other kinds have none")

    def describe(self) -> str:
        if self.kind is LimitKind.QUANTITY:
            return f"{self.value:,}"
        return LIMIT_KIND_LABELS[self.kind]


def key_problem(key: str) -> str | None:
    """Why ``key`` cannot be a feature's lookup key, or None."""
    if not key or len(key) > MAX_KEY or not KEY_PATTERN.fullmatch(key):
        return KEY_RULE
    return None


def parse_feature(key: str, name: str, *, at: datetime) -> Feature:
    """A new feature from what was typed; ``ValidationFailed`` names each bad field."""
    errors: dict[str, str] = {}
    key = key.strip()
    if problem := key_problem(key):
        errors["key"] = problem
    name = " ".join(name.split())
    if problem := parse_name_problem(name):
        errors["name"] = problem
    if errors:
        raise ValidationFailed(errors, message="Please correct the marked fields.",
                               code="catalog.invalid_feature")  # fmt: skip
    return Feature(key=key, name=name, created_at=at)


def parse_name_problem(name: str) -> str | None:
    if not name:
        return "Enter a name."
    return text_problem(name, max_length=MAX_NAME)


def parse_grant(plan: Plan, feature_key: str, kind: str, value: str) -> FeatureGrant:
    """A grant of ``feature_key`` by ``plan``'s code as typed in the admin."""
    errors: dict[str, str] = {}
    if key_problem(feature_key):
        errors["feature"] = "Choose a feature."
    try:
        limit_kind = LimitKind(kind)
    except ValueError:
        errors["limit_kind"] = "Choose what the plan grants."
        limit_kind = LimitKind.ACCESS
    number: int | None = None
    if limit_kind is LimitKind.QUANTITY:
        try:
            number = whole_number(value)
        except ValueError:
            number = -1
        if number is None or not 0 <= number <= MAX_LIMIT:
            errors["limit_value"] = f"Enter a whole number from 0 to {MAX_LIMIT:,}."
    elif limit_kind is LimitKind.PER_SEAT and not any(is_per_seat(p) for p in plan.prices):
        errors["limit_kind"] = "This plan is not priced per seat; choose a quantity instead."
    if errors:
        raise ValidationFailed(errors, message="Please correct the marked fields.",
                               code="catalog.invalid_feature_grant")  # fmt: skip
    return FeatureGrant(plan.code, feature_key, limit_kind, number)
