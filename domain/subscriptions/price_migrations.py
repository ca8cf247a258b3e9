"""Price migrations as data and their rules: which subscriptions a migration moves, the renewal
that moves each one (its first renewal on or after the effective date) and when its notice is
due (``notice_days`` before that renewal). docs/billing.md "Price migrations" states the rule."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from zoneinfo import ZoneInfo

from domain.catalog.model import Plan
from domain.shared.errors import ValidationFailed
from domain.shared.ids import PlanId, SubscriptionId
from domain.shared.money import Currency
from domain.shared.periods import Interval
from domain.subscriptions.engine import SubscriptionEngine, SubscriptionStatus
from domain.subscriptions.engine.periods import next_end
from domain.subscriptions.model import Subscription

MIN_NOTICE_DAYS = 1
MAX_NOTICE_DAYS = 365
# the runner looks at migrations every 15 minutes and a test clock steps a day at a time: a
# notice sent up to a day after its due instant still moves the subscription at that renewal
NOTICE_GRACE = timedelta(days=1)
# a migration moves subscriptions that renew: not those still waiting for a first payment,
# nor ended ones
MOVABLE = frozenset(
    {
        SubscriptionStatus.ACTIVE,
        SubscriptionStatus.TRIALING,
        SubscriptionStatus.PAST_DUE,
        SubscriptionStatus.UNPAID,
        SubscriptionStatus.PAUSED,
    }
)


class MigrationStatus(StrEnum):
    SCHEDULED = "scheduled"
    DONE = "done"  # every subscription it could move was moved (or left the old version)
    CANCELED = "canceled"


class MigrationErrorCode(StrEnum):
    NOT_FOUND = "price_migration.not_found"
    BAD_TARGET = "price_migration.bad_target"
    BAD_DATE = "price_migration.bad_date"
    BAD_NOTICE = "price_migration.bad_notice_days"
    MISSING_CURRENCY = "price_migration.missing_currency"
    OVERLAP = "price_migration.overlap"
    NOT_SCHEDULED = "price_migration.not_scheduled"
    STALE_PREVIEW = "price_migration.stale_preview"


@dataclass(frozen=True, slots=True)
class PriceMigration:
    """Subscriptions on ``from_plan_id`` move to ``to_plan_id`` (a newer version of the same
    code) at their first renewal on or after ``effective_at``, each told ``notice_days``
    before. ``notified`` and ``moved`` are counted from the notices (read-only here)."""

    id: str
    plan_code: str
    from_plan_id: PlanId
    to_plan_id: PlanId
    effective_at: datetime
    notice_days: int
    status: MigrationStatus
    scheduled_by: str  # the staff member's e-mail at the time
    created_at: datetime
    closed_at: datetime | None = None  # done or canceled
    notified: int = 0
    moved: int = 0


@dataclass(frozen=True, slots=True)
class MigrationNotice:
    """One subscription's notice: sent once (unique per migration and subscription), and the
    renewal it announced; ``moved_at`` once that renewal moved it."""

    migration_id: str
    subscription_id: SubscriptionId
    notified_at: datetime
    move_at: datetime
    moved_at: datetime | None = None


def check_notice_days(days: int) -> None:
    if not MIN_NOTICE_DAYS <= days <= MAX_NOTICE_DAYS:
        raise ValidationFailed(
            {"notice_days": f"Enter a number of days from {MIN_NOTICE_DAYS} to {MAX_NOTICE_DAYS}."},
            code=MigrationErrorCode.BAD_NOTICE,
        )


def check_target(source: Plan, target: Plan, currencies: set[str]) -> None:
    """The target is a newer version of the same plan, renews on the same interval, and has a
    price in every currency the moving subscribers pay in."""
    if target.code != source.code or target.version <= source.version:
        raise ValidationFailed(
            {"to": f"Choose a version of {source.code} newer than version {source.version}."},
            code=MigrationErrorCode.BAD_TARGET,
        )
    if target.interval != source.interval:
        raise ValidationFailed(
            {"to": "The new version must renew on the same interval."},
            code=MigrationErrorCode.BAD_TARGET,
        )
    missing = sorted(c for c in currencies if target.price_in(Currency.of(c)) is None)
    if missing:
        raise ValidationFailed(
            {"to": f"Version {target.version} has no price in {', '.join(missing)}, which "
                   "subscribers on the old version pay in."},
            code=MigrationErrorCode.MISSING_CURRENCY,
        )  # fmt: skip


def earliest_effective(now: datetime, notice_days: int) -> datetime:
    return now + timedelta(days=notice_days)


def check_effective(effective_at: datetime, now: datetime, notice_days: int) -> None:
    """The date leaves every subscriber at least the notice period."""
    earliest = earliest_effective(now, notice_days)
    if effective_at < earliest:
        first_day = (earliest + timedelta(days=1) if earliest.time() else earliest).date()
        raise ValidationFailed(
            {"effective_on": f"With {notice_days} days' notice the date must be on or after "
                             f"{first_day.isoformat()}."},
            code=MigrationErrorCode.BAD_DATE,
        )  # fmt: skip


@dataclass(frozen=True, slots=True)
class Renewing:
    """What the migration rules read of a subscription: its renewal schedule and whether
    something else is already planned for its period's end."""

    status: SubscriptionStatus
    period_end: datetime
    anchor: datetime
    pending_anchor: datetime | None
    tz: ZoneInfo
    cancel_at_period_end: bool
    has_scheduled_change: bool

    @staticmethod
    def of(sub: Subscription) -> Renewing:
        return Renewing(
            sub.status, sub.period_end, sub.anchor, sub.pending_anchor, ZoneInfo(sub.timezone),
            sub.cancel_at_period_end, sub.scheduled_plan_id is not None,
        )  # fmt: skip

    @staticmethod
    def of_engine(engine: SubscriptionEngine) -> Renewing | None:
        if engine.status is None or engine.period is None or engine.anchor is None:
            return None
        return Renewing(
            engine.status, engine.period.end, engine.anchor, engine.pending_anchor,
            engine.settings.tz, engine.cancel_at_period_end, engine.scheduled is not None,
        )  # fmt: skip


def is_movable(sub: Renewing) -> bool:
    """Whether the migration may announce a move to ``sub`` now: it renews, is not ending at
    its period's end, and has no change of its own waiting (a downgrade at the period end is
    applied first; the subscription is looked at again after it)."""
    return sub.status in MOVABLE and not sub.cancel_at_period_end and not sub.has_scheduled_change


def renewals(sub: Renewing, interval: Interval) -> Iterator[datetime]:
    """The subscription's renewal instants from its current period's end on (a trial's end is
    its first renewal; the anchor chosen at sign-up, or the trial's end, anchors the rest)."""
    at = sub.period_end
    anchor = sub.anchor
    if sub.status is SubscriptionStatus.TRIALING:
        anchor = sub.pending_anchor or sub.period_end
    yield at
    while True:
        at = next_end(anchor, interval, at, sub.tz)
        yield at


def planned_move(sub: Renewing, interval: Interval, effective_at: datetime) -> datetime:
    """The renewal that moves ``sub``: its first renewal on or after the effective date."""
    return next(r for r in renewals(sub, interval) if r >= effective_at)


def move_due(
    sub: Renewing, interval: Interval, migration: PriceMigration, now: datetime
) -> datetime | None:
    """``None`` while the notice is not due yet; else the renewal to announce and move at: the
    planned one, or, when the notice comes late (more than a day past due: the job runner was
    down), the first renewal after it that still leaves ``notice_days``."""
    notice = timedelta(days=migration.notice_days)
    planned = planned_move(sub, interval, migration.effective_at)
    if now < planned - notice:
        return None
    return next(
        r
        for r in renewals(sub, interval)
        if r >= migration.effective_at and r >= now + notice - NOTICE_GRACE
    )
