"""Find the messages the staff admin's forms show, in the domain's source (an AST scan).

A message is a string literal or an f-string (its values as holes, ``HOLE``) that reaches a
person through one of these:

- an argument of ``ValidationFailed(...)`` or ``InvalidTransition(...)`` (a field_errors dict's
  values, ``message=``), or of a function of the scanned packages that builds one of them from
  its own parameter (``refuse(field, message)``, ``_bad_file(message)``), or a name that holds
  such a literal in the same function or module;
- a value stored in an ``errors``/``problems`` dict (``errors[key] = ...``,
  ``errors.setdefault(key, ...)``);
- a ``return`` of a function typed ``-> X | str`` / ``-> str | None`` (the "problem or value"
  parsers) or named ``*problem*``;
- the text fields of ``RowError`` (an import row's problem), ``Target`` (the import mapping's
  label and help) and ``ActionField`` (a staff action's label, help and choice labels).

Used by ``tests/unit/test_admin_form_words.py``.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SOURCES = (
    "domain/catalog_admin", "domain/catalog", "domain/promotions", "domain/integrations",
    "domain/taxes", "domain/analytics/exchange_rates_admin.py",
    "domain/analytics/exchange_rates.py", "domain/payments/dunning_admin.py",
    "domain/staff/members.py", "domain/staff/management.py", "domain/apikeys/admin.py",
    "domain/webhooks_out/admin.py", "domain/webhooks_out/urls.py", "domain/support/actions",
    # what the staff actions call, refusing on the action's page
    "domain/customers/balance.py", "domain/subscriptions/coupon_previews.py",
    "domain/payments/credits.py", "domain/payments/refunds.py", "domain/subscriptions/pause.py",
    "domain/subscriptions/trials.py", "domain/subscriptions/plan_changes.py",
)  # fmt: skip
HOLE = "\x00"
_ERRORS = ("ValidationFailed", "InvalidTransition")
_TEXT_CALLS = {"RowError": (2,), "Target": (1, 4), "ActionField": (1,)}
_TEXT_KEYWORDS = {"RowError": ("message",), "Target": ("label", "help"),
                  "ActionField": ("label", "help", "choices")}  # fmt: skip


@dataclass(frozen=True, slots=True)
class Found:
    text: str  # the message, each f-string value a HOLE
    where: str  # path:line

    @property
    def is_pattern(self) -> bool:
        return HOLE in self.text


def text_of(node: ast.AST) -> str | None:
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    if isinstance(node, ast.JoinedStr):
        return "".join(
            v.value if isinstance(v, ast.Constant) and isinstance(v.value, str) else HOLE
            for v in node.values
        )
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):
        left, right = text_of(node.left), text_of(node.right)
        if left is not None or right is not None:  # "a " + ", ".join(...): the call is a value
            return (HOLE if left is None else left) + (HOLE if right is None else right)
    return None


def _strings(node: ast.AST, names: dict[str, list[str]]) -> Iterator[str]:
    text = text_of(node)
    if text is not None:
        yield text
    elif isinstance(node, ast.Dict):
        for value in node.values:
            yield from _strings(value, names)
    elif isinstance(node, ast.IfExp):
        yield from _strings(node.body, names)
        yield from _strings(node.orelse, names)
    elif isinstance(node, ast.Tuple | ast.List):
        for element in node.elts:
            yield from _strings(element, names)
    elif isinstance(node, ast.BoolOp):
        for value in node.values:
            yield from _strings(value, names)
    elif isinstance(node, ast.Name):
        yield from names.get(node.id, ())


def _choice_labels(node: ast.AST, names: dict[str, list[str]]) -> Iterator[str]:
    """The labels (second items) of a choices tuple, literal or a module constant."""
    if isinstance(node, ast.Name):
        yield from names.get("choices:" + node.id, ())
        return
    if isinstance(node, ast.Tuple | ast.List):
        for pair in node.elts:
            if isinstance(pair, ast.Tuple) and len(pair.elts) == 2:
                label = text_of(pair.elts[1])
                if label is not None:
                    yield label


def _call_name(call: ast.Call) -> str:
    func = call.func
    if isinstance(func, ast.Name):
        return func.id
    return func.attr if isinstance(func, ast.Attribute) else ""


def _functions(tree: ast.AST) -> list[ast.FunctionDef | ast.AsyncFunctionDef]:
    return [n for n in ast.walk(tree) if isinstance(n, ast.FunctionDef | ast.AsyncFunctionDef)]


def _helpers(trees: list[ast.Module]) -> set[str]:
    """Functions that build a ValidationFailed/InvalidTransition from one of their parameters."""
    found: set[str] = set()
    for tree in trees:
        for fn in _functions(tree):
            params = {a.arg for a in fn.args.args + fn.args.kwonlyargs}
            for node in ast.walk(fn):
                if (
                    isinstance(node, ast.Call)
                    and _call_name(node) in _ERRORS
                    and any(isinstance(x, ast.Name) and x.id in params for x in ast.walk(node))
                ):
                    found.add(fn.name)
    return found


def _assigned(body: ast.AST, into: dict[str, list[str]]) -> None:
    for node in ast.walk(body):
        if isinstance(node, ast.Assign) and len(node.targets) == 1:
            target = node.targets[0]
            if not isinstance(target, ast.Name):
                continue
            text = text_of(node.value)
            if text is not None:
                into.setdefault(target.id, []).append(text)
            elif isinstance(node.value, ast.Tuple | ast.List):
                into.setdefault("choices:" + target.id, []).extend(_choice_labels(node.value, into))


def _is_error_dict(node: ast.AST) -> bool:
    return isinstance(node, ast.Name) and ("error" in node.id or "problem" in node.id)


def _scan(tree: ast.Module, helpers: set[str]) -> Iterator[tuple[str, int]]:
    module_names: dict[str, list[str]] = {}
    for node in tree.body:
        if isinstance(node, ast.Assign):
            _assigned(node, module_names)
    for scope in [tree, *_functions(tree)]:
        names = {k: list(v) for k, v in module_names.items()}
        if scope is not tree:
            _assigned(scope, names)
        for node in ast.walk(scope):
            if isinstance(node, ast.Call):
                name = _call_name(node)
                if name in _ERRORS or name in helpers:
                    for arg in [*node.args, *(k.value for k in node.keywords if k.arg != "code")]:
                        yield from ((t, node.lineno) for t in _strings(arg, names))
                elif (
                    name == "setdefault"
                    and isinstance(node.func, ast.Attribute)
                    and (_is_error_dict(node.func.value) and len(node.args) == 2)
                ):
                    yield from ((t, node.lineno) for t in _strings(node.args[1], names))
                elif name in _TEXT_CALLS:
                    for i in _TEXT_CALLS[name]:
                        if i < len(node.args):
                            yield from ((t, node.lineno) for t in _strings(node.args[i], names))
                    for kw in node.keywords:
                        if kw.arg == "choices":
                            yield from ((t, node.lineno) for t in _choice_labels(kw.value, names))
                        elif kw.arg in _TEXT_KEYWORDS[name]:
                            yield from ((t, node.lineno) for t in _strings(kw.value, names))
            elif isinstance(node, ast.Assign) and any(
                isinstance(t, ast.Subscript) and _is_error_dict(t.value) for t in node.targets
            ):
                yield from ((t, node.lineno) for t in _strings(node.value, names))
        if isinstance(scope, ast.FunctionDef | ast.AsyncFunctionDef) and scope.returns:
            returns = ast.unparse(scope.returns)
            if "str" in returns and ("|" in returns or "problem" in scope.name):
                for node in ast.walk(scope):
                    if isinstance(node, ast.Return) and node.value is not None:
                        yield from ((t, node.lineno) for t in _strings(node.value, names))


def _is_message(text: str) -> bool:
    """Words a person reads (not a key such as "price-0-charge-1-tiers" or "{} {}")."""
    words = text.replace(HOLE, " ").split()
    return any(any(c.isalpha() for c in w) for w in words) and (
        " " in text.replace(HOLE, "") or text[:1].isupper()
    )


def source_files() -> list[Path]:
    files: list[Path] = []
    for source in SOURCES:
        path = ROOT / source
        files += [path] if path.is_file() else sorted(path.rglob("*.py"))
    return files


def scan(files: list[Path] | None = None) -> list[Found]:
    """Every message the scanned packages can show in a staff form, once each."""
    chosen = files if files is not None else source_files()
    trees = [(path, ast.parse(path.read_text(encoding="utf-8"))) for path in chosen]
    helpers = _helpers([tree for _, tree in trees])
    seen: dict[str, Found] = {}
    for path, tree in trees:
        for text, line in _scan(tree, helpers):
            if _is_message(text) and text not in seen:
                shown = path.relative_to(ROOT) if path.is_relative_to(ROOT) else path.name
                seen[text] = Found(text, f"{shown}:{line}")
    return list(seen.values())


if __name__ == "__main__":  # a developer's list: python -m tests.unit.form_messages_scan
    for found in scan():
        print(f"{found.where}\t{found.text.replace(HOLE, '{}')!r}")
