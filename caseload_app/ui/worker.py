"""Run a service call off the UI thread and hand its result back on the UI thread."""

from __future__ import annotations

import traceback
from collections.abc import Callable
from contextlib import suppress
from typing import Any, TypeVar

from PySide6.QtCore import (
    QCoreApplication,
    QEventLoop,
    QObject,
    QRunnable,
    QThreadPool,
    QTimer,
    Signal,
)


class _Signals(QObject):
    done = Signal(object)
    failed = Signal(object, str)


class Job(QRunnable):
    def __init__(self, fn: Callable[[], object]) -> None:
        super().__init__()
        self.fn = fn
        self.signals = _Signals()

    def run(self) -> None:
        try:
            result = self.fn()
        except Exception as exc:  # handed to the UI thread, which decides how to show it
            self._report(self.signals.failed, exc, traceback.format_exc())
        else:
            self._report(self.signals.done, result)

    @staticmethod
    def _report(signal, *args) -> None:
        # The app quitting deletes every QObject, these signals too, while a job (a listing
        # asked just before the window closed) may still be running: nobody is left to
        # hear the answer, so it is dropped rather than printed to stderr as an error.
        with suppress(RuntimeError):
            signal.emit(*args)


# A count carried by a progress signal: 64 bits, as a backup counts the bytes of a file of
# more than 2 GB (a C++ int wrapped them negative, and left an error set on the worker's
# thread that crashed the app on the first start of the day).
COUNT: Any = "qint64"  # a C++ type named, which the stubs do not allow for
BAR_MOST = 2**31 - 1  # the most a progress bar (a C++ int) can count to


class Progress(QObject):
    """A long job's progress (done, total), emitted on the worker's thread and heard on the
    window's (Qt queues a signal crossing threads to the receiver's)."""

    moved = Signal(COUNT, COUNT)


class StagedProgress(QObject):
    """The same with the stage it is at ("Reading", "Saving"…)."""

    moved = Signal(str, COUNT, COUNT)


def bar_steps(done: int, total: int) -> tuple[int, int]:
    """(done, total) scaled alike to fit a progress bar: bytes of a large file do not."""
    if total <= BAR_MOST:
        return done, total
    return round(done * BAR_MOST / total), BAR_MOST


Result = TypeVar("Result")


def run_in_background(
    fn: Callable[[], Result],
    on_done: Callable[[Result], Any],
    on_failed: Callable[[Exception, str], None],
    pool: QThreadPool | None = None,
) -> Job:
    job = Job(fn)
    job.setAutoDelete(False)  # the caller keeps it (and its signals) alive until it reports
    job.signals.done.connect(on_done)
    job.signals.failed.connect(on_failed)
    (pool or QThreadPool.globalInstance()).start(job)
    return job


def wait_for(signal, timeout_ms: int) -> None:
    """For tests, screenshots and the self-test: block until `signal` (or any of a tuple of
    signals) is emitted, or the time is up. A real event loop, so a loading thread gets the
    GIL meanwhile."""
    if QCoreApplication.instance() is None:  # no loop could run: the wait would spin forever
        raise RuntimeError("Waiting for a signal needs a running Qt application.")
    signals = signal if isinstance(signal, tuple) else (signal,)
    loop = QEventLoop()
    for one in signals:
        one.connect(loop.quit)
    QTimer.singleShot(timeout_ms, loop.quit)
    loop.exec()
    for one in signals:
        one.disconnect(loop.quit)
