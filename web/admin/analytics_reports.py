"""The analytics report handlers listed once for the router: the cohort table and its CSV
(analytics_cohorts.py)."""

from __future__ import annotations

from web.admin.analytics_cohorts import export_cohorts, show_cohorts

ANALYTICS_REPORT_HANDLERS = [show_cohorts, export_cohorts]
