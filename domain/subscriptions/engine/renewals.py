"""Time passing: ``advance_to`` renews at each period's end (or ends the subscription there,
or applies the change scheduled for it), and the trials and pauses that end at one."""

from __future__ import annotations

from datetime import datetime

from domain.billing.model import InvoiceLine
from domain.pricing.proration import ProrationUnit
from domain.shared.errors import InvalidTransition, ValidationFailed
from domain.shared.periods import Period
from domain.subscriptions.engine.checks import require_live, require_settled
from domain.subscriptions.engine.core import EngineState
from domain.subscriptions.engine.lines import (
    addon_prorated,
    prorated_lines,
    renewal_lines,
    stub_lines,
)
from domain.subscriptions.engine.states import (
    BILLING,
    ENDED,
    BillingErrorCode,
    SubscriptionStatus,
)
from domain.subscriptions.engine.usage import usage_lines


class Renewals(EngineState):
    # -- trials -------------------------------------------------------------------------------
    def set_trial_end(self, at: datetime, trial_end: datetime) -> None:
        """Extend or shorten a running trial, or start one on an active subscription.

        On an active subscription the unused part of the paid period is credited to the next
        invoice (the one at the trial's end), with the usage so far; the trial's end becomes the
        new anchor, as every trial end does."""
        require_settled(self.status)
        assert self.plan is not None and self.period is not None
        if trial_end <= at:
            raise ValidationFailed(
                {"trial_end": "the trial must end in the future; to end it now, end the trial"},
                code=BillingErrorCode.BAD_TRIAL_END,
            )
        if self.pending_anchor is not None and self.pending_anchor < trial_end:
            raise ValidationFailed(
                {"trial_end": "the trial must end before the billing anchor chosen at sign-up"},
                code=BillingErrorCode.BAD_TRIAL_END,
            )
        if self.status is SubscriptionStatus.TRIALING:
            self.period = Period(self.period.start, trial_end)
            self.anchor = trial_end
            return
        if self.status not in BILLING:
            raise InvalidTransition(
                f"a {self.status} subscription cannot start a trial",
                code=BillingErrorCode.NOT_TRIALING,
            )
        settings = self.settings
        lines: list[InvoiceLine] = []
        if at < self.period.end and settings.proration is not ProrationUnit.NONE:
            share = self._share_left(at)
            unused = Period(at, self.period.end)
            lines += prorated_lines(settings, self.plan, self.quantity, unused, share, credit=True)
            lines += addon_prorated(settings, self.addons.values(), unused, share, credit=True)
        used_from = self._usage_start()
        if at > used_from:
            lines += usage_lines(settings, self.usage, self.plan, Period(used_from, at))
        self.pending.extend(lines)
        self.status = SubscriptionStatus.TRIALING
        self.period = Period(at, trial_end)
        self.anchor = trial_end

    def end_trial(self, at: datetime) -> None:
        """End the trial now: the subscription converts and is billed from this instant."""
        require_live(self.status)
        assert self.period is not None
        if self.status is not SubscriptionStatus.TRIALING:
            raise InvalidTransition(
                "the subscription is not in a trial", code=BillingErrorCode.NOT_TRIALING
            )
        if at <= self.period.start:
            raise InvalidTransition(
                "the trial began at this instant; it can be ended from the next moment on",
                code=BillingErrorCode.BAD_TRIAL_END,
            )
        if self.pending_anchor is not None and self.pending_anchor <= at:
            self.pending_anchor = None
        self.period = Period(self.period.start, at)
        self._roll(at)

    # -- pauses -------------------------------------------------------------------------------
    def pause(self, at: datetime, *, resume_at: datetime | None = None) -> None:
        require_settled(self.status)
        if self.status is SubscriptionStatus.PAUSED:
            raise InvalidTransition(
                "the subscription is already paused", code=BillingErrorCode.NOT_PAUSED
            )
        if resume_at is not None and resume_at <= at:
            raise ValidationFailed({"resume_at": "must be after the pause"})
        self.status = SubscriptionStatus.PAUSED
        self.resume_at = resume_at
        self.paused_at = at

    def resume(self, at: datetime) -> None:
        require_live(self.status)
        if self.status is not SubscriptionStatus.PAUSED:
            raise InvalidTransition(
                "the subscription is not paused", code=BillingErrorCode.NOT_PAUSED
            )
        self.status = SubscriptionStatus.ACTIVE
        self.resume_at = None

    # -- time ---------------------------------------------------------------------------------
    def advance_to(self, until: datetime) -> None:
        """Process every renewal, trial end, scheduled change and pause end due at or before ``until``."""
        while self.status is not None and self.status not in ENDED:
            assert self.period is not None
            if self.status is SubscriptionStatus.INCOMPLETE:
                assert self.incomplete_expires_at is not None
                if self.incomplete_expires_at > until:
                    return
                self.status = SubscriptionStatus.INCOMPLETE_EXPIRED
                return
            due = self.period.end
            if (
                self.status is SubscriptionStatus.PAUSED
                and self.resume_at is not None
                and self.resume_at <= due  # a pause is [paused_at, resume_at): a renewal at
            ):  # resume_at is after it and bills
                if self.resume_at > until:
                    return
                self.resume(self.resume_at)
                continue
            if due > until:
                return
            self._roll(due)

    def _roll(self, at: datetime) -> None:
        """Renew at the end of the current period (or end the subscription there)."""
        assert self.plan is not None and self.period is not None
        settings = self.settings
        ending = self.period
        was_trial = self.status is SubscriptionStatus.TRIALING
        was_paused = self.status is SubscriptionStatus.PAUSED
        # usage is billed for the time the subscription was active: a pause that began inside the
        # ending period still bills that period's usage (recorded before the pause)
        paused_within = was_paused and self.paused_at is not None and self.paused_at > ending.start
        bill_usage = not was_trial and (not was_paused or paused_within)
        # the current plan's usage: from the period's start, or from an immediate change from
        # another plan (whose usage so far waits in ``pending``)
        used = Period(self._usage_start(), ending.end)
        if self.cancel_at_period_end:
            lines = self._take_pending()
            lines += usage_lines(settings, self.usage, self.plan, used) if bill_usage else []
            if lines:
                self._issue(at, ending, lines)
            self.status = SubscriptionStatus.CANCELED
            self.cancel_at_period_end = False
            return
        usage_plan = self.plan
        if self.scheduled is not None and (
            self.scheduled_from is None or at >= self.scheduled_from
        ):
            new_plan, new_quantity = self.scheduled
            self.scheduled = None
            self.scheduled_from = None
            if new_plan.interval != self.plan.interval:
                self.anchor = at
            self.plan, self.quantity = new_plan, new_quantity
        if was_trial:
            self.status = SubscriptionStatus.ACTIVE
            if self.pending_anchor is not None:
                anchor, self.pending_anchor = self.pending_anchor, None
                self.anchor = anchor
                self.period = Period(at, anchor)
                lines = self._take_pending() + stub_lines(
                    settings, self.plan, self.quantity, self.addons.values(), at, anchor
                )
                self.period_invoice = self._issue(at, self.period, lines)
                return
            self.anchor = at
        self.period = Period(at, self._next_end(at))
        if was_paused:
            if bill_usage:  # the usage of the period the pause began in
                usage = self._take_pending(others=False)
                usage += usage_lines(settings, self.usage, usage_plan, used)
                if usage:
                    self._issue(at, ending, usage)
            return
        lines = self._take_pending() + renewal_lines(
            settings,
            self.usage,
            self.addons.values(),
            usage_plan,
            used if bill_usage else None,
            self.plan,
            self.quantity,
            self.period,
        )
        self.period_invoice = self._issue(at, self.period, lines)
