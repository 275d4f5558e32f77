"""The "Geo Engine connections" dialog: add, edit, delete and test saved connections.

Secrets never pass through QgsSettings: email/password come from an Auth Manager configuration picked
with QGIS's own selector, and a pasted token is written straight into the Auth Manager on save.
"Test connection" runs in a background task; the dialog stays responsive and can be closed meanwhile.
"""

from __future__ import annotations

from typing import Callable, Optional

from qgis.gui import QgsAuthConfigSelect
from qgis.PyQt.QtCore import Qt
from qgis.PyQt.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QPushButton,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from ..qgis_glue.connections import (
    ANONYMOUS,
    AUTH_KIND_LABELS,
    AUTH_KINDS,
    PASSWORD,
    TOKEN,
    Connection,
    ConnectionSettingsError,
    ConnectionStore,
    TokenCredentials,
    cleartext_warning,
    store_token,
)
from ..qgis_glue.errors import describe_error
from ..qgis_glue.i18n import tr
from ..qgis_glue.sessions import resolve
from ..qgis_glue.tasks import CoreTask, TaskRunner
from .widgets import ERROR, WARNING, status_style

URL_HINT = "https://geoengine.example.org/api"


class ConnectionsDialog(QDialog):
    """Edit saved connections. ``probe(resolved_connection, task_context)`` runs on a worker thread."""

    def __init__(self, store: ConnectionStore, runner: TaskRunner, probe: Callable, parent=None) -> None:
        super().__init__(parent)
        self.setWindowTitle(tr("Geo Engine connections"))
        self.setObjectName("GeoEngineConnectionsDialog")
        self._store = store
        self._runner = runner
        self._probe = probe
        self._current: Optional[str] = None  # name of the connection shown in the form, None = new
        self._token_authcfg = ""  # nosec B105 # the plugin's token config id, empty: none
        self._test_task: Optional[CoreTask] = None
        self._build()
        self.reload()

    # --- layout -------------------------------------------------------------------------------
    def _build(self) -> None:
        self.list = QListWidget()
        self.list.currentTextChanged.connect(self._show)
        self.new_button = QPushButton(tr("New"))
        self.new_button.clicked.connect(self.new_connection)
        self.delete_button = QPushButton(tr("Delete"))
        self.delete_button.clicked.connect(self.delete_current)
        left = QVBoxLayout()
        left.addWidget(self.list)
        row = QHBoxLayout()
        row.addWidget(self.new_button)
        row.addWidget(self.delete_button)
        left.addLayout(row)

        self.name_edit = QLineEdit()
        self.url_edit = QLineEdit()
        self.url_edit.setPlaceholderText(URL_HINT)
        self.url_edit.setToolTip(tr("The server's address: its base URL (https://host) or the exact API root "
                                    "(https://host/geoengine/api). The plugin finds the API with GET <url>/info, "
                                    "then <url>/api/info."))
        self.url_warning = QLabel()
        self.url_warning.setTextFormat(Qt.TextFormat.PlainText)
        self.url_warning.setWordWrap(True)
        self.url_warning.setStyleSheet(status_style(WARNING, self))
        self.url_warning.setVisible(False)
        self.url_edit.textChanged.connect(self._warn_about_url)
        self.kind_combo = QComboBox()
        for kind in AUTH_KINDS:
            self.kind_combo.addItem(tr(AUTH_KIND_LABELS[kind]), kind)
        self.auth_select = QgsAuthConfigSelect(self)
        self.auth_select.setToolTip(tr("A Basic configuration: username = your email, password = your password."))
        self.token_edit = QLineEdit()
        self.token_edit.setEchoMode(QLineEdit.EchoMode.Password)
        self.token_edit.setPlaceholderText(tr("paste a session token (kept in the Authentication Manager)"))
        self.token_status = QLabel()
        token_box = QWidget()
        token_layout = QVBoxLayout(token_box)
        token_layout.setContentsMargins(0, 0, 0, 0)
        token_layout.addWidget(self.token_edit)
        token_layout.addWidget(self.token_status)
        self.auth_stack = QStackedWidget()
        self.auth_stack.addWidget(QLabel(tr("No credentials: the server's anonymous access is used.")))
        self.auth_stack.addWidget(self.auth_select)
        self.auth_stack.addWidget(token_box)
        self.kind_combo.currentIndexChanged.connect(self.auth_stack.setCurrentIndex)

        form = QFormLayout()
        form.addRow(tr("Name"), self.name_edit)
        form.addRow(tr("Server URL"), self.url_edit)
        form.addRow("", self.url_warning)
        form.addRow(tr("Authentication"), self.kind_combo)
        form.addRow("", self.auth_stack)
        self.save_button = QPushButton(tr("Save"))
        self.save_button.clicked.connect(self.save_current)
        self.test_button = QPushButton(tr("Test connection"))
        self.test_button.clicked.connect(self.test_current)
        buttons = QHBoxLayout()
        buttons.addWidget(self.test_button)
        buttons.addStretch(1)
        buttons.addWidget(self.save_button)
        self.status = QLabel()
        self.status.setTextFormat(Qt.TextFormat.PlainText)  # server version, user names, error text
        self.status.setWordWrap(True)
        self.status.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        right = QVBoxLayout()
        right.addLayout(form)
        right.addLayout(buttons)
        right.addWidget(self.status)
        right.addStretch(1)

        top = QHBoxLayout()
        top.addLayout(left, 1)
        top.addLayout(right, 2)
        close = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        close.rejected.connect(self.reject)
        outer = QVBoxLayout(self)
        outer.addLayout(top)
        outer.addWidget(close)

    # --- list and form ----------------------------------------------------------------------------
    def _warn_about_url(self, text: str) -> None:
        warning = cleartext_warning(text)
        self.url_warning.setText(warning)
        self.url_warning.setVisible(bool(warning))

    def reload(self, select: Optional[str] = None) -> None:
        names = self._store.names()
        self.list.blockSignals(True)
        self.list.clear()
        self.list.addItems(names)
        self.list.blockSignals(False)
        if select in names:
            self.list.setCurrentRow(names.index(select))
        elif names:
            self.list.setCurrentRow(0)
        else:
            self.new_connection()

    def _show(self, name: str) -> None:
        if not name:
            return
        try:
            connection = self._store.load(name)
        except KeyError:  # removed meanwhile (another dialog)
            self.reload()
            return
        self._current = name
        self.name_edit.setText(connection.name)
        self.url_edit.setText(connection.url)
        known = connection.auth_kind in AUTH_KINDS
        self.kind_combo.setCurrentIndex(AUTH_KINDS.index(connection.auth_kind) if known else 0)
        self.auth_select.setConfigId(connection.authcfg if connection.auth_kind == PASSWORD else "")
        self.token_edit.clear()
        self._token_authcfg = connection.authcfg if connection.auth_kind == TOKEN else ""
        self.token_status.setText(tr("A token is stored; paste a new one to replace it.")
                                  if self._token_authcfg else "")
        self.status.clear()
        if not known:
            self._set_status(tr("Unknown authentication kind {auth_kind} in the saved settings; choose one and "
                                "save.").format(
                auth_kind=repr(connection.auth_kind)), error=True)

    def new_connection(self) -> None:
        self._current = None
        self._token_authcfg = ""  # nosec B105 # no token config id yet
        self.list.clearSelection()
        self.name_edit.clear()
        self.url_edit.clear()
        self.kind_combo.setCurrentIndex(0)
        self.auth_select.setConfigId("")
        self.token_edit.clear()
        self.token_status.clear()
        self.status.clear()

    def form_connection(self) -> Connection:
        """The connection as the form shows it (token kind: the stored config, if any)."""
        kind = self.kind_combo.currentData()
        authcfg = {ANONYMOUS: "", PASSWORD: self.auth_select.configId(), TOKEN: self._token_authcfg}[kind]
        return Connection(self.name_edit.text(), self.url_edit.text(), kind, authcfg)

    # --- actions ------------------------------------------------------------------------------------
    def save_current(self) -> Optional[Connection]:
        """Validate and save the form; a pasted token goes to the Auth Manager first."""
        connection = self.form_connection()
        try:
            if connection.auth_kind == TOKEN and self.token_edit.text().strip():
                authcfg = store_token(connection.name.strip(), self.token_edit.text(), self._token_authcfg)
                connection = Connection(connection.name, connection.url, TOKEN, authcfg)
            saved = self._store.save(connection, previous_name=self._current)
        except ConnectionSettingsError as exc:
            self._set_status(str(exc), error=True)
            return None
        self.token_edit.clear()
        self.reload(select=saved.name)
        self._set_status(tr("Saved connection {name}.").format(name=repr(saved.name)))
        return saved

    def delete_current(self) -> None:
        if self._current is None:
            return
        try:
            self._store.delete(self._current)
        except KeyError:
            pass  # already gone: the list is refreshed below
        self._current = None
        self.reload()

    def test_current(self) -> Optional[CoreTask]:
        """Start the background test of the form's connection (saved or not)."""
        connection = self.form_connection()
        try:
            pasted = connection.auth_kind == TOKEN and bool(self.token_edit.text().strip())
            connection = Connection(connection.name.strip() or "unsaved", connection.url, connection.auth_kind,
                                    connection.authcfg).validated(require_authcfg=not pasted)
            credentials = TokenCredentials(self.token_edit.text().strip()) if pasted else None
            resolved = resolve(connection, credentials)  # main thread: may ask for the master password
        except ConnectionSettingsError as exc:
            self._set_status(str(exc), error=True)
            return None
        self.test_button.setEnabled(False)
        self._set_status(tr("Testing {url} ...").format(url=connection.url))
        self._test_task = self._runner.submit(
            tr("Test Geo Engine connection {name}").format(name=connection.name),
            lambda context: self._probe(resolved, context),
            on_success=self._test_succeeded,
            on_error=self._test_failed,
            on_cancel=self._test_cancelled,
            notify_errors=False,
        )
        return self._test_task

    def _test_succeeded(self, result) -> None:
        self._test_task = None
        self.test_button.setEnabled(True)
        self._set_status(str(result))

    def _test_failed(self, exc: BaseException) -> None:
        self._test_task = None
        self.test_button.setEnabled(True)
        self._set_status(describe_error(exc).summary, error=True)

    def _test_cancelled(self) -> None:
        self._test_task = None
        self.test_button.setEnabled(True)
        self._set_status(tr("Test cancelled."))

    def _set_status(self, text: str, error: bool = False) -> None:
        self.status.setStyleSheet(status_style(ERROR, self) if error else "")  # readable on a dark theme too
        self.status.setText(text)

    def done(self, result: int) -> None:
        """Closing the dialog cancels a running test (its result would have nowhere to go)."""
        if self._test_task is not None:
            self._test_task.detach()
            self._test_task.cancel()
            self._test_task = None
        super().done(result)
