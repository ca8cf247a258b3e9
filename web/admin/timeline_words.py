"""The admin customer timeline's entries in the staff member's language.

The domain writes each entry in English (``domain/support/timeline.py``) and carries, beside the
text, what happened as a code (``what``: ``invoice.paid``) and the values the text was written
with (the invoice's number, a card's brand and last four). A page in another language writes its
own sentence from those: the sentence for the code from the catalog, the values put in as they
are (numbers, codes, names, subjects and notes are data, isolated in ``<bdi>``), a payment's try
number in the reader's digits and a staff action's title translated. An entry whose code has no
sentence here, or whose sentence the catalog lacks, is shown as the domain wrote it. English is
always the domain's own text, unchanged.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from jinja2 import Environment, pass_context
from markupsafe import Markup, escape

from domain.adapters.formatting import in_digits
from domain.adapters.i18n import N_, display_of, translations
from domain.shared.display import Display
from domain.support.record_model import TimelineEvent

# what happened (the ``what`` code the domain gives) -> its sentence, with the values by name
SENTENCES: dict[str, str] = {
    "customer.created": N_("Customer created"),
    "subscription.created": N_("Subscribed to %(plan)s"),
    "subscription.canceled": N_("%(plan)s canceled"),
    "invoice.issued": N_("Invoice %(number)s issued"),
    "invoice.paid": N_("Invoice %(number)s paid"),
    "invoice.voided": N_("Invoice %(number)s voided"),
    "invoice.marked_uncollectible": N_("Invoice %(number)s marked uncollectible"),
    "payment.pending": N_("Payment %(number)s of invoice %(invoice)s pending"),
    "payment.succeeded": N_("Payment %(number)s of invoice %(invoice)s succeeded"),
    "payment.requires_action": N_(
        "Payment %(number)s of invoice %(invoice)s awaits the bank's check"
    ),
    "payment.declined": N_("Payment %(number)s of invoice %(invoice)s declined"),
    "payment.error": N_("Payment %(number)s of invoice %(invoice)s failed (gateway error)"),
    "credit_note.issued": N_("Credit note %(number)s issued against invoice %(invoice)s"),
    "refund.pending": N_("Refund pending"),
    "refund.succeeded": N_("Refund sent"),
    "refund.failed": N_("Refund failed"),
    "card.added": N_("Card %(brand)s •••• %(last4)s added"),
    "dunning.started": N_("Invoice %(invoice)s entered dunning"),
    "email.queued": N_("E-mail queued: %(subject)s"),
    "email.sent": N_("E-mail sent: %(subject)s"),
    "note.added": N_("Note by %(by)s: %(excerpt)s"),
    "staff.action": N_("%(by)s: %(title)s"),
    "balance.granted": N_("Balance credit granted"),
    "balance.removed": N_("Balance credit removed"),
}

# what is added after the sentence when the entry has it
WITH_CODE = N_("%(text)s (%(code)s)")  # a decline or error code
WITH_REASON = N_("%(text)s — %(reason)s")  # the reason a staff member gave
WITH_DESCRIPTION = N_("%(text)s: %(description)s")  # a balance adjustment's description
WITH_BY = N_("%(text)s (by %(by)s)")  # who adjusted the balance

# the staff actions the timeline names that are not customer actions of the registry (the
# registry's titles are listed in web/admin/value_words.py)
STAFF_ACTION_TITLES = (
    N_("Viewed the portal as the subscriber"),
    N_("Stopped viewing the portal"),
    N_("Created on a test clock (sandbox)"),
)

_WORDS = frozenset({"title"})  # values that are English words, translated
_COUNTS = frozenset({"number"})  # values that are counts: in the reader's digits
_COUNTED = frozenset({"payment.pending", "payment.succeeded", "payment.requires_action",
                      "payment.declined", "payment.error"})  # fmt: skip


def timeline_sentence(display: Display, event: TimelineEvent) -> str | Markup:
    """``event`` in ``display``'s language: the domain's text when English or when the catalog
    has no sentence for it; else the sentence built from its code and values (Markup, each value
    escaped and isolated)."""
    template = SENTENCES.get(event.what)
    if display.language == "en" or template is None:
        return event.text
    catalog = translations(display.language)

    sentence = catalog.ugettext(template)
    if sentence == template and event.what != "staff.action":  # not translated yet
        return event.text
    values = dict(event.values)
    isolated = {name: _value(display, event.what, name, value) for name, value in values.items()}
    text = escape(sentence) % isolated
    for key, suffix in (("code", WITH_CODE), ("description", WITH_DESCRIPTION),
                        ("reason", WITH_REASON)):  # fmt: skip
        if values.get(key):
            wrapper = catalog.ugettext(suffix)  # punctuation: may read the same translated
            text = escape(wrapper) % {"text": text, key: isolated[key]}
    if event.what.startswith("balance.") and values.get("by"):
        text = escape(catalog.ugettext(WITH_BY)) % {"text": text, "by": isolated["by"]}
    return text


def _value(display: Display, what: str, name: str, value: str) -> Markup:
    if name in _WORDS:
        return escape(translations(display.language).ugettext(value))
    if name in _COUNTS and what in _COUNTED:
        value = in_digits(value, display)
    return Markup('<bdi dir="auto">{}</bdi>').format(value)


@pass_context
def timeline_text(context: Mapping[str, Any], event: TimelineEvent) -> str | Markup:
    """``{{ timeline_text(event) }}``: a timeline entry in the page's language."""
    return timeline_sentence(display_of(context), event)


def install_timeline_words(env: Environment) -> None:
    env.globals["timeline_text"] = timeline_text
