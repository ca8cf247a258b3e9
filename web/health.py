"""``GET /healthz``: is the database answering, and is the job runner alive?"""

from __future__ import annotations

import asyncio
from typing import Any

from litestar import Response, get
from litestar.di import NamedDependency

from domain.jobs.ports import JobStore
from domain.jobs.runner import JobRunner, RunnerState
from web.settings import Settings

DB_TIMEOUT_S = 3.0


@get("/healthz", name="healthz", include_in_schema=False)
async def show_health(
    settings: NamedDependency[Settings],
    job_store: NamedDependency[JobStore],
    runner: NamedDependency[JobRunner],
) -> Response[dict[str, Any]]:
    """200 when the database answers and the runner runs (or is disabled); 503 otherwise."""
    database: dict[str, Any] = {"backend": settings.database.url.backend}
    jobs: dict[str, Any] = {}
    try:
        counts = await asyncio.wait_for(job_store.counts(), DB_TIMEOUT_S)
        database["status"] = "ok"
        jobs.update({status.value: n for status, n in counts.items()})
    except Exception as exc:
        database.update(status="error", error=f"{type(exc).__name__}: {exc}"[:300])
    status = runner.status
    enabled = settings.jobs.enabled
    runner_ok = (not enabled) or (status.state is RunnerState.RUNNING and status.last_error is None)
    body = {
        "status": "ok" if database["status"] == "ok" and runner_ok else "error",
        "database": database,
        "job_runner": {
            "enabled": enabled,
            "state": status.state.value,
            "worker_id": status.worker_id,
            "running": status.running_jobs,
            "concurrency": status.concurrency,
            "last_error": status.last_error,
        },
        "jobs": jobs,
    }
    return Response(
        body,
        status_code=200 if body["status"] == "ok" else 503,
        headers={"Cache-Control": "no-store"},
    )
