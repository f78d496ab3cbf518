"""The Examples and Weights tabs: every example's scores, terms and loss, and every entry of W with its
gradient split into data and penalty parts, with nudges. Tables of numbers the controller hands over
(computed by session.explain); the views only show them, sort them and say what was hovered or asked."""

import numpy as np
from PyQt6 import QtCore, QtGui, QtWidgets

from ..i18n import tr, tr_name, trn

ZERO_LOSS = "#D8EFD8"  # an example with no loss (its margins are all satisfied)
NO_LOSS = "#DDDDDD"  # not a number: the scores overflowed
BATCH_MARK = "●"
SORT = QtCore.Qt.ItemDataRole.UserRole


def loss_colours(L):
    """Each example's row colour: green for zero loss, then lighter to stronger orange as its loss nears
    the largest one shown (softmax's losses are never 0, and a wall of one orange told nothing)."""
    L = np.asarray(L, dtype=np.float64)
    finite = L[np.isfinite(L)]
    top = max(float(finite.max()) if finite.size else 0.0, 1e-12)
    light, strong = np.array([255, 244, 232]), np.array([246, 178, 120])
    out = []
    for v in L:
        if not np.isfinite(v):
            out.append(NO_LOSS)
        elif not v > 1e-12:
            out.append(ZERO_LOSS)
        else:
            r, g, b = (light + (strong - light) * min(v / top, 1.0)).astype(int)
            out.append(f"#{r:02X}{g:02X}{b:02X}")
    return out


class NumberTable(QtCore.QAbstractTableModel):
    """Columns of numbers (or text), each with a header; cells can carry a background and bold type.
    Sorting goes by the number under SORT (text columns sort as text)."""

    def __init__(self):
        super().__init__()
        self.headers, self.columns, self.tips = [], [], []
        self.background = None  # (rows,) colours or None
        self.bold = None  # (rows, columns) booleans or None
        self.n = 0
        self.reset_shape = False  # the last set_table changed the shape (the view sizes its columns then)

    def set_table(self, headers, columns, background=None, bold=None, tips=None):
        """Replace the numbers; the same shape only tells the view the cells changed (selection and
        scroll position stay)."""
        same = headers == self.headers and len(columns[0]) == self.n if columns else False
        if not same:
            self.beginResetModel()
        self.reset_shape = not same
        self.headers, self.columns = list(headers), list(columns)
        self.tips = list(tips) if tips else [""] * len(headers)
        self.background, self.bold = background, bold
        self.n = len(columns[0]) if columns else 0
        # each number column's largest size: what is zero up to rounding there shows as 0 (a gradient
        # of 2.1e-16 next to 0.3 is summation noise, and "-0" reads as a sign that means something)
        self.scales = []  # None: not a column of floats
        for col in self.columns:
            a = np.asarray(col)
            if a.dtype.kind != "f":
                self.scales.append(None)
                continue
            a = np.abs(a[np.isfinite(a)])
            self.scales.append(float(a.max()) if a.size else 0.0)
        if same:
            self.dataChanged.emit(self.index(0, 0), self.index(self.n - 1, len(self.headers) - 1))
        else:
            self.endResetModel()

    def rowCount(self, parent=QtCore.QModelIndex()):
        return 0 if parent.isValid() else self.n

    def columnCount(self, parent=QtCore.QModelIndex()):
        return 0 if parent.isValid() else len(self.headers)

    def data(self, index, role=QtCore.Qt.ItemDataRole.DisplayRole):
        if not index.isValid():
            return None
        r, c = index.row(), index.column()
        v = self.columns[c][r]
        R = QtCore.Qt.ItemDataRole
        if role == R.DisplayRole:
            if isinstance(v, (float, np.floating)):
                return number_text(v, self.scales[c] if c < len(self.scales) else None)
            return str(v)
        if role == SORT:
            return float(v) if isinstance(v, (int, float, np.integer, np.floating)) else str(v)
        if role == R.TextAlignmentRole and isinstance(v, (float, np.floating, int, np.integer)):
            return int(QtCore.Qt.AlignmentFlag.AlignRight | QtCore.Qt.AlignmentFlag.AlignVCenter)
        if role == R.BackgroundRole and self.background is not None and self.background[r]:
            return QtGui.QBrush(QtGui.QColor(self.background[r]))
        if role == R.ForegroundRole and self.background is not None and self.background[r]:
            return QtGui.QBrush(QtGui.QColor("#000000"))  # dark text on the light marks, in either theme
        if role == R.FontRole and self.bold is not None and self.bold[r][c]:
            f = QtGui.QFont()
            f.setBold(True)
            return f
        return None

    def headerData(self, section, orientation, role=QtCore.Qt.ItemDataRole.DisplayRole):
        if orientation != QtCore.Qt.Orientation.Horizontal:
            return None
        if role == QtCore.Qt.ItemDataRole.DisplayRole and section < len(self.headers):
            return self.headers[section]
        if role == QtCore.Qt.ItemDataRole.ToolTipRole and section < len(self.tips):
            return self.tips[section] or None
        return None


# the widest text number_text gives: a number column is never narrower, so no value is ever cut
WIDEST_NUMBER = "-8.888e-88"


def number_text(v, scale=None):
    """v to 4 significant digits; 0 where it is zero up to rounding next to `scale` (its column's
    largest size): no "-0", no 2.1e-16."""
    if not np.isfinite(v):
        return str(v)
    if v == 0 or (scale and abs(v) <= 1e-12 * scale):
        return "0"
    return f"{v:.4g}"


def size_columns(view, model):
    """Every column to its contents, and a number column to at least the widest number (the columns
    are sized when the table's shape changes; a value that grows later must still fit)."""
    view.resizeColumnsToContents()
    header = view.horizontalHeader()
    wide = view.fontMetrics().horizontalAdvance(WIDEST_NUMBER) + 12
    for c, scale in enumerate(model.scales):
        if scale is not None and header.sectionSize(c) < wide:
            header.resizeSection(c, wide)


def _table_view(model):
    proxy = QtCore.QSortFilterProxyModel()
    proxy.setSourceModel(model)
    proxy.setSortRole(SORT)
    view = QtWidgets.QTableView()
    view.setModel(proxy)
    view.setSortingEnabled(True)
    view.sortByColumn(-1, QtCore.Qt.SortOrder.AscendingOrder)  # the data's own order until a header is clicked
    view.verticalHeader().hide()
    view.setSelectionBehavior(QtWidgets.QAbstractItemView.SelectionBehavior.SelectRows)
    view.setEditTriggers(QtWidgets.QAbstractItemView.EditTrigger.NoEditTriggers)
    # columns sized once per table (set_table), not on every refresh: sizing to the contents of every row
    # took a third of a second per refresh on a few hundred rows, and stalled playback
    view.horizontalHeader().setResizeContentsPrecision(200)
    view.setMouseTracking(True)
    return view, proxy


class ExamplesView(QtWidgets.QWidget):
    """One row per example: its class, whether the shown step's minibatch holds it, its features (for a
    few), its scores, each class's term of its loss (hinge margins, or softmax probabilities) and its loss
    L_i; under the table, the mean of L_i, which is the data loss the curves show."""
    example_hovered = QtCore.pyqtSignal(int)  # an example's index, -1 when the pointer leaves

    def __init__(self, parent=None):
        super().__init__(parent)
        self.model = NumberTable()
        self.table, self.proxy = _table_view(self.model)
        self.table.entered.connect(lambda i: self.example_hovered.emit(self._example(i.row())))
        self.table.viewport().installEventFilter(self)
        self.footer = QtWidgets.QLabel()
        self.footer.setWordWrap(True)
        self.footer.setStyleSheet("font-size: 12pt;")
        lay = QtWidgets.QVBoxLayout(self)
        lay.setContentsMargins(4, 4, 4, 4)
        lay.addWidget(self.table, 1)
        lay.addWidget(self.footer)

    def eventFilter(self, obj, event):
        if event.type() == QtCore.QEvent.Type.Leave:
            self.example_hovered.emit(-1)
        return False

    def _example(self, proxy_row):
        return int(self.model.columns[0][self.proxy.mapToSource(self.proxy.index(proxy_row, 0)).row()])

    def show_examples(self, ex, class_names, features=None, feature_names=()):
        """ex: session.explain.examples(); features (N, k) shown for a few features, else None."""
        C = ex["scores"].shape[1]
        N = len(ex["loss"])
        names = [tr_name(c) for c in class_names]
        in_batch = np.zeros(N, bool)
        in_batch[ex["batch"]] = True
        full = len(ex["batch"]) == N
        # the loss right after the class: in a narrow column it is the number to see without scrolling
        headers = ["#", tr("class"), tr("batch"), "L_i"]
        columns = [np.arange(N), [names[k] for k in ex["label"]],
                   [BATCH_MARK if b and not full else "" for b in in_batch], ex["loss"]]
        if features is not None:
            headers += [tr_name(f) for f in feature_names]
            columns += list(features.T)
        k0 = len(headers)  # the first score column
        headers += [f"s {n}" for n in names]
        columns += list(ex["scores"].T)
        term = "p" if ex["kind"] == "probabilities" else tr("margin")
        headers += [f"{term} {n}" for n in names]
        columns += list(ex["terms"].T)
        bold = np.zeros((N, len(headers)), bool)
        rows = np.arange(N)
        bold[rows, k0 + ex["label"]] = True  # the label's score
        if ex["kind"] == "probabilities":
            bold[rows, k0 + C + ex["label"]] = True  # p_y, whose -ln is the loss
        else:
            bold[:, k0 + C:k0 + 2 * C] = ex["terms"] > 0  # the active margins
        bold[:, 2:4] = True
        background = loss_colours(ex["loss"])
        tips = [""] * len(headers)
        tips[2] = tr("In the minibatch of this step (gradient descent uses every example)")
        tips[3] = tr("This example's loss")
        self.model.set_table(headers, columns, background, bold, tips)
        if self.model.reset_shape:
            size_columns(self.table, self.model)
        self.table.setColumnHidden(2, full)  # a full batch: every row would be marked
        text = trn("L_i of the one example = {mean}: the data loss on the curves.",
                   "Mean of L_i over {n} examples = {mean}: the data loss on the curves.", N, n=N,
                   mean=f"{ex['data_loss']:.6g}")
        if ex["penalty"] > 0:
            text += " " + tr("With the penalty {penalty}: total {total}.", penalty=f"{ex['penalty']:.4g}",
                             total=f"{ex['data_loss'] + ex['penalty']:.6g}")
        zero = int((ex["loss"] <= 1e-12).sum())
        if ex["kind"] == "margins":
            text += " " + trn("{zero} of {n} examples has zero loss (green): every margin is met.",
                              "{zero} of {n} examples have zero loss (green): every margin is met.", zero,
                              zero=zero, n=N)
        if not full:
            text += " " + trn("{b} marks the one example of this step's minibatch.",
                              "{b} marks the {k} examples of this step's minibatch.", len(ex["batch"]),
                              b=BATCH_MARK, k=len(ex["batch"]))
        self.footer.setText(text)

    def select_example(self, index):
        """Scroll to and select an example's row (the data view's hover), -1: none."""
        if index < 0 or index >= self.model.n:
            self.table.clearSelection()
            return
        row = self.proxy.mapFromSource(self.model.index(index, 0)).row()
        self.table.selectRow(row)
        self.table.scrollTo(self.proxy.index(row, 0))

    def describe(self):
        """What the table shows, as plain data (tests)."""
        return {"headers": list(self.model.headers), "rows": self.model.n, "footer": self.footer.text()}


class WeightsView(QtWidgets.QWidget):
    """One row per entry of W (the bias row last): its value and dL/dW split into the data part and the
    penalty part. ▲ / ▼ nudge the selected entries by the step; Randomize and Zero set all of W. The
    controller applies each edit to the selected run at its shown step."""
    edit_requested = QtCore.pyqtSignal(str, object, float)  # 'nudge' / 'randomize' / 'zero', [entry], amount

    def __init__(self, parent=None):
        super().__init__(parent)
        self.model = NumberTable()
        self.table, self.proxy = _table_view(self.model)
        self.table.setSelectionMode(QtWidgets.QAbstractItemView.SelectionMode.ExtendedSelection)
        self.step = QtWidgets.QDoubleSpinBox()
        self.step.setDecimals(3)
        self.step.setRange(0.001, 10.0)
        self.step.setValue(0.1)
        self.step.setSingleStep(0.05)
        self.step.setPrefix("step ")
        self.step.setKeyboardTracking(False)
        self.up = QtWidgets.QPushButton("▲")
        self.down = QtWidgets.QPushButton("▼")
        self.up.setToolTip("Add the step to the selected entries of W")
        self.down.setToolTip("Subtract the step from the selected entries of W")
        self.randomize = QtWidgets.QPushButton("Randomize W")
        self.randomize.setToolTip("Every entry of W drawn at random (small, as a start)")
        self.zero = QtWidgets.QPushButton("Zero W")
        self.zero.setToolTip("Every entry of W set to 0: all scores 0")
        self.up.clicked.connect(lambda: self._nudge(+1))
        self.down.clicked.connect(lambda: self._nudge(-1))
        self.randomize.clicked.connect(lambda: self.edit_requested.emit("randomize", [], 0.0))
        self.zero.clicked.connect(lambda: self.edit_requested.emit("zero", [], 0.0))
        bar = QtWidgets.QGridLayout()  # two rows: a narrow column (presenter mode) must not be widened
        bar.addWidget(self.step, 0, 0)
        bar.addWidget(self.up, 0, 1)
        bar.addWidget(self.down, 0, 2)
        bar.addWidget(self.randomize, 1, 0)
        bar.addWidget(self.zero, 1, 1, 1, 2)
        self.footer = QtWidgets.QLabel()
        self.footer.setWordWrap(True)
        self.footer.setStyleSheet("font-size: 12pt;")
        lay = QtWidgets.QVBoxLayout(self)
        lay.setContentsMargins(4, 4, 4, 4)
        lay.addLayout(bar)
        for w in (self.step, self.randomize, self.zero):
            w.setMinimumWidth(40)
        lay.addWidget(self.table, 1)
        lay.addWidget(self.footer)

    def selected_entries(self):
        """The selected entries, as indices into the flat parameters (W.ravel())."""
        return sorted({self.proxy.mapToSource(i).row() for i in self.table.selectionModel().selectedRows()})

    def _nudge(self, sign):
        entries = self.selected_entries()
        if entries:
            self.edit_requested.emit("nudge", entries, sign * self.step.value())
        else:
            self.footer.setText(tr("Select an entry of W first (click a row), then nudge it."))

    def show_weights(self, w, names):
        """w: session.explain.weights(); names: (row, column) of each entry (explain.entry_names)."""
        W = w["W"]
        network = W.ndim == 1
        headers = [tr("layer, input") if network else tr("feature"), tr("unit or class") if network else tr("class"),
                   "W", tr("dL/dW data"), tr("dL/dW penalty"), "dL/dW"]
        columns = [[a for a, _ in names], [b for _, b in names],
                   W.ravel(), w["grad_data"].ravel(), w["grad_reg"].ravel(), w["grad"].ravel()]
        tips = ["", "", tr("The weight at the shown step"),
                tr("The gradient of the data loss (mean over all examples)"),
                tr("The gradient of the penalty lam R(W)"), tr("Their sum: gradient descent moves W against it")]
        self.model.set_table(headers, columns, tips=tips)
        if self.model.reset_shape:
            size_columns(self.table, self.model)
        g = w["grad"]
        self.footer.setText(tr("Step {step}: |dL/dW| = {norm} (data {data}, penalty {reg}). A nudge moves this "
                               "run's point; the run goes on from there.", step=w["step"],
                               norm=f"{np.linalg.norm(g):.4g}", data=f"{np.linalg.norm(w['grad_data']):.4g}",
                               reg=f"{np.linalg.norm(w['grad_reg']):.4g}"))

    def describe(self):
        return {"headers": list(self.model.headers), "rows": self.model.n, "footer": self.footer.text()}
