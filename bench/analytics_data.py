"""The analytics benchmark's business: customers and subscriptions over five years, each
subscription's life driven through the pure billing engine in memory, turned into the rows the
live system would have written (``bench/analytics.py`` loads them).

For every customer the lives of its subscriptions are generated first (each change and each
renewal is one transaction: the engine is stepped to the instant, reading MRR at each due
instant on the way, the command applied, and the MRR read again, as ``lifecycle.run_in`` and
``mrr_ledger.record_change`` do), then the transactions of all its subscriptions are merged in
time order and fed to ``CustomerLedger.record``, exactly as the live ledger is written
transaction by transaction. Everything is seeded: the same seed gives the same business.

What the business does (per month a subscription is alive, unless stated): monthly and annual
plans in three tiers (Starter flat, Team and Business per seat) priced in USD, EUR and GBP;
30 % of subscriptions start with a 14-day trial (a sixth of those cancel in it); 15 % with a
coupon (repeating 3 months 20 % off, or forever 10 % off); about 2.5 % cancel at the period's
end (monthly) or 1.5 % (annual), a tenth of those take it back; upgrades 1.2 % (now, invoiced
now), downgrades 0.6 % (at the period's end), seat changes 4 % on per-seat plans (more now,
fewer at the period's end), pauses 0.4 % (resuming after one to three months), a forever coupon
applied later 0.3 %. A quarter of churned customers come back with a new subscription one to
twelve months later (reactivation); 5 % of customers take a second subscription alongside.

Payments always succeed (no dunning, no incomplete subscriptions): every invoice is stored paid
at its issue instant. Invoice lines are not generated (the analytics never read them).
"""

from __future__ import annotations

import json
import random
import uuid
from collections.abc import Iterator
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from domain.adapters.db.repositories.billing import _basis_json
from domain.adapters.db.repositories.history import _state_json
from domain.adapters.db.repositories.subscriptions import (
    _coupon_json,
    _json,
    _line_json,
)
from domain.analytics.ledger import CustomerLedger, LedgerMovement, Reading
from domain.billing.config import BillingConfig
from domain.billing.issued import BillingReason, CustomerSnapshot
from domain.billing.model import Invoice
from domain.catalog.model import Plan, PlanPrice
from domain.pricing.coupons import Coupon, CouponDuration
from domain.pricing.model import Charge, ChargeModel
from domain.shared.errors import DomainError
from domain.shared.ids import CustomerId, PlanId, SubscriptionId
from domain.shared.money import Currency
from domain.shared.periods import Interval, IntervalUnit
from domain.subscriptions._engine_store import cycle_reason
from domain.subscriptions.engine import (
    BillingSettings,
    ProrationBehavior,
    SubscriptionEngine,
    SubscriptionStatus,
    Timing,
)
from domain.subscriptions.model import Subscription
from domain.subscriptions.mrr_ledger import reading
from domain.subscriptions.state import snapshot

CONFIG = BillingConfig()
START = datetime(2021, 12, 1, tzinfo=UTC)
END = datetime(2026, 12, 1, tzinfo=UTC)  # "now" of the generated business: five years
MONTHS = 60
REPORTING = "USD"
# (currency, share of customers, countries, time zones, USD per unit at the start and the end)
CURRENCIES = (
    ("USD", 0.6, ("US", "CA"), ("America/New_York", "America/Los_Angeles"), None),
    ("EUR", 0.25, ("DE", "FR", "NL"), ("Europe/Berlin", "Europe/Paris"), ("1.13", "1.08")),
    ("GBP", 0.15, ("GB",), ("Europe/London",), ("1.35", "1.27")),
)
# tier code, flat price and per-seat price per month in USD cents (EUR and GBP: scaled)
TIERS = (("starter", 1900, 0), ("team", 2900, 1000), ("business", 9900, 2000))
PRICE_SCALE = {"USD": 1.0, "EUR": 0.9, "GBP": 0.8}


def _plan(tier: str, flat: int, seat: int, annual: bool) -> Plan:
    months = 10 if annual else 1  # two months free on the annual plan
    prices = []
    for code, *_ in CURRENCIES:
        scale = PRICE_SCALE[code]
        charges = [Charge(ChargeModel.FLAT, amount_minor=round(flat * scale) * months)]
        if seat:
            charges.append(
                Charge(ChargeModel.PER_UNIT, unit_minor=Decimal(round(seat * scale) * months))
            )
        prices.append(PlanPrice(Currency.of(code), tuple(charges)))
    code = f"{tier}-{'annual' if annual else 'monthly'}"
    return Plan(
        id=PlanId(f"bench-{code}"),
        code=code,
        name=f"{tier.title()} ({'annual' if annual else 'monthly'})",
        description="",
        interval=Interval(IntervalUnit.YEAR if annual else IntervalUnit.MONTH, 1),
        prices=tuple(prices),
        metadata={"family": tier},
    )


PLANS: tuple[Plan, ...] = tuple(
    _plan(tier, flat, seat, annual) for tier, flat, seat in TIERS for annual in (False, True)
)
BY_CODE = {p.code: p for p in PLANS}
REPEATING = Coupon("WELCOME20", CouponDuration.REPEATING, Decimal(20), duration_in_months=3)
FOREVER = Coupon("LOYAL10", CouponDuration.FOREVER, Decimal(10))


def exchange_rates() -> list[tuple[str, str, str, datetime]]:
    """(currency, reporting, rate, effective on): one rate a month per currency, drifting
    linearly from its first to its last value (and one a month before the first day, so every
    movement has a rate)."""
    rows = []
    for code, _, _, _, rates in CURRENCIES:
        if rates is None:
            continue
        first, last = Decimal(rates[0]), Decimal(rates[1])
        for m in range(-1, MONTHS + 1):
            day = _month(m)
            rate = first + (last - first) * Decimal(max(m, 0)) / MONTHS
            rows.append((code, REPORTING, str(rate.quantize(Decimal("0.0001"))), day))
    return rows


def _month(m: int) -> datetime:
    year, month = divmod(START.month - 1 + m, 12)
    return START.replace(year=START.year + year, month=month + 1)


@dataclass(slots=True)
class Txn:
    """One transaction of one subscription: its state after it, the MRR readings it made and
    the invoices it issued (with their billing reasons)."""

    at: datetime
    sub: Subscription
    readings: list[Reading]
    invoices: list[tuple[Invoice, BillingReason]]
    tax_rate: None = None


@dataclass(slots=True)
class CustomerRows:
    customer: tuple  # type: ignore[type-arg]
    subscriptions: list[tuple] = field(default_factory=list)  # type: ignore[type-arg]
    history: list[tuple] = field(default_factory=list)  # type: ignore[type-arg]
    movements: list[tuple] = field(default_factory=list)  # type: ignore[type-arg]
    invoices: list[tuple] = field(default_factory=list)  # type: ignore[type-arg]
    ledger: list[LedgerMovement] = field(default_factory=list)


@dataclass(slots=True)
class _Life:
    """One subscription being lived: the engine, the stored state, its transactions."""

    engine: SubscriptionEngine
    sub: Subscription
    txns: list[Txn] = field(default_factory=list)
    ended_at: datetime | None = None

    def save(
        self, at: datetime, readings: list[Reading], renewals: int, n0: int, reason: BillingReason
    ) -> None:
        new = self.engine.invoices[n0:]
        reasons = [cycle_reason(inv) if i < renewals else reason for i, inv in enumerate(new)]
        period_invoice_id = self.sub.period_invoice_id
        pi = self.engine.period_invoice
        invoices = []
        for inv, why in zip(new, reasons, strict=True):
            invoices.append((inv, why))
        if pi is not None and any(inv is pi for inv in new):
            period_invoice_id = f"pending:{pi.number}"  # resolved to the stored id on output
        self.sub = snapshot(self.sub, self.engine, period_invoice_id=period_invoice_id, now=at)
        self.txns.append(Txn(at, self.sub, readings, invoices))

    def step_to(self, until: datetime) -> None:
        """One renewal transaction per due instant up to ``until`` (the renewal run, each
        subscription advanced in its own transaction at the instant it fell due)."""
        engine = self.engine
        while (due := engine.next_due_at) is not None and due <= until:
            n0 = len(engine.invoices)
            readings = [reading(engine, at) for at in engine.advance_by_step(due)]
            readings.append(reading(engine, due))
            self.save(
                due, readings, len(engine.invoices) - n0, n0, BillingReason.SUBSCRIPTION_CYCLE
            )
            if engine.status in (SubscriptionStatus.CANCELED,):
                self.ended_at = due
                return

    def command(
        self, at: datetime, apply, reason: BillingReason = BillingReason.SUBSCRIPTION_UPDATE
    ) -> bool:  # type: ignore[no-untyped-def]
        """A change at ``at`` (after the renewals due before it); False when the engine refused
        it (the live use case would have rolled back, writing nothing)."""
        self.step_to(at)
        engine = self.engine
        if engine.status in (SubscriptionStatus.CANCELED, SubscriptionStatus.INCOMPLETE_EXPIRED):
            return False
        n0 = len(engine.invoices)
        readings = [reading(engine, step) for step in engine.advance_by_step(at)]
        renewals = len(engine.invoices) - n0
        try:
            apply(engine, at)
        except DomainError:
            return False
        readings.append(reading(engine, at))
        self.save(at, readings, renewals, n0, reason)
        if engine.status is SubscriptionStatus.CANCELED:
            self.ended_at = at
        return True


def _instant(rng: random.Random, month: datetime) -> datetime:
    return month + timedelta(seconds=rng.randrange(27 * 86400))


class Business:
    """Generates customers one at a time until ``subscriptions`` subscriptions exist."""

    def __init__(self, subscriptions: int, seed: int = 16) -> None:
        self.target = subscriptions
        self.made = 0
        self.rng = random.Random(seed)
        self.seq = 0  # transaction order over the whole business (ties in time: this order)
        weights = [1.03**m for m in range(MONTHS)]  # signups grow about 50 % a year
        self.start_weights = weights

    def customers(self) -> Iterator[CustomerRows]:
        k = 0
        while self.made < self.target:
            yield self.customer(k)
            k += 1

    # -- one customer -------------------------------------------------------------------------
    def customer(self, k: int) -> CustomerRows:
        rng = self.rng
        r = rng.random()
        cur = CURRENCIES[0] if r < 0.6 else CURRENCIES[1] if r < 0.85 else CURRENCIES[2]
        currency, _, countries, zones, _ = cur
        country = rng.choice(countries)
        tz = rng.choice(zones)
        month = rng.choices(range(MONTHS), self.start_weights)[0]
        start = _instant(rng, _month(month))
        cid = CustomerId(str(uuid.UUID(int=rng.getrandbits(128), version=4)))
        email = f"customer-{k}@bench.example"
        name = f"Customer {k}"
        snap = json.dumps(asdict(CustomerSnapshot(name=name, email=email, country=country)))
        lives: list[_Life] = []
        first = self._life(cid, currency, tz, start, rng)
        lives.append(first)
        if rng.random() < 0.05 and self.made < self.target:  # a second product alongside
            second_at = start + timedelta(days=rng.randrange(30, 720))
            if second_at < END:
                lives.append(self._life(cid, currency, tz, second_at, rng, tier="starter"))
        # reactivation: a churned customer comes back with a new subscription
        last = lives[0]
        while last.ended_at is not None and self.made < self.target and rng.random() < 0.25:
            again = last.ended_at + timedelta(days=rng.randrange(30, 365))
            if again >= END:
                break
            last = self._life(cid, currency, tz, again, rng)
            lives.append(last)
        rows = CustomerRows(
            customer=(cid, email, name, currency, country, "[]", False, tz, 0, start)
        )
        self._rows(rows, cid, country, snap, lives)
        return rows

    def _life(
        self,
        cid: CustomerId,
        currency: str,
        tz: str,
        start: datetime,
        rng: random.Random,
        tier: str | None = None,
    ) -> _Life:
        self.made += 1
        annual = rng.random() < 0.25
        if tier is None:
            r = rng.random()
            tier = "starter" if r < 0.5 else "team" if r < 0.85 else "business"
        plan = BY_CODE[f"{tier}-{'annual' if annual else 'monthly'}"]
        seats = tier != "starter"
        quantity = rng.randint(1, 12) if seats else 1
        trial = rng.random() < 0.3
        c = rng.random()
        coupon = REPEATING if c < 0.075 else FOREVER if c < 0.15 else None
        settings = BillingSettings(
            currency=Currency.of(currency),
            tz=ZoneInfo(tz),
            proration=CONFIG.proration,
            rounding=CONFIG.rounding,
            tax_rounding=CONFIG.tax_rounding,
            tax_rate=None,
        )
        engine = SubscriptionEngine(settings=settings, plans=BY_CODE)
        engine.subscribe(
            start, plan, quantity=quantity, coupon=coupon, trial_days=14 if trial else 0
        )
        assert engine.period is not None and engine.anchor is not None
        sub = Subscription(
            id=SubscriptionId(str(uuid.UUID(int=rng.getrandbits(128), version=4))),
            customer_id=cid,
            currency=currency,
            timezone=tz,
            proration=CONFIG.proration,
            plan_id=plan.id,
            quantity=quantity,
            status=SubscriptionStatus.ACTIVE,
            anchor=engine.anchor,
            period_start=engine.period.start,
            period_end=engine.period.end,
            created_at=start,
        )
        life = _Life(engine, sub)
        life.save(start, [reading(engine, start)], 0, 0, BillingReason.SUBSCRIPTION_CREATE)
        if trial and rng.random() < 1 / 6:
            life.command(
                start + timedelta(seconds=rng.randrange(86400, 13 * 86400)),
                lambda e, at: e.cancel(at, timing=Timing.IMMEDIATE),
            )
        month = start.replace(day=1, hour=0, minute=0, second=0) + timedelta(days=32)
        month = month.replace(day=1)
        while life.ended_at is None and month < END:
            self._month(life, _instant(rng, month), rng)
            month = (month + timedelta(days=32)).replace(day=1)
        if life.ended_at is None:
            life.step_to(END)
        return life

    def _month(self, life: _Life, at: datetime, rng: random.Random) -> None:
        engine = life.engine
        life.step_to(at)
        if life.ended_at is not None or at >= END:
            return
        plan = engine.plan
        assert plan is not None
        if engine.status is not SubscriptionStatus.ACTIVE:
            return
        tier, _, interval = plan.code.partition("-")
        if engine.cancel_at_period_end:
            if rng.random() < 0.1:
                life.command(at, lambda e, t: e.uncancel(t))
            return
        churn = 0.015 if interval == "annual" else 0.025
        r = rng.random()
        if r < churn:
            life.command(at, lambda e, t: e.cancel(t, timing=Timing.PERIOD_END))
            return
        r -= churn
        tiers = [t for t, *_ in TIERS]
        i = tiers.index(tier)
        if r < 0.012:
            if i + 1 < len(tiers):
                up = BY_CODE[f"{tiers[i + 1]}-{interval}"]
                life.command(
                    at,
                    lambda e, t: e.change(
                        t, plan=up, timing=Timing.IMMEDIATE, proration=ProrationBehavior.INVOICE_NOW
                    ),
                )
            return
        r -= 0.012
        if r < 0.006:
            if i > 0:
                down = BY_CODE[f"{tiers[i - 1]}-{interval}"]
                life.command(at, lambda e, t: e.change(t, plan=down, timing=Timing.PERIOD_END))
            return
        r -= 0.006
        if r < 0.04:
            if tier != "starter":
                more = rng.random() < 0.65
                n = max(1, engine.quantity + (rng.randint(1, 3) if more else -rng.randint(1, 3)))
                if more:
                    life.command(
                        at,
                        lambda e, t: e.change(
                            t,
                            quantity=n,
                            timing=Timing.IMMEDIATE,
                            proration=ProrationBehavior.NEXT_INVOICE,
                        ),
                    )
                elif n != engine.quantity:
                    life.command(at, lambda e, t: e.change(t, quantity=n, timing=Timing.PERIOD_END))
            return
        r -= 0.04
        if r < 0.004:
            resume = at + timedelta(days=rng.randrange(30, 92))
            life.command(at, lambda e, t: e.pause(t, resume_at=resume))
            return
        r -= 0.004
        if r < 0.003 and engine.coupon is None:
            life.command(at, lambda e, t: e.apply_coupon(t, FOREVER))

    # -- rows -----------------------------------------------------------------------------------
    def _rows(
        self, rows: CustomerRows, cid: CustomerId, country: str, snap: str, lives: list[_Life]
    ) -> None:
        merged = sorted(
            ((t.at, n, i, t) for n, life in enumerate(lives) for i, t in enumerate(life.txns)),
            key=lambda x: (x[0], x[1], x[2]),
        )
        ledger = CustomerLedger()
        invoice_ids: dict[tuple[int, str], str] = {}
        for _, n, _, txn in merged:
            self.seq += 1
            seq = self.seq
            sub = txn.sub
            for inv, why in txn.invoices:
                iid = str(uuid.UUID(int=self.rng.getrandbits(128), version=4))
                invoice_ids[(n, inv.number)] = iid
                cycle = (
                    f"{sub.id}:{inv.period.start.isoformat()}"
                    if why is BillingReason.SUBSCRIPTION_CYCLE
                    else None
                )
                rows.invoices.append(
                    (
                        iid, sub.id, cid, why.value, cycle, "paid", inv.currency,
                        inv.period.start, inv.period.end, inv.issued_at, inv.subtotal,
                        inv.discount, inv.tax, inv.total, inv.credit_applied, inv.amount_due,
                        snap, inv.issued_at, _basis_json(inv.tax_basis), seq,
                    )
                )  # fmt: skip
            rows.history.append(
                (
                    sub.id,
                    cid,
                    sub.version,
                    txn.at,
                    _state_json(sub),
                    country,
                    None,
                    None,
                    False,
                    seq,
                )
            )
            made = ledger.record(
                txn.readings,
                subscription_id=sub.id,
                customer_id=cid,
                currency=sub.currency,
                country=country,
                version=sub.version,
            )
            for j, m in enumerate(made):
                rows.ledger.append(m)
                rows.movements.append(
                    (
                        m.subscription_id, m.customer_id, m.at, m.kind.value,
                        m.customer_kind.value, m.amount_minor, m.mrr_minor, m.currency,
                        m.plan_code, m.country, m.version, seq * 16 + j,
                    )
                )  # fmt: skip
        for n, life in enumerate(lives):
            s = life.sub
            pid = s.period_invoice_id
            if pid is not None and pid.startswith("pending:"):
                pid = invoice_ids[(n, pid.removeprefix("pending:"))]
            rows.subscriptions.append(
                (
                    s.id, cid, s.currency, s.timezone, s.proration.value, s.plan_id, s.quantity,
                    s.status.value, s.anchor, s.period_start, s.period_end, s.next_action_at,
                    s.created_at, s.canceled_at, s.pending_anchor, s.cancel_at_period_end,
                    s.scheduled_plan_id, s.scheduled_quantity, s.scheduled_from, s.resume_at,
                    s.paused_at, s.incomplete_expires_at, _coupon_json(s.coupon),
                    s.carry_minor, _json([_line_json(line) for line in s.pending_lines]),
                    _json([[p, q] for p, q in s.addons]), pid, s.version,
                )
            )  # fmt: skip
