"""A customer search hit's "Matched" label in the staff member's language
(web/admin/search_words.py): Persian words with the number or card digits isolated left to
right, English the domain's own label (domain/support/search.py)."""

from __future__ import annotations

import pytest

from domain.shared.display import Display
from domain.shared.money import Money
from domain.support.model import CustomerHit, CustomerMatch, MatchKind
from domain.support.search import matched_label
from web.admin.search_words import hit_label

pytestmark = pytest.mark.unit

PERSIAN = Display(language="fa", locale="fa")


def _hit(kind: MatchKind, matched: str = "") -> CustomerHit:
    match = CustomerMatch("c1", "Ada", "ada@example.com", "DE", "EUR", 0, kind, matched)
    return CustomerHit("c1", "Ada", "ada@example.com", "DE", Money.zero("EUR"),
                       matched_label(match), kind, "No subscriptions", match.matched)  # fmt: skip


@pytest.mark.parametrize(
    ("kind", "matched", "english", "persian"),
    [
        (MatchKind.INVOICE, "INV-2026-000123", "Invoice INV-2026-000123",
         'صورتحساب <bdi dir="ltr">INV-2026-000123</bdi>'),
        (MatchKind.CREDIT_NOTE, "CN-2026-000007", "Credit note CN-2026-000007",
         'یادداشت بستانکاری <bdi dir="ltr">CN-2026-000007</bdi>'),
        (MatchKind.CARD, "4242 visa", "Card •••• 4242 (visa)",
         'کارت •••• <bdi dir="ltr">4242</bdi> (<bdi dir="ltr">visa</bdi>)'),
        (MatchKind.CARD, "4242", "Card •••• 4242", 'کارت •••• <bdi dir="ltr">4242</bdi>'),
        (MatchKind.CUSTOMER_ID, "", "Customer id", "شناسهٔ مشتری"),
        (MatchKind.EMAIL, "ada@example.com", "E-mail", "ایمیل"),
        (MatchKind.NAME, "Ada", "Name", "نام"),
    ],
)  # fmt: skip
def test_each_kind_of_hit_in_english_and_persian(
    kind: MatchKind, matched: str, english: str, persian: str
) -> None:
    hit = _hit(kind, matched)
    assert hit_label(Display(), hit) == hit.matched == english
    assert str(hit_label(PERSIAN, hit)) == persian


def test_a_hostile_value_is_escaped() -> None:
    hit = _hit(MatchKind.INVOICE, "<script>")
    assert "&lt;script&gt;" in str(hit_label(PERSIAN, hit))
