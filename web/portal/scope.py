"""The subscriber scope: what every portal handler acts with, provided once per request by the
portal routers (``dependencies={"subscriber": ...}``) instead of being gathered in each handler.

A handler declares ``subscriber: Subscriber`` and calls its one use case with
``uow=subscriber.uow(), clock=subscriber.clock, config=subscriber.billing,
as_customer=subscriber.customer`` (use cases check ownership themselves: another subscriber's ids
are "not found").

A staff member viewing as the subscriber (``web/portal/viewing.py``) gets the same scope for the
subscriber's account, with ``viewing`` set: the routers' guard has already refused anything but
a GET, so the handlers and templates are the portal's own.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from litestar import Request
from litestar.di import NamedDependency, Provide
from litestar.params import SkipValidation

from domain.accounts.model import SignedIn
from domain.billing.config import BillingConfig
from domain.shared.clock import Clock
from domain.shared.errors import NotFound
from domain.shared.ids import CustomerId
from domain.support.view_as import ViewedAs
from domain.unit_of_work import UnitOfWork
from web.auth.session import provide_signed_in
from web.portal.viewing import viewed_subscriber
from web.settings import Settings


@dataclass(frozen=True, slots=True)
class Subscriber:
    signed_in: SignedIn
    new_uow: Callable[[], UnitOfWork]
    read_uow: Callable[[], UnitOfWork]
    clock: Clock
    billing: BillingConfig
    settings: Settings
    viewing: ViewedAs | None = None  # a staff member reading the portal as this subscriber

    @property
    def read_only(self) -> bool:
        return self.viewing is not None

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


async def provide_subscriber(
    request: Request[Any, Any, Any],
    new_uow: NamedDependency[Callable[[], UnitOfWork]],
    clock: NamedDependency[SkipValidation[Clock]],  # a Protocol: no isinstance check
    settings: NamedDependency[Settings],
    new_read_uow: NamedDependency[Callable[[], UnitOfWork]],
) -> Subscriber:
    """The signed-in subscriber, or the subscriber a staff member views (the view cookie wins:
    a staff member's own subscriber session in the same browser is left alone)."""
    viewing = await viewed_subscriber(request, new_uow=new_uow, clock=clock, settings=settings)
    signed_in: SignedIn = (
        viewing.signed_in
        if viewing is not None
        else await provide_signed_in(request, new_uow=new_uow, clock=clock)
    )
    return Subscriber(
        viewing=viewing,
        signed_in=signed_in,
        new_uow=new_uow,
        read_uow=new_read_uow,
        clock=clock,
        billing=settings.billing,
        settings=settings,
    )


SUBSCRIBER_SCOPE: dict[str, Provide] = {"subscriber": Provide(provide_subscriber)}
