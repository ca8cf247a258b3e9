"""What paying agrees to: an order is placed only if its summary is the one the buyer was shown.

The web layer carries the shown summary's ``agreement()`` signed in the form
(``web/public/checkout_agreement.py``) and hands it back verified; here it is compared with the
order as priced now. Any difference (a new price, a code that ran out, a seat count changed
without the summary following) shows the new summary instead of charging.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from domain.checkout.summary import OrderSummary
from domain.shared.money import Money


@dataclass(frozen=True, slots=True)
class SummaryChanged:
    """The order no longer matches the summary the buyer saw: the page shows the new one,
    with the total they saw (``before``) when it can be read and differs."""

    before: Money | None


def summary_changed(
    shown: Mapping[str, Any] | None, summary: OrderSummary
) -> SummaryChanged | None:
    """None when ``summary`` is the one the buyer was shown (``shown``: its agreement, None
    when the form carried none this server signed)."""
    if shown == summary.agreement():
        return None
    now = summary.total_today
    if shown is not None and shown.get("currency") == now.currency.code:
        try:
            before = Money.of_minor(int(shown.get("today", 0)), now.currency)
        except (TypeError, ValueError):
            return SummaryChanged(None)
        return SummaryChanged(before if before != now else None)
    return SummaryChanged(None)
