"""A test clock: a frozen instant staff move forward; its customers are billed on it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime


@dataclass(frozen=True, slots=True)
class TestClock:
    __test__ = False  # not a pytest test class

    id: str
    name: str
    frozen_at: datetime
    created_at: datetime
