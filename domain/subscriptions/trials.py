"""Moving a trial's end to another day: the instant it then ends and the limits on it."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from domain.shared.errors import ValidationFailed
from domain.subscriptions.model import Subscription

# as Stripe: a trial ends at most two years from now
MAX_TRIAL_AHEAD = timedelta(days=730)


def trial_end_on(sub: Subscription, day: date, *, now: datetime) -> datetime:
    """The trial moved to end on ``day`` (in the subscription's time zone) at the time of day
    it ends now, so the billing anchor keeps its hour; ``day`` must be after today there and
    within two years (``ValidationFailed`` on ``trial_end``)."""
    tz = ZoneInfo(sub.timezone)
    local_end = sub.period_end.astimezone(tz)
    if day <= now.astimezone(tz).date():
        raise ValidationFailed(
            {"trial_end": "Choose a day after today; to end the trial today, end it now."},
            code="billing.bad_trial_end",
        )
    moved = datetime.combine(day, local_end.timetz().replace(tzinfo=None), tzinfo=tz)
    if moved - now > MAX_TRIAL_AHEAD:
        raise ValidationFailed(
            {"trial_end": "A trial can end at most two years from now."},
            code="billing.bad_trial_end",
        )
    return moved.astimezone(sub.period_end.tzinfo)
