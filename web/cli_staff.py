"""``python -m web.cli staff create --email E --role owner [--name N] [--link]``: a staff account
made on the server (how the first owner is made). The password is read from the terminal without
echo (asked twice), or as one line from standard input when it is not a terminal (scripts, CI);
with ``--link`` a one-time sign-in link is printed instead (the member chooses the password).
The creation is audited with the command line as its actor."""

from __future__ import annotations

import argparse
import asyncio
import getpass
import sys
from collections.abc import Callable
from typing import Any, TextIO

from domain.adapters.db.engine import check_connection, close_pool, make_engine
from domain.adapters.db.tables import bind_tables
from domain.adapters.db.uow import PiccoloUnitOfWork
from domain.shared.clock import SystemClock
from domain.shared.errors import ValidationFailed
from domain.staff.links import create_staff_with_link
from domain.staff.members import NewStaff, create_staff_from_command_line
from domain.staff.model import Role
from domain.staff.rules import needs_two_factor
from web.jobs import build_registry
from web.settings import Settings


def read_password(stdin: TextIO) -> str:
    """Without echo from a terminal (twice, they must match); else the first line of stdin."""
    if stdin.isatty():
        first = getpass.getpass("Password: ")
        if getpass.getpass("Password again: ") != first:
            raise ValueError("the two passwords differ")
        return first
    return stdin.readline().rstrip("\r\n")


async def create_staff_account(
    settings: Settings, *, email: str, role: str, name: str, password: str | None
) -> str:
    """Create the member; returns what to print. ``password=None`` prints a one-time sign-in
    link instead (valid 24 hours). Raises ValidationFailed with field messages."""
    engine = make_engine(settings.database.url)
    bind_tables(engine)
    await check_connection(engine, settings.database.url)
    try:
        clock = SystemClock()
        uow = PiccoloUnitOfWork(engine, clock=clock, registry=build_registry())
        new = NewStaff(email, name or email.split("@", 1)[0], role, password)
        from web.app import password_hasher_for  # not at import: web.app loads every router

        hasher = password_hasher_for(settings)
        secret = ""
        if password is None:
            member, secret = await create_staff_with_link(new, uow=uow, clock=clock, hasher=hasher)
        else:
            member = await create_staff_from_command_line(new, uow=uow, clock=clock, hasher=hasher)
    finally:
        await close_pool(engine)
    created = f"created {member.role.value} {member.email} ({member.id})"
    then = "They set up two-factor at their first sign-in." if needs_two_factor(member.role) else ""
    if password is None:
        link = f"{settings.public_url.rstrip('/')}/admin/welcome/{secret}"
        return f"{created}; their one-time sign-in link (24 hours):\n{link}\n{then}".rstrip()
    return f"{created}; sign in at /admin/login. {then}".rstrip()


def cmd_staff_create(args: argparse.Namespace, settings: Settings) -> None:
    try:
        password = None if args.link else read_password(sys.stdin)
    except (ValueError, EOFError, KeyboardInterrupt) as exc:
        print(f"error: {exc or 'no password given'}", file=sys.stderr)
        raise SystemExit(2) from None
    try:
        message = asyncio.run(
            create_staff_account(
                settings, email=args.email, role=args.role, name=args.name, password=password
            )
        )
    except ValidationFailed as exc:
        for field, problem in exc.field_errors.items():
            print(f"error: {field}: {problem}", file=sys.stderr)
        raise SystemExit(2) from None
    print(message)


def add_parsers(sub: Any, settings_factory: Callable[[], Settings]) -> None:
    staff = sub.add_parser("staff", help="staff accounts for /admin").add_subparsers(
        dest="staff_command", required=True
    )
    create = staff.add_parser(
        "create", help="create a staff account (password from the terminal or one stdin line)"
    )
    create.add_argument("--email", required=True)
    create.add_argument("--role", required=True, choices=[r.value for r in Role])
    create.add_argument(
        "--name", default="", help="shown in the admin (default: the e-mail's name)"
    )
    create.add_argument(
        "--link",
        action="store_true",
        help="print a one-time sign-in link (24 hours) instead of reading a password",
    )
    create.set_defaults(func=lambda args: cmd_staff_create(args, settings_factory()))
