"""The catalogs are complete: every string the templates and the code mark for translation is in
each language's catalog (``make messages`` merges new ones), translated, not fuzzy, and keeps
the source's placeholders. A new English string without its Persian fails here."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.pofile import read_po

from domain.adapters.i18n import LOCALES_DIR
from domain.shared.display import LANGUAGES

pytestmark = pytest.mark.unit

ROOT = Path(__file__).resolve().parents[2]
KEYWORDS = {"_": None, "gettext": None, "ngettext": (1, 2), "pgettext": ((1, "c"), 2),
            "npgettext": ((1, "c"), 2, 3), "tr": (2,), "gettext_for": (2,), "N_": None,
            "said": None}  # fmt: skip
PLACEHOLDER = re.compile(r"%\((\w+)\)[sd]")
TRANSLATED = [language for language in LANGUAGES if language != "en"]


def _source_messages() -> set[str]:
    with (ROOT / "babel.cfg").open() as fh:
        method_map, options_map = parse_mapping_cfg(fh)
    found: set[str] = set()
    for _file, _line, message, _comments, _context in extract_from_dir(
        str(ROOT), method_map, options_map, keywords=KEYWORDS
    ):
        found.add(message[0] if isinstance(message, tuple) else message)
    return found


def _catalog(language: str):  # type: ignore[no-untyped-def]
    with (LOCALES_DIR / language / "LC_MESSAGES" / "messages.po").open("rb") as fh:
        return read_po(fh, locale=language)


@pytest.fixture(scope="module")
def source_messages() -> set[str]:
    return _source_messages()


def test_the_source_marks_strings_for_translation(source_messages: set[str]) -> None:
    assert "Skip to content" in source_messages  # the extraction really reads the templates


@pytest.mark.parametrize("language", TRANSLATED)
def test_every_marked_string_is_in_the_catalog(language: str, source_messages: set[str]) -> None:
    ids = {m.id[0] if isinstance(m.id, tuple) else m.id for m in _catalog(language) if m.id}
    missing = sorted(source_messages - ids)
    assert not missing, f"not in locales/{language} (run make messages, translate): {missing[:20]}"


@pytest.mark.parametrize("language", TRANSLATED)
def test_every_message_is_translated_and_not_fuzzy(language: str) -> None:
    untranslated, fuzzy = [], []
    for message in _catalog(language):
        if not message.id:
            continue
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        if not all(s.strip() for s in strings):
            untranslated.append(message.id)
        if message.fuzzy:
            fuzzy.append(message.id)
    assert not untranslated, f"untranslated in locales/{language}: {untranslated[:20]}"
    assert not fuzzy, f"fuzzy in locales/{language} (check, then drop the flag): {fuzzy[:20]}"


@pytest.mark.parametrize("language", TRANSLATED)
def test_translations_keep_the_placeholders(language: str) -> None:
    wrong = []
    for message in _catalog(language):
        if not message.id:
            continue
        source = message.id if isinstance(message.id, tuple) else (message.id,)
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        expected = set(PLACEHOLDER.findall(" ".join(source)))
        if any(set(PLACEHOLDER.findall(s)) != expected for s in strings if s):
            wrong.append(message.id)
    assert not wrong, f"placeholders differ in locales/{language}: {wrong[:20]}"
