"""The ceiling for ``bench.entitlements``: a minimal Litestar app with one JSON route shaped like
the entitlements endpoint's answer (a fixed body of four features), served by the same uvicorn
settings as the real app. No database, middleware, API key or rate limit: what any JSON answer
costs at the least.

    uvicorn bench.minimal_api_app:app
"""

from __future__ import annotations

from typing import Any

from litestar import Litestar, get

FEATURES = [
    {"feature": key, "name": name, "limit_type": kind, "limit": limit, "has_access": True,
     "subscriptions": ["0b6e5b0e-8c4e-4a53-9a51-1f1f0e7c2d11"],
     "updated_at": "2026-12-01T09:00:00Z"}
    for key, name, kind, limit in (
        ("customer-portal", "Customer portal", "access", None),
        ("hosted-checkout", "Hosted checkout", "access", None),
        ("projects", "Projects", "unlimited", None),
        ("seats", "Seats", "quantity", 5),
    )
]  # fmt: skip


@get("/api/v1/customers/{customer_id:str}/entitlements")
async def entitlements(customer_id: str) -> dict[str, Any]:
    return {"customer_id": customer_id, "data": FEATURES}


app = Litestar(route_handlers=[entitlements])
