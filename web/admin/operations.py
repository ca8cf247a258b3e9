"""The operations pages' handlers (jobs, e-mails, webhooks, cancellation feedback), listed once
for the /admin router."""

from web.admin.emails import show_email, show_email_html, show_emails, submit_resend_email
from web.admin.feedback import show_feedback
from web.admin.jobs import show_job, show_jobs, submit_discard_job, submit_retry_job
from web.admin.webhooks import show_webhooks

OPERATIONS_HANDLERS = (
    show_jobs,
    show_job,
    submit_retry_job,
    submit_discard_job,
    show_emails,
    show_email,
    show_email_html,
    submit_resend_email,
    show_webhooks,
    show_feedback,
)
