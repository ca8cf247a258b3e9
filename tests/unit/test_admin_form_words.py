"""Every message the staff admin's forms can show from the domain (a ``ValidationFailed`` field
error or summary, an action's refusal, label, help or choice, the CRM import's mapping labels
and row problems; tests/unit/form_messages_scan.py finds them in the source) has its entry in
web/admin/form_words.py (an f-string: a pattern with the same words around its values) and its
Persian in the catalog, so a new or changed domain message cannot silently show English on a
Persian admin page."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from domain.adapters.i18n import translations
from domain.shared.display import Digits, Display
from tests.unit.form_messages_scan import HOLE, ROOT, scan, text_of
from web import messages
from web.admin import form_words, preview_words

pytestmark = pytest.mark.unit

PERSIAN = Display(language="fa", locale="fa_IR")


# what the subscriber's list (web/messages.py, form_words' fallback) already reads: a message
# of the subscriptions the staff actions call (a pause's length) is listed there once
SUBSCRIBER_SKELETONS = frozenset(
    form_words._skeleton(m) for _, m in (*messages._PATTERNS, *messages.SUBSCRIBER_PATTERNS)
)
SUBSCRIBER_FIXED = frozenset((*messages.FIXED, *messages.SUBSCRIBER_FIXED))


def _missing(found: list) -> list[str]:
    return [
        f"{f.where}: {f.text.replace(HOLE, '{…}')!r}"
        for f in found
        if (
            f.text not in form_words.SKELETONS | SUBSCRIBER_SKELETONS
            if f.is_pattern
            else f.text not in form_words.FIXED | SUBSCRIBER_FIXED
        )
    ]


def test_the_scan_finds_the_domains_messages() -> None:
    texts = {f.text for f in scan()}
    assert len(texts) > 250  # the catalog, coupon, import, tax, dunning, staff... forms
    assert "Enter a price such as 0.05." in texts  # errors[key] = "..."
    assert f"The code {HOLE} has expired." in texts  # a helper's argument, an f-string
    assert "Enter a URL starting with https://." not in texts
    assert "Enter a full URL starting with https://." in texts  # a "str | None" problem
    assert "Refund the unused time to the card" in texts  # an ActionField's choice label
    assert "The CRM's id of the record: a re-import updates the customer with this id." in texts


def test_every_domain_form_message_is_listed() -> None:
    missing = _missing(scan())
    assert not missing, "add these to web/admin/form_words.py (and translate them):\n" + "\n".join(
        missing
    )


def test_the_guard_fails_on_a_new_message(tmp_path: Path) -> None:
    source = tmp_path / "new_rule.py"
    source.write_text(
        "from domain.shared.errors import ValidationFailed\n"
        "def check(n: int) -> None:\n"
        "    errors = {}\n"
        "    errors['name'] = 'Enter a name.'\n"
        "    errors['n'] = f'Choose at most {n} widgets.'\n"
        "    raise ValidationFailed(errors, message='Please correct the marked fields.')\n",
        encoding="utf-8",
    )
    found = scan([source])
    assert {f.text for f in found} == {
        "Enter a name.", f"Choose at most {HOLE} widgets.", "Please correct the marked fields."
    }  # fmt: skip
    assert _missing(found) == ["new_rule.py:5: 'Choose at most {…} widgets.'"]


def test_every_listed_message_has_its_persian() -> None:
    persian = translations("fa")
    listed = (*form_words.FORM_FIXED, *form_words.FORM_PATTERNS, *form_words.ACTION_FIXED,
              *form_words.ACTION_PATTERNS)  # fmt: skip
    untranslated = [m for m in listed if persian.ugettext(m) == m]
    assert not untranslated


@pytest.mark.parametrize(
    ("english", "persian"),
    [
        ("Use at most 80 characters.", "حداکثر ۸۰ نویسه به کار ببرید."),
        ("The code WELCOME20 has expired.", "کد \u2068WELCOME20\u2069 منقضی شده است."),
        ("Enter the trial days from 0 to 730.", "روزهای دورهٔ آزمایشی را از ۰ تا ۷۳۰ وارد کنید."),
        ("Please correct the marked fields.", "لطفاً فیلدهای مشخص‌شده را درست کنید."),
        ("The same e-mail as row 3.", "همان رایانامهٔ ردیف ۳."),
        ("This subscription is already past_due.", "این اشتراک پیش‌تر سررسیدگذشته است."),
    ],
)
def test_a_message_reads_persian_with_its_values(english: str, persian: str) -> None:
    assert form_words.text_to(PERSIAN, english) == persian


def test_values_keep_latin_digits_when_chosen_and_english_stays_english() -> None:
    latin = Display(language="fa", locale="fa_IR", digits=Digits.LATIN)
    assert (
        form_words.text_to(latin, "Use at most 80 characters.") == "حداکثر 80 نویسه به کار ببرید."
    )
    english = Display()
    assert form_words.text_to(english, "Use at most 80 characters.") == "Use at most 80 characters."
    assert form_words.text_to(PERSIAN, "A sentence nobody listed.") == "A sentence nobody listed."


def _action_texts() -> set[str]:
    """Every literal and f-string of the staff actions' package (its values as holes)."""
    texts: set[str] = set()
    for path in (ROOT / "domain/support/actions").glob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Constant | ast.JoinedStr | ast.BinOp):
                found = text_of(node)
                if found is not None:
                    texts.add(found)
    return texts


def test_every_preview_entry_still_says_what_the_domain_writes() -> None:
    """A preview line the domain rewords leaves its entry in web/admin/preview_words.py behind:
    the entry must still be one of the actions' texts (a composed summary is listed beside)."""
    texts = _action_texts()
    stale = [m for m in preview_words.PREVIEW_FIXED if m not in texts]
    stale += [m for m in preview_words.PREVIEW_PATTERNS if form_words._skeleton(m) not in texts]
    assert not stale
    persian = translations("fa")
    listed = (*preview_words.PREVIEW_FIXED, *preview_words.PREVIEW_PATTERNS,
              *preview_words.PREVIEW_COMPOSED_FIXED, *preview_words.PREVIEW_COMPOSED)  # fmt: skip
    assert not [m for m in listed if persian.ugettext(m) == m]


@pytest.mark.parametrize(
    ("english", "persian"),
    [
        (
            "Access continues until Apr 1, 2024; the subscription then ends and is not renewed.",
            "دسترسی تا ۱ آوریل ۲۰۲۴ ادامه دارد؛ سپس اشتراک پایان می‌یابد و تمدید نمی‌شود.",
        ),
        ("Final invoice: Discount", "صورتحساب پایانی: تخفیف"),
        ("Cancel Team now", "لغو فوری \u2068Team\u2069"),  # a plan's name is never translated
        ("Tax 19%", "مالیات ۱۹٪"),
    ],
)
def test_a_preview_line_reads_persian(english: str, persian: str) -> None:
    assert form_words.text_to(PERSIAN, english) == persian


def test_a_validation_failed_summary_without_a_message_is_translated_part_by_part() -> None:
    summary = "code: Enter a code, e.g. team-monthly.; name: Enter the plan's name."
    assert form_words.text_to(PERSIAN, summary) == (
        "code: یک کد وارد کنید، مثلاً team-monthly.; name: نام طرح را وارد کنید."
    )
    assert form_words.text_to(Display(), summary) == summary
