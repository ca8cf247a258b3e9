"""What a customer search hit matched ("Invoice INV-2026-000123", "Card •••• 4242 (visa)"), in
the staff member's language.

The domain labels a hit in English (``domain/support/search.py`` ``matched_label``) and carries
its kind and the value it matched on (an invoice or credit note number, "4242 visa"); a page in
another language writes the label from those, the number or card digits isolated in ``<bdi>``
(codes stay left to right, as typed). The labels without a value (Customer id, E-mail, Name) are
plain words of the catalog (``web/admin/value_words.py``). English is the domain's own label.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from jinja2 import Environment, pass_context
from markupsafe import Markup, escape

from domain.adapters.i18n import N_, display_of, translations
from domain.shared.display import Display
from domain.support.model import CustomerHit, MatchKind

LABELS: dict[MatchKind, str] = {
    MatchKind.INVOICE: N_("Invoice %(number)s"),
    MatchKind.CREDIT_NOTE: N_("Credit note %(number)s"),
}
CARD = N_("Card •••• %(last4)s")
CARD_WITH_BRAND = N_("Card •••• %(last4)s (%(brand)s)")


def hit_label(display: Display, hit: CustomerHit) -> str | Markup:
    """What ``hit`` matched, in ``display``'s language (the domain's label when English or when
    the catalog lacks the wording)."""
    if display.language == "en":
        return hit.matched
    catalog = translations(display.language)
    if hit.kind in LABELS and hit.value:
        template, values = LABELS[hit.kind], {"number": hit.value}
    elif hit.kind is MatchKind.CARD and hit.value:
        last4, _, brand = hit.value.partition(" ")
        template = CARD_WITH_BRAND if brand else CARD
        values = {"last4": last4, "brand": brand} if brand else {"last4": last4}
    else:  # a word of the catalog, or the domain's label
        return catalog.ugettext(hit.matched)
    sentence = catalog.ugettext(template)
    if sentence == template:
        return hit.matched
    isolated = {k: Markup('<bdi dir="ltr">{}</bdi>').format(v) for k, v in values.items()}
    return escape(sentence) % isolated


@pass_context
def search_hit_label(context: Mapping[str, Any], hit: CustomerHit) -> str | Markup:
    """``{{ search_hit_label(hit) }}``: a hit's "Matched" label in the page's language."""
    return hit_label(display_of(context), hit)


def install_search_words(env: Environment) -> None:
    env.globals["search_hit_label"] = search_hit_label
