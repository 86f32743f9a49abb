"""The login screen: employee number + PIN, offline against the synced PIN hashes. Five wrong PINs lock
for five minutes (the screen says how many minutes are left). The store's guides are listed as buttons,
so a quick guide switch at a busy till is one click and a PIN; the counter behind stays open."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QIntValidator
from PySide6.QtWidgets import (
    QFormLayout,
    QGridLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from app.services.guides import GuideView, LoginAttempt, attempt_login
from ui import messages
from ui.context import AppContext

GUIDE_BUTTON_COLUMNS = 4
MAX_GUIDE_BUTTONS = 16


class LoginScreen(QWidget):
    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent, objectName="loginScreen")
        self.ctx = ctx
        self.title = QLabel(self.tr("Log in"), objectName="screenTitle")
        self.store_label = QLabel(objectName="storeName")
        self.guides_box = QWidget()
        self.guides_grid = QGridLayout(self.guides_box)
        self.guides_grid.setContentsMargins(0, 0, 0, 0)
        self.employee = QLineEdit(objectName="employeeEdit", placeholderText=self.tr("e.g. A002"))
        self.pin = QLineEdit(objectName="pinEdit", echoMode=QLineEdit.EchoMode.Password)
        self.pin.setValidator(QIntValidator(0, 99_999_999, self))
        self.pin.setMaxLength(8)
        for edit in (self.employee, self.pin):
            edit.setAttribute(Qt.WidgetAttribute.WA_InputMethodEnabled, False)
        form = QFormLayout()
        form.addRow(self.tr("Employee no."), self.employee)
        form.addRow(self.tr("PIN"), self.pin)
        self.login_button = QPushButton(self.tr("Log in (Enter)"), objectName="primary")
        self.message = QLabel(objectName="errorText")
        self.message.setWordWrap(True)
        col = QVBoxLayout(self)
        col.setContentsMargins(48, 32, 48, 32)
        self.setMaximumWidth(760)
        col.addWidget(self.title)
        col.addWidget(self.store_label)
        col.addWidget(self.guides_box)
        col.addLayout(form)
        col.addWidget(self.login_button, 0, Qt.AlignmentFlag.AlignLeft)
        col.addWidget(self.message)
        col.addStretch(1)
        self.employee.returnPressed.connect(self.pin.setFocus)
        self.pin.returnPressed.connect(self._on_login_clicked)
        self.login_button.clicked.connect(self._on_login_clicked)

    def show_store(self, store_name: str, guides: tuple[GuideView, ...]) -> None:
        self.store_label.setText(store_name)
        while self.guides_grid.count():
            item = self.guides_grid.takeAt(0)
            if item.widget() is not None:
                item.widget().deleteLater()
        for i, g in enumerate(guides[:MAX_GUIDE_BUTTONS]):
            button = QPushButton(f"{g.name}\n{g.employee_no}", objectName="guideButton")
            button.setFocusPolicy(Qt.FocusPolicy.NoFocus)
            button.clicked.connect(lambda _=False, no=g.employee_no: self.pick(no))
            self.guides_grid.addWidget(button, i // GUIDE_BUTTON_COLUMNS, i % GUIDE_BUTTON_COLUMNS)
        self.guides_box.setVisible(bool(guides))
        if not guides:
            self.message.setText(messages.words("no_guides"))

    def prepare(self, *, switching: bool = False) -> None:
        """Show the screen fresh: no PIN left in the field, focus where the guide types."""
        self.pin.clear()
        self.message.clear()
        self.title.setText(self.tr("Switch guide") if switching else self.tr("Log in"))
        if not self.employee.text():
            self.employee.setText(self.ctx.settings.last_employee_no)
        (self.pin if self.employee.text() else self.employee).setFocus()

    def pick(self, employee_no: str) -> None:
        self.employee.setText(employee_no)
        self.pin.clear()
        self.pin.setFocus()

    def _on_login_clicked(self) -> None:
        number, pin = self.employee.text().strip(), self.pin.text()
        if not number:
            self.message.setText(messages.words("bad_employee_no"))
            self.employee.setFocus()
            return
        ws = self.ctx.ws
        self.login_button.setEnabled(False)
        self.ctx.runner.mutate(
            lambda s: attempt_login(
                s, employee_no=number, pin=pin, now=ws.clock.now(), monotonic=ws.clock.monotonic()
            ),
            description="login",
            announce=False,
        ).on_success(self._on_attempt).on_failure(self._on_error).on_finished(
            lambda: self.login_button.setEnabled(True)
        ).start()

    def _on_attempt(self, attempt: LoginAttempt) -> None:
        self.pin.clear()
        if attempt.error is not None:
            self.message.setText(messages.text_for(attempt.error, now=self.ctx.ws.clock.now()))
            self.pin.setFocus()
            return
        assert attempt.guide is not None
        self.message.clear()
        self.ctx.settings.last_employee_no = attempt.guide.employee_no
        self.ctx.session.log_in(attempt.guide)

    def _on_error(self, error: BaseException) -> None:
        self.message.setText(messages.text_for(error))
