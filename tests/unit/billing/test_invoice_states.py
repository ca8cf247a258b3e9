"""The invoice transition table: every legal move passes, every other one is refused with a code."""

from __future__ import annotations

import itertools

import pytest

from domain.billing.invoice_states import TRANSITIONS, can_transition, check_transition
from domain.billing.model import InvoiceStatus as S
from domain.shared.errors import InvalidTransition

pytestmark = pytest.mark.unit

LEGAL = {
    (S.DRAFT, S.OPEN),
    (S.OPEN, S.PAID),
    (S.OPEN, S.VOID),
    (S.OPEN, S.UNCOLLECTIBLE),
    (S.UNCOLLECTIBLE, S.PAID),
    (S.UNCOLLECTIBLE, S.VOID),
}
ALL_PAIRS = list(itertools.product(S, S))
ILLEGAL = [pair for pair in ALL_PAIRS if pair not in LEGAL]

EXPECTED_CODE = {
    S.PAID: "billing.invoice_already_paid",
    S.VOID: "billing.invoice_voided",
}


def test_the_table_lists_every_status_and_exactly_the_legal_moves() -> None:
    assert set(TRANSITIONS) == set(S)
    assert {(a, b) for a, targets in TRANSITIONS.items() for b in targets} == LEGAL


@pytest.mark.parametrize(("current", "target"), sorted(LEGAL))
def test_legal_transition_passes(current: S, target: S) -> None:
    assert can_transition(current, target)
    check_transition(current, target)


@pytest.mark.parametrize(("current", "target"), ILLEGAL)
def test_illegal_transition_is_refused_with_a_code(current: S, target: S) -> None:
    assert not can_transition(current, target)
    with pytest.raises(InvalidTransition) as info:
        check_transition(current, target, invoice="INV-2026-000007")
    code = info.value.code
    assert code.startswith("billing.invoice_")
    if current in EXPECTED_CODE:
        assert code == EXPECTED_CODE[current]
    elif target in (S.OPEN, S.DRAFT):
        assert code == "billing.invoice_not_draft"
    elif current is S.DRAFT:
        assert code == "billing.invoice_not_open"
    else:
        assert (current, target, code) == (
            S.UNCOLLECTIBLE,
            S.UNCOLLECTIBLE,
            "billing.invoice_already_uncollectible",
        )
    assert "INV-2026-000007" in info.value.message
    assert "->" not in info.value.message, "a message for people, not a state dump"


def test_paying_a_draft_says_to_finalize_it_first() -> None:
    with pytest.raises(InvalidTransition) as info:
        check_transition(S.DRAFT, S.PAID)
    assert info.value.code == "billing.invoice_not_open"
    assert info.value.message == "This invoice is still a draft; finalize it first."


def test_every_pair_is_covered() -> None:
    assert len(LEGAL) + len(ILLEGAL) == len(S) ** 2 == 25
