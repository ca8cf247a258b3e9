"""The analytics report handlers listed once for the router: the cohort table and its CSV
(analytics_cohorts.py), the subscriber metrics and their CSV
(analytics_subscribers.py), and the member's own monthly summary e-mail setting
(analytics_email.py)."""

from __future__ import annotations

from web.admin.analytics_cohorts import export_cohorts, show_cohorts
from web.admin.analytics_email import show_analytics_email, submit_analytics_email
from web.admin.analytics_subscribers import export_subscribers, show_subscribers

ANALYTICS_REPORT_HANDLERS = [
    show_cohorts,
    export_cohorts,
    show_subscribers,
    export_subscribers,
    show_analytics_email,
    submit_analytics_email,
]
