"""Piccolo tables of staff accounts and the audit log (beside ``tables.py``, which holds the
rest and lists these in ``ALL_TABLES``)."""

from __future__ import annotations

from piccolo.columns import JSON, BigInt, Integer, Text, Timestamptz, Varchar
from piccolo.columns.column_types import ForeignKey, OnDelete
from piccolo.table import Table


class StaffMemberTable(Table, tablename="staff_member"):
    """A staff account (not a subscriber): role, password hash, two-factor, lockout."""

    id = Varchar(length=36, primary_key=True)
    email = Varchar(length=254, unique=True)
    name = Varchar(length=200)
    role = Varchar(length=20)
    password_hash = Varchar(length=200, null=True, default=None)
    # the TOTP secret sealed by the SecretBox ("sealed:" + Fernet token, about 150 characters;
    # a row from before encryption holds it plain until its next use); never logged or shown
    totp_secret = Varchar(length=255, null=True, default=None)
    totp_pending_secret = Varchar(length=255, null=True, default=None)
    totp_last_step = BigInt(null=True, default=None)  # a code works once (replay refused)
    recovery_code_hashes = JSON(default=[])  # Argon2 hashes; a used code is removed
    failed_attempts = Integer(default=0)
    locked_until = Timestamptz(default=None, null=True)
    created_at = Timestamptz(default=None, null=True)
    disabled_at = Timestamptz(default=None, null=True)
    # the staff member's own language, digits, calendar (DisplayPreferences); {} = not chosen
    display_preferences = JSON(default={})


class StaffSessionTable(Table, tablename="staff_session"):
    """A staff browser's session; ``id`` is the SHA-256 of the ``admin_session`` cookie."""

    id = Varchar(length=64, primary_key=True)
    staff = ForeignKey(
        references=StaffMemberTable, on_delete=OnDelete.cascade, null=False, index=True
    )
    stage = Varchar(length=20)
    created_at = Timestamptz(default=None, null=True)
    last_seen_at = Timestamptz(default=None, null=True)
    expires_at = Timestamptz(default=None, null=True)
    revoked_at = Timestamptz(default=None, null=True)
    ip = Varchar(length=64, default="")
    user_agent = Varchar(length=300, default="")
    method = Varchar(length=20, default="password")  # password, or oidc (staff single sign-on)


class StaffTokenTable(Table, tablename="staff_token"):
    """A one-time sign-in link (``staff create --link``); ``id`` is the SHA-256 of its secret."""

    id = Varchar(length=64, primary_key=True)
    staff = ForeignKey(
        references=StaffMemberTable, on_delete=OnDelete.cascade, null=False, index=True
    )
    created_at = Timestamptz(default=None, null=True)
    expires_at = Timestamptz(default=None, null=True)
    used_at = Timestamptz(default=None, null=True)


class AuditEntryTable(Table, tablename="audit_entry"):
    """Append-only: a trigger refuses UPDATE and DELETE (migration ``audit_log``)."""

    id = Varchar(length=36, primary_key=True)
    at = Timestamptz(default=None, null=True, index=True)
    actor_staff_id = Varchar(length=36, null=True, default=None, index=True)
    actor_email = Varchar(length=254)
    action = Varchar(length=80, index=True)
    object_type = Varchar(length=40)
    object_id = Varchar(length=100)
    customer_id = Varchar(length=36, null=True, default=None, index=True)
    reason = Text(default="")
    before = JSON(default={})
    after = JSON(default={})


STAFF_TABLES: tuple[type[Table], ...] = (
    StaffMemberTable,
    StaffSessionTable,
    StaffTokenTable,
    AuditEntryTable,
)
