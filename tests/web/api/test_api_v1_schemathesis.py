"""Schemathesis against the public API's own document, ``/api/v1/openapi.json``, with a valid
read-write key: cases generated from the document, valid and invalid, are sent in-process (as
tests/web/test_api_schemathesis.py does for the whole app's schema). No answer may be a 5xx,
every answer must conform to the document (its status code is documented, its body matches the
schema and its content type), and every refusal is problem details. Customers exist first, so
generated ids sometimes hit real rows; the rate limit is raised so it never answers 429."""

from __future__ import annotations

import httpx
import pytest
import schemathesis
from litestar import Litestar
from schemathesis import GenerationMode
from schemathesis.checks import (
    content_type_conformance,
    not_a_server_error,
    response_schema_conformance,
    status_code_conformance,
)
from schemathesis.core.failures import FailureGroup

from domain.shared.clock import FrozenClock
from tests.support.database import TestDatabase
from tests.web.api.support import CUSTOMER, bearer, make_key
from tests.web.conftest import make_settings, serve
from tests.web.test_api_schemathesis import draw, is_problem
from web.app import create_app

pytestmark = pytest.mark.web

EXAMPLES = 3  # per operation and mode (about 150 requests)
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance,
          response_schema_conformance]  # fmt: skip


async def test_the_v1_document_describes_every_operation_with_auth_and_errors(
    app: Litestar, client: httpx.AsyncClient
) -> None:
    doc = (await client.get("/api/v1/openapi.json")).json()
    assert doc["components"]["securitySchemes"]["BearerAuth"]["scheme"] == "bearer"
    operations = {(m.upper(), p): op for p, item in doc["paths"].items() for m, op in item.items()
                  if m in ("get", "post")}  # fmt: skip
    assert not any(p.startswith("/api/v1/webhooks") for _, p in operations)
    assert len(operations) >= 18  # other branches may add operations
    for (method, path), op in operations.items():
        if path.startswith("/api/v1/plans"):
            continue  # public
        assert op["security"] == [{"BearerAuth": []}], path
        assert {"400", "401", "429"} <= set(op["responses"]), path
        assert "application/problem+json" in op["responses"]["401"]["content"], path
        if method == "POST":
            assert {"403", "409", "422"} <= set(op["responses"]), path


async def test_schemathesis_finds_no_5xx_and_no_answer_that_breaks_the_document(
    db: TestDatabase, catalog: TestDatabase, clock: FrozenClock
) -> None:
    app = create_app(make_settings(db, API_RATE_LIMIT="1000000"), clock=clock, engine=db.engine,
                     start_runner=False)  # fmt: skip
    async with serve(app) as client:
        key = await make_key(app)
        auth = bearer(key)
        for n in range(2):
            await client.post("/api/v1/customers", json=CUSTOMER | {"email": f"s{n}@example.com"},
                              headers=auth)  # fmt: skip
        document = (await client.get("/api/v1/openapi.json")).json()
        schema = schemathesis.openapi.from_dict(document)
        operations = [r.ok() for r in schema.get_all_operations()]
        assert len(operations) >= 18  # other branches may add operations
        sent, failures = 0, []
        for op in operations:
            negative = len(op.query) + len(op.body) + len(op.headers) > 0
            modes = [GenerationMode.POSITIVE] + [GenerationMode.NEGATIVE] * negative
            for mode in modes:
                for case in draw(op.as_strategy(generation_mode=mode), EXAMPLES):
                    kwargs = case.as_transport_kwargs(base_url=str(client.base_url))
                    headers = {**(kwargs.get("headers") or {}), **auth}
                    data = kwargs.get("data")
                    answer = await client.request(
                        kwargs["method"], kwargs["url"], params=kwargs.get("params"),
                        headers=headers, content=data if isinstance(data, bytes) else None,
                        json=kwargs.get("json"),
                    )  # fmt: skip
                    sent += 1
                    checks = CHECKS if mode is GenerationMode.POSITIVE else [not_a_server_error]
                    try:
                        case.validate_response(answer, checks=checks)
                    except FailureGroup as exc:
                        failures.append(f"{case.as_curl_command()}\n  {exc}")
                    if answer.status_code >= 400 and not is_problem(answer):
                        failures.append(f"{case.as_curl_command()}\n  not problem details")
    assert sent > EXAMPLES * 18, sent
    summary = sorted(
        {
            f.split("\n")[0].split("?")[0]
            + " | "
            + " ".join(line.strip() for line in f.splitlines() if line.strip().startswith("- "))
            for f in failures
        }
    )
    assert not failures, f"{len(failures)} of {sent}:\n" + "\n".join(summary[:40])


async def test_the_v1_document_is_served_when_the_app_schema_is_hidden(
    db: TestDatabase, clock: FrozenClock
) -> None:
    app = create_app(make_settings(db, APP_API_SCHEMA="0"), clock=clock, engine=db.engine,
                     start_runner=False)  # fmt: skip
    async with serve(app) as client:
        assert (await client.get("/api/schema/openapi.json")).status_code == 404
        assert (await client.get("/api/schema")).status_code == 404
        doc = await client.get("/api/v1/openapi.json")
        assert doc.status_code == 200 and "/api/v1/customers" in doc.json()["paths"]
