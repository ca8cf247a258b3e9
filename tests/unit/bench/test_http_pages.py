"""The HTTP benchmark reads wrk's report right, whatever unit wrk picks for each latency."""

from __future__ import annotations

import pytest

from bench.http_pages import TARGETS, Result, describe_errors, page_lines, parse_wrk

pytestmark = pytest.mark.unit

REPORT = """Running 1s test @ http://127.0.0.1:8799/
  1 threads and 4 connections
  Thread Stats   Avg      Stdev     Max   +/- Stdev
    Latency   525.54us  492.91us   8.48ms   95.15%
    Req/Sec     8.56k   724.16     9.35k    70.00%
  Latency Distribution
     50%  414.00us
     75%  554.00us
     90%  736.00us
     99%    2.76ms
  8503 requests in 1.00s, 11.77MB read
Requests/sec:   8491.64
Transfer/sec:     11.76MB
"""

SLOW = """Running 10s test @ http://127.0.0.1:8000/pricing
  2 threads and 32 connections
  Latency Distribution
     50%   12.52ms
     75%   20.00ms
     90%   40.00ms
     99%    1.24s
  2766 requests in 10.00s, 30.00MB read
  Socket errors: connect 0, read 0, write 0, timeout 5
  Non-2xx or 3xx responses: 2
Requests/sec:    276.60
Transfer/sec:      3.00MB
"""


def test_reads_requests_per_second_and_percentiles_in_milliseconds() -> None:
    rps, p50, p99, errors = parse_wrk(REPORT)
    assert (rps, p99, errors) == (8491.64, 2.76, 0)
    assert p50 == pytest.approx(0.414)
    assert parse_wrk(SLOW) == (276.6, 12.52, 1240.0, 7)
    assert describe_errors(SLOW) == "5 timeouts, 2 non-2xx"
    assert describe_errors(REPORT) == ""


def test_an_unexpected_report_is_an_error_not_a_zero() -> None:
    with pytest.raises(ValueError, match="unexpected wrk output"):
        parse_wrk("wrk: connection refused")


def test_targets_have_one_ceiling_and_unique_paths() -> None:
    assert [t.name for t in TARGETS if t.ceiling] == ["minimal Jinja page (ceiling)"]
    app_paths = [t.path for t in TARGETS if not t.ceiling]
    assert len(app_paths) == len(set(app_paths))


def test_page_lines_are_the_issues_exact_format_for_postgres_when_measured() -> None:
    results = [
        Result("-", "minimal", "/", "ok", 8000.0, 2.0, 8.0),
        Result("sqlite", "/pricing", "/pricing", "ok", 2000.0, 20.0, 40.0),
        Result("postgres", "/pricing", "/pricing", "ok", 4000.0, 10.0, 25.04),
        Result("postgres", "checkout", "/checkout/x", "skipped: 404, not built yet"),
    ]
    assert page_lines(results, 8000.0) == [
        "pages: path=/pricing rps=4000 p99_ms=25.0 bare_rps=8000 ratio=0.500"
    ]
    sqlite_only = [r for r in results if r.backend != "postgres"]
    assert page_lines(sqlite_only, 8000.0) == [
        "pages: path=/pricing rps=2000 p99_ms=40.0 bare_rps=8000 ratio=0.250"
    ]
