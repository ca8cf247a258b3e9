"""Dependency providers: handlers declare ``uow``, ``clock``, ``settings`` or ``runtime`` parameters."""

from __future__ import annotations

from typing import Any

from litestar.datastructures import State
from litestar.di import NamedDependency, Provide

from domain.shared.clock import Clock
from domain.unit_of_work import UnitOfWork
from web.auth.session import provide_maybe_signed_in, provide_signed_in
from web.runtime import Runtime
from web.settings import Settings


def provide_runtime(state: State) -> Runtime:
    runtime: Runtime = state.runtime
    return runtime


def provide_uow(runtime: NamedDependency[Runtime]) -> UnitOfWork:
    return runtime.uow()


def provide_read_uow(runtime: NamedDependency[Runtime]) -> UnitOfWork:
    return runtime.read_uow()


def provide_clock(runtime: NamedDependency[Runtime]) -> Clock:
    return runtime.clock


def provide_settings(runtime: NamedDependency[Runtime]) -> Settings:
    return runtime.settings


DEPENDENCIES: dict[str, Any] = {
    "runtime": Provide(provide_runtime, sync_to_thread=False),
    "uow": Provide(provide_uow, sync_to_thread=False),
    "read_uow": Provide(provide_read_uow, sync_to_thread=False),  # for handlers that only read
    "clock": Provide(provide_clock, sync_to_thread=False),
    "settings": Provide(provide_settings, sync_to_thread=False),
    # the signed-in subscriber (anonymous: to the sign-in page), or None where sign-in is optional
    "signed_in": Provide(provide_signed_in),
    "maybe_signed_in": Provide(provide_maybe_signed_in),
}
