"""The demo catalog's features and what each demo plan grants (``make run``, ``seed-demo``):
loaded once, when the catalog has no feature yet, after the demo plans."""

from __future__ import annotations

from datetime import datetime

from domain.catalog.features import Feature, FeatureGrant, LimitKind
from domain.catalog.ports import CatalogUnit

FEATURES = (
    ("projects", "Projects"),
    ("seats", "Seats"),
    ("hosted-checkout", "Hosted checkout"),
    ("customer-portal", "Customer portal"),
    ("api.calls", "Included API calls a month"),
    ("support.priority", "Priority support"),
    ("storage.gb", "Storage (GB)"),
)

_COMMON = (("hosted-checkout", LimitKind.ACCESS, None), ("customer-portal", LimitKind.ACCESS, None))
GRANTS: dict[str, tuple[tuple[str, LimitKind, int | None], ...]] = {
    "starter-monthly": (("projects", LimitKind.QUANTITY, 1), ("seats", LimitKind.QUANTITY, 1),
                        *_COMMON),
    "starter-annual": (("projects", LimitKind.QUANTITY, 1), ("seats", LimitKind.QUANTITY, 1),
                       *_COMMON),
    "team-monthly": (("projects", LimitKind.UNLIMITED, None), ("seats", LimitKind.PER_SEAT, None),
                     *_COMMON),
    "team-annual": (("projects", LimitKind.UNLIMITED, None), ("seats", LimitKind.PER_SEAT, None),
                    *_COMMON),
    "scale-monthly": (("projects", LimitKind.UNLIMITED, None), ("seats", LimitKind.QUANTITY, 25),
                      ("api.calls", LimitKind.QUANTITY, 10_000), *_COMMON),
    "priority-support": (("support.priority", LimitKind.ACCESS, None),),
    "extra-storage": (("storage.gb", LimitKind.QUANTITY, 100),),
}  # fmt: skip


async def load_demo_features(*, uow: CatalogUnit, at: datetime) -> int:
    """Add the demo features and the demo plans' grants when there is no feature yet (a plan code
    missing from the catalog grants nothing); returns how many features were added."""
    async with uow:
        if await uow.features.all():
            return 0
        for key, name in FEATURES:
            await uow.features.add(Feature(key, name, at))
        for code, grants in GRANTS.items():
            if await uow.plans.get_by_code(code) is None:
                continue
            for key, kind, value in grants:
                await uow.features.put_grant(FeatureGrant(code, key, kind, value))
        await uow.commit()
    return len(FEATURES)
