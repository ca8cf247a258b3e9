"""Staff error codes."""

from __future__ import annotations

from enum import StrEnum


class StaffErrorCode(StrEnum):
    BAD_STAFF = "staff.bad_input"
    STAFF_EXISTS = "staff.exists"
    FORBIDDEN = "staff.forbidden"
    BAD_CODE = "staff.bad_code"
    REFUSED = "staff.refused"  # a rule: yourself, the last owner, already so
    NOT_FOUND = "staff.not_found"
    LOCKED = "staff.locked"
