"""The counter page: scan → member card → one-key actions. (Grows in the next steps.)"""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel, QLineEdit, QVBoxLayout, QWidget

from app.services.cards import MemberCard, member_card
from app.services.scan import resolve_scan
from ui import messages
from ui.context import AppContext


class CounterPage(QWidget):
    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent, objectName="counterPage")
        self.ctx = ctx
        self.scan_edit = QLineEdit(placeholderText=self.tr("Scan a member code or type a phone number"))
        self.scan_edit.setAttribute(Qt.WidgetAttribute.WA_InputMethodEnabled, False)
        self.name_label = QLabel(objectName="memberName")
        self.message = QLabel(objectName="scanMessage")
        layout = QVBoxLayout(self)
        layout.addWidget(self.scan_edit)
        layout.addWidget(self.name_label)
        layout.addWidget(self.message)
        layout.addStretch(1)
        self.scan_edit.returnPressed.connect(self._on_scan_edit_return_pressed)
        self.card: MemberCard | None = None

    def _on_scan_edit_return_pressed(self) -> None:
        self.scan(self.scan_edit.text())
        self.scan_edit.clear()

    def scan(self, text: str) -> None:
        guide = self.ctx.guide
        if guide is None:
            return
        ws = self.ctx.ws

        def work(s):  # type: ignore[no-untyped-def]
            now = ws.hq_now()
            hit = resolve_scan(s, text=text, now=now, cipher=ws.cipher)
            return member_card(s, member_id=hit.member_id, viewer=guide, now=now)

        self.ctx.runner.mutate(work, description="scan", initiator=self, announce=False).on_success(
            self._show_card
        ).on_failure(self._show_error).start()

    def _show_card(self, card: MemberCard) -> None:
        self.card = card
        self.name_label.setText(card.name)
        self.message.clear()

    def _show_error(self, error: BaseException) -> None:
        self.message.setText(messages.text_for(error))
