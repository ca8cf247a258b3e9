"""The words the staff pages translate as values (web/admin/value_words.py) follow the domain: a
role, a status, a role's summary or a sign-in refusal the domain says is in the list, so a
changed domain text cannot silently show English on a Persian admin page; and each one has its
Persian in the catalog."""

from __future__ import annotations

import pytest

from domain.adapters.i18n import translations
from domain.billing.issued import CreditNoteReason
from domain.billing.model import InvoiceStatus
from domain.notifications.model import EmailKind, EmailStatus
from domain.payments.dunning import DunningStatus
from domain.payments.model import AttemptStatus, RefundStatus
from domain.staff import recovery_codes, sign_in
from domain.staff.model import Role
from domain.staff.permissions import ROLE_SUMMARY
from domain.subscriptions.engine.states import SubscriptionStatus
from domain.subscriptions.price_migrations import MigrationStatus
from domain.support.actions.registry import ACTIONS
from web.admin import value_words

pytestmark = pytest.mark.unit

_ALL = {
    word
    for name in dir(value_words)
    if name.isupper() and isinstance(getattr(value_words, name), tuple)
    for word in getattr(value_words, name)
}


def _label(value: str) -> str:
    """As components/badges.html writes a status."""
    return value.replace("_", " ").capitalize()


def test_every_status_badge_role_and_reason_is_listed() -> None:
    statuses = [*SubscriptionStatus, *InvoiceStatus, *AttemptStatus, *RefundStatus,
                *EmailStatus, *DunningStatus, *MigrationStatus]  # fmt: skip
    assert {_label(s.value) for s in statuses} <= _ALL
    assert {r.value for r in Role} <= _ALL
    assert set(ROLE_SUMMARY.values()) <= _ALL
    assert {_label(r.value) for r in CreditNoteReason} <= _ALL
    assert {k.value.replace("_", " ") for k in EmailKind} <= _ALL


def test_every_staff_action_title_and_verb_is_listed() -> None:
    assert {a.title for a in ACTIONS.values()} <= _ALL
    assert {a.verb for a in ACTIONS.values()} <= _ALL


def test_the_staff_sign_in_refusals_are_listed() -> None:
    assert {sign_in.WRONG_PASSWORD, sign_in.WRONG_CODE, recovery_codes.WRONG_CODE,
            recovery_codes.NO_TWO_FACTOR} <= _ALL  # fmt: skip


def test_every_listed_word_has_its_persian() -> None:
    persian = translations("fa")
    untranslated = sorted(w for w in _ALL if persian.ugettext(w) == w)
    assert not untranslated
