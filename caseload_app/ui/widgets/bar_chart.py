"""A plain bar chart drawn with QPainter: one bar per label, round ticks, an optional dashed
reference line (the team's average). It replaces QtCharts, deprecated since Qt 6.10, whose
successor (QtGraphs) needs Qt Quick, which the bundle leaves out."""

from __future__ import annotations

import math
from collections.abc import Sequence

from PySide6.QtCore import QPointF, QRectF, QSize, Qt
from PySide6.QtGui import QColor, QFontMetrics, QPainter, QPaintEvent, QPalette, QPen
from PySide6.QtWidgets import QSizePolicy, QToolTip, QWidget

BAR = QColor(70, 120, 180)
AWAY = QColor(170, 170, 170)


def nice_ticks(top: float, most: int = 6) -> list[float]:
    """Round tick values from 0 to at least ``top``: steps of 1, 2, 2.5 or 5 times a power of
    ten, no more than ``most`` + 1 ticks (0, 50, 100… rather than 0, 139.4, 278.9…)."""
    if not math.isfinite(top) or top <= 0:
        return [0.0, 1.0]
    rough = top / max(most, 1)
    power = 10 ** math.floor(math.log10(rough))
    step = next(m * power for m in (1, 2, 2.5, 5, 10) if m * power >= rough)
    count = math.ceil(top / step - 1e-9)
    return [round(i * step, 10) for i in range(count + 1)]


def tick_text(value: float) -> str:
    return f"{value:,.0f}" if float(value).is_integer() else f"{value:,.1f}"


class BarChart(QWidget):
    """``set_bars(title, [(label, value, dimmed)], reference)``: bars, labels under them, the
    value on hover, and a dashed line at ``reference`` when given."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.title = ""
        self.bars: list[tuple[str, float, bool]] = []
        self.reference: float | None = None
        self.reference_label = ""
        self.ticks = [0.0, 1.0]
        self.setMouseTracking(True)
        self.setMinimumHeight(200)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)

    def sizeHint(self) -> QSize:
        return QSize(600, 240)

    def set_bars(
        self,
        title: str,
        bars: Sequence[tuple[str, float, bool]],
        reference: float | None = None,
        reference_label: str = "",
    ) -> None:
        self.title, self.bars = title, list(bars)
        self.reference, self.reference_label = reference, reference_label
        top = max([v for _l, v, _d in self.bars] + [reference or 0.0, 0.0])
        self.ticks = nice_ticks(top * 1.05 if top else 1.0)
        described = "; ".join(f"{label}: {tick_text(value)}" for label, value, _d in self.bars)
        self.setAccessibleDescription(f"{title}. {described}")
        self.update()

    # ------------------------------------------------------------------ geometry
    def _plot(self) -> QRectF:
        metrics = QFontMetrics(self.font())
        left = max(metrics.horizontalAdvance(tick_text(t)) for t in self.ticks) + 12
        top = metrics.height() * 1.6
        bottom = metrics.height() * 1.8
        return QRectF(
            left, top, max(self.width() - left - 12, 10), max(self.height() - top - bottom, 10)
        )

    def _y(self, plot: QRectF, value: float) -> float:
        return plot.bottom() - plot.height() * value / self.ticks[-1]

    def bar_rects(self) -> list[QRectF]:
        plot = self._plot()
        if not self.bars:
            return []
        slot = plot.width() / len(self.bars)
        width = min(slot * 0.6, 80.0)
        return [
            QRectF(
                plot.left() + slot * i + (slot - width) / 2,
                self._y(plot, value),
                width,
                plot.bottom() - self._y(plot, value),
            )
            for i, (_label, value, _dimmed) in enumerate(self.bars)
        ]

    # ------------------------------------------------------------------ painting
    def paintEvent(self, _event: QPaintEvent) -> None:
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        text = self.palette().color(QPalette.ColorRole.WindowText)
        grid = QColor(text)
        grid.setAlpha(40)
        plot = self._plot()
        metrics = QFontMetrics(self.font())
        bold = self.font()
        bold.setBold(True)
        painter.setFont(bold)
        painter.setPen(text)
        painter.drawText(
            QRectF(0, 0, self.width(), plot.top()), Qt.AlignmentFlag.AlignCenter, self.title
        )
        painter.setFont(self.font())
        for tick in self.ticks:
            y = self._y(plot, tick)
            painter.setPen(QPen(grid, 1))
            painter.drawLine(QPointF(plot.left(), y), QPointF(plot.right(), y))
            painter.setPen(text)
            beside = QRectF(0, y - metrics.height() / 2, plot.left() - 6, metrics.height())
            painter.drawText(
                beside, Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter, tick_text(tick)
            )
        slot = plot.width() / max(len(self.bars), 1)
        for i, (rect, (label, _value, dimmed)) in enumerate(
            zip(self.bar_rects(), self.bars, strict=True)
        ):
            painter.fillRect(rect, AWAY if dimmed else BAR)
            painter.setPen(text)
            under = QRectF(plot.left() + slot * i, plot.bottom() + 4, slot, metrics.height() * 1.5)
            shown = metrics.elidedText(label, Qt.TextElideMode.ElideRight, int(slot) - 4)
            painter.drawText(
                under, Qt.AlignmentFlag.AlignHCenter | Qt.AlignmentFlag.AlignTop, shown
            )
        if self.reference is not None and self.ticks[-1] > 0:
            y = self._y(plot, self.reference)
            painter.setPen(QPen(text, 1, Qt.PenStyle.DashLine))
            painter.drawLine(QPointF(plot.left(), y), QPointF(plot.right(), y))
            if self.reference_label:
                painter.drawText(
                    QRectF(
                        plot.left() + 4,
                        y - metrics.height() - 2,
                        plot.width() - 8,
                        metrics.height(),
                    ),
                    Qt.AlignmentFlag.AlignRight,
                    self.reference_label,
                )
        painter.end()

    def mouseMoveEvent(self, event) -> None:
        """The exact value of the bar under the pointer."""
        for rect, (label, value, dimmed) in zip(self.bar_rects(), self.bars, strict=True):
            column = QRectF(rect.left(), self._plot().top(), rect.width(), self._plot().height())
            if column.contains(event.position()):
                away = " (away today)" if dimmed else ""
                QToolTip.showText(
                    event.globalPosition().toPoint(), f"{label}{away}: {value:,.2f}", self
                )
                return
        QToolTip.hideText()
