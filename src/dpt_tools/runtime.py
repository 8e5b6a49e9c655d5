"""Process-wide runtime settings the ``dpt`` command applies once at start (never the library by itself)."""

from __future__ import annotations

import os

import pyarrow as pa


def use_fast_allocator() -> str:
    """Make pyarrow allocate with jemalloc (else the system allocator) unless ARROW_DEFAULT_MEMORY_POOL says
    otherwise; returns the backend in use.

    Why: pyarrow's default mimalloc hands freed pages back to the system at once, and a diff allocates and frees
    hundreds of MB of columns; at 1,000,000 rows that costs about 1 s of page faults (system time), a quarter of the
    run (``dpt validate`` gains about 0.7 s at 1M rows too). The setting is process-wide, so the library never calls
    this itself: the ``dpt`` command does, once, at start.
    """
    if os.environ.get("ARROW_DEFAULT_MEMORY_POOL"):
        return pa.default_memory_pool().backend_name
    for make in (pa.jemalloc_memory_pool, pa.system_memory_pool):
        try:
            pool = make()
        except (NotImplementedError, pa.ArrowNotImplementedError):
            continue
        pa.set_memory_pool(pool)
        return pool.backend_name
    return pa.default_memory_pool().backend_name  # pragma: no cover - the system pool always exists
