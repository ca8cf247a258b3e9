"""The whole unit of work: every context's unit composed, for the adapters and the web layer.

Nothing in a domain context imports this module: each use case takes its own context's narrow
unit (``domain/<context>/ports.py``), and this protocol satisfies all of them. Jobs enqueued
through ``uow.jobs`` are written inside the same transaction, so a job exists exactly when the
business change it follows was committed (a transactional outbox).
"""

from __future__ import annotations

from typing import Protocol, runtime_checkable

from domain.analytics.ports import AnalyticsUnit, CohortsUnit
from domain.analytics_reports.ports import SummaryUnit
from domain.apikeys.ports import ApiReadsUnit
from domain.checkout.ports import CheckoutUnit
from domain.integrations.ports import IntegrationsUnit
from domain.notices.ports import NoticesUnit
from domain.operations.ports import OperationsUnit
from domain.staff.ports import StaffUnit
from domain.support.ports import SupportUnit
from domain.testclocks.ports import TestClocksUnit
from domain.webhooks_out.ports import WebhooksUnit


@runtime_checkable
class UnitOfWork(
    WebhooksUnit,
    IntegrationsUnit,
    CheckoutUnit,
    TestClocksUnit,
    NoticesUnit,
    SupportUnit,
    OperationsUnit,
    CohortsUnit,
    SummaryUnit,
    StaffUnit,
    AnalyticsUnit,
    ApiReadsUnit,
    Protocol,
):
    """``async with uow:`` opens a transaction; ``commit()`` makes it durable, leaving rolls back."""
