"""The analytics benchmark's generated business is what the live system would have written: its
ledger equals the one the stored history replays to (``mrr_ledger.replay``), customer by
customer, and the business is not trivial (every kind of movement happens)."""

from __future__ import annotations

from collections import Counter

import pytest

from bench.analytics_data import CONFIG, PLANS, Business
from domain.adapters.db.repositories.history import _state_of
from domain.analytics.ledger import same_rows
from domain.subscriptions.history import SubscriptionVersion
from domain.subscriptions.mrr_ledger import replay

pytestmark = pytest.mark.unit


def test_the_generated_ledger_is_the_replayed_history_and_has_every_kind_of_movement() -> None:
    plans = {plan.id: plan for plan in PLANS}
    kinds: Counter[str] = Counter()
    subscriptions = cycle_keys = 0
    seen_cycles: set[str] = set()
    for rows in Business(120, seed=3).customers():
        versions = [SubscriptionVersion(_state_of(h[4]), h[3], None, h[5]) for h in rows.history]
        assert [v.at for v in versions] == sorted(v.at for v in versions)
        assert same_rows(replay(versions, plans, CONFIG), rows.ledger), rows.customer[0]
        kinds.update(m.customer_kind.value for m in rows.ledger)
        subscriptions += len(rows.subscriptions)
        for invoice in rows.invoices:
            if invoice[4] is not None:  # a renewal's cycle key is unique
                assert invoice[4] not in seen_cycles
                seen_cycles.add(invoice[4])
                cycle_keys += 1
    assert subscriptions == 120
    assert set(kinds) == {"new", "expansion", "contraction", "churn", "reactivation"}
    assert cycle_keys > 5 * subscriptions  # years of renewals, not a snapshot
