"""What the tax rate use cases need: the rates and the audit log, in one transaction."""

from __future__ import annotations

from typing import Protocol

from domain.audit.ports import AuditUnit
from domain.subscriptions.ports import TaxRateRepository


class TaxRatesUnit(AuditUnit, Protocol):
    @property
    def tax_rates(self) -> TaxRateRepository: ...
