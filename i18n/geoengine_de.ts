<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE TS>
<TS version="2.1" language="de" sourcelanguage="en">
    <context>
        <name>GeoEngine</name>
        <message>
            <location filename="../../../work/main/plugin.py" line="43" />
            <source>coming in a later version</source>
            <translation>kommt in einer späteren Version</translation>
        </message>
        <message>
            <location filename="../../../work/main/plugin.py" line="58" />
            <source>Connections…</source>
            <translation>Verbindungen…</translation>
        </message>
        <message>
            <location filename="../../../work/main/plugin.py" line="58" />
            <source>Manage Geo Engine server connections</source>
            <translation>Geo-Engine-Serververbindungen verwalten</translation>
        </message>
        <message>
            <location filename="../../../work/main/plugin.py" line="58" />
            <source>Add workflow layer…</source>
            <translation>Workflow-Layer hinzufügen…</translation>
        </message>
        <message>
            <location filename="../../../work/main/plugin.py" line="58" />
            <source>Add a workflow result as a layer</source>
            <translation>Ein Workflow-Ergebnis als Layer hinzufügen</translation>
        </message>
        <message>
            <location filename="../../../work/main/plugin.py" line="58" />
            <source>Provenance</source>
            <translation>Herkunft</translation>
        </message>
        <message>
            <location filename="../../../work/main/plugin.py" line="58" />
            <source>Citations and licences of the selected layer</source>
            <translation>Zitate und Lizenzen des gewählten Layers</translation>
        </message>
        <message>
            <location filename="../../../work/main/plugin.py" line="58" />
            <source>Quota &amp;&amp; usage</source>
            <translation>Kontingent &amp;&amp; Nutzung</translation>
        </message>
        <message>
            <location filename="../../../work/main/plugin.py" line="58" />
            <source>Remaining quota and data usage</source>
            <translation>Verbleibendes Kontingent und Datennutzung</translation>
        </message>
        <message>
            <location filename="../../../work/main/plugin.py" line="58" />
            <source>Plot</source>
            <translation>Diagramm</translation>
        </message>
        <message>
            <location filename="../../../work/main/plugin.py" line="58" />
            <source>Show a plot workflow</source>
            <translation>Einen Diagramm-Workflow anzeigen</translation>
        </message>
        <message>
            <location filename="../../../work/main/plugin.py" line="58" />
            <source>Save result as dataset…</source>
            <translation>Ergebnis als Datensatz speichern…</translation>
        </message>
        <message>
            <location filename="../../../work/main/plugin.py" line="58" />
            <source>Store a workflow result on the server</source>
            <translation>Ein Workflow-Ergebnis auf dem Server speichern</translation>
        </message>
        <message>
            <location filename="../../../work/main/plugin.py" line="58" />
            <source>Download metadata…</source>
            <translation>Metadaten herunterladen…</translation>
        </message>
        <message>
            <location filename="../../../work/main/plugin.py" line="58" />
            <source>Download the metadata zip of a workflow</source>
            <translation>Das Metadaten-ZIP eines Workflows herunterladen</translation>
        </message>
        <message>
            <location filename="../../../work/main/plugin.py" line="58" />
            <source>Show workflow definition</source>
            <translation>Workflow-Definition anzeigen</translation>
        </message>
        <message>
            <location filename="../../../work/main/plugin.py" line="58" />
            <source>Show the workflow JSON of the selected layer</source>
            <translation>Das Workflow-JSON des gewählten Layers anzeigen</translation>
        </message>
        <message>
            <location filename="../../../work/main/plugin.py" line="58" />
            <source>Copy workflow id</source>
            <translation>Workflow-ID kopieren</translation>
        </message>
        <message>
            <location filename="../../../work/main/plugin.py" line="58" />
            <source>Copy the workflow id of the selected layer</source>
            <translation>Die Workflow-ID des gewählten Layers kopieren</translation>
        </message>
        <message>
            <location filename="../../../work/main/plugin.py" line="58" />
            <source>Help</source>
            <translation>Hilfe</translation>
        </message>
        <message>
            <location filename="../../../work/main/plugin.py" line="58" />
            <source>Open the plugin's documentation</source>
            <translation>Die Dokumentation des Plugins öffnen</translation>
        </message>
    </context>
</TS>
