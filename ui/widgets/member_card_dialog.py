"""A member's card opened from a list (members page, tasks page): what the counter shows after a scan —
name, masked phone, level, stage, tags, binding, open tasks, notes — with the counter's actions (bind to
me, add a note). Loads and acts through the task runner; refreshes itself after its own actions."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QEvent, Signal
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from app.clock import STORE_TZ
from app.services.binding import bind_member
from app.services.cards import MemberCard, member_card
from app.services.members import add_note
from ui import messages
from ui.context import AppContext
from ui.models.members import stage_title


class MemberCardDialog(QDialog):
    card_loaded = Signal(object)  # MemberCard

    def __init__(self, ctx: AppContext, member_id: str, parent: QWidget | None = None) -> None:
        super().__init__(parent, objectName="memberCardDialog")
        self.ctx = ctx
        self.member_id = member_id
        self.card: MemberCard | None = None
        self.name = QLabel(objectName="cardName")
        self.name.setStyleSheet("font-size: 20px; font-weight: 600;")
        self.fields = {
            key: QLabel(objectName=f"card_{key}")
            for key in ("card", "phone", "level", "stage", "tags", "binding", "visit", "tasks", "notes")
        }
        for label in self.fields.values():
            label.setWordWrap(True)
        self.form = QFormLayout()
        self.form.addRow(self.name)
        for key in self.fields:
            self.form.addRow("", self.fields[key])
        self.bind_button = QPushButton(objectName="cardBind")
        self.note_edit = QLineEdit(objectName="cardNote")
        self.note_button = QPushButton(objectName="cardAddNote")
        self.message = QLabel(objectName="cardMessage")
        self.message.setWordWrap(True)
        actions = QHBoxLayout()
        actions.addWidget(self.bind_button)
        actions.addWidget(self.note_edit, 1)
        actions.addWidget(self.note_button)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addLayout(self.form)
        layout.addLayout(actions)
        layout.addWidget(self.message)
        layout.addWidget(buttons)
        self.bind_button.clicked.connect(self._on_bind_button_clicked)
        self.note_button.clicked.connect(self._on_note_button_clicked)
        self.note_edit.returnPressed.connect(self._on_note_button_clicked)
        self.resize(520, 460)
        self.retranslate()
        self.load()

    def load(self) -> None:
        guide, ws = self.ctx.guide, self.ctx.ws
        if guide is None:
            return
        self.ctx.runner.read(
            lambda s: member_card(s, member_id=self.member_id, viewer=guide, now=ws.hq_now()),
            description="member card",
        ).on_success(self._show).on_failure(self._show_error).start()

    def _show(self, card: MemberCard) -> None:
        self.card = card
        self.name.setText(card.name)
        f = self.fields
        f["card"].setText(self.tr("Card no: {n}").format(n=card.card_no))
        f["phone"].setText(self.tr("Phone: {p}").format(p=card.phone_masked))
        f["level"].setText(self.tr("Level: {l}").format(l=card.level))
        stage = stage_title(card.stage)
        if card.sleeping:
            stage += " · " + self.tr("Sleeping")
        f["stage"].setText(self.tr("Stage: {s}").format(s=stage))
        f["tags"].setText(self.tr("Tags: {t}").format(t="、".join(t.name for t in card.tags) or "—"))
        b = card.binding
        if b.relation == "unbound":
            bound = self.tr("Unbound")
        else:
            bound = b.guide_name + (f" ({b.store_name})" if b.relation == "other_store" else "")
            if b.state == "pending":
                bound += " · " + self.tr("pending HQ")
        f["binding"].setText(self.tr("Bound guide: {g}").format(g=bound))
        visit = (
            card.last_visit_at.astimezone(STORE_TZ).strftime("%Y-%m-%d %H:%M") if card.last_visit_at else "—"
        )
        f["visit"].setText(self.tr("Last visit: {v}").format(v=visit))
        f["tasks"].setText(self.tr("Open tasks: {n}").format(n=len(card.open_tasks)))
        notes = " / ".join(n.body for n in card.recent_notes[:3]) or "—"
        f["notes"].setText(self.tr("Notes: {n}").format(n=notes))
        self.bind_button.setEnabled(b.relation != "mine")
        self.card_loaded.emit(card)

    def _show_error(self, error: BaseException) -> None:
        self.message.setText(messages.text_for(error))

    def _on_bind_button_clicked(self) -> None:
        guide, ws = self.ctx.guide, self.ctx.ws
        if guide is None:
            return
        self.ctx.runner.mutate(
            lambda s: bind_member(s, member_id=self.member_id, guide=guide, now=ws.hq_now()),
            description="bind",
            initiator=self,
        ).on_success(self._on_bound).on_failure(self._show_error).start()

    def _on_bound(self, _outcome: Any) -> None:
        self.message.setText(self.tr("Bound to you (waiting for HQ to confirm)."))
        self.load()

    def _on_note_button_clicked(self) -> None:
        guide, ws, body = self.ctx.guide, self.ctx.ws, self.note_edit.text()
        if guide is None or not body.strip():
            return
        self.ctx.runner.mutate(
            lambda s: add_note(s, member_id=self.member_id, body=body, guide=guide, now=ws.hq_now()),
            description="note",
            initiator=self,
        ).on_success(self._on_noted).on_failure(self._show_error).start()

    def _on_noted(self, _outcome: Any) -> None:
        self.note_edit.clear()
        self.message.setText(self.tr("Note saved."))
        self.load()

    def changeEvent(self, event: QEvent) -> None:
        if event.type() == QEvent.Type.LanguageChange:
            self.retranslate()
        super().changeEvent(event)

    def retranslate(self) -> None:
        self.setWindowTitle(self.tr("Member card"))
        self.bind_button.setText(self.tr("Bind to me"))
        self.note_edit.setPlaceholderText(self.tr("Note for this member"))
        self.note_button.setText(self.tr("Add note"))
        if self.card is not None:
            self._show(self.card)
