"""The public router: home and (later) pricing and plan pages."""

from litestar import Router

from web.public.home import show_home

router = Router(path="/", route_handlers=[show_home], include_in_schema=False)
