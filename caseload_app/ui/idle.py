"""The idle lock: after some minutes without a key press or a mouse movement the window
hides every child's details until the person signs in again (their password on a team
database; on a laptop, where the computer's own lock guards the session, a button)."""

from __future__ import annotations

import time
from collections.abc import Callable

from PySide6.QtCore import QEvent, QObject, QTimer
from PySide6.QtGui import QWindow

INPUT = {
    QEvent.Type.KeyPress,
    QEvent.Type.MouseButtonPress,
    QEvent.Type.MouseMove,
    QEvent.Type.Wheel,
    QEvent.Type.TouchBegin,
}


class IdleWatch(QObject):
    """Calls `on_idle` once input has stopped for `minutes` (0: never)."""

    def __init__(
        self,
        minutes: int,
        on_idle: Callable[[], None],
        clock: Callable[[], float] = time.monotonic,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self.minutes, self._on_idle, self._clock = minutes, on_idle, clock
        self.last_input = clock()
        self.timer = QTimer(self)
        self.timer.setInterval(15_000)
        self.timer.timeout.connect(self.check)
        self.timer.start()

    def watch(self, window: QWindow | None) -> None:
        """Watch a top-level window's input. The filter sits on windows, where input arrives
        first, not on the application: there it would run Python for every event of every
        widget, a fifth of the time it takes to open a case."""
        if window is not None:
            window.installEventFilter(self)  # installing twice keeps one

    def eventFilter(self, watched, event) -> bool:  # noqa: N802 (Qt's name)
        if event.type() in INPUT:
            self.reset()
        return False

    def reset(self) -> None:
        """Start the idle count again (after unlocking)."""
        self.last_input = self._clock()

    def check(self) -> None:
        if self.minutes and self._clock() - self.last_input >= self.minutes * 60:
            self.reset()  # once per idle spell
            self._on_idle()
