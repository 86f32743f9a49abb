"""The counter page, where guides spend their day: scan → member card → one-key actions.

- The scan field takes a scanner's Enter-terminated line (the scanner module routes bursts typed
  anywhere on the page here) with the input method off; the line is resolved, the visit recorded and the
  card built in one transaction on the DB lane.
- Actions, each on its own key, shown on its button: F2 bind (never Enter: a misread burst must not bind
  the previous shopper), F3 transfer request, F4 tags, F6 note, F7 follow-up, F8 enroll a walk-in, F9
  declined to join, F10 show the phone number (purpose asked, audited), Esc clears the card.
- Every outcome is a line in the banner, coloured ok / refused / error; refusals say why.
- The card refreshes after our own actions and whenever a sync changes data (pending → confirmed, or
  lost to another guide).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from PySide6.QtCore import QCoreApplication, Qt, QTimer
from PySide6.QtGui import QAction, QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QFrame,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from app.changes import NOTHING, Changes, of_mutation
from app.errors import GuideDeskError, MemberNotFound, RuleRefused
from app.services.binding import bind_member, request_transfer
from app.services.cards import MemberCard, member_card
from app.services.guides import PhoneReveal, reveal_phone
from app.services.members import (
    Consent,
    add_note,
    add_tag,
    enroll_member,
    record_decline,
    record_visit,
    remove_tag,
)
from app.services.scan import classify, scan_at_counter
from app.services.tasks import ContactBudget, contact_budget, create_task
from app.sync.device import lookup_member_online, open_client
from contract.wire import Mutation
from ui import messages
from ui.context import AppContext
from ui.resources import icon
from ui.scanner import ScannerInput
from ui.sounds import Sounds
from ui.station import tag_catalog
from ui.widgets.counter_dialogs import (
    PRIVACY_NOTICE_VERSION,
    CounterDialog,
    DeclineDialog,
    EnrollDialog,
    FollowUpDialog,
    RevealDialog,
    TagsDialog,
    TransferDialog,
)
from ui.widgets.member_card import MemberCardView

log = logging.getLogger(__name__)

REVEAL_SECONDS = 30


@dataclass(frozen=True)
class TagsSaved:
    count: int
    changes: Changes


@dataclass(frozen=True)
class CardView:
    card: MemberCard
    budget: ContactBudget | None


class CounterPage(QWidget):
    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent, objectName="counterPage")
        self.ctx = ctx
        self.member_id: str | None = None
        self.last_code: str | None = None  # the member code behind the card (proof of presence for HQ)
        self.last_phone: str | None = None  # a phone that found no member: offered to enroll
        self.dialog: CounterDialog | None = None
        self._hide_phone = QTimer(self, singleShot=True, interval=REVEAL_SECONDS * 1000)

        self.scan_edit = QLineEdit(objectName="scanEdit")
        self.scan_edit.setPlaceholderText(
            self.tr("Scan a member code, or type a card or phone number + Enter")
        )
        self.scan_edit.setAttribute(Qt.WidgetAttribute.WA_InputMethodEnabled, False)  # no Pinyin IME on scans
        self.scan_edit.setMaxLength(4096)
        self.banner = QLabel(objectName="banner")
        self.banner.setWordWrap(True)
        self.card_view = MemberCardView(self)
        # The quick note: typed here while the shopper talks (IME on: Chinese). A scanner burst typed into
        # it goes to the scanner and leaves the note as it was.
        self.note_edit = QLineEdit(objectName="noteEdit")
        self.note_edit.setPlaceholderText(self.tr("Note for this member (F6), Ctrl+Enter saves"))
        self.note_edit.setMaxLength(500)
        self.note_save = QPushButton(self.tr("Save note (Ctrl+Enter)"))
        self.note_save.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.note_save.setAutoDefault(False)
        self.note_save.clicked.connect(self.save_note)
        for key in ("Ctrl+Return", "Ctrl+Enter"):
            QShortcut(
                QKeySequence(key), self.note_edit, self.save_note, context=Qt.ShortcutContext.WidgetShortcut
            )

        self.actions_box = QFrame(objectName="actionsPanel")
        actions_col = QVBoxLayout(self.actions_box)
        self.buttons: dict[str, QPushButton] = {}
        self.actions: dict[str, QAction] = {}
        specs: list[tuple[str, str, str, str, Callable[[], None]]] = [
            ("bind", self.tr("Bind to me"), "F2", "bind", self.bind),
            ("transfer", self.tr("Request transfer"), "F3", "transfer", self.open_transfer),
            ("tags", self.tr("Tags"), "F4", "tag", self.open_tags),
            ("note", self.tr("Note"), "F6", "note", self.focus_note),
            ("follow_up", self.tr("Follow up in N days"), "F7", "follow_up", self.open_follow_up),
            ("reveal", self.tr("Show phone number"), "F10", "phone", self.open_reveal),
            ("enroll", self.tr("Enroll walk-in"), "F8", "enroll", self.open_enroll),
            ("decline", self.tr("Declined to join"), "F9", "decline", self.open_decline),
            ("clear", self.tr("Clear"), "Esc", "clear", self.clear),
        ]
        if ctx.demo is not None:
            specs.append(("demo", self.tr("Demo: show a member code"), "F11", "qr", self.demo_code))
        for key, text, shortcut, icon_name, slot in specs:
            action = QAction(icon(icon_name), text, self)
            action.setShortcut(QKeySequence(shortcut))
            action.setShortcutContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
            action.triggered.connect(slot)
            self.addAction(action)
            button = QPushButton(icon(icon_name), f"{text}  ({shortcut})", objectName=f"action_{key}")
            button.setFocusPolicy(Qt.FocusPolicy.NoFocus)  # Enter stays with the scan field
            button.setAutoDefault(False)
            button.clicked.connect(action.trigger)
            if key == "bind":
                button.setProperty("primary", True)
            if key in ("enroll", "clear"):
                actions_col.addSpacing(12)
            actions_col.addWidget(button)
            self.actions[key], self.buttons[key] = action, button
        actions_col.addStretch(1)

        top = QVBoxLayout()
        top.addWidget(self.scan_edit)
        top.addWidget(self.banner)
        note_row = QHBoxLayout()
        note_row.addWidget(self.note_edit, 1)
        note_row.addWidget(self.note_save)
        card_col = QVBoxLayout()
        card_col.addWidget(self.card_view, 1)
        card_col.addLayout(note_row)
        body = QHBoxLayout()
        body.addLayout(card_col, 1)
        body.addWidget(self.actions_box)
        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addLayout(body, 1)

        self.scan_edit.returnPressed.connect(self._on_scan_edit_return_pressed)
        # Scanner bursts typed anywhere on the page (a note field, a dialog's parent) and a serial scanner
        # if configured: one `scanned(str)`. The filter takes the scan field's Enter itself.
        self.scanner = ScannerInput(self, self.scan_edit)
        self.scanner.scanned.connect(self.scan)
        self.scanner.serial_failed.connect(self._on_scanner_serial_failed)
        self.scanner.apply_settings(ctx.settings)
        self.sounds = Sounds(self, enabled=ctx.settings.sounds_enabled)
        self._hide_phone.timeout.connect(self.card_view.hide_phone)
        ctx.runner.data_changed.connect(self._on_runner_data_changed)
        ctx.session.guide_changed.connect(self._on_session_guide_changed)
        self._update_actions()
        self._say("", "neutral")

    # ---------------------------------------------------------------- state and feedback

    @property
    def card(self) -> MemberCard | None:
        return self.card_view.card

    def page_shown(self) -> None:
        self.scan_edit.setFocus()

    def _update_actions(self) -> None:
        has_card = self.card is not None
        for key in ("bind", "transfer", "tags", "note", "follow_up", "reveal"):
            self.actions[key].setEnabled(has_card)
            self.buttons[key].setEnabled(has_card)
        self.note_edit.setEnabled(has_card)
        self.note_save.setEnabled(has_card)

    def _say(self, text: str, tone: str) -> None:
        """The banner line; tone ok | refused | error | neutral | wait sets its colour (and sound)."""
        self.banner.setText(text)
        if self.banner.property("tone") != tone:
            self.banner.setProperty("tone", tone)
            self.banner.style().unpolish(self.banner)
            self.banner.style().polish(self.banner)
        if tone in ("ok", "refused", "error"):
            self._sound(tone)

    def _sound(self, tone: str) -> None:
        self.sounds.enabled = self.ctx.settings.sounds_enabled
        try:
            self.sounds.play(tone)  # type: ignore[arg-type]
        except Exception:  # a sound must never break the counter
            log.debug("sound failed", exc_info=True)

    def _on_scanner_serial_failed(self, error: str) -> None:
        self._say(
            self.tr("The serial scanner is not answering ({error}). Check the cable and settings.").format(
                error=error
            ),
            "error",
        )

    def _refuse(self, error: BaseException) -> None:
        tone = "refused" if isinstance(error, GuideDeskError) else "error"
        self._say(messages.text_for(error, now=self.ctx.ws.clock.now()), tone)

    def clear(self) -> None:
        """Esc: the next shopper. The card goes (privacy), the scan field takes the next code."""
        self.member_id, self.last_code = None, None
        self._hide_phone.stop()
        self.card_view.clear()
        self.note_edit.clear()
        self._update_actions()
        self._say("", "neutral")
        self.scan_edit.clear()
        self.scan_edit.setFocus()

    def _on_session_guide_changed(self, _guide: Any) -> None:
        self.clear()
        self.last_phone = None

    # ---------------------------------------------------------------- scan

    def _on_scan_edit_return_pressed(self) -> None:
        text = self.scan_edit.text()
        self.scan_edit.clear()
        self.scan(text)

    def scan(self, text: str) -> None:
        """Resolve a scanned or typed line and show the member (the scanner module calls this too)."""
        guide = self.ctx.guide
        if guide is None or not text.strip():
            return
        ws = self.ctx.ws
        kind = classify(text)
        if kind == "payment":  # refused at once, never sent anywhere, never logged
            self._refuse(GuideDeskError("payment_code"))
            return

        def work(s: Any) -> CardView:
            # one call resolves the code, records the visit and builds the card
            scanned = scan_at_counter(
                s, text=text, guide=guide, now=ws.clock.now(), code_now=ws.hq_now(), cipher=ws.cipher
            )
            return CardView(scanned.card, scanned.budget)

        self.ctx.runner.mutate(
            work,
            description="scan",
            initiator=self,
            changes=lambda view: of_mutation(Mutation.VISIT_RECORD, members=[view.card.member_id]),
        ).on_success(lambda view: self._on_scanned(view, text if kind == "member_code" else None)).on_failure(
            lambda error: self._on_scan_failed(error, text, kind)
        ).start()

    def _on_scanned(self, view: CardView, code: str | None) -> None:
        self.last_code = code
        self.last_phone = None
        self._show(view)
        self._say(self.tr("{name}: card shown").format(name=view.card.name), "ok")

    def _show(self, view: CardView) -> None:
        self.member_id = view.card.member_id
        self._hide_phone.stop()
        self.card_view.show_card(view.card, budget=view.budget)
        self._update_actions()

    def _on_scan_failed(self, error: BaseException, text: str, kind: str) -> None:
        if isinstance(error, MemberNotFound) and kind == "phone":
            self.last_phone = text.strip()
        if isinstance(error, MemberNotFound) and error.details.get("member_id") and kind == "member_code":
            self._say(messages.words("member_not_local_online"), "wait")
            self._look_up_at_hq(text)
            return
        self._refuse(error)

    def _look_up_at_hq(self, code: str) -> None:
        """A verified code of a member not on this workstation: ask HQ (if reachable), cache, show."""
        ws, guide = self.ctx.ws, self.ctx.guide
        assert guide is not None

        def fetch(_task: Any) -> str:
            client = open_client(ws)
            try:
                return lookup_member_online(ws, client, code=code)
            finally:
                client.close()

        def show(member_id: str) -> None:
            self.ctx.runner.mutate(
                lambda s: _visit_and_card(s, member_id, guide, ws.clock.now()),
                description="scan after lookup",
                initiator=self,
            ).on_success(lambda view: self._on_scanned(view, code)).on_failure(self._refuse).start()

        def offline(error: BaseException) -> None:
            log.info("online lookup failed: %s", getattr(error, "code", type(error).__name__))
            self._say(messages.words("member_not_local"), "refused")

        self.ctx.runner.network(fetch, description="member lookup").on_success(show).on_failure(
            offline
        ).start()

    # ---------------------------------------------------------------- reload after changes

    def reload(self) -> None:
        guide, member_id = self.ctx.guide, self.member_id
        if guide is None or member_id is None:
            return
        ws = self.ctx.ws
        self.ctx.runner.read(
            lambda s: _card_view(s, member_id, guide, ws.clock.now()), description="card"
        ).on_success(self._on_reloaded).on_failure(lambda e: log.info("card reload failed: %s", e)).start()

    def _on_reloaded(self, view: CardView) -> None:
        if view.card.member_id == self.member_id:
            self.card_view.show_card(view.card, budget=view.budget)

    def _on_runner_data_changed(self, changes: Any, initiator: object) -> None:
        if initiator is self or self.member_id is None:
            return
        touches = getattr(changes, "touches_member", None)
        if changes is None or touches is None or touches(self.member_id):
            self.reload()  # None: anything may have changed

    # ---------------------------------------------------------------- actions

    def _act(
        self,
        work: Callable[[Any], Any],
        done: Callable[[Any], str],
        *,
        description: str,
        dialog: CounterDialog | None = None,
    ) -> None:
        """Run one action in one transaction; then the banner says what happened and the card refreshes.
        With a dialog: it closes on success, shows the refusal and stays open otherwise."""

        def ok(result: Any) -> None:
            if dialog is not None:
                dialog.accept()
                self.dialog = None
            self._say(done(result), "ok")
            self.reload()
            self.scan_edit.setFocus()

        def refused(error: BaseException) -> None:
            if dialog is not None:
                dialog.show_error(messages.text_for(error, now=self.ctx.ws.clock.now()))
            self._refuse(error)

        self.ctx.runner.mutate(work, description=description, initiator=self).on_success(ok).on_failure(
            refused
        ).start()

    def _needs_card(self) -> bool:
        if self.card is None or self.ctx.guide is None:
            self._say(self.tr("Scan a member first."), "refused")
            return False
        return True

    def bind(self) -> None:
        """F2: bind the member on the card to me (the reason is shown when the rules say no)."""
        if not self._needs_card():
            return
        ws, guide, member_id, code = self.ctx.ws, self.ctx.guide, self.member_id, self.last_code
        assert guide is not None and member_id is not None

        def work(s: Any) -> Any:
            now = ws.clock.now()
            try:
                return bind_member(s, member_id=member_id, guide=guide, now=now)
            except RuleRefused as refused:
                # A visiting member of another store: HQ takes the signed code as proof of presence.
                if refused.code != "member_other_store" or not code:
                    raise
                return bind_member(s, member_id=member_id, guide=guide, now=now, code=code)

        self._act(work, lambda _o: self.tr("Bound to you. Waiting for HQ to confirm."), description="bind")

    def _open(self, dialog: CounterDialog, on_submit: Callable[[dict[str, Any]], None]) -> CounterDialog:
        if self.dialog is not None:
            self.dialog.reject()
        self.dialog = dialog
        dialog.submitted.connect(on_submit)
        dialog.rejected.connect(lambda: self._dialog_closed(dialog))
        dialog.open()
        return dialog

    def _dialog_closed(self, dialog: CounterDialog) -> None:
        if self.dialog is dialog:
            self.dialog = None
        self.scan_edit.setFocus()

    def open_transfer(self) -> CounterDialog | None:
        if not self._needs_card():
            return None
        card, ws, guide = self.card, self.ctx.ws, self.ctx.guide
        assert card is not None and guide is not None
        dialog = TransferDialog(card.name, card.binding.guide_name or "—", self)

        def submit(values: dict[str, Any]) -> None:
            self._act(
                lambda s: request_transfer(
                    s,
                    member_id=card.member_id,
                    to_guide=guide,
                    reason_note=values["reason"],
                    now=ws.clock.now(),
                ),
                lambda _r: self.tr("Transfer requested. A manager decides."),
                description="transfer request",
                dialog=dialog,
            )

        return self._open(dialog, submit)

    def open_tags(self) -> None:
        if not self._needs_card():
            return
        self.ctx.runner.read(tag_catalog, description="tag catalog").on_success(self._open_tags_with).start()

    def _open_tags_with(self, catalog: list[tuple[str, list[tuple[str, str]]]]) -> CounterDialog | None:
        card, ws, guide = self.card, self.ctx.ws, self.ctx.guide
        if card is None or guide is None:
            return None
        dialog = TagsDialog(card.name, catalog, {t.id for t in card.tags}, self)

        def submit(values: dict[str, Any]) -> None:
            def work(s: Any) -> TagsSaved:
                now = ws.clock.now()
                changes = NOTHING
                for tag_id in values["add"]:
                    changes |= add_tag(
                        s, member_id=card.member_id, tag_id=tag_id, guide=guide, now=now
                    ).changes
                for tag_id in values["remove"]:
                    changes |= remove_tag(
                        s, member_id=card.member_id, tag_id=tag_id, guide=guide, now=now
                    ).changes
                return TagsSaved(len(values["add"]) + len(values["remove"]), changes)

            self._act(
                work,
                lambda saved: self.tr("Tags saved ({n} change(s)).").format(n=saved.count),
                description="tags",
                dialog=dialog,
            )

        return self._open(dialog, submit)

    def focus_note(self) -> None:
        """F6: into the note field (the card's member)."""
        if self._needs_card():
            self.note_edit.setFocus()

    def save_note(self) -> None:
        """Ctrl+Enter in the note field: the note is saved for the member on the card."""
        if not self._needs_card():
            return
        card, ws, guide = self.card, self.ctx.ws, self.ctx.guide
        assert card is not None and guide is not None
        body = self.note_edit.text()

        def saved(_outcome: Any) -> str:
            self.note_edit.clear()
            return self.tr("Note saved.")

        self._act(
            lambda s: add_note(s, member_id=card.member_id, body=body, guide=guide, now=ws.clock.now()),
            saved,
            description="note",
        )

    def open_follow_up(self) -> CounterDialog | None:
        if not self._needs_card():
            return None
        card, ws, guide = self.card, self.ctx.ws, self.ctx.guide
        assert card is not None and guide is not None
        dialog = FollowUpDialog(card.name, self.ctx.settings.follow_up_days, self)

        def submit(values: dict[str, Any]) -> None:
            self.ctx.settings.follow_up_days = values["days"]

            def work(s: Any) -> Any:
                now = ws.clock.now()
                return create_task(
                    s,
                    member_id=card.member_id,
                    kind=values["kind"],
                    due_at=now + timedelta(days=values["days"]),
                    assigned_guide_id=None,
                    note=values["note"],
                    guide=guide,
                    now=now,
                )

            self._act(
                work,
                lambda _t: self.tr("Follow-up in {n} days created.").format(n=values["days"]),
                description="follow-up",
                dialog=dialog,
            )

        return self._open(dialog, submit)

    def open_reveal(self) -> CounterDialog | None:
        if not self._needs_card():
            return None
        card, ws, guide = self.card, self.ctx.ws, self.ctx.guide
        assert card is not None and guide is not None
        dialog = RevealDialog(card.name, self)

        def submit(values: dict[str, Any]) -> None:
            def shown(revealed: PhoneReveal) -> None:
                phone = revealed.phone
                dialog.number.setText(phone)
                dialog.ok.setEnabled(False)
                self.card_view.show_phone(phone)
                self._hide_phone.start()
                self._say(
                    self.tr("Phone number shown for {s} seconds (recorded).").format(s=REVEAL_SECONDS), "ok"
                )

            self.ctx.runner.mutate(
                lambda s: reveal_phone(
                    s,
                    member_id=card.member_id,
                    guide=guide,
                    now=ws.clock.now(),
                    cipher=ws.cipher,
                    purpose=values["purpose"],
                ),
                description="reveal phone",
                initiator=self,
            ).on_success(shown).on_failure(
                lambda e: (dialog.show_error(messages.text_for(e)), self._refuse(e))
            ).start()

        return self._open(dialog, submit)

    def open_enroll(self) -> CounterDialog:
        ws, guide = self.ctx.ws, self.ctx.guide
        dialog = EnrollDialog(self, phone=self.last_phone or "")

        def submit(values: dict[str, Any]) -> None:
            if guide is None:
                return

            def work(s: Any) -> CardView:
                now = ws.clock.now()
                outcome = enroll_member(
                    s,
                    guide=guide,
                    name=values["name"],
                    phone=values["phone"],
                    consent=Consent(given=values["consent"], text_version=PRIVACY_NOTICE_VERSION),
                    paid=values["paid"],
                    now=now,
                    cipher=ws.cipher,
                )
                return _card_view(s, outcome.member_id, guide, now)

            def enrolled(view: CardView) -> None:
                dialog.accept()
                self.dialog = None
                self.last_code, self.last_phone = None, None
                self._show(view)
                self._say(
                    self.tr("{name} is a member now. Waiting for HQ to confirm.").format(name=view.card.name),
                    "ok",
                )
                self.scan_edit.setFocus()

            def refused(error: BaseException) -> None:
                dialog.show_error(messages.text_for(error))
                self._refuse(error)

            self.ctx.runner.mutate(
                work,
                description="enroll",
                initiator=self,
                changes=lambda view: of_mutation(Mutation.MEMBER_ENROLL, members=[view.card.member_id]),
            ).on_success(enrolled).on_failure(refused).start()

        self._open(dialog, submit)
        return dialog

    def open_decline(self) -> CounterDialog:
        ws, guide = self.ctx.ws, self.ctx.guide
        dialog = DeclineDialog(self)

        def submit(values: dict[str, Any]) -> None:
            if guide is None:
                return
            self._act(
                lambda s: record_decline(s, guide=guide, now=ws.clock.now(), reason=values["reason"]),
                lambda _o: self.tr("Recorded: the shopper declined to join."),
                description="decline",
                dialog=dialog,
            )

        self._open(dialog, submit)
        return dialog

    def demo_code(self) -> None:
        """Demo mode: HQ mints a fresh signed code for a member of this store; it is scanned as if shown."""
        demo = self.ctx.demo
        if demo is None:
            return
        self._say(QCoreApplication.translate("CounterPage", "Asking the local HQ for a member code…"), "wait")
        self.ctx.runner.network(lambda _t: demo.member_code(), description="demo code").on_success(
            self._feed_demo_code
        ).on_failure(self._refuse).start()

    def _feed_demo_code(self, code: str) -> None:
        self.scan_edit.setText(code)
        self.scan_edit.setFocus()
        self._on_scan_edit_return_pressed()


def _card_view(s: Any, member_id: str, guide: Any, now: Any) -> CardView:
    card = member_card(s, member_id=member_id, viewer=guide, now=now)
    budget = None if card.pending_enrollment else contact_budget(s, member_id=member_id, now=now)
    return CardView(card, budget)


def _visit_and_card(s: Any, member_id: str, guide: Any, now: Any) -> CardView:
    record_visit(s, member_id=member_id, guide=guide, source="scan", now=now)
    return _card_view(s, member_id, guide, now)
