"""Drive the billing engine through a parsed scenario and collect the result: the engine's
documents and state, and the subscription's MRR movements (``domain.analytics``), read after
every event and every renewal, trial end or pause end on the way."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from domain.analytics.movements import MrrMovement, movements
from domain.analytics.mrr import mrr
from domain.shared.errors import DomainError
from domain.simulate.scenario import InvalidScenario, Scenario
from domain.subscriptions.engine import BillingSettings, SubscriptionEngine


@dataclass(frozen=True, slots=True)
class SimulationResult:
    scenario: Scenario
    engine: SubscriptionEngine
    mrr_movements: tuple[MrrMovement, ...] = ()
    mrr: int = 0  # minor units, at ``until``


def simulate(scenario: Scenario) -> SimulationResult:
    """Events at the same instant apply in list order, each after any renewal due at it; the clock
    then runs to ``until`` (renewals due exactly at ``until`` happen). MRR is read after each
    event and each step of the clock; the readings at one instant net into one movement."""
    engine = SubscriptionEngine(
        settings=BillingSettings(
            currency=scenario.currency,
            tz=scenario.tz,
            proration=scenario.proration,
            rounding=scenario.rounding,
            tax_rounding=scenario.tax_rounding,
            tax_rate=scenario.tax_rate,
        ),
        plans=scenario.plans,
    )
    readings: list[tuple[datetime, int]] = []

    def advance(until: datetime) -> None:
        for at in engine.advance_by_step(until):
            readings.append((at, mrr(engine).minor))

    for event in scenario.events:
        try:
            advance(event.at)
            _apply(engine, event.type, event.at, event.fields)
            readings.append((event.at, mrr(engine).minor))
        except DomainError as exc:
            field = next(iter(getattr(exc, "field_errors", {}) or {}), None)
            raise InvalidScenario(
                f"{event.path}.{field}" if field else event.path, exc.message
            ) from None
    advance(scenario.until)
    found = movements(readings)
    return SimulationResult(scenario, engine, tuple(found), found[-1].mrr if found else 0)


def _apply(engine: SubscriptionEngine, kind: str, at, fields: dict) -> None:  # type: ignore[no-untyped-def, type-arg]
    match kind:
        case "subscribe":
            engine.subscribe(
                at,
                fields["plan"],
                quantity=fields.get("quantity", 1),
                coupon=fields.get("coupon"),
                trial_days=fields.get("trial_days"),
                anchor=fields.get("anchor"),
            )
        case "change_plan" | "change_quantity":
            engine.change(
                at,
                plan=fields.get("plan"),
                quantity=fields.get("quantity"),
                timing=fields["timing"],
                proration=fields["proration"],
            )
        case "usage":
            engine.record_usage(at, fields["meter"], fields["value"], fields["key"])
        case "apply_coupon":
            engine.apply_coupon(at, fields["coupon"])
        case "cancel":
            engine.cancel(at, timing=fields["timing"], refund=fields["refund"])
        case "pause":
            engine.pause(at, resume_at=fields.get("resume_at"))
        case "resume":
            engine.resume(at)
        case "uncancel":
            engine.uncancel(at)
        case _:  # pragma: no cover - the parser admits only the kinds above
            raise AssertionError(kind)
