"""What the composition root builds once per app and shares: engine, clock, job machinery."""

from __future__ import annotations

from dataclasses import dataclass

from piccolo.engine.base import Engine

from domain.accounts.ports import PasswordHasher
from domain.accounts.service import Mailing
from domain.adapters.db.job_store import PiccoloJobStore
from domain.adapters.db.uow import PiccoloUnitOfWork
from domain.jobs.registry import JobRegistry
from domain.jobs.runner import JobRunner
from domain.payments.ports import PaymentGateway
from domain.shared.clock import Clock
from web.settings import Settings


@dataclass
class Runtime:
    settings: Settings
    engine: Engine
    clock: Clock
    registry: JobRegistry
    job_store: PiccoloJobStore
    runner: JobRunner
    gateway: PaymentGateway
    hasher: PasswordHasher
    mailing: Mailing

    def uow(self) -> PiccoloUnitOfWork:
        return PiccoloUnitOfWork(self.engine, clock=self.clock, registry=self.registry)

    def read_uow(self) -> PiccoloUnitOfWork:
        """A unit of work for use cases that only read (no write lock on SQLite)."""
        return PiccoloUnitOfWork(
            self.engine, clock=self.clock, registry=self.registry, read_only=True
        )
