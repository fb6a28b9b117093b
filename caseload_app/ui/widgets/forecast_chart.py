"""The 20-week forecast drawn with QPainter: for each week a bar of the plans expected, its
lower part (darker) the plans expected within 20 weeks, and a whisker over the range; with a
what-if, its bar (orange) beside the baseline's. Also used small, without a title, on the
workload board."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from PySide6.QtCore import QPointF, QRectF, QSize, Qt
from PySide6.QtGui import QColor, QFontMetrics, QPainter, QPaintEvent, QPalette, QPen
from PySide6.QtWidgets import QSizePolicy, QToolTip, QWidget

from caseload_app.ui.widgets.bar_chart import nice_ticks, tick_text

BASE = (QColor(160, 190, 225), QColor(50, 100, 165))  # (all plans, within 20 weeks)
WHAT_IF = (QColor(245, 195, 140), QColor(205, 110, 30))


@dataclass(frozen=True)
class Bar:
    expected: float
    low: float
    high: float
    within: float  # of which within 20 weeks


@dataclass(frozen=True)
class WeekBars:
    label: str
    base: Bar
    what_if: Bar | None = None

    def bars(self, second: str = "what-if") -> list[tuple[Bar, tuple[QColor, QColor], str]]:
        out = [(self.base, BASE, "forecast")]
        if self.what_if is not None:
            out.append((self.what_if, WHAT_IF, second))
        return out


def describe(bar: Bar) -> str:
    return (
        f"{bar.expected:.1f} plans (range {bar.low:g}–{bar.high:g}), "
        f"{bar.within:.1f} within 20 weeks"
    )


class ForecastChart(QWidget):
    """``set_weeks(title, [WeekBars], second)``: ``second`` names the second bar of a week
    (the what-if, or what actually happened); ``compact`` leaves out the title and key."""

    def __init__(self, compact: bool = False, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.compact = compact
        self.title = ""
        self.weeks: list[WeekBars] = []
        self.second = "what-if"
        self.ticks = [0.0, 1.0]
        self.setMouseTracking(True)
        self.setMinimumHeight(90 if compact else 220)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)

    def sizeHint(self) -> QSize:
        return QSize(600, 110 if self.compact else 260)

    def set_weeks(self, title: str, weeks: Sequence[WeekBars], second: str = "what-if") -> None:
        self.title, self.weeks, self.second = title, list(weeks), second
        top = max([b.high for w in self.weeks for b, _c, _n in w.bars(self.second)] + [0.0])
        top = max(
            top, max([b.expected for w in self.weeks for b, _c, _n in w.bars(self.second)] + [0.0])
        )
        self.ticks = nice_ticks(top * 1.05 if top else 1.0, most=3 if self.compact else 6)
        described = "; ".join(
            f"{w.label}: "
            + ", ".join(f"{name} {describe(b)}" for b, _c, name in w.bars(self.second))
            for w in self.weeks
        )
        self.setAccessibleDescription(f"{title}. {described}")
        self.update()

    # ------------------------------------------------------------------ geometry
    def _plot(self) -> QRectF:
        metrics = QFontMetrics(self.font())
        left = max(metrics.horizontalAdvance(tick_text(t)) for t in self.ticks) + 10
        top = metrics.height() * (0.6 if self.compact else 2.8)
        bottom = metrics.height() * 1.6
        return QRectF(
            left, top, max(self.width() - left - 10, 10), max(self.height() - top - bottom, 10)
        )

    def _y(self, plot: QRectF, value: float) -> float:
        return plot.bottom() - plot.height() * min(value, self.ticks[-1]) / self.ticks[-1]

    def slot(self, plot: QRectF) -> float:
        return plot.width() / max(len(self.weeks), 1)

    def bar_rects(self) -> list[list[QRectF]]:
        """Per week, the rectangle of each bar (the baseline's, then the what-if's)."""
        plot = self._plot()
        slot = self.slot(plot)
        out = []
        for i, week in enumerate(self.weeks):
            bars = week.bars(self.second)
            width = min(slot * 0.7 / len(bars), 40.0)
            start = plot.left() + slot * i + (slot - width * len(bars)) / 2
            rects = []
            for n, (bar, _colours, _name) in enumerate(bars):
                y = self._y(plot, bar.expected)
                rects.append(QRectF(start + n * width, y, width, plot.bottom() - y))
            out.append(rects)
        return out

    # ------------------------------------------------------------------ painting
    def paintEvent(self, _event: QPaintEvent) -> None:
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        text = self.palette().color(QPalette.ColorRole.WindowText)
        plot = self._plot()
        metrics = QFontMetrics(self.font())
        if not self.compact:
            self._paint_title(painter, text, plot, metrics)
        self._paint_grid(painter, text, plot, metrics)
        slot = self.slot(plot)
        for i, (week, rects) in enumerate(zip(self.weeks, self.bar_rects(), strict=True)):
            for rect, (bar, (light, dark), _name) in zip(
                rects, week.bars(self.second), strict=True
            ):
                painter.fillRect(rect, light)
                inside = self._y(plot, bar.within)
                painter.fillRect(
                    QRectF(rect.left(), inside, rect.width(), plot.bottom() - inside), dark
                )
                self._paint_whisker(painter, text, plot, rect, bar)
            painter.setPen(text)
            under = QRectF(plot.left() + slot * i, plot.bottom() + 3, slot, metrics.height() * 1.4)
            shown = metrics.elidedText(week.label, Qt.TextElideMode.ElideRight, int(slot) - 2)
            painter.drawText(
                under, Qt.AlignmentFlag.AlignHCenter | Qt.AlignmentFlag.AlignTop, shown
            )
        painter.end()

    def _paint_title(self, painter: QPainter, text: QColor, plot: QRectF, metrics) -> None:
        bold = self.font()
        bold.setBold(True)
        painter.setFont(bold)
        painter.setPen(text)
        line = metrics.height() * 1.3
        painter.drawText(QRectF(0, 0, self.width(), line), Qt.AlignmentFlag.AlignCenter, self.title)
        painter.setFont(self.font())
        keys = [("plans expected", BASE[0]), ("of which within 20 weeks", BASE[1])]
        if any(w.what_if is not None for w in self.weeks):
            keys += [(self.second, WHAT_IF[0]), (f"{self.second}, within 20 weeks", WHAT_IF[1])]
        x = plot.left()
        for label, colour in keys:
            painter.fillRect(QRectF(x, line + 3, 12, 12), colour)
            painter.drawText(QPointF(x + 16, line + 3 + metrics.ascent() - 1), label)
            x += 30 + metrics.horizontalAdvance(label)
        painter.drawText(QPointF(x, line + 3 + metrics.ascent() - 1), "│ the range (4 in 5)")

    def _paint_grid(self, painter: QPainter, text: QColor, plot: QRectF, metrics) -> None:
        grid = QColor(text)
        grid.setAlpha(40)
        for tick in self.ticks:
            y = self._y(plot, tick)
            painter.setPen(QPen(grid, 1))
            painter.drawLine(QPointF(plot.left(), y), QPointF(plot.right(), y))
            painter.setPen(text)
            beside = QRectF(0, y - metrics.height() / 2, plot.left() - 5, metrics.height())
            painter.drawText(
                beside, Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter, tick_text(tick)
            )

    def _paint_whisker(
        self, painter: QPainter, text: QColor, plot: QRectF, rect: QRectF, bar: Bar
    ) -> None:
        if bar.low == bar.high == bar.expected:
            return  # a count, not a forecast (what happened): no range to draw
        x = rect.center().x()
        low, high = self._y(plot, bar.low), self._y(plot, bar.high)
        cap = rect.width() / 4
        painter.setPen(QPen(text, 1.2))
        painter.drawLine(QPointF(x, low), QPointF(x, high))
        painter.drawLine(QPointF(x - cap, high), QPointF(x + cap, high))
        painter.drawLine(QPointF(x - cap, low), QPointF(x + cap, low))

    def mouseMoveEvent(self, event) -> None:
        """The week's exact figures under the pointer."""
        plot = self._plot()
        slot = self.slot(plot)
        column = int((event.position().x() - plot.left()) // slot) if slot else -1
        if 0 <= column < len(self.weeks) and plot.top() <= event.position().y():
            week = self.weeks[column]
            lines = [f"Week from {week.label}"]
            lines += [f"{name}: {describe(b)}" for b, _c, name in week.bars(self.second)]
            QToolTip.showText(event.globalPosition().toPoint(), "\n".join(lines), self)
            return
        QToolTip.hideText()
