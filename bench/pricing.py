"""Billing-engine throughput: price 1,000,000 charge quotes of mixed models, and simulate 10,000
one-year subscriptions through the same engine the simulator and the app use.

Each figure comes with a baseline measured in the same run, so the ratio survives noisy machines:
- quotes: the bare arithmetic of a per-unit line (``Fraction(units) * unit_price`` then
  ``round_minor``) for the same number of iterations;
- simulations: parsing the scenario JSON alone (what any simulator must do) for the same count.

    python -m bench.pricing [--quotes 1000000] [--subscriptions 10000]
"""

from __future__ import annotations

import argparse
import json
import time
from decimal import Decimal
from fractions import Fraction

from domain.pricing.charges import price_charge
from domain.pricing.model import Aggregation, Charge, ChargeModel, Meter, Tier
from domain.shared.money import Currency, round_minor
from domain.simulate.run import simulate
from domain.simulate.scenario import parse

USD = Currency.of("USD")
CHARGES = [
    Charge(ChargeModel.FLAT, amount_minor=3000),
    Charge(ChargeModel.PER_UNIT, unit_minor=Decimal(1200)),
    Charge(
        ChargeModel.GRADUATED,
        tiers=(
            Tier(Decimal(100), Decimal(10), 500),
            Tier(Decimal(1000), Decimal(5)),
            Tier(None, Decimal("2.5")),
        ),
    ),
    Charge(
        ChargeModel.VOLUME, tiers=(Tier(Decimal(10), Decimal(500)), Tier(None, Decimal(400), 1000))
    ),
    Charge(
        ChargeModel.PACKAGE,
        amount_minor=500,
        package_size=100,
        free_units=50,
        meter=Meter("sms", Aggregation.SUM),
    ),
]


def bench_quotes(n: int) -> tuple[float, float]:
    started = time.perf_counter()
    for i in range(n):
        quote = price_charge(CHARGES[i % 5], Fraction(i % 2000), USD)
        round_minor(quote.amount)
    elapsed = time.perf_counter() - started
    started = time.perf_counter()
    unit = Fraction(1200)
    for i in range(n):
        round_minor(Fraction(i % 2000) * unit)
    baseline = time.perf_counter() - started
    return n / elapsed, n / baseline


def scenario_text(i: int) -> str:
    day = 1 + i % 18
    month = 1 + i % 12
    return json.dumps(
        {
            "currency": "USD",
            "timezone": "UTC",
            "settings": {"proration": "day" if i % 2 else "second"},
            "catalog": {
                "plans": [
                    {
                        "code": "team",
                        "interval": "month",
                        "charges": [
                            {"model": "flat", "amount": "30.00"},
                            {"model": "per_unit", "unit_amount": "10.00"},
                            {
                                "model": "graduated",
                                "tiers": [
                                    {"up_to": 100, "unit_amount": "0.10"},
                                    {"up_to": None, "unit_amount": "0.05"},
                                ],
                                "usage": {"meter": "api_calls", "aggregation": "sum"},
                            },
                        ],
                    },
                    {
                        "code": "scale",
                        "interval": "month",
                        "charges": [{"model": "flat", "amount": "99.00"}],
                    },
                ],
                "coupons": [
                    {
                        "code": "SAVE20",
                        "percent_off": "20",
                        "duration": "repeating",
                        "duration_in_months": 3,
                    }
                ],
                "tax_rates": [{"code": "VAT20", "percentage": "20", "inclusive": False}],
            },
            "customer": {"tax_rate": "VAT20"},
            "events": [
                {
                    "at": f"2024-{month:02d}-{day:02d}T00:00:00Z",
                    "type": "subscribe",
                    "plan": "team",
                    "quantity": 1 + i % 9,
                    "coupon": "SAVE20",
                },
                {
                    "at": f"2024-{month:02d}-{day:02d}T12:00:00Z",
                    "type": "usage",
                    "meter": "api_calls",
                    "value": str(50 + i % 400),
                },
                {
                    "at": f"2024-{month:02d}-{day + 10:02d}T00:00:00Z",
                    "type": "change_quantity",
                    "quantity": 2 + i % 7,
                },
            ],
            "until": f"2025-{month:02d}-{day:02d}T00:00:00Z",
        }
    )


def bench_simulations(n: int) -> tuple[float, float, int]:
    texts = [scenario_text(i) for i in range(n)]
    started = time.perf_counter()
    invoices = 0
    for text in texts:
        invoices += len(simulate(parse(text)).engine.invoices)
    elapsed = time.perf_counter() - started
    started = time.perf_counter()
    for text in texts:
        parse(text)
    baseline = time.perf_counter() - started
    return n / elapsed, n / baseline, invoices


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawTextHelpFormatter
    )
    parser.add_argument("--quotes", type=int, default=1_000_000)
    parser.add_argument("--subscriptions", type=int, default=10_000)
    args = parser.parse_args()
    q_rate, q_base = bench_quotes(args.quotes)
    print(
        f"quotes:        {args.quotes:>9,} in-process   {q_rate:>10,.0f}/s   "
        f"baseline (bare per-unit arithmetic) {q_base:>10,.0f}/s   ratio {q_rate / q_base:.2f}"
    )
    s_rate, s_base, invoices = bench_simulations(args.subscriptions)
    print(
        f"simulations:   {args.subscriptions:>9,} one-year subs {s_rate:>8,.0f}/s   "
        f"baseline (parsing alone) {s_base:>10,.0f}/s   ratio {s_rate / s_base:.2f}   ({invoices:,} invoices)"
    )


if __name__ == "__main__":
    main()
