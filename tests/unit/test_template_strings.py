"""No user-visible English outside a translation call: every template of the converted
directories is scanned (Jinja's own lexer), and text between tags, or in a visible attribute
(``title``, ``alt``, ``placeholder``, ``aria-label``, ``label``), that holds a Latin letter
outside ``{% trans %}``/``_()`` fails with its file and line.

Converted so far: the storefront and checkout (``CONVERTED``: the pages, the layouts and the
shared components they include). ``PENDING`` lists what is not converted yet (admin, sign-in,
error pages, the rest of the portal, e-mails, PDFs: docs/localisation.md); it is not scanned.
Strings passed to macros as arguments (``field("x", "Label")``) are not seen by this scan.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from jinja2 import Environment

pytestmark = pytest.mark.unit

TEMPLATES = Path(__file__).resolve().parents[2] / "templates"
CONVERTED = [
    "public/home.html",
    "public/pricing.html",
    "public/_pricing.html",
    "public/_estimate_result.html",
    "public/checkout.html",
    "public/_checkout_summary.html",
    "public/_checkout_summary_token.html",
    "public/_checkout_pay_button.html",
    "public/_checkout_pay_lead.html",
    "public/checkout_complete.html",
    "public/checkout_processing.html",
    "public/pay_confirm.html",
    "portal/change.html",
    "portal/_change_panel.html",
    "portal/_change_quote.html",
    "portal/_plan_hint.html",
    "portal/profile.html",
    "emails/receipt.html",
    "emails/receipt.txt",
    "emails/receipt.subject.txt",
    "emails/_layout.html",
    "emails/_layout.txt",
    "emails/_macros.html",
    "emails/_document.txt",
    "pdf/invoice.html",
    "pdf/_parties.html",
    "layouts/public.html",
    "layouts/portal.html",
    "layouts/checkout.html",
    "base.html",
    "components/language_switch.html",
    "components/flash.html",
    "components/money.html",
]
PENDING = [
    "admin",
    "auth",
    "errors",
    "layouts/admin.html",
    "layouts/admin_auth.html",
    "public/_pay_confirm.html",
    "portal (but the plan change and the profile)",
    "emails (but the receipt)",
    "pdf/credit_note.html",
]

_TAG = re.compile(r"<(script|style)\b.*?</\1>|<!--.*?-->|<[^>]*>", re.S)
_VISIBLE_ATTR = re.compile(
    r"""\b(?:title|alt|placeholder|aria-label|label)\s*=\s*(?:"([^"]*)"|'([^']*)')""", re.S
)
_ENTITY = re.compile(r"&[a-zA-Z]+;|&#\d+;")
_LETTER = re.compile(r"[A-Za-z]")


def _files() -> list[Path]:
    found: list[Path] = []
    for entry in CONVERTED:
        path = TEMPLATES / entry
        found += sorted(p for p in path.rglob("*") if p.is_file()) if path.is_dir() else [path]
    return found


def _english(source: str) -> list[tuple[int, str]]:
    """(line, text) of each visible English run outside a translation call."""
    env = Environment(extensions=["jinja2.ext.i18n"], trim_blocks=True, lstrip_blocks=True)
    # the data between template tags, outside trans blocks, joined per line so a tag split by
    # a {{ }} still reads as one tag
    pieces: list[tuple[int, str]] = []
    in_trans = False  # also a {% block x_class %}: CSS classes, not words
    expect_name = False
    block_name = False
    for line, kind, value in env.lex(source):
        if kind == "whitespace":
            continue
        if kind == "block_begin":
            expect_name = True
            continue
        if block_name and kind == "name":
            in_trans = value.endswith("_class")
            block_name = False
            continue
        if expect_name and kind == "name":
            if value == "trans":
                in_trans = True
            elif value in ("endtrans", "endblock"):
                in_trans = False
            block_name = value == "block"
            expect_name = False
            continue
        expect_name = False
        if kind == "data" and not in_trans:
            pieces.append((line, value))
        elif kind in ("variable_begin", "block_begin") and not in_trans:
            pieces.append((line, "\x00"))  # an expression: its output is checked elsewhere
    text = "".join(v for _, v in pieces)
    line_of = []
    for line, value in pieces:
        line_of += [line] * len(value)
    problems: list[tuple[int, str]] = []
    for match in _VISIBLE_ATTR.finditer(text):
        value = (match.group(1) or match.group(2) or "").replace("\x00", " ")
        if _LETTER.search(_ENTITY.sub("", value)):
            problems.append((line_of[match.start()], value.strip()))
    stripped = _TAG.sub(lambda m: "\x01" * len(m.group(0)), text)
    for match in re.finditer(r"[^\x01\x00]+", stripped):
        visible = _ENTITY.sub("", match.group(0))
        if _LETTER.search(visible):
            problems.append((line_of[match.start()], " ".join(visible.split())))
    return problems


@pytest.mark.parametrize("path", _files(), ids=lambda p: str(p.relative_to(TEMPLATES)))
def test_no_english_outside_a_translation_call(path: Path) -> None:
    if path.suffix not in (".html", ".txt"):
        pytest.skip("not a template")
    problems = _english(path.read_text())
    assert not problems, "\n".join(
        f"{path.relative_to(TEMPLATES)}:{line}: {text!r}" for line, text in problems[:30]
    )


def test_the_scan_finds_english() -> None:
    assert _english("<p>Pay now</p>") == [(1, "Pay now")]
    assert _english('<input placeholder="Your name">') == [(1, "Your name")]
    assert _english("<p>{% trans %}Pay now{% endtrans %} {{ _('Later') }}</p>") == []
    assert _english("<p>{{ amount|money }} &middot; 12</p>") == []


def test_pending_directories_are_named() -> None:
    assert all((TEMPLATES / p.split(" ")[0]).exists() for p in PENDING)
