"""``GET /healthz``: is the database answering, and is the job runner alive?"""

from __future__ import annotations

import asyncio
from typing import Any

from litestar import Response, get
from litestar.di import NamedDependency

from domain.jobs.runner import RunnerState
from web.runtime import Runtime

DB_TIMEOUT_S = 3.0


@get("/healthz", name="healthz", include_in_schema=False)
async def show_health(runtime: NamedDependency[Runtime]) -> Response[dict[str, Any]]:
    """200 when the database answers and the runner runs (or is disabled); 503 otherwise."""
    database: dict[str, Any] = {"backend": runtime.settings.database.url.backend}
    jobs: dict[str, Any] = {}
    try:
        counts = await asyncio.wait_for(runtime.job_store.counts(), DB_TIMEOUT_S)
        database["status"] = "ok"
        jobs.update({status.value: n for status, n in counts.items()})
    except Exception as exc:
        database.update(status="error", error=f"{type(exc).__name__}: {exc}"[:300])
    runner = runtime.runner.status
    enabled = runtime.settings.jobs.enabled
    runner_ok = (not enabled) or (runner.state is RunnerState.RUNNING and runner.last_error is None)
    body = {
        "status": "ok" if database["status"] == "ok" and runner_ok else "error",
        "database": database,
        "job_runner": {
            "enabled": enabled,
            "state": runner.state.value,
            "worker_id": runner.worker_id,
            "running": runner.running_jobs,
            "concurrency": runner.concurrency,
            "last_error": runner.last_error,
        },
        "jobs": jobs,
    }
    return Response(
        body,
        status_code=200 if body["status"] == "ok" else 503,
        headers={"Cache-Control": "no-store"},
    )
