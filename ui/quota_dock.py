"""Quota & usage dock: available and used quota of a connection's user, and for admins another user's quota,
the data usage log and the usage summary (table and bar chart) by granularity, optionally for one dataset.

Every call runs in a background task; results and errors land in the dock (errors as one sentence, no
traceback). ``busy`` counts the calls under way (tests wait for 0).
"""

from __future__ import annotations

from typing import Callable, List, Optional

from qgis.PyQt.QtCore import Qt
from qgis.PyQt.QtWidgets import (
    QComboBox,
    QDockWidget,
    QFormLayout,
    QFrame,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QScrollArea,
    QSpinBox,
    QTableWidget,
    QTableWidgetItem,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from ..core.errors import InputError
from ..core.types import parse_uuid
from ..qgis_glue.errors import describe_error
from ..qgis_glue.i18n import QT_TR_NOOP, tr
from ..qgis_glue.session_jobs import WithSession, run_with_session
from ..qgis_glue.tasks import TaskRunner
from ..qgis_glue.usage import (
    GRANULARITIES,
    QuotaView,
    format_time,
    load_data_usage,
    load_quota,
    load_usage_summary,
    set_user_quota,
    summary_chart,
    user_quota,
)
from .charts import BarChartWidget
from .widgets import StatusLine

ADMIN_HINT = "Administration (other users' quota, data usage) needs a login with Geo Engine's admin role."


def _fill(table: QTableWidget, headers: List[str], rows: List[List[str]]) -> None:
    table.clear()
    table.setColumnCount(len(headers))
    table.setRowCount(len(rows))
    table.setHorizontalHeaderLabels(headers)
    for r, row in enumerate(rows):
        for c, text in enumerate(row):
            table.setItem(r, c, QTableWidgetItem(text))


def _table(parent: QWidget) -> QTableWidget:
    table = QTableWidget(parent)
    table.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
    table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
    table.horizontalHeader().setStretchLastSection(True)
    return table


def _spin(parent: QWidget, value: int, low: int, high: int) -> QSpinBox:
    spin = QSpinBox(parent)
    spin.setRange(low, high)
    spin.setValue(value)
    return spin


class QuotaDock(QDockWidget):
    """See the module docstring."""

    OBJECT_NAME = "GeoEngineQuotaDock"

    def __init__(self, with_session: WithSession, runner: TaskRunner,
                 connection_names: Callable[[], List[str]], parent: Optional[QWidget] = None) -> None:
        super().__init__(tr("Geo Engine quota & usage"), parent)
        self.setObjectName(self.OBJECT_NAME)
        self._with_session = with_session
        self._runner = runner
        self._connection_names = connection_names
        self.view: Optional[QuotaView] = None
        self.busy = 0
        self.last_error = ""
        self.usage_rows: list = []
        self.summary_rows: list = []

        body = QWidget(self)
        layout = QVBoxLayout(body)
        top = QHBoxLayout()
        self.connection_combo = QComboBox(body)
        self.connection_combo.currentTextChanged.connect(lambda _name: self.refresh())
        self.refresh_button = QPushButton(tr("Refresh"), body)
        self.refresh_button.clicked.connect(self.refresh)
        top.addWidget(QLabel(tr("Connection:"), body))
        top.addWidget(self.connection_combo, 1)
        top.addWidget(self.refresh_button)
        own = QGroupBox(tr("Your quota"), body)
        own_form = QFormLayout(own)
        self.user_label = QLabel("—", own)
        self.available_label = QLabel("—", own)
        self.used_label = QLabel("—", own)
        for label in (self.user_label, self.available_label, self.used_label):
            label.setWordWrap(True)  # a long user name wraps in a narrow dock instead of being cut
            label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
            label.setTextFormat(Qt.TextFormat.PlainText)  # user names and numbers from the server
        own_form.addRow(tr("User:"), self.user_label)
        own_form.addRow(tr("Available:"), self.available_label)
        own_form.addRow(tr("Used:"), self.used_label)
        self.status = StatusLine(body)
        self.admin_hint = QLabel(ADMIN_HINT, body)
        self.admin_hint.setWordWrap(True)
        self.admin_box = QGroupBox(tr("Administration"), body)
        tabs = QTabWidget(self.admin_box)
        QVBoxLayout(self.admin_box).addWidget(tabs)
        tabs.addTab(self._quota_tab(tabs), tr("User quota"))
        tabs.addTab(self._usage_tab(tabs), tr("Data usage"))
        tabs.addTab(self._summary_tab(tabs), tr("Usage summary"))
        self.tabs = tabs
        layout.addLayout(top)
        layout.addWidget(own)
        layout.addWidget(self.status)
        layout.addWidget(self.admin_hint)
        layout.addWidget(self.admin_box, 1)
        # a short dock scrolls instead of squeezing the value rows below their height (they were clipped and sat
        # lower than their labels when the dock shared its column with others)
        scroll = QScrollArea(self)
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QFrame.Shape.NoFrame)
        scroll.setWidget(body)
        self.setWidget(scroll)
        self._show_admin(False)
        self.reload_connections()

    # --- building -------------------------------------------------------------------------------
    def _quota_tab(self, parent: QWidget) -> QWidget:
        tab = QWidget(parent)
        form = QFormLayout(tab)
        self.user_id_edit = QLineEdit(tab)
        self.user_id_edit.setPlaceholderText(tr("user id (UUID)"))
        self.new_quota_spin = _spin(tab, 10_000, -2_147_483_647, 2_147_483_647)
        self.new_quota_spin.setToolTip(tr("New available quota (credits)"))
        buttons = QHBoxLayout()
        get_button = QPushButton(tr("Get"), tab)
        get_button.clicked.connect(lambda _checked=False: self.get_user_quota(self.user_id_edit.text()))
        set_button = QPushButton(tr("Set quota"), tab)
        set_button.clicked.connect(
            lambda _checked=False: self.set_user_quota(self.user_id_edit.text(), self.new_quota_spin.value()))
        buttons.addWidget(get_button)
        buttons.addWidget(set_button)
        self.user_quota_label = QLabel("—", tab)
        form.addRow(tr("User:"), self.user_id_edit)
        form.addRow(tr("Available:"), self.new_quota_spin)
        form.addRow(buttons)
        form.addRow(tr("Server says:"), self.user_quota_label)
        return tab

    def _usage_tab(self, parent: QWidget) -> QWidget:
        tab = QWidget(parent)
        layout = QVBoxLayout(tab)
        row = QHBoxLayout()
        self.usage_offset = _spin(tab, 0, 0, 1_000_000)
        self.usage_limit = _spin(tab, 20, 1, 1000)
        load = QPushButton(tr("Load"), tab)
        load.clicked.connect(lambda _checked=False: self.load_data_usage(self.usage_offset.value(),
                                                                         self.usage_limit.value()))
        for text, widget in (("Offset", self.usage_offset), ("Limit", self.usage_limit)):
            row.addWidget(QLabel(text, tab))
            row.addWidget(widget)
        row.addStretch(1)
        row.addWidget(load)
        self.usage_table = _table(tab)
        layout.addLayout(row)
        layout.addWidget(self.usage_table, 1)
        return tab

    def _summary_tab(self, parent: QWidget) -> QWidget:
        tab = QWidget(parent)
        layout = QVBoxLayout(tab)
        row = QHBoxLayout()
        self.granularity_combo = QComboBox(tab)
        self.granularity_combo.addItems(GRANULARITIES)
        self.granularity_combo.setCurrentText("days")
        self.dataset_edit = QLineEdit(tab)
        self.dataset_edit.setPlaceholderText(tr("all datasets (or a dataset name)"))
        self.summary_limit = _spin(tab, 20, 1, 1000)
        load = QPushButton(tr("Load"), tab)
        load.clicked.connect(lambda _checked=False: self.load_summary(
            self.granularity_combo.currentText(), self.dataset_edit.text().strip() or None, self.summary_limit.value()))
        row.addWidget(self.granularity_combo)
        row.addWidget(self.dataset_edit, 1)
        row.addWidget(QLabel(tr("Limit"), tab))
        row.addWidget(self.summary_limit)
        row.addWidget(load)
        self.summary_table = _table(tab)
        self.summary_chart = BarChartWidget(tab)
        self.summary_chart.setMinimumHeight(180)
        layout.addLayout(row)
        layout.addWidget(self.summary_table, 1)
        layout.addWidget(self.summary_chart, 1)
        return tab

    # --- public API -------------------------------------------------------------------------------
    @property
    def connection(self) -> str:
        return self.connection_combo.currentText()

    def reload_connections(self, select: Optional[str] = None) -> None:
        """Fill the connection list again (keeps the selection, or selects ``select``)."""
        current = select or self.connection
        self.connection_combo.blockSignals(True)
        self.connection_combo.clear()
        self.connection_combo.addItems(self._connection_names())
        index = self.connection_combo.findText(current) if current else -1
        self.connection_combo.setCurrentIndex(max(index, 0) if self.connection_combo.count() else -1)
        self.connection_combo.blockSignals(False)
        if not self.connection_combo.count():
            self.status.show_info(tr("Add a Geo Engine connection first (Connections…)."))

    def select_connection(self, name: str) -> None:
        self.reload_connections(select=name)
        self.refresh()

    def refresh(self) -> None:
        """Load the quota of the current connection's user."""
        if not self.connection:
            return

        def done(view: QuotaView) -> None:
            self.view = view
            self.user_label.setText(view.user)
            self.available_label.setText(f"{view.quota.available:,}")
            self.used_label.setText(f"{view.quota.used:,}")
            self._show_admin(view.admin)
            self.status.show_ok(tr("Quota loaded."))

        self._run(QT_TR_NOOP("quota"), lambda session: load_quota(session), done)

    def get_user_quota(self, user_id: str) -> None:
        user = self._user_id(user_id)
        if user is not None:
            self._run(QT_TR_NOOP("user quota"), lambda session: user_quota(session, user), self._show_user_quota)

    def set_user_quota(self, user_id: str, available: int) -> None:
        user = self._user_id(user_id)
        if user is not None:
            def done(quota) -> None:
                self._show_user_quota(quota)
                self.status.show_ok(tr("Quota of {user} set to {available:,}.").format(user=user, available=available))
                if self.view is not None and user == self.view.user_id:
                    self.refresh()

            self._run(QT_TR_NOOP("set quota"), lambda session: set_user_quota(session, user, int(available)), done)

    def load_data_usage(self, offset: int = 0, limit: int = 20) -> None:
        self.usage_offset.setValue(offset)
        self.usage_limit.setValue(limit)
        def done(rows) -> None:
            self.usage_rows = list(rows)
            _fill(self.usage_table, [tr("time"), tr("user"), tr("computation"), tr("data"), tr("count")],
                  [[format_time(r.timestamp, "seconds"), str(r.user_id), str(r.computation_id), str(r.data),
                    str(r.count)] for r in self.usage_rows])
            self.status.show_ok(tr("{count} data usage row(s).").format(count=len(self.usage_rows)))

        self._run(QT_TR_NOOP("data usage"), lambda session: load_data_usage(session, offset, limit), done)

    def load_summary(self, granularity: str, dataset: Optional[str] = None, limit: int = 20) -> None:
        self.granularity_combo.setCurrentText(granularity)
        self.dataset_edit.setText(dataset or "")
        self.summary_limit.setValue(limit)
        def done(rows) -> None:
            self.summary_rows = list(rows)
            _fill(self.summary_table, [granularity, tr("data"), tr("count")],
                  [[format_time(r.timestamp, granularity), str(r.data), str(r.count)] for r in self.summary_rows])
            self.summary_chart.set_chart(summary_chart(self.summary_rows, granularity, dataset))
            self.status.show_ok(tr("{count} summary row(s) by {granularity}.").format(
                count=len(self.summary_rows), granularity=granularity))

        self._run(QT_TR_NOOP("usage summary"),
                  lambda session: load_usage_summary(session, granularity, dataset, 0, limit), done)

    # --- internals --------------------------------------------------------------------------------
    def _show_admin(self, admin: bool) -> None:
        self.admin_box.setVisible(admin)
        self.admin_hint.setVisible(not admin)

    def _show_user_quota(self, quota) -> None:
        self.user_quota_label.setText(tr("available {available:,}, used {used:,}").format(available=quota.available,
                                                                                          used=quota.used))

    def _user_id(self, text: str) -> Optional[str]:
        try:
            return str(parse_uuid(text.strip(), "user id"))
        except InputError as exc:
            self._error(exc)
            return None

    def _run(self, what: str, work, on_success) -> None:
        if not self.connection:
            self._error(InputError("add a Geo Engine connection first (Connections…)", field="connection"))
            return
        self.busy += 1
        self.status.show_loading(tr("Loading {what}…").format(what=tr(what)))

        def success(result) -> None:
            self.busy -= 1
            self.last_error = ""
            on_success(result)

        def failed(exc: BaseException) -> None:
            self.busy -= 1
            self._error(exc, what)

        def cancelled() -> None:
            self.busy -= 1
            self.status.show_info(tr("Loading {what} was cancelled.").format(what=tr(what)))

        run_with_session(self._with_session, self._runner, self.connection, tr("Geo Engine: {what}").format(
            what=tr(what)),
                         lambda session, _context: work(session), success, failed, cancelled)

    def _error(self, exc: BaseException, what: str = "") -> None:
        self.last_error = describe_error(exc).summary
        prefix = tr("Could not load {what}: ").format(what=tr(what)) if what and not what.startswith("set") else ""
        self.status.show_error(prefix + self.last_error)
