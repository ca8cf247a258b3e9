"""The /dev router; ``create_app`` mounts it only in development and test (its routes redirect
to /admin/emails)."""

from litestar import Router

from web.dev.outbox import list_outbox_emails, show_outbox_email, show_outbox_email_html

router = Router(
    path="/dev",
    route_handlers=[list_outbox_emails, show_outbox_email, show_outbox_email_html],
    include_in_schema=False,
)
