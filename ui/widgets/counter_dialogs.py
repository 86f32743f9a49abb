"""The counter's small dialogs: enroll a walk-in, record a decline, request a transfer, tags, note,
follow-up, phone reveal. Each collects input and emits `submitted(dict)`; the counter page runs the
service and either closes the dialog (done) or shows the refusal inside it (the input stays). They open
non-blocking (`open()`), so the counter keeps its event loop and tests drive them directly.

Keyboard: Ctrl+Enter confirms, Esc cancels; every field is reachable with Tab.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

PRIVACY_NOTICE_VERSION = "privacy-2026-01"


class CounterDialog(QDialog):
    submitted = Signal(dict)

    def __init__(self, title: str, parent: QWidget | None = None, *, ok_text: str = "") -> None:
        super().__init__(parent)
        self.setObjectName("counterDialog")
        self.setWindowTitle(title)
        self.setModal(True)
        self.form = QFormLayout()
        self.title = QLabel(title, objectName="dialogTitle")  # a till may run without window decorations
        self.error = QLabel(objectName="errorText")
        self.error.setWordWrap(True)
        self.ok = QPushButton(ok_text or self.tr("Confirm (Ctrl+Enter)"), objectName="primary")
        self.cancel = QPushButton(self.tr("Cancel (Esc)"))
        for b in (self.ok, self.cancel):
            b.setAutoDefault(False)  # Enter from a scanner must never press a button
        buttons = QHBoxLayout()
        buttons.addStretch(1)
        buttons.addWidget(self.cancel)
        buttons.addWidget(self.ok)
        layout = QVBoxLayout(self)
        layout.addWidget(self.title)
        layout.addLayout(self.form)
        layout.addWidget(self.error)
        layout.addLayout(buttons)
        self.ok.clicked.connect(self._on_ok_clicked)
        self.cancel.clicked.connect(self.reject)
        for key in ("Ctrl+Return", "Ctrl+Enter"):
            QShortcut(QKeySequence(key), self, self._on_ok_clicked)
        self.setMinimumWidth(460)

    def setWindowTitle(self, title: str) -> None:
        super().setWindowTitle(title)
        if hasattr(self, "title"):
            self.title.setText(title)

    def values(self) -> dict[str, Any]:
        return {}

    def check(self, values: dict[str, Any]) -> str:
        """A reason to refuse before asking the service (empty: fine)."""
        return ""

    def _on_ok_clicked(self) -> None:
        values = self.values()
        problem = self.check(values)
        if problem:
            self.error.setText(problem)
            return
        self.error.clear()
        self.submitted.emit(values)

    def show_error(self, text: str) -> None:
        self.error.setText(text)

    def keyPressEvent(self, event: Any) -> None:
        # Plain Enter never submits (a scanner burst ends with Enter); Ctrl+Enter does.
        if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter) and not event.modifiers():
            self.focusNextChild()
            return
        super().keyPressEvent(event)


class EnrollDialog(CounterDialog):
    """拉新: a walk-in becomes a member. Consent to the privacy notice is required."""

    def __init__(self, parent: QWidget | None = None, *, phone: str = "") -> None:
        super().__init__("", parent)
        self.setWindowTitle(self.tr("Enroll a new member"))
        self.ok.setText(self.tr("Enroll (Ctrl+Enter)"))
        self.name = QLineEdit(placeholderText=self.tr("as the shopper gives it"))
        self.phone = QLineEdit(phone, placeholderText="13800001111")
        self.phone.setAttribute(Qt.WidgetAttribute.WA_InputMethodEnabled, False)
        self.phone.setMaxLength(11)
        self.consent = QCheckBox(
            self.tr("The shopper has read the privacy notice and agrees to join ({version})").format(
                version=PRIVACY_NOTICE_VERSION
            )
        )
        self.paid = QCheckBox(self.tr("Paid member (付费会员)"))
        self.form.addRow(self.tr("Name"), self.name)
        self.form.addRow(self.tr("Mobile"), self.phone)
        self.form.addRow("", self.consent)
        self.form.addRow("", self.paid)

    def values(self) -> dict[str, Any]:
        return {
            "name": self.name.text().strip(),
            "phone": self.phone.text().strip(),
            "consent": self.consent.isChecked(),
            "paid": self.paid.isChecked(),
        }


class DeclineDialog(CounterDialog):
    """顾客拒绝入会: counted in the join rate's denominator."""

    REASONS = (
        ("", "No reason given"),
        ("no_time", "No time now"),
        ("privacy", "Privacy concerns"),
        ("not_interested", "Not interested"),
        ("already_elsewhere", "Member of another brand"),
    )

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__("", parent)
        self.setWindowTitle(self.tr("Shopper declined to join"))
        self.ok.setText(self.tr("Record (Ctrl+Enter)"))
        self.reason = QComboBox()
        for key, text in self.REASONS:
            self.reason.addItem(self.tr(text), key)
        self.form.addRow(self.tr("Reason"), self.reason)

    def tr_reasons(self) -> None:  # pragma: no cover - lupdate markers for REASONS
        self.tr("No reason given")
        self.tr("No time now")
        self.tr("Privacy concerns")
        self.tr("Not interested")
        self.tr("Member of another brand")

    def values(self) -> dict[str, Any]:
        return {"reason": self.reason.currentData() or None}


class TransferDialog(CounterDialog):
    """Ask a manager to move the member to this guide."""

    def __init__(self, member: str, current_guide: str, parent: QWidget | None = None) -> None:
        super().__init__("", parent)
        self.setWindowTitle(self.tr("Request a transfer"))
        self.ok.setText(self.tr("Send request (Ctrl+Enter)"))
        self.form.addRow(
            QLabel(
                self.tr("{member} is bound to {guide}. A manager decides.").format(
                    member=member, guide=current_guide
                )
            )
        )
        self.reason = QPlainTextEdit()
        self.reason.setPlaceholderText(self.tr("Why should the member move to you?"))
        self.reason.setTabChangesFocus(True)
        self.reason.setFixedHeight(90)
        self.form.addRow(self.tr("Reason"), self.reason)

    def values(self) -> dict[str, Any]:
        return {"reason": self.reason.toPlainText().strip()}


class FollowUpDialog(CounterDialog):
    """N 天后回访: a follow-up task for this guide, due in N days."""

    KINDS = (("call", "Call"), ("message", "Message"), ("invite", "Invite"), ("visit", "Visit"))

    def __init__(self, member: str, days: int, parent: QWidget | None = None) -> None:
        super().__init__("", parent)
        self.setWindowTitle(self.tr("Follow up with {member}").format(member=member))
        self.ok.setText(self.tr("Create (Ctrl+Enter)"))
        self.days = QSpinBox(minimum=1, maximum=365, value=days)
        self.days.setSuffix(self.tr(" days"))
        self.kind = QComboBox()
        for key, text in self.KINDS:
            self.kind.addItem(self.tr(text), key)
        self.note = QLineEdit(placeholderText=self.tr("optional"))
        self.form.addRow(self.tr("In"), self.days)
        self.form.addRow(self.tr("How"), self.kind)
        self.form.addRow(self.tr("Note"), self.note)

    def tr_kinds(self) -> None:  # pragma: no cover - lupdate markers for KINDS
        self.tr("Call")
        self.tr("Message")
        self.tr("Invite")
        self.tr("Visit")

    def values(self) -> dict[str, Any]:
        return {
            "days": self.days.value(),
            "kind": self.kind.currentData(),
            "note": self.note.text().strip() or None,
        }


class RevealDialog(CounterDialog):
    """The full phone number, for a stated purpose (audited)."""

    PURPOSES = (
        ("call_back", "Call the member back"),
        ("delivery", "Delivery or pick-up"),
        ("verify", "Verify the member's identity"),
        ("other", "Other"),
    )

    def __init__(self, member: str, parent: QWidget | None = None) -> None:
        super().__init__("", parent)
        self.setWindowTitle(self.tr("Show {member}'s phone number").format(member=member))
        self.ok.setText(self.tr("Show number (Ctrl+Enter)"))
        self.purpose = QComboBox()
        for key, text in self.PURPOSES:
            self.purpose.addItem(self.tr(text), key)
        self.other = QLineEdit(placeholderText=self.tr("what for?"))
        self.form.addRow(QLabel(self.tr("Every reveal is recorded with its purpose.")))
        self.form.addRow(self.tr("Purpose"), self.purpose)
        self.form.addRow(self.tr("Details"), self.other)
        self.number = QLabel(objectName="revealedPhone")
        self.form.addRow(self.number)

    def tr_purposes(self) -> None:  # pragma: no cover - lupdate markers for PURPOSES
        self.tr("Call the member back")
        self.tr("Delivery or pick-up")
        self.tr("Verify the member's identity")
        self.tr("Other")

    def values(self) -> dict[str, Any]:
        key = self.purpose.currentData()
        detail = self.other.text().strip()
        return {"purpose": f"{key}: {detail}" if detail else key}

    def check(self, values: dict[str, Any]) -> str:
        if self.purpose.currentData() == "other" and not self.other.text().strip():
            return self.tr("Say what the number is for.")
        return ""


class TagsDialog(CounterDialog):
    """Add or remove tags from the groups HQ allows at the counter; ticked = the member has it."""

    def __init__(
        self,
        member: str,
        catalog: list[tuple[str, list[tuple[str, str]]]],
        current: set[str],
        parent: QWidget | None = None,
    ) -> None:
        super().__init__("", parent)
        self.setWindowTitle(self.tr("Tags for {member}").format(member=member))
        self.ok.setText(self.tr("Save tags (Ctrl+Enter)"))
        self.current = set(current)
        self.boxes: dict[str, QCheckBox] = {}
        for group, tags in catalog:
            box = QGroupBox(group)
            row = QHBoxLayout(box)
            for tag_id, name in tags:
                check = QCheckBox(name)
                check.setChecked(tag_id in current)
                self.boxes[tag_id] = check
                row.addWidget(check)
            row.addStretch(1)
            self.form.addRow(box)
        if not catalog:
            self.form.addRow(QLabel(self.tr("HQ has not shared any tags with this store yet.")))

    def values(self) -> dict[str, Any]:
        wanted = {tag_id for tag_id, box in self.boxes.items() if box.isChecked()}
        return {"add": sorted(wanted - self.current), "remove": sorted(self.current - wanted)}
