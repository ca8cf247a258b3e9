"""The renewal bench's closing lines are issue 18's exact format, and read back; silver's output,
the statement counts and the gap check are read right."""

from __future__ import annotations

import pytest

from bench.renewal_lines import (
    RenewalLine,
    SilverLine,
    closing_lines,
    parse_renewal,
    parse_silver,
    statements_line,
)
from bench.renewal_run import _parser, _renewal_lines, _sizes
from bench.renewal_run_checks import gaps
from bench.silver_peer import parse_output
from bench.statement_count import kind_of

pytestmark = pytest.mark.unit


def test_the_renewal_line_is_the_issues_format_and_reads_back() -> None:
    line = RenewalLine(10000, 212.34, 47.06, 45.5, 1075.0)
    assert str(line) == (
        "renewal: n=10000 seconds=212.3 invoices_per_s=47.1 charges_per_s=45.5"
        " baseline_per_s=1075.0 ratio=0.044"
    )
    back = parse_renewal(str(line))
    assert (back.n, back.seconds, back.invoices_per_s, back.charges_per_s) == (
        10000,
        212.3,
        47.1,
        45.5,
    )
    assert back.baseline_per_s == 1075.0
    assert back.ratio == pytest.approx(47.1 / 1075.0)


@pytest.mark.parametrize(
    "line",
    [
        "renewal: n=1000 seconds=10.0 invoices_per_s=50.0 charges_per_s=40.0 baseline_per_s=100.0",
        "renewal: n=1000 seconds=10.0 invoices_per_s=50.0 charges_per_s=40.0"
        " baseline_per_s=100.0 ratio=0.500 extra=1",
        "renewal:  n=1000 seconds=10.0 invoices_per_s=50.0 charges_per_s=40.0"
        " baseline_per_s=100.0 ratio=0.500",
        "renewal: n=1000 seconds=10.0 charges_per_s=40.0 invoices_per_s=50.0"
        " baseline_per_s=100.0 ratio=0.500",
    ],
)
def test_a_line_not_exactly_in_the_format_is_refused(line: str) -> None:
    with pytest.raises(ValueError, match="not a renewal line"):
        parse_renewal(line)


def test_a_ratio_that_is_not_invoices_over_baseline_is_refused() -> None:
    ok = "renewal: n=10 seconds=1.0 invoices_per_s=50.0 charges_per_s=40.0 baseline_per_s=100.0"
    assert parse_renewal(f"{ok} ratio=0.500").ratio == 0.5
    with pytest.raises(ValueError, match="ratio is not"):
        parse_renewal(f"{ok} ratio=0.400")  # charges over baseline, not invoices


def test_the_output_ends_with_one_renewal_line_per_size_after_silver_and_statements() -> None:
    renewals = [
        RenewalLine(1000, 20.0, 60.0, 50.0, 600.0),
        RenewalLine(10000, 250.0, 40.0, 40.0, 500.0),
    ]
    silver = [SilverLine(1000, 15.0, 66.7, 60.0), SilverLine(10000, 200.0, 50.0, 40.0)]
    lines = closing_lines(renewals, silver, [statements_line(1000, {"select": 5000})])
    assert lines == [
        "statements: n=1000 per_subscription=5.00 select=5.00",
        "silver: n=1000 seconds=15.0 invoices_per_s=66.7 ours_over_silver=0.90",
        "silver: n=10000 seconds=200.0 invoices_per_s=50.0 ours_over_silver=0.80",
        "renewal: n=1000 seconds=20.0 invoices_per_s=60.0 charges_per_s=50.0"
        " baseline_per_s=600.0 ratio=0.100",
        "renewal: n=10000 seconds=250.0 invoices_per_s=40.0 charges_per_s=40.0"
        " baseline_per_s=500.0 ratio=0.080",
    ]
    assert [parse_renewal(line).n for line in lines[-2:]] == [1000, 10000]
    assert parse_silver(lines[1]) == (1000, 15.0, 66.7, 0.9)
    with pytest.raises(ValueError, match="not a silver line"):
        parse_silver(lines[-1])


def test_renewal_lines_are_postgres_figures_when_measured_else_sqlite() -> None:
    from bench.renewal_run import Result

    def result(backend: str, n: int, rate: float) -> Result:
        return Result(backend, n, 1.0, 10.0, rate, rate, 100.0, rate / 100, rate / 100, 1)

    both = [result("sqlite", 100, 5.0), result("postgres", 100, 50.0)]
    assert [line.invoices_per_s for line in _renewal_lines(both)] == [50.0]
    assert [line.invoices_per_s for line in _renewal_lines(both[:1])] == [5.0]


def test_statement_counts_are_per_subscription_known_kinds_first() -> None:
    counts = {"with": 10, "commit": 300, "select": 4000, "insert": 700, "begin": 300}
    assert statements_line(100, counts) == (
        "statements: n=100 per_subscription=53.10 select=40.00 insert=7.00 begin=3.00"
        " commit=3.00 with=0.10"
    )
    assert kind_of("  SELECT 1") == "select"
    assert kind_of('INSERT INTO "invoice" ...') == "insert"
    assert kind_of("RELEASE SAVEPOINT s1") == "savepoint"
    assert kind_of("BEGIN ISOLATION LEVEL READ COMMITTED;") == "begin"


def test_sizes_are_space_or_comma_separated() -> None:
    assert _sizes(_parser().parse_args(["--sizes", "10000", "100000"]).sizes) == [10000, 100000]
    assert _sizes(_parser().parse_args(["--sizes", "10000,100000"]).sizes) == [10000, 100000]
    assert _parser().parse_args(["--silver"]).silver == "required"
    assert _parser().parse_args(["--silver", "auto"]).silver == "auto"
    assert _parser().parse_args([]).silver is None


SILVER_OUTPUT = """db=postgresql N=1000 flow=invoice seed_s=21.30
run1 billing_date=2026-11-01 docs=1000 entries=3000 seconds=15.10 docs_per_s=66.2
run2 billing_date=2026-12-01 docs=1000 entries=2000 seconds=14.80 docs_per_s=67.6
sample doc: INV-1 issued 35.70 [('Pro monthly', '1.0000', '29.00')]
"""


def test_silvers_faster_billing_run_is_its_figure() -> None:
    run = parse_output(1000, SILVER_OUTPUT)
    assert run.docs == (1000, 1000)
    assert run.seconds == (15.1, 14.8)
    assert run.best == 1
    assert run.invoices_per_s == pytest.approx(1000 / 14.8)


def test_silver_output_without_both_runs_or_short_of_invoices_is_an_error() -> None:
    with pytest.raises(ValueError, match=r"unexpected silver_bench\.py output"):
        parse_output(1000, SILVER_OUTPUT.splitlines()[1])
    with pytest.raises(ValueError, match="made 1000 invoices for 2000"):
        parse_output(2000, SILVER_OUTPUT)


def test_number_gaps_duplicates_and_a_wrong_next_number_are_found() -> None:
    assert gaps(["INV-0001", "INV-0002", "INV-0003"], {"INV-": 4}) == []
    assert gaps(["INV-0001", "INV-0003"], {"INV-": 4}) == [
        "series 'INV-': 1 numbers missing (first 2)"
    ]
    assert gaps(["INV-0001", "INV-0001"], {"INV-": 2}) == [
        "series 'INV-': 1 numbers missing (first 2)",
        "series 'INV-': 1 numbers taken twice",
    ]
    assert gaps(["INV-0001", "INV-0002"], {"INV-": 5}) == ["series 'INV-': next number 5, not 3"]
    assert gaps(["X"], {}) == ["an invoice number without digits: 'X'"]
