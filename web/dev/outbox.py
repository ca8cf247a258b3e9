"""The development outbox: every e-mail the app queued, newest first, and each one's HTML and
text as the customer receives them (the HTML in a sandboxed frame of its own)."""

from __future__ import annotations

from typing import Any

from litestar import MediaType, Request, Response, get
from litestar.di import NamedDependency
from litestar.params import FromPath
from litestar.response import Template

from domain.notifications.service import list_outbox, show_email
from domain.unit_of_work import UnitOfWork
from web.templating import render

# The e-mail's own document: inline styles (that is how e-mails are styled), nothing else; it
# may only be framed by the outbox page, which also sandboxes it (no scripts, opaque origin).
EMAIL_FRAME_CSP = (
    "default-src 'none'; style-src 'unsafe-inline'; img-src data: https:; "
    "frame-ancestors 'self'; base-uri 'none'; form-action 'none'; sandbox"
)


@get("/outbox", name="dev.outbox")
async def list_outbox_emails(
    request: Request[Any, Any, Any], uow: NamedDependency[UnitOfWork]
) -> Template:
    emails = await list_outbox(uow=uow, limit=200)
    return render(request, "dev/outbox/index.html", None, {"emails": emails})


@get("/outbox/{email_id:str}", name="dev.outbox_email")
async def show_outbox_email(
    request: Request[Any, Any, Any], email_id: FromPath[str], uow: NamedDependency[UnitOfWork]
) -> Template:
    email = await show_email(email_id, uow=uow)
    return render(request, "dev/outbox/show.html", None, {"email": email})


@get("/outbox/{email_id:str}/html", name="dev.outbox_email_html")
async def show_outbox_email_html(
    email_id: FromPath[str], uow: NamedDependency[UnitOfWork]
) -> Response[str]:
    email = await show_email(email_id, uow=uow)
    return Response(
        email.html_body,
        media_type=MediaType.HTML,
        headers={"content-security-policy": EMAIL_FRAME_CSP, "x-frame-options": "SAMEORIGIN"},
    )
