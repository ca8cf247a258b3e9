"""A shop on the in-memory unit of work with the fake gateway and a frozen clock: customers with
a saved card, subscriptions whose first invoice is paid, renewals, and what was enqueued.

Team monthly in USD is 12.00 a seat and the demo customers pay no tax, so three seats are
36.00 a month (3600 minor units) from Mar 1, a 31-day month."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from domain.billing.config import BillingConfig
from domain.billing.issued import IssuedInvoice
from domain.catalog.service import load_demo_catalog
from domain.customers.service import create_customer
from domain.jobs.model import JsonValue
from domain.payments.model import PaymentMethod
from domain.payments.service import add_payment_method, collect_invoice
from domain.shared.clock import FrozenClock
from domain.shared.ids import CustomerId, SubscriptionId
from domain.subscriptions.engine import SubscriptionStatus
from domain.subscriptions.model import Subscription
from domain.subscriptions.renewals import advance_subscription
from domain.subscriptions.subscribing import subscribe
from tests.fakes import InMemoryUnitOfWork
from tests.support.gateway import SUCCEEDS, FakeGateway

MAR1 = datetime(2024, 3, 1, tzinfo=UTC)
APR1 = datetime(2024, 4, 1, tzinfo=UTC)
CONFIG = BillingConfig()


@dataclass(frozen=True, slots=True)
class Subscriber:
    customer_id: CustomerId
    subscription_id: SubscriptionId
    first_invoice_id: str
    card: PaymentMethod


@dataclass
class Shop:
    uow: InMemoryUnitOfWork
    gateway: FakeGateway
    clock: FrozenClock
    config: BillingConfig = CONFIG
    _emails: int = field(default=0)

    def factory(self) -> InMemoryUnitOfWork:
        """The unit-of-work factory the use cases take (one in-memory store)."""
        return self.uow

    @property
    def kw(self) -> dict[str, Any]:
        """The keyword tail of the charging use cases."""
        return {
            "uow": self.factory,
            "gateway": self.gateway,
            "clock": self.clock,
            "config": self.config,
        }

    async def customer(self, *, currency: str = "USD", country: str = "US") -> CustomerId:
        self._emails += 1
        customer = await create_customer(
            email=f"ada{self._emails}@example.test", name="Ada Lovelace", currency=currency,
            country=country, uow=self.uow, clock=self.clock,
        )  # fmt: skip
        return customer.id

    async def add_card(
        self, customer_id: CustomerId, number: str = SUCCEEDS, **kw: Any
    ) -> PaymentMethod:
        token = await self.gateway.tokenize_card(
            number=number, exp_month=12, exp_year=2030, cvc="123"
        )
        return await add_payment_method(
            customer_id, token, uow=self.factory, gateway=self.gateway, clock=self.clock, **kw
        )

    async def subscriber(self, *, quantity: int = 3, card: str = SUCCEEDS) -> Subscriber:
        """Team monthly from now, its first invoice paid with ``card`` (a card that succeeds)."""
        customer_id = await self.customer()
        method = await self.add_card(customer_id, card)
        outcome = await subscribe(
            customer_id, "team-monthly", quantity=quantity, await_payment=True, uow=self.uow,
            clock=self.clock, config=self.config,
        )  # fmt: skip
        first = outcome.invoices[0]
        await collect_invoice(first.id, **self.kw)
        return Subscriber(customer_id, outcome.subscription.id, first.id, method)

    async def renewal(self, subscriber: Subscriber, at: datetime = APR1) -> IssuedInvoice:
        """Move the clock to ``at`` and bill the renewal due (its collection is queued)."""
        self.clock.set(at)
        outcome = await advance_subscription(
            subscriber.subscription_id, uow=self.uow, clock=self.clock, config=self.config
        )
        (invoice,) = outcome.invoices
        return invoice

    async def invoice(self, invoice_id: str) -> IssuedInvoice:
        issued = await self.uow.invoices.get(invoice_id)
        assert issued is not None
        return issued

    async def subscription(self, subscription_id: SubscriptionId) -> Subscription:
        sub = await self.uow.subscriptions.get(subscription_id)
        assert sub is not None
        return sub

    async def status(self, subscription_id: SubscriptionId) -> SubscriptionStatus:
        return (await self.subscription(subscription_id)).status

    def jobs(self, name: str) -> list[dict[str, JsonValue]]:
        """The committed jobs called ``name``: their arguments, in order."""
        return [kwargs for job, kwargs, _, _ in self.uow.jobs.committed if job == name]

    def notices(self, kind: str, invoice_id: str) -> list[str]:
        """The dedupe keys of the committed notices of ``kind`` about the invoice."""
        return [
            str(kwargs["key"])
            for kwargs in self.jobs("notifications.notify")
            if kwargs["kind"] == kind and kwargs["invoice_id"] == invoice_id
        ]


async def open_shop() -> Shop:
    uow = InMemoryUnitOfWork()
    await load_demo_catalog(uow=uow)
    return Shop(uow, FakeGateway(), FrozenClock(MAR1))
