"""The board's chart, drawn with QPainter now that QtCharts is deprecated."""

import math

import pytest
from hypothesis import given
from hypothesis import strategies as st
from PySide6.QtCore import QPoint, QPointF, Qt
from PySide6.QtGui import QColor, QMouseEvent
from PySide6.QtWidgets import QToolTip

from caseload_app.ui.widgets.bar_chart import AWAY, BAR, BarChart, nice_ticks

pytestmark = pytest.mark.gui


@given(st.floats(min_value=0.001, max_value=1e7, allow_nan=False))
def test_ticks_are_round_and_cover_the_top(top):
    ticks = nice_ticks(top)
    step = ticks[1] - ticks[0]
    mantissa = step / 10 ** math.floor(math.log10(step))
    assert round(mantissa, 6) in (1, 2, 2.5, 5, 10)
    assert ticks[0] == 0
    assert ticks[-1] >= top - 1e-9
    assert ticks[-2] < top
    assert len(ticks) <= 8


def test_no_data_still_has_an_axis():
    assert nice_ticks(0) == [0.0, 1.0]
    assert nice_ticks(float("nan")) == [0.0, 1.0]
    assert nice_ticks(139.4 * 4) == [0, 100, 200, 300, 400, 500, 600]


def test_bars_are_drawn_to_scale_and_greyed_when_away(qtbot):
    chart = BarChart()
    qtbot.addWidget(chart)
    chart.resize(600, 300)
    chart.set_bars("Load", [("Asha", 100.0, False), ("Ben", 50.0, True)], 75.0, "average 75")
    chart.show()
    tall, short = chart.bar_rects()
    assert tall.height() == pytest.approx(2 * short.height(), rel=0.01)
    image = chart.grab().toImage()
    assert QColor(image.pixel(tall.center().toPoint())) == BAR
    assert QColor(image.pixel(short.center().toPoint())) == AWAY
    assert chart.accessibleDescription() == "Load. Asha: 100; Ben: 50"


def test_hovering_a_bar_tells_its_exact_value(qtbot, monkeypatch):
    chart = BarChart()
    qtbot.addWidget(chart)
    chart.resize(600, 300)
    chart.set_bars("Load", [("Asha", 367.25, False)])
    shown = []
    monkeypatch.setattr(QToolTip, "showText", lambda _pos, text, _w: shown.append(text))
    centre = chart.bar_rects()[0].center()
    event = QMouseEvent(
        QMouseEvent.Type.MouseMove,
        QPointF(centre),
        QPointF(chart.mapToGlobal(QPoint(int(centre.x()), int(centre.y())))),
        Qt.MouseButton.NoButton,
        Qt.MouseButton.NoButton,
        Qt.KeyboardModifier.NoModifier,
    )
    chart.mouseMoveEvent(event)
    assert shown == ["Asha: 367.25"]
