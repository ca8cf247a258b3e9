"""The outbound webhook events' descriptions (domain/outbound/events.py) are listed for the
catalog (web/admin/event_words.py) and read in Persian on the webhook endpoint form, so a new or
changed description cannot silently show English there."""

from __future__ import annotations

import pytest

from domain.adapters.i18n import translations
from domain.outbound.events import EVENT_DESCRIPTIONS, EventType
from web.admin import event_words

pytestmark = pytest.mark.unit


def test_every_event_type_has_its_description_listed() -> None:
    assert set(EVENT_DESCRIPTIONS) == set(EventType)
    assert set(EVENT_DESCRIPTIONS.values()) == set(event_words.EVENT_DESCRIPTIONS)


def test_every_description_has_its_persian() -> None:
    persian = translations("fa")
    for description in EVENT_DESCRIPTIONS.values():
        said = persian.ugettext(description)
        assert said != description and not any("a" <= c <= "z" for c in said), description
