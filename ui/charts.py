"""A small bar chart drawn with QPainter (no chart library): histograms and usage summaries.

:func:`render_bar_chart` draws a :class:`~..qgis_glue.plot_model.BarChart` into a QImage and returns the bar
rectangles it drew (one per bar, zero-height bars included); :class:`BarChartWidget` shows it scaled to the
widget. Bars are separated by at least one background pixel, so each is a separate run of the bar colour.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import List, Optional, Tuple

from qgis.PyQt.QtCore import QRectF, QSize, Qt
from qgis.PyQt.QtGui import QColor, QFont, QFontMetrics, QImage, QPainter, QPen
from qgis.PyQt.QtWidgets import QSizePolicy, QWidget

from ..qgis_glue.plot_model import BarChart, format_number
from .widgets import flags

BAR_COLOR = QColor(70, 130, 180)  # steelblue, Vega-Lite's default bar colour
AXIS_COLOR = QColor(60, 60, 60)
GRID_COLOR = QColor(225, 225, 225)
BACKGROUND = QColor(255, 255, 255)
MAX_SLOT = 64.0  # px per bar at most


@dataclass(frozen=True)
class ChartLayout:
    plot_area: QRectF
    bars: List[QRectF]
    y_max: float


def nice_ticks(top: float, count: int = 5, integers: bool = False) -> Tuple[float, List[float]]:
    """A rounded axis maximum >= ``top`` and evenly spaced ticks from 0 to it (whole steps for ``integers``)."""
    if top <= 0 or not math.isfinite(top):
        return 1.0, [0.0, 1.0]
    raw = top / count
    magnitude = 10 ** math.floor(math.log10(raw))
    step = next(m * magnitude for m in (1, 2, 2.5, 5, 10) if m * magnitude >= raw)
    if integers:
        step = max(1.0, float(math.ceil(step)))
    upper = step * math.ceil(top / step)
    return upper, [i * step for i in range(int(round(upper / step)) + 1)]


def render_bar_chart(chart: BarChart, width: int = 640, height: int = 360) -> Tuple[QImage, ChartLayout]:
    """The chart as an ARGB image of ``width`` x ``height`` pixels, and where the bars went."""
    image = QImage(max(width, 120), max(height, 100), QImage.Format.Format_ARGB32)
    image.fill(BACKGROUND)
    painter = QPainter(image)
    try:
        layout = _paint(painter, chart, image.width(), image.height())
    finally:
        painter.end()
    return image, layout


def _paint(painter: QPainter, chart: BarChart, width: int, height: int) -> ChartLayout:
    font = QFont(painter.font())
    font.setPointSizeF(8.5)
    painter.setFont(font)
    metrics = QFontMetrics(font)
    line = metrics.height()
    values = [b.value for b in chart.bars]
    y_max, ticks = nice_ticks(max(values) if values else 0.0, integers=all(float(v).is_integer() for v in values))
    tick_texts = [format_number(int(t) if float(t).is_integer() else t) for t in ticks]
    left = 12 + line + max(metrics.horizontalAdvance(t) for t in tick_texts)
    top = 10 + (line + 4 if chart.title else 0)
    bottom = height - (2 * line + 14)
    right = width - 14
    area = QRectF(left, top, max(right - left, 10), max(bottom - top, 10))

    if chart.title:
        painter.setPen(AXIS_COLOR)
        painter.drawText(QRectF(0, 4, width, line + 2), flags(Qt.AlignmentFlag.AlignHCenter), chart.title)
    # grid and y axis labels
    for tick, text in zip(ticks, tick_texts):
        y = area.bottom() - area.height() * tick / y_max
        painter.setPen(QPen(GRID_COLOR, 1))
        painter.drawLine(int(area.left()), int(round(y)), int(area.right()), int(round(y)))
        painter.setPen(AXIS_COLOR)
        painter.drawText(QRectF(0, y - line / 2, left - 6, line),
                         flags(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter), text)
    bars = _bar_rects(chart, area, y_max)
    painter.setPen(Qt.PenStyle.NoPen)
    painter.setBrush(BAR_COLOR)
    for rect in bars:
        if rect.height() > 0:
            painter.drawRect(rect)
    # axes
    painter.setPen(QPen(AXIS_COLOR, 1))
    painter.drawLine(int(area.left()), int(area.bottom()), int(area.right()), int(area.bottom()))
    painter.drawLine(int(area.left()), int(area.top()), int(area.left()), int(area.bottom()))
    _x_labels(painter, chart, bars, area, metrics)
    # axis titles
    if chart.x_title:
        painter.drawText(QRectF(area.left(), height - line - 4, area.width(), line),
                         flags(Qt.AlignmentFlag.AlignHCenter), chart.x_title)
    if chart.y_title:
        painter.save()
        painter.translate(4, area.center().y())
        painter.rotate(-90)
        painter.drawText(QRectF(-area.height() / 2, 0, area.height(), line), flags(Qt.AlignmentFlag.AlignHCenter),
                         chart.y_title)
        painter.restore()
    return ChartLayout(area, bars, y_max)


def _bar_rects(chart: BarChart, area: QRectF, y_max: float) -> List[QRectF]:
    count = len(chart.bars)
    if not count:
        return []
    slot = min(area.width() / count, MAX_SLOT)
    left = area.left() + (area.width() - slot * count) / 2  # few bars: a centred group of slim bars
    gap = max(1.0, min(4.0, slot * 0.12))
    rects = []
    for index, bar in enumerate(chart.bars):
        x0 = math.floor(left + index * slot + gap / 2) + 1
        x1 = math.floor(left + (index + 1) * slot - gap / 2)
        h = area.height() * max(bar.value, 0.0) / y_max
        top = math.floor(area.bottom() - h)
        rects.append(QRectF(x0, top, max(x1 - x0, 1), area.bottom() - top if h > 0 else 0))
    return rects


def _x_labels(painter: QPainter, chart: BarChart, bars: List[QRectF], area: QRectF, metrics: QFontMetrics) -> None:
    if not bars:
        return
    y = area.bottom() + 3
    if chart.binned:  # ticks at bin edges, thinned to fit
        edges = [(b.left(), chart.bars[i].start) for i, b in enumerate(bars)]
        edges.append((bars[-1].right(), chart.bars[-1].end))
        texts = [format_number(v) for _x, v in edges]
    else:
        edges = [(b.center().x(), None) for b in bars]
        texts = [b.label for b in chart.bars]
    widest = max(metrics.horizontalAdvance(t) for t in texts) + 8
    spacing = (edges[-1][0] - edges[0][0]) / max(len(edges) - 1, 1) if len(edges) > 1 else widest
    every = max(1, math.ceil(widest / max(spacing, 1)))
    for index in range(0, len(edges), every):
        x = edges[index][0]
        painter.drawLine(int(x), int(area.bottom()), int(x), int(area.bottom() + 3))
        painter.drawText(QRectF(x - widest / 2, y + 1, widest, metrics.height()),
                         flags(Qt.AlignmentFlag.AlignHCenter), texts[index])


class BarChartWidget(QWidget):
    """Shows a bar chart, redrawn at the widget's size; :meth:`image` renders it for export."""

    def __init__(self, parent: Optional[QWidget] = None) -> None:
        super().__init__(parent)
        self.chart: Optional[BarChart] = None
        self.setMinimumSize(QSize(240, 160))
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)

    def set_chart(self, chart: Optional[BarChart]) -> None:
        self.chart = chart
        self.update()

    def image(self, width: Optional[int] = None, height: Optional[int] = None) -> Optional[QImage]:
        if self.chart is None:
            return None
        return render_bar_chart(self.chart, width or max(self.width(), 640), height or max(self.height(), 360))[0]

    def sizeHint(self) -> QSize:  # noqa: N802 - Qt API
        return QSize(480, 300)

    def paintEvent(self, event) -> None:  # noqa: N802 - Qt API
        painter = QPainter(self)
        try:
            if self.chart is None:
                painter.fillRect(self.rect(), BACKGROUND)
                return
            image, _layout = render_bar_chart(self.chart, self.width(), self.height())
            painter.drawImage(0, 0, image)
        finally:
            painter.end()
