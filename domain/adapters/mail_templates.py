"""The ``EmailRenderer`` on Jinja2: ``templates/emails/<kind>.subject.txt|.txt|.html``.

HTML is autoescaped, text and subject are not; a variable the template reads but the context
lacks is an error (``StrictUndefined``), never an empty string in a customer's inbox. Amounts and
instants go through the same Babel formatting as the web pages (``|money``, ``|date_local``).
This module must not import ``web`` (the import contract): it finds the templates itself.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from pathlib import Path

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape

from domain.adapters.formatting import install_filters
from domain.adapters.i18n import install_i18n
from domain.adapters.line_text import install_line_filters
from domain.notifications.model import EmailKind, RenderedEmail
from domain.shared.display import Display, DisplayPreferences, language_of_locale

TEMPLATE_DIR = Path(__file__).resolve().parent.parent.parent / "templates"
_BLANK_RUNS = re.compile(r"\n{3,}")


class JinjaEmailRenderer:
    def __init__(
        self,
        *,
        brand_name: str,
        default_locale: str = "en_US",
        default_timezone: str = "UTC",
        template_dir: Path = TEMPLATE_DIR,
    ) -> None:
        self._env = Environment(
            loader=FileSystemLoader(template_dir),
            autoescape=select_autoescape(["html"], default_for_string=False),
            undefined=StrictUndefined,
            trim_blocks=True,
            lstrip_blocks=True,
            keep_trailing_newline=False,
        )
        install_filters(self._env)
        install_line_filters(self._env)
        install_i18n(self._env)
        self._display = Display(language=language_of_locale(default_locale), locale=default_locale)
        self._env.globals.update(
            brand_name=brand_name,
            default_locale=default_locale,
            default_timezone=default_timezone,
        )

    def render(self, kind: EmailKind, context: Mapping[str, object]) -> RenderedEmail:
        # the recipient's saved display (``display_preferences``: their language, else the
        # site's, in their digits and calendar), unless the context carries a resolved
        # ``display`` or a ``locale`` of its own; no preferences at all: the site's display
        values: dict[str, object] = {"kind": kind.value, **context}
        prefs = values.get("display_preferences")
        if "display" not in values:
            if isinstance(prefs, DisplayPreferences) and (
                prefs.language or prefs.timezone or "locale" not in values
            ):
                values["display"] = Display.resolve(
                    prefs.language or self._display.language,
                    prefs,
                    site_locale=self._display.locale,
                )
            elif "locale" not in values:
                values["display"] = self._display
        base = f"emails/{kind.value}"
        subject = self._env.get_template(f"{base}.subject.txt").render(values)
        text = self._env.get_template(f"{base}.txt").render(values)
        html = self._env.get_template(f"{base}.html").render(values)
        lines = "\n".join(line.rstrip() for line in text.strip().splitlines())
        return RenderedEmail(
            subject=" ".join(subject.split()),
            text=_BLANK_RUNS.sub("\n\n", lines) + "\n",
            html=html.strip() + "\n",
        )
