"""Transfers and departures (manager): the queue of guides' transfer requests with approve / reject, and a
departing guide's members handed to one or several colleagues in one action, with a preview count."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import (
    QT_TRANSLATE_NOOP,
    QAbstractTableModel,
    QCoreApplication,
    QEvent,
    QModelIndex,
    QPersistentModelIndex,
    Qt,
)
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from app.clock import STORE_TZ
from app.services.binding import (
    TransferRequestView,
    approve_transfer,
    list_transfer_requests,
    reject_transfer,
)
from app.services.common import GuideRef
from app.services.guides import GuideView, list_guides
from app.services.handover import HandoverPreview, hand_over, preview_handover
from ui import messages
from ui.context import AppContext

CONTEXT = "TransferRequestsTableModel"
COLUMNS = (
    QT_TRANSLATE_NOOP("TransferRequestsTableModel", "Member"),
    QT_TRANSLATE_NOOP("TransferRequestsTableModel", "From"),
    QT_TRANSLATE_NOOP("TransferRequestsTableModel", "To"),
    QT_TRANSLATE_NOOP("TransferRequestsTableModel", "Reason"),
    QT_TRANSLATE_NOOP("TransferRequestsTableModel", "Asked"),
)


class TransferRequestsTableModel(QAbstractTableModel):
    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        self.requests: list[TransferRequestView] = []

    def set_requests(self, requests: tuple[TransferRequestView, ...]) -> None:
        self.beginResetModel()
        self.requests = list(requests)
        self.endResetModel()

    def rowCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.requests)

    def columnCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(COLUMNS)

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        horizontal = orientation == Qt.Orientation.Horizontal
        if role == Qt.ItemDataRole.DisplayRole and horizontal and 0 <= section < len(COLUMNS):
            return QCoreApplication.translate(CONTEXT, COLUMNS[section])
        return None

    def data(
        self, index: QModelIndex | QPersistentModelIndex, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if (
            not index.isValid()
            or not 0 <= index.row() < len(self.requests)
            or role != Qt.ItemDataRole.DisplayRole
        ):
            return None
        r = self.requests[index.row()]
        return (
            r.member_name,
            r.from_guide_name,
            r.to_guide_name,
            r.reason_note,
            r.created_at.astimezone(STORE_TZ).strftime("%m-%d %H:%M"),
        )[index.column()]


class TransfersPage(QWidget):
    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent, objectName="transfersPage")
        self.ctx = ctx
        self.guides: tuple[GuideView, ...] = ()
        self.preview: HandoverPreview | None = None
        self.requests_box = QGroupBox()
        self.model = TransferRequestsTableModel(self)
        self.table = QTableView(objectName="transferRequests")
        self.table.setModel(self.model)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.verticalHeader().setVisible(False)
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Stretch)
        self.approve_button = QPushButton(objectName="approveTransfer")
        self.reject_button = QPushButton(objectName="rejectTransfer")
        self.empty_label = QLabel(objectName="noRequests")
        buttons = QHBoxLayout()
        buttons.addWidget(self.empty_label, 1)
        buttons.addWidget(self.approve_button)
        buttons.addWidget(self.reject_button)
        box = QVBoxLayout(self.requests_box)
        box.addWidget(self.table)
        box.addLayout(buttons)

        self.departure_box = QGroupBox()
        self.departing = QComboBox(objectName="departingGuide")
        self.targets = QListWidget(objectName="handoverTargets")
        self.targets.setSelectionMode(QAbstractItemView.SelectionMode.MultiSelection)
        self.targets.setMaximumHeight(160)
        self.preview_label = QLabel(objectName="handoverPreview")
        self.preview_label.setWordWrap(True)
        self.hand_over_button = QPushButton(objectName="handOver")
        self.from_label, self.to_label = QLabel(), QLabel()
        dep = QVBoxLayout(self.departure_box)
        row = QHBoxLayout()
        row.addWidget(self.from_label)
        row.addWidget(self.departing, 1)
        dep.addLayout(row)
        dep.addWidget(self.to_label)
        dep.addWidget(self.targets)
        dep.addWidget(self.preview_label)
        dep.addWidget(self.hand_over_button, 0, Qt.AlignmentFlag.AlignRight)
        self.message = QLabel(objectName="transfersMessage")
        self.message.setWordWrap(True)
        layout = QVBoxLayout(self)
        layout.addWidget(self.requests_box, 1)
        layout.addWidget(self.departure_box)
        layout.addWidget(self.message)

        self.approve_button.clicked.connect(lambda: self.decide(approve=True))
        self.reject_button.clicked.connect(lambda: self.decide(approve=False))
        self.departing.currentIndexChanged.connect(self._on_handover_changed)
        self.targets.itemSelectionChanged.connect(self._on_handover_changed)
        self.hand_over_button.clicked.connect(self.confirm_hand_over)
        ctx.runner.data_changed.connect(self._on_runner_data_changed)
        self._loaded = False
        self.retranslate()

    def page_shown(self) -> None:
        if not self._loaded:
            self._loaded = True
            self.reload()

    def showEvent(self, event: Any) -> None:
        super().showEvent(event)
        self.page_shown()

    def _on_runner_data_changed(self, _changes: Any, initiator: object) -> None:
        if self._loaded and initiator is not self:
            self.reload()

    def _store_id(self) -> str:
        guide = self.ctx.guide
        return guide.store_id if guide is not None else ""

    def reload(self) -> None:
        store_id = self._store_id()

        def work(s: Any) -> tuple[tuple[TransferRequestView, ...], tuple[GuideView, ...]]:
            return list_transfer_requests(s, store_id=store_id), list_guides(
                s, store_id=store_id, include_inactive=True
            )

        self.ctx.runner.read(work, description="transfers").on_success(self._show).on_failure(
            self._show_error
        ).start()

    def _show(self, result: tuple[tuple[TransferRequestView, ...], tuple[GuideView, ...]]) -> None:
        requests, self.guides = result
        self.model.set_requests(requests)
        self.empty_label.setText("" if requests else self.tr("No transfer requests waiting."))
        if requests and not self.table.currentIndex().isValid():
            self.table.selectRow(0)
        self._fill_guides()

    def _fill_guides(self) -> None:
        current = self.departing.currentData()
        chosen = {i.data(Qt.ItemDataRole.UserRole) for i in self.targets.selectedItems()}
        self.departing.blockSignals(True)
        self.targets.blockSignals(True)
        self.departing.clear()
        self.departing.addItem(self.tr("Choose the departing guide"), "")
        self.targets.clear()
        for g in self.guides:
            label = g.name if g.active else self.tr("{name} (left)").format(name=g.name)
            self.departing.addItem(f"{g.employee_no} {label}", g.id)
            if g.active and g.id != current:
                item = QListWidgetItem(f"{g.employee_no} {g.name}")
                item.setData(Qt.ItemDataRole.UserRole, g.id)
                self.targets.addItem(item)
                item.setSelected(g.id in chosen)
        self.departing.setCurrentIndex(max(0, self.departing.findData(current)) if current else 0)
        self.departing.blockSignals(False)
        self.targets.blockSignals(False)
        self._on_handover_changed()

    def _show_error(self, error: BaseException) -> None:
        self.message.setText(messages.text_for(error))

    # ---- requests

    def selected_request(self) -> TransferRequestView | None:
        index = self.table.currentIndex()
        return self.model.requests[index.row()] if index.isValid() else None

    def decide(self, *, approve: bool) -> None:
        request = self.selected_request()
        if request is None:
            return
        why = self.tr("Approve this transfer") if approve else self.tr("Reject this transfer")
        self.ctx.request_manager(why, lambda manager: self._decide(request, manager, approve))

    def _decide(self, request: TransferRequestView, manager: GuideRef, approve: bool) -> None:
        ws = self.ctx.ws
        service = approve_transfer if approve else reject_transfer
        done = (
            self.tr("Approved: {member} goes to {guide} (waiting for HQ).")
            if approve
            else self.tr("Rejected: {member} stays with {guide}.")
        ).format(
            member=request.member_name, guide=request.to_guide_name if approve else request.from_guide_name
        )
        self.ctx.runner.mutate(
            lambda s: service(s, request_id=request.id, manager=manager, now=ws.hq_now()),
            description="transfer decision",
            initiator=self,
        ).on_success(lambda _r: self._after(done)).on_failure(self._show_error).start()

    def _after(self, text: str) -> None:
        self.message.setText(text)
        self.reload()

    # ---- departure

    def selected_targets(self) -> list[str]:
        return [i.data(Qt.ItemDataRole.UserRole) for i in self.targets.selectedItems()]

    def _on_handover_changed(self) -> None:
        from_id = self.departing.currentData() or ""
        # the departing guide is no target
        for i in range(self.targets.count()):
            item = self.targets.item(i)
            item.setHidden(item.data(Qt.ItemDataRole.UserRole) == from_id)
            if item.isHidden():
                item.setSelected(False)
        targets = self.selected_targets()
        if not from_id:
            self.preview = None
            self.preview_label.setText(self.tr("Choose who leaves, then one or several colleagues."))
            self.hand_over_button.setEnabled(False)
            return
        self.ctx.runner.read(
            lambda s: preview_handover(s, from_guide_id=from_id, to_guide_ids=targets),
            description="hand-over preview",
        ).on_success(self._show_preview).on_failure(self._show_error).start()

    def _show_preview(self, preview: HandoverPreview) -> None:
        if preview.from_guide_id != (self.departing.currentData() or ""):
            return  # an older choice
        self.preview = preview
        names = {g.id: g.name for g in self.guides}
        text = self.tr("{n} members are bound to this guide.").format(n=preview.total)
        if preview.shares:
            parts = "、".join(
                self.tr("{name}: {n}").format(name=names.get(g, g), n=n) for g, n in preview.shares
            )
            text += " " + self.tr("They go to {parts}.").format(parts=parts)
        self.preview_label.setText(text)
        self.hand_over_button.setEnabled(preview.total > 0 and bool(preview.shares))

    def confirm_hand_over(self) -> None:
        preview = self.preview
        if preview is None or not preview.shares:
            return
        self.ctx.request_manager(
            self.tr("Hand over a departing guide's members"), lambda m: self._hand_over(preview, m)
        )

    def _hand_over(self, preview: HandoverPreview, manager: GuideRef) -> None:
        ws = self.ctx.ws
        by_id = {g.id: g for g in self.guides}
        to_guides = [
            GuideRef(id=g.id, store_id=manager.store_id, employee_no=g.employee_no, name=g.name, role=g.role)
            for g in (by_id[gid] for gid, _n in preview.shares)
        ]
        self.ctx.runner.mutate(
            lambda s: hand_over(
                s, from_guide_id=preview.from_guide_id, to_guides=to_guides, manager=manager, now=ws.hq_now()
            ),
            description="hand over",
            initiator=self,
        ).on_success(
            lambda r: self._after(self.tr("{n} members handed over (waiting for HQ).").format(n=r.moved))
        ).on_failure(self._show_error).start()

    # ---- language

    def changeEvent(self, event: QEvent) -> None:
        if event.type() == QEvent.Type.LanguageChange:
            self.retranslate()
        super().changeEvent(event)

    def retranslate(self) -> None:
        self.requests_box.setTitle(self.tr("Transfer requests waiting for a manager"))
        self.approve_button.setText(self.tr("Approve"))
        self.reject_button.setText(self.tr("Reject"))
        self.departure_box.setTitle(self.tr("A guide leaves: hand over their members"))
        self.from_label.setText(self.tr("Departing guide"))
        self.to_label.setText(self.tr("Hand over to (one or several):"))
        self.hand_over_button.setText(self.tr("Hand over"))
        self.model.headerDataChanged.emit(Qt.Orientation.Horizontal, 0, self.model.columnCount() - 1)
        if self.guides:
            self._fill_guides()
