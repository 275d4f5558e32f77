"""Small parts of the official client's API that nothing in the plugin calls, each checked by hand.

``SpatialGridDescriptor.is_source``/``is_derived``, ``RasterTile2D.to_numpy_masked_array`` and
``SpatialPartition2D.from_bounding_box`` exist for parity with geoengine-python (``geoengine/types.py``,
``geoengine/raster.py``); these tests keep them honest.
"""

from __future__ import annotations

import numpy as np
from geoengine_qgis.core.descriptors import SpatialGridDescriptor
from geoengine_qgis.core.raster import RasterTile2D
from geoengine_qgis.core.types import BoundingBox2D, GeoTransform, SpatialPartition2D

GRID = {"geoTransform": {"originCoordinate": {"x": -180.0, "y": 90.0}, "xPixelSize": 0.1, "yPixelSize": -0.1},
        "gridBounds": {"topLeftIdx": {"xIdx": 0, "yIdx": 0}, "bottomRightIdx": {"xIdx": 3599, "yIdx": 1799}}}


def test_spatial_grid_descriptor_source_or_derived():
    source = SpatialGridDescriptor.from_response({"descriptor": "source", "spatialGrid": GRID})
    derived = SpatialGridDescriptor.from_response({"descriptor": "derived", "spatialGrid": GRID})
    assert (source.is_source(), source.is_derived()) == (True, False)
    assert (derived.is_source(), derived.is_derived()) == (False, True)
    assert SpatialGridDescriptor.from_response({"spatialGrid": GRID}).is_source()  # the default


def test_tile_masked_array_is_the_tile_data_with_its_mask():
    data = np.ma.masked_array(np.arange(6, dtype=np.uint8).reshape(2, 3), mask=[[1, 0, 0], [0, 0, 1]])
    tile = RasterTile2D(data, GeoTransform(0.0, 2.0, 1.0, -1.0), "EPSG:4326", 0, 1000, 0)
    masked = tile.to_numpy_masked_array()
    np.testing.assert_array_equal(masked.data, [[0, 1, 2], [3, 4, 5]])
    np.testing.assert_array_equal(np.ma.getmaskarray(masked), [[True, False, False], [False, False, True]])
    np.testing.assert_array_equal(tile.to_numpy_data_array(9), [[9, 1, 2], [3, 4, 9]])


def test_partition_from_bounding_box_keeps_the_corners():
    partition = SpatialPartition2D.from_bounding_box(BoundingBox2D(-10.0, -5.0, 20.0, 15.0))
    assert (partition.xmin, partition.ymin, partition.xmax, partition.ymax) == (-10.0, -5.0, 20.0, 15.0)
    assert partition.to_dict() == {"upperLeftCoordinate": {"x": -10.0, "y": 15.0},
                                   "lowerRightCoordinate": {"x": 20.0, "y": -5.0}}
