"""What notifications need from the outside: storage, template rendering, delivery, and the
documents an attachment reference points at."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Protocol

from domain.jobs.ports import JobsUnit
from domain.notifications.model import (
    Attachment,
    AttachmentRef,
    EmailKind,
    OutboxEmail,
    OutgoingMessage,
    RenderedEmail,
)


class EmailRepository(Protocol):
    """``uow.emails``: the outbox."""

    async def add(self, email: OutboxEmail) -> bool:
        """Store a new e-mail; ``False`` (and nothing stored) when its ``dedupe_key`` exists,
        also when another transaction stored it a moment ago."""
        ...

    async def add_many(self, emails: Sequence[OutboxEmail]) -> set[str]:
        """Store new e-mails; returns the ids stored. One whose ``dedupe_key`` exists (also
        stored by another transaction a moment ago) is skipped; the keys given are distinct."""
        ...

    async def existing_dedupe_keys(self, dedupe_keys: Sequence[str]) -> set[str]:
        """Those of ``dedupe_keys`` an e-mail in the outbox has."""
        ...

    async def get(self, email_id: str) -> OutboxEmail | None: ...

    async def get_by_dedupe_key(self, dedupe_key: str) -> OutboxEmail | None: ...

    async def save(self, email: OutboxEmail) -> None:
        """Store a delivery outcome: status, attempts, last error, sent instant."""
        ...


class EmailRenderer(Protocol):
    def render(self, kind: EmailKind, context: Mapping[str, object]) -> RenderedEmail:
        """Subject (one line), plain text and HTML of a notice from its templates."""
        ...


class Mailer(Protocol):
    async def send(self, message: OutgoingMessage) -> None:
        """Deliver one message. Raises ``TransientError`` when a later attempt may succeed (the
        server is down, a 4xx reply) and another ``DomainError`` when it never will (a 5xx
        refusal)."""
        ...


class AttachmentResolver(Protocol):
    async def resolve(self, ref: AttachmentRef) -> Attachment:
        """The file an attachment reference names (an invoice's PDF); ``NotFound`` if there is
        none, ``TransientError`` if it is not ready yet."""
        ...


class NotificationsUnit(JobsUnit, Protocol):
    """The outbox's unit of work: e-mails, and the jobs that send them."""

    @property
    def emails(self) -> EmailRepository: ...
