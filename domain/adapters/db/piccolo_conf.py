"""Piccolo's configuration module (``PICCOLO_CONF``), used by the ``piccolo`` CLI and migrations.

The app itself builds its engine in ``web.app.create_app`` and binds the tables to it; this module
only serves Piccolo's own tooling, reading the same ``DATABASE_URL``.
"""

from piccolo.conf.apps import AppRegistry

from domain.adapters.db.engine import default_database_url, make_engine

DB = make_engine(default_database_url())

APP_REGISTRY = AppRegistry(apps=["domain.adapters.db.piccolo_app"])
