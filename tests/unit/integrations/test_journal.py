"""The double-entry journal (domain/integrations/journal.py): a hand-checked history (an invoice
with tax and customer credit applied, its card payment, a credit note partly refunded and partly
credited, the refund, a voided and a written-off invoice) and a Hypothesis property: every
posting balances, and so does every currency in total."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from domain.integrations.accounting import (
    ExportPeriod,
    amount,
    check_period,
    invoice_row,
    journal_rows,
)
from domain.integrations.journal import (
    Account,
    balances,
    credit_note_posting,
    invoice_postings,
    payment_posting,
    refund_posting,
)
from domain.integrations.records import (
    CreditNoteRecord,
    InvoiceRecord,
    PaymentRecord,
    RefundRecord,
)
from domain.shared.errors import ValidationFailed

T0 = datetime(2026, 3, 1, 9, 30, tzinfo=UTC)
A, RV, TX, C, CR, BD = (Account.RECEIVABLES, Account.REVENUE, Account.TAX_PAYABLE, Account.CASH,
                        Account.CUSTOMER_CREDITS, Account.BAD_DEBTS)  # fmt: skip


def _invoice(**kw: object) -> InvoiceRecord:
    base: dict[str, object] = {
        "id": "inv-1", "number": "INV-2026-000001", "customer_id": "c1", "customer_name": "Acme",
        "customer_email": "a@example.com", "currency": "EUR", "status": "paid", "issued_at": T0,
        "subtotal": 10000, "discount": 1000, "tax": 1710, "total": 10710, "credit_applied": 710,
        "amount_due": 10000,
    }  # fmt: skip
    return InvoiceRecord(**(base | kw))  # type: ignore[arg-type]


def _lines(posting: object) -> list[tuple[Account, int]]:
    return [(line.account, line.amount) for line in posting.lines]  # type: ignore[attr-defined]


def test_each_document_posts_balanced_entries_to_the_documented_accounts() -> None:
    (issued,) = invoice_postings(_invoice())
    assert _lines(issued) == [(A, 10710), (RV, -9000), (TX, -1710), (CR, 710), (A, -710)]
    pay = payment_posting(PaymentRecord("p1", "INV-2026-000001", "c1", "Acme", "EUR", 10000,
                                        T0 + timedelta(hours=1), "card", "ch_1"))  # fmt: skip
    assert _lines(pay) == [(C, 10000), (A, -10000)]
    note = credit_note_posting(CreditNoteRecord(
        "cn1", "CN-2026-000001", "INV-2026-000001", "c1", "Acme", "EUR", "duplicate",
        T0 + timedelta(days=2), subtotal=5000, discount=500, tax=855, total=5355,
        refunded=4000, credited=1355,
    ))  # fmt: skip
    assert _lines(note) == [(RV, 4500), (TX, 855), (CR, -1355), (A, -4000)]
    refund = refund_posting(RefundRecord("r1", "CN-2026-000001", "INV-2026-000001", "c1", "Acme",
                                         "EUR", 4000, "succeeded", T0 + timedelta(days=2), "re_1"))  # fmt: skip
    assert _lines(refund) == [(A, 4000), (C, -4000)]
    voided = invoice_postings(_invoice(status="void", credit_applied=0, amount_due=10710,
                                       voided_at=T0 + timedelta(days=1)))  # fmt: skip
    assert _lines(voided[1]) == [(A, -10710), (RV, 9000), (TX, 1710)]
    written = invoice_postings(_invoice(status="uncollectible", credit_applied=0,
                                        amount_due=10710, written_off_at=T0 + timedelta(days=30)))  # fmt: skip
    assert _lines(written[1]) == [(BD, 10710), (A, -10710)]
    everything = [issued, pay, note, refund, *voided, *written]
    assert all(p.balance == 0 for p in everything)
    assert sum(balances(everything).values()) == 0
    # the trial balance: the refund's debit to receivables cancels the credit note's credit to
    # them, and the cash account keeps what was paid less what was refunded
    trial = balances([issued, pay, note, refund])
    assert trial[("EUR", A)] == 10710 - 710 - 10000 - 4000 + 4000
    assert trial[("EUR", C)] == 10000 - 4000
    assert trial[("EUR", RV)] == -9000 + 4500 and trial[("EUR", TX)] == -1710 + 855


def test_the_journal_csv_dates_each_entry_and_keeps_the_period() -> None:
    period = ExportPeriod(date(2026, 3, 2), date(2026, 3, 31))
    inv = _invoice(credit_applied=0, amount_due=10710, voided_at=T0 + timedelta(days=1))
    rows = journal_rows([inv], period)  # issued Mar 1 (outside), voided Mar 2 (inside)
    assert rows == [
        ["2026-03-02", "INV-2026-000001", "invoice_void", "inv-1", "c1", "1100",
         "Accounts receivable", "", "107.10", "EUR"],
        ["2026-03-02", "INV-2026-000001", "invoice_void", "inv-1", "c1", "4000", "Revenue",
         "90.00", "", "EUR"],
        ["2026-03-02", "INV-2026-000001", "invoice_void", "inv-1", "c1", "2200", "Tax payable",
         "17.10", "", "EUR"],
    ]  # fmt: skip


def test_amounts_are_exact_with_the_currency_decimals() -> None:
    assert amount(123456, "EUR") == "1234.56"
    assert amount(-5, "USD") == "-0.05"
    assert amount(1500, "JPY") == "1500"
    assert amount(1234, "KWD") == "1.234"
    row = invoice_row(_invoice(currency="JPY", subtotal=1000, discount=0, tax=100, total=1100,
                               credit_applied=0, amount_due=1100))  # fmt: skip
    assert row[7:14] == ["JPY", "1000", "0", "100", "1100", "0", "1100"]
    # a name a spreadsheet would run as a formula is quoted; amounts keep their sign
    hostile = invoice_row(_invoice(customer_name='=HYPERLINK("http://x")', total=-5))
    assert hostile[5] == '\'=HYPERLINK("http://x")' and hostile[11] == "-0.05"


def test_a_period_is_checked() -> None:
    today = date(2026, 12, 7)
    assert check_period("2026-01-01", "2026-01-31", today=today).end == datetime(
        2026, 2, 1, tzinfo=UTC)  # fmt: skip
    for first, last, field in [("", "2026-01-01", "from"), ("2026-02-30", "2026-03-01", "from"),
                               ("2026-03-01", "2026-02-01", "to"), ("1999-01-01", "2000-01-01", "from"),
                               ("2020-01-01", "2026-01-01", "to"), ("2027-01-01", "2027-01-02", "from"),
                               ("01/02/2026", "2026-03-01", "from")]:  # fmt: skip
        with pytest.raises(ValidationFailed) as refused:
            check_period(first, last, today=today)
        assert field in refused.value.field_errors, (first, last)


minor = st.integers(min_value=0, max_value=10**9)
currencies = st.sampled_from(["EUR", "USD", "JPY", "KWD"])
instants = st.integers(min_value=0, max_value=400).map(lambda d: T0 + timedelta(days=d))


@st.composite
def invoices(draw: st.DrawFn) -> InvoiceRecord:
    subtotal, tax = draw(minor), draw(minor)
    discount = draw(st.integers(min_value=0, max_value=subtotal))
    total = subtotal - discount + tax if draw(st.booleans()) else subtotal - discount
    credit = draw(st.integers(min_value=0, max_value=max(total, 0)))
    return _invoice(
        id=draw(st.uuids()).hex, currency=draw(currencies), issued_at=draw(instants),
        subtotal=subtotal, discount=discount, tax=min(tax, total) if total > 0 else 0,
        total=total, credit_applied=credit, amount_due=total - credit,
        voided_at=draw(st.none() | instants), written_off_at=draw(st.none() | instants),
    )  # fmt: skip


@st.composite
def notes(draw: st.DrawFn) -> CreditNoteRecord:
    total, tax = draw(minor), draw(minor)
    credited = draw(st.integers(min_value=0, max_value=total))
    return CreditNoteRecord(
        draw(st.uuids()).hex, "CN-1", "INV-1", "c1", "Acme", draw(currencies), "other",
        draw(instants), subtotal=total, discount=0, tax=min(tax, total), total=total,
        refunded=total - credited, credited=credited,
    )  # fmt: skip


@settings(max_examples=200, deadline=None)
@given(
    st.lists(invoices(), max_size=6),
    st.lists(st.tuples(minor, currencies, instants), max_size=6),
    st.lists(notes(), max_size=4),
    st.lists(st.tuples(minor, currencies, instants), max_size=4),
)
def test_every_posting_and_every_currency_balances(
    invs: list[InvoiceRecord], pays: list[tuple[int, str, datetime]],
    cns: list[CreditNoteRecord], refunds: list[tuple[int, str, datetime]],
) -> None:  # fmt: skip
    postings = [p for inv in invs for p in invoice_postings(inv)]
    postings += [payment_posting(PaymentRecord(f"p{i}", "INV-1", "c1", "Acme", cur, n, at, "card",
                                               "")) for i, (n, cur, at) in enumerate(pays)]  # fmt: skip
    postings += [credit_note_posting(cn) for cn in cns]
    postings += [refund_posting(RefundRecord(f"r{i}", "CN-1", "INV-1", "c1", "Acme", cur, n,
                                             "succeeded", at, "")) for i, (n, cur, at) in enumerate(refunds)]  # fmt: skip
    assert all(p.balance == 0 for p in postings)
    assert all(line.amount != 0 for p in postings for line in p.lines)
    by_currency: dict[str, int] = {}
    for (currency, _), value in balances(postings).items():
        by_currency[currency] = by_currency.get(currency, 0) + value
    assert all(v == 0 for v in by_currency.values())
    # the CSV's debit and credit columns balance per currency too
    period = ExportPeriod(date(2026, 1, 1), date(2028, 12, 31))
    sums: dict[str, Decimal] = {}
    for row in journal_rows([*invs], period):
        sums[row[9]] = sums.get(row[9], Decimal(0)) + Decimal(row[7] or 0) - Decimal(row[8] or 0)
    assert all(v == 0 for v in sums.values())
