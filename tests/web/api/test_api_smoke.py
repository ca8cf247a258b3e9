from __future__ import annotations

import httpx
import pytest
from litestar import Litestar

from tests.web.api.support import CUSTOMER, bearer, make_key

pytestmark = pytest.mark.web


async def test_smoke(app: Litestar, client: httpx.AsyncClient) -> None:
    key = await make_key(app)
    made = await client.post("/api/v1/customers", json=CUSTOMER, headers=bearer(key))
    print(made.status_code, made.text)
    assert made.status_code == 201
    listed = await client.get("/api/v1/customers", headers=bearer(key))
    print(listed.text)
    doc = (await client.get("/api/v1/openapi.json")).json()
    print(sorted(doc["paths"]))
    print(doc["components"].get("securitySchemes"))
