"""``Idempotency-Key`` on API POSTs (domain/apikeys/idempotency.py has the rules): a handler
wraps its one use case in ``idempotent``. Without the header the request simply runs. With it:
the first request claims the key and its response (success or problem details) is stored for 24
hours; a retry with the same method, path and body gets that response again with
``Idempotent-Replayed: true``; the same key on another request answers 422; a retry while the
first still runs answers 409 (retry later: this API never waits). A key of more than 255
characters or with control characters answers 400."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from litestar import Request, Response
from litestar.serialization import encode_json

from domain.apikeys.idempotency import (
    Claimed,
    InFlight,
    Mismatch,
    Replay,
    check_idempotency_key,
    claim,
    complete,
    fingerprint,
    release,
)
from domain.apikeys.model import ApiKey
from domain.shared.errors import DomainError, ValidationFailed
from web.api.auth import ApiRefusal
from web.errors import handle_domain_error
from web.runtime import Runtime

HEADER = "idempotency-key"
JSON = "application/json"


def json_response(content: Any, status: int = 200) -> Response[bytes]:
    return Response(content=encode_json(content), status_code=status, media_type=JSON)


def _encoded(response: Response[Any]) -> tuple[bytes, str]:
    content = response.content
    body = content if isinstance(content, bytes) else encode_json(content)
    return body, str(response.media_type or JSON)


async def idempotent(
    request: Request[Any, Any, Any],
    api_key: ApiKey,
    run: Callable[[], Awaitable[Response[Any]]],
) -> Response[Any]:
    """``run()`` once per (key, Idempotency-Key); its response stored and replayed."""
    raw = request.headers.get(HEADER)
    if raw is None:
        return await run()
    try:
        key = check_idempotency_key(raw)
    except ValidationFailed as exc:
        raise ApiRefusal(400, exc.field_errors["Idempotency-Key"], exc.code) from None
    runtime: Runtime = request.app.state.runtime
    print_ = fingerprint(request.method, request.url.path, await request.body())
    outcome = await claim(api_key.id, key, print_, uow=runtime.uow(), clock=runtime.clock)
    if isinstance(outcome, Mismatch):
        raise ApiRefusal(422, "This Idempotency-Key was used for another request; use a new "
                         "key for a new request.", "idempotency.mismatch")  # fmt: skip
    if isinstance(outcome, InFlight):
        raise ApiRefusal(409, "A request with this Idempotency-Key is still in progress; retry "
                         "in a moment.", "idempotency.in_progress")  # fmt: skip
    if isinstance(outcome, Replay):
        return Response(content=outcome.body.encode(), status_code=outcome.status,
                        media_type=outcome.media_type,
                        headers={"Idempotent-Replayed": "true"})  # fmt: skip
    assert isinstance(outcome, Claimed)
    try:
        response = await run()
    except DomainError as exc:  # a refusal is the request's answer too: stored, replayed
        response = handle_domain_error(request, exc)
    except BaseException:
        await release(api_key.id, key, uow=runtime.uow())
        raise
    body, media_type = _encoded(response)
    status = response.status_code or 200
    await complete(api_key.id, key, status=status, body=body.decode(),
                   media_type=media_type, uow=runtime.uow())  # fmt: skip
    return Response(content=body, status_code=status, media_type=media_type,
                    headers=dict(response.headers))  # fmt: skip
