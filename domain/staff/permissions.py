"""Permissions and the one table of which role holds which. Every /admin route declares the
permission it needs; use cases check it again (``require``)."""

from __future__ import annotations

from enum import StrEnum

from domain.shared.errors import PermissionDenied
from domain.staff.model import Role, SignedInStaff


class Permission(StrEnum):
    DASHBOARD_VIEW = "dashboard.view"
    CUSTOMERS_READ = "customers.read"
    CUSTOMERS_ACT = "customers.act"  # cancel, pause, resend an e-mail, notes ...
    REFUND_UP_TO_LIMIT = "money.refund_up_to_limit"  # support: refunds up to the refund limit
    MONEY_ACT = "money.act"  # every money action at any amount: refunds, credit, invoices
    CATALOG_READ = "catalog.read"  # plans, prices, coupons, promotion codes, tax rates
    CATALOG_MANAGE = "catalog.manage"  # ... and change them (new versions, codes, rates)
    OPERATIONS_READ = "operations.read"  # jobs, the e-mail outbox, gateway webhooks, feedback
    OPERATIONS_ACT = "operations.act"  # retry or discard a job, resend an e-mail, test clocks,
    # the dunning policy
    WEBHOOKS_MANAGE = "webhooks.manage"  # outbound webhook endpoints: add, change, secrets,
    # enable/disable, replay a delivery
    ANALYTICS_READ = "analytics.read"  # revenue analytics (MRR, churn, retention, cohorts)
    AUDIT_READ = "audit.read"
    STAFF_READ = "staff.read"
    STAFF_MANAGE = "staff.manage"
    SETTINGS_MANAGE = "settings.manage"


_READ = frozenset(
    {
        Permission.DASHBOARD_VIEW,
        Permission.CUSTOMERS_READ,
        Permission.AUDIT_READ,
        Permission.CATALOG_READ,
        Permission.OPERATIONS_READ,
    }
)
_SUPPORT = _READ | {Permission.CUSTOMERS_ACT, Permission.REFUND_UP_TO_LIMIT}
_BILLING = _SUPPORT | {
    Permission.MONEY_ACT,
    Permission.CATALOG_MANAGE,
    Permission.OPERATIONS_ACT,
    Permission.WEBHOOKS_MANAGE,
    Permission.ANALYTICS_READ,
}

ROLE_PERMISSIONS: dict[Role, frozenset[Permission]] = {
    Role.VIEWER: _READ,
    Role.SUPPORT: frozenset(_SUPPORT),
    Role.BILLING: frozenset(_BILLING),
    Role.OWNER: frozenset(Permission),  # everything, staff management and settings included
}

ROLE_SUMMARY: dict[Role, str] = {
    Role.VIEWER: "Reads customers, billing and the audit log; changes nothing.",
    Role.SUPPORT: "Acts on customers; refunds up to the support refund limit.",
    Role.BILLING: "Every money action at any amount, the catalog, operations and analytics.",
    Role.OWNER: "Everything, including staff accounts and settings.",
}


def can(role: Role, permission: Permission) -> bool:
    return permission in ROLE_PERMISSIONS[role]


def require(actor: SignedInStaff, permission: Permission) -> None:
    """Refuse (403) a staff member whose role lacks ``permission``."""
    if not can(actor.role, permission):
        raise PermissionDenied(
            f"Your role ({actor.role.value}) does not allow this.", code="staff.forbidden"
        )
