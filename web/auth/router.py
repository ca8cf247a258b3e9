"""Sign-in pages (no sign-in needed to reach them)."""

from litestar import Router

from web.auth.links import (
    redeem_magic_link,
    show_forgot_password,
    show_magic_link,
    show_magic_link_request,
    show_reset_password,
    submit_forgot_password,
    submit_magic_link_request,
    submit_reset_password,
)
from web.auth.oidc_pages import finish_oidc_sign_in, start_oidc_sign_in
from web.auth.pages import show_login, submit_login, submit_logout, submit_logout_everywhere

router = Router(
    path="/",
    route_handlers=[
        show_login,
        submit_login,
        submit_logout,
        submit_logout_everywhere,
        show_forgot_password,
        submit_forgot_password,
        show_reset_password,
        submit_reset_password,
        show_magic_link_request,
        submit_magic_link_request,
        show_magic_link,
        redeem_magic_link,
        start_oidc_sign_in,
        finish_oidc_sign_in,
    ],
    include_in_schema=False,
)
