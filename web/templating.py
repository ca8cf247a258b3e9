"""Jinja set-up: the template directory, filters (``money``, ``date_local``) and render helpers.

Templates never do arithmetic or formatting by hand: amounts go through ``|money`` (Babel, per
locale) and instants through ``|date_local`` (converted to the viewer's time zone here only).
The filters themselves live in ``domain/adapters/formatting.py`` so the PDF renderer, which must
not import the web layer, formats exactly the same way.
"""

from __future__ import annotations

from collections.abc import Mapping
from functools import lru_cache
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, StrictUndefined, pass_context, select_autoescape
from litestar import Request
from litestar.plugins.jinja import JinjaTemplateEngine
from litestar.response import Redirect, Response, Template
from litestar.template.config import TemplateConfig
from markupsafe import Markup

from domain.adapters.country_names import install_country_filters
from domain.adapters.formatting import date_local_filter, install_filters, money_filter
from domain.adapters.i18n import display_of, install_i18n
from domain.adapters.line_text import install_line_filters
from domain.shared.display import LANGUAGE_NAMES, Display
from web.admin.audit_words import install_audit_words
from web.admin.form_words import form_text
from web.admin.preview_lines import install_preview_lines
from web.admin.search_words import install_search_words
from web.admin.timeline_words import install_timeline_words
from web.auth.session import viewer
from web.messages import domain_text

__all__ = [
    "TEMPLATE_DIR",
    "VIEWING_STATE",
    "configure_environment",
    "date_local_filter",
    "is_fragment_request",
    "money_filter",
    "redirect_after_post",
    "render",
    "template_config",
]

TEMPLATE_DIR = Path(__file__).resolve().parent.parent / "templates"
VIEWING_STATE = "viewing_as"  # the request state key of a staff view (web/portal/viewing.py)


@pass_context
def get_flashes(context: Mapping[str, Any]) -> list[dict[str, str]]:
    """Pop the flash messages queued with ``litestar.plugins.flash.flash(request, ...)``.

    Safe where no session exists (a 404 raised before any route middleware ran).
    """
    request = context.get("request")
    if request is None or "session" not in request.scope:
        return []
    session = request.scope.get("session")
    if not isinstance(session, dict):
        return []  # cleared (signed out) and not set again
    messages: list[dict[str, str]] = session.pop("_messages", [])
    return messages


@pass_context
def signed_in_viewer(context: Mapping[str, Any]) -> Any:
    """The signed-in subscriber of this page view (``web.auth.session.resolve_viewer`` resolves
    it before the handler), or None."""
    return viewer(context.get("request"))


@pass_context
def viewing_as(context: Mapping[str, Any]) -> Any:
    """The staff view this portal page is shown in (``domain.support.view_as.ViewedAs``), or
    None: the portal layout shows the read-only banner for it."""
    request = context.get("request")
    if request is None:
        return None
    return request.scope.get("state", {}).get(VIEWING_STATE)


@pass_context
def current_display(context: Mapping[str, Any]) -> Display:
    """The display (language, direction, digits, calendar) of this page."""
    return display_of(context)


def option_tags(options: Any, value: Any) -> Markup:
    """The ``<option>`` tags of a select (``components/forms.html``): ``options`` are values or
    (value, label) pairs, the one equal to ``value`` (as text) is selected. A tuple of options
    (the ~250 countries) is rendered once per selected value and kept."""
    selected = None if value is None else str(value)
    if isinstance(options, tuple):
        try:
            return _cached_option_tags(options, selected)
        except TypeError:  # an unhashable option
            pass
    return _option_tags(options, selected)


def _option_tags(options: Any, selected: str | None) -> Markup:
    tags = []
    for option in options:
        v, label = (option, option) if isinstance(option, str) else (option[0], option[1])
        mark = Markup(" selected") if selected is not None and str(v) == selected else ""
        tags.append(Markup('<option value="{}"{}>{}</option>').format(v, mark, label))
    return Markup("\n").join(tags)


@lru_cache(maxsize=1024)
def _cached_option_tags(options: tuple[Any, ...], selected: str | None) -> Markup:
    return _option_tags(options, selected)


def configure_environment(env: Environment, globals_: Mapping[str, Any]) -> None:
    install_filters(env)
    install_line_filters(env)
    install_i18n(env)
    install_timeline_words(env)
    install_search_words(env)
    install_preview_lines(env)
    install_audit_words(env)
    install_country_filters(env)
    env.globals["get_flashes"] = get_flashes
    env.globals["signed_in_viewer"] = signed_in_viewer
    env.globals["viewing_as"] = viewing_as
    env.globals["current_display"] = current_display
    env.globals["domain_text"] = domain_text
    env.globals["form_text"] = form_text
    env.globals["language_names"] = LANGUAGE_NAMES
    env.globals["option_tags"] = option_tags
    env.globals.update(globals_)


def template_config(
    globals_: Mapping[str, Any], *, auto_reload: bool = True
) -> TemplateConfig[JinjaTemplateEngine]:
    """The templates' environment. ``auto_reload`` (development only) checks every template's
    file time on each render; off, a template is compiled once per process (a deploy restarts
    it)."""
    environment = Environment(
        loader=FileSystemLoader(TEMPLATE_DIR),
        autoescape=select_autoescape(["html", "xml"]),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        enable_async=False,
        auto_reload=auto_reload,
    )
    configure_environment(environment, globals_)
    return TemplateConfig(instance=JinjaTemplateEngine.from_environment(environment))


def is_fragment_request(request: Request[Any, Any, Any]) -> bool:
    """An htmx request that wants a fragment (a history restore wants the whole page)."""
    htmx = getattr(request, "htmx", None)
    return bool(htmx) and not bool(htmx.history_restore_request)


def redirect_after_post(request: Request[Any, Any, Any], path: str) -> Redirect | Response[str]:
    """POST-redirect-GET. htmx gets HX-Redirect on a 200 instead: a 303 would be followed inside
    its XHR, the new page swapped into the form's target and the flash messages lost."""
    if is_fragment_request(request):
        return Response("", status_code=200, headers={"HX-Redirect": path})
    return Redirect(path=path, status_code=303)


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
