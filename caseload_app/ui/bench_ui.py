"""The window's half of the benchmark: what caseload_app.bench_window does with the real
window, which it starts the way `caseload --db FILE` does, in a process of its own.

Once the window shows my week it prints READY, and SEARCHABLE when the case list has loaded
(the parent times process start to each line). It lets the window run two seconds more,
noting the longest freeze of its event loop all that time, then types searches into the
search box, opens a case in a tab, saves a change to it, prints one JSON line of timings
and memory, and quits.
"""

from __future__ import annotations

import json
import os
import sys
import time
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QEvent, QEventLoop, Qt, QTimer
from PySide6.QtWidgets import QApplication, QMessageBox

if TYPE_CHECKING:  # imported by run_gui, after it has started the start-up check
    from caseload_app.ui.main_window import MainWindow

READY = "READY"
SEARCHABLE = "SEARCHABLE"  # the case list loaded: search works
WRITABLE = "WRITABLE"  # the contact log checked beside the window: a contact saves
SETTLE_MS = 2000  # after the list loads, background work (the file check) runs this long


class StallWatch:
    """The longest the event loop went without turning: a timer asks to run every few
    milliseconds, and any longer gap between its runs is the window frozen."""

    TICK_MS = 5

    def __init__(self) -> None:
        self.longest = 0.0
        self._last = time.perf_counter()
        self._timer = QTimer()
        self._timer.setInterval(self.TICK_MS)
        self._timer.timeout.connect(self._tick)

    def _tick(self) -> None:
        now = time.perf_counter()
        self.longest = max(self.longest, now - self._last)
        self._last = now

    def start(self) -> None:
        self._last = time.perf_counter()
        self._timer.start()

    def stop(self) -> float:
        """The longest gap in ms (at least the timer's interval: a window never frozen)."""
        self._timer.stop()
        return round(self.longest * 1000, 1)


def settle(ms: int) -> None:
    """Let the event loop run for `ms`, as it does while a person reads the screen."""
    loop = QEventLoop()
    QTimer.singleShot(ms, loop.quit)
    loop.exec()


def _timed_ms(call) -> float:
    start = time.perf_counter()
    call()
    QApplication.processEvents()  # the view's update and repaint are part of the wait
    return (time.perf_counter() - start) * 1000


def _linux_memory_mb(field: str) -> float | None:
    """A memory figure of this process from Linux's /proc (VmHWM: its peak, VmRSS: now);
    None where there is no such file."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith(f"{field}:"):
                return round(int(line.split()[1]) / 1024, 1)
    except OSError:
        pass
    return None


def peak_memory_mb() -> float | None:
    """This process's peak resident memory, where the platform reports it."""
    peak_mb = _linux_memory_mb("VmHWM")  # the high-water mark of this program alone
    if peak_mb is not None:
        return peak_mb
    try:
        import resource
    except ImportError:  # Windows: not measured
        return None
    # Elsewhere ru_maxrss, which on some systems also counts the parent's memory at fork.
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return round(peak / (1024 * 1024 if sys.platform == "darwin" else 1024), 1)


def memory_now_mb() -> float | None:
    """This process's resident memory now (Linux; None elsewhere)."""
    return _linux_memory_mb("VmRSS")


def _type(window: MainWindow, text: str) -> tuple[float, float]:
    """The search box holds `text`: from the keystroke until the list shows what it finds
    (a search's first page, or its whole list), painted; and until its whole list and its
    count are in, painted."""
    start = time.perf_counter()
    window.search.setText(text)
    window.model.wait_answered()  # the database's answer, read off the window's thread
    _painted(window)
    first = (time.perf_counter() - start) * 1000
    window.wait_loaded()
    _painted(window)
    return first, (time.perf_counter() - start) * 1000


def _painted(window: MainWindow) -> None:
    """The list laid out and painted now, its rows on screen read: the view lays itself
    out on a timer of its own, which one turn of the event loop may leave for the next."""
    QApplication.processEvents()
    window.table.doItemsLayout()
    window.table.viewport().repaint()


def keystrokes(window: MainWindow, words: list[str]) -> tuple[list[float], list[float]]:
    """Type each word one letter at a time (up to four), then clear the box: each from the
    keystroke to the list showing what it finds, and to its whole list in."""
    window.sidebar.setCurrentRow(2)  # all cases
    window.wait_loaded()
    QApplication.processEvents()
    shown, whole = [], []
    for word in words:
        for n in range(1, min(4, len(word)) + 1):
            first, last = _type(window, word[:n])
            shown.append(first)
            whole.append(last)
        window.search.clear()
        window.wait_loaded()
        QApplication.processEvents()
    return shown, whole


def open_case(window: MainWindow, case_id: int, runs: int) -> list[float]:
    """Open the case in a tab and close it again, `runs` times."""
    samples = []
    for _ in range(runs):
        samples.append(_timed_ms(lambda: window.open_case(case_id)))
        window.close_tab(window.tabs.currentIndex())
        # Delete the closed tab now, as the event loop does between a person's clicks.
        QApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)
        QApplication.processEvents()
    return samples


def save_case(window: MainWindow, case_id: int, runs: int, *, moving: bool = False) -> list[float]:
    """Save a change to the child's school in the open case, `runs` times (an even number
    of saves puts the school back): from the save to the case tab, the case list, my week
    and the sidebar's counts all up to date. The list is sorted by due date, where a new
    school moves nothing; `moving`: by school, where it may move the case, and the list's
    order is read again."""
    view = window.open_case(case_id, "overview")
    window.show_list(2)  # all cases: the longest list to put right
    if moving:
        window.table.sortByColumn(window.model.column_of("Setting"), Qt.SortOrder.AscendingOrder)
    window.wait_loaded()
    QApplication.processEvents()
    first = view.detail.child.setting
    samples = []
    for n in range(runs + runs % 2):
        child = view.detail.child
        setting = "Bench Academy" if n % 2 == 0 else first

        def save(child=child, setting=setting) -> None:
            view.act(
                "Save",
                lambda: view.work.update_child(child.id, child.version, {"setting": setting}),
            )
            window.wait_loaded()  # a reload of everything, if the window starts one

        samples.append(_timed_ms(save))
    window.close_tab(window.tabs.indexOf(view))
    if moving:  # back to the list's own order
        window.table.sortByColumn(window.model.column_of("Due"), Qt.SortOrder.AscendingOrder)
        window.wait_loaded()
    return samples


def watch_writable(window: MainWindow, out) -> QTimer:
    """Print WRITABLE as soon as a contact can be saved: at once when nothing is held, else
    when the check beside the window has passed the contact log."""
    timer = QTimer()

    def look() -> None:
        hold = getattr(window.ctx.db, "hold", None)
        if hold is None or not hold.holds("communication"):
            timer.stop()
            print(WRITABLE, flush=True, file=out)

    timer.timeout.connect(look)
    timer.start(10)
    return timer


def drive(window: MainWindow, case_id: int, words: list[str], runs: int, out=sys.stdout) -> dict:
    QApplication.processEvents()  # my week painted
    print(READY, flush=True, file=out)
    writable = watch_writable(window, out)  # noqa: F841 (kept running while it drives)
    stalls = StallWatch()  # from my week shown, through the list's load and what follows it
    stalls.start()
    window.wait_loaded()  # the case list, still loading in the background
    print(SEARCHABLE, flush=True, file=out)
    settle(SETTLE_MS)
    longest_stall = stalls.stop()
    found, whole = keystrokes(window, words)
    result = {
        "cases_shown": window.model.total,
        "my_week_items": window.week_model.rowCount(),
        "longest_stall_ms": longest_stall,
        "keystrokes_ms": found,
        "keystrokes_whole_ms": whole,
        "open_case_ms": open_case(window, case_id, runs),
        "save_ms": save_case(window, case_id, runs),
        "save_moving_ms": save_case(window, case_id, runs, moving=True),
        "memory_after_save_mb": memory_now_mb(),
        "peak_memory_mb": peak_memory_mb(),
    }
    print(json.dumps(result), flush=True, file=out)
    return result


def fail_on_dialogs(app: QApplication) -> QTimer:
    """Nobody is there to answer a dialog: say what it asked, and stop."""

    def check() -> None:
        dialog = app.activeModalWidget()
        if dialog is not None:
            text = dialog.text() if isinstance(dialog, QMessageBox) else dialog.windowTitle()
            print(f"The app asked a question: {text}", file=sys.stderr, flush=True)
            os._exit(3)

    timer = QTimer()
    timer.timeout.connect(check)
    timer.start(100)
    return timer
