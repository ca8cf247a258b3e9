"""Subscribers for tests: an account (optionally with a billing customer) and a signed-in client."""

from __future__ import annotations

import httpx

from domain.accounts.model import Account
from domain.accounts.sign_up import attach_customer_in, register_in
from domain.adapters.passwords_argon2 import Argon2PasswordHasher
from domain.shared.clock import Clock
from domain.unit_of_work import UnitOfWork
from tests.support.html import csrf_token

PASSWORD = "correct horse battery staple"
CHEAP_HASHER = Argon2PasswordHasher(time_cost=1, memory_cost=1024)  # what APP_ENV=test uses


async def make_account(
    uow: UnitOfWork,
    clock: Clock,
    *,
    email: str = "sam@example.com",
    name: str = "Sam Subscriber",
    password: str | None = PASSWORD,
    customer_id: str | None = None,
) -> Account:
    async with uow:
        account = await register_in(
            uow, email=email, password=password, name=name, clock=clock, hasher=CHEAP_HASHER
        )
        if customer_id is not None:
            account = await attach_customer_in(uow, account.id, customer_id)
        await uow.commit()
    return account


async def sign_in(
    client: httpx.AsyncClient, email: str = "sam@example.com", password: str = PASSWORD
) -> httpx.Response:
    """Sign in through the real form (CSRF and all); returns the response (303 on success)."""
    page = await client.get("/auth/login")
    response = await client.post(
        "/auth/login",
        data={
            "email": email,
            "password": password,
            "_csrf_token": csrf_token(page.text),
            "next": "/account",
        },
    )
    return response
