"""What a staff action says it did (``Executed.message``, flashed after the confirmation) is a
``said(template, **values)`` (``domain/shared/message.py``), never finished English prose: the
scan below reads every ``Executed(...)`` in the domain and fails when its message is an
f-string, a literal or a concatenation, or a ``said(...)`` whose template is not a literal
(``make messages`` could not extract it); and every ``said`` template in the domain has its
Persian in the catalog with the same placeholders. Each shape is then rendered in Persian with
sample values: no English word is left outside the values' isolates."""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator
from pathlib import Path

import pytest

from domain.adapters.i18n import translations
from domain.shared.display import Display
from domain.shared.message import said
from tests.unit.form_messages_scan import ROOT
from web.admin.form_words import message_to

pytestmark = pytest.mark.unit

PERSIAN = Display(language="fa", locale="fa_IR")
PLACEHOLDER = re.compile(r"%\((\w+)\)s")
ISOLATED = re.compile("\u2068[^\u2069]*\u2069")
SAMPLES = {
    "number": "INV-2026-0042",
    "note": "CN-2026-0007",
    "day": "Apr 1, 2024",
    "balance": "-10.00 USD",
    "coupon": "WELCOME20",
    "card": "Visa •••• 4242",
    "email": "ada@example.com",
    "change": "Change Team × 3 to Pro × 3 now",
}


def _is_said(node: ast.AST) -> bool:
    """A ``said("literal", ...)`` call, or a choice between two of them."""
    if isinstance(node, ast.IfExp):
        return _is_said(node.body) and _is_said(node.orelse)
    return (
        isinstance(node, ast.Call)
        and isinstance(node.func, ast.Name)
        and node.func.id == "said"
        and bool(node.args)
        and isinstance(node.args[0], ast.Constant)
        and isinstance(node.args[0].value, str)
    )


def _message_arg(call: ast.Call) -> ast.AST | None:
    for keyword in call.keywords:
        if keyword.arg == "message":
            return keyword.value
    return call.args[2] if len(call.args) > 2 else None


def _assignments(tree: ast.AST) -> dict[str, list[ast.AST]]:
    found: dict[str, list[ast.AST]] = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.Assign):
            for target in node.targets:
                if isinstance(target, ast.Name):
                    found.setdefault(target.id, []).append(node.value)
        elif isinstance(node, ast.AugAssign) and isinstance(node.target, ast.Name):
            found.setdefault(node.target.id, []).append(node)  # message += "...": prose
    return found


def prose_messages(files: list[Path]) -> list[str]:
    """Each ``Executed(...)`` whose message is not a ``said(...)`` (directly, or a variable
    only ever assigned one)."""
    bad: list[str] = []
    for path in files:
        tree = ast.parse(path.read_text(encoding="utf-8"))
        assigned = _assignments(tree)
        for node in ast.walk(tree):
            if not (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Name)
                and node.func.id == "Executed"
            ):
                continue
            arg = _message_arg(node)
            values = assigned.get(arg.id, []) if isinstance(arg, ast.Name) else [arg]
            if arg is None or not values or not all(v is not None and _is_said(v) for v in values):
                bad.append(f"{path.name}:{node.lineno}")
    return bad


def said_templates(files: list[Path]) -> Iterator[tuple[str, int, str | None]]:
    """(file, line, template) of every ``said(...)``; None when the template is not a literal."""
    for path in files:
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Name)
                and node.func.id == "said"
            ):
                first = node.args[0] if node.args else None
                template = first.value if isinstance(first, ast.Constant) else None
                yield path.name, node.lineno, template if isinstance(template, str) else None


def _domain() -> list[Path]:
    """The domain's modules that say something (``said`` imported from domain.shared.message;
    ``domain/adapters/composed_text.py`` has a ``said`` of its own)."""
    return [
        path
        for path in sorted((ROOT / "domain").rglob("*.py"))
        if "from domain.shared.message import" in path.read_text(encoding="utf-8")
    ]


def _templates() -> set[str]:
    return {t for _, _, t in said_templates(_domain()) if t is not None}


def test_every_executed_message_is_a_said_template() -> None:
    actions = sorted((ROOT / "domain" / "support" / "actions").glob("*.py"))
    executed = sum(p.read_text(encoding="utf-8").count("Executed(") for p in actions)
    assert executed >= 18  # every action's execute (the scan sees them all)
    assert prose_messages(sorted((ROOT / "domain").rglob("*.py"))) == []


def test_the_guard_fails_on_english_prose(tmp_path: Path) -> None:
    source = tmp_path / "new_action.py"
    source.write_text(
        "def execute(number, to_balance):\n"
        "    Executed('invoice', 'x', f'Voided invoice {number}.')\n"
        "    Executed('invoice', 'x', said('Voided invoice %(number)s.', number=number))\n"
        "    message = said('Done.')\n"
        "    if to_balance:\n"
        "        message = said('Done %(n)s.', n=1) if number else said('Done.')\n"
        "    Executed(object_type='invoice', object_id='x', message=message)\n"
        "    text = 'Paused.'\n"
        "    text += ' Until then.'\n"
        "    Executed(object_type='invoice', object_id='x', message=text)\n"
        "    Executed('invoice', 'x', said(number))\n",
        encoding="utf-8",
    )
    assert prose_messages([source]) == ["new_action.py:2", "new_action.py:10", "new_action.py:11"]
    assert [line for _, line, t in said_templates([source]) if t is None] == [11]


def test_every_said_template_is_a_literal_with_its_persian() -> None:
    found = list(said_templates(_domain()))
    assert len({t for _, _, t in found}) >= 25
    not_literal = [f"{name}:{line}" for name, line, t in found if t is None]
    assert not not_literal, "said() needs a literal template (make messages extracts it)"
    persian = translations("fa")
    missing = []
    for template in sorted(_templates()):
        text = persian.ugettext(template)
        if (text == template and template != "%(change)s.") or (
            sorted(PLACEHOLDER.findall(text)) != sorted(PLACEHOLDER.findall(template))
        ):
            missing.append(template)
    assert not missing, "run make messages and translate these in the fa catalog:\n" + "\n".join(
        missing
    )


@pytest.mark.parametrize("template", sorted(_templates()))
def test_each_message_reads_persian_with_its_values(template: str) -> None:
    values = {name: SAMPLES[name] for name in PLACEHOLDER.findall(template)}
    english = str(said(template, **values))
    assert english == template % values
    persian = message_to(PERSIAN, said(template, **values))
    assert re.search("[\u0600-\u06ff]", persian), persian
    assert not re.search("[A-Za-z]", ISOLATED.sub("", persian)), persian
    if "day" in values:  # in the reader's calendar and digits
        assert "۱" in persian and "2024" not in persian
    if "balance" in values:  # an amount as every amount is shown: "‎-$۱۰٫۰۰"
        assert "۱۰٫۰۰" in persian and "USD" not in persian


def test_english_reads_as_the_domain_wrote_it() -> None:
    english = Display(language="en", locale="en_US")
    message = said("Voided invoice %(number)s.", number="INV-2026-0042")
    assert message_to(english, message) == "Voided invoice INV-2026-0042."
