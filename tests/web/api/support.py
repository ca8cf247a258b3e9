"""Helpers for the /api/v1 tests: a key made through the owner's use case, bearer headers."""

from __future__ import annotations

from litestar import Litestar

from domain.apikeys.admin import create_api_key
from domain.apikeys.model import CreatedKey, Mode
from domain.staff.model import Role, SignedInStaff

OWNER = SignedInStaff(staff_id="owner-1", email="owner@example.com", name="Owner",
                      role=Role.OWNER, session_id="s-1")  # fmt: skip


async def make_key(app: Litestar, scope: str = "read_write", name: str = "CRM sync") -> CreatedKey:
    runtime = app.state.runtime
    return await create_api_key(OWNER, name=name, scope=scope, mode=Mode.TEST,
                                uow=runtime.uow(), clock=runtime.clock)  # fmt: skip


def bearer(key: CreatedKey) -> dict[str, str]:
    return {"Authorization": f"Bearer {key.secret}"}


CUSTOMER = {"email": "ada@example.com", "name": "Ada Lovelace", "currency": "USD",
            "country": "US"}  # fmt: skip
