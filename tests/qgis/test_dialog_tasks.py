"""Closing the "Add workflow layer" dialog cancels its background fetch (issue 9): no callback reaches the
deleted dialog, no "wrapped C/C++ object deleted" error in the message bar."""

from __future__ import annotations

import plugin_support
import pytest
from plugin_support import NDVI_ID, wait_until
from test_add_layer_dialog import canvas, parts, store  # noqa: F401 - fixtures

pytestmark = pytest.mark.qgis


def test_closing_the_dialog_cancels_its_fetch(store, parts, canvas, server, bar):  # noqa: F811
    from geoengine_qgis.ui.add_layer_dialog import AddLayerDialog

    runner, loader, with_session = parts
    dialog = AddLayerDialog(store, with_session, runner, loader, canvas)
    server.config.faults.latency_s = 0.5  # every request takes a while: the fetch is still running at close
    try:
        dialog.id_edit.setText(NDVI_ID)
        assert wait_until(lambda: dialog.fetch_task is not None, timeout=20)
        task = dialog.fetch_task
        dialog.reject()
        dialog.deleteLater()
        plugin_support.flush_deletes()
        assert wait_until(lambda: task not in runner.active, timeout=20)
        assert task.isCanceled()  # cancelled, not finished into a dead dialog
        texts = [f"{item.title()} {item.text()}" for item in bar.items()]
        assert not any("Unexpected error" in text or "deleted" in text for text in texts), texts
    finally:
        server.config.faults.latency_s = 0
