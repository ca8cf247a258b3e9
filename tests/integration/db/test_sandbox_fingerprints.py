"""Sandbox card fingerprints (issue 11): a keyed HMAC, so a stored row cannot be turned back into
the card number; and the migration that replaces the old reversible ones."""

from __future__ import annotations

import hashlib
import hmac
from pathlib import Path

import pytest

from domain.adapters.db.migrate import apply_migrations
from domain.adapters.db.tables import (
    CustomerTable,
    PaymentMethodTable,
    SandboxCardTable,
    bind_tables,
)
from domain.adapters.payments.sandbox import SandboxGateway
from tests.support.database import TestDatabase

pytestmark = pytest.mark.integration

NUMBER = "4111111111111111"
BEFORE_WEBHOOK_EVENTS = "2026-11-25T01:20:00:000000"


async def _fingerprint(gateway: SandboxGateway, number: str = NUMBER) -> str:
    token = await gateway.tokenize_card(number=number, exp_month=12, exp_year=2030, cvc="123")
    card = await SandboxCardTable.select().where(SandboxCardTable.ref == token).first()
    return str(card["fingerprint"])


async def test_a_fingerprint_is_keyed_and_tells_nothing_about_the_number(
    db: TestDatabase,
) -> None:
    keyed = SandboxGateway(db.engine, fingerprint_key="installation-one")
    stored = await _fingerprint(keyed)

    # the same card under the same key matches (duplicate cards stay recognisable) ...
    assert await _fingerprint(keyed) == stored
    assert await _fingerprint(SandboxGateway(db.engine, fingerprint_key="installation-one")) == (
        stored
    )
    # ... another card does not, and another installation's key gives another value
    assert await _fingerprint(keyed, "4000056655665556") != stored
    assert await _fingerprint(SandboxGateway(db.engine, fingerprint_key="installation-two")) != (
        stored
    )
    # the attack of the issue: hashing candidate numbers without the key never meets the row
    for unkeyed in (
        hashlib.sha256(f"sandbox:{NUMBER}".encode()).hexdigest(),
        hashlib.sha256(NUMBER.encode()).hexdigest(),
    ):
        assert unkeyed[: len(stored)] != stored and not unkeyed.startswith(stored[:16])
    expected = hmac.new(b"installation-one", NUMBER.encode(), hashlib.sha256).hexdigest()
    assert stored == expected[:32]
    assert NUMBER not in str(await SandboxCardTable.select())


async def test_the_migration_replaces_old_reversible_fingerprints(
    database: TestDatabase, tmp_path: Path
) -> None:
    import domain.adapters.db.piccolo_conf as conf

    old = await TestDatabase.create(
        database._admin_url or None, tmp_path, migrate_to=BEFORE_WEBHOOK_EVENTS
    )
    try:
        legacy = hashlib.sha256(f"sandbox:{NUMBER}".encode()).hexdigest()[:16]
        other = hashlib.sha256(b"sandbox:4242424242424242").hexdigest()[:16]
        await CustomerTable.insert(
            CustomerTable(id="c1", email="ada@example.test", name="Ada", currency="USD")
        )
        for ref, customer, fingerprint in (
            ("tok_1", None, legacy),
            ("pm_1", "cus_1", legacy),
            ("pm_2", "cus_1", other),
        ):
            await SandboxCardTable.insert(
                SandboxCardTable(
                    ref=ref, customer_ref=customer, behaviour="success", brand="visa",
                    last4=NUMBER[-4:], exp_month=12, exp_year=2030, fingerprint=fingerprint,
                )
            )  # fmt: skip
        for method_id, gateway, fingerprint in (
            ("m1", "sandbox", legacy),
            ("m2", "stripe", "a1b2c3d4e5f60718"),  # Stripe's own: not ours to touch
        ):
            await PaymentMethodTable.insert(
                PaymentMethodTable(
                    id=method_id, customer="c1", gateway=gateway, gateway_customer="cus_1",
                    method_ref="pm_1", brand="visa", last4="1111", exp_month=12,
                    exp_year=2030, fingerprint=fingerprint,
                )
            )  # fmt: skip

        await apply_migrations(old.engine, quiet=True)

        cards = {
            r["ref"]: r["fingerprint"]
            for r in await SandboxCardTable.select(
                SandboxCardTable.ref, SandboxCardTable.fingerprint
            )
        }
        methods = {
            r["id"]: r["fingerprint"]
            for r in await PaymentMethodTable.select(
                PaymentMethodTable.id, PaymentMethodTable.fingerprint
            )
        }
        assert legacy not in cards.values() and other not in cards.values()
        assert cards["tok_1"] == cards["pm_1"] == methods["m1"]  # the same card still matches
        assert cards["pm_2"] != cards["pm_1"]
        assert methods["m2"] == "a1b2c3d4e5f60718"
    finally:
        await old.drop()
        conf.DB = database.engine
        bind_tables(database.engine)
