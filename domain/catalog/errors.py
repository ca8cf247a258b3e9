"""The catalog's error codes (tests assert these, not the messages)."""

from __future__ import annotations

from enum import StrEnum


class CatalogErrorCode(StrEnum):
    PLAN_NOT_FOUND = "catalog.plan_not_found"
    INTERVAL_CHANGE = "catalog.interval_change"
    PRICES_REQUIRED = "catalog.prices_required"
    DUPLICATE_CURRENCY = "catalog.duplicate_currency"
    NOT_AN_ADDON = "catalog.not_an_addon"
    NOT_A_BASE_PLAN = "catalog.not_a_base_plan"
    ADDON_NOT_ALLOWED = "catalog.addon_not_allowed"
    ADDON_INTERVAL_MISMATCH = "catalog.addon_interval_mismatch"
    CURRENCY_NOT_OFFERED = "catalog.currency_not_offered"
    INVALID_QUANTITY = "catalog.invalid_quantity"
    CHANGE_RULE_NOT_FOUND = "catalog.change_rule_not_found"
    INVALID_CHANGE_RULE = "catalog.invalid_change_rule"
    CONCURRENT_VERSION = "catalog.concurrent_version"
    INVALID_PRICING_INPUT = "catalog.invalid_pricing_input"
    INVALID_USAGE = "catalog.invalid_usage"
    NOT_A_USAGE_PLAN = "catalog.not_a_usage_plan"
    NOTHING_CHANGED = "catalog.nothing_changed"
    CODE_TAKEN = "catalog.code_taken"
