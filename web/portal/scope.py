"""The subscriber scope: what every portal handler acts with, provided once per request by the
portal routers (``dependencies={"subscriber": ...}``) instead of being gathered in each handler.

A handler declares ``subscriber: Subscriber`` and calls its one use case with
``uow=subscriber.uow(), clock=subscriber.clock, config=subscriber.billing,
as_customer=subscriber.customer`` (use cases check ownership themselves: another subscriber's ids
are "not found").
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from litestar.di import NamedDependency, Provide
from litestar.params import SkipValidation

from domain.accounts.model import SignedIn
from domain.billing.config import BillingConfig
from domain.shared.clock import Clock
from domain.shared.errors import NotFound
from domain.shared.ids import CustomerId
from domain.unit_of_work import UnitOfWork
from web.settings import Settings


@dataclass(frozen=True, slots=True)
class Subscriber:
    signed_in: SignedIn
    new_uow: Callable[[], UnitOfWork]
    read_uow: Callable[[], UnitOfWork]
    clock: Clock
    billing: BillingConfig
    settings: Settings

    def uow(self) -> UnitOfWork:
        return self.new_uow()

    @property
    def email(self) -> str:
        return self.signed_in.email

    @property
    def customer(self) -> CustomerId:
        """The signed-in subscriber's customer; an account that never bought has none (404)."""
        if self.signed_in.customer_id is None:
            raise NotFound("You have no subscriptions yet.", code="portal.no_customer")
        return CustomerId(self.signed_in.customer_id)

    @property
    def customer_or_none(self) -> CustomerId | None:
        customer_id = self.signed_in.customer_id
        return CustomerId(customer_id) if customer_id is not None else None


def provide_subscriber(
    signed_in: NamedDependency[SignedIn],
    new_uow: NamedDependency[Callable[[], UnitOfWork]],
    clock: NamedDependency[SkipValidation[Clock]],  # a Protocol: no isinstance check
    settings: NamedDependency[Settings],
    new_read_uow: NamedDependency[Callable[[], UnitOfWork]],
) -> Subscriber:
    return Subscriber(
        signed_in=signed_in,
        new_uow=new_uow,
        read_uow=new_read_uow,
        clock=clock,
        billing=settings.billing,
        settings=settings,
    )


SUBSCRIBER_SCOPE: dict[str, Provide] = {
    "subscriber": Provide(provide_subscriber, sync_to_thread=False)
}
