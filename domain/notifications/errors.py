"""Error codes of the notifications context."""

from enum import StrEnum


class NotificationErrorCode(StrEnum):
    UNKNOWN_EMAIL = "notifications.unknown_email"
    BAD_RECIPIENT = "notifications.bad_recipient"
    MISSING_CONTEXT = "notifications.missing_context"
    BAD_ATTACHMENT = "notifications.bad_attachment"
    UNRESOLVED_ATTACHMENT = "notifications.unresolved_attachment"
    SEND_FAILED = "notifications.send_failed"  # temporary: the job retries
    REJECTED = "notifications.rejected"  # permanent: the mail server refused the message
    NOT_RESENDABLE = "notifications.not_resendable"  # queued still, or a single-use link
