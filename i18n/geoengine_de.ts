<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE TS>
<TS version="2.1" language="de" sourcelanguage="en">
    <context>
        <name>GeoEngine</name>
        <message>
            <location filename="../browser/actions.py" line="102" />
            <source>Geo Engine: cannot add {name}: {message}</source>
            <translation>Geo Engine: {name} kann nicht hinzugefügt werden: {message}</translation>
        </message>
        <message>
            <location filename="../browser/actions.py" line="112" />
            <source>Geo Engine: add {name}</source>
            <translation>Geo Engine: {name} hinzufügen</translation>
        </message>
        <message>
            <location filename="../browser/actions.py" line="126" />
            <source>Copied the workflow id of {name}: {workflow_id}</source>
            <translation>Die Workflow-ID von {name} wurde kopiert: {workflow_id}</translation>
        </message>
        <message>
            <location filename="../browser/actions.py" line="131" />
            <source>Geo Engine: workflow id of {name}</source>
            <translation>Geo Engine: Workflow-ID von {name}</translation>
        </message>
        <message>
            <location filename="../browser/actions.py" line="157" />
            <source>Provenance of {name}</source>
            <translation>Herkunft von {name}</translation>
        </message>
        <message>
            <location filename="../browser/actions.py" line="158" />
            <source>Data behind workflow {workflow_id}</source>
            <translation>Daten hinter Workflow {workflow_id}</translation>
        </message>
        <message>
            <location filename="../browser/actions.py" line="168" />
            <source>Geo Engine: provenance of {name}</source>
            <translation>Geo Engine: Herkunft von {name}</translation>
        </message>
        <message>
            <location filename="../browser/gui.py" line="28" />
            <source>Show provenance…</source>
            <translation>Herkunft anzeigen…</translation>
        </message>
        <message>
            <location filename="../browser/gui.py" line="28" />
            <source>Show workflow definition…</source>
            <translation>Workflow-Definition anzeigen…</translation>
        </message>
        <message>
            <location filename="../browser/gui.py" line="28" />
            <source>Load more</source>
            <translation>Mehr laden</translation>
        </message>
        <message>
            <location filename="../browser/gui.py" line="117" />
            <source>Geo Engine: cannot load the dropped entry: {message}</source>
            <translation>Geo Engine: Der abgelegte Eintrag kann nicht geladen werden: {message}</translation>
        </message>
        <message>
            <location filename="../browser/items.py" line="47" />
            <source>More…</source>
            <translation>Mehr…</translation>
        </message>
        <message>
            <location filename="../browser/items.py" line="118" />
            <source>Geo Engine servers (add them with Web &gt; Geo Engine &gt; Connections…)</source>
            <translation>Geo-Engine-Server (hinzufügen über Web &gt; Geo Engine &gt; Verbindungen…)</translation>
        </message>
        <message>
            <location filename="../browser/items.py" line="161" />
            <source>The server's layer providers and their collections</source>
            <translation>Die Layer-Anbieter des Servers und ihre Sammlungen</translation>
        </message>
        <message>
            <location filename="../browser/items.py" line="233" />
            <source>Geo Engine: more of {name}</source>
            <translation>Geo Engine: mehr von {name}</translation>
        </message>
        <message>
            <location filename="../browser/items.py" line="270" />
            <source>Datasets you may use, by name</source>
            <translation>Datensätze, die Sie verwenden dürfen, nach Namen</translation>
        </message>
        <message>
            <location filename="../browser/items.py" line="327" />
            <source>Entries from {first} on: double-click to load the next page</source>
            <translation>Einträge ab {first}: Doppelklick lädt die nächste Seite</translation>
        </message>
        <message>
            <location filename="../features.py" line="111" />
            <source>Copied workflow id {workflow_id}.</source>
            <translation>Workflow-ID {workflow_id} kopiert.</translation>
        </message>
        <message>
            <location filename="../features.py" line="132" />
            <source>Geo Engine: workflow definition of {name}</source>
            <translation>Geo Engine: Workflow-Definition von {name}</translation>
        </message>
        <message>
            <location filename="../features.py" line="145" />
            <source>Save workflow metadata</source>
            <translation>Workflow-Metadaten speichern</translation>
        </message>
        <message>
            <location filename="../features.py" line="145" />
            <source>Zip files (*.zip)</source>
            <translation>ZIP-Dateien (*.zip)</translation>
        </message>
        <message>
            <location filename="../features.py" line="151" />
            <source>Saved the metadata of {layer} to {path} ({files}).</source>
            <translation>Die Metadaten von {layer} wurden in {path} gespeichert ({files}).</translation>
        </message>
        <message>
            <location filename="../features.py" line="156" />
            <source>Geo Engine: metadata of {layer}</source>
            <translation>Geo Engine: Metadaten von {layer}</translation>
        </message>
        <message>
            <location filename="../features.py" line="188" />
            <source>Geo Engine: register {dataset_name}</source>
            <translation>Geo Engine: {dataset_name} registrieren</translation>
        </message>
        <message>
            <location filename="../plugin.py" line="43" />
            <source>coming in a later version</source>
            <translation>kommt in einer späteren Version</translation>
        </message>
        <message>
            <location filename="../plugin.py" line="58" />
            <source>Connections…</source>
            <translation>Verbindungen…</translation>
        </message>
        <message>
            <location filename="../plugin.py" line="58" />
            <source>Manage Geo Engine server connections</source>
            <translation>Geo-Engine-Serververbindungen verwalten</translation>
        </message>
        <message>
            <location filename="../plugin.py" line="58" />
            <source>Add workflow layer…</source>
            <translation>Workflow-Layer hinzufügen…</translation>
        </message>
        <message>
            <location filename="../plugin.py" line="58" />
            <source>Add a workflow result as a layer</source>
            <translation>Ein Workflow-Ergebnis als Layer hinzufügen</translation>
        </message>
        <message>
            <location filename="../plugin.py" line="58" />
            <source>Citations and licences of the selected layer</source>
            <translation>Zitate und Lizenzen des gewählten Layers</translation>
        </message>
        <message>
            <location filename="../plugin.py" line="58" />
            <source>Quota &amp;&amp; usage</source>
            <translation>Kontingent &amp;&amp; Nutzung</translation>
        </message>
        <message>
            <location filename="../plugin.py" line="58" />
            <source>Remaining quota and data usage</source>
            <translation>Verbleibendes Kontingent und Datennutzung</translation>
        </message>
        <message>
            <location filename="../plugin.py" line="58" />
            <source>Show a plot workflow</source>
            <translation>Einen Diagramm-Workflow anzeigen</translation>
        </message>
        <message>
            <location filename="../plugin.py" line="58" />
            <source>Save result as dataset…</source>
            <translation>Ergebnis als Datensatz speichern…</translation>
        </message>
        <message>
            <location filename="../plugin.py" line="58" />
            <source>Store a workflow result on the server</source>
            <translation>Ein Workflow-Ergebnis auf dem Server speichern</translation>
        </message>
        <message>
            <location filename="../plugin.py" line="58" />
            <source>Download metadata…</source>
            <translation>Metadaten herunterladen…</translation>
        </message>
        <message>
            <location filename="../plugin.py" line="58" />
            <source>Download the metadata zip of a workflow</source>
            <translation>Das Metadaten-ZIP eines Workflows herunterladen</translation>
        </message>
        <message>
            <location filename="../plugin.py" line="58" />
            <source>Show workflow definition</source>
            <translation>Workflow-Definition anzeigen</translation>
        </message>
        <message>
            <location filename="../plugin.py" line="58" />
            <source>Show the workflow JSON of the selected layer</source>
            <translation>Das Workflow-JSON des gewählten Layers anzeigen</translation>
        </message>
        <message>
            <location filename="../plugin.py" line="58" />
            <source>Copy the workflow id of the selected layer</source>
            <translation>Die Workflow-ID des gewählten Layers kopieren</translation>
        </message>
        <message>
            <location filename="../plugin.py" line="58" />
            <source>Settings…</source>
            <translation>Einstellungen…</translation>
        </message>
        <message>
            <location filename="../plugin.py" line="58" />
            <source>Download limits, time-series behaviour and the download cache</source>
            <translation>Download-Grenzen, Verhalten von Zeitreihen und der Download-Cache</translation>
        </message>
        <message>
            <location filename="../plugin.py" line="58" />
            <source>Help</source>
            <translation>Hilfe</translation>
        </message>
        <message>
            <location filename="../plugin.py" line="58" />
            <source>Open the plugin's documentation</source>
            <translation>Die Dokumentation des Plugins öffnen</translation>
        </message>
        <message>
            <location filename="../plugin.py" line="404" />
            <source>Load all time steps (for export and layouts)</source>
            <translation>Alle Zeitschritte laden (für Export und Layouts)</translation>
        </message>
        <message>
            <location filename="../plugin.py" line="405" />
            <source>One layer per time step of the Temporal Controller's range, so animation exports, layouts and other map views show the right step in every frame</source>
            <translation>Ein Layer pro Zeitschritt des Bereichs der Zeitsteuerung, damit Animationsexporte, Layouts und andere Kartenansichten in jedem Bild den richtigen Schritt zeigen</translation>
        </message>
        <message>
            <location filename="../plugin.py" line="425" />
            <source>Select a Geo Engine layer that follows the Temporal Controller.</source>
            <translation>Wählen Sie einen Geo-Engine-Layer, der der Zeitsteuerung folgt.</translation>
        </message>
        <message>
            <location filename="../plugin.py" line="433" />
            <source>{layer}: its time range is not known yet.</source>
            <translation>{layer}: Sein Zeitbereich ist noch nicht bekannt.</translation>
        </message>
        <message>
            <location filename="../processing_provider/base.py" line="42" />
            <source>&lt;b&gt;Connection&lt;/b&gt;: the name of a connection saved in the plugin's Connections dialog (its password or token comes from the QGIS Authentication Manager), or the server's URL for an anonymous session: its base URL such as &lt;code&gt;http://127.0.0.1:3030&lt;/code&gt; or its exact API root such as &lt;code&gt;https://example.org/geoengine/api&lt;/code&gt; (found with GET &amp;lt;url&amp;gt;/info, then &amp;lt;url&amp;gt;/api/info).</source>
            <translation>&lt;b&gt;Verbindung&lt;/b&gt;: der Name einer im Verbindungsdialog des Plugins gespeicherten Verbindung (Passwort oder Token kommen aus der QGIS-Authentifizierungsverwaltung) oder die URL des Servers für eine anonyme Sitzung: seine Basis-URL wie &lt;code&gt;http://127.0.0.1:3030&lt;/code&gt; oder genau seine API-Wurzel wie &lt;code&gt;https://example.org/geoengine/api&lt;/code&gt; (gefunden mit GET &amp;lt;url&amp;gt;/info, dann &amp;lt;url&amp;gt;/api/info).</translation>
        </message>
        <message>
            <location filename="../processing_provider/base.py" line="48" />
            <source>The example ID belongs to the NDVI workflow &lt;code&gt;{"type": "Raster", "operator": {"type": "GdalSource", "params": {"data": "ndvi"}}}&lt;/code&gt;: the bundled test server registers it when it starts; on another server run &lt;i&gt;Register workflow from JSON&lt;/i&gt; with that JSON first.</source>
            <translation>Die Beispiel-ID gehört zum NDVI-Workflow &lt;code&gt;{"type": "Raster", "operator": {"type": "GdalSource", "params": {"data": "ndvi"}}}&lt;/code&gt;: Der mitgelieferte Testserver registriert ihn beim Start; auf einem anderen Server führen Sie zuerst &lt;i&gt;Workflow aus JSON registrieren&lt;/i&gt; mit diesem JSON aus.</translation>
        </message>
        <message>
            <location filename="../processing_provider/base.py" line="53" />
            <source>&lt;b&gt;Extent&lt;/b&gt; (with its CRS) is reprojected to the workflow's CRS. &lt;b&gt;Time start/end&lt;/b&gt; are ISO 8601 times such as &lt;code&gt;2014-04-01T00:00:00Z&lt;/code&gt;; an empty start means the workflow's first time step, an empty end an instant.</source>
            <translation>&lt;b&gt;Ausdehnung&lt;/b&gt; (mit ihrem KBS) wird in das KBS des Workflows umprojiziert. &lt;b&gt;Zeitbeginn/-ende&lt;/b&gt; sind ISO-8601-Zeiten wie &lt;code&gt;2014-04-01T00:00:00Z&lt;/code&gt;; ein leerer Beginn bedeutet den ersten Zeitschritt des Workflows, ein leeres Ende einen Zeitpunkt.</translation>
        </message>
        <message>
            <location filename="../processing_provider/base.py" line="76" />
            <source>Workflows</source>
            <translation>Workflows</translation>
        </message>
        <message>
            <location filename="../processing_provider/base.py" line="114" />
            <source>Connection (name or API URL)</source>
            <translation>Verbindung (Name oder API-URL)</translation>
        </message>
        <message>
            <location filename="../processing_provider/base.py" line="129" />
            <source>Time start (ISO 8601)</source>
            <translation>Zeitbeginn (ISO 8601)</translation>
        </message>
        <message>
            <location filename="../processing_provider/base.py" line="131" />
            <source>Time end (ISO 8601)</source>
            <translation>Zeitende (ISO 8601)</translation>
        </message>
        <message>
            <location filename="../processing_provider/load_raster.py" line="75" />
            <source>Load workflow raster</source>
            <translation>Workflow-Raster laden</translation>
        </message>
        <message>
            <location filename="../processing_provider/load_raster.py" line="78" />
            <source>Auto (native if small)</source>
            <translation>Automatisch (nativ, wenn klein)</translation>
        </message>
        <message>
            <location filename="../processing_provider/load_raster.py" line="78" />
            <source>Pixel size</source>
            <translation>Pixelgröße</translation>
        </message>
        <message>
            <location filename="../processing_provider/load_raster.py" line="80" />
            <source>Streams a raster workflow's result for an extent and time into a GeoTIFF, exactly as the &lt;i&gt;Add workflow layer&lt;/i&gt; dialog does.&lt;br&gt;</source>
            <translation>Streamt das Ergebnis eines Raster-Workflows für eine Ausdehnung und Zeit in ein GeoTIFF, genau wie der Dialog &lt;i&gt;Workflow-Layer hinzufügen&lt;/i&gt;.&lt;br&gt;</translation>
        </message>
        <message>
            <location filename="../processing_provider/load_raster.py" line="80" />
            <source>&lt;b&gt;Bands&lt;/b&gt;: comma-separated 0-based indices or band names (empty: all bands).&lt;br&gt;&lt;b&gt;Time slice&lt;/b&gt;: a time range can return several slices (e.g. one per month); OUTPUT gets slice number &lt;i&gt;Time slice&lt;/i&gt; (0 = the first) and &lt;b&gt;Folder for all slices&lt;/b&gt;, when set, gets one GeoTIFF per slice. The outputs SLICE_COUNT, SLICE_START and SLICE_END describe what came back.&lt;br&gt;&lt;b&gt;Resolution&lt;/b&gt;: &lt;i&gt;Auto&lt;/i&gt; loads at the native resolution while the download is small, else at about 1920 pixels across; &lt;i&gt;Pixel size&lt;/i&gt; uses the &lt;b&gt;Pixel size&lt;/b&gt; parameter (in the workflow's CRS units, rounded to whole native pixels).&lt;br&gt;</source>
            <translation>&lt;b&gt;Bänder&lt;/b&gt;: kommagetrennte 0-basierte Indizes oder Bandnamen (leer: alle Bänder).&lt;br&gt;&lt;b&gt;Zeitscheibe&lt;/b&gt;: Ein Zeitraum kann mehrere Zeitscheiben liefern (z. B. eine pro Monat); OUTPUT erhält die Zeitscheibe Nummer &lt;i&gt;Zeitscheibe&lt;/i&gt; (0 = die erste) und &lt;b&gt;Ordner für alle Zeitscheiben&lt;/b&gt; erhält, wenn gesetzt, ein GeoTIFF pro Zeitscheibe. Die Ausgaben SLICE_COUNT, SLICE_START und SLICE_END beschreiben, was zurückkam.&lt;br&gt;&lt;b&gt;Auflösung&lt;/b&gt;: &lt;i&gt;Automatisch&lt;/i&gt; lädt in nativer Auflösung, solange der Download klein ist, sonst mit etwa 1920 Pixeln Breite; &lt;i&gt;Pixelgröße&lt;/i&gt; verwendet den Parameter &lt;b&gt;Pixelgröße&lt;/b&gt; (in Einheiten des Workflow-KBS, gerundet auf ganze native Pixel).&lt;br&gt;</translation>
        </message>
        <message>
            <location filename="../processing_provider/load_raster.py" line="104" />
            <source>Bands (indices or names)</source>
            <translation>Bänder (Indizes oder Namen)</translation>
        </message>
        <message>
            <location filename="../processing_provider/load_raster.py" line="106" />
            <source>Time slice for the output (0 = first)</source>
            <translation>Zeitscheibe für die Ausgabe (0 = erste)</translation>
        </message>
        <message>
            <location filename="../processing_provider/load_raster.py" line="112" />
            <source>Pixel size (CRS units)</source>
            <translation>Pixelgröße (KBS-Einheiten)</translation>
        </message>
        <message>
            <location filename="../processing_provider/load_raster.py" line="116" />
            <source>Folder for all slices</source>
            <translation>Ordner für alle Zeitscheiben</translation>
        </message>
        <message>
            <location filename="../processing_provider/load_vector.py" line="44" />
            <source>Load workflow vector</source>
            <translation>Workflow-Vektor laden</translation>
        </message>
        <message>
            <location filename="../processing_provider/load_vector.py" line="46" />
            <source>Streams a vector workflow's features for an extent and time into a new vector output (memory layer, GeoPackage, Shapefile, ... - any format QGIS writes), with the same fields and features as the &lt;i&gt;Add workflow layer&lt;/i&gt; dialog. Results with a time get time_start/time_end fields.&lt;br&gt;</source>
            <translation>Streamt die Objekte eines Vektor-Workflows für eine Ausdehnung und Zeit in eine neue Vektorausgabe (temporärer Layer, GeoPackage, Shapefile, ... - jedes Format, das QGIS schreibt), mit denselben Feldern und Objekten wie der Dialog &lt;i&gt;Workflow-Layer hinzufügen&lt;/i&gt;. Ergebnisse mit Zeit erhalten die Felder time_start/time_end.&lt;br&gt;</translation>
        </message>
        <message>
            <location filename="../processing_provider/load_vector.py" line="64" />
            <source>Features</source>
            <translation>Objekte</translation>
        </message>
        <message>
            <location filename="../processing_provider/provenance.py" line="37" />
            <source>Get workflow provenance</source>
            <translation>Herkunft eines Workflows abrufen</translation>
        </message>
        <message>
            <location filename="../processing_provider/provenance.py" line="39" />
            <source>Writes the provenance of a workflow (&lt;code&gt;/workflow/{id}/provenance&lt;/code&gt;) as a table without geometry: one row per source with the fields citation, license, uri and data (the data ids, comma-separated).&lt;br&gt;</source>
            <translation>Schreibt die Herkunft eines Workflows (&lt;code&gt;/workflow/{id}/provenance&lt;/code&gt;) als Tabelle ohne Geometrie: eine Zeile pro Quelle mit den Feldern citation, license, uri und data (die Daten-IDs, kommagetrennt).&lt;br&gt;</translation>
        </message>
        <message>
            <location filename="../processing_provider/provenance.py" line="54" />
            <source>Provenance</source>
            <translation>Herkunft</translation>
        </message>
        <message>
            <location filename="../processing_provider/register_workflow.py" line="49" />
            <source>Register workflow from JSON</source>
            <translation>Workflow aus JSON registrieren</translation>
        </message>
        <message>
            <location filename="../processing_provider/register_workflow.py" line="51" />
            <source>Registers a workflow on the server and outputs its id (WORKFLOW_ID) and result kind (KIND: raster, vector or plot). Geo Engine ids are content hashes: the same workflow always gets the same id.&lt;br&gt;</source>
            <translation>Registriert einen Workflow auf dem Server und gibt seine ID (WORKFLOW_ID) und die Art des Ergebnisses aus (KIND: raster, vector oder plot). Geo-Engine-IDs sind Inhalts-Hashes: Derselbe Workflow erhält immer dieselbe ID.&lt;br&gt;</translation>
        </message>
        <message>
            <location filename="../processing_provider/register_workflow.py" line="51" />
            <source>Give the workflow as &lt;b&gt;JSON text&lt;/b&gt; or as a &lt;b&gt;.json file&lt;/b&gt;.&lt;br&gt;</source>
            <translation>Geben Sie den Workflow als &lt;b&gt;JSON-Text&lt;/b&gt; oder als &lt;b&gt;.json-Datei&lt;/b&gt; an.&lt;br&gt;</translation>
        </message>
        <message>
            <location filename="../processing_provider/register_workflow.py" line="67" />
            <source>... or a workflow JSON file</source>
            <translation>... oder eine Workflow-JSON-Datei</translation>
        </message>
        <message>
            <location filename="../processing_provider/run_plot.py" line="54" />
            <source>Run plot workflow</source>
            <translation>Diagramm-Workflow ausführen</translation>
        </message>
        <message>
            <location filename="../processing_provider/run_plot.py" line="56" />
            <source>Runs a plot workflow (e.g. Histogram, Statistics) for an extent and time and writes the server's output (&lt;code&gt;outputFormat&lt;/code&gt;, &lt;code&gt;plotType&lt;/code&gt;, &lt;code&gt;data&lt;/code&gt;) as JSON. When a PNG file is given, bar charts (histograms) are drawn as in the plot dock and ImagePng plots are saved as they are; tables (Statistics) have no picture.&lt;br&gt;</source>
            <translation>Führt einen Diagramm-Workflow (z. B. Histogram, Statistics) für eine Ausdehnung und Zeit aus und schreibt die Ausgabe des Servers (&lt;code&gt;outputFormat&lt;/code&gt;, &lt;code&gt;plotType&lt;/code&gt;, &lt;code&gt;data&lt;/code&gt;) als JSON. Ist eine PNG-Datei angegeben, werden Balkendiagramme (Histogramme) wie im Diagrammfenster gezeichnet und ImagePng-Diagramme unverändert gespeichert; Tabellen (Statistics) haben kein Bild.&lt;br&gt;</translation>
        </message>
        <message>
            <location filename="../processing_provider/run_plot.py" line="74" />
            <source>Plot JSON</source>
            <translation>Diagramm-JSON</translation>
        </message>
        <message>
            <location filename="../processing_provider/run_plot.py" line="74" />
            <source>JSON files (*.json)</source>
            <translation>JSON-Dateien (*.json)</translation>
        </message>
        <message>
            <location filename="../processing_provider/run_plot.py" line="76" />
            <source>Plot image</source>
            <translation>Diagrammbild</translation>
        </message>
        <message>
            <location filename="../processing_provider/save_dataset.py" line="50" />
            <source>Save workflow result as dataset</source>
            <translation>Workflow-Ergebnis als Datensatz speichern</translation>
        </message>
        <message>
            <location filename="../processing_provider/save_dataset.py" line="53" />
            <source>Example (command line):</source>
            <translation>Beispiel (Kommandozeile):</translation>
        </message>
        <message>
            <location filename="../processing_provider/save_dataset.py" line="53" />
            <source>Stores a raster workflow's result for an extent and time as a new dataset on the Geo Engine server and waits for the server task (progress from the task; cancelling aborts it). Outputs the dataset name (DATASET) and the task id (TASK_ID).&lt;br&gt;</source>
            <translation>Speichert das Ergebnis eines Raster-Workflows für eine Ausdehnung und Zeit als neuen Datensatz auf dem Geo-Engine-Server und wartet auf die Server-Aufgabe (Fortschritt aus der Aufgabe; Abbrechen bricht sie ab). Gibt den Datensatznamen (DATASET) und die Aufgaben-ID (TASK_ID) aus.&lt;br&gt;</translation>
        </message>
        <message>
            <location filename="../processing_provider/save_dataset.py" line="53" />
            <source>&lt;b&gt;Name&lt;/b&gt; is optional (the server picks one); Geo Engine stores it as &amp;lt;your user id&amp;gt;:&amp;lt;name&amp;gt; (admins: as given), a foreign namespace is refused. &lt;b&gt;Display name&lt;/b&gt; is required. Geo Engine 0.9.3 saves single-band rasters only: of a multi-band workflow the first band is saved.&lt;br&gt;</source>
            <translation>&lt;b&gt;Name&lt;/b&gt; ist optional (der Server wählt einen); Geo Engine speichert ihn als &amp;lt;Ihre Benutzer-ID&amp;gt;:&amp;lt;Name&amp;gt; (Admins: wie angegeben), ein fremder Namensraum wird abgelehnt. &lt;b&gt;Anzeigename&lt;/b&gt; ist erforderlich. Geo Engine 0.9.3 speichert nur einbandige Raster: Von einem mehrbandigen Workflow wird das erste Band gespeichert.&lt;br&gt;</translation>
        </message>
        <message>
            <location filename="../processing_provider/save_dataset.py" line="74" />
            <source>Dataset name (optional)</source>
            <translation>Datensatzname (optional)</translation>
        </message>
        <message>
            <location filename="../processing_provider/save_dataset.py" line="76" />
            <source>Display name</source>
            <translation>Anzeigename</translation>
        </message>
        <message>
            <location filename="../processing_provider/save_dataset.py" line="77" />
            <source>Description</source>
            <translation>Beschreibung</translation>
        </message>
        <message>
            <location filename="../qgis_glue/connections.py" line="34" />
            <source>Anonymous</source>
            <translation>Anonym</translation>
        </message>
        <message>
            <location filename="../qgis_glue/connections.py" line="34" />
            <source>Email and password</source>
            <translation>E-Mail und Passwort</translation>
        </message>
        <message>
            <location filename="../qgis_glue/connections.py" line="35" />
            <source>Session token</source>
            <translation>Sitzungstoken</translation>
        </message>
        <message>
            <location filename="../qgis_glue/connections.py" line="60" />
            <source>Plain http to {host}: passwords, session tokens and data travel unencrypted and can be read or changed on the way. Use https unless the server is on this computer.</source>
            <translation>Unverschlüsseltes http zu {host}: Passwörter, Sitzungstoken und Daten werden unverschlüsselt übertragen und können unterwegs gelesen oder verändert werden. Verwenden Sie https, außer der Server läuft auf diesem Computer.</translation>
        </message>
        <message>
            <location filename="../qgis_glue/dependencies.py" line="119" />
            <source>Missing Python package(s): {names}. Install into QGIS's Python, then restart QGIS: {command}</source>
            <translation>Fehlende Python-Pakete: {names}. Installieren Sie sie in das Python von QGIS und starten Sie QGIS neu: {command}</translation>
        </message>
        <message>
            <location filename="../qgis_glue/dependencies.py" line="121" />
            <source>The Geo Engine log says what each package enables.</source>
            <translation>Das Geo-Engine-Protokoll nennt, was jedes Paket ermöglicht.</translation>
        </message>
        <message>
            <location filename="../qgis_glue/dependencies.py" line="134" />
            <source>&lt;a href="{url}"&gt;How to install (README)&lt;/a&gt;</source>
            <translation>&lt;a href="{url}"&gt;Installationsanleitung (README)&lt;/a&gt;</translation>
        </message>
        <message>
            <location filename="../qgis_glue/download_guard.py" line="124" />
            <source>The vector data passed the limit ({limit}) before its end. Choose a smaller extent or time, or raise the limit (setting {setting}).</source>
            <translation>Die Vektordaten haben vor ihrem Ende die Grenze ({limit}) überschritten. Wählen Sie eine kleinere Ausdehnung oder Zeit, oder erhöhen Sie die Grenze (Einstellung {setting}).</translation>
        </message>
        <message>
            <location filename="../qgis_glue/download_guard.py" line="139" />
            <source>Geo Engine: large download</source>
            <translation>Geo Engine: großer Download</translation>
        </message>
        <message>
            <location filename="../qgis_glue/download_guard.py" line="141" />
            <source>{message}

Download anyway?</source>
            <translation>{message}

Trotzdem herunterladen?</translation>
        </message>
        <message>
            <location filename="../qgis_glue/errors.py" line="21" />
            <source>Check the server URL and the proxy under Settings &gt; Options &gt; Network.</source>
            <translation>Prüfen Sie die Server-URL und den Proxy unter Einstellungen &gt; Optionen &gt; Netzwerk.</translation>
        </message>
        <message>
            <location filename="../qgis_glue/errors.py" line="24" />
            <source>The server does not know this workflow ID. Workflow IDs belong to one server: register the workflow there first (Workflow JSON tab, or pick it from the catalog).</source>
            <translation>Der Server kennt diese Workflow-ID nicht. Workflow-IDs gehören zu einem Server: Registrieren Sie den Workflow zuerst dort (Reiter Workflow-JSON, oder wählen Sie ihn im Katalog).</translation>
        </message>
        <message>
            <location filename="../qgis_glue/errors.py" line="49" />
            <source>The Geo Engine server did not answer in time: {message}</source>
            <translation>Der Geo-Engine-Server hat nicht rechtzeitig geantwortet: {message}</translation>
        </message>
        <message>
            <location filename="../qgis_glue/errors.py" line="51" />
            <source>Not authorised (HTTP 401): {message}</source>
            <translation>Nicht berechtigt (HTTP 401): {message}</translation>
        </message>
        <message>
            <location filename="../qgis_glue/errors.py" line="53" />
            <source> for {url}</source>
            <translation> für {url}</translation>
        </message>
        <message>
            <location filename="../qgis_glue/errors.py" line="54" />
            <source>Not found (HTTP 404){where}. Is the server URL the Geo Engine API base URL (ending in /api)?</source>
            <translation>Nicht gefunden (HTTP 404){where}. Ist die Server-URL die Basis-URL der Geo-Engine-API (endet auf /api)?</translation>
        </message>
        <message>
            <location filename="../qgis_glue/errors.py" line="59" />
            <source>The server stopped the transfer with an error: {reason}</source>
            <translation>Der Server hat die Übertragung mit einem Fehler beendet: {reason}</translation>
        </message>
        <message>
            <location filename="../qgis_glue/errors.py" line="61" />
            <source>The server stopped the transfer with an error too long to send over the stream (Geo Engine 0.9.3 then loses its text); the server's log has it. Nothing was added.</source>
            <translation>Der Server hat die Übertragung mit einem Fehler beendet, der zu lang für den Stream war (Geo Engine 0.9.3 verliert dann seinen Text); das Serverprotokoll enthält ihn. Es wurde nichts hinzugefügt.</translation>
        </message>
        <message>
            <location filename="../qgis_glue/errors.py" line="64" />
            <source>The connection to the server was lost during the transfer (the server stopped or the network dropped); nothing was added.</source>
            <translation>Die Verbindung zum Server ging während der Übertragung verloren (der Server wurde beendet oder das Netzwerk fiel aus); es wurde nichts hinzugefügt.</translation>
        </message>
        <message>
            <location filename="../qgis_glue/errors.py" line="72" />
            <source>Unexpected error: {kind}: {error}</source>
            <translation>Unerwarteter Fehler: {kind}: {error}</translation>
        </message>
        <message>
            <location filename="../qgis_glue/layer_info.py" line="15" />
            <source>Select a layer that was added from Geo Engine (Add workflow layer) first.</source>
            <translation>Wählen Sie zuerst einen Layer, der aus Geo Engine hinzugefügt wurde (Workflow-Layer hinzufügen).</translation>
        </message>
        <message>
            <location filename="../qgis_glue/layers.py" line="440" />
            <source>Geo Engine: loaded {path}</source>
            <translation>Geo Engine: geladen {path}</translation>
        </message>
        <message>
            <location filename="../qgis_glue/layers.py" line="444" />
            <source>Stored as a FlatGeobuf file with a spatial index because the result is large; the layer is read-only (Export &gt; Save Features As... makes an editable copy).</source>
            <translation>Wegen der Größe als FlatGeobuf-Datei mit räumlichem Index gespeichert; der Layer ist schreibgeschützt (Exportieren &gt; Objekte speichern als... erstellt eine bearbeitbare Kopie).</translation>
        </message>
        <message>
            <location filename="../qgis_glue/layers.py" line="562" />
            <source>Geo Engine: load {name}</source>
            <translation>Geo Engine: {name} laden</translation>
        </message>
        <message>
            <location filename="../qgis_glue/layers.py" line="599" />
            <source>Added 1 layer: {name}{note}</source>
            <translation>1 Layer hinzugefügt: {name}{note}</translation>
        </message>
        <message>
            <location filename="../qgis_glue/layers.py" line="599" />
            <source>Added {count} layers: {name}{note}</source>
            <translation>{count} Layer hinzugefügt: {name}{note}</translation>
        </message>
        <message>
            <location filename="../qgis_glue/layers.py" line="623" />
            <source>Not loaded: {name}. {message}</source>
            <translation>Nicht geladen: {name}. {message}</translation>
        </message>
        <message>
            <location filename="../qgis_glue/messages.py" line="121" />
            <source>Details</source>
            <translation>Details</translation>
        </message>
        <message>
            <location filename="../qgis_glue/ogc_fallback.py" line="49" />
            <source>the Arrow raster stream</source>
            <translation>den Arrow-Rasterstream</translation>
        </message>
        <message>
            <location filename="../qgis_glue/ogc_fallback.py" line="50" />
            <source>the Arrow vector stream</source>
            <translation>den Arrow-Vektorstream</translation>
        </message>
        <message>
            <location filename="../qgis_glue/ogc_fallback.py" line="71" />
            <source>through {path}</source>
            <translation>über {path}</translation>
        </message>
        <message>
            <location filename="../qgis_glue/ogc_fallback.py" line="73" />
            <source>({packages} not installed)</source>
            <translation>({packages} nicht installiert)</translation>
        </message>
        <message>
            <location filename="../qgis_glue/project_state.py" line="231" />
            <source>Geo Engine layers were not stored with the project: {summary}</source>
            <translation>Geo-Engine-Layer wurden nicht mit dem Projekt gespeichert: {summary}</translation>
        </message>
        <message>
            <location filename="../qgis_glue/project_state.py" line="278" />
            <source>Layer {layer} is being edited: save or discard the edits, then save the project again to keep its features.</source>
            <translation>Layer {layer} wird bearbeitet: Speichern oder verwerfen Sie die Änderungen und speichern Sie dann das Projekt erneut, um seine Objekte zu behalten.</translation>
        </message>
        <message>
            <location filename="../qgis_glue/project_state.py" line="285" />
            <source>Layer {layer} not stored with the project: {summary}</source>
            <translation>Layer {layer} wurde nicht mit dem Projekt gespeichert: {summary}</translation>
        </message>
        <message>
            <location filename="../qgis_glue/project_state.py" line="305" />
            <source>This project is stored in a database or GeoPackage, so Geo Engine's downloaded files are not copied next to it: its Geo Engine layers are fetched again from the server when the project is opened, and edits to Geo Engine vector layers are not kept. Save the project as a .qgz file to keep the data with it.</source>
            <translation>Dieses Projekt ist in einer Datenbank oder einem GeoPackage gespeichert, daher werden die heruntergeladenen Dateien von Geo Engine nicht daneben kopiert: Seine Geo-Engine-Layer werden beim Öffnen des Projekts erneut vom Server abgerufen, und Änderungen an Geo-Engine-Vektorlayern bleiben nicht erhalten. Speichern Sie das Projekt als .qgz-Datei, um die Daten mit ihm zu behalten.</translation>
        </message>
        <message>
            <location filename="../qgis_glue/project_state.py" line="343" />
            <source>Geo Engine layers were not restored: {summary}</source>
            <translation>Geo-Engine-Layer wurden nicht wiederhergestellt: {summary}</translation>
        </message>
        <message>
            <location filename="../qgis_glue/project_state.py" line="358" />
            <source>Restoring {count} Geo Engine layer(s) in the background.</source>
            <translation>{count} Geo-Engine-Layer werden im Hintergrund wiederhergestellt.</translation>
        </message>
        <message>
            <location filename="../qgis_glue/project_state.py" line="467" />
            <source>Geo Engine: restore {layer}</source>
            <translation>Geo Engine: {layer} wiederherstellen</translation>
        </message>
        <message>
            <location filename="../qgis_glue/project_state.py" line="506" />
            <source>Geo Engine layer {layer} could not be restored: {summary}</source>
            <translation>Geo-Engine-Layer {layer} konnte nicht wiederhergestellt werden: {summary}</translation>
        </message>
        <message>
            <location filename="../qgis_glue/sessions.py" line="97" />
            <source>unknown version (no /info)</source>
            <translation>unbekannte Version (kein /info)</translation>
        </message>
        <message>
            <location filename="../qgis_glue/sessions.py" line="98" />
            <source>; session valid until {valid_until}</source>
            <translation>; Sitzung gültig bis {valid_until}</translation>
        </message>
        <message>
            <location filename="../qgis_glue/sessions.py" line="100" />
            <source>Connected to Geo Engine {version} at {url} as {user}{until}.</source>
            <translation>Verbunden mit Geo Engine {version} unter {url} als {user}{until}.</translation>
        </message>
        <message>
            <location filename="../qgis_glue/sessions.py" line="216" />
            <source>Log in to {name}</source>
            <translation>Bei {name} anmelden</translation>
        </message>
        <message>
            <location filename="../qgis_glue/sessions.py" line="297" />
            <source>Log out of {name}</source>
            <translation>Von {name} abmelden</translation>
        </message>
        <message>
            <location filename="../qgis_glue/sessions.py" line="378" />
            <source>Renew the session of {name}</source>
            <translation>Die Sitzung von {name} erneuern</translation>
        </message>
        <message>
            <location filename="../qgis_glue/tasks.py" line="94" />
            <source>{description}: cancelled</source>
            <translation>{description}: abgebrochen</translation>
        </message>
        <message>
            <location filename="../qgis_glue/tasks.py" line="132" />
            <source>{description} failed: {summary}</source>
            <translation>{description} fehlgeschlagen: {summary}</translation>
        </message>
        <message>
            <location filename="../qgis_glue/temporal.py" line="372" />
            <source>Layer {layer} does not follow the temporal controller: {summary}</source>
            <translation>Layer {layer} folgt nicht der Zeitsteuerung: {summary}</translation>
        </message>
        <message>
            <location filename="../qgis_glue/temporal.py" line="456" />
            <source>Geo Engine: time steps of {name}</source>
            <translation>Geo Engine: Zeitschritte von {name}</translation>
        </message>
        <message>
            <location filename="../qgis_glue/temporal.py" line="606" />
            <source>{layer}: the view is not fetched. {message}</source>
            <translation>{layer}: Die Ansicht wird nicht abgerufen. {message}</translation>
        </message>
        <message>
            <location filename="../qgis_glue/temporal.py" line="684" />
            <source>Geo Engine: {layer} at {date}</source>
            <translation>Geo Engine: {layer} am {date}</translation>
        </message>
        <message>
            <location filename="../qgis_glue/temporal.py" line="721" />
            <source>{layer}: the time steps were not loaded: {summary}</source>
            <translation>{layer}: Die Zeitschritte wurden nicht geladen: {summary}</translation>
        </message>
        <message>
            <location filename="../qgis_glue/temporal_controller.py" line="99" />
            <source>Temporal Controller set to the series of {layer}: {start:%Y-%m-%d} to {end:%Y-%m-%d}, {step} (setting {setting}).</source>
            <translation>Zeitsteuerung auf die Reihe von {layer} gesetzt: {start:%Y-%m-%d} bis {end:%Y-%m-%d}, {step} (Einstellung {setting}).</translation>
        </message>
        <message>
            <location filename="../qgis_glue/usage.py" line="78" />
            <source>Data usage of {dataset}</source>
            <translation>Datennutzung von {dataset}</translation>
        </message>
        <message>
            <location filename="../qgis_glue/usage.py" line="78" />
            <source>Data usage of all datasets</source>
            <translation>Datennutzung aller Datensätze</translation>
        </message>
        <message>
            <location filename="../ui/add_layer_dialog.py" line="62" />
            <source>Add layer</source>
            <translation>Layer hinzufügen</translation>
        </message>
        <message>
            <location filename="../ui/add_layer_dialog.py" line="62" />
            <source>Add anyway</source>
            <translation>Trotzdem hinzufügen</translation>
        </message>
        <message>
            <location filename="../ui/add_layer_dialog.py" line="63" />
            <source>Pick a workflow in the catalog, or paste its ID or JSON; the rest is filled in from the workflow.</source>
            <translation>Wählen Sie einen Workflow im Katalog oder fügen Sie seine ID oder sein JSON ein; der Rest wird aus dem Workflow ausgefüllt.</translation>
        </message>
        <message>
            <location filename="../ui/add_layer_dialog.py" line="65" />
            <source>Workflow ID:</source>
            <translation>Workflow-ID:</translation>
        </message>
        <message>
            <location filename="../ui/add_layer_dialog.py" line="65" />
            <source>Workflow JSON:</source>
            <translation>Workflow-JSON:</translation>
        </message>
        <message>
            <location filename="../ui/add_layer_dialog.py" line="67" />
            <source>Workflow: fetching the result descriptor…</source>
            <translation>Workflow: Ergebnisbeschreibung wird abgerufen…</translation>
        </message>
        <message>
            <location filename="../ui/add_layer_dialog.py" line="68" />
            <source>Workflow: waiting for the result descriptor…</source>
            <translation>Workflow: Warten auf die Ergebnisbeschreibung…</translation>
        </message>
        <message>
            <location filename="../ui/add_layer_dialog.py" line="79" />
            <source>{text} is not a UUID (like {example}).</source>
            <translation>{text} ist keine UUID (wie {example}).</translation>
        </message>
        <message>
            <location filename="../ui/add_layer_dialog.py" line="87" />
            <source>paste a workflow like {example}.</source>
            <translation>Fügen Sie einen Workflow ein, etwa {example}.</translation>
        </message>
        <message>
            <location filename="../ui/add_layer_dialog.py" line="92" />
            <source>not valid JSON ({error}).</source>
            <translation>kein gültiges JSON ({error}).</translation>
        </message>
        <message>
            <location filename="../ui/add_layer_dialog.py" line="94" />
            <source>"type" must be "Raster", "Vector" or "Plot".</source>
            <translation>"type" muss "Raster", "Vector" oder "Plot" sein.</translation>
        </message>
        <message>
            <location filename="../ui/add_layer_dialog.py" line="96" />
            <source>"operator" must be an object with a "type".</source>
            <translation>"operator" muss ein Objekt mit einem "type" sein.</translation>
        </message>
        <message>
            <location filename="../ui/add_layer_dialog.py" line="103" />
            <source>Raster</source>
            <translation>Raster</translation>
        </message>
        <message>
            <location filename="../ui/add_layer_dialog.py" line="103" />
            <source>Vector</source>
            <translation>Vektor</translation>
        </message>
        <message>
            <location filename="../ui/add_layer_dialog.py" line="105" />
            <source>&lt;b&gt;{kind}&lt;/b&gt; in {crs}</source>
            <translation>&lt;b&gt;{kind}&lt;/b&gt; in {crs}</translation>
        </message>
        <message>
            <location filename="../ui/add_layer_dialog.py" line="105" />
            <source>no CRS</source>
            <translation>kein KBS</translation>
        </message>
        <message>
            <location filename="../ui/add_layer_dialog.py" line="108" />
            <source>data type {type}</source>
            <translation>Datentyp {type}</translation>
        </message>
        <message>
            <location filename="../ui/add_layer_dialog.py" line="111" />
            <source>pixel size {x:g} x {y:g}</source>
            <translation>Pixelgröße {x:g} x {y:g}</translation>
        </message>
        <message>
            <location filename="../ui/add_layer_dialog.py" line="112" />
            <source>bands: </source>
            <translation>Bänder: </translation>
        </message>
        <message>
            <location filename="../ui/add_layer_dialog.py" line="114" />
            <source>geometry {type}</source>
            <translation>Geometrie {type}</translation>
        </message>
        <message>
            <location filename="../ui/add_layer_dialog.py" line="116" />
            <source>columns: {columns}</source>
            <translation>Spalten: {columns}</translation>
        </message>
        <message>
            <location filename="../ui/add_layer_dialog.py" line="116" />
            <source>none</source>
            <translation>keine</translation>
        </message>
        <message>
            <location filename="../ui/add_layer_dialog.py" line="119" />
            <source>open</source>
            <translation>offen</translation>
        </message>
        <message>
            <location filename="../ui/add_layer_dialog.py" line="120" />
            <source>time {start} – {end}</source>
            <translation>Zeit {start} – {end}</translation>
        </message>
        <message>
            <location filename="../ui/add_layer_dialog.py" line="132" />
            <source>Add Geo Engine workflow layer</source>
            <translation>Geo-Engine-Workflow-Layer hinzufügen</translation>
        </message>
        <message>
            <location filename="../ui/add_layer_dialog.py" line="168" />
            <source>Connection</source>
            <translation>Verbindung</translation>
        </message>
        <message>
            <location filename="../ui/add_layer_dialog.py" line="173" />
            <source>Workflow ID, e.g. xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx</source>
            <translation>Workflow-ID, z. B. xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx</translation>
        </message>
        <message>
            <location filename="../ui/add_layer_dialog.py" line="188" />
            <source>Register and fetch</source>
            <translation>Registrieren und abrufen</translation>
        </message>
        <message>
            <location filename="../ui/add_layer_dialog.py" line="198" />
            <source>Catalog</source>
            <translation>Katalog</translation>
        </message>
        <message>
            <location filename="../ui/add_layer_dialog.py" line="199" />
            <source>Workflow ID</source>
            <translation>Workflow-ID</translation>
        </message>
        <message>
            <location filename="../ui/add_layer_dialog.py" line="200" />
            <source>Workflow JSON</source>
            <translation>Workflow-JSON</translation>
        </message>
        <message>
            <location filename="../ui/add_layer_dialog.py" line="206" />
            <source>Workflow</source>
            <translation>Workflow</translation>
        </message>
        <message>
            <location filename="../ui/add_layer_dialog.py" line="211" />
            <source>Result</source>
            <translation>Ergebnis</translation>
        </message>
        <message>
            <location filename="../ui/add_layer_dialog.py" line="214" />
            <source>Extent</source>
            <translation>Ausdehnung</translation>
        </message>
        <message>
            <location filename="../ui/add_layer_dialog.py" line="225" />
            <source>Time range</source>
            <translation>Zeitraum</translation>
        </message>
        <message>
            <location filename="../ui/add_layer_dialog.py" line="235" />
            <source>The time steps of this workflow</source>
            <translation>Die Zeitschritte dieses Workflows</translation>
        </message>
        <message>
            <location filename="../ui/add_layer_dialog.py" line="241" />
            <source>to</source>
            <translation>bis</translation>
        </message>
        <message>
            <location filename="../ui/add_layer_dialog.py" line="244" />
            <source>Time (UTC)</source>
            <translation>Zeit (UTC)</translation>
        </message>
        <message>
            <location filename="../ui/add_layer_dialog.py" line="249" />
            <source>Bands</source>
            <translation>Bänder</translation>
        </message>
        <message>
            <location filename="../ui/add_layer_dialog.py" line="254" />
            <source>Layer name</source>
            <translation>Layername</translation>
        </message>
        <message>
            <location filename="../ui/add_layer_dialog.py" line="257" />
            <source>Streamed GeoTIFF (one layer per time slice)</source>
            <translation>Gestreamtes GeoTIFF (ein Layer pro Zeitscheibe)</translation>
        </message>
        <message>
            <location filename="../ui/add_layer_dialog.py" line="258" />
            <source>Live WMS layer (rendered by the server)</source>
            <translation>Live-WMS-Layer (vom Server gezeichnet)</translation>
        </message>
        <message>
            <location filename="../ui/add_layer_dialog.py" line="260" />
            <source>Group time slices</source>
            <translation>Zeitscheiben gruppieren</translation>
        </message>
        <message>
            <location filename="../ui/add_layer_dialog.py" line="265" />
            <source>Raster mode</source>
            <translation>Rastermodus</translation>
        </message>
        <message>
            <location filename="../ui/add_layer_dialog.py" line="267" />
            <source>Resolution</source>
            <translation>Auflösung</translation>
        </message>
        <message>
            <location filename="../ui/add_layer_dialog.py" line="279" />
            <source>Cancel load</source>
            <translation>Laden abbrechen</translation>
        </message>
        <message>
            <location filename="../ui/add_layer_dialog.py" line="460" />
            <source>Geo Engine: fetch result descriptor</source>
            <translation>Geo Engine: Ergebnisbeschreibung abrufen</translation>
        </message>
        <message>
            <location filename="../ui/add_layer_dialog.py" line="517" />
            <source>Connection: add a connection first (Geo Engine menu &gt; Connections…).</source>
            <translation>Verbindung: Legen Sie zuerst eine Verbindung an (Menü Geo Engine &gt; Verbindungen…).</translation>
        </message>
        <message>
            <location filename="../ui/add_layer_dialog.py" line="535" />
            <source>Extent: choose an extent with a width and a height (canvas, layer or drawn).</source>
            <translation>Ausdehnung: Wählen Sie eine Ausdehnung mit Breite und Höhe (Kartenfenster, Layer oder gezeichnet).</translation>
        </message>
        <message>
            <location filename="../ui/add_layer_dialog.py" line="536" />
            <source>Time: start: {problem}.</source>
            <translation>Zeit: Beginn: {problem}.</translation>
        </message>
        <message>
            <location filename="../ui/add_layer_dialog.py" line="536" />
            <source>Time: end: {problem}.</source>
            <translation>Zeit: Ende: {problem}.</translation>
        </message>
        <message>
            <location filename="../ui/add_layer_dialog.py" line="541" />
            <source>Time: the end must be after the start.</source>
            <translation>Zeit: Das Ende muss nach dem Beginn liegen.</translation>
        </message>
        <message>
            <location filename="../ui/add_layer_dialog.py" line="543" />
            <source>Bands: choose at least one band.</source>
            <translation>Bänder: Wählen Sie mindestens ein Band.</translation>
        </message>
        <message>
            <location filename="../ui/add_layer_dialog.py" line="545" />
            <source>Layer name: enter a name.</source>
            <translation>Layername: Geben Sie einen Namen ein.</translation>
        </message>
        <message>
            <location filename="../ui/add_layer_dialog.py" line="549" />
            <source>Size: {message}</source>
            <translation>Größe: {message}</translation>
        </message>
        <message>
            <location filename="../ui/add_layer_dialog.py" line="573" />
            <source>Extent: {error}</source>
            <translation>Ausdehnung: {error}</translation>
        </message>
        <message>
            <location filename="../ui/add_layer_dialog.py" line="576" />
            <source>Download: {size}</source>
            <translation>Download: {size}</translation>
        </message>
        <message>
            <location filename="../ui/add_layer_dialog.py" line="601" />
            <source>The result descriptor appears here once the workflow is known.</source>
            <translation>Die Ergebnisbeschreibung erscheint hier, sobald der Workflow bekannt ist.</translation>
        </message>
        <message>
            <location filename="../ui/add_layer_dialog.py" line="601" />
            <source>Fetching the result descriptor…</source>
            <translation>Ergebnisbeschreibung wird abgerufen…</translation>
        </message>
        <message>
            <location filename="../ui/add_layer_dialog.py" line="609" />
            <source>Large download. {message} Add it anyway?</source>
            <translation>Großer Download. {message} Trotzdem hinzufügen?</translation>
        </message>
        <message>
            <location filename="../ui/add_layer_dialog.py" line="619" />
            <source>Ready.</source>
            <translation>Bereit.</translation>
        </message>
        <message>
            <location filename="../ui/add_layer_dialog.py" line="661" />
            <source>Loading {name}…</source>
            <translation>{name} wird geladen…</translation>
        </message>
        <message>
            <location filename="../ui/add_layer_dialog.py" line="701" />
            <source>Load cancelled: nothing was added.</source>
            <translation>Laden abgebrochen: Es wurde nichts hinzugefügt.</translation>
        </message>
        <message>
            <location filename="../ui/add_layer_dialog.py" line="704" />
            <source>Not loaded: {error}</source>
            <translation>Nicht geladen: {error}</translation>
        </message>
        <message>
            <location filename="../ui/catalog_picker.py" line="28" />
            <source>Layer collections</source>
            <translation>Layer-Sammlungen</translation>
        </message>
        <message>
            <location filename="../ui/catalog_picker.py" line="28" />
            <source>Datasets</source>
            <translation>Datensätze</translation>
        </message>
        <message>
            <location filename="../ui/catalog_picker.py" line="28" />
            <source>Recently used</source>
            <translation>Zuletzt verwendet</translation>
        </message>
        <message>
            <location filename="../ui/catalog_picker.py" line="50" />
            <source>Use this workflow</source>
            <translation>Diesen Workflow verwenden</translation>
        </message>
        <message>
            <location filename="../ui/catalog_picker.py" line="103" />
            <source>Loading…</source>
            <translation>Wird geladen…</translation>
        </message>
        <message>
            <location filename="../ui/catalog_picker.py" line="116" />
            <source>Geo Engine: catalog {name}</source>
            <translation>Geo Engine: Katalog {name}</translation>
        </message>
        <message>
            <location filename="../ui/catalog_picker.py" line="126" />
            <source>Registering the workflow of {name}…</source>
            <translation>Der Workflow von {name} wird registriert…</translation>
        </message>
        <message>
            <location filename="../ui/catalog_picker.py" line="127" />
            <source>Geo Engine: workflow of {name}</source>
            <translation>Geo Engine: Workflow von {name}</translation>
        </message>
        <message>
            <location filename="../ui/connections_dialog.py" line="56" />
            <source>Geo Engine connections</source>
            <translation>Geo-Engine-Verbindungen</translation>
        </message>
        <message>
            <location filename="../ui/connections_dialog.py" line="71" />
            <source>New</source>
            <translation>Neu</translation>
        </message>
        <message>
            <location filename="../ui/connections_dialog.py" line="73" />
            <source>Delete</source>
            <translation>Löschen</translation>
        </message>
        <message>
            <location filename="../ui/connections_dialog.py" line="85" />
            <source>The server's address: its base URL (https://host) or the exact API root (https://host/geoengine/api). The plugin finds the API with GET &lt;url&gt;/info, then &lt;url&gt;/api/info.</source>
            <translation>Die Adresse des Servers: seine Basis-URL (https://host) oder genau die API-Wurzel (https://host/geoengine/api). Das Plugin findet die API mit GET &lt;url&gt;/info, dann &lt;url&gt;/api/info.</translation>
        </message>
        <message>
            <location filename="../ui/connections_dialog.py" line="98" />
            <source>A Basic configuration: username = your email, password = your password.</source>
            <translation>Eine Basic-Konfiguration: Benutzername = Ihre E-Mail-Adresse, Passwort = Ihr Passwort.</translation>
        </message>
        <message>
            <location filename="../ui/connections_dialog.py" line="101" />
            <source>paste a session token (kept in the Authentication Manager)</source>
            <translation>Sitzungstoken einfügen (wird in der Authentifizierungsverwaltung gespeichert)</translation>
        </message>
        <message>
            <location filename="../ui/connections_dialog.py" line="109" />
            <source>No credentials: the server's anonymous access is used.</source>
            <translation>Keine Anmeldedaten: Der anonyme Zugang des Servers wird verwendet.</translation>
        </message>
        <message>
            <location filename="../ui/connections_dialog.py" line="115" />
            <source>Name</source>
            <translation>Name</translation>
        </message>
        <message>
            <location filename="../ui/connections_dialog.py" line="116" />
            <source>Server URL</source>
            <translation>Server-URL</translation>
        </message>
        <message>
            <location filename="../ui/connections_dialog.py" line="118" />
            <source>Authentication</source>
            <translation>Authentifizierung</translation>
        </message>
        <message>
            <location filename="../ui/connections_dialog.py" line="122" />
            <source>Test connection</source>
            <translation>Verbindung testen</translation>
        </message>
        <message>
            <location filename="../ui/connections_dialog.py" line="182" />
            <source>A token is stored; paste a new one to replace it.</source>
            <translation>Ein Token ist gespeichert; fügen Sie ein neues ein, um es zu ersetzen.</translation>
        </message>
        <message>
            <location filename="../ui/connections_dialog.py" line="186" />
            <source>Unknown authentication kind {auth_kind} in the saved settings; choose one and save.</source>
            <translation>Unbekannte Authentifizierungsart {auth_kind} in den gespeicherten Einstellungen; wählen Sie eine und speichern Sie.</translation>
        </message>
        <message>
            <location filename="../ui/connections_dialog.py" line="222" />
            <source>Saved connection {name}.</source>
            <translation>Verbindung {name} gespeichert.</translation>
        </message>
        <message>
            <location filename="../ui/connections_dialog.py" line="248" />
            <source>Testing {url} ...</source>
            <translation>{url} wird getestet ...</translation>
        </message>
        <message>
            <location filename="../ui/connections_dialog.py" line="249" />
            <source>Test Geo Engine connection {name}</source>
            <translation>Geo-Engine-Verbindung {name} testen</translation>
        </message>
        <message>
            <location filename="../ui/connections_dialog.py" line="272" />
            <source>Test cancelled.</source>
            <translation>Test abgebrochen.</translation>
        </message>
        <message>
            <location filename="../ui/plot_dock.py" line="68" />
            <source>The server's plot image is not a readable PNG.</source>
            <translation>Das Diagrammbild des Servers ist kein lesbares PNG.</translation>
        </message>
        <message>
            <location filename="../ui/plot_dock.py" line="71" />
            <source>The server's plot image declares {width} x {height} pixels; at most {side} x {side} and {pixels:,} pixels are shown.</source>
            <translation>Das Diagrammbild des Servers gibt {width} x {height} Pixel an; höchstens {side} x {side} und {pixels:,} Pixel werden angezeigt.</translation>
        </message>
        <message>
            <location filename="../ui/plot_dock.py" line="76" />
            <source>The server's plot image could not be decoded: {error}.</source>
            <translation>Das Diagrammbild des Servers konnte nicht dekodiert werden: {error}.</translation>
        </message>
        <message>
            <location filename="../ui/plot_dock.py" line="88" />
            <source>Geo Engine plot</source>
            <translation>Geo-Engine-Diagramm</translation>
        </message>
        <message>
            <location filename="../ui/plot_dock.py" line="105" />
            <source>Geo Engine connection</source>
            <translation>Geo-Engine-Verbindung</translation>
        </message>
        <message>
            <location filename="../ui/plot_dock.py" line="107" />
            <source>plot workflow id</source>
            <translation>ID des Diagramm-Workflows</translation>
        </message>
        <message>
            <location filename="../ui/plot_dock.py" line="108" />
            <source>Plot</source>
            <translation>Diagramm</translation>
        </message>
        <message>
            <location filename="../ui/plot_dock.py" line="109" />
            <source>Compute the plot for the current map extent and time</source>
            <translation>Das Diagramm für die aktuelle Kartenausdehnung und Zeit berechnen</translation>
        </message>
        <message>
            <location filename="../ui/plot_dock.py" line="114" />
            <source>Update when the map extent or time changes</source>
            <translation>Aktualisieren, wenn sich Kartenausdehnung oder Zeit ändern</translation>
        </message>
        <message>
            <location filename="../ui/plot_dock.py" line="115" />
            <source>Compute the plot again (after a short pause) when the map moves</source>
            <translation>Das Diagramm neu berechnen (nach einer kurzen Pause), wenn die Karte bewegt wird</translation>
        </message>
        <message>
            <location filename="../ui/plot_dock.py" line="139" />
            <source>Export PNG…</source>
            <translation>PNG exportieren…</translation>
        </message>
        <message>
            <location filename="../ui/plot_dock.py" line="141" />
            <source>Export JSON…</source>
            <translation>JSON exportieren…</translation>
        </message>
        <message>
            <location filename="../ui/plot_dock.py" line="155" />
            <source>Enter a plot workflow id and press Plot, or add a plot workflow as a layer.</source>
            <translation>Geben Sie die ID eines Diagramm-Workflows ein und drücken Sie Diagramm, oder fügen Sie einen Diagramm-Workflow als Layer hinzu.</translation>
        </message>
        <message>
            <location filename="../ui/plot_dock.py" line="184" />
            <source>Computing the plot…</source>
            <translation>Das Diagramm wird berechnet…</translation>
        </message>
        <message>
            <location filename="../ui/plot_dock.py" line="202" />
            <source>The plot was cancelled.</source>
            <translation>Das Diagramm wurde abgebrochen.</translation>
        </message>
        <message>
            <location filename="../ui/plot_dock.py" line="204" />
            <source>Geo Engine: plot {workflow_id}</source>
            <translation>Geo Engine: Diagramm {workflow_id}</translation>
        </message>
        <message>
            <location filename="../ui/plot_dock.py" line="233" />
            <source>Shown as JSON: {message}.</source>
            <translation>Als JSON angezeigt: {message}.</translation>
        </message>
        <message>
            <location filename="../ui/plot_dock.py" line="371" />
            <source>Export plot as PNG</source>
            <translation>Diagramm als PNG exportieren</translation>
        </message>
        <message>
            <location filename="../ui/plot_dock.py" line="371" />
            <source>PNG images (*.png)</source>
            <translation>PNG-Bilder (*.png)</translation>
        </message>
        <message>
            <location filename="../ui/plot_dock.py" line="376" />
            <source>Export plot as JSON</source>
            <translation>Diagramm als JSON exportieren</translation>
        </message>
        <message>
            <location filename="../ui/plot_dock.py" line="376" />
            <source>JSON (*.json)</source>
            <translation>JSON (*.json)</translation>
        </message>
        <message>
            <location filename="../ui/plot_dock.py" line="384" />
            <source>Export failed: {exc}</source>
            <translation>Export fehlgeschlagen: {exc}</translation>
        </message>
        <message>
            <location filename="../ui/plot_dock.py" line="386" />
            <source>Saved {written}.</source>
            <translation>{written} gespeichert.</translation>
        </message>
        <message>
            <location filename="../ui/project_properties.py" line="29" />
            <source>Keep downloaded Geo Engine data with the project</source>
            <translation>Heruntergeladene Geo-Engine-Daten mit dem Projekt speichern</translation>
        </message>
        <message>
            <location filename="../ui/project_properties.py" line="34" />
            <source>On: when the project is saved, streamed rasters and vector results of its {count} Geo Engine layer(s) are copied into the folder “{folder}” next to the project file, so it opens offline.
Off: nothing is copied; when the project is opened, the plugin fetches them again from the server for their saved extent and time (live WMS layers always reconnect). Credentials are never saved in the project either way.</source>
            <translation>An: Beim Speichern des Projekts werden gestreamte Raster und Vektorergebnisse seiner {count} Geo-Engine-Layer in den Ordner „{folder}“ neben der Projektdatei kopiert, sodass es offline geöffnet werden kann.
Aus: Nichts wird kopiert; beim Öffnen des Projekts ruft das Plugin sie für ihre gespeicherte Ausdehnung und Zeit erneut vom Server ab (Live-WMS-Layer verbinden sich immer neu). Anmeldedaten werden in keinem Fall im Projekt gespeichert.</translation>
        </message>
        <message>
            <location filename="../ui/provenance_dock.py" line="37" />
            <source>Citation</source>
            <translation>Zitat</translation>
        </message>
        <message>
            <location filename="../ui/provenance_dock.py" line="37" />
            <source>Licence</source>
            <translation>Lizenz</translation>
        </message>
        <message>
            <location filename="../ui/provenance_dock.py" line="37" />
            <source>URI</source>
            <translation>URI</translation>
        </message>
        <message>
            <location filename="../ui/provenance_dock.py" line="38" />
            <source>Copy the citation</source>
            <translation>Das Zitat kopieren</translation>
        </message>
        <message>
            <location filename="../ui/provenance_dock.py" line="38" />
            <source>Copy the licence</source>
            <translation>Die Lizenz kopieren</translation>
        </message>
        <message>
            <location filename="../ui/provenance_dock.py" line="39" />
            <source>Copy the URI</source>
            <translation>Den URI kopieren</translation>
        </message>
        <message>
            <location filename="../ui/provenance_dock.py" line="48" />
            <source>Geo Engine provenance</source>
            <translation>Geo-Engine-Herkunft</translation>
        </message>
        <message>
            <location filename="../ui/provenance_dock.py" line="71" />
            <source>Fetch the provenance again from the server</source>
            <translation>Die Herkunft erneut vom Server abrufen</translation>
        </message>
        <message>
            <location filename="../ui/provenance_dock.py" line="73" />
            <source>Copy all</source>
            <translation>Alles kopieren</translation>
        </message>
        <message>
            <location filename="../ui/provenance_dock.py" line="74" />
            <source>Copy every citation, licence and URI as text</source>
            <translation>Alle Zitate, Lizenzen und URIs als Text kopieren</translation>
        </message>
        <message>
            <location filename="../ui/provenance_dock.py" line="114" />
            <source>No layer selected.</source>
            <translation>Kein Layer gewählt.</translation>
        </message>
        <message>
            <location filename="../ui/provenance_dock.py" line="118" />
            <source>This layer was not added from Geo Engine, so there is no provenance to show.</source>
            <translation>Dieser Layer stammt nicht aus Geo Engine, daher gibt es keine Herkunft anzuzeigen.</translation>
        </message>
        <message>
            <location filename="../ui/provenance_dock.py" line="151" />
            <source>Loading provenance…</source>
            <translation>Herkunft wird geladen…</translation>
        </message>
        <message>
            <location filename="../ui/provenance_dock.py" line="163" />
            <source>Could not load the provenance: {error_text}</source>
            <translation>Die Herkunft konnte nicht geladen werden: {error_text}</translation>
        </message>
        <message>
            <location filename="../ui/provenance_dock.py" line="169" />
            <source>Loading the provenance was cancelled.</source>
            <translation>Das Laden der Herkunft wurde abgebrochen.</translation>
        </message>
        <message>
            <location filename="../ui/provenance_dock.py" line="171" />
            <source>Geo Engine: provenance of {workflow_id}</source>
            <translation>Geo Engine: Herkunft von {workflow_id}</translation>
        </message>
        <message>
            <location filename="../ui/provenance_dock.py" line="189" />
            <source>&lt;b&gt;{name}&lt;/b&gt;&lt;br&gt;workflow {workflow_id}</source>
            <translation>&lt;b&gt;{name}&lt;/b&gt;&lt;br&gt;Workflow {workflow_id}</translation>
        </message>
        <message>
            <location filename="../ui/provenance_dock.py" line="208" />
            <source>{count} data source(s).</source>
            <translation>{count} Datenquelle(n).</translation>
        </message>
        <message>
            <location filename="../ui/provenance_dock.py" line="210" />
            <source>The server lists no data sources with provenance for this workflow.</source>
            <translation>Der Server nennt für diesen Workflow keine Datenquellen mit Herkunft.</translation>
        </message>
        <message>
            <location filename="../ui/provenance_dock.py" line="213" />
            <source>Data source {sources}</source>
            <translation>Datenquelle {sources}</translation>
        </message>
        <message>
            <location filename="../ui/provenance_dock.py" line="213" />
            <source>Data source</source>
            <translation>Datenquelle</translation>
        </message>
        <message>
            <location filename="../ui/provenance_dock.py" line="218" />
            <source>{caption}:</source>
            <translation>{caption}:</translation>
        </message>
        <message>
            <location filename="../ui/quota_dock.py" line="88" />
            <source>Geo Engine quota &amp; usage</source>
            <translation>Geo-Engine-Kontingent &amp; -Nutzung</translation>
        </message>
        <message>
            <location filename="../ui/quota_dock.py" line="104" />
            <source>Refresh</source>
            <translation>Aktualisieren</translation>
        </message>
        <message>
            <location filename="../ui/quota_dock.py" line="106" />
            <source>Connection:</source>
            <translation>Verbindung:</translation>
        </message>
        <message>
            <location filename="../ui/quota_dock.py" line="109" />
            <source>Your quota</source>
            <translation>Ihr Kontingent</translation>
        </message>
        <message>
            <location filename="../ui/quota_dock.py" line="120" />
            <source>Used:</source>
            <translation>Verbraucht:</translation>
        </message>
        <message>
            <location filename="../ui/quota_dock.py" line="124" />
            <source>Administration</source>
            <translation>Verwaltung</translation>
        </message>
        <message>
            <location filename="../ui/quota_dock.py" line="127" />
            <source>User quota</source>
            <translation>Benutzerkontingent</translation>
        </message>
        <message>
            <location filename="../ui/quota_dock.py" line="128" />
            <source>Data usage</source>
            <translation>Datennutzung</translation>
        </message>
        <message>
            <location filename="../ui/quota_dock.py" line="129" />
            <source>Usage summary</source>
            <translation>Nutzungsübersicht</translation>
        </message>
        <message>
            <location filename="../ui/quota_dock.py" line="151" />
            <source>user id (UUID)</source>
            <translation>Benutzer-ID (UUID)</translation>
        </message>
        <message>
            <location filename="../ui/quota_dock.py" line="153" />
            <source>New available quota (credits)</source>
            <translation>Neues verfügbares Kontingent (Credits)</translation>
        </message>
        <message>
            <location filename="../ui/quota_dock.py" line="155" />
            <source>Get</source>
            <translation>Abrufen</translation>
        </message>
        <message>
            <location filename="../ui/quota_dock.py" line="157" />
            <source>Set quota</source>
            <translation>Kontingent setzen</translation>
        </message>
        <message>
            <location filename="../ui/quota_dock.py" line="163" />
            <source>User:</source>
            <translation>Benutzer:</translation>
        </message>
        <message>
            <location filename="../ui/quota_dock.py" line="164" />
            <source>Available:</source>
            <translation>Verfügbar:</translation>
        </message>
        <message>
            <location filename="../ui/quota_dock.py" line="166" />
            <source>Server says:</source>
            <translation>Der Server meldet:</translation>
        </message>
        <message>
            <location filename="../ui/quota_dock.py" line="196" />
            <source>all datasets (or a dataset name)</source>
            <translation>alle Datensätze (oder ein Datensatzname)</translation>
        </message>
        <message>
            <location filename="../ui/quota_dock.py" line="198" />
            <source>Load</source>
            <translation>Laden</translation>
        </message>
        <message>
            <location filename="../ui/quota_dock.py" line="203" />
            <source>Limit</source>
            <translation>Limit</translation>
        </message>
        <message>
            <location filename="../ui/quota_dock.py" line="229" />
            <source>Add a Geo Engine connection first (Connections…).</source>
            <translation>Legen Sie zuerst eine Geo-Engine-Verbindung an (Verbindungen…).</translation>
        </message>
        <message>
            <location filename="../ui/quota_dock.py" line="246" />
            <source>Quota loaded.</source>
            <translation>Kontingent geladen.</translation>
        </message>
        <message>
            <location filename="../ui/quota_dock.py" line="248" />
            <source>quota</source>
            <translation>Kontingent</translation>
        </message>
        <message>
            <location filename="../ui/quota_dock.py" line="253" />
            <source>user quota</source>
            <translation>Benutzerkontingent</translation>
        </message>
        <message>
            <location filename="../ui/quota_dock.py" line="260" />
            <source>Quota of {user} set to {available:,}.</source>
            <translation>Kontingent von {user} auf {available:,} gesetzt.</translation>
        </message>
        <message>
            <location filename="../ui/quota_dock.py" line="264" />
            <source>set quota</source>
            <translation>Kontingent setzen</translation>
        </message>
        <message>
            <location filename="../ui/quota_dock.py" line="271" />
            <source>time</source>
            <translation>Zeit</translation>
        </message>
        <message>
            <location filename="../ui/quota_dock.py" line="271" />
            <source>user</source>
            <translation>Benutzer</translation>
        </message>
        <message>
            <location filename="../ui/quota_dock.py" line="271" />
            <source>computation</source>
            <translation>Berechnung</translation>
        </message>
        <message>
            <location filename="../ui/quota_dock.py" line="274" />
            <source>{count} data usage row(s).</source>
            <translation>{count} Zeile(n) Datennutzung.</translation>
        </message>
        <message>
            <location filename="../ui/quota_dock.py" line="276" />
            <source>data usage</source>
            <translation>Datennutzung</translation>
        </message>
        <message>
            <location filename="../ui/quota_dock.py" line="284" />
            <source>data</source>
            <translation>Daten</translation>
        </message>
        <message>
            <location filename="../ui/quota_dock.py" line="284" />
            <source>count</source>
            <translation>Anzahl</translation>
        </message>
        <message>
            <location filename="../ui/quota_dock.py" line="287" />
            <source>{count} summary row(s) by {granularity}.</source>
            <translation>{count} Übersichtszeile(n) nach {granularity}.</translation>
        </message>
        <message>
            <location filename="../ui/quota_dock.py" line="290" />
            <source>usage summary</source>
            <translation>Nutzungsübersicht</translation>
        </message>
        <message>
            <location filename="../ui/quota_dock.py" line="299" />
            <source>available {available:,}, used {used:,}</source>
            <translation>verfügbar {available:,}, verbraucht {used:,}</translation>
        </message>
        <message>
            <location filename="../ui/quota_dock.py" line="314" />
            <source>Loading {what}…</source>
            <translation>{what} wird geladen…</translation>
        </message>
        <message>
            <location filename="../ui/quota_dock.py" line="327" />
            <source>Loading {what} was cancelled.</source>
            <translation>Das Laden von {what} wurde abgebrochen.</translation>
        </message>
        <message>
            <location filename="../ui/quota_dock.py" line="329" />
            <source>Geo Engine: {what}</source>
            <translation>Geo Engine: {what}</translation>
        </message>
        <message>
            <location filename="../ui/quota_dock.py" line="335" />
            <source>Could not load {what}: </source>
            <translation>{what} konnte nicht geladen werden: </translation>
        </message>
        <message>
            <location filename="../ui/resolution_row.py" line="11" />
            <source>Native</source>
            <translation>Nativ</translation>
        </message>
        <message>
            <location filename="../ui/resolution_row.py" line="11" />
            <source>Auto (native if small, else the map canvas's)</source>
            <translation>Automatisch (nativ, wenn klein, sonst die des Kartenfensters)</translation>
        </message>
        <message>
            <location filename="../ui/resolution_row.py" line="11" />
            <source>Map canvas</source>
            <translation>Kartenfenster</translation>
        </message>
        <message>
            <location filename="../ui/resolution_row.py" line="11" />
            <source>Pixel size (workflow CRS units)</source>
            <translation>Pixelgröße (Einheiten des Workflow-KBS)</translation>
        </message>
        <message>
            <location filename="../ui/resolution_row.py" line="31" />
            <source>Pixel size in the workflow's CRS units; rounded to a whole multiple (or fraction) of the native pixel</source>
            <translation>Pixelgröße in den Einheiten des Workflow-KBS; gerundet auf ein ganzes Vielfaches (oder einen Bruchteil) des nativen Pixels</translation>
        </message>
        <message>
            <location filename="../ui/save_dataset_dialog.py" line="45" />
            <source>Save result as dataset</source>
            <translation>Ergebnis als Datensatz speichern</translation>
        </message>
        <message>
            <location filename="../ui/save_dataset_dialog.py" line="59" />
            <source>&lt;b&gt;{name}&lt;/b&gt;&lt;br&gt;workflow {workflow_id} on {connection}&lt;br&gt;extent {extent} ({crs})&lt;br&gt;time {time}</source>
            <translation>&lt;b&gt;{name}&lt;/b&gt;&lt;br&gt;Workflow {workflow_id} auf {connection}&lt;br&gt;Ausdehnung {extent} ({crs})&lt;br&gt;Zeit {time}</translation>
        </message>
        <message>
            <location filename="../ui/save_dataset_dialog.py" line="68" />
            <source>optional; the server picks one when empty</source>
            <translation>optional; der Server wählt einen, wenn leer</translation>
        </message>
        <message>
            <location filename="../ui/save_dataset_dialog.py" line="69" />
            <source>Letters, digits, '_' and '-'. Geo Engine stores new datasets in your own namespace, so a name is saved as &lt;your user id&gt;:&lt;name&gt; (admins: as typed).</source>
            <translation>Buchstaben, Ziffern, '_' und '-'. Geo Engine speichert neue Datensätze in Ihrem eigenen Namensraum, ein Name wird also als &lt;Ihre Benutzer-ID&gt;:&lt;Name&gt; gespeichert (Admins: wie eingegeben).</translation>
        </message>
        <message>
            <location filename="../ui/save_dataset_dialog.py" line="72" />
            <source>optional</source>
            <translation>optional</translation>
        </message>
        <message>
            <location filename="../ui/save_dataset_dialog.py" line="74" />
            <source>Display name:</source>
            <translation>Anzeigename:</translation>
        </message>
        <message>
            <location filename="../ui/save_dataset_dialog.py" line="75" />
            <source>Dataset name:</source>
            <translation>Datensatzname:</translation>
        </message>
        <message>
            <location filename="../ui/save_dataset_dialog.py" line="76" />
            <source>Description:</source>
            <translation>Beschreibung:</translation>
        </message>
        <message>
            <location filename="../ui/save_dataset_dialog.py" line="83" />
            <source>Copy name</source>
            <translation>Namen kopieren</translation>
        </message>
        <message>
            <location filename="../ui/save_dataset_dialog.py" line="85" />
            <source>Add to map</source>
            <translation>Zur Karte hinzufügen</translation>
        </message>
        <message>
            <location filename="../ui/save_dataset_dialog.py" line="88" />
            <source>Adding layers is not available in this version; copy the name instead</source>
            <translation>Layer hinzufügen ist in dieser Version nicht verfügbar; kopieren Sie stattdessen den Namen</translation>
        </message>
        <message>
            <location filename="../ui/save_dataset_dialog.py" line="93" />
            <source>Save</source>
            <translation>Speichern</translation>
        </message>
        <message>
            <location filename="../ui/save_dataset_dialog.py" line="96" />
            <source>Abort</source>
            <translation>Abbrechen</translation>
        </message>
        <message>
            <location filename="../ui/save_dataset_dialog.py" line="132" />
            <source>Saving… (the server computes the raster; see also QGIS's task manager)</source>
            <translation>Wird gespeichert… (der Server berechnet das Raster; siehe auch die Aufgabenverwaltung von QGIS)</translation>
        </message>
        <message>
            <location filename="../ui/save_dataset_dialog.py" line="134" />
            <source>Geo Engine: save {name} as dataset</source>
            <translation>Geo Engine: {name} als Datensatz speichern</translation>
        </message>
        <message>
            <location filename="../ui/save_dataset_dialog.py" line="142" />
            <source>Aborting…</source>
            <translation>Wird abgebrochen…</translation>
        </message>
        <message>
            <location filename="../ui/save_dataset_dialog.py" line="151" />
            <source>Adding layers is not available here; the name {dataset_name} was copied.</source>
            <translation>Layer hinzufügen ist hier nicht verfügbar; der Name {dataset_name} wurde kopiert.</translation>
        </message>
        <message>
            <location filename="../ui/save_dataset_dialog.py" line="155" />
            <source>Adding {dataset_name} to the map (see the task manager).</source>
            <translation>{dataset_name} wird zur Karte hinzugefügt (siehe Aufgabenverwaltung).</translation>
        </message>
        <message>
            <location filename="../ui/save_dataset_dialog.py" line="174" />
            <source>New dataset: &lt;b&gt;{name}&lt;/b&gt;</source>
            <translation>Neuer Datensatz: &lt;b&gt;{name}&lt;/b&gt;</translation>
        </message>
        <message>
            <location filename="../ui/save_dataset_dialog.py" line="175" />
            <source>Saved as dataset {dataset}.</source>
            <translation>Als Datensatz {dataset} gespeichert.</translation>
        </message>
        <message>
            <location filename="../ui/save_dataset_dialog.py" line="184" />
            <source>Aborted{detail}; no dataset was created.</source>
            <translation>Abgebrochen{detail}; es wurde kein Datensatz erstellt.</translation>
        </message>
        <message>
            <location filename="../ui/save_dataset_dialog.py" line="209" />
            <source>Saving… (this window closed and came back with the result)</source>
            <translation>Wird gespeichert… (dieses Fenster wurde geschlossen und kam mit dem Ergebnis zurück)</translation>
        </message>
        <message>
            <location filename="../ui/settings_page.py" line="89" />
            <source>Download limits</source>
            <translation>Download-Grenzen</translation>
        </message>
        <message>
            <location filename="../ui/settings_page.py" line="92" />
            <source> million pixels</source>
            <translation> Millionen Pixel</translation>
        </message>
        <message>
            <location filename="../ui/settings_page.py" line="94" />
            <source>Largest download</source>
            <translation>Größter Download</translation>
        </message>
        <message>
            <location filename="../ui/settings_page.py" line="95" />
            <source>Most pixels</source>
            <translation>Höchstens Pixel</translation>
        </message>
        <message>
            <location filename="../ui/settings_page.py" line="96" />
            <source>Before a raster is downloaded, the plugin works out how big it will be (pixels of every time step and band, uncompressed). Above either limit, Add layer and the Browser ask first, Processing stops with the reason, and a layer that follows the Temporal Controller keeps what it shows. Vector results stop at the size limit and ask.</source>
            <translation>Bevor ein Raster heruntergeladen wird, berechnet das Plugin, wie groß es wird (Pixel aller Zeitschritte und Bänder, unkomprimiert). Über einer der Grenzen fragen „Layer hinzufügen“ und der Browser zuerst, Processing bricht mit dem Grund ab, und ein Layer, der dem Temporal Controller folgt, behält, was er zeigt. Vektorergebnisse halten an der Größengrenze an und fragen.</translation>
        </message>
        <message>
            <location filename="../ui/settings_page.py" line="104" />
            <source>Layers that follow the Temporal Controller</source>
            <translation>Layer, die dem Temporal Controller folgen</translation>
        </message>
        <message>
            <location filename="../ui/settings_page.py" line="106" />
            <source>Fetch the visible area when the map moves outside the layer</source>
            <translation>Den sichtbaren Bereich laden, wenn die Karte den Layer verlässt</translation>
        </message>
        <message>
            <location filename="../ui/settings_page.py" line="109" />
            <source>Set the Temporal Controller to the first time series' range and step</source>
            <translation>Den Temporal Controller auf Zeitraum und Schritt der ersten Zeitreihe setzen</translation>
        </message>
        <message>
            <location filename="../ui/settings_page.py" line="112" />
            <source> MB</source>
            <translation> MB</translation>
        </message>
        <message>
            <location filename="../ui/settings_page.py" line="115" />
            <source>Time step cache</source>
            <translation>Cache für Zeitschritte</translation>
        </message>
        <message>
            <location filename="../ui/settings_page.py" line="116" />
            <source>Off, a layer keeps the area it was loaded for and only changes its time step. The cache keeps time steps already fetched so stepping back is instant; when it grows past its size, the steps used longest ago are deleted (never one a layer shows).</source>
            <translation>Aus: Ein Layer behält den Bereich, für den er geladen wurde, und wechselt nur den Zeitschritt. Der Cache hält bereits geladene Zeitschritte, damit ein Schritt zurück sofort erscheint; wird er größer als erlaubt, werden die am längsten nicht genutzten Schritte gelöscht (nie einer, den ein Layer zeigt).</translation>
        </message>
        <message>
            <location filename="../ui/settings_page.py" line="123" />
            <source>Downloaded files</source>
            <translation>Heruntergeladene Dateien</translation>
        </message>
        <message>
            <location filename="../ui/settings_page.py" line="127" />
            <source>Clear cache now</source>
            <translation>Cache jetzt leeren</translation>
        </message>
        <message>
            <location filename="../ui/settings_page.py" line="133" />
            <source>Downloads are stored under your QGIS profile. Clearing deletes every downloaded file that no layer of the open project reads; layers keep working. Files of downloads still running and of other QGIS windows are left alone.</source>
            <translation>Downloads liegen in Ihrem QGIS-Profil. Leeren löscht jede heruntergeladene Datei, die kein Layer des geöffneten Projekts liest; die Layer funktionieren weiter. Dateien laufender Downloads und anderer QGIS-Fenster bleiben unberührt.</translation>
        </message>
        <message>
            <location filename="../ui/settings_page.py" line="145" />
            <source>{0} file(s), {1} in {2}</source>
            <translation>{0} Datei(en), {1} in {2}</translation>
        </message>
        <message>
            <location filename="../ui/settings_page.py" line="152" />
            <source>The cache was not cleared: {0}</source>
            <translation>Der Cache wurde nicht geleert: {0}</translation>
        </message>
        <message>
            <location filename="../ui/settings_page.py" line="154" />
            <source>Deleted {0} file(s). Now: </source>
            <translation>{0} Datei(en) gelöscht. Jetzt: </translation>
        </message>
        <message>
            <location filename="../ui/settings_page.py" line="185" />
            <source>Geo Engine settings</source>
            <translation>Geo-Engine-Einstellungen</translation>
        </message>
        <message>
            <location filename="../ui/time_edit.py" line="42" />
            <source>YYYY-MM-DD hh:mm</source>
            <translation>JJJJ-MM-TT hh:mm</translation>
        </message>
        <message>
            <location filename="../ui/time_edit.py" line="43" />
            <source>Type a date such as 2014-04-01 or 2014-04-01 12:00 (UTC), or pick one</source>
            <translation>Geben Sie ein Datum wie 2014-04-01 oder 2014-04-01 12:00 (UTC) ein oder wählen Sie eines</translation>
        </message>
        <message>
            <location filename="../ui/time_edit.py" line="52" />
            <source>Pick a date</source>
            <translation>Datum wählen</translation>
        </message>
        <message>
            <location filename="../ui/widgets.py" line="81" />
            <source>Copy</source>
            <translation>Kopieren</translation>
        </message>
        <message>
            <location filename="../ui/workflow_definition_dialog.py" line="38" />
            <source>Workflow definition</source>
            <translation>Workflow-Definition</translation>
        </message>
        <message>
            <location filename="../ui/workflow_definition_dialog.py" line="38" />
            <source>Workflow definition – {title}</source>
            <translation>Workflow-Definition – {title}</translation>
        </message>
        <message>
            <location filename="../ui/workflow_definition_dialog.py" line="43" />
            <source>Workflow &lt;b&gt;{workflow_id}&lt;/b&gt;</source>
            <translation>Workflow &lt;b&gt;{workflow_id}&lt;/b&gt;</translation>
        </message>
        <message>
            <location filename="../ui/workflow_definition_dialog.py" line="51" />
            <source>Copy JSON</source>
            <translation>JSON kopieren</translation>
        </message>
        <message>
            <location filename="../ui/workflow_definition_dialog.py" line="53" />
            <source>Copy workflow id</source>
            <translation>Workflow-ID kopieren</translation>
        </message>
        <message>
            <location filename="../ui/workflow_definition_dialog.py" line="55" />
            <source>Close</source>
            <translation>Schließen</translation>
        </message>
    </context>
</TS>
