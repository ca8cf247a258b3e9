"""Every flash message a handler sets is in the reader's language: a flash (or the portal's
``_back`` helper, which flashes) never takes a bare string literal or an f-string, which would
show English on a Persian page; it takes ``tr(request, ...)`` (or a text translated by a
pattern table such as ``staff_text``)."""

from __future__ import annotations

import ast
from pathlib import Path

WEB = Path(__file__).resolve().parents[2] / "web"
FLASHING = {"flash": 1, "_back": 0}  # the function, and which argument is the message


def untranslated_flashes(root: Path) -> list[str]:
    found = []
    for path in sorted(root.rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not isinstance(node, ast.Call):
                continue
            name = getattr(node.func, "id", None) or getattr(node.func, "attr", None)
            at = FLASHING.get(name or "")
            if at is None or len(node.args) <= at:
                continue
            message = node.args[at]
            if isinstance(message, ast.JoinedStr) or (
                isinstance(message, ast.Constant) and isinstance(message.value, str)
            ):
                found.append(f"{path.relative_to(root.parent)}:{node.lineno}")
    return found


def test_no_flash_message_is_a_bare_english_string() -> None:
    assert untranslated_flashes(WEB) == []


def test_the_scan_finds_a_bare_string_and_an_f_string(tmp_path: Path) -> None:
    (tmp_path / "handler.py").write_text(
        'flash(request, "Saved.", "success")\n'
        'flash(request, f"Saved {name}.", "success")\n'
        '_back("Saved.", request)\n'
        'flash(request, tr(request, "Saved."), "success")\n',
        encoding="utf-8",
    )
    assert len(untranslated_flashes(tmp_path)) == 3


def test_values_in_a_persian_sentence_keep_their_direction_and_take_persian_digits() -> None:
    from domain.shared.display import Digits, Display
    from web.display import in_sentence

    persian = Display(language="fa", locale="fa_IR", digits=Digits.NATIVE)
    english = Display(language="en", digits=Digits.LATIN)
    assert in_sentence(3, persian) == "۳"
    assert in_sentence("ann@example.com", persian) == "\u2068ann@example.com\u2069"
    assert in_sentence("\u2068kept\u2069", persian) == "\u2068kept\u2069"  # not twice
    assert in_sentence(3, english) == "3"
    assert in_sentence("ann@example.com", english) == "ann@example.com"
    assert in_sentence(True, persian) is True
