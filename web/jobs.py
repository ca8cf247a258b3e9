"""Every job the app knows, gathered from the contexts' job modules (explicit, no discovery)."""

from __future__ import annotations

from domain.jobs import housekeeping
from domain.jobs.registry import JobRegistry

JOB_MODULE_REGISTRIES: tuple[JobRegistry, ...] = (housekeeping.registry,)


def build_registry(*extra: JobRegistry) -> JobRegistry:
    registry = JobRegistry()
    for module_registry in (*JOB_MODULE_REGISTRIES, *extra):
        registry.merge(module_registry)
    return registry
