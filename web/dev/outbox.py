"""The old development outbox, /dev/outbox: it moved to the admin (/admin/emails, every
environment, behind a staff sign-in), and its addresses redirect there so bookmarks and the
links in older docs keep working."""

from __future__ import annotations

from litestar import get
from litestar.params import FromPath
from litestar.response import Redirect

from domain.shared.text import text_problem

ID_LENGTH = 36


@get("/outbox", name="dev.outbox")
async def list_outbox_emails() -> Redirect:
    return Redirect(path="/admin/emails", status_code=308)


def _email_path(email_id: str, suffix: str = "") -> str:
    """The admin page of an e-mail; an id no e-mail could have goes to the list."""
    if text_problem(email_id, max_length=ID_LENGTH) or not email_id.replace("-", "").isalnum():
        return "/admin/emails"
    return f"/admin/emails/{email_id}{suffix}"


@get("/outbox/{email_id:str}", name="dev.outbox_email")
async def show_outbox_email(email_id: FromPath[str]) -> Redirect:
    return Redirect(path=_email_path(email_id), status_code=308)


@get("/outbox/{email_id:str}/html", name="dev.outbox_email_html")
async def show_outbox_email_html(email_id: FromPath[str]) -> Redirect:
    return Redirect(path=_email_path(email_id, "/html"), status_code=308)
