"""The Browser panel in a headless QGIS against the test server: tree, lazy fetching, paging, errors, adding to
the map (double-click and drop), context-menu actions, and registration on load/unload."""

from __future__ import annotations

import dataclasses
import json
import uuid

import plugin_support
import pytest
from layer_support import DATA
from osgeo import ogr
from plugin_support import closed_port, wait_for_fetch
from vector_truth import assert_rows_match

pytestmark = pytest.mark.qgis

LOCAL, DOWN = "Browser test server", "Browser test unreachable"
GERMANY = (5.8, 47.2, 15.1, 55.1)
PORTS_LAYER = "b75db46e-2b9a-4a86-b33f-bc06a73cd711"
TEST_COLLECTION = "272bf675-2e27-4412-824c-287c1e6841ac"


def definitions(folder: str) -> dict:
    return {d["id"]: d for d in (json.loads(p.read_text()) for p in sorted((DATA / folder).glob("*.json")))}


def make_iface():
    """The tests' LayerTreeIface (a layer tree view, for the docks) plus QGIS's custom drop handler registry."""

    class BrowserIface(plugin_support.LayerTreeIface):
        def __init__(self) -> None:
            super().__init__()
            self.drop_handlers = []

        def registerCustomDropHandler(self, handler) -> None:  # noqa: N802 - QgisInterface names
            self.drop_handlers.append(handler)

        def unregisterCustomDropHandler(self, handler) -> None:  # noqa: N802
            self.drop_handlers.remove(handler)

    return BrowserIface()


def start_with_local(server):
    """(iface, plugin): a plugin started on a fresh BrowserIface with the connection LOCAL saved first."""
    from geoengine_qgis.plugin import GeoEnginePlugin
    from geoengine_qgis.qgis_glue.connections import Connection

    iface = make_iface()
    instance = GeoEnginePlugin(iface)
    instance.store.save(Connection(LOCAL, server.base_url))
    instance.initGui()
    return iface, instance


@pytest.fixture
def plugin(qgis_app, project, server):
    from geoengine_qgis.plugin import GeoEnginePlugin
    from geoengine_qgis.qgis_glue.connections import Connection
    from qgis.core import QgsCoordinateReferenceSystem, QgsRectangle

    iface = make_iface()
    canvas = iface.mapCanvas()
    canvas.resize(800, 600)
    canvas.setDestinationCrs(QgsCoordinateReferenceSystem("EPSG:4326"))
    canvas.setExtent(QgsRectangle(*GERMANY))
    instance = GeoEnginePlugin(iface)
    for name in (LOCAL, DOWN):
        if name in instance.store.names():
            instance.store.delete(name)
    instance.store.save(Connection(LOCAL, server.base_url))
    instance.store.save(Connection(DOWN, f"http://127.0.0.1:{closed_port()}/api"))
    instance.initGui()
    yield instance
    instance.unload()
    for name in (LOCAL, DOWN):
        instance.store.delete(name)
    iface.close()


PERSONAL = "cbb21ee3-d15d-45c5-a175-66964adf4e85"


def request_count(server) -> int:
    return len(server.api["request_log"])


def requests_since(server, start: int) -> list:
    """What clients asked for since ``start`` (copied on the server's own thread, where requests append)."""
    return server.call(lambda: list(server.api["request_log"]))[start:]


class Tree:
    """The Browser as QGIS shows it: a QgsBrowserModel, expanded node by node (slow nodes fill on a worker thread).

    Children are read through the model: PyQGIS 3.22's ``QgsDataItem.children()`` returns owning wrappers.
    """

    def __init__(self) -> None:
        from qgis.core import QgsBrowserModel

        self.model = QgsBrowserModel()
        self.model.initialize()

    def item(self, index):
        return self.model.dataItem(index)

    def root(self):
        from geoengine_qgis.browser.items import RootItem

        roots = [self.model.index(row, 0) for row in range(self.model.rowCount())
                 if isinstance(self.model.dataItem(self.model.index(row, 0)), RootItem)]
        assert len(roots) == 1, "the Browser has no (or more than one) Geo Engine root"
        return roots[0]

    def children(self, index) -> list:
        """Child indexes in the Browser panel's order (its proxy model sorts by ``sortKey``)."""
        indexes = [self.model.index(row, 0, index) for row in range(self.model.rowCount(index))]
        return sorted(indexes, key=lambda i: str(self.item(i).sortKey()))

    def items(self, index) -> list:
        return [self.item(i) for i in self.children(index)]

    def expand(self, index) -> list:
        """Expand like a click on the arrow; returns the child indexes once the node is filled."""
        from qgis.core import Qgis

        item = self.item(index)
        if self.model.canFetchMore(index):
            self.model.fetchMore(index)
        assert wait_for_fetch(lambda: item.state() == Qgis.BrowserItemState.Populated), f"{item.path()} never filled"
        return self.children(index)

    def child(self, index, name: str):
        found = [i for i in self.children(index) if self.item(i).name() == name]
        assert found, f"no {name!r} below {self.item(index).path()}: {[x.name() for x in self.items(index)]}"
        return found[0]

    def path(self, *names: str):
        """Expand from the root along ``names`` (the last one too); returns the index of the last one."""
        index = self.root()
        for name in names:
            self.expand(index)
            index = self.child(index, name)
        self.expand(index)
        return index

    def close(self) -> None:
        self.model.deleteLater()


@pytest.fixture
def tree(plugin):
    browser = Tree()
    yield browser
    browser.close()


def test_root_lists_connections_and_nothing_is_fetched_before_expansion(plugin, server):
    from geoengine_qgis.browser.items import ConnectionItem

    before = request_count(server)
    tree = Tree()
    try:
        root = tree.root()
        assert tree.item(root).name() == "Geo Engine"
        names = [tree.item(i).name() for i in tree.expand(root)]
        assert names == plugin.store.names() and {LOCAL, DOWN} <= set(names)
        assert all(isinstance(item, ConnectionItem) for item in tree.items(root))
        node = tree.child(root, LOCAL)
        assert [tree.item(i).name() for i in tree.expand(node)] == ["Layer collections", "Datasets"]
        assert tree.item(node).toolTip() == server.base_url
        assert requests_since(server, before) == []  # no login, no listing until a server node opens
        tree.expand(tree.child(node, "Layer collections"))
        asked = requests_since(server, before)
        assert asked == ["GET /info", "POST /anonymous", "GET /layers/collections"]  # /info: where the API is
    finally:
        tree.close()


def test_collections_and_layers_with_descriptions(tree):
    from geoengine_qgis.browser.items import CollectionItem, EntryItem
    from geoengine_qgis.ui.icons import RESOURCES
    from qgis.PyQt.QtGui import QIcon

    collections, layers = definitions("layer_collection_defs"), definitions("layer_defs")
    providers = tree.path(LOCAL, "Layer collections")
    assert [tree.item(i).name() for i in tree.expand(providers)] == ["Data Catalog", "Personal Data Catalog"]
    catalog = tree.child(providers, "Data Catalog")
    root_def = collections["05102bb3-a855-4a37-8a8a-30026a91fef1"]
    assert [tree.item(i).name() for i in tree.expand(catalog)] == [
        collections[i]["name"] for i in root_def["collections"]]
    assert all(isinstance(item, CollectionItem) for item in tree.items(catalog))
    test_collection = tree.child(catalog, "A test collection")
    tree.expand(test_collection)
    entries = [item for item in tree.items(test_collection) if isinstance(item, EntryItem)]
    test_def = collections[TEST_COLLECTION]
    assert sorted((e.name(), e.toolTip()) for e in entries) == sorted(
        (layers[i]["name"], layers[i]["description"]) for i in test_def["layers"])
    assert len(entries) == 4
    assert {e.name() for e in entries} == {"Ports in Germany", "Stacked Raster", "Natural Earth II – RGB",
                                           "Natural Earth II – R"}
    # the icon says the result kind (the layer definitions' workflow type), drawn from resources/kind_*.svg
    by_name = {layer["name"]: layer["workflow"]["type"].lower() for layer in layers.values()}
    assert {e.name(): e.data_kind for e in entries} == {e.name(): by_name[e.name()] for e in entries}
    assert {by_name[e.name()] for e in entries} == {"raster", "vector"}
    for entry in entries:
        expected = QIcon(str(RESOURCES / f"kind_{by_name[entry.name()]}.svg")).pixmap(16, 16).toImage()
        assert entry.icon().pixmap(16, 16).toImage() == expected, entry.name()
    assert tree.expand(tree.child(test_collection, "An empty collection")) == []


def add_personal_datasets(server, owner: str, count: int) -> list:
    catalog = server.api["catalog"]
    template = catalog.dataset("ne_10m_ports")
    names = [f"browser_more_{owner[:8]}_{i:03d}" for i in range(count)]

    def add() -> None:
        for name in names:
            catalog.add_dataset(dataclasses.replace(template, id=str(uuid.uuid4()), name=name, display_name=name,
                                                    description=f"copy {name[-3:]}", owner=owner, tags=["upload"]))

    server.call(add)
    return names


def entries_below(tree, index) -> list:
    from geoengine_qgis.browser.items import EntryItem

    return sorted((item for item in tree.items(index) if isinstance(item, EntryItem)), key=lambda e: e.sortKey())


def more_below(tree, index) -> list:
    from geoengine_qgis.browser.items import MoreItem

    return [item for item in tree.items(index) if isinstance(item, MoreItem)]


def test_pages_of_twenty_with_more(plugin, server, tree):
    from qgis.gui import QgsDataItemGuiContext
    from qgis.PyQt.QtWidgets import QMenu

    providers = tree.path(LOCAL, "Layer collections")
    tree.expand(providers)  # logs in
    session = plugin.sessions.get(LOCAL)
    names = add_personal_datasets(server, session.user_id, 23)
    try:
        # the real provider's three collections; "User Uploads" holds the datasets tagged "upload"
        catalog = tree.child(providers, "Personal Data Catalog")
        assert [tree.item(i).name() for i in tree.expand(catalog)] == ["User Uploads", "Workflows", "All Datasets"]
        personal = tree.child(catalog, "User Uploads")
        assert len(tree.expand(personal)) == 21
        assert [e.name() for e in entries_below(tree, personal)] == names[:20]
        more = more_below(tree, personal)
        assert len(more) == 1 and more[0].name() == "More…"
        before = request_count(server)
        assert plugin.browser.gui_provider.handleDoubleClick(more[0], QgsDataItemGuiContext())
        assert wait_for_fetch(lambda: not more_below(tree, personal) and len(entries_below(tree, personal)) == 23)
        assert [e.name() for e in entries_below(tree, personal)] == names
        new = [e for e in entries_below(tree, personal)][20:]
        # the page, then each new layer once for its kind (the icon): raster, vector or plot
        assert requests_since(server, before) == [f"GET /layers/collections/{PERSONAL}/tags:upload"] + [
            f"GET /layers/{PERSONAL}/{e.target.layer_id}" for e in new]

        datasets = tree.child(tree.path(LOCAL), "Datasets")
        assert len(tree.expand(datasets)) == 21
        menu = QMenu()
        plugin.browser.gui_provider.populateContextMenu(more_below(tree, datasets)[0], menu, [],
                                                        QgsDataItemGuiContext())
        load_more = [a for a in menu.actions() if a.text() == "Load more"]
        assert len(load_more) == 1
        load_more[0].trigger()
        expected = [d.name for d in sorted((d for d in server.api["catalog"].datasets.values()  # by display name
                                            if d.owner in (None, session.user_id)),
                                           key=lambda d: (d.display_name.lower(), d.display_name))]
        assert 20 < len(expected) <= 40
        assert wait_for_fetch(lambda: len(entries_below(tree, datasets)) == len(expected))
        assert more_below(tree, datasets) == []
        entries = entries_below(tree, datasets)
        assert [e.target.dataset for e in entries] == expected
        ports = next(e for e in entries if e.target.dataset == "ne_10m_ports")
        assert ports.target.data_kind == "vector"
        assert ports.toolTip().startswith(server.api["catalog"].dataset("ne_10m_ports").description)
        menu.deleteLater()
    finally:
        server.call(lambda: [server.api["catalog"].datasets.pop(n, None) for n in names])


def test_unreachable_and_failing_servers_give_error_items(server, tree):
    from qgis.core import QgsErrorItem

    down = tree.path(DOWN)
    collections = tree.child(down, "Layer collections")
    shown = [tree.item(i) for i in tree.expand(collections)]
    assert len(shown) == 1 and isinstance(shown[0], QgsErrorItem)
    assert "cannot connect" in shown[0].name().lower()
    datasets = [tree.item(i) for i in tree.expand(tree.child(down, "Datasets"))]
    assert len(datasets) == 1 and isinstance(datasets[0], QgsErrorItem)

    providers = tree.path(LOCAL, "Layer collections")
    tree.expand(providers)
    catalog = tree.child(providers, "Data Catalog")
    server.config.faults.http_500_remaining = 1
    server.config.faults.http_500_path_prefix = "/layers/collections"
    failed = [tree.item(i) for i in tree.expand(catalog)]
    assert len(failed) == 1 and isinstance(failed[0], QgsErrorItem) and "Injected fault" in failed[0].name()
    tree.item(catalog).refresh()  # the Browser's "Refresh": the fault is used up, the listing comes back
    assert wait_for_fetch(lambda: [x.name() for x in tree.items(catalog)] == ["A test collection",
                                                                          "An empty collection"])


def ports_entry(tree):
    collection = tree.path(LOCAL, "Layer collections", "Data Catalog", "A test collection")
    tree.expand(collection)
    return tree.item(tree.child(collection, "Ports in Germany"))


def post_json(url: str, body, token=None) -> dict:
    import urllib.request

    headers = {"Content-Type": "application/json", **({"Authorization": f"Bearer {token}"} if token else {})}
    data = json.dumps(body).encode() if body is not None else b""
    with urllib.request.urlopen(urllib.request.Request(url, data=data, headers=headers), timeout=20) as answer:
        return json.loads(answer.read())


def expected_ports_id(server) -> str:
    """The id the server gives the layer file's workflow, registered over plain HTTP (no plugin code)."""
    definition = json.loads((DATA / "layer_defs/ports_in_germany.json").read_text(encoding="utf-8"))
    assert definition["id"] == PORTS_LAYER
    token = post_json(server.base_url + "/anonymous", None)["id"]
    return post_json(server.base_url + "/workflow", definition["workflow"], token)["id"]


def ports_in_germany_rows(layer) -> int:
    """Every attribute and point of the layer equal the ports file's inside the Germany outline (OGR filter)."""
    outline = ogr.Open(str(DATA / "vector/data/germany_polygon.gpkg"))
    polygons = outline.GetLayer(0)
    union = ogr.Geometry(ogr.wkbMultiPolygon)
    for feature in polygons:
        union = union.Union(feature.GetGeometryRef())
    return assert_rows_match(layer, DATA / "vector/data/ne_10m_ports/ne_10m_ports.shp", within=union)


def loaded_layers(project, name: str) -> list:
    return [layer for layer in project.mapLayers().values() if layer.name() == name]


def test_double_click_adds_ports_in_germany_through_the_loader(plugin, project, server, tree):
    from qgis.core import QgsMapLayerType
    from qgis.gui import QgsDataItemGuiContext

    entry = ports_entry(tree)
    assert plugin.browser.gui_provider.handleDoubleClick(entry, QgsDataItemGuiContext())
    assert wait_for_fetch(lambda: loaded_layers(project, "Ports in Germany"))
    layer = loaded_layers(project, "Ports in Germany")[0]
    assert layer.type() == QgsMapLayerType.VectorLayer and layer.featureCount() == 13
    assert ports_in_germany_rows(layer) == 13
    assert layer.customProperty("geoengine/workflow_id") == expected_ports_id(server)
    assert layer.customProperty("geoengine/connection") == LOCAL
    bounds = [float(v) for v in layer.customProperty("geoengine/extent").split(",")]
    canvas = plugin.iface.mapCanvas().extent()
    assert bounds == pytest.approx([canvas.xMinimum(), canvas.yMinimum(), canvas.xMaximum(), canvas.yMaximum()])


def test_dropping_entries_on_the_map(plugin, project, server, tree):
    from geoengine_qgis.browser.items import EntryItem
    from qgis.core import QgsMimeDataUtils
    from qgis.PyQt.QtCore import Qt

    entry = ports_entry(tree)
    handler = plugin.iface.drop_handlers[0]
    assert handler.customUriProviderKey() == "geoengine"
    index = tree.model.findItem(entry)
    assert tree.model.flags(index) & Qt.ItemFlag.ItemIsDragEnabled
    dragged = tree.model.mimeData([index])  # what the Browser puts into a drag
    assert QgsMimeDataUtils.isUriList(dragged)
    dropped = QgsMimeDataUtils.decodeUriList(dragged)
    assert [(u.layerType, u.providerKey, u.name) for u in dropped] == [("custom", "geoengine", "Ports in Germany")]
    canvas = plugin.iface.mapCanvas()
    assert handler.canHandleCustomUriCanvasDrop(dropped[0], canvas)
    assert handler.handleCustomUriCanvasDrop(dropped[0], canvas)
    assert wait_for_fetch(lambda: loaded_layers(project, "Ports in Germany"))
    assert loaded_layers(project, "Ports in Germany")[0].featureCount() == 13
    assert ports_in_germany_rows(loaded_layers(project, "Ports in Germany")[0]) == 13

    datasets = tree.child(tree.path(LOCAL), "Datasets")
    tree.expand(datasets)
    ports = next(e for e in tree.items(datasets) if isinstance(e, EntryItem) and e.target.dataset == "ne_10m_ports")
    handler.handleCustomUriDrop(QgsMimeDataUtils.decodeUriList(QgsMimeDataUtils.encodeUriList(ports.mimeUris()))[0])
    assert wait_for_fetch(lambda: loaded_layers(project, ports.name()))
    layer = loaded_layers(project, ports.name())[0]
    assert layer.featureCount() > 13  # every port in the map's rectangle, not only Germany's

    broken = QgsMimeDataUtils.Uri()
    broken.layerType, broken.providerKey, broken.uri = "custom", "geoengine", "{not json"
    shown_before = len(plugin.iface.messageBar().items())
    assert not handler.handleCustomUriCanvasDrop(broken, canvas)  # told in the message bar, no exception
    told = [f"{i.title()} {i.text()}" for i in plugin.iface.messageBar().items()]  # the newest first
    assert len(told) == shown_before + 1
    assert told[0] == "Geo Engine cannot load the dropped entry: uri: the dropped Geo Engine entry is not JSON"


def test_context_menu_actions(plugin, server, tree):
    from qgis.gui import QgsDataItemGuiContext
    from qgis.PyQt.QtWidgets import QApplication, QMenu

    entry = ports_entry(tree)
    menu = QMenu()
    plugin.browser.gui_provider.populateContextMenu(entry, menu, [entry], QgsDataItemGuiContext())
    actions = {a.text(): a for a in menu.actions() if a.text()}
    assert {"Add to map", "Show provenance…", "Copy workflow id", "Show workflow definition…"} <= set(actions)
    QApplication.clipboard().setText("")
    actions["Copy workflow id"].trigger()
    expected = expected_ports_id(server)
    assert wait_for_fetch(lambda: QApplication.clipboard().text() == expected)

    actions["Show workflow definition…"].trigger()
    assert wait_for_fetch(lambda: plugin.browser.actions.dialogs)
    dialog = plugin.browser.actions.dialogs[-1]
    assert dialog.workflow_id == expected
    assert dialog.definition == definitions("layer_defs")[PORTS_LAYER]["workflow"]

    actions["Show provenance…"].trigger()
    assert wait_for_fetch(lambda: plugin.provenance_dock is not None and plugin.provenance_dock.state == "ready")
    assert plugin.provenance_dock.rows and "Natural Earth" in plugin.provenance_dock.as_text()
    menu.deleteLater()


def test_provenance_text_window_without_the_dock(plugin, tree):
    plugin.browser.host.show_provenance = None
    entry = ports_entry(tree)
    shown = []
    plugin.browser.actions.show_provenance(entry.target, shown.append)
    assert wait_for_fetch(lambda: shown)
    assert "Natural Earth" in shown[0].text() and "Citation:" in shown[0].text()


def test_load_and_unload_twice_leaves_nothing_registered(qgis_app):
    from geoengine_qgis.browser.integration import registered_gui_provider_names, registered_provider_names
    from geoengine_qgis.browser.items import RootItem
    from geoengine_qgis.plugin import GeoEnginePlugin

    tree = Tree()

    def geoengine_roots() -> int:
        return sum(1 for item in tree.items(QModelIndex()) if isinstance(item, RootItem))

    from qgis.PyQt.QtCore import QModelIndex

    assert "Geo Engine" not in registered_provider_names()
    for _round in range(2):
        iface = make_iface()
        instance = GeoEnginePlugin(iface)
        instance.initGui()
        assert registered_provider_names().count("Geo Engine") == 1
        assert registered_gui_provider_names().count("Geo Engine") == 1
        assert len(iface.drop_handlers) == 1 and geoengine_roots() == 1
        instance.unload()
        assert "Geo Engine" not in registered_provider_names()
        assert "Geo Engine" not in registered_gui_provider_names()
        assert iface.drop_handlers == [] and geoengine_roots() == 0
        iface.close()
    tree.close()


def test_refresh_and_the_connections_dialog_from_the_context_menu(plugin, tree):
    """New connections appear on "Refresh" and when the connections dialog closes; bad credentials: an error."""
    from geoengine_qgis.qgis_glue.connections import PASSWORD, Connection
    from qgis.core import QgsErrorItem
    from qgis.gui import QgsDataItemGuiContext
    from qgis.PyQt.QtWidgets import QMenu

    root = tree.root()
    tree.expand(root)
    menu = QMenu()
    plugin.browser.gui_provider.populateContextMenu(tree.item(root), menu, [], QgsDataItemGuiContext())
    actions = {a.text(): a for a in menu.actions() if a.text()}
    assert {"Refresh", "Connections…"} <= set(actions)
    name = "Browser test broken auth"
    plugin.store.save(Connection(name, "http://127.0.0.1:9/api", PASSWORD, "nosuch1"))
    try:
        actions["Refresh"].trigger()
        assert wait_for_fetch(lambda: name in [item.name() for item in tree.items(root)])
        shown = [tree.item(i) for i in tree.expand(tree.child(root, name))]
        assert len(shown) == 1 and isinstance(shown[0], QgsErrorItem)
        assert shown[0].name().startswith("Authentication configuration 'nosuch1' cannot be read")
        actions["Connections…"].trigger()
        dialog = plugin._dialogs[-1]
        assert type(dialog).__name__ == "ConnectionsDialog"
    finally:
        plugin.store.delete(name)
    dialog.reject()  # closing the dialog refreshes the Browser
    assert wait_for_fetch(lambda: name not in [item.name() for item in tree.items(root)])
    menu.deleteLater()


def test_a_password_connection_lists_its_own_datasets(plugin, server, tree):
    from geoengine_qgis.qgis_glue.connections import PASSWORD, Connection
    from qgis.core import QgsApplication, QgsAuthMethodConfig

    plugin_support.ensure_master_password()
    config = QgsAuthMethodConfig("Basic")
    config.setName("browser tests analyst")
    config.setConfig("username", "analyst@example.org")
    config.setConfig("password", "analyst-password")
    assert QgsApplication.authManager().storeAuthenticationConfig(config)
    name = "Browser test analyst"
    plugin.store.save(Connection(name, server.base_url, PASSWORD, config.id()))
    analyst = server.api["users"].user_by_email("analyst@example.org")
    names = add_personal_datasets(server, analyst.id, 2)
    try:
        plugin.browser.refresh_connections()
        personal = tree.path(name, "Layer collections", "Personal Data Catalog", "User Uploads")
        # Other tests may have added datasets on the shared server: the listing must hold exactly the uploads
        # the analyst may read (display names), ours among them, and nobody else's.
        own = server.call(lambda: sorted(d.display_name for d in server.api["catalog"].datasets.values()
                                         if d.owner in (None, analyst.id) and "upload" in d.tags))
        listed = [e.name() for e in entries_below(tree, personal)]
        assert sorted(listed) == own
        assert [n for n in listed if n in names] == names
        assert plugin.sessions.get(name).email == "analyst@example.org"
    finally:
        server.call(lambda: [server.api["catalog"].datasets.pop(n, None) for n in names])
        plugin.store.delete(name)
        QgsApplication.authManager().removeAuthenticationConfig(config.id())


def test_unload_while_a_node_is_still_loading(qgis_app, server):
    """A slow server: unload right after expanding returns once the listing ends (bounded), leaving nothing."""
    from geoengine_qgis.browser.integration import registered_provider_names
    from qgis.core import Qgis
    from qgis.PyQt import sip

    iface, instance = start_with_local(server)
    tree = Tree()
    try:
        node = tree.path(LOCAL)
        collections = tree.child(node, "Layer collections")
        item = tree.item(collections)
        server.config.faults.latency_s = 1.0
        tree.model.fetchMore(collections)
        assert item.state() == Qgis.BrowserItemState.Populating  # the Browser shows it as loading
        asked_before = request_count(server)
        instance.unload()
        plugin_support.flush_deletes()
        assert "Geo Engine" not in registered_provider_names()
        # QGIS deletes a loading item once its worker has ended: after that nothing can still ask the server
        assert wait_for_fetch(lambda: sip.isdeleted(item), timeout=30)
        asked = requests_since(server, asked_before - 1)
        assert "GET /layers/collections" not in asked and instance.sessions.names() == []
    finally:
        server.config.faults.latency_s = 0.0
        tree.close()
        instance.store.delete(LOCAL)
        iface.close()


def test_added_layers_use_the_maps_current_time(plugin, project, tree):
    from geoengine_qgis.browser.items import EntryItem
    from qgis.core import QgsDateTimeRange, QgsMapLayerType
    from qgis.PyQt.QtCore import QDateTime, Qt

    canvas = plugin.iface.mapCanvas()
    canvas.setTemporalRange(QgsDateTimeRange(QDateTime(2014, 4, 1, 0, 0, 0, 0, Qt.UTC),
                                             QDateTime(2014, 5, 1, 0, 0, 0, 0, Qt.UTC)))
    assert canvas.mapSettings().isTemporal()
    datasets = tree.path(LOCAL, "Datasets")
    ndvi = next(e for e in tree.items(datasets) if isinstance(e, EntryItem) and e.target.dataset == "ndvi")
    assert ndvi.icon() is not None and ndvi.target.data_kind == "raster"
    done = []
    plugin.browser.actions.add_to_map(ndvi.target, done.append)
    assert wait_for_fetch(lambda: done)
    assert done[0].ok, done[0].error
    layer = done[0].layers[0]
    assert layer.type() == QgsMapLayerType.RasterLayer
    assert layer.customProperty("geoengine/time") == "2014-04-01T00:00:00.000Z/2014-05-01T00:00:00.000Z"
    assert project.mapLayer(layer.id()) is not None


def test_loading_an_entry_reuses_the_descriptor_fetched_while_preparing_it(plugin, project, tree, server):
    """Prepare (register + descriptor), then the load: provenance, definition, dataset and the stream, with no
    second descriptor request in between. (Afterwards the time controller asks once more for the time steps.)"""
    from geoengine_qgis.browser.items import EntryItem

    datasets = tree.path(LOCAL, "Datasets")
    ndvi = next(e for e in tree.items(datasets) if isinstance(e, EntryItem) and e.target.dataset == "ndvi")
    before, done = request_count(server), []
    plugin.browser.actions.add_to_map(ndvi.target, done.append)
    assert wait_for_fetch(lambda: done)
    assert done[0].ok, done[0].error
    workflow = f"/workflow/{done[0].layers[0].customProperty('geoengine/workflow_id')}"
    asked = requests_since(server, before)
    up_to_stream = asked[:asked.index(f"GET {workflow}/rasterStream")]
    assert [line for line in up_to_stream if line.startswith(f"GET {workflow}/metadata")] == [
        f"GET {workflow}/metadata"], asked


def test_paths_below_the_root_change_with_each_start(qgis_app, server):
    """QGIS re-expands the Browser paths that were open when it last closed. Our paths below the root carry an
    id per plugin start, so a restart never reads credentials or fetches on its own."""

    paths = []
    for _round in range(2):
        iface, instance = start_with_local(server)
        tree = Tree()
        try:
            root = tree.root()
            assert tree.item(root).path() == "geoengine:"
            paths.append(tree.item(tree.path(LOCAL)).path())
        finally:
            tree.close()
            instance.unload()
            instance.store.delete(LOCAL)
            iface.close()
    assert paths[0] != paths[1] and all(p.startswith("geoengine:/") and f"/{LOCAL}@" in p for p in paths)


def test_adding_without_a_map_extent_says_so_before_any_request(plugin, server, tree):
    entry = ports_entry(tree)
    plugin.browser.host.canvas = None
    before, outcomes = request_count(server), []
    plugin.browser.actions.add_to_map(entry.target, outcomes.append)
    assert len(outcomes) == 1 and not outcomes[0].ok
    assert outcomes[0].error.field == "extent" and "map" in outcomes[0].error.message
    assert requests_since(server, before) == []


def test_an_edited_connection_gets_a_fresh_node(plugin, server, tree):
    from geoengine_qgis.qgis_glue.connections import Connection
    from qgis.core import QgsErrorItem

    root = tree.root()
    collections = tree.path(LOCAL, "Layer collections")
    assert [tree.item(i).name() for i in tree.expand(collections)] == ["Data Catalog", "Personal Data Catalog"]
    old_path = tree.item(tree.child(root, LOCAL)).path()
    plugin.store.save(Connection(LOCAL, f"http://127.0.0.1:{closed_port()}/api"), previous_name=LOCAL)
    plugin.browser.refresh_connections()
    assert wait_for_fetch(lambda: tree.item(tree.child(root, LOCAL)).path() != old_path)
    shown = [tree.item(i) for i in tree.expand(tree.path(LOCAL, "Layer collections"))]
    assert len(shown) == 1 and isinstance(shown[0], QgsErrorItem)  # the new URL, not the old node's session
