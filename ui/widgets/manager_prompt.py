"""The manager PIN prompt, shown on the screen where an action needs it (DESIGN.md §6): a strip above the
page with the manager's employee number and PIN. Same lock-out as login; the attempt is committed even
when refused, so five wrong PINs lock."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import Qt
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QLineEdit, QPushButton, QWidget

from app.services.common import GuideRef
from app.services.guides import attempt_login
from ui import messages
from ui.context import AppContext


class ManagerPrompt(QFrame):
    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent, objectName="managerPrompt")
        self.ctx = ctx
        self._then: Callable[[GuideRef], None] | None = None
        self.why = QLabel(objectName="promptTitle")
        self.employee = QLineEdit(placeholderText=self.tr("Manager no."))
        self.pin = QLineEdit(placeholderText=self.tr("PIN"), echoMode=QLineEdit.EchoMode.Password)
        self.pin.setAttribute(Qt.WidgetAttribute.WA_InputMethodEnabled, False)
        self.ok = QPushButton(self.tr("Confirm (Enter)"))
        self.cancel = QPushButton(self.tr("Cancel (Esc)"))
        self.error = QLabel(objectName="promptError")
        self.error.setWordWrap(True)
        row = QHBoxLayout(self)
        for w in (self.why, self.employee, self.pin, self.ok, self.cancel):
            row.addWidget(w)
        row.addWidget(self.error, 1)
        self.ok.clicked.connect(self._on_ok_clicked)
        self.pin.returnPressed.connect(self._on_ok_clicked)
        self.employee.returnPressed.connect(self.pin.setFocus)
        self.cancel.clicked.connect(self.close_prompt)
        QShortcut(
            QKeySequence(Qt.Key.Key_Escape),
            self,
            self.close_prompt,
            context=Qt.ShortcutContext.WidgetWithChildrenShortcut,
        )

    def ask(self, why: str, then: Callable[[GuideRef], None]) -> None:
        """Show the prompt for `why`; `then(manager)` runs once a manager's PIN is accepted."""
        manager = self.ctx.session.manager
        if manager is not None:
            then(manager)
            return
        self._then = then
        self.why.setText(self.tr("Manager PIN needed: {why}").format(why=why))
        self.error.clear()
        self.pin.clear()
        self.show()
        (self.pin if self.employee.text() else self.employee).setFocus()

    def close_prompt(self) -> None:
        self._then = None
        self.pin.clear()
        self.hide()

    def _on_ok_clicked(self) -> None:
        number, pin = self.employee.text().strip(), self.pin.text()
        if not number or not pin:
            self.error.setText(messages.words("bad_employee_no"))
            return
        self.ok.setEnabled(False)
        ws = self.ctx.ws
        self.ctx.runner.mutate(
            lambda s: attempt_login(
                s,
                employee_no=number,
                pin=pin,
                now=ws.clock.now(),
                manager=True,
                monotonic=ws.clock.monotonic(),
            ),
            description="manager PIN",
            announce=False,
        ).on_success(self._on_attempt).on_failure(self._on_error).on_finished(
            lambda: self.ok.setEnabled(True)
        ).start()

    def _on_attempt(self, attempt) -> None:  # type: ignore[no-untyped-def]
        self.pin.clear()
        if attempt.error is not None:
            self.error.setText(messages.text_for(attempt.error))
            return
        self.ctx.session.grant_manager(attempt.guide)
        then, self._then = self._then, None
        self.hide()
        if then is not None:
            then(attempt.guide)

    def _on_error(self, error: BaseException) -> None:
        self.error.setText(messages.text_for(error))
