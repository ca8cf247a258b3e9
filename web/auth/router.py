"""Sign-in pages (no sign-in needed to reach them)."""

from litestar import Router

from web.auth.pages import show_login, submit_login, submit_logout, submit_logout_everywhere

router = Router(
    path="/",
    route_handlers=[show_login, submit_login, submit_logout, submit_logout_everywhere],
    include_in_schema=False,
)
