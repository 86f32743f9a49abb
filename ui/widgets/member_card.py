"""The member card: what the guide reads after a scan, in large type — name, level, stage (with the 沉睡
overlay), masked phone, the binding in words (mine / a colleague / another store / unbound / waiting for
HQ / lost to … with the winner), tags as chips by group, last visit, open tasks, contact budget, notes.

It only displays a `MemberCard` (app/services/cards.py); it never reads the database. A repaint is a
handful of `setText` calls (DESIGN §7: scan → card within one frame).
"""

from __future__ import annotations

import html
from datetime import UTC, datetime

from PySide6.QtCore import QT_TRANSLATE_NOOP, QCoreApplication, Qt
from PySide6.QtWidgets import QFrame, QGridLayout, QHBoxLayout, QLabel, QVBoxLayout, QWidget

from app.clock import STORE_TZ
from app.services.cards import BindingView, MemberCard
from app.services.tasks import ContactBudget

# How a guide reads the lifecycle stage (DESIGN.md §1); sleeping (沉睡) overlays any stage.
_STAGE_SOURCE = {
    "visitor": QT_TRANSLATE_NOOP("MemberCardView", "Visitor"),
    "registered": QT_TRANSLATE_NOOP("MemberCardView", "Registered"),
    "first_order": QT_TRANSLATE_NOOP("MemberCardView", "First order"),
    "experience": QT_TRANSLATE_NOOP("MemberCardView", "Experience officer"),
    "koc": QT_TRANSLATE_NOOP("MemberCardView", "Ambassador (KOC)"),
}
_TASK_KINDS = {
    "call": QT_TRANSLATE_NOOP("MemberCardView", "Call"),
    "message": QT_TRANSLATE_NOOP("MemberCardView", "Message"),
    "invite": QT_TRANSLATE_NOOP("MemberCardView", "Invite"),
    "visit": QT_TRANSLATE_NOOP("MemberCardView", "Visit"),
}


def _local(at: datetime | None, fmt: str = "%Y-%m-%d %H:%M") -> str:
    if at is None:
        return "—"
    aware = at if at.tzinfo else at.replace(tzinfo=UTC)
    return aware.astimezone(STORE_TZ).strftime(fmt)


def _tr(text: str) -> str:
    return QCoreApplication.translate("MemberCardView", text)


def stage_words(stage: str) -> str:
    return _tr(_STAGE_SOURCE[stage]) if stage in _STAGE_SOURCE else stage


def binding_words(b: BindingView) -> tuple[str, str]:
    """The binding in words, and its tone (ok | wait | warn | bad | neutral) for the colour."""
    until = _local(b.protected_until, "%Y-%m-%d")
    if b.state == "rejected":
        winner = b.winner_guide_name or b.guide_name or "?"
        store = b.winner_store_name or b.store_name or "?"
        return QCoreApplication.translate(
            "MemberCardView", "Lost to {guide} ({store}): HQ kept their earlier binding"
        ).format(guide=winner, store=store), "bad"
    if b.relation == "unbound":
        return QCoreApplication.translate(
            "MemberCardView", "Not bound yet: press F2 to bind to you"
        ), "neutral"
    if b.relation == "mine":
        if b.state == "pending":
            return QCoreApplication.translate(
                "MemberCardView", "Bound to you, waiting for HQ to confirm"
            ), "wait"
        return QCoreApplication.translate("MemberCardView", "Bound to you (protected until {date})").format(
            date=until
        ), "ok"
    if b.relation == "colleague":
        if b.state == "pending":
            return QCoreApplication.translate(
                "MemberCardView", "Bound to {guide}, waiting for HQ to confirm"
            ).format(guide=b.guide_name), "wait"
        if b.protection_active:
            return QCoreApplication.translate(
                "MemberCardView", "Bound to {guide} at this store, protected until {date}"
            ).format(guide=b.guide_name, date=until), "warn"
        return QCoreApplication.translate(
            "MemberCardView", "Bound to {guide} at this store, protection over: F2 takes over"
        ).format(guide=b.guide_name), "warn"
    return QCoreApplication.translate("MemberCardView", "Bound to {guide} at {store} (another store)").format(
        guide=b.guide_name, store=b.store_name
    ), "warn"


def _chips(card: MemberCard) -> str:
    """Tags as chips, one line per group (rich text: cheap to paint, no widget per tag)."""
    groups: dict[str, list[str]] = {}
    for t in card.tags:
        color = t.color if t.color and t.color.startswith("#") and len(t.color) == 7 else "#607D8B"
        r, g, b = (int(color[i : i + 2], 16) for i in (1, 3, 5))
        ink = "#ffffff" if 0.299 * r + 0.587 * g + 0.114 * b < 150 else "#1b2733"
        label = html.escape(t.name) + (" …" if t.pending else "")
        groups.setdefault(t.group_name, []).append(
            f'<span style="background-color:{color}; color:{ink};">&nbsp;{label}&nbsp;</span>'
        )
    if not groups:
        return html.escape(QCoreApplication.translate("MemberCardView", "No tags yet (F4 adds one)"))
    return "<br>".join(
        f"<b>{html.escape(g)}</b>&nbsp; " + " &nbsp;".join(chips) for g, chips in groups.items()
    )


class MemberCardView(QFrame):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent, objectName="memberCard")
        self.card: MemberCard | None = None
        self.name_label = QLabel(objectName="cardName")
        self.badges_label = QLabel(objectName="cardBadges")
        self.sleeping_label = QLabel(
            QCoreApplication.translate("MemberCardView", "Sleeping"), objectName="sleepingBadge"
        )
        self.pending_label = QLabel(objectName="pendingBadge")
        self.binding_label = QLabel(objectName="bindingState")
        self.binding_label.setWordWrap(True)
        self.stage_label = QLabel(objectName="cardValue")
        self.phone_label = QLabel(objectName="cardPhone")
        self.card_no_label = QLabel(objectName="cardValue")
        self.visit_label = QLabel(objectName="cardValue")
        self.budget_label = QLabel(objectName="cardValue")
        self.tags_label = QLabel(objectName="cardTags")
        self.tags_label.setTextFormat(Qt.TextFormat.RichText)
        self.tags_label.setWordWrap(True)
        self.tasks_label = QLabel(objectName="cardValue")
        self.tasks_label.setWordWrap(True)
        self.notes_label = QLabel(objectName="cardNotes")
        self.notes_label.setWordWrap(True)
        self.empty_label = QLabel(
            QCoreApplication.translate("MemberCardView", "Scan a member code to see the member here."),
            objectName="cardEmpty",
        )
        self.empty_label.setAlignment(Qt.AlignmentFlag.AlignCenter)

        head = QHBoxLayout()
        head.addWidget(self.name_label)
        head.addWidget(self.sleeping_label)
        head.addWidget(self.pending_label)
        head.addStretch(1)
        head.addWidget(self.badges_label)
        grid = QGridLayout()
        grid.setHorizontalSpacing(16)
        rows = [
            (QCoreApplication.translate("MemberCardView", "Stage"), self.stage_label),
            (QCoreApplication.translate("MemberCardView", "Phone"), self.phone_label),
            (QCoreApplication.translate("MemberCardView", "Card no."), self.card_no_label),
            (QCoreApplication.translate("MemberCardView", "Last visit"), self.visit_label),
            (QCoreApplication.translate("MemberCardView", "Contacts"), self.budget_label),
            (QCoreApplication.translate("MemberCardView", "Tags"), self.tags_label),
            (QCoreApplication.translate("MemberCardView", "Open tasks"), self.tasks_label),
            (QCoreApplication.translate("MemberCardView", "Notes"), self.notes_label),
        ]
        for i, (title, value) in enumerate(rows):
            caption = QLabel(title, objectName="cardCaption")
            caption.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignTop)
            grid.addWidget(caption, i, 0)
            grid.addWidget(value, i, 1)
        grid.setColumnStretch(1, 1)
        self.body = QWidget()
        body = QVBoxLayout(self.body)
        body.setContentsMargins(0, 0, 0, 0)
        body.addLayout(head)
        body.addWidget(self.binding_label)
        body.addLayout(grid)
        body.addStretch(1)
        layout = QVBoxLayout(self)
        layout.addWidget(self.empty_label)
        layout.addWidget(self.body)
        self.clear()

    def member_name(self) -> str:
        return self.card.name if self.card is not None else ""

    def binding_text(self) -> str:
        return self.binding_label.text()

    def clear(self) -> None:
        self.card = None
        self.body.hide()
        self.empty_label.show()

    def show_card(
        self, card: MemberCard, *, budget: ContactBudget | None = None, now: datetime | None = None
    ) -> None:
        self.card = card
        self.name_label.setText(card.name or "—")
        badges = [card.level]
        if card.is_paid:
            badges.append(QCoreApplication.translate("MemberCardView", "Paid member"))
        if card.online:
            badges.append(QCoreApplication.translate("MemberCardView", "Online"))
        self.badges_label.setText("  ·  ".join(b for b in badges if b))
        self.sleeping_label.setVisible(card.sleeping)
        if card.sleeping:
            days = card.stage_reason[1].get("days_since_purchase", "?")
            self.sleeping_label.setToolTip(
                QCoreApplication.translate("MemberCardView", "No purchase for {days} days").format(days=days)
            )
        self.pending_label.setVisible(card.pending_enrollment)
        self.pending_label.setText(QCoreApplication.translate("MemberCardView", "New member, waiting for HQ"))
        text, tone = binding_words(card.binding)
        self.binding_label.setText(text)
        if self.binding_label.property("tone") != tone:
            self.binding_label.setProperty("tone", tone)
            self.binding_label.style().unpolish(self.binding_label)
            self.binding_label.style().polish(self.binding_label)
        stage = stage_words(card.stage)
        if card.sleeping:
            days = card.stage_reason[1].get("days_since_purchase", "?")
            stage = QCoreApplication.translate(
                "MemberCardView", "{stage} · sleeping: no purchase for {days} days"
            ).format(stage=stage, days=days)
        self.stage_label.setText(stage)
        self.phone_label.setText(card.phone_masked or "—")
        self.card_no_label.setText(card.card_no or "—")
        self.visit_label.setText(_local(card.last_visit_at))
        if budget is not None:
            self.budget_label.setText(
                QCoreApplication.translate("MemberCardView", "{used} of {limit} in {days} days").format(
                    used=budget.used, limit=budget.limit, days=budget.window_days
                )
            )
        else:
            self.budget_label.setText("—")
        self.tags_label.setText(_chips(card))
        if card.open_tasks:
            items = []
            for t in card.open_tasks[:4]:
                kind = _tr(_TASK_KINDS.get(t.kind, t.kind))
                due = (
                    _local(t.due_at, "%m-%d")
                    if t.due_at
                    else QCoreApplication.translate("MemberCardView", "no date")
                )
                flag = QCoreApplication.translate("MemberCardView", " (overdue)") if t.overdue else ""
                items.append(f"{kind} {due}{flag}")
            more = len(card.open_tasks) - 4
            self.tasks_label.setText(
                "; ".join(items)
                + (
                    QCoreApplication.translate("MemberCardView", " and {n} more").format(n=more)
                    if more > 0
                    else ""
                )
            )
        else:
            self.tasks_label.setText(QCoreApplication.translate("MemberCardView", "none"))
        self.notes_label.setText("\n".join(n.body for n in card.recent_notes) or "—")
        self.empty_label.hide()
        self.body.show()

    def show_phone(self, phone: str) -> None:
        """The revealed number, until `hide_phone()` (the page times it)."""
        self.phone_label.setText(phone)

    def hide_phone(self) -> None:
        if self.card is not None:
            self.phone_label.setText(self.card.phone_masked or "—")
