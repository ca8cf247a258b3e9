"""Storage port of checkout sessions."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Protocol

from domain.accounts.ports import AccountsUnit
from domain.checkout.model import CheckoutSession, CheckoutState
from domain.payments.ports import PaymentsUnit


class CheckoutRepository(Protocol):
    async def get(self, token: str) -> CheckoutSession | None: ...

    async def add_if_absent(self, session: CheckoutSession) -> bool:
        """Insert unless the token exists (returns whether it was inserted)."""
        ...

    async def transition(
        self,
        token: str,
        from_states: Sequence[CheckoutState],
        to_state: CheckoutState,
        at: datetime,
        *,
        updated_before: datetime | None = None,
    ) -> bool:
        """Move the session to ``to_state`` only if it is in one of ``from_states`` (and, with
        ``updated_before``, was last updated before it): a single conditional update, so of two
        concurrent callers exactly one succeeds."""
        ...

    async def save(self, session: CheckoutSession) -> None: ...


class CheckoutUnit(PaymentsUnit, AccountsUnit, Protocol):
    """Placing an order signs up an account, subscribes and collects the first invoice."""

    @property
    def checkouts(self) -> CheckoutRepository: ...


# a use case that opens several transactions (placing an order) takes the factory
UowFactory = Callable[[], CheckoutUnit]
