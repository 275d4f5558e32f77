"""tools/check_qt6.py (run by ``make lint``): finds the spellings PyQt6 / QGIS 4 lack, and the plugin has none."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest

pytestmark = pytest.mark.qgis

TOOL = Path(__file__).resolve().parents[2] / "tools" / "check_qt6.py"


@pytest.fixture(scope="module")
def check(qgis_app):
    spec = importlib.util.spec_from_file_location("check_qt6", TOOL)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_old_spellings_are_found_and_scoped_ones_pass(check, tmp_path):
    source = tmp_path / "sample.py"
    source.write_text(
        "from PyQt5.QtCore import Qt\n"                                              # 1
        "import sip\n"                                                               # 2
        "from qgis.PyQt.QtCore import Qt\n"                                          # 3 fine
        "a = Qt.AlignLeft\n"                                                         # 4
        "b = Qt.AlignmentFlag.AlignLeft\n"                                           # 5 fine
        "dialog.exec_()\n"                                                           # 6
        "dialog.exec()\n"                                                            # 7 fine
        "c = QgsVectorFileWriter.NoError\n"                                          # 8
        "d = QgsRasterLayerTemporalProperties.ModeFixedTemporalRange\n"             # 9
        "e = QgsVectorFileWriter.WriterError.NoError\n"                             # 10 fine
        "f = QgsProject.instance()\n",                                               # 11 fine
        encoding="utf-8")
    findings = dict(check.check_file(source, check.owners()))
    assert sorted(findings) == [1, 2, 4, 6, 8, 9]
    assert "Qt.AlignmentFlag.AlignLeft" in findings[4]
    assert "QgsVectorFileWriter.WriterError.NoError" in findings[8]
    assert "Qgis.RasterTemporalMode.FixedTemporalRange" in findings[9]


def test_the_plugin_passes(check, capsys):
    assert check.main([]) == 0, capsys.readouterr().out
