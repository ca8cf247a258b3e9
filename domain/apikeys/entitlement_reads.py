"""``GET /api/v1/customers/{id}/entitlements`` as one use case: the key check and the read
model's rows in one statement (``uow.api_reads.key_and_entitlements``), the key's rules applied
here as ``authenticate`` applies them (malformed, unknown or revoked: ``ApiKeyRefused``;
``last_used_at`` written at most once a minute), then the customer's rows or ``NotFound``.

Every active key may read (read-only and read-write scopes alike); the scope rule for writes and
the rate limit stay where every API request meets them (``web/api/auth.py``'s ``admit``). The
deployment is one business: every customer in the database is the business's own, so an
accepted key reads any of them.
"""

from __future__ import annotations

from collections.abc import Callable

from domain.apikeys.auth import REFUSED, ApiKeyRefused, accepted, presented_hash, touch_if_due
from domain.apikeys.model import ApiKey
from domain.apikeys.ports import ApiKeysUnit, ApiReadsUnit
from domain.shared.clock import Clock
from domain.shared.errors import NotFound
from domain.shared.ids import CustomerId
from domain.subscriptions.entitlement_rules import Entitlement
from domain.subscriptions.errors import SubscriptionErrorCode


async def entitlements_for_key(
    secret: str,
    customer_id: CustomerId,
    *,
    uow: ApiReadsUnit,
    new_uow: Callable[[], ApiKeysUnit],
    clock: Clock,
    admit: Callable[[ApiKey], None] = lambda key: None,
) -> tuple[ApiKey, list[Entitlement]]:
    """The key the secret belongs to and the customer's entitlement rows (feature key order).
    A refused key is ``ApiKeyRefused`` whatever the customer; ``admit`` is called with the
    accepted key before the customer is looked at (the caller's refusals: rate limit, scope);
    an unknown customer (no rows and no customer) is ``NotFound``, as
    ``customer_entitlements`` answers."""
    presented = presented_hash(secret)
    async with uow:
        read = await uow.api_reads.key_and_entitlements(presented, customer_id)
    if read is None:
        raise ApiKeyRefused(REFUSED)
    key = accepted(read.key, presented)
    await touch_if_due(key, now=clock.now(), new_uow=new_uow)
    admit(key)
    if not read.rows and not read.customer_exists:
        raise NotFound("No such customer.", code=SubscriptionErrorCode.CUSTOMER_NOT_FOUND)
    return key, read.rows
