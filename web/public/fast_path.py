"""The kept storefront pages answered in front of Litestar's router, for anonymous visitors.

A GET of ``/``, ``/pricing``, ``/checkout/{plan}`` or (htmx) ``/checkout/{plan}/summary`` that
carries no session cookie is a request whose answer is a kept page (``web/public/rendered.py``)
almost every time. For those, ``KeptPagesFastPath`` (wrapped around the app's ASGI handler by
``create_app``, inside the request-id middleware) skips Litestar's routing, dependency
injection, session and CSRF middleware, and calls the page's own handler function directly with
the same dependencies (``web/deps.py``'s providers) after the same ``before_request`` steps: the
request guard (``check_request``), no viewer (no session cookie), the display
(``resolve_display``: the ``display`` cookie, ``Accept-Language``, the site's locale). The
handler itself reads the catalog through the cache (the version check of every request: a
catalog change shows at once in every process) and answers from the kept pages or renders and
keeps.

The answer is used only when the handler served a kept page (``cached_page`` marks the request:
an anonymous visitor, no flash waiting, a plain CSRF token) and touched no session; it is sent
with the headers the full stack adds: the security headers (the same middleware class), and,
for a visitor without one, the CSRF cookie made as Litestar's CSRF middleware makes it (a new
token; the page carries the same one). Anything else (another path or method, a session cookie,
htmx on the pricing pages, a query parameter given twice, a refused request, an unknown plan, an
exception, a page not kept) goes through the full stack untouched, from the request as it came
(``tests/web/test_fast_path.py`` checks that both stacks answer the same bytes and headers).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from litestar import Litestar, Request
from litestar.config.csrf import CSRFConfig
from litestar.datastructures.cookie import Cookie
from litestar.exceptions import ClientException
from litestar.middleware.csrf import generate_csrf_token
from litestar.response import Response
from litestar.types import ASGIApp, Message, Receive, Scope, Send
from litestar.utils.scope.state import ScopeState

from web import deps
from web.auth.session import CACHE_STATE
from web.display import resolve_display
from web.guard import check_request
from web.public.checkout import show_checkout, show_checkout_summary
from web.public.home import show_home
from web.public.pricing import show_pricing
from web.public.rendered import KEPT_STATE
from web.runtime import Runtime
from web.templating import is_fragment_request

_SESSION_COOKIE = re.compile(r"(?:^|[;\s])session(?:-\d+)?=")  # the session middleware's names
PRICING_QUERY = ("currency", "interval", "seats", "plan", "units")
HOME_QUERY = ("currency", "interval", "seats")
_TOKEN_HOLE = "0" * 128  # stands for a CSRF token while the cookie's header is made
FAST_PATH_STATE = "kept_pages_fast_path"  # the app's KeptPagesFastPath (app.state)
_ANSWER = "kept_page_answer"  # the answer, handed to the sending app in the request's state


def _route(path: str) -> tuple[str, str] | None:
    """The kept page a path names (its kind and plan), or None."""
    if path == "/pricing":
        return "pricing", ""
    if path == "/":
        return "home", ""
    parts = path.split("/")
    if len(parts) in (3, 4) and parts[1] == "checkout" and parts[2] not in ("", "complete"):
        if len(parts) == 3:
            return "checkout", parts[2]
        if parts[3] == "summary":
            return "summary", parts[2]
    return None


def _has_session_cookie(scope: Scope) -> bool:
    for name, value in scope["headers"]:
        if name == b"cookie" and _SESSION_COOKIE.search(value.decode("latin-1")):
            return True
    return False


def _header(scope: Scope, name: bytes) -> bool:
    return any(key == name for key, _ in scope["headers"])


class KeptPagesFastPath:
    """ASGI: kept pages for anonymous GETs straight from their handlers, everything else to
    ``app`` (Litestar's own handler: router, middleware, exception handlers)."""

    def __init__(
        self,
        litestar: Litestar,
        app: ASGIApp,
        *,
        csrf: CSRFConfig,
        security_headers: Callable[[ASGIApp], ASGIApp],
    ) -> None:
        self._litestar = litestar
        self._app = app
        self._secret = csrf.secret
        self._csrf_cookie_name = csrf.cookie_name
        # the CSRF middleware's cookie header, made once (a token is hex: never quoted)
        self._csrf_cookie = Cookie(
            key=csrf.cookie_name, value=_TOKEN_HOLE, path=csrf.cookie_path,
            secure=csrf.cookie_secure, httponly=csrf.cookie_httponly,
            samesite=csrf.cookie_samesite, domain=csrf.cookie_domain,
        ).to_header(header="")  # fmt: skip
        self._send_kept = security_headers(self._send_response)
        self.served = 0  # answers given here (for tests)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if (
            scope["type"] != "http"
            or scope["method"] != "GET"
            or (route := _route(scope["path"])) is None
            or _has_session_cookie(scope)
        ):
            await self._app(scope, receive, send)
            return
        fast: Any = {**scope, "state": dict(scope.get("state") or {})}
        answer = await self._answer(fast, receive, *route)
        if answer is None:
            await self._app(scope, receive, send)  # the request as it came, the full stack
            return
        fast["state"][_ANSWER] = answer
        self.served += 1
        await self._send_kept(fast, receive, send)

    async def _answer(
        self, scope: Any, receive: Receive, kind: str, plan: str
    ) -> tuple[Response[Any], Request[Any, Any, Any], str | None] | None:
        """The kept page's response, its request and the CSRF cookie's header to add (None: the
        visitor has one), or None when the full stack must answer."""
        try:
            check_request(scope)
        except ClientException:
            return None
        request: Request[Any, Any, Any] = self._litestar.request_class(scope, receive)
        fragment = is_fragment_request(request)
        if fragment != (kind == "summary") or (not fragment and _header(scope, b"hx-request")):
            return None
        names = PRICING_QUERY if kind == "pricing" else HOME_QUERY if kind == "home" else ()
        query = request.query_params
        if any(len(query.getall(n, [])) > 1 for n in names):
            return None
        cookie = request.cookies.get(self._csrf_cookie_name)
        token = cookie or generate_csrf_token(secret=self._secret)
        ScopeState.from_scope(scope).csrf_token = token
        scope["session"] = {}  # no session cookie: an empty session, as the middleware loads it
        scope["state"][CACHE_STATE] = None  # no viewer: no session secret to resolve
        await resolve_display(request)
        runtime: Runtime = self._litestar.state.runtime
        try:
            response = await self._call(kind, plan, request, runtime, names)
        except Exception:  # the full stack answers it as it does (a 404 page, a 500)
            return None
        if not scope["state"].get(KEPT_STATE) or scope["session"]:
            return None
        if cookie is not None:  # as the CSRF middleware: a cookie only when none was sent
            return response, request, None
        return response, request, self._csrf_cookie.replace(_TOKEN_HOLE, token)

    async def _call(
        self,
        kind: str,
        plan: str,
        request: Request[Any, Any, Any],
        runtime: Runtime,
        names: tuple[str, ...],
    ) -> Any:
        if kind in ("pricing", "home"):
            query = request.query_params
            params = {n: query.get(n) for n in names}
            handler = show_pricing if kind == "pricing" else show_home
            storefront = deps.provide_storefront(runtime)
            return await handler.fn(request=request, storefront=storefront, **params)
        handler = show_checkout if kind == "checkout" else show_checkout_summary
        return await handler.fn(
            request=request,
            plan_code=plan,
            maybe_signed_in=None,
            catalog=deps.provide_catalog(runtime),
            promotions=deps.provide_promotions(runtime),
            new_read_uow=deps.provide_new_read_uow(runtime),
            clock=deps.provide_clock(runtime),
            settings=deps.provide_settings(runtime),
            billing=deps.provide_billing(runtime),
        )

    async def _send_response(self, scope: Scope, receive: Receive, send: Send) -> None:
        response, request, csrf_cookie = scope["state"].pop(_ANSWER)
        asgi = response.to_asgi_response(None, request)
        if csrf_cookie is None:
            await asgi(scope, receive, send)
            return

        async def with_cookie(message: Message) -> None:
            if message["type"] == "http.response.start":
                message["headers"] = [*message["headers"], (b"set-cookie", csrf_cookie.encode())]
            await send(message)

        await asgi(scope, receive, with_cookie)
