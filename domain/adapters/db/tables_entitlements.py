"""Piccolo tables of entitlements (listed in ``tables.py``'s ``ALL_TABLES``): the catalog's
features and the grants of plan codes (``domain/catalog/features.py``), and the
``customer_entitlement`` read model (``domain/subscriptions/entitlements.py``).

A grant's ``id`` is ``<plan code>/<feature key>`` and an entitlement's ``<customer id>/<feature
key>``: the primary key is the one-row-per-pair rule, with no composite index to declare."""

from __future__ import annotations

from piccolo.columns import BigInt, Boolean, Text, Timestamptz, Varchar
from piccolo.table import Table


class FeatureTable(Table, tablename="feature"):
    key = Varchar(length=64, primary_key=True)
    name = Varchar(length=120)
    created_at = Timestamptz()


class PlanFeatureTable(Table, tablename="plan_feature"):
    id = Varchar(length=140, primary_key=True)
    plan_code = Varchar(length=64, index=True)
    feature_key = Varchar(length=64, index=True)
    limit_kind = Varchar(length=16)
    limit_value = BigInt(null=True, default=None)


class CustomerEntitlementTable(Table, tablename="customer_entitlement"):
    id = Varchar(length=110, primary_key=True)
    customer = Varchar(length=36, index=True)
    feature_key = Varchar(length=64, index=True)
    feature_name = Varchar(length=120)
    limit_kind = Varchar(length=16)
    limit_value = BigInt(null=True, default=None)
    has_access = Boolean(default=False)
    subscriptions = Text(default="[]")  # JSON: the ids of the subscriptions that grant it
    updated_at = Timestamptz()


ENTITLEMENT_TABLES: tuple[type[Table], ...] = (
    FeatureTable,
    PlanFeatureTable,
    CustomerEntitlementTable,
)
