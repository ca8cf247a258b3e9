"""Apply the committed migrations to a given engine (used by ``web.cli migrate`` and the tests)."""

from __future__ import annotations

import contextlib
import io
import os

from piccolo.engine.base import Engine

CONF_MODULE = "domain.adapters.db.piccolo_conf"


class MigrationFailed(Exception):
    pass


async def apply_migrations(engine: Engine, *, quiet: bool = False) -> None:
    """Run every migration not yet applied, against ``engine`` (not whatever env var is set)."""
    os.environ.setdefault("PICCOLO_CONF", CONF_MODULE)
    from piccolo.apps.migrations.commands.forwards import run_forwards

    import domain.adapters.db.piccolo_conf as conf
    from domain.adapters.db.tables import bind_tables

    # Piccolo's migration machinery looks the engine up in the conf module; point it at ours.
    conf.DB = engine
    bind_tables(engine)
    out = io.StringIO()
    with contextlib.redirect_stdout(out) if quiet else contextlib.nullcontext():
        result = await run_forwards("all")
    if not result.success:
        raise MigrationFailed(result.message or out.getvalue() or "migrations failed")
