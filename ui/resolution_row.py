"""The "Resolution" row of the Add-layer dialog: auto, native, the map canvas's, or a given pixel size."""

from __future__ import annotations

from qgis.PyQt.QtWidgets import QComboBox, QDoubleSpinBox, QHBoxLayout, QWidget

from ..core import resolution as res
from ..qgis_glue.i18n import QT_TR_NOOP, tr
from ..qgis_glue.raster_resolution import ResolutionRequest, canvas_pixels

CHOICES = (
    (QT_TR_NOOP("Auto (native if small, else the map canvas's)"), res.AUTO),
    (QT_TR_NOOP("Native"), res.NATIVE),
    (QT_TR_NOOP("Map canvas"), res.CANVAS),
    (QT_TR_NOOP("Pixel size (workflow CRS units)"), res.CUSTOM),
)


class ResolutionRow(QWidget):
    """A combo box for the mode and a pixel size for ``custom`` (enabled only then)."""

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self.mode_combo = QComboBox()
        for label, mode in CHOICES:
            self.mode_combo.addItem(tr(label), mode)
        self.size_spin = QDoubleSpinBox()
        self.size_spin.setDecimals(8)
        self.size_spin.setRange(1e-8, 1e9)
        self.size_spin.setValue(0.1)
        self.size_spin.setToolTip(tr("Pixel size in the workflow's CRS units; rounded to a whole multiple (or "
                                     "fraction) of the native pixel"))
        row = QHBoxLayout(self)
        row.setContentsMargins(0, 0, 0, 0)
        row.addWidget(self.mode_combo, 1)
        row.addWidget(self.size_spin)
        self.mode_combo.currentIndexChanged.connect(lambda _i: self._sync())
        self._sync()

    def _sync(self) -> None:
        self.size_spin.setEnabled(self.isEnabled() and self.mode_combo.currentData() == res.CUSTOM)

    def setEnabled(self, enabled: bool) -> None:  # noqa: N802 - Qt's name
        super().setEnabled(enabled)
        self._sync()

    def request(self, canvas, extent, crs) -> ResolutionRequest:
        mode = self.mode_combo.currentData() or res.AUTO
        size = self.size_spin.value()
        return ResolutionRequest(mode, canvas_pixels(canvas, extent, crs),
                                 (size, size) if mode == res.CUSTOM else None)
