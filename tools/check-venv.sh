#!/usr/bin/env bash
# Fail when pip put numpy, GDAL or PyQt into the venv: they must come from the host, as in QGIS.
set -euo pipefail
py=$1
"$py" - <<'PY'
import importlib.util, sys, sysconfig
venv_site = sysconfig.get_paths()["purelib"]
bad = []
for name in ("numpy", "osgeo", "PyQt5", "PyQt6", "qgis"):
    spec = importlib.util.find_spec(name)
    if spec and spec.origin and spec.origin.startswith(venv_site):
        bad.append(name)
if bad:
    sys.exit(f"error: {', '.join(bad)} installed into the venv from pip; they must come from Debian")
PY
