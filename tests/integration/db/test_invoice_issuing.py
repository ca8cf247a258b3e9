"""Issuing invoices on the real database: gapless series numbers in the issuing transaction, an
exact round trip, and at most one renewal invoice per subscription and period."""

from __future__ import annotations

import asyncio
from dataclasses import replace
from decimal import Decimal

import pytest

from domain.adapters.db.tables import InvoiceTable
from domain.adapters.db.uow import PiccoloUnitOfWork
from domain.billing.issued import BillingReason, CustomerSnapshot
from domain.billing.model import Invoice, TaxBasis
from domain.billing.service import issue_invoice
from domain.documents.invoice_document import DEMO_SELLER, build_invoice_document
from domain.shared.clock import FrozenClock
from domain.shared.errors import Conflict, ValidationFailed
from domain.simulate.run import simulate
from domain.simulate.scenario import parse
from tests.support.database import TestDatabase
from web.jobs import build_registry

pytestmark = pytest.mark.integration
ACME = CustomerSnapshot(
    "Acme GmbH", "billing@acme.test", ("Hauptstr. 1", "10115 Berlin"), "DE", "DE123456789"
)


def _computed_invoices() -> list[Invoice]:
    """Invoices the engine computed for a seat plan with usage, a change and a coupon."""
    scenario = parse(
        """{"currency": "USD",
            "catalog": {"plans": [{"code": "team", "interval": "month", "charges": [
                {"model": "flat", "amount": "30.00"}, {"model": "per_unit", "unit_amount": "10.00"},
                {"model": "graduated", "tiers": [{"up_to": 100, "unit_amount": "0.1"},
                 {"up_to": null, "unit_amount": "0.0005"}], "usage": {"meter": "calls"}}]}],
             "coupons": [{"code": "C", "percent_off": "10", "duration": "forever"}]},
            "events": [{"at": "2024-01-31T00:00:00Z", "type": "subscribe", "plan": "team", "coupon": "C"},
                       {"at": "2024-02-10T00:00:00Z", "type": "usage", "meter": "calls", "value": "1234.5"},
                       {"at": "2024-02-15T00:00:00Z", "type": "change_quantity", "quantity": 3}],
            "until": "2024-03-31T00:00:00Z"}"""
    )
    return simulate(scenario).engine.invoices


def _uow(db: TestDatabase, clock: FrozenClock) -> PiccoloUnitOfWork:
    return PiccoloUnitOfWork(db.engine, clock=clock, registry=build_registry())


async def _issue(db: TestDatabase, clock: FrozenClock, invoice: Invoice, **kw: object):  # type: ignore[no-untyped-def]
    args: dict[str, object] = {
        "subscription_id": "sub-1",
        "customer_id": "cus-1",
        "reason": BillingReason.SUBSCRIPTION_CYCLE,
        "customer": ACME,
        "series": "INV-2024-",
    }
    args.update(kw)
    return await issue_invoice(invoice, uow=_uow(db, clock), **args)  # type: ignore[arg-type]


async def test_issued_invoices_get_consecutive_numbers_and_round_trip_exactly(
    db: TestDatabase, clock: FrozenClock
) -> None:
    computed = _computed_invoices()
    # the change's proration lines carry their arithmetic in days, which must round-trip too
    assert any(line.detail for inv in computed for line in inv.lines)
    issued = [await _issue(db, clock, inv) for inv in computed]
    assert [i.number for i in issued] == ["INV-2024-000001", "INV-2024-000002", "INV-2024-000003"]
    for original, stored in zip(computed, issued, strict=True):
        loaded = await _uow(db, clock).invoices.get(stored.id)
        assert loaded is not None
        assert loaded.customer == ACME
        assert loaded.invoice.status == "open"
        assert loaded.invoice.lines == original.lines, "quantities, sub-minor unit prices, periods"
        assert (loaded.invoice.subtotal, loaded.invoice.discount, loaded.invoice.total) == (
            original.subtotal,
            original.discount,
            original.total,
        )


async def test_issuing_a_renewal_twice_returns_the_stored_invoice(
    db: TestDatabase, clock: FrozenClock
) -> None:
    renewal = _computed_invoices()[1]
    first = await _issue(db, clock, renewal)
    again = await _issue(db, clock, renewal)
    assert again.id == first.id
    assert again.number == first.number
    assert await InvoiceTable.count() == 1
    other_sub = await _issue(db, clock, renewal, subscription_id="sub-2")
    assert other_sub.number == "INV-2024-000002", "no number was used by the repeat"


async def test_a_failed_issue_gives_its_number_back(db: TestDatabase, clock: FrozenClock) -> None:
    computed = _computed_invoices()
    uow = _uow(db, clock)
    with pytest.raises(RuntimeError):  # noqa: PT012 - the failure happens after the number was taken
        async with uow:
            assert await uow.invoices.next_number("INV-2024-") == 1
            raise RuntimeError("the payment provider was down")
    assert (await _issue(db, clock, computed[0])).number == "INV-2024-000001"


async def test_concurrent_issues_are_gapless_and_a_renewal_is_stored_once(
    db: TestDatabase, clock: FrozenClock
) -> None:
    computed = _computed_invoices()
    manual = [
        _issue(db, clock, computed[0], subscription_id=None, reason=BillingReason.MANUAL)
        for _ in range(12)
    ]
    renewals = [_issue(db, clock, computed[1]) for _ in range(4)]
    results = await asyncio.gather(*manual, *renewals, return_exceptions=True)

    failures = [r for r in results if isinstance(r, BaseException)]
    assert all(isinstance(f, Conflict) and f.code == "billing.duplicate_cycle" for f in failures), (
        failures
    )
    rows = await InvoiceTable.select(InvoiceTable.number, InvoiceTable.billing_reason)
    assert sorted(r["number"] for r in rows) == [
        f"INV-2024-{n:06d}" for n in range(1, len(rows) + 1)
    ]
    assert sum(r["billing_reason"] == "subscription_cycle" for r in rows) == 1
    assert len(rows) == 13


async def test_a_bad_series_prefix_is_refused(db: TestDatabase, clock: FrozenClock) -> None:
    with pytest.raises(ValidationFailed) as info:
        await _issue(db, clock, _computed_invoices()[0], series="inv 2024")
    assert info.value.code == "billing.bad_series_prefix"


@pytest.mark.parametrize(
    "basis",
    [
        TaxBasis(Decimal("8.875"), inclusive=False),
        TaxBasis(Decimal("20"), inclusive=True),
        TaxBasis(
            reverse_charge=True,
            note="Reverse charge: VAT to be accounted for by the customer (FR12345678901)",
        ),
        TaxBasis(note="Tax exempt"),
    ],
)
async def test_the_tax_basis_is_stored_with_the_invoice(
    db: TestDatabase, clock: FrozenClock, basis: TaxBasis
) -> None:
    computed = replace(_computed_invoices()[0], tax_basis=basis)
    stored = await _issue(db, clock, computed)
    loaded = await _uow(db, clock).invoices.get(stored.id)
    assert loaded is not None and loaded.invoice.tax_basis == basis


async def test_an_invoice_stored_before_the_basis_was_kept_still_loads(
    db: TestDatabase, clock: FrozenClock
) -> None:
    stored = await _issue(db, clock, _computed_invoices()[0])
    await InvoiceTable.update({InvoiceTable.tax_basis: None}).where(InvoiceTable.id == stored.id)
    loaded = await _uow(db, clock).invoices.get(stored.id)
    assert loaded is not None and loaded.invoice.tax_basis is None
    assert build_invoice_document(loaded, DEMO_SELLER).tax.label == "Tax"  # no tax: no "0%"
