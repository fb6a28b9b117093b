"""Run a service call off the UI thread and hand its result back on the UI thread."""

from __future__ import annotations

import traceback
from collections.abc import Callable

from PySide6.QtCore import QObject, QRunnable, QThreadPool, Signal


class _Signals(QObject):
    done = Signal(object)
    failed = Signal(object, str)


class _Job(QRunnable):
    def __init__(self, fn: Callable[[], object]) -> None:
        super().__init__()
        self.fn = fn
        self.signals = _Signals()

    def run(self) -> None:
        try:
            result = self.fn()
        except Exception as exc:  # handed to the UI thread, which decides how to show it
            self.signals.failed.emit(exc, traceback.format_exc())
        else:
            self.signals.done.emit(result)


def run_in_background(
    fn: Callable[[], object],
    on_done: Callable[[object], None],
    on_failed: Callable[[Exception, str], None],
    pool: QThreadPool | None = None,
) -> _Job:
    job = _Job(fn)
    job.setAutoDelete(False)  # the caller keeps it (and its signals) alive until it reports
    job.signals.done.connect(on_done)
    job.signals.failed.connect(on_failed)
    (pool or QThreadPool.globalInstance()).start(job)
    return job
