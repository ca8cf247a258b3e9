"""/api/v1/openapi.json: the public API's OpenAPI 3.1 document, cut from the app's own schema
(Litestar generates it from the handlers' types, ``security``, ``responses`` and ``tags``):
every /api/v1 operation but the payment gateways' webhooks, with the components they refer to
and the bearer security scheme. Served whatever ``APP_API_SCHEMA`` says (that setting hides
only the whole app's schema at /api/schema)."""

from __future__ import annotations

import copy
from typing import Any

from litestar import Request, get

PREFIX = "/api/v1"
HIDDEN = ("/api/v1/webhooks", "/api/v1/openapi.json")


def _refs(node: Any, found: set[str]) -> None:
    if isinstance(node, dict):
        ref = node.get("$ref")
        if isinstance(ref, str) and ref.startswith("#/components/schemas/"):
            found.add(ref.rsplit("/", 1)[-1])
        for value in node.values():
            _refs(value, found)
    elif isinstance(node, list):
        for value in node:
            _refs(value, found)


def public_document(full: dict[str, Any]) -> dict[str, Any]:
    doc = copy.deepcopy(full)
    doc["paths"] = {p: item for p, item in full.get("paths", {}).items()
                    if p.startswith(PREFIX) and not p.startswith(HIDDEN)}  # fmt: skip
    schemas: dict[str, Any] = full.get("components", {}).get("schemas", {})
    wanted: set[str] = set()
    _refs(doc["paths"], wanted)
    seen: set[str] = set()
    while wanted - seen:  # schemas referring to other schemas
        name = (wanted - seen).pop()
        seen.add(name)
        _refs(schemas.get(name, {}), wanted)
    components = dict(doc.get("components", {}))
    components["schemas"] = {k: copy.deepcopy(v) for k, v in schemas.items() if k in seen}
    doc["components"] = components
    doc["info"] = dict(doc.get("info", {})) | {
        "description": "Tessera's REST API: docs/api.md. Authenticate with an API key "
        "(Authorization: Bearer tsk_...); errors are RFC 9457 problem details."
    }
    return doc


@get("/openapi.json", name="api.openapi", media_type="application/vnd.oai.openapi+json",
     include_in_schema=False, sync_to_thread=False)  # fmt: skip
def openapi_document(request: Request[Any, Any, Any]) -> dict[str, Any]:
    state = request.app.state
    if "api_v1_openapi" not in state:  # built once per app, on first use
        state["api_v1_openapi"] = public_document(request.app.openapi_schema.to_schema())
    document: dict[str, Any] = state["api_v1_openapi"]
    return document
