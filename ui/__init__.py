"""Dialogs and docks of the plugin (Qt only through ``qgis.PyQt``)."""
