"""Every message the domain writes for a subscriber reads in Persian.

The contexts a subscriber reaches (accounts, customers' billing details, checkout,
subscriptions, payments, promotion codes' redemption) write their messages in English and
``web/messages.py`` translates them at the web edge (a fixed message, or a pattern for one with
a value in it). This test reads those contexts' source with ``ast``: every string or f-string
passed to a ``DomainError`` kind (``ValidationFailed``'s field messages and ``message=``,
``NotFound``, ``Conflict``, ...), to the promotion code's ``_refuse`` and written into a form's
``errors[...]``. It fails when one is not translated to Persian by ``localise_to`` (a new
message without its line in ``web/messages.py``, or a line without its Persian ``msgstr``).
An f-string's values are tried with a few sample values (a number, a name, a currency code, a
field's name), each ``!r`` as ``repr``.

Modules only staff or the API reach, and the engine's guards no portal or checkout path can
trip (the use cases check first, or only staff and the API call them), are listed below with
the reason: a message there is not checked.
"""

from __future__ import annotations

import ast
import itertools
from collections.abc import Iterator
from pathlib import Path

import pytest

from domain.shared.display import Display, DisplayPreferences
from web.messages import localise_to

pytestmark = pytest.mark.unit

ROOT = Path(__file__).resolve().parents[2]
FA = Display.resolve("fa", DisplayPreferences(), site_locale="en_US")
CONTEXTS = ("accounts", "customers", "checkout", "subscriptions", "payments", "promotions")
ERRORS = frozenset({
    "DomainError", "ValidationFailed", "NotFound", "InvalidTransition", "Conflict",
    "PaymentDeclined", "PermissionDenied", "BadToken", "SignInFailed", "TooManyAttempts",
})  # fmt: skip
SAMPLES = ("12", "Team", "EUR", "name")

# staff's and the API's modules: their messages are the admin's (web/admin/value_words.py) or
# the API's (English problem details, docs/api.md)
STAFF_OR_API = frozenset({
    "subscriptions/command_previews.py", "subscriptions/coupon_previews.py",
    "subscriptions/trials.py", "subscriptions/usage.py", "subscriptions/usage_ingest.py",
    "subscriptions/usage_events.py",
    "subscriptions/entitlements.py", "subscriptions/price_migration_admin.py",
    "subscriptions/price_migrations.py", "payments/credits.py", "payments/dunning.py",
    "payments/dunning_admin.py", "payments/one_off.py", "payments/refunds.py",
    "customers/balance.py", "promotions/admin.py", "promotions/listing.py",
    "promotions/terms.py",
})  # fmt: skip

# the engine's guards only staff, the API or the simulator can trip (trials, anchors, payment
# states moved by jobs, catalog rules checked when an add-on is published)
NOT_SUBSCRIBER = frozenset({
    "a plan cannot be its own add-on",
    "only a new, active subscription can wait for its first payment",
    "a payment failure does not apply to a {} subscription",
    "only a past-due subscription can become unpaid",
    "the subscription expired before its first payment",
    "the trial must end in the future; to end it now, end the trial",
    "the trial must end before the billing anchor chosen at sign-up",
    "a {} subscription cannot start a trial",
    "the subscription is not in a trial",
    "the trial began at this instant; it can be ended from the next moment on",
    "must be after the pause",
    "the anchor must be after the start and before one interval after it",
    "with a trial the anchor must fall between the trial's end and one interval after it",
})  # fmt: skip


def _shape(node: ast.expr) -> str:
    """The message with ``{}`` for each value (what NOT_SUBSCRIBER lists)."""
    if isinstance(node, ast.Constant):
        return str(node.value)
    assert isinstance(node, ast.JoinedStr)
    return "".join(p.value if isinstance(p, ast.Constant) else "{}" for p in node.values)


def _samples(node: ast.expr) -> Iterator[str]:
    if isinstance(node, ast.Constant):
        yield str(node.value)
        return
    assert isinstance(node, ast.JoinedStr)
    slots = [p for p in node.values if isinstance(p, ast.FormattedValue)]
    for values in itertools.product(SAMPLES, repeat=len(slots)):
        chosen = iter(values)
        parts = []
        for part in node.values:
            if isinstance(part, ast.Constant):
                parts.append(str(part.value))
            else:
                assert isinstance(part, ast.FormattedValue)
                value = next(chosen)
                parts.append(repr(value) if part.conversion == ord("r") else value)
        yield "".join(parts)


def _is_text(node: ast.expr) -> bool:
    return (isinstance(node, ast.Constant) and isinstance(node.value, str)) or isinstance(
        node, ast.JoinedStr
    )


def _messages(tree: ast.AST) -> Iterator[ast.expr]:
    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            func = node.func
            name = func.id if isinstance(func, ast.Name) else getattr(func, "attr", None)
            if name == "_refuse" and len(node.args) == 2:
                yield node.args[1]
            elif name in ERRORS:
                if node.args:
                    first = node.args[0]
                    yield from first.values if isinstance(first, ast.Dict) else (first,)  # type: ignore[misc]
                yield from (k.value for k in node.keywords if k.arg == "message")
        elif isinstance(node, ast.Assign) and len(node.targets) == 1:
            target = node.targets[0]
            if isinstance(target, ast.Subscript) and getattr(target.value, "id", "") == "errors":
                yield node.value


def subscriber_messages() -> list[tuple[str, int, ast.expr]]:
    found = []
    for context in CONTEXTS:
        for path in sorted((ROOT / "domain" / context).rglob("*.py")):
            where = path.relative_to(ROOT / "domain").as_posix()
            if where in STAFF_OR_API:
                continue
            for node in _messages(ast.parse(path.read_text(encoding="utf-8"))):
                if node is not None and _is_text(node):
                    found.append((where, node.lineno, node))
    return found


def untranslated() -> list[str]:
    missing = []
    for where, line, node in subscriber_messages():
        if _shape(node) in NOT_SUBSCRIBER:
            continue
        if not any(localise_to(FA, text) != text for text in _samples(node)):
            missing.append(f"domain/{where}:{line}: {_shape(node)!r}")
    return missing


def test_the_scan_finds_the_subscriber_messages() -> None:
    """The scan reads what it should: a known message of each kind is among those found."""
    shapes = {_shape(node) for _, _, node in subscriber_messages()}
    assert "That is not your current password." in shapes  # NotFound/ValidationFailed dict
    assert "The code {} is not valid." in shapes  # _refuse
    assert "Enter your {}." in shapes  # errors[...] =
    assert "This checkout expired. Please start again." in shapes
    assert len(shapes) > 60


def test_every_subscriber_facing_domain_message_reads_in_persian() -> None:
    missing = untranslated()
    assert not missing, (
        "domain messages a subscriber can meet with no Persian: list each in web/messages.py "
        "(SUBSCRIBER_FIXED or SUBSCRIBER_PATTERNS), `make messages`, translate it in "
        "locales/fa/LC_MESSAGES/messages.po:\n" + "\n".join(missing)
    )


def test_the_composed_values_read_in_persian() -> None:
    """Tax labels and notes, intervals of several units, tier summaries, an offline payment."""
    for english, persian in (
        ("Tax (19%)", "مالیات (۱۹٪)"),
        ("VAT 19%", "\u2068VAT\u2069 ۱۹٪"),
        ("Tax 8.875% (included)", "مالیات ۸٫۸۷۵٪ (در قیمت گنجانده شده)"),
        ("Tax at 8.875% is added to these prices",
         "مالیات با نرخ ۸٫۸۷۵٪ به این قیمت‌ها افزوده می‌شود"),
        ("3 months", "۳ ماه"),
        ("2 years", "۲ سال"),
        ("Per 1,000 API calls", "هر ۱٬۰۰۰ \u2068API call\u2069"),
        ("Graduated tiers per seat", "پلکان تدریجی برای هر \u2068seat\u2069"),
        ("Bank transfer, ref. AB-1", "انتقال بانکی، شمارهٔ پیگیری \u2068AB-1\u2069"),
        ("Your card was declined. This transaction requires authentication.",
         "کارت شما رد شد. این تراکنش به احراز هویت نیاز دارد."),
        ("Use at most 64 characters for your postal code.",
         "برای کد پستی خود حداکثر ۶۴ نویسه به کار ببرید."),
        ("Storage is billed every 3 months, Team every year",
         "Storage هر ۳ ماه صورتحساب می‌شود و Team هر سال"),
        ("The code SAVE is for new orders of at least $50.00 only.",
         "کد SAVE فقط برای سفارش‌های تازهٔ دست‌کم $۵۰٫۰۰ است."),
    ):  # fmt: skip
        assert localise_to(FA, english) == persian, english
    english = Display.resolve("en", DisplayPreferences(), site_locale="en_US")
    assert localise_to(english, "Tax at 8.875% is added to these prices") == (
        "Tax at 8.875% is added to these prices"
    )
