"""Tribunal bundle: pick the case's documents and put them in order, then make one PDF.

The documents are listed in the Tribunal's sections, oldest first in each, all ticked. A
person unticks what the bundle should leave out and moves a document up or down (the
buttons, Alt+Up/Alt+Down or Ctrl+Up/Ctrl+Down); past the start or end of its section it
goes into the section before or after. A document that cannot be made into pages on this
computer (a Word file without LibreOffice) says why and cannot be ticked. The bundle is
made off the window's thread, with progress and Stop, and saved where the person chooses.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QHeaderView,
    QMessageBox,
    QProgressBar,
    QTreeView,
    QVBoxLayout,
    QWidget,
)

from caseload_app.domain.text import how_many
from caseload_app.services.errors import Stopped
from caseload_app.ui import errors as ui_errors
from caseload_app.ui.dialogs.case_dialogs import button, plain_label
from caseload_app.ui.dialogs.fields_first import FieldsFirst
from caseload_app.ui.models.bundle_model import BundleModel
from caseload_app.ui.widgets.blocks import button_row
from caseload_app.ui.worker import Job, Progress, run_in_background

if TYPE_CHECKING:  # the bundle's service loads reportlab: only when a bundle is made
    from caseload_app.services.bundle import Bundle, BundleOutline

# What makes the bundle: (document ids in order, sections moved to, progress, stop) -> Bundle.
Make = Callable[[list[int], dict[int, str], Callable[[int, int], None], threading.Event], "Bundle"]


class _OrderTree(QTreeView):
    """The list of documents: Alt+Up/Alt+Down (or Ctrl+) asks to move the current one (taken
    here, before the view would move the focus with Ctrl+arrow)."""

    step = Signal(int)
    KEYS = {Qt.Key.Key_Up: -1, Qt.Key.Key_Down: 1}
    MODIFIERS = (Qt.KeyboardModifier.AltModifier, Qt.KeyboardModifier.ControlModifier)

    def keyPressEvent(self, event: QKeyEvent) -> None:  # noqa: N802 (Qt's name)
        step = self.KEYS.get(Qt.Key(event.key()))
        if step is not None and event.modifiers() in self.MODIFIERS:
            self.step.emit(step)
            event.accept()
            return
        super().keyPressEvent(event)


class BundleDialog(FieldsFirst, QDialog):
    def __init__(
        self, outline: BundleOutline, make: Make, file_name: str, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle("Tribunal bundle")
        self.resize(900, 560)
        self._make, self._file_name = make, file_name
        self._job: Job | None = None
        self._cancel = threading.Event()
        self._progress = Progress(self)
        self._progress.moved.connect(self._moved)
        self.model = BundleModel(self)
        self.model.load(outline)
        self.tree = self._tree()
        self.up_button = button("Move &up", "Move the document up", lambda: self.move_document(-1))
        self.up_button.setToolTip("Alt+Up or Ctrl+Up")
        self.down_button = button(
            "Move do&wn", "Move the document down", lambda: self.move_document(1)
        )
        self.down_button.setToolTip("Alt+Down or Ctrl+Down")
        self.summary = plain_label()
        self.summary.setAccessibleName("What the bundle holds")
        self.bar = QProgressBar()
        self.bar.setAccessibleName("Progress of the bundle")
        self.bar.hide()
        self.status = plain_label()
        self.status.setAccessibleName("Bundle status")
        self.buttons = QDialogButtonBox()
        self.make_button = button("&Make bundle…", "Make the bundle and save it", self.make)
        self.stop_button = button("&Stop", "Stop making the bundle", self.stop)
        self.close_button = button("Close", "Close without making a bundle", self.reject)
        self.buttons.addButton(self.make_button, QDialogButtonBox.ButtonRole.AcceptRole)
        self.buttons.addButton(self.stop_button, QDialogButtonBox.ButtonRole.ActionRole)
        self.buttons.addButton(self.close_button, QDialogButtonBox.ButtonRole.RejectRole)
        self.stop_button.hide()  # shown while making (the box shows what it is given)
        self.model.dataChanged.connect(lambda *_: self._show_counts())
        self.tree.selectionModel().currentChanged.connect(lambda *_: self._update_buttons())
        self._build()
        first = self.model.first_document()
        if first.isValid():
            self.tree.setCurrentIndex(first)
        self._show_counts()
        self._update_buttons()

    def _tree(self) -> QTreeView:
        tree = _OrderTree()
        tree.step.connect(self.move_document)
        tree.setModel(self.model)
        tree.setAccessibleName("Documents for the bundle")
        tree.setAccessibleDescription(
            "Space ticks or unticks a document or a whole section; Alt+Up and Alt+Down move "
            "the document."
        )
        tree.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        tree.setAllColumnsShowFocus(True)
        tree.setUniformRowHeights(True)
        tree.setItemsExpandable(False)  # every section stays open: nothing is hidden
        tree.setRootIsDecorated(False)
        tree.expandAll()
        header = tree.header()
        header.setStretchLastSection(True)  # the note; its whole text is its tooltip
        for column in (0, 1, 2):
            header.setSectionResizeMode(column, QHeaderView.ResizeMode.ResizeToContents)
        return tree

    def _build(self) -> None:
        layout = QVBoxLayout(self)
        layout.addWidget(
            plain_label(
                "Tick the documents to put in the bundle and put them in order. The sections "
                "come in the Tribunal's order; move a document past the start or end of its "
                "section to put it in the section before or after."
            )
        )
        layout.addWidget(self.tree, 1)
        layout.addLayout(button_row(self.up_button, self.down_button))
        layout.addWidget(self.summary)
        layout.addWidget(self.bar)
        layout.addWidget(self.status)
        layout.addWidget(self.buttons)
        order = (self.tree, self.up_button, self.down_button, self.make_button)
        for first, second in zip(order, order[1:], strict=False):
            QWidget.setTabOrder(first, second)
        QWidget.setTabOrder(self.make_button, self.stop_button)
        QWidget.setTabOrder(self.stop_button, self.close_button)

    # ------------------------------------------------------------------ picking and ordering
    def move_document(self, step: int) -> None:
        if self.busy():
            return
        moved = self.model.move_document(self.tree.currentIndex(), step)
        if moved.isValid():
            self.tree.expandAll()  # a section that was empty opens
            self.tree.setCurrentIndex(moved)
            self.tree.scrollTo(moved)
        self._update_buttons()

    def _show_counts(self) -> None:
        ticked, total, blocked = self.model.counts()
        text = f"{ticked} of {how_many(total, 'document', 'documents')} ticked."
        if blocked:
            text += f" {blocked} cannot go in: see why beside {'it' if blocked == 1 else 'each'}."
        self.summary.setText(text)
        self.make_button.setEnabled(ticked > 0 and not self.busy())

    def _update_buttons(self) -> None:
        document = self.model.entry_at(self.tree.currentIndex()) is not None
        idle = not self.busy()
        self.up_button.setEnabled(document and idle)
        self.down_button.setEnabled(document and idle)

    # ------------------------------------------------------------------ making
    def busy(self) -> bool:
        return self._job is not None

    def make(self) -> None:
        ids, moved = self.model.chosen()
        if not ids or self.busy():
            return
        name, _ = QFileDialog.getSaveFileName(
            self, "Save the bundle", self._file_name, "PDF files (*.pdf)"
        )
        if not name:
            return
        target = Path(name) if name.lower().endswith(".pdf") else Path(name + ".pdf")
        self._cancel.clear()
        make, report, cancel = self._make, self._progress.moved.emit, self._cancel
        self._job = run_in_background(
            lambda: make(ids, moved, report, cancel),
            lambda bundle: self._made(target, bundle),
            self._failed,
        )
        self.bar.setRange(0, len(ids))
        self.bar.setValue(0)
        self.bar.show()
        self.status.setText("Making the bundle…")
        self._set_busy(True)

    def stop(self) -> None:
        """Stop between documents: no bundle is made or saved."""
        if self.busy():
            self._cancel.set()
            self.status.setText("Stopping… no bundle will be made.")
            self.stop_button.setEnabled(False)

    def reject(self) -> None:
        if self.busy():  # Escape or Close while making: stop first, then close
            self.stop()
            return
        super().reject()

    def _moved(self, done: int, total: int) -> None:
        if self.busy() and not self._cancel.is_set():
            self.bar.setValue(done)
            text = f"Made {done} of {how_many(total, 'document', 'documents')} into pages…"
            self.status.setText(text if done < total else "Numbering the pages…")

    def _set_busy(self, busy: bool) -> None:
        self.tree.setEnabled(not busy)
        self.stop_button.setVisible(busy)
        self.stop_button.setEnabled(busy)
        self.close_button.setEnabled(not busy)
        if not busy:
            self.bar.hide()
        self._show_counts()
        self._update_buttons()

    def _made(self, target: Path, bundle: Bundle) -> None:
        self._job = None
        self._set_busy(False)
        try:
            target.write_bytes(bundle.pdf)
        except OSError as exc:
            self.status.setText(f"{target.name} cannot be written ({exc.strerror or exc}).")
            return
        left = [f"{line.title}: {line.note}" for line in bundle.index if line.note]
        self.status.setText(f"Saved {target.name}: {bundle.pages} pages.")
        QMessageBox.information(
            self, "Bundle", "\n".join([f"{target.name}: {bundle.pages} pages.", *left])
        )
        self.accept()

    def _failed(self, exc: Exception, _tb: str) -> None:
        self._job = None
        self._set_busy(False)
        if isinstance(exc, Stopped):
            self.status.setText(str(exc))
            return
        if not isinstance(exc, ui_errors.USER_ERRORS):
            raise exc
        self.status.setText("")
        ui_errors.show_user_error(self, "Bundle", exc)
