"""What every authenticated /api/v1 operation declares for the OpenAPI document: the bearer
security requirement, the tag, and its problem-details responses (RFC 9457)."""

from __future__ import annotations

from typing import Any

from litestar.openapi.datastructures import ResponseSpec
from litestar.openapi.spec import Components, SecurityScheme
from msgspec import Struct

PROBLEM = "application/problem+json"


class Problem(Struct):
    """RFC 9457 problem details, with our stable ``code`` and field ``errors`` when any."""

    type: str
    title: str
    status: int
    detail: str
    instance: str | None = None
    code: str | None = None
    request_id: str | None = None
    errors: dict[str, str] | None = None


def _problem(description: str) -> ResponseSpec:
    return ResponseSpec(data_container=Problem, media_type=PROBLEM, description=description,
                        generate_examples=False)  # fmt: skip


COMMON = {
    400: _problem("Bad request: a malformed parameter, body or Idempotency-Key"),
    401: _problem("No API key, or an invalid or revoked one (WWW-Authenticate: Bearer)"),
    429: _problem("Over this key's rate limit (Retry-After says when to retry)"),
}
READ = COMMON | {
    404: _problem("Not found"),
    422: _problem("Invalid values (a starting_after that is not in the list)"),
}
WRITE = READ | {
    403: _problem("A read-only key on a write"),
    409: _problem("Refused in this state, or the same Idempotency-Key is still in progress"),
    422: _problem("Invalid values, or an Idempotency-Key reused with another request"),
}

SECURITY: list[dict[str, list[str]]] = [{"BearerAuth": []}]
COMPONENTS = Components(
    security_schemes={
        "BearerAuth": SecurityScheme(
            type="http",
            scheme="bearer",
            bearer_format="tsk_live_... / tsk_test_...",
            description="An API key made by an owner at /admin/api-keys.",
        )
    }
)


def read_op(tag: str, summary: str) -> dict[str, Any]:
    return {"security": SECURITY, "tags": [tag], "responses": READ, "summary": summary}


def write_op(tag: str, summary: str) -> dict[str, Any]:
    return {"security": SECURITY, "tags": [tag], "responses": WRITE, "summary": summary}
