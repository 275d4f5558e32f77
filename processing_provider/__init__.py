"""The plugin's Processing provider ``geoengine`` (models, batch runs, ``qgis_process``)."""
