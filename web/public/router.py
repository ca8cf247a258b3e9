"""The public router: home, pricing, checkout and the payment-confirmation step."""

from litestar import Router

from web.public.checkout import (
    show_checkout,
    show_checkout_complete,
    show_checkout_summary,
    submit_checkout,
)
from web.public.home import show_home
from web.public.pay import show_confirmation, submit_confirmation
from web.public.pricing import show_estimate, show_pricing

router = Router(
    path="/",
    route_handlers=[
        show_home,
        show_pricing,
        show_estimate,
        show_confirmation,
        submit_confirmation,
        show_checkout_complete,
        show_checkout_summary,
        show_checkout,
        submit_checkout,
    ],
    include_in_schema=False,
)
