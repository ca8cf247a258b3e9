"""Drive the billing engine through a parsed scenario and collect the result."""

from __future__ import annotations

from dataclasses import dataclass

from domain.shared.errors import DomainError
from domain.simulate.scenario import InvalidScenario, Scenario
from domain.subscriptions.engine import BillingSettings, SubscriptionEngine


@dataclass(frozen=True, slots=True)
class SimulationResult:
    scenario: Scenario
    engine: SubscriptionEngine


def simulate(scenario: Scenario) -> SimulationResult:
    """Events at the same instant apply in list order, each after any renewal due at it; the clock
    then runs to ``until`` (renewals due exactly at ``until`` happen)."""
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
    for event in scenario.events:
        try:
            engine.advance_to(event.at)
            _apply(engine, event.type, event.at, event.fields)
        except DomainError as exc:
            field = next(iter(getattr(exc, "field_errors", {}) or {}), None)
            raise InvalidScenario(
                f"{event.path}.{field}" if field else event.path, exc.message
            ) from None
    engine.advance_to(scenario.until)
    return SimulationResult(scenario, engine)


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
