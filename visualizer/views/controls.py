"""The control panel: loss, regularization, the selected run's optimizer, the runs, playback, the plane."""

from PyQt6 import QtCore, QtWidgets

from losscape_lab import kernels
from ..i18n import tr
from ..session.config import MAX_RUNS
from ..session.plane import PLANES
from .widgets import ElidedComboBox, LabelSlot, LogValueControl, color_icon

LOSS_NAMES = {name: spec.menu for name, spec in kernels.LOSS_SPECS.items()}
REG_NAMES = {"none": "none", "l2": "L2", "l1": "L1", "elastic": "elastic net"}
OPT_NAMES = {name: spec.menu for name, spec in kernels.OPTIMIZER_SPECS.items()}
DATA_NAMES = {"blobs": "blobs (3 classes, 2-D)", "spiral": "spiral (2-D)", "linear": "linear (2-D)",
              "nonlinear": "nonlinear (2-D)", "demo": "the course's 9 points (2-D)", "iris": "iris (4 features)",
              "digits": "digits (8x8 images)", "csv": "a CSV file...", "cifar10": "a CIFAR-10 folder...",
              "scores": "worked examples (scores)"}
KIND_NAMES = {"linear": "linear classifier", "mlp": "network, 1 hidden layer"}
ACTIVATION_NAMES = {"relu": "ReLU", "tanh": "tanh"}
SCHEDULE_NAMES = {"constant": "constant", "step": "step decay", "inv_t": "1/t decay", "cosine": "cosine"}
PLANE_NAMES = {name: spec.menu for name, spec in PLANES.items()}


def _combo(names):
    c = ElidedComboBox()
    # the widest entry must not set the panel's width: a narrow window elides it instead of cutting the panel
    c.setSizeAdjustPolicy(QtWidgets.QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
    c.setMinimumContentsLength(10)
    for key, text in names.items():
        c.addItem(text, key)
    return c


def _set_combo(combo, key):
    combo.blockSignals(True)
    combo.setCurrentIndex(max(0, combo.findData(key)))
    combo.blockSignals(False)


def _spin(lo, hi, step, decimals=None):
    s = QtWidgets.QDoubleSpinBox() if decimals is not None else QtWidgets.QSpinBox()
    s.setRange(lo, hi)
    s.setSingleStep(step)
    if decimals is not None:
        s.setDecimals(decimals)
    s.setKeyboardTracking(False)  # one change when typing ends, not one per digit
    return s


def _set(widget, value):
    widget.blockSignals(True)
    widget.setValue(value)
    widget.blockSignals(False)


class ControlPanel(QtWidgets.QScrollArea):
    model_changed = QtCore.pyqtSignal(dict)
    run_changed = QtCore.pyqtSignal(dict)
    run_selected = QtCore.pyqtSignal(int)
    run_added = QtCore.pyqtSignal()
    run_removed = QtCore.pyqtSignal()
    share_requested = QtCore.pyqtSignal()  # every run takes the selected run's loss and regularization
    run_shown = QtCore.pyqtSignal(int, bool)  # a run's checkbox: drawn or hidden
    data_chosen = QtCore.pyqtSignal(str)  # a dataset name (csv / cifar10: the controller asks for the path)
    architecture_chosen = QtCore.pyqtSignal(dict)  # {kind, hidden, activation}: what the runs train
    play_toggled = QtCore.pyqtSignal()
    step_requested = QtCore.pyqtSignal()
    step_back_requested = QtCore.pyqtSignal()  # Left: the step before, paused
    to_start_requested = QtCore.pyqtSignal()  # Home: step 0, paused (the runs stay as they are)
    reset_requested = QtCore.pyqtSignal()
    continue_requested = QtCore.pyqtSignal()  # the runs stopped at their steps: go on
    speed_changed = QtCore.pyqtSignal(float)
    landscape_changed = QtCore.pyqtSignal(dict)
    refit_requested = QtCore.pyqtSignal()

    def __init__(self, parent=None):
        super().__init__(parent)
        self.setWidgetResizable(True)
        self.setHorizontalScrollBarPolicy(QtCore.Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.setMinimumWidth(320)
        body = QtWidgets.QWidget()
        self.setWidget(body)
        col = QtWidgets.QVBoxLayout(body)
        for build in (self._data_box, self._playback_box, self._loss_box, self._reg_box, self._runs_box,
                      self._optimizer_box, self._plane_box):
            col.addWidget(build())
        col.addStretch(1)
        self._wire()
        # Enter or Escape in a number box gives the keyboard back to the window, so Space, R and the
        # arrows drive playback again instead of typing into the box
        for box in body.findChildren(QtWidgets.QLineEdit) + body.findChildren(QtWidgets.QAbstractSpinBox):
            box.installEventFilter(self)

    def _data_box(self):
        """The data set and the model the runs train."""
        box = QtWidgets.QGroupBox("Data")
        form = QtWidgets.QFormLayout(box)
        self.data = _combo(DATA_NAMES)
        form.addRow("set", self.data)
        self.kind = _combo(KIND_NAMES)
        self.kind.setToolTip("What the runs train: s = Wx + b, or a network with one hidden layer")
        self.hidden = _spin(1, 256, 1)
        self.activation = _combo(ACTIVATION_NAMES)
        form.addRow("model", self.kind)
        form.addRow("hidden units", self.hidden)
        form.addRow("activation", self.activation)
        return box

    def _playback_box(self):
        """Play, step, reset, continue and the speed."""
        box = QtWidgets.QGroupBox("Playback")
        lay = QtWidgets.QGridLayout(box)
        self.play = QtWidgets.QPushButton("Play")
        self.play.setToolTip("Play / pause (Space)")
        self.step = QtWidgets.QPushButton("Step")
        self.step.setToolTip("One optimizer step (Right arrow)")
        self.reset = QtWidgets.QPushButton("Reset")
        self.reset.setToolTip("Back to the start (R)")
        self.more = QtWidgets.QPushButton("Continue")
        self.more.setToolTip("The runs stopped at their planned steps: run as many again")
        lay.addWidget(self.play, 0, 0)
        lay.addWidget(self.step, 0, 1)
        lay.addWidget(self.reset, 0, 2)

        self.speed = LogValueControl(1, 2000, 30)
        lay.addWidget(QtWidgets.QLabel("steps / s"), 1, 0)
        lay.addWidget(self.speed, 1, 1, 1, 2)
        self.step_label = QtWidgets.QLabel("step 0")
        # a new text every frame: in its slot it asks no layout to recompute (0.6 ms a frame, the panel's)
        lay.addWidget(LabelSlot(self.step_label, lines=1), 2, 0, 1, 2)
        lay.addWidget(self.more, 2, 2)
        return box

    def _loss_box(self):
        """The loss and its margin."""
        box = self.loss_box = QtWidgets.QGroupBox("Loss")
        form = QtWidgets.QFormLayout(box)
        self.loss = _combo(LOSS_NAMES)
        self.delta = _spin(0.0, 100.0, 0.1, decimals=2)
        form.addRow("loss", self.loss)
        form.addRow("margin delta", self.delta)
        return box

    def _reg_box(self):
        """The penalty, its lambda and the elastic net's L1 ratio."""
        box = self.reg_box = QtWidgets.QGroupBox("Regularization")
        form = QtWidgets.QFormLayout(box)
        self.reg = _combo(REG_NAMES)
        self.lam = LogValueControl(1e-5, 10.0, 1e-3, allow_zero=True)
        self.l1_ratio = _spin(0.0, 1.0, 0.05, decimals=2)
        form.addRow("penalty", self.reg)
        form.addRow("lambda", self.lam)
        form.addRow("L1 ratio", self.l1_ratio)
        self.share = QtWidgets.QPushButton("Same for every run")
        self.share.setToolTip("Every run takes the selected run's loss, margin and regularization")
        form.addRow(self.share)
        return box

    def _runs_box(self):
        """The runs compared, their checkboxes, add and remove."""
        box = QtWidgets.QGroupBox("Runs")
        lay = QtWidgets.QVBoxLayout(box)
        self.runs = QtWidgets.QListWidget()
        # every run shows (at most MAX_RUNS), no scrolling for a hidden one
        self.runs.setFixedHeight(MAX_RUNS * (self.runs.fontMetrics().height() + 6) + 6)
        lay.addWidget(self.runs)
        row = QtWidgets.QHBoxLayout()
        self.add = QtWidgets.QPushButton("Add run")
        self.add.setToolTip("Compare: a copy of the selected run, in a new colour")
        self.remove = QtWidgets.QPushButton("Remove")
        row.addWidget(self.add)
        row.addWidget(self.remove)
        lay.addLayout(row)
        return box

    def _optimizer_box(self):
        """The selected run's method, step size, batch, hyper-parameters, schedule and seed."""
        box = QtWidgets.QGroupBox("Optimizer (selected run)")
        form = QtWidgets.QFormLayout(box)
        self.opt = _combo(OPT_NAMES)
        self.lr = LogValueControl(1e-4, 100.0, 0.1, span=1.0)  # one decade under the thumb
        self.batch = _spin(1, 100000, 1)
        self.momentum = _spin(0.0, 0.999, 0.05, decimals=3)
        self.beta1 = _spin(0.0, 0.999, 0.01, decimals=3)
        self.beta2 = _spin(0.0, 0.9999, 0.001, decimals=4)
        self.rho = _spin(0.0, 0.9999, 0.01, decimals=4)
        self.schedule = _combo({k: SCHEDULE_NAMES[k] for k in kernels.SCHEDULES})
        self.decay = _spin(0.0, 10.0, 0.05, decimals=3)
        self.step_every = _spin(1, 100_000, 10)
        self.horizon = _spin(1, 100_000, 50)
        self.seed = _spin(0, 10**6, 1)
        self.prox = QtWidgets.QCheckBox("L1 as a proximal step")
        self.prox.setToolTip("Soft-threshold after each step: weights become exactly 0")
        form.addRow("method", self.opt)
        form.addRow("step size", self.lr)
        # where gradient descent stops being stable near the selected run's point (the lecture panel
        # computes it): 2 / lambda_max
        self.lr_limit = QtWidgets.QLabel()
        self.lr_limit.setWordWrap(True)
        self.lr_limit.setStyleSheet("color: #8a5a00;")
        self.lr_limit.hide()
        form.addRow(self.lr_limit)
        form.addRow("batch size", self.batch)
        form.addRow("momentum", self.momentum)
        form.addRow("Adam beta1", self.beta1)
        form.addRow("Adam beta2", self.beta2)
        form.addRow("RMSProp rho", self.rho)
        form.addRow("schedule", self.schedule)
        form.addRow("decay", self.decay)
        form.addRow("decay every", self.step_every)
        form.addRow("cosine horizon", self.horizon)
        form.addRow("seed", self.seed)
        form.addRow(self.prox)
        return box

    def _plane_box(self):
        """The plane the landscape is drawn on."""
        box = QtWidgets.QGroupBox("Landscape plane")
        form = QtWidgets.QFormLayout(box)
        self.plane = _combo(PLANE_NAMES)
        self.log_scale = QtWidgets.QCheckBox("log colour scale")
        self.refit = QtWidgets.QPushButton("Refit plane to the runs")
        form.addRow("plane", self.plane)
        form.addRow(self.log_scale)
        form.addRow(self.refit)
        return box

    def _wire(self):
        """Each widget says what changed, as a signal."""
        self.play.clicked.connect(self.play_toggled)
        self.step.clicked.connect(self.step_requested)
        self.reset.clicked.connect(self.reset_requested)
        self.more.clicked.connect(self.continue_requested)
        self.speed.valueChanged.connect(self.speed_changed)
        self.loss.currentIndexChanged.connect(lambda: self.model_changed.emit({"loss": self.loss.currentData()}))
        self.delta.valueChanged.connect(lambda v: self.model_changed.emit({"delta": v}))
        self.reg.currentIndexChanged.connect(lambda: self.model_changed.emit({"reg": self.reg.currentData()}))
        self.lam.valueChanged.connect(lambda v: self.model_changed.emit({"lam": v}))
        self.l1_ratio.valueChanged.connect(lambda v: self.model_changed.emit({"l1_ratio": v}))
        self.opt.currentIndexChanged.connect(lambda: self.run_changed.emit({"name": self.opt.currentData()}))
        self.lr.valueChanged.connect(lambda v: self.run_changed.emit({"lr": v}))
        self.batch.valueChanged.connect(lambda v: self.run_changed.emit({"batch_size": v}))
        self.momentum.valueChanged.connect(lambda v: self.run_changed.emit({"momentum": v}))
        self.beta1.valueChanged.connect(lambda v: self.run_changed.emit({"beta1": v}))
        self.beta2.valueChanged.connect(lambda v: self.run_changed.emit({"beta2": v}))
        self.schedule.currentIndexChanged.connect(
            lambda: self.run_changed.emit({"schedule": self.schedule.currentData()}))
        self.seed.valueChanged.connect(lambda v: self.run_changed.emit({"seed": v}))
        self.rho.valueChanged.connect(lambda v: self.run_changed.emit({"rho": v}))
        self.decay.valueChanged.connect(lambda v: self.run_changed.emit({"decay": v}))
        self.step_every.valueChanged.connect(lambda v: self.run_changed.emit({"step_every": v}))
        self.horizon.valueChanged.connect(lambda v: self.run_changed.emit({"horizon": v}))
        self.prox.toggled.connect(lambda v: self.run_changed.emit({"prox": v}))
        self.runs.currentRowChanged.connect(lambda i: i >= 0 and self.run_selected.emit(i))
        self.add.clicked.connect(self.run_added)
        self.remove.clicked.connect(self.run_removed)
        self.share.clicked.connect(self.share_requested)
        self.data.activated.connect(lambda i: self.data_chosen.emit(self.data.itemData(i)))
        self.kind.activated.connect(lambda i: self._architecture())
        # each change of the hidden size builds a new demo: clicks on its arrows are gathered first
        self._hidden_timer = QtCore.QTimer(self)
        self._hidden_timer.setSingleShot(True)
        self._hidden_timer.setInterval(400)
        self._hidden_timer.timeout.connect(self._architecture)
        self.hidden.valueChanged.connect(lambda v: self._hidden_timer.start())
        self.activation.activated.connect(lambda i: self._architecture())
        self.runs.itemChanged.connect(lambda item: self.run_shown.emit(
            self.runs.row(item), item.checkState() == QtCore.Qt.CheckState.Checked))
        self.plane.currentIndexChanged.connect(
            lambda: self.landscape_changed.emit({"plane": self.plane.currentData()}))
        self.log_scale.toggled.connect(lambda v: self.landscape_changed.emit({"log_scale": v}))
        self.refit.clicked.connect(self.refit_requested)

    def eventFilter(self, obj, event):
        if event.type() == QtCore.QEvent.Type.KeyPress and event.key() in (
                QtCore.Qt.Key.Key_Return, QtCore.Qt.Key.Key_Enter, QtCore.Qt.Key.Key_Escape):
            if event.key() == QtCore.Qt.Key.Key_Escape and isinstance(obj, QtWidgets.QLineEdit):
                obj.undo()  # Escape: the box as it was, nothing sent
            QtCore.QTimer.singleShot(0, obj.clearFocus)  # after the box has taken Enter (editingFinished)
            if self.window() is not None:
                QtCore.QTimer.singleShot(0, self.window().setFocus)
        return False

    def _architecture(self):
        self.architecture_chosen.emit({"kind": self.kind.currentData(), "hidden": self.hidden.value(),
                                       "activation": self.activation.currentData()})

    def show_session(self, session, selected, playing):
        """Make every widget show the session's values, without echoing them back as changes. The loss
        and regularization shown are the selected run's own (what the landscape shows)."""
        self.setEnabled(True)
        run = session.runs[selected]
        m = session.model_of(run)
        own = {k for k in m if run.settings.get(k) is not None}
        many = len(session.runs) > 1
        self.loss_box.setTitle(tr("Loss (this run only)" if many and own & {"loss", "delta"} else
                                  "Loss (every run)" if many else "Loss"))
        self.reg_box.setTitle(tr("Regularization (this run only)" if many and own & {"reg", "lam", "l1_ratio"}
                                 else "Regularization (every run)" if many else "Regularization"))
        self.share.setVisible(many)
        self.share.setEnabled(any(session.model_of(r) != m for r in session.runs))
        self._show_values(m, run.settings, session.data.N, session.config)
        self.runs.blockSignals(True)
        self.runs.clear()
        for run in session.runs:
            item = QtWidgets.QListWidgetItem(color_icon(run.color), run.label)
            item.setFlags(item.flags() | QtCore.Qt.ItemFlag.ItemIsUserCheckable)
            item.setCheckState(QtCore.Qt.CheckState.Checked if run.visible else QtCore.Qt.CheckState.Unchecked)
            item.setToolTip(tr("Untick to hide this run on the landscape and the curves"))
            self.runs.addItem(item)
        self.runs.setCurrentRow(selected)
        self.runs.blockSignals(False)
        self.remove.setEnabled(len(session.runs) > 1)
        self.add.setEnabled(len(session.runs) < MAX_RUNS)
        self.show_playing(playing)
        self.show_step(session.display_step, session.planned_steps)

    def show_config(self, config):
        """Before a session exists (kernels compiling on a first launch): the demo's own values, greyed
        out, rather than the widgets' defaults."""
        sel = min(config.view["selected"], len(config.runs) - 1)
        settings = config.runs[sel]
        m = {k: config.model[k] if settings.get(k) is None else settings[k] for k in config.model}
        self._show_values(m, settings, None, config)
        self.runs.clear()
        for k, run in enumerate(config.runs):
            self.runs.addItem(tr(run["label"]) if run.get("label") else tr("run {k}", k=k + 1))
        self.step_label.setText(tr("preparing..."))
        self.setEnabled(False)

    def _show_values(self, m, s, N, config):
        """The model m, the optimizer settings s (of the selected run), the plane and the speed."""
        _set_combo(self.loss, m["loss"])
        _set(self.delta, m["delta"])
        _set_combo(self.reg, m["reg"])
        self.lam.setValue(m["lam"])
        _set(self.l1_ratio, m["l1_ratio"])
        self.l1_ratio.setEnabled(m["reg"] == "elastic")
        self.lam.setEnabled(m["reg"] != "none")
        self.delta.setEnabled(kernels.LOSS_SPECS[m["loss"]].uses_delta)
        _set_combo(self.opt, s["name"])
        self.lr.setValue(s["lr"])
        if N is not None:
            self.batch.setMaximum(N)
        _set(self.batch, min(s["batch_size"], self.batch.maximum()))
        method = kernels.OPTIMIZER_SPECS[s["name"]]
        self.batch.setEnabled(not method.full_batch)
        for widget, key, used in ((self.momentum, "momentum", "momentum" in method.hyperparameters),
                                  (self.beta1, "beta1", "beta1" in method.hyperparameters),
                                  (self.beta2, "beta2", "beta2" in method.hyperparameters),
                                  (self.rho, "rho", "rho" in method.hyperparameters),
                                  (self.decay, "decay", s["schedule"] in ("step", "inv_t")),
                                  (self.step_every, "step_every", s["schedule"] == "step"),
                                  (self.horizon, "horizon", s["schedule"] == "cosine"),
                                  (self.seed, "seed", True)):
            _set(widget, s[key])
            widget.setEnabled(used)
        _set_combo(self.schedule, s["schedule"])
        self.prox.blockSignals(True)
        self.prox.setChecked(s["prox"])
        self.prox.blockSignals(False)
        self.prox.setEnabled(m["reg"] in ("l1", "elastic"))
        _set_combo(self.data, config.data.get("name"))
        _set_combo(self.kind, config.model["kind"])
        _set(self.hidden, config.model["hidden"])
        _set_combo(self.activation, config.model["activation"])
        network = config.model["kind"] == "mlp"
        self.hidden.setEnabled(network)
        self.activation.setEnabled(network)
        _set_combo(self.plane, config.landscape["plane"])
        self.log_scale.blockSignals(True)
        self.log_scale.setChecked(config.landscape["log_scale"])
        self.log_scale.blockSignals(False)
        self.speed.setValue(config.view["speed"])

    def describe(self):
        """The values the controls display, as plain data (for --state)."""
        return {"model": self.kind.currentData(), "hidden": self.hidden.value(),
                "activation": self.activation.currentData(), "loss": self.loss.currentData(), "delta": self.delta.value(), "reg": self.reg.currentData(),
                "lam": self.lam.value(), "l1_ratio": self.l1_ratio.value(), "optimizer": self.opt.currentData(),
                "lr": self.lr.value(), "batch_size": self.batch.value(), "step": self.step_label.text(),
                "runs": [self.runs.item(i).text() for i in range(self.runs.count())],
                "selected": self.runs.currentRow()}

    def show_lr_limit(self, limit):
        """The largest stable step size near the selected run's point, under the step size (None: none)."""
        self.lr_limit.setVisible(limit is not None)
        if limit is not None:
            self.lr_limit.setText(tr("stable below {limit} here (2 / lambda_max)", limit=f"{limit:.3g}"))

    def show_playing(self, playing):
        self.play.setText(tr("Pause" if playing else "Play"))

    def show_step(self, step, last):
        """The shown step of the planned `last`; Continue is offered once they are reached."""
        self.step_label.setText(tr("step {step} of {last}", step=step, last=last))
        self.more.setEnabled(step >= last)
