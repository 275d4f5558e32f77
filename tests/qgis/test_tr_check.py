"""tools/check_tr.py (run by ``make lint``): user-visible literals that bypass tr() are found; the plugin has none."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import pytest

TOOLS = Path(__file__).resolve().parents[2] / "tools"


@pytest.fixture(scope="module")
def check():
    sys.path.insert(0, str(TOOLS))
    try:
        spec = importlib.util.spec_from_file_location("check_tr", TOOLS / "check_tr.py")
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
    finally:
        sys.path.remove(str(TOOLS))
    return module


def test_raw_texts_are_found_and_translated_ones_pass(check, tmp_path):
    source = tmp_path / "sample.py"
    source.write_text(
        'label.setText("Server URL")\n'                                   # 1
        'label.setText(tr("Server URL"))\n'                               # 2 fine
        'button = QPushButton(f"Add {count} layers")\n'                  # 3
        'button = QPushButton(tr("Add {count} layers").format(count=2))\n'  # 4 fine
        'self._notifier.success("Saved")\n'                               # 5
        'log("Saved to the log")\n'                                       # 6 fine: the log stays English
        'self.setWindowTitle("Geo Engine")  # no-tr\n'                    # 7 fine: marked
        'box.setText("…")\n'                                              # 8 fine: no words
        'QMessageBox.warning(self, "Title", "Body " + name)\n'            # 9
        'def displayName(self):\n    return "Load raster"\n'              # 11
        'QgsProcessingParameterString("NAME", "Dataset name")\n',          # 12
        encoding="utf-8")
    assert sorted({line for line, _ in check.check_file(source)}) == [1, 3, 5, 9, 11, 12]


def test_the_plugin_passes(check, capsys):
    assert check.main([]) == 0, capsys.readouterr().out
