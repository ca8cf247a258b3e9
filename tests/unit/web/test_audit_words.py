"""Every audit action code the domain can record has its words for the audit page
(web/admin/audit_words.py) and their Persian: the codes are read from the source (each
``new_entry(action=...)``: a literal, either side of a conditional, an f-string's two spellings, a
module constant, a mapping's values, or a staff action's code), so a new audited change without
words fails here."""

from __future__ import annotations

import ast
import importlib
from pathlib import Path

import pytest

from domain.adapters.i18n import translations
from domain.shared.display import Display
from domain.support.actions.registry import ACTIONS
from tests.unit.form_messages_scan import ROOT
from web.admin.audit_words import AUDIT_ACTIONS, action_words, english_words

pytestmark = pytest.mark.unit

PERSIAN = Display(language="fa", locale="fa_IR")


def _module(path: Path) -> str:
    return ".".join(path.relative_to(ROOT).with_suffix("").parts)


def _codes(node: ast.AST, path: Path, tree: ast.Module) -> set[str]:
    """The codes an ``action=`` expression can be (empty when it is not one this test reads)."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return {node.value}
    if isinstance(node, ast.IfExp):
        return _codes(node.body, path, tree) | _codes(node.orelse, path, tree)
    if isinstance(node, ast.JoinedStr):  # f"staff.analytics_email_{'on' if on else 'off'}"
        spellings = {""}
        for part in node.values:
            if isinstance(part, ast.Constant):
                spellings = {s + str(part.value) for s in spellings}
            else:
                assert isinstance(part, ast.FormattedValue)
                choices = _codes(part.value, path, tree)
                assert choices, f"{path.name}:{node.lineno}: an f-string code this test cannot read"
                spellings = {s + c for s in spellings for c in choices}
        return spellings
    if isinstance(node, ast.Name):
        value = getattr(importlib.import_module(_module(path)), node.id, None)
        if isinstance(value, str):
            return {value}
        return _passed(node.id, path, tree)
    if isinstance(node, ast.Subscript) and isinstance(node.value, ast.Name):
        mapping = getattr(importlib.import_module(_module(path)), node.value.id)
        return {str(v) for v in mapping.values()}
    return set()


def _passed(name: str, path: Path, tree: ast.Module) -> set[str]:
    """A helper's parameter ``name`` (``_audit(uow, actor, "customer_import.uploaded", ...)``):
    what each call of the helper in the module passes for it."""
    codes: set[str] = set()
    for helper in ast.walk(tree):
        if not isinstance(helper, ast.FunctionDef | ast.AsyncFunctionDef):
            continue
        params = [a.arg for a in (*helper.args.posonlyargs, *helper.args.args)]
        if name not in params and name not in [a.arg for a in helper.args.kwonlyargs]:
            continue
        for call in ast.walk(tree):
            if not (isinstance(call, ast.Call) and isinstance(call.func, ast.Name)
                    and call.func.id == helper.name):  # fmt: skip
                continue
            given = [k.value for k in call.keywords if k.arg == name]
            if not given and name in params and params.index(name) < len(call.args):
                given = [call.args[params.index(name)]]
            for value in given:
                codes |= _codes(value, path, tree)
    return codes


def recorded_codes() -> dict[str, str]:
    """Every code a ``new_entry(...)`` in the domain records, with where."""
    found: dict[str, str] = {}
    unread: list[str] = []
    for path in sorted((ROOT / "domain").rglob("*.py")):
        source = path.read_text(encoding="utf-8")
        if "new_entry(" not in source or "migrations" in path.parts:
            continue
        tree = ast.parse(source)
        for node in ast.walk(tree):
            if not (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Name)
                and node.func.id == "new_entry"
            ):
                continue
            for keyword in node.keywords:
                if keyword.arg != "action":
                    continue
                if isinstance(keyword.value, ast.Name) and keyword.value.id == "code":
                    codes = set(ACTIONS)  # the staff actions' service: the action's own code
                else:
                    codes = _codes(keyword.value, path, tree)
                if not codes:
                    unread.append(f"{path.name}:{node.lineno}")
                for code in codes:
                    found.setdefault(code, f"{path.relative_to(ROOT)}:{node.lineno}")
    assert not unread, f"an audit action this test cannot read: {unread}"
    return found


def test_the_scan_reads_every_kind_of_code() -> None:
    codes = recorded_codes()
    assert {"staff.signed_in", "webhook_endpoint.disabled", "staff.analytics_email_off",
            "test_clock.advanced", "staff.role_changed", "invoice.refund"} <= set(codes)  # fmt: skip


def test_every_recorded_code_has_its_words_and_persian() -> None:
    persian = translations("fa")
    missing = [f"{where}: {code}" for code, where in recorded_codes().items()
               if english_words(code) is None]  # fmt: skip
    assert not missing, "add words to web/admin/audit_words.py:\n" + "\n".join(missing)
    untranslated = [code for code in recorded_codes()
                    if persian.ugettext(english_words(code) or "") == english_words(code)]  # fmt: skip
    assert not untranslated


def test_no_listed_code_is_stale() -> None:
    assert set(AUDIT_ACTIONS) <= set(recorded_codes())


def test_a_code_reads_in_the_staff_members_language() -> None:
    assert action_words(PERSIAN, "staff.signed_in") == "ورود به سیستم"
    assert action_words(Display(), "invoice.void") == ACTIONS["invoice.void"].title
    assert action_words(PERSIAN, "something.new") == "something.new"
