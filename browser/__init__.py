"""Geo Engine in QGIS's Browser panel: saved connections, the server's layer collections and the user's datasets.

* :mod:`.targets` - what a browser entry loads (catalog layer or dataset), its drag-and-drop URI, and the
  worker-thread step that turns it into a registered workflow.
* :mod:`.context` - per-connection state the items share (resolved credentials, worker-thread sessions, page size).
* :mod:`.items` - the QgsDataItem tree (root > connection > collections/datasets > layers, paged with "More…").
* :mod:`.provider` - the QgsDataItemProvider that puts the root item into the Browser.
* :mod:`.actions` - add to map (the Add-workflow-layer loader), provenance, workflow id, definition.
* :mod:`.gui` - context menu and double-click (QgsDataItemGuiProvider) and map drops (QgsCustomDropHandler).
* :mod:`.integration` - registration in ``initGui`` and removal in ``unload``.
"""
