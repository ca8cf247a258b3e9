"""The server process's garbage collector, tuned for request latency.

After start-up the process holds about 185,000 objects the collector tracks (the app, its routes,
templates, Babel's locale data, the ORM's tables), nearly all of them alive until the process
ends. Python's cyclic collector walks the older generations again and again: a second-generation
collection walked them all and stopped the event loop for milliseconds (tens under load), which
is where an API read's p99 went (docs/benchmarks.md, "Entitlements"). ``gc.freeze()`` after
start-up moves them into the permanent generation, which no collection walks; what requests
allocate is still collected as before. Instagram's recipe for forked web servers
(docs.python.org: ``gc.freeze``).
"""

from __future__ import annotations

import gc


def freeze_startup_heap() -> None:
    """Collect what start-up left behind, then exempt the survivors from later collections.
    Once per server process, after the app has started (the production server only: a test
    process builds many apps and must be able to collect them)."""
    gc.collect()
    gc.freeze()
