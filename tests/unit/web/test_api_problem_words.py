"""msgspec's own words for a value the API's shapes refuse read in Persian (web/api/problem_words.py):
each message is made by msgspec itself, decoding a bad value into a shape like the API's, so a
msgspec release that rewords one fails here rather than sending English to a Persian caller.
The types, field names, patterns and the "- at `$.path`" are kept as written."""

from __future__ import annotations

import datetime
import decimal
import enum
import re
import uuid
from typing import Annotated

import msgspec
import pytest

from domain.shared.display import Display
from web.api.problem_words import api_text

pytestmark = pytest.mark.unit

PERSIAN = Display(language="fa", locale="fa_IR")
# English left once the kept parts (`code`, 'quoted', the path) are taken out
ENGLISH = re.compile(r"[A-Za-z]{3,}")
KEPT = re.compile(r"`[^`]*`|'[^']*'|RFC 3339|UUID|base64|JSON")


class Kind(enum.Enum):
    ONE = "one"


class Shape(msgspec.Struct, forbid_unknown_fields=True):
    name: Annotated[str, msgspec.Meta(min_length=1, max_length=5)] = "n"
    code: Annotated[str, msgspec.Meta(pattern=r"^[A-Z]{2}$")] = "AB"
    quantity: Annotated[int, msgspec.Meta(ge=1, le=10)] = 1
    share: Annotated[float, msgspec.Meta(gt=0, lt=1)] = 0.5
    even: Annotated[int, msgspec.Meta(multiple_of=2)] = 2
    lines: Annotated[list[str], msgspec.Meta(max_length=1)] = []
    value: decimal.Decimal = decimal.Decimal(0)
    at: datetime.datetime | None = None
    day: datetime.date | None = None
    time: datetime.time | None = None
    id: uuid.UUID | None = None
    kind: Kind | None = None
    blob: bytes | None = None


class Needs(msgspec.Struct):
    email: str


BAD = [
    (Shape, b'{"name": 1}'), (Shape, b'{"name": ""}'), (Shape, b'{"name": "toolong"}'),
    (Shape, b'{"code": "abc"}'), (Shape, b'{"quantity": 0}'), (Shape, b'{"quantity": 11}'),
    (Shape, b'{"share": 0}'), (Shape, b'{"share": 1}'), (Shape, b'{"even": 3}'),
    (Shape, b'{"lines": ["a", "b"]}'), (Shape, b'{"value": "x"}'), (Shape, b'{"at": "x"}'),
    (Shape, b'{"day": "x"}'), (Shape, b'{"time": "x"}'), (Shape, b'{"id": "x"}'),
    (Shape, b'{"kind": "two"}'), (Shape, b'{"blob": "!"}'), (Shape, b'{"other": 1}'),
    (Shape, b"[]"), (Shape, b'{"at": 1}'), (Needs, b"{}"), (Shape, b'{"name": '),
]  # fmt: skip


def _said(shape: type, raw: bytes) -> str:
    with pytest.raises((msgspec.ValidationError, msgspec.DecodeError)) as refused:
        msgspec.json.decode(raw, type=shape)
    return str(refused.value)


@pytest.mark.parametrize(("shape", "raw"), BAD)
def test_msgspecs_message_reads_persian(shape: type, raw: bytes) -> None:
    english = _said(shape, raw)
    persian = api_text(PERSIAN, english)
    assert persian != english, english
    assert not ENGLISH.findall(KEPT.sub(" ", persian)), (english, persian)
    for kept in re.findall(r"`[^`]*`", english):  # the types, fields and the path as written
        assert kept in persian


def test_english_stays_as_msgspec_wrote_it() -> None:
    english = _said(Shape, b'{"quantity": 0}')
    assert api_text(Display(), english) == english == "Expected `int` >= 1 - at `$.quantity`"


def test_the_decoders_reason_stays_as_written() -> None:
    english = _said(Shape, b"{bad")
    assert english.startswith("JSON is malformed: ")
    assert api_text(PERSIAN, english) == "JSON نادرست است: " + english.split(": ", 1)[1]
