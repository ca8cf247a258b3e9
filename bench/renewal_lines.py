"""The closing lines of ``python -m bench.renewal_run``, written and read back.

The run ends with one line per size, exactly as issue 18 asks (PostgreSQL's figures when it was
measured, else SQLite's):

    renewal: n=<N> seconds=<s> invoices_per_s=<x> charges_per_s=<y> baseline_per_s=<b> ratio=<x/b>

Before those, with ``--silver``, one line per size for django-silver's billing run (its faster
of two billing runs) and our invoices/s over it:

    silver: n=<N> seconds=<s> invoices_per_s=<z> ours_over_silver=<x/z>

and, with ``--count-statements``, the SQL statements the renewal run sent per renewed
subscription (PostgreSQL, counted at the driver), by kind:

    statements: n=<N> per_subscription=<t> select=<..> insert=<..> update=<..> ... commit=<..>
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

_NUMBER = r"\d+(?:\.\d+)?"
RENEWAL = re.compile(
    rf"^renewal: n=(?P<n>\d+) seconds=(?P<seconds>{_NUMBER})"
    rf" invoices_per_s=(?P<invoices>{_NUMBER}) charges_per_s=(?P<charges>{_NUMBER})"
    rf" baseline_per_s=(?P<baseline>{_NUMBER}) ratio=(?P<ratio>{_NUMBER})$"
)
SILVER = re.compile(
    rf"^silver: n=(?P<n>\d+) seconds=(?P<seconds>{_NUMBER})"
    rf" invoices_per_s=(?P<invoices>{_NUMBER}) ours_over_silver=(?P<ratio>{_NUMBER})$"
)
# the statement kinds listed first, in this order; any other kind follows, by name
KINDS = ("select", "insert", "update", "delete", "begin", "commit", "rollback", "savepoint")


@dataclass(frozen=True)
class RenewalLine:
    n: int
    seconds: float  # from the runner's start to the last charge recorded
    invoices_per_s: float
    charges_per_s: float
    baseline_per_s: float

    @property
    def ratio(self) -> float:
        return self.invoices_per_s / self.baseline_per_s

    def __str__(self) -> str:
        return (
            f"renewal: n={self.n} seconds={self.seconds:.1f}"
            f" invoices_per_s={self.invoices_per_s:.1f} charges_per_s={self.charges_per_s:.1f}"
            f" baseline_per_s={self.baseline_per_s:.1f} ratio={self.ratio:.3f}"
        )


@dataclass(frozen=True)
class SilverLine:
    n: int
    seconds: float  # silver's faster billing run
    invoices_per_s: float
    ours_per_s: float  # the renewal run's invoices/s at the same size

    @property
    def ours_over_silver(self) -> float:
        return self.ours_per_s / self.invoices_per_s

    def __str__(self) -> str:
        return (
            f"silver: n={self.n} seconds={self.seconds:.1f}"
            f" invoices_per_s={self.invoices_per_s:.1f}"
            f" ours_over_silver={self.ours_over_silver:.2f}"
        )


def parse_renewal(line: str) -> RenewalLine:
    """A ``renewal:`` line back into its figures; ``ValueError`` unless it is exactly the
    format and its ratio is its invoices/s over its baseline (to the printed precision)."""
    match = RENEWAL.match(line)
    if not match:
        raise ValueError(f"not a renewal line: {line!r}")
    parsed = RenewalLine(
        int(match["n"]),
        float(match["seconds"]),
        float(match["invoices"]),
        float(match["charges"]),
        float(match["baseline"]),
    )
    if abs(parsed.ratio - float(match["ratio"])) > 0.0005 + parsed.ratio * 0.001:
        raise ValueError(f"ratio is not invoices_per_s / baseline_per_s: {line!r}")
    return parsed


def parse_silver(line: str) -> tuple[int, float, float, float]:
    """A ``silver:`` line: (n, seconds, silver's invoices/s, ours over silver)."""
    match = SILVER.match(line)
    if not match:
        raise ValueError(f"not a silver line: {line!r}")
    return int(match["n"]), float(match["seconds"]), float(match["invoices"]), float(match["ratio"])


def statements_line(n: int, counts: Mapping[str, int]) -> str:
    """Statements per renewed subscription, in all and by kind (two decimals)."""
    total = sum(counts.values())
    kinds = [k for k in KINDS if counts.get(k)] + sorted(k for k in counts if k not in KINDS)
    by_kind = "".join(f" {k}={counts[k] / n:.2f}" for k in kinds)
    return f"statements: n={n} per_subscription={total / n:.2f}{by_kind}"


def closing_lines(
    renewals: Sequence[RenewalLine],
    silver: Sequence[SilverLine] = (),
    statements: Sequence[str] = (),
) -> list[str]:
    """What the run prints last: statement counts, silver's lines, then one ``renewal:`` line
    per size, so the output ends with the issue's lines."""
    return [*statements, *(str(s) for s in silver), *(str(r) for r in renewals)]
