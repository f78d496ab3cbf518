"""A run's records: its settings by segment, and one record per step (losses, step size, accuracy, plane
coordinates), with W at every step through its WeightPath. Qt-free."""

from dataclasses import dataclass, field

import numpy as np

from losscape_lab import kernels
from ..i18n import tr
from . import architecture
from .weights import WeightPath

# Okabe-Ito colours (distinct for colour-blind viewers), drawn with a dark outline on the landscape.
PALETTE = ("#E69F00", "#56B4E9", "#009E73", "#F0E442", "#D55E00", "#CC79A7", "#0072B2", "#FFFFFF")
MODEL_KEYS = ("loss", "delta", "reg", "lam", "l1_ratio")
TAME = 3.0  # the view frames the points whose loss is within TAME times the highest starting loss


def kernel_kwargs(model, settings, arch=None):
    """The kernels' keyword arguments for one run segment (of the architecture's model, linear if None)."""
    return dict(**(arch.optimizer_kwargs() if arch is not None else {}), loss=model["loss"],
                delta=model["delta"], reg=model["reg"], lam=model["lam"], l1_ratio=model["l1_ratio"], optimizer=settings["name"], lr=settings["lr"],
                batch_size=settings["batch_size"], seed=settings["seed"], momentum=settings["momentum"],
                beta1=settings["beta1"], beta2=settings["beta2"], rho=settings["rho"],
                schedule=settings["schedule"], decay=settings["decay"], step_every=settings["step_every"],
                horizon=settings["horizon"], prox=settings["prox"])


@dataclass
class Segment:
    start: int
    settings: dict
    model: dict
    W: np.ndarray | None = None  # W set by hand at `start` (the Weights tab), None: where the run was


@dataclass
class Run:
    """One optimizer run: its settings and its recorded trajectory, one record per step (the arrays
    named in RECORDS, all indexed by step, a few numbers each), and W at every step through `W` (a
    WeightPath: checkpoints and exact replay, so memory stays bounded whatever the step count)."""
    RECORDS = ("loss_batch", "loss_full", "loss_reg", "lr", "accuracy", "val_accuracy", "a", "b", "off")
    settings: dict  # the run's dict in its session's config.runs, the one copy (changed in place)
    color: str
    segments: list = field(default_factory=list)
    path: WeightPath = None
    loss_batch: np.ndarray = None
    loss_full: np.ndarray = None
    loss_reg: np.ndarray = None  # lam * R(W) with the lam and penalty in force at that step
    lr: np.ndarray = None
    accuracy: np.ndarray = None
    val_accuracy: np.ndarray = None
    a: np.ndarray = None
    b: np.ndarray = None
    off: np.ndarray = None
    diverged_at: int | None = None  # the first step whose loss is not finite or above BLOWUP x the start's
    # diverged, and its settings changed since: it stays as it diverged until Continue restarts it
    outdated: bool = False
    state: kernels.OptimizerState = None
    start: np.ndarray = None  # this run's own start, when it was moved away from the common one

    auto_label: str = ""  # what the session names it when its settings give no label
    visible: bool = True  # drawn on the landscape and the curves (the runs list's checkbox)

    @property
    def label(self):
        """The run's name in the current language (its own label if it has one)."""
        return tr(self.settings["label"]) if self.settings.get("label") else self.auto_label

    def diverged_by(self, step):
        """The step it diverged at, if that is at or before `step` (what is shown); else None. Every
        view, the status line and every export read divergence through this, so a file that holds
        steps 0-10 never reports a divergence at step 17."""
        return self.diverged_at if self.diverged_at is not None and self.diverged_at <= step else None

    @property
    def W(self):
        """W at a step: run.W[t], run.W[lo:hi], run.W[steps] (replayed from checkpoints as needed)."""
        return self.path

    def truncate(self, n):
        """Keep the first n records of every array (shorter arrays stay as they are) and of the path."""
        for name in self.RECORDS:
            arr = getattr(self, name)
            if arr is not None and len(arr) > n:
                setattr(self, name, arr[:n].copy())
        self.path.cut(n - 1)

    def append(self, **arrays):
        """Add records at the end of the named arrays."""
        for name, more in arrays.items():
            setattr(self, name, np.concatenate([getattr(self, name), more]))

    def model_at(self, step):
        """The loss settings in force at a step (the latest segment starting at or before it)."""
        return next(seg.model for seg in reversed(self.segments) if seg.start <= step)

    def settings_at(self, step):
        """The optimizer settings in force at a step."""
        return next(seg.settings for seg in reversed(self.segments) if seg.start <= step)

    @property
    def head(self):
        """The last computed step."""
        return self.path.head

    def shown(self, step):
        """Index of the last record at or before `step` (records are one per step)."""
        return min(step, self.head)


def start_loss(run):
    v = run.loss_full[0] if np.isfinite(run.loss_full[0]) else run.loss_batch[0]
    return float(v) if np.isfinite(v) else 1.0


def final_loss(run):
    loss = np.where(np.isfinite(run.loss_full), run.loss_full, run.loss_batch)
    loss = loss[np.isfinite(loss)]
    return float(loss[-1]) if run.diverged_at is None and loss.size else np.inf


def tame_limit(runs):
    """The loss above which a point is off the interesting part of the picture."""
    return TAME * max(max(start_loss(r) for r in runs), 1e-12)


def accuracy(Ws, X, y):
    """Fraction of examples whose highest score is their label, for each W of a stack (R, D, C)."""
    return architecture.accuracy(architecture.Linear(*np.shape(Ws)[1:]), Ws, X, y)

