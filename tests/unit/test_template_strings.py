"""No user-visible English outside a translation call: every template of the converted
directories is scanned (Jinja's own lexer), and text between tags, or in a visible attribute
(``title``, ``alt``, ``placeholder``, ``aria-label``, ``label``), that holds a Latin letter
outside ``{% trans %}``/``_()`` fails with its file and line.

Every template is converted (``CONVERTED``: the pages, the layouts and the shared components
they include); a new template must be added there (or, while it is being translated, to
``PENDING``, which is not scanned): ``test_every_template_is_listed`` fails otherwise.
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
    "public/_pricing_rendered.html",
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
    "layouts/admin.html",
    "layouts/admin_auth.html",
    "components/forms.html",
    "components/tables.html",
    "components/pagination.html",
    "components/badges.html",
    "components/modal.html",
    "components/tier_table.html",
    "components/icons.html",
    "admin/home.html",
    "admin/login.html",
    "admin/login_code.html",
    "admin/enrol.html",
    "admin/enrolled.html",
    "admin/recovery_codes.html",
    "admin/sso_continue.html",
    "admin/welcome.html",
    "admin/forbidden.html",
    "admin/not_found.html",
    "admin/_error.html",
    "admin/customers.html",
    "admin/customer_list.html",
    "admin/customer_results.html",
    "admin/_customer_list.html",
    "admin/customer.html",
    "admin/_customer_notes.html",
    "admin/action.html",
    "admin/_action_menu.html",
    "admin/_action_preview.html",
    "admin/catalog.html",
    "admin/catalog_features.html",
    "admin/catalog_new_plan.html",
    "admin/catalog_new_version.html",
    "admin/catalog_plan.html",
    "admin/catalog_version_preview.html",
    "admin/_catalog_price_fields.html",
    "admin/_catalog_prices.html",
    "admin/coupon.html",
    "admin/coupons.html",
    "admin/_coupon_macros.html",
    "admin/price_migration_new.html",
    "admin/price_migrations.html",
    "admin/feedback.html",
    "admin/display.html",
    # the staff admin, part B (issue 19)
    "admin/analytics",
    "admin/jobs.html",
    "admin/job.html",
    "admin/job_confirm.html",
    "admin/jobs_results.html",
    "admin/webhook_endpoints.html",
    "admin/_webhook_endpoint_form.html",
    "admin/api_keys.html",
    "admin/api_key_revoke.html",
    "admin/webhooks.html",
    "admin/webhooks_results.html",
    "admin/webhook_endpoint.html",
    "admin/webhook_delivery.html",
    "admin/staff.html",
    "admin/staff_member.html",
    "admin/staff_confirm.html",
    "admin/audit.html",
    "admin/audit_results.html",
    "admin/emails.html",
    "admin/emails_results.html",
    "admin/email.html",
    "admin/exports.html",
    "admin/import.html",
    "admin/imports.html",
    "admin/_import_progress.html",
    "admin/tax_rates.html",
    "admin/tax_rate_archive.html",
    "admin/dunning.html",
    "admin/exchange_rates.html",
    "admin/test_clocks.html",
    "admin/test_clock.html",
    "admin/_clock_add_customer.html",
    "admin/_clock_advance.html",
    "portal/_addons.html",
    "portal/_cancel_step.html",
    "portal/_subscription_receipt.html",
    "portal/_subscription_summary.html",
    "portal/_usage.html",
    "portal/addon.html",
    "portal/cancel.html",
    "portal/invoice.html",
    "portal/invoice_credit_note.html",
    "portal/invoices.html",
    "portal/invoices_table.html",
    "portal/overview.html",
    "portal/payment_methods.html",
    "portal/payment_methods_cards.html",
    "portal/payment_methods_form.html",
    "portal/profile_email_confirm.html",
    "portal/subscription.html",
    "portal/viewing_refused.html",
    "auth",
    "errors",
    "public/_pay_confirm.html",
    "emails",
    "pdf",
    "portal/profile.html",
]
PENDING: list[str] = []  # templates not converted yet (none: every template is in CONVERTED)

_TAG = re.compile(r"<(script|style)\b.*?</\1>|<!--.*?-->|<[^>]*>", re.S)
_VISIBLE_ATTR = re.compile(
    r"""\b(?:title|alt|placeholder|aria-label|label)\s*=\s*(?:"([^"]*)"|'([^']*)')""", re.S
)
_ENTITY = re.compile(r"&[a-zA-Z]+;|&#\d+;")
_LETTER = re.compile(r"[A-Za-z]")
# attributes a macro writes around an expression (`` aria-invalid="true"``, `` hx-get="{{ url }}``):
# markup, not words
_ATTR_FRAGMENT = re.compile(r'^[\s"]*(?:[a-z][\w:-]*(?:="[^"]*"?)?[\s"]*)+$')


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
        if '="' in visible and _ATTR_FRAGMENT.match(visible):
            continue
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
    assert _english('<a{% if u %} hx-get="{{ u }}" hx-swap="outerHTML"{% endif %}>') == []
    assert _english("<p>v{{ n }} of</p>") == [(1, "v"), (1, "of")]


def test_pending_directories_are_named() -> None:
    assert all((TEMPLATES / p.split(" ")[0]).exists() for p in PENDING)


def test_every_template_is_listed() -> None:
    listed = {p for entry in CONVERTED + PENDING for p in _paths(entry)}
    every = {p for p in TEMPLATES.rglob("*") if p.is_file()}
    assert sorted(str(p.relative_to(TEMPLATES)) for p in every - listed) == []


def _paths(entry: str) -> list[Path]:
    path = TEMPLATES / entry
    return [p for p in path.rglob("*") if p.is_file()] if path.is_dir() else [path]
