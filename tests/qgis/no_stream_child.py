"""A NEW headless QGIS in which pyarrow and websockets cannot be imported (run by test_ogc_fallback.py).

Usage: python no_stream_child.py CONFIG.json. Before anything else a meta-path finder refuses ``pyarrow`` and
``websockets`` (as on a stock QGIS without them). The child starts the plugin as QGIS does (classFactory +
initGui), loads each request of the config through the plugin's own layer loader with the default options, and
writes every layer's data to the output folder: raster bands as ``.npy`` (no-data as NaN), vector features as
JSON. It prints one line ``RESULT <json>``.
"""

from __future__ import annotations

import importlib.abc
import json
import os
import sys
from pathlib import Path

BLOCKED = ("pyarrow", "websockets")


class Blocker(importlib.abc.MetaPathFinder):
    """Refuses the blocked top-level packages and everything below them."""

    def find_spec(self, fullname, path=None, target=None):
        if fullname.split(".")[0] in BLOCKED:
            raise ModuleNotFoundError(f"No module named {fullname!r} (blocked for this test)", name=fullname)
        return None


def layer_data(layer, out: Path, index: int) -> dict:
    import numpy as np
    from osgeo import gdal

    info = {"name": layer.name(), "transport": layer.customProperty("geoengine/transport"),
            "history": list(layer.metadata().history()), "renderer": layer.renderer().type()}
    if layer.providerType() == "gdal":
        dataset = gdal.Open(layer.source())
        bands = []
        for number in range(1, dataset.RasterCount + 1):
            band = dataset.GetRasterBand(number)
            values = band.ReadAsArray().astype(np.float64)
            if band.GetNoDataValue() is not None:
                values[values == band.GetNoDataValue()] = np.nan
            bands.append(values)
        path = out / f"raster-{index}.npy"
        np.save(path, np.stack(bands))
        info.update(array=str(path), geo_transform=list(dataset.GetGeoTransform()), metadata=dataset.GetMetadata())
    else:
        rows = []
        for feature in layer.getFeatures():
            values = [str(v) if v is not None and str(v) != "NULL" else None for v in feature.attributes()]
            rows.append([values, feature.geometry().asWkt(6)])
        info.update(fields=layer.fields().names(), features=sorted(rows, key=repr))
    return info


def main(config_path: str) -> int:
    sys.meta_path.insert(0, Blocker())
    for name in list(sys.modules):
        if name.split(".")[0] in BLOCKED:
            del sys.modules[name]
    config = json.loads(Path(config_path).read_text(encoding="utf-8"))
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    sys.path.insert(0, config["package_parent"])
    sys.path.insert(0, str(Path(__file__).parent))

    from qgis.core import QgsApplication, QgsCoordinateReferenceSystem, QgsProject, QgsRectangle

    app = QgsApplication([], False)
    app.initQgis()

    import geoengine_qgis
    import plugin_support  # WidgetIface, wait_until (bounded)
    from geoengine_qgis.core.session import Session
    from geoengine_qgis.qgis_glue.layers import LayerRequest

    iface = plugin_support.WidgetIface()
    plugin = geoengine_qgis.classFactory(iface)
    plugin.initGui()
    result: dict = {"missing": [dep.pip_name for dep in plugin.missing_dependencies], "loads": []}
    out = Path(config["output"])
    session = Session(config["base_url"], use_env=False)
    loader = plugin.layer_loader()
    index = 0
    for item in config["requests"]:
        outcomes: list = []
        request = LayerRequest(item["workflow_id"], QgsRectangle(*item["bounds"]),
                               QgsCoordinateReferenceSystem("EPSG:4326"), item["start"], item.get("end"),
                               tuple(item.get("bands", ())), item["name"])
        loader.load(session, request, on_done=outcomes.append)
        done = plugin_support.wait_until(lambda seen=outcomes: bool(seen), timeout=float(config["timeout"]))
        entry: dict = {"done": done, "layers": []}
        if done:
            entry["ok"] = outcomes[0].ok
            entry["error"] = str(outcomes[0].error) if outcomes[0].error else None
            for layer in outcomes[0].layers:
                entry["layers"].append(layer_data(layer, out, index))
                index += 1
        result["loads"].append(entry)
    result["bar"] = [item.text() for item in iface.messageBar().items()]
    result["imported"] = sorted(name for name in sys.modules if name.split(".")[0] in BLOCKED)
    session.close()
    QgsProject.instance().clear()
    plugin.unload()
    print("RESULT " + json.dumps(result), flush=True)
    os._exit(0)  # no QGIS teardown: it is not what this child checks


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
