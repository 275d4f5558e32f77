"""Coordinate reference systems: validated codes, per-thread pyproj transformers, bbox transforms.

Coordinates are always x/y (lon/lat for EPSG:4326). Web Mercator is clipped to +-85.06 degrees.
"""

from __future__ import annotations

import threading

import numpy as np
from pyproj import CRS, Transformer
from pyproj.exceptions import CRSError

from .types import BBox, EngineError

MERCATOR_LAT = 85.06
_local = threading.local()
_known: dict[str, bool] = {}
_lock = threading.Lock()


# AUTHORITY:CODE strings: geo-engine/geoengine@5748ef7:geoengine/datatypes/src/spatial_reference.rs
def check_srs(srs: str) -> str:
    """``AUTHORITY:CODE`` known to PROJ, else ``UnknownSrsString``."""
    with _lock:
        ok = _known.get(srs)
    if ok is None:
        ok = isinstance(srs, str) and srs.split(":")[0] in ("EPSG", "SR-ORG", "IAU2000", "ESRI") and _parses(srs)
        with _lock:
            _known[srs] = ok
    if not ok:
        raise EngineError("UnknownSrsString", f"Spatial reference system '{srs}' is unknown")
    return srs


def _parses(srs: str) -> bool:
    try:
        CRS.from_user_input(srs)
        return True
    except CRSError:
        return False


def transformer(src: str, dst: str) -> Transformer:
    """A per-thread, x/y-ordered transformer (pyproj transformers are not thread-safe)."""
    cache = getattr(_local, "cache", None)
    if cache is None:
        cache = _local.cache = {}
    key = (src, dst)
    if key not in cache:
        cache[key] = Transformer.from_crs(src, dst, always_xy=True)
    return cache[key]


def transform_points(xs, ys, src: str, dst: str) -> tuple[np.ndarray, np.ndarray]:
    """Arrays of x/y from ``src`` to ``dst`` (non-finite where undefined)."""
    xs = np.asarray(xs, np.float64)
    ys = np.asarray(ys, np.float64)
    if src == dst:
        return xs.copy(), ys.copy()
    if src == "EPSG:4326" and dst == "EPSG:3857":
        ys = np.where(np.abs(ys) <= MERCATOR_LAT, ys, np.nan)
    with np.errstate(all="ignore"):
        tx, ty = transformer(src, dst).transform(xs, ys, errcheck=False)
    tx, ty = np.asarray(tx, np.float64), np.asarray(ty, np.float64)
    bad = ~(np.isfinite(tx) & np.isfinite(ty))
    if bad.any():
        tx = np.where(bad, np.nan, tx)
        ty = np.where(bad, np.nan, ty)
    return tx, ty


# Boxes are clipped to the target CRS's area of use before they are transformed:
# geo-engine/geoengine@5748ef7:geoengine/datatypes/src/operations/reproject.rs
def clip_to_domain(bbox: BBox, srs: str) -> BBox:
    """Clip a bbox to where ``srs`` -> other transforms are defined (lat +-85.06 for Mercator targets)."""
    lat = MERCATOR_LAT
    return BBox(max(bbox.xmin, -180.0), max(bbox.ymin, -lat), min(bbox.xmax, 180.0), min(bbox.ymax, lat))


def transform_bbox(bbox: BBox, src: str, dst: str, densify: int = 21) -> BBox:
    """The bbox of ``bbox``'s outline (``densify`` points per edge) transformed from ``src`` to ``dst``."""
    if src == dst:
        return bbox
    if src == "EPSG:4326" and dst == "EPSG:3857":
        bbox = clip_to_domain(bbox, src)
    t = np.linspace(0.0, 1.0, densify)
    along_x = bbox.xmin + t * (bbox.xmax - bbox.xmin)
    along_y = bbox.ymin + t * (bbox.ymax - bbox.ymin)
    xs = np.concatenate([along_x, along_x, np.full(densify, bbox.xmin), np.full(densify, bbox.xmax)])
    ys = np.concatenate([np.full(densify, bbox.ymin), np.full(densify, bbox.ymax), along_y, along_y])
    tx, ty = transform_points(xs, ys, src, dst)
    ok = np.isfinite(tx) & np.isfinite(ty)
    if not ok.any():
        raise EngineError("InvalidSpatialBounds", f"The bounds cannot be transformed from {src} to {dst}")
    return BBox(float(tx[ok].min()), float(ty[ok].min()), float(tx[ok].max()), float(ty[ok].max()))
