"""The simulation result as the JSON documented in SIMULATION.md."""

from __future__ import annotations

from datetime import UTC, datetime
from fractions import Fraction
from typing import Any

from domain.billing.model import CreditNote, Invoice
from domain.pricing.charges import fmt_amount, fmt_units
from domain.shared.money import Currency, round_minor
from domain.simulate.run import SimulationResult


def instant(at: datetime | None) -> str | None:
    if at is None:
        return None
    utc = at.astimezone(UTC)
    text = utc.isoformat(timespec="microseconds" if utc.microsecond else "seconds")
    return text.replace("+00:00", "Z")


def _money(minor: int | Fraction, currency: Currency) -> str:
    return fmt_amount(Fraction(minor), currency)


UNIT_EXTRA_DECIMALS = 4


def _unit_amount(minor: Fraction, currency: Currency) -> str:
    """A unit price: exact when it has at most 4 decimals more than the currency (0.0005 USD);
    an average that does not terminate (15.00 for 251 units) is rounded half-up to that many."""
    scale = 10**UNIT_EXTRA_DECIMALS
    scaled = minor * scale
    if scaled.denominator != 1:
        scaled = Fraction(round_minor(scaled))
    return fmt_amount(scaled / scale, currency)


def _invoice(invoice: Invoice, currency: Currency) -> dict[str, Any]:
    return {
        "number": invoice.number,
        "issued_at": instant(invoice.issued_at),
        "period_start": instant(invoice.period.start),
        "period_end": instant(invoice.period.end),
        "currency": invoice.currency,
        "lines": [
            {
                "kind": line.kind.value,
                "description": line.description,
                "quantity": fmt_units(line.quantity),
                "unit_amount": _unit_amount(line.unit_amount, currency),
                "amount": _money(line.amount, currency),
                "period_start": instant(line.period.start),
                "period_end": instant(line.period.end),
                "explanation": line.explanation,
            }
            for line in invoice.lines
        ],
        "subtotal": _money(invoice.subtotal, currency),
        "discount": _money(invoice.discount, currency),
        "tax": _money(invoice.tax, currency),
        "total": _money(invoice.total, currency),
        "credit_applied": _money(invoice.credit_applied, currency),
        "amount_due": _money(invoice.amount_due, currency),
    }


def _credit_note(note: CreditNote, currency: Currency) -> dict[str, Any]:
    return {
        "number": note.number,
        "issued_at": instant(note.issued_at),
        "invoice": note.invoice,
        "total": _money(note.total, currency),
        "lines": [
            {
                "description": line.description,
                "amount": _money(line.amount, currency),
                "explanation": line.explanation,
            }
            for line in note.lines
        ],
        "refunded": _money(note.refunded, currency),
        "credited": _money(note.credited, currency),
    }


def to_json(result: SimulationResult) -> dict[str, Any]:
    engine = result.engine
    currency = result.scenario.currency
    assert engine.plan is not None and engine.period is not None and engine.status is not None
    return {
        "invoices": [_invoice(i, currency) for i in engine.invoices],
        "credit_notes": [_credit_note(n, currency) for n in engine.credit_notes],
        "customer_balance": _money(engine.balance, currency),
        "subscription": {
            "status": engine.status.value,
            "plan": engine.plan.code,
            "quantity": engine.quantity,
            "current_period_start": instant(engine.period.start),
            "current_period_end": instant(engine.period.end),
            "next_billing_at": instant(engine.next_billing_at),
        },
        "mrr_movements": [
            {
                "at": instant(m.at),
                "kind": m.kind.value,
                "amount": _money(m.amount, currency),
                "mrr": _money(m.mrr, currency),
            }
            for m in result.mrr_movements
        ],
        "mrr": _money(result.mrr, currency),
    }
