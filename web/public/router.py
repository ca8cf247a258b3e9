"""The public router: home and (later) pricing and plan pages."""

from litestar import Router

from web.public.home import show_home
from web.public.pay import show_confirmation, submit_confirmation

router = Router(
    path="/",
    route_handlers=[show_home, show_confirmation, submit_confirmation],
    include_in_schema=False,
)
