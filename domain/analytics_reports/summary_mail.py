"""The monthly analytics summary e-mail (docs/analytics.md, "Monthly summary e-mail").

- **Opt-in per staff member** (``ANALYTICS_READ``: billing and owner), on their own page
  ``/admin/account/analytics-email``; each change is audited (``staff.analytics_email_on`` /
  ``_off``).
- **The job** ``analytics.send_monthly_summary`` runs daily at 07:00 UTC. On the first three
  days of a month it queues, for each opted-in member who is active and may still read
  analytics, the headline figures of the month that ended (``analytics/headlines.py``) with a
  link to /admin/analytics; on other days it does nothing. The dedupe key
  ``analytics_summary:<staff id>:<month>`` makes it exactly once per member and month, however
  often the job runs (the later days only catch a missed run).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date

from domain.analytics.cohorts import add_months, format_tenths, month_of
from domain.analytics.exchange_rates import ExchangeRates, NoExchangeRate
from domain.analytics.headlines import MonthHeadlines, month_headlines
from domain.analytics.ledger import LedgerMovement
from domain.analytics_reports.ports import SummaryUnit
from domain.audit.model import Actor, new_entry
from domain.audit.service import record
from domain.notifications.model import EmailKind, dedupe_key
from domain.notifications.ports import EmailRenderer
from domain.notifications.service import queue_email_in
from domain.shared.clock import Clock
from domain.shared.money import Currency, Money, Rounding
from domain.staff.model import SignedInStaff
from domain.staff.permissions import Permission, can, require

SEND_DAYS = 3  # the job sends on the first three days of a month (a missed run is caught up)
SUMMARY_JOB = "analytics.send_monthly_summary"


async def summary_opt_in(actor: SignedInStaff, *, uow: SummaryUnit) -> bool:
    """Whether ``actor`` gets the monthly summary."""
    require(actor, Permission.ANALYTICS_READ)
    async with uow:
        return await uow.analytics_summary.is_on(actor.staff_id)


async def set_summary_opt_in(
    actor: SignedInStaff, *, on: bool, uow: SummaryUnit, clock: Clock
) -> bool:
    """Turn ``actor``'s own monthly summary on or off (audited when it changes); whether it
    changed."""
    require(actor, Permission.ANALYTICS_READ)
    now = clock.now()
    async with uow:
        if await uow.analytics_summary.is_on(actor.staff_id) == on:
            return False
        await uow.analytics_summary.set(actor.staff_id, on=on, at=now)
        await record(uow, new_entry(
            at=now, actor=Actor(actor.staff_id, actor.email),
            action=f"staff.analytics_email_{'on' if on else 'off'}", object_type="staff",
            object_id=actor.staff_id, before={"analytics_email": not on},
            after={"analytics_email": on},
        ))  # fmt: skip
        await uow.commit()
    return True


@dataclass(frozen=True, slots=True)
class SummaryRun:
    month: date | None  # the month summarised (None: not a sending day)
    queued: int


def _context(
    name: str, h: MonthHeadlines, reporting: Currency, missing: str, url: str
) -> dict[str, object]:
    def money(minor: int | None) -> Money | None:
        return None if minor is None else Money.of_minor(minor, reporting)

    return {
        "staff_name": name, "month": h.month, "mrr": money(h.mrr_minor),
        "net_new_mrr": money(h.net_new_mrr_minor), "new_customers": h.new_customers,
        "churned_customers": h.churned_customers,
        "logo_churn": format_tenths(h.logo_churn_tenths) if h.logo_churn_tenths is not None
        else "—",
        "missing_rates": missing, "dashboard_url": url,
    }  # fmt: skip


async def send_monthly_summaries(
    *, new_uow: Callable[[], SummaryUnit], clock: Clock, reporting: Currency, rounding: Rounding,
    renderer: EmailRenderer, public_url: str,
) -> SummaryRun:  # fmt: skip
    """Queue the summary of the month that ended for every opted-in member (once each)."""
    today = clock.now().date()
    if today.day > SEND_DAYS:
        return SummaryRun(None, 0)
    month = add_months(month_of(clock.now()), -1)
    async with new_uow() as uow:
        ledger = await uow.mrr_ledger.all()
        rates = ExchangeRates(reporting, await uow.exchange_rates.all())
        wanted = set(await uow.analytics_summary.staff_ids())
        members = [m for m in await uow.staff.all() if m.id in wanted]
    missing: set[str] = set()

    def to_reporting(row: LedgerMovement) -> int | None:
        if row.reporting_amount_minor is not None and row.reporting_currency == reporting.code:
            return row.reporting_amount_minor
        try:
            return rates.convert(Money.of_minor(row.amount_minor, row.currency), row.at.date(),
                                 rounding).minor  # fmt: skip
        except NoExchangeRate:
            missing.add(row.currency)
            return None

    headlines = month_headlines(ledger, month, to_reporting=to_reporting)
    url = f"{public_url.rstrip('/')}/admin/analytics"
    queued = 0
    async with new_uow() as uow:
        for member in members:
            if member.disabled_at is not None or not can(member.role, Permission.ANALYTICS_READ):
                continue
            email = await queue_email_in(
                uow, EmailKind.ANALYTICS_SUMMARY, to=member.email,
                context=_context(member.name, headlines, reporting, ", ".join(sorted(missing)),
                                 url) | {"display_preferences": member.display},
                dedupe_key=dedupe_key(EmailKind.ANALYTICS_SUMMARY, member.id,
                                      month.strftime("%Y-%m")),
                clock=clock, renderer=renderer,
            )  # fmt: skip
            queued += 1 if email is not None else 0
        await uow.commit()
    return SummaryRun(month, queued)
