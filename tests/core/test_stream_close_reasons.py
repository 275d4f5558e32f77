"""Long stream errors (audit W4): Geo Engine 0.9.3 writes the whole error text into the close frame
(geo-engine/geoengine@5748ef7:geoengine/services/src/workflows/websocket_stream.rs), a frame longer than a
control frame may be; Python websockets rejects it (1002 sent, nothing received -> 1006). Our server does the
same with ``untruncated_close_reasons``; the client then says that the error text was lost, not just "1006".
"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))
from geoengine_qgis.core.errors import StreamClosedError  # noqa: E402
from geoengine_qgis.core.raster_stream import raster_stream  # noqa: E402
from geoengine_qgis.core.types import QueryRectangle  # noqa: E402
from stream_helpers import NDVI, workflow  # noqa: E402
from websockets.exceptions import ConnectionClosedError  # noqa: E402
from websockets.sync.client import connect  # noqa: E402

pytestmark = pytest.mark.timeout(120)

LONG = ("GdalError: the file /var/lib/geoengine/data/raster/modis_ndvi/MOD13A2_M_NDVI_2014-04-01.TIFF cannot be "
        "opened: not a TIFF or its header is damaged, while querying operator Expression > GdalSource")
QUERY = QueryRectangle((0.0, 0.0, 10.0, 10.0), "2014-04-01T00:00:00Z")


def test_the_error_text_is_longer_than_a_close_reason() -> None:
    assert len(LONG.encode()) > 125  # the premise: too long for a control frame


@pytest.mark.parametrize("fresh_server", [{"untruncated_close_reasons": True}], indirect=True)
def test_untruncated_reason_is_an_invalid_frame_and_the_client_says_so(fresh_server) -> None:
    fresh_server.config.faults.stream_fail_after = 0
    fresh_server.config.faults.stream_fail_text = LONG
    ndvi = workflow(fresh_server.base_url, NDVI)
    # the wire: websockets refuses the frame (1002 sent), receives no close frame
    url = fresh_server.base_url.replace("http://", "ws://") + (
        f"/workflow/{ndvi.workflow_id}/rasterStream?resultType=arrow&spatialBounds=0,0,10,10"
        "&timeInterval=2014-04-01T00:00:00Z&attributes=0")
    with connect(url, additional_headers=ndvi.session.auth_header, open_timeout=10) as ws:
        ws.send("NEXT")
        with pytest.raises(ConnectionClosedError) as closed:
            ws.recv(timeout=30)
    assert closed.value.rcvd is None and closed.value.sent.code == 1002
    assert "control frame too long" in closed.value.sent.reason
    # the client's message
    with pytest.raises(StreamClosedError) as error:
        list(raster_stream(ndvi, QUERY))
    assert error.value.code == 1006
    assert "did not fit into a websocket close frame" in str(error.value) and "server's log" in str(error.value)


def test_by_default_reasons_are_cut_to_123_bytes(server) -> None:
    server.config.faults.stream_fail_after = 0
    server.config.faults.stream_fail_text = LONG
    ndvi = workflow(server.base_url, NDVI)
    with pytest.raises(StreamClosedError) as error:
        list(raster_stream(ndvi, QUERY))
    assert error.value.code == 1011 and error.value.reason == LONG.encode()[:123].decode()
