"""Helpers for batch work over the whole caseload (the SEN2 return, exports)."""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def no_cycle_collection() -> Iterator[None]:
    """Python's cycle collector paused while a batch makes millions of objects that all live
    until it ends: each collection would walk every one of them again (over a third of the
    SEN2 return's time at 50,000 children), and they hold no cycles to collect. Memory
    is still freed as usual when the last reference goes; the collector runs again after.
    Process-wide: a window thread's cycles simply wait the few seconds until then."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()
