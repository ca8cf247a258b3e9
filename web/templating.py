"""Jinja set-up: the template directory, filters (``money``, ``date_local``) and render helpers.

Templates never do arithmetic or formatting by hand: amounts go through ``|money`` (Babel, per
locale) and instants through ``|date_local`` (converted to the viewer's time zone here only).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, StrictUndefined, pass_context, select_autoescape
from litestar import Request
from litestar.plugins.jinja import JinjaTemplateEngine
from litestar.response import Template
from litestar.template.config import TemplateConfig

from domain.adapters.formatting import format_instant, format_money
from domain.shared.money import Money, UnitPrice

TEMPLATE_DIR = Path(__file__).resolve().parent.parent / "templates"


def _locale(context: Mapping[str, Any]) -> str:
    return str(context.get("locale") or context.get("default_locale") or "en_US")


@pass_context
def money_filter(context: Mapping[str, Any], value: Money | UnitPrice | None) -> str:
    """``{{ invoice.total|money }}`` -> "$1,234.50" / "1.234,50 €" per the viewer's locale."""
    return format_money(value, locale=_locale(context))


@pass_context
def date_local_filter(
    context: Mapping[str, Any], value: datetime | date | None, style: str = "medium"
) -> str:
    """Format an instant in the viewer's time zone (``timezone`` in the context, else the default)."""
    tz = str(context.get("timezone") or context.get("default_timezone") or "UTC")
    return format_instant(value, locale=_locale(context), timezone=tz, style=style)


@pass_context
def get_flashes(context: Mapping[str, Any]) -> list[dict[str, str]]:
    """Pop the flash messages queued with ``litestar.plugins.flash.flash(request, ...)``.

    Safe where no session exists (a 404 raised before any route middleware ran).
    """
    request = context.get("request")
    if request is None or "session" not in request.scope:
        return []
    messages: list[dict[str, str]] = request.session.pop("_messages", [])
    return messages


def configure_environment(env: Environment, globals_: Mapping[str, Any]) -> None:
    env.filters["money"] = money_filter
    env.filters["date_local"] = date_local_filter
    env.globals["get_flashes"] = get_flashes
    env.globals.update(globals_)


def template_config(globals_: Mapping[str, Any]) -> TemplateConfig[JinjaTemplateEngine]:
    environment = Environment(
        loader=FileSystemLoader(TEMPLATE_DIR),
        autoescape=select_autoescape(["html", "xml"]),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        enable_async=False,
    )
    configure_environment(environment, globals_)
    return TemplateConfig(instance=JinjaTemplateEngine.from_environment(environment))


def is_fragment_request(request: Request[Any, Any, Any]) -> bool:
    """An htmx request that wants a fragment (a history restore wants the whole page)."""
    htmx = getattr(request, "htmx", None)
    return bool(htmx) and not bool(htmx.history_restore_request)


def render(
    request: Request[Any, Any, Any],
    page: str,
    fragment: str | None,
    context: Mapping[str, Any],
    *,
    status_code: int = 200,
) -> Template:
    """One handler, two shapes: the fragment for htmx requests, the full page otherwise."""
    name = fragment if fragment and is_fragment_request(request) else page
    return Template(
        template_name=name,
        context=dict(context),
        status_code=status_code,
        headers={"Vary": "HX-Request"},
    )
