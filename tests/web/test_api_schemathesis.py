"""Schemathesis against the JSON API's own OpenAPI document (``/api/schema/openapi.json``):
cases generated from the document, valid and invalid (positive and negative modes), are sent
to the app in-process (httpx's ASGI transport, in the test's event loop, on the test database)
and no answer may be a 5xx; every refusal must be problem details (RFC 9457).

The cases are drawn first (Hypothesis, no shrinking: a bounded number per operation, so this
takes seconds) and sent afterwards: Hypothesis runs synchronously, the app and its database
pool live in this test's event loop."""

from __future__ import annotations

import httpx
import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis.errors import Unsatisfiable
from litestar import Litestar
from schemathesis import Case, GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.core.failures import FailureGroup

from tests.support.database import TestDatabase
from tests.web.conftest import serve

pytestmark = pytest.mark.web

EXAMPLES = 30  # per operation and mode
# the webhook's body is the gateway's signed payload: its own tests cover it
SKIP = {("POST", "/api/v1/webhooks/{gateway}")}


def is_problem(answer: httpx.Response) -> bool:
    """RFC 9457 problem details, as every refusal under /api/ is."""
    if answer.headers.get("content-type") != "application/problem+json":
        return False
    body = answer.json()
    return body.get("status") == answer.status_code and bool(body.get("title"))


def draw(strategy: object, n: int) -> list[Case]:
    cases: list[Case] = []

    @settings(
        max_examples=n,
        database=None,
        deadline=None,
        derandomize=True,  # the same cases every run
        phases=[Phase.explicit, Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    @given(strategy)
    def collect(case: Case) -> None:
        cases.append(case)

    try:
        collect()
    except Unsatisfiable:  # nothing to make invalid (an operation without parameters)
        return []
    return cases


async def test_the_api_answers_every_generated_request_without_a_server_error(
    app: Litestar, catalog: TestDatabase
) -> None:
    async with serve(app) as client:
        document = (await client.get("/api/schema/openapi.json")).json()
        schema = schemathesis.openapi.from_dict(document)
        operations = [r.ok() for r in schema.get_all_operations()]
        # the operations behind an API key: tests/web/api/test_api_v1_schemathesis.py, with a key
        walked = [op for op in operations if (op.method.upper(), op.path) not in SKIP
                  and not op.definition.raw.get("security")]  # fmt: skip
        assert {op.path for op in walked} >= {"/api/v1/plans", "/api/v1/plans/{code}"}
        sent, failures = 0, []
        for op in walked:
            # invalid cases need something typed to break (a path segment is any string)
            negative = len(op.query) + len(op.body) + len(op.headers) > 0
            modes = [GenerationMode.POSITIVE] + [GenerationMode.NEGATIVE] * negative
            for mode in modes:
                for case in draw(op.as_strategy(generation_mode=mode), EXAMPLES):
                    kwargs = case.as_transport_kwargs(base_url=str(client.base_url))
                    assert not kwargs.get("cookies"), kwargs  # the API reads none
                    answer = await client.request(
                        kwargs["method"],
                        kwargs["url"],
                        params=kwargs.get("params"),
                        headers=kwargs.get("headers"),
                        content=kwargs.get("data")
                        if isinstance(kwargs.get("data"), bytes)
                        else None,
                        json=kwargs.get("json"),
                    )
                    sent += 1
                    try:
                        case.validate_response(answer, checks=[not_a_server_error])
                    except FailureGroup as exc:
                        failures.append(f"{case.as_curl_command()}\n  {exc}")
                    if answer.status_code >= 400 and not is_problem(answer):
                        failures.append(f"{case.as_curl_command()}\n  not problem details")
    assert sent > EXAMPLES, sent
    assert not failures, f"{len(failures)} of {sent}:\n" + "\n".join(failures[:10])
