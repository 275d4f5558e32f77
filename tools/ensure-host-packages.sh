#!/usr/bin/env bash
# Install the Debian packages the plugin and its tests need, only when one is missing.
# QGIS, PyQt, GDAL, numpy, pandas, geopandas, shapely and pyproj come from here: the same
# packages QGIS itself runs with.
set -euo pipefail
packages=(qgis python3-qgis qgis-providers xvfb python3-venv python3-pip python3-gdal python3-numpy
          python3-pandas python3-geopandas python3-shapely python3-pyproj
          pyqt5-dev-tools qttools5-dev-tools)  # pylupdate5 (make translations), lrelease (make package)
missing=()
for p in "${packages[@]}"; do
  status=$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null || true)
  [[ "$status" == "install ok installed" ]] || missing+=("$p")
done
if ((${#missing[@]} == 0)); then
  exit 0
fi
echo "Installing Debian packages: ${missing[*]}"
if [[ $(id -u) -ne 0 ]]; then
  echo "error: these Debian packages are missing and installing them needs root: ${missing[*]}" >&2
  exit 1
fi
export DEBIAN_FRONTEND=noninteractive
apt-get update -q
apt-get install -y -q --no-install-recommends "${missing[@]}"
