"""Invoice PDF rendering time: N invoices through the WeasyPrint renderer (template, layout,
fonts, PDF), the median milliseconds per PDF, next to a baseline measured in the same run:
WeasyPrint rendering a minimal one-line HTML page, the floor any PDF pays.

    python -m bench.invoice_pdf [--n 30]
"""

from __future__ import annotations

import argparse
import statistics
import time
from dataclasses import replace

from domain.adapters.pdf_weasyprint import WeasyPrintInvoiceRenderer
from domain.billing.issued import BillingReason, CustomerSnapshot, IssuedInvoice
from domain.billing.model import InvoiceStatus
from domain.documents.invoice_document import DEMO_SELLER, build_invoice_document
from domain.simulate.run import simulate
from domain.simulate.scenario import parse

SCENARIO = """{"currency": "EUR",
  "catalog": {"plans": [{"code": "team", "interval": "month", "setup_fee": "49.00", "charges": [
      {"model": "flat", "amount": "30.00"}, {"model": "per_unit", "unit_amount": "10.00"},
      {"model": "graduated", "tiers": [{"up_to": 100, "unit_amount": "0.1"},
       {"up_to": null, "unit_amount": "0.0005"}], "usage": {"meter": "calls"}}]}],
   "coupons": [{"code": "C", "percent_off": "10", "duration": "forever"}],
   "tax_rates": [{"code": "VAT19", "percentage": "19", "inclusive": false}]},
  "customer": {"tax_rate": "VAT19"},
  "events": [{"at": "2024-01-31T00:00:00Z", "type": "subscribe", "plan": "team", "coupon": "C"},
             {"at": "2024-02-10T00:00:00Z", "type": "usage", "meter": "calls", "value": "1234.5"},
             {"at": "2024-02-15T00:00:00Z", "type": "change_quantity", "quantity": 3}],
  "until": "2024-03-31T00:00:00Z"}"""
ACME = CustomerSnapshot(
    "Acme GmbH", "billing@acme.test", ("Hauptstr. 1", "10115 Berlin"), "DE", "DE123456789"
)


def _median_ms(samples: list[float]) -> float:
    return statistics.median(samples) * 1000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=30)
    args = parser.parse_args()

    from weasyprint import HTML

    invoices = simulate(parse(SCENARIO)).engine.invoices  # 1 to 7 lines each
    renderer = WeasyPrintInvoiceRenderer()
    views = [
        build_invoice_document(
            IssuedInvoice(
                f"inv-{i}",
                "sub-1",
                "cus-1",
                BillingReason.SUBSCRIPTION_CYCLE,
                ACME,
                replace(
                    invoices[i % len(invoices)],
                    number=f"INV-2024-{i + 1:06d}",
                    status=InvoiceStatus.OPEN,
                ),
            ),
            DEMO_SELLER,
        )
        for i in range(args.n)
    ]
    # warm-up: imports, font discovery, the parsed stylesheet (paid once per process)
    renderer.render_sync(views[0])
    HTML(string="<p>warm-up</p>").write_pdf()

    invoice_s: list[float] = []
    baseline_s: list[float] = []
    sizes: list[int] = []
    for view in views:  # interleaved, so drift on a noisy machine hits both alike
        started = time.perf_counter()
        sizes.append(len(renderer.render_sync(view)))
        invoice_s.append(time.perf_counter() - started)
        started = time.perf_counter()
        HTML(string=f"<p>Invoice {view.number}</p>").write_pdf()
        baseline_s.append(time.perf_counter() - started)

    invoice_ms, baseline_ms = _median_ms(invoice_s), _median_ms(baseline_s)
    print(f"invoice PDFs: {args.n} rendered, median {statistics.median(sizes) / 1024:.1f} KiB")
    print(f"{'':>24} {'median ms/PDF':>14}")
    print(f"{'invoice (WeasyPrint)':>24} {invoice_ms:>14.1f}")
    print(f"{'baseline (one line)':>24} {baseline_ms:>14.1f}")
    print(f"{'ratio':>24} {invoice_ms / baseline_ms:>14.2f}")


if __name__ == "__main__":
    main()
