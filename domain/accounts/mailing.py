"""What sending an account e-mail needs (``Mailing``): the renderer and where links point."""

from __future__ import annotations

from dataclasses import dataclass

from domain.notifications.ports import EmailRenderer


@dataclass(frozen=True, slots=True)
class Mailing:
    """What sending an account e-mail needs: the renderer and where links point."""

    renderer: EmailRenderer
    public_url: str  # e.g. https://billing.example.com (no trailing slash)
