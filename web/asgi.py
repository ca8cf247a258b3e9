"""The ASGI entry point for servers started by name: ``uvicorn web.asgi:app``.

``python -m web.cli serve`` is preferred: it checks the database first and reports a bad
``DATABASE_URL`` in one line instead of a lifespan traceback.
"""

from web.app import create_app
from web.logging_setup import configure_logging
from web.settings import Settings

settings = Settings.from_env()
configure_logging(settings.log_level)
app = create_app(settings)
