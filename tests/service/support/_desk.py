"""Staff actions on the payments shop: who acts, and the services actions run with."""

from __future__ import annotations

from domain.audit.model import AuditEntry, AuditFilter
from domain.staff.model import Role, SignedInStaff
from domain.support.actions.base import ActionServices, RefundLimits
from tests.service.payments._shop import Shop


def staff(role: Role = Role.BILLING) -> SignedInStaff:
    return SignedInStaff(
        staff_id=f"staff-{role.value}", email=f"{role.value}@example.com", name=role.value.title(),
        role=role, session_id="s",
    )  # fmt: skip


def desk(shop: Shop, limit: int = 100) -> ActionServices:
    return ActionServices(
        uow=shop.factory, clock=shop.clock, config=shop.config, gateway=shop.gateway,
        refund_limits=RefundLimits(default_major=limit),
    )  # fmt: skip


async def entries(shop: Shop, action: str | None = None) -> list[AuditEntry]:
    return await shop.uow.audit.find(AuditFilter(action=action), limit=100)
