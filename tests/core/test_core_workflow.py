"""The Workflow API against the test server over real sockets, with values checked against the data files."""

from __future__ import annotations

import io
import json
import sys
import zipfile
from pathlib import Path

import numpy as np
import pytest
from osgeo import gdal, ogr

sys.path.insert(0, str(Path(__file__).parent))
from client_helpers import (  # noqa: E402
    DATA,
    NDVI,
    NDVI_FILE,
    NDVI_ID,
    PORTS,
    PORTS_SHP,
    plain_http_server,
)
from geoengine_qgis.core.colorizer import (  # noqa: E402
    ColorBreakpoint,
    LinearGradientColorizer,
    MultiBandRasterColorizer,
    PaletteColorizer,
    SingleBandRasterColorizer,
)
from geoengine_qgis.core.descriptors import RasterResultDescriptor, VectorResultDescriptor  # noqa: E402
from geoengine_qgis.core.errors import (  # noqa: E402
    ApiError,
    BadRequestError,
    InputError,
    MethodNotCalledOnPlotException,
    MethodNotCalledOnRasterException,
    MethodNotCalledOnVectorException,
    NotFoundError,
    OGCXMLError,
)
from geoengine_qgis.core.ogc import check_wms_body  # noqa: E402
from geoengine_qgis.core.provenance import InternalDataId  # noqa: E402
from geoengine_qgis.core.session import Session  # noqa: E402
from geoengine_qgis.core.types import QueryRectangle, RasterQueryRectangle, SpatialResolution  # noqa: E402
from geoengine_qgis.core.workflow import Workflow, register_workflow, workflow_by_id  # noqa: E402

APRIL = "2014-04-01T12:00:00Z"
EUROPE = (0.0, 40.0, 20.0, 50.0)  # lon 0..20, lat 40..50: 200 x 100 native pixels
HISTOGRAM = {"type": "Plot", "operator": {
    "type": "Histogram",
    "params": {"attributeName": "ndvi", "bounds": "data", "buckets": {"type": "number", "value": 20}},
    "sources": {"source": NDVI["operator"]}}}
STATISTICS = {"type": "Plot", "operator": {
    "type": "Statistics", "params": {}, "sources": {"source": PORTS["operator"]}}}


def ndvi_window(month: str, xmin: float, ymax: float, width: int, height: int) -> np.ndarray:
    dataset = gdal.Open(str(NDVI_FILE).format(month))
    gt = dataset.GetGeoTransform()
    col, row = round((xmin - gt[0]) / gt[1]), round((ymax - gt[3]) / gt[5])
    return dataset.GetRasterBand(1).ReadAsArray(col, row, width, height)


def dataset_provenance(name: str) -> list:
    for path in Path(DATA, "dataset_defs").glob("*.json"):
        definition = json.loads(path.read_text())
        properties = definition.get("properties", definition)
        if properties.get("name") == name:
            return properties["provenance"]
    raise AssertionError(f"no dataset definition named {name}")


def grey() -> SingleBandRasterColorizer:
    return SingleBandRasterColorizer(0, LinearGradientColorizer(
        [ColorBreakpoint(0, (0, 0, 0, 255)), ColorBreakpoint(255, (255, 255, 255, 255))],
        no_data_color=(0, 0, 0, 0), over_color=(255, 255, 255, 255), under_color=(0, 0, 0, 255)))


@pytest.fixture(scope="module")
def client(shared_server):
    return Session(shared_server.base_url)


@pytest.fixture(scope="module")
def histogram(client):
    return register_workflow(HISTOGRAM, session=client)


def europe(srs="EPSG:4326", **kwargs) -> QueryRectangle:
    return QueryRectangle(EUROPE, APRIL, srs, **kwargs)


# --------------------------------------------------------------------------------------- registration


def test_register_and_load_by_id(client, ndvi):
    assert str(ndvi.workflow_id) == NDVI_ID  # the content hash of the normalised workflow
    again = workflow_by_id(NDVI_ID, session=client)
    assert again == ndvi and isinstance(again.get_result_descriptor(), RasterResultDescriptor)
    descriptor = ndvi.get_result_descriptor()
    assert descriptor.data_type.value == "U8" and descriptor.spatial_reference == "EPSG:4326"
    assert descriptor.grid_bounds.width == 3600 and descriptor.bands[0].measurement.measurement == "vegetation"
    definition = ndvi.workflow_definition()
    assert definition == ndvi.definition()
    assert definition["operator"]["params"] == {"data": "ndvi", "overviewLevel": None}


def test_registration_and_lookup_errors(client):
    for bad, field in (({}, "workflow"), ({"type": "Mesh", "operator": {}}, "workflow.type"), ("ndvi", "workflow")):
        with pytest.raises(InputError) as info:
            register_workflow(bad, session=client)
        assert info.value.field == field
    with pytest.raises(BadRequestError) as info:
        register_workflow({"type": "Vector", "operator": {"type": "Reprojection", "params": {"targetSpatialReference":
                          "EPSG:3857"}, "sources": {"source": NDVI["operator"]}}}, session=client)
    assert info.value.status == 400 and info.value.error
    with pytest.raises(InputError) as info:
        workflow_by_id("1", session=client)
    assert info.value.field == "workflow_id"
    with pytest.raises(BadRequestError) as info:
        workflow_by_id("00000000-0000-4000-8000-000000000000", session=client)
    assert info.value.error == "NoWorkflowForGivenId" and "/metadata" in info.value.url


# --------------------------------------------------------------------------------------- type guards


def test_type_guards_fire_before_any_request(ndvi, ports, histogram, faults):
    query = europe()
    faults.http_500_remaining = 1  # any request would consume this
    cases = [
        (lambda: ports.get_array(query), MethodNotCalledOnRasterException),
        (lambda: ports.wms_get_map_as_image(query, grey(), 0.1), MethodNotCalledOnRasterException),
        (lambda: histogram.download_raster(query, "/nonexistent/x.tif"), MethodNotCalledOnRasterException),
        (lambda: ports.save_as_dataset(query, None, "x"), MethodNotCalledOnRasterException),
        (lambda: ports.raster_stream(query), MethodNotCalledOnRasterException),
        (lambda: ndvi.get_dataframe(query), MethodNotCalledOnVectorException),
        (lambda: histogram.vector_stream(query), MethodNotCalledOnVectorException),
        (lambda: ndvi.plot_json(query), MethodNotCalledOnPlotException),
        (lambda: ports.plot_chart(query), MethodNotCalledOnPlotException),
    ]
    for call, error in cases:
        with pytest.raises(error) as info:
            call()
        assert "Only allowed to call method on" in str(info.value)
    with pytest.raises(InputError) as info:
        ndvi.get_array(RasterQueryRectangle(EUROPE, APRIL, [1]))
    assert info.value.field == "raster_bands"
    with pytest.raises(InputError) as info:
        ndvi.wms_get_map_as_image(europe(), SingleBandRasterColorizer(2, grey().band_colorizer), 0.1)
    assert info.value.field == "raster_bands"
    with pytest.raises(InputError) as info:
        ndvi.wms_get_map_as_image(europe(), grey(), 0.001)  # 20000 px wide
    assert info.value.field == "spatial_resolution"
    with pytest.raises(InputError) as info:
        ndvi.get_array((0, 40, 20, 50))
    assert info.value.field == "bbox"
    assert faults.http_500_remaining == 1


# --------------------------------------------------------------------------------------- WCS


def test_get_array_equals_the_tiff(ndvi):
    array = ndvi.get_array(europe())
    expected = ndvi_window("2014-04-01", 0.0, 50.0, 200, 100)
    assert array.shape == (100, 200) and array.dtype == np.uint8
    assert np.array_equal(array, expected)
    assert (expected != 0).sum() > 1000


def test_get_array_other_month_resolution_and_no_data(ndvi):
    january = ndvi.get_array(QueryRectangle(EUROPE, "2014-01-15T00:00:00Z"))
    assert np.array_equal(january, ndvi_window("2014-01-01", 0.0, 50.0, 200, 100))
    coarse = ndvi.get_array(europe(), spatial_resolution=SpatialResolution(0.2, 0.2))
    assert coarse.shape == (50, 100)
    assert ndvi.get_array(europe(resolution=(0.5, 0.5))).shape == (20, 40)
    assert ndvi.get_array(europe(resolution=(0.2, 0.1))).shape == (100, 100)  # x 20/0.2, y 10/0.1: not swapped
    forced = ndvi.get_array(europe(), force_no_data_value=7)
    expected = ndvi_window("2014-04-01", 0.0, 50.0, 200, 100)
    assert np.array_equal(forced[expected != 0], expected[expected != 0])
    # northern Canada in January has pixels without a value (the file's 0): they come back as the forced 7
    canada = ndvi.get_array(QueryRectangle((-115.0, 60.0, -95.0, 70.0), "2014-01-15T00:00:00Z"),
                            force_no_data_value=7)
    january = ndvi_window("2014-01-01", -115.0, 70.0, 200, 100)
    assert (january == 0).sum() > 1000
    assert np.array_equal(canada, np.where(january == 0, 7, january))


def test_download_raster_writes_a_georeferenced_tiff(ndvi, tmp_path):
    target = tmp_path / "europe.tif"
    ndvi.download_raster(europe(), target)
    dataset = gdal.Open(str(target))
    assert (dataset.RasterXSize, dataset.RasterYSize) == (200, 100)
    assert dataset.GetGeoTransform() == pytest.approx((0.0, 0.1, 0.0, 50.0, 0.0, -0.1))
    assert np.array_equal(dataset.GetRasterBand(1).ReadAsArray(), ndvi_window("2014-04-01", 0.0, 50.0, 200, 100))
    with pytest.raises(InputError) as info:
        ndvi.download_raster(europe(), target, file_format="image/png")
    assert info.value.field == "file_format"


def test_requests_beyond_the_tile_limit_are_mosaicked(ndvi):
    world = QueryRectangle((-180, -90, 180, 90), APRIL)  # 3600 x 1800 px: 8 x 4 tiles > 4
    assert ndvi._coverage_tiles(ndvi.get_result_descriptor(), world, None) > ndvi.wcs_tile_limit
    array = ndvi.get_array(world)
    assert array.shape == (1800, 3600)
    assert np.array_equal(array, ndvi_window("2014-04-01", -180.0, 90.0, 3600, 1800))
    small = ndvi.get_array(world, spatial_resolution=(1.0, 1.0))  # 360 x 180 px: one request
    assert small.shape == (180, 360)


def test_tile_limit_reported_by_the_server_is_mosaicked(ndvi):
    # 2 tiles in space, but 3 monthly slices: the server counts 6 > 4 and answers TileLimitExceeded
    query = QueryRectangle((0.0, 0.0, 60.0, 40.0), ("2014-04-01T00:00:00Z", "2014-06-15T00:00:00Z"))
    assert ndvi._coverage_tiles(ndvi.get_result_descriptor(), query, None) <= ndvi.wcs_tile_limit
    array = ndvi.get_array(query)
    assert np.array_equal(array, ndvi_window("2014-04-01", 0.0, 40.0, 600, 400))


def test_without_mosaicking_the_limit_is_named(ndvi, monkeypatch):
    monkeypatch.setitem(sys.modules, "geoengine_qgis.core.wcs_mosaic", None)
    with pytest.raises(InputError, match="limit of 4 tiles") as info:
        ndvi.get_array(QueryRectangle((-180, -90, 180, 90), APRIL))
    assert info.value.field == "bbox"


def test_get_xarray(ndvi):  # xarray is a dev requirement; without it: test_core_delegation
    array = ndvi.get_xarray(europe())
    assert array.dims == ("band", "y", "x") and array.shape == (1, 100, 200)
    assert float(array.x[0]) == pytest.approx(0.05) and float(array.y[0]) == pytest.approx(49.95)
    assert np.array_equal(array.values[0], ndvi_window("2014-04-01", 0.0, 50.0, 200, 100))


# --------------------------------------------------------------------------------------- WMS


def test_wms_image_matches_the_data(ndvi):
    image = ndvi.wms_get_map_as_image(europe(), grey(), SpatialResolution(0.1, 0.1))
    assert image.size == (200, 100)
    rgba = np.asarray(image.convert("RGBA"))
    values = ndvi_window("2014-04-01", 0.0, 50.0, 200, 100)
    valid = values != 0
    assert (rgba[..., 3][~valid] == 0).all() and (rgba[..., 3][valid] == 255).all()
    assert np.abs(rgba[..., 0][valid].astype(int) - values[valid].astype(int)).max() <= 2


def test_wms_palette_and_query_resolution(ndvi):
    palette = SingleBandRasterColorizer(0, PaletteColorizer({255.0: (255, 0, 0, 255)}, default_color=(0, 0, 255, 255)))
    image = np.asarray(ndvi.wms_get_map_as_image(europe(resolution=0.2), palette).convert("RGBA"))
    assert image.shape == (50, 100, 4)
    assert {tuple(p) for p in image.reshape(-1, 4)} <= {(255, 0, 0, 255), (0, 0, 255, 255), (0, 0, 0, 0)}
    # at the file's own resolution every pixel is one source pixel: 255 -> red, no-data (0) -> clear, else blue
    native = np.asarray(ndvi.wms_get_map_as_image(europe(resolution=0.1), palette).convert("RGBA"))
    values = ndvi_window("2014-04-01", 0.0, 50.0, 200, 100)
    expected = np.where((values == 255)[..., None], [255, 0, 0, 255], [0, 0, 255, 255])
    expected[values == 0] = (0, 0, 0, 0)
    assert (values == 255).sum() > 100 and ((values != 255) & (values != 0)).sum() > 100
    np.testing.assert_array_equal(native, expected)
    with pytest.raises(InputError) as info:
        ndvi.wms_get_map_as_image(europe(), palette)
    assert info.value.field == "spatial_resolution"


def test_wms_xml_error_with_http_200(client, ndvi):
    stale = Workflow("00000000-0000-4000-8000-000000000000", client, result_descriptor=ndvi.get_result_descriptor())
    with pytest.raises(OGCXMLError) as info:
        stale.wms_get_map_as_image(europe(), grey(), 0.1)
    assert info.value.status == 200 and info.value.service_exception == "No workflow for given id"
    assert str(info.value).startswith("OGCServiceException: OGC API error: No workflow for given id")


def test_wms_json_error_with_http_200():
    import requests

    body = b'{"error":"UnknownSrsString","message":"Spatial reference system \'EPSG:432\' is unknown"}'
    with plain_http_server(200, body, "application/json") as url:
        response = requests.get(f"{url}/wms/x", timeout=10)
    with pytest.raises(ApiError) as info:
        check_wms_body(response)
    assert info.value.error == "UnknownSrsString" and info.value.status == 200


def test_multiband_colorizer_on_the_natural_earth_bands(client):
    stack = {"type": "Raster", "operator": {"type": "RasterStacker", "params": {"renameBands": {"type": "default"}},
             "sources": {"rasters": [{"type": "GdalSource", "params": {"data": f"ne2_raster_{c}"}}
                                     for c in ("red", "green", "blue")]}}}
    try:
        workflow = register_workflow(stack, session=client)
    except BadRequestError as exc:  # the server's RasterStacker is another helper's part
        pytest.fail(f"RasterStacker workflow refused: {exc}")
    colorizer = MultiBandRasterColorizer(0, 1, 2, 0, 255, 0, 255, 0, 255)
    image = np.asarray(workflow.wms_get_map_as_image(QueryRectangle((0, 40, 20, 50), APRIL), colorizer, 0.5))
    assert image.shape[:2] == (20, 40) and image[..., :3].std() > 0
    # at the file's 0.1 degree pixels, min 0 / max 255 / scale 1 gives each band's value as its channel
    native = np.asarray(workflow.wms_get_map_as_image(QueryRectangle((0, 40, 20, 50), APRIL), colorizer, 0.1)
                        .convert("RGBA"))
    source = gdal.Open(str(DATA / "raster/natural_earth_2/NE2_150M_SR_W.tif"))
    bands = source.ReadAsArray(1800, 400, 200, 100)  # (3, rows, cols): x 0..20, y 50..40
    np.testing.assert_array_equal(native[..., :3], np.moveaxis(bands, 0, -1))
    assert (native[..., 3] == 255).all()


# --------------------------------------------------------------------------------------- WFS


def ports_layer(bbox=None):
    """``(dataset, layer)``: the dataset must stay referenced while the layer is used."""
    dataset = ogr.Open(str(PORTS_SHP))
    layer = dataset.GetLayer()
    if bbox is not None:
        layer.SetSpatialFilterRect(*bbox)
    return dataset, layer


def ogr_count(bbox) -> int:
    _dataset, layer = ports_layer(bbox)
    return layer.GetFeatureCount()


@pytest.mark.parametrize("bbox", [(-10.5, 35.3, 30.7, 60.1), (-60.0, 5.0, 61.0, 6.0), (100.25, -45.5, 179.9, 10.1)])
def test_wfs_port_counts_equal_ogr(ports, bbox):
    frame = ports.get_dataframe(QueryRectangle(bbox, APRIL))
    assert len(frame) == ogr_count(bbox) > 0
    assert {"geometry", "name", "scalerank", "start", "end"} <= set(frame.columns)
    assert str(frame.crs) == "EPSG:4326"
    xs, ys = frame.geometry.x, frame.geometry.y
    assert ((xs >= bbox[0]) & (xs <= bbox[2]) & (ys >= bbox[1]) & (ys <= bbox[3])).all()
    assert str(frame["start"].dtype).startswith("datetime64")


def test_wfs_names_and_geojson(ports):
    bbox = (-10.5, 35.3, 30.7, 60.1)
    _dataset, layer = ports_layer(bbox)
    names = sorted(feature.GetField("name") for feature in layer)
    frame = ports.get_dataframe(QueryRectangle(bbox, APRIL))
    assert sorted(frame["name"]) == names
    geojson = ports.get_geojson(QueryRectangle(bbox, APRIL))
    assert len(geojson["features"]) == len(names) and all("when" in f for f in geojson["features"])


def test_wfs_in_web_mercator_is_not_axis_swapped(ports):
    from pyproj import Transformer

    bbox = (-10.5, 35.3, 30.7, 60.1)
    to_mercator = Transformer.from_crs("EPSG:4326", "EPSG:3857", always_xy=True)
    (x0, x1), (y0, y1) = to_mercator.transform([bbox[0], bbox[2]], [bbox[1], bbox[3]])
    frame = ports.get_dataframe(QueryRectangle((x0, y0, x1, y1), APRIL, "EPSG:3857"))
    assert len(frame) == ogr_count(bbox) and str(frame.crs) == "EPSG:3857"
    assert frame.geometry.x.abs().max() > 1000


# --------------------------------------------------------------------------------------- plots


def test_histogram_plot_json_and_chart(histogram):
    output = histogram.plot_json(europe(), SpatialResolution(0.1, 0.1))
    assert output["outputFormat"] == "JsonVega" and output["plotType"] == "Histogram"
    # Geo Engine plots whole tiles: the 512 px tile holding lon 0..20, lat 40..50 is lon 0..51.2, lat 0..51.2
    expected = int((ndvi_window("2014-04-01", 0.0, 51.2, 512, 512) != 0).sum())
    import altair  # a dev requirement, so both branches of plot_chart run here

    chart = histogram.plot_chart(europe())
    assert isinstance(chart, altair.Chart)
    (values,) = chart.to_dict()["datasets"].values()  # altair moves inline data into named datasets
    assert len(values) == 20 and sum(v["Frequency"] for v in values) == expected


def test_histogram_chart_without_altair_is_the_vega_lite_dict(histogram, monkeypatch):
    monkeypatch.setitem(sys.modules, "altair", None)
    spec = histogram.plot_chart(europe())
    assert isinstance(spec, dict) and "vega-lite" in spec["$schema"]
    values = spec["data"]["values"]
    expected = int((ndvi_window("2014-04-01", 0.0, 51.2, 512, 512) != 0).sum())
    assert len(values) == 20 and sum(v["Frequency"] for v in values) == expected


def test_statistics_plot_is_json_plain(client):
    statistics = register_workflow(STATISTICS, session=client)
    output = statistics.plot_json(QueryRectangle((-180, -90, 180, 90), APRIL))
    assert output["outputFormat"] == "JsonPlain"
    with pytest.raises(InputError, match="JsonVega"):
        statistics.plot_chart(QueryRectangle((-180, -90, 180, 90), APRIL))


# --------------------------------------------------------------------------------------- metadata


def test_provenance_equals_the_dataset_definition(ndvi, ports):
    for workflow, name in ((ndvi, "ndvi"), (ports, "ne_10m_ports")):
        entries = workflow.get_provenance()
        expected = dataset_provenance(name)[0]
        assert len(entries) == 1
        assert entries[0].provenance.to_dict() == expected
        assert entries[0].citation == expected["citation"]
        assert isinstance(entries[0].data[0], InternalDataId)


@pytest.mark.parametrize(("version", "member"), [("0.9", "workflow.json"), ("0.10", "processing_graph.json")])
def test_metadata_zip(shared_server, tmp_path, version, member):
    session = Session(shared_server.base_url, api_version=version)
    workflow = register_workflow(NDVI, session=session)
    buffer = io.BytesIO()
    workflow.metadata_zip(buffer)
    with zipfile.ZipFile(buffer) as archive:
        assert set(archive.namelist()) == {member, "metadata.json", "citation.json"}
        assert json.loads(archive.read(member))["operator"]["type"] == "GdalSource"
        assert json.loads(archive.read("metadata.json")) == workflow.get_result_descriptor().to_dict()
        assert json.loads(archive.read("citation.json"))[0]["provenance"] == dataset_provenance("ndvi")[0]
    path = tmp_path / "meta.zip"
    workflow.metadata_zip(path)
    assert path.read_bytes() == buffer.getvalue()


def test_vector_descriptor(ports):
    descriptor = ports.get_result_descriptor()
    assert isinstance(descriptor, VectorResultDescriptor) and descriptor.data_type.value == "MultiPoint"
    _dataset, layer = ports_layer()
    fields = {layer.GetLayerDefn().GetFieldDefn(i).GetName() for i in range(layer.GetLayerDefn().GetFieldCount())}
    assert set(descriptor.columns) <= fields and {"name", "scalerank"} <= set(descriptor.columns)


def test_unknown_route_is_not_found(client):
    with pytest.raises(NotFoundError) as info:
        client.get_json("noSuchEndpoint")
    assert info.value.status == 404 and info.value.error == "NotFound"


@pytest.mark.parametrize("fresh_server", [{"version": "0.10.0"}], indirect=True)
def test_plot_on_a_0_10_server_without_resolution(fresh_server):
    session = Session(fresh_server.base_url)
    statistics = register_workflow(STATISTICS, session=session)
    output = statistics.plot_json(QueryRectangle((-180, -90, 180, 90), APRIL))
    assert session.api_generation == "0.10" and output["outputFormat"] == "JsonPlain"
    histogram = register_workflow(HISTOGRAM, session=session)
    assert histogram.plot_json(europe(), (0.1, 0.1))["plotType"] == "Histogram"


def test_wms_and_wcs_in_web_mercator(ndvi):
    from pyproj import Transformer

    to_mercator = Transformer.from_crs("EPSG:4326", "EPSG:3857", always_xy=True)
    (x0, x1), (y0, y1) = to_mercator.transform([0.0, 20.0], [40.0, 50.0])
    query = QueryRectangle((x0, y0, x1, y1), APRIL, "EPSG:3857")
    assert query.bbox_ogc_str == query.bbox_str  # east/north: never swapped
    resolution = SpatialResolution((x1 - x0) / 200, (y1 - y0) / 100)
    image = np.asarray(ndvi.wms_get_map_as_image(query, grey(), resolution).convert("RGBA"))
    assert image.shape == (100, 200, 4)
    array = ndvi.get_array(query, spatial_resolution=resolution)
    assert array.shape == (100, 200)
    # same place, same value: the WMS grey level follows the WCS pixel wherever both have data
    valid = (image[..., 3] == 255) & (array != 0)
    assert valid.sum() > 5000
    assert np.abs(image[..., 0][valid].astype(int) - array[valid].astype(int)).max() <= 2
    # and the WCS pixels are the file's: each pixel centre taken back to lon/lat (pyproj) picks the NDVI pixel
    to_lonlat = Transformer.from_crs("EPSG:3857", "EPSG:4326", always_xy=True)
    cols, rows = np.meshgrid(np.arange(200), np.arange(100))
    lon, lat = to_lonlat.transform(x0 + (cols + 0.5) * resolution.x_resolution,
                                   y1 - (rows + 0.5) * resolution.y_resolution)
    source = gdal.Open(str(NDVI_FILE).format("2014-04-01")).ReadAsArray()
    expected = source[np.floor((90.0 - lat) / 0.1).astype(int), np.floor((lon + 180.0) / 0.1).astype(int)]
    # (a pixel whose centre sits exactly on a source edge may pick the neighbour)
    assert (array == expected).mean() > 0.999, (array == expected).mean()
