"""A demo in progress, without Qt: the data, the model settings, the runs and their trajectories, the
plane, and the landscape cache. The views draw what this holds; the controller calls its methods.

Trajectories are computed ahead of the animation (the kernels run far faster than anyone can watch), and
the animation only moves `display_step`. Changing a setting mid-run starts a new segment at the shown
step: the run's recorded future is dropped and recomputed from the exact optimizer state there, which is
found by replaying the earlier segments (deterministic, and fast).
"""

import numpy as np

from losscape_lab import kernels
from ..i18n import tr
from . import architecture, budget
from . import plane as planes
from .config import MAX_RUNS, MAX_STEPS, OPTIMIZER, RUN, Config, ConfigError
from .framing import PlaneFraming
from .labels import LABEL_KEYS, default_labels, describe_model
from .landscape_cache import LandscapeCache
from .minimum import find_minimum, near_minimum
from .runs import MODEL_KEYS, PALETTE, Run, Segment, kernel_kwargs, start_loss
from .weights import WeightPath

# The one divergence rule: a run diverges at the first step whose loss (full or minibatch) is not finite
# or above BLOWUP times its starting loss (at least 1); it stops there. Floats would take thousands more
# steps to overflow, and nothing on screen would change but the scale.
BLOWUP = 1e3
AHEAD = 64  # steps computed beyond the shown one after a change: the animation extends them as it plays


def open_session(config, source=None, dataset=None):
    """Session(config) (on `dataset`, if loaded already), its errors naming the demo file `source` they
    come from (the checks that need the data, as [data] seed or the shape of start, run here, after the
    file was read)."""
    return _naming(source, lambda: Session(config, dataset))


def load_dataset(config, source=None):
    """The data set of `config`, its errors naming the demo file `source` (see open_session)."""
    from .datasets import load

    return _naming(source, lambda: load(config.data))


def _naming(source, make):
    from .datasets import DatasetError

    try:
        return make()
    except (ConfigError, DatasetError) as e:
        if source and not str(e).startswith(f"{source}:"):
            raise type(e)(f"{source}: {e}") from None
        raise


def restored(config, data, step, starts, visible):
    """The session an undo returns to: `config` on the same data (dragged points stay), each run's own
    start (None: the common one) and visibility, shown at `step`."""
    session = Session(config, data)
    for index, (run, start, shown) in enumerate(zip(session.runs, starts, visible)):
        run.visible = shown
        if start is not None:
            session.set_start(start, index)
    session.extend_to(step)
    session.advance(step)
    return session


class Session(PlaneFraming, LandscapeCache):
    def __init__(self, config: Config, dataset=None):
        if dataset is None:
            from .datasets import load

            dataset = load(config.data)
        self.config = config
        self.data = dataset
        self.arch = architecture.of(config.model, dataset)  # what the runs train: W, or a network
        self._seeded_starts = {}  # seed -> the start it draws (a network's runs, or init = "per_run")
        self.display_step = 0
        self.extra_steps = 0  # "continue": every run goes this many steps beyond its `steps`
        self.data_version = 0
        self._remembered = {}  # see remember()
        self.plane_version = 0  # names the plane in cache keys (an id() could be reused)
        # each run's settings are its dict in config.runs (one owner: what is saved is what runs)
        self.runs = [Run(s, PALETTE[i % len(PALETTE)]) for i, s in enumerate(config.runs)]
        self._minimum = None  # (W*, lambda_max there) of the [model] loss, found when a demo asks
        self.W_start = self._initial_start()
        self._steps_from_curvature()
        self.plane = None
        self.extent = None  # (a_lo, a_hi, b_lo, b_hi)
        self._data_grid = {}  # key -> grid
        self._unit_reg = {}  # key -> grid
        self.relabel()
        self.reset()
        self.fit_plane()

    @property
    def model(self):
        """The [model] loss settings shared by the runs that do not override them (a copy)."""
        return {k: self.config.model[k] for k in MODEL_KEYS}

    @property
    def selected(self):
        """The selected run: the landscape is its model's loss, and the controls show and edit it."""
        return min(self.config.view["selected"], len(self.runs) - 1)

    def select(self, index):
        if not 0 <= index < len(self.runs):
            raise ConfigError(f"there is no run {index}; there are {len(self.runs)}")
        changed = self.config.update("view", selected=index)
        if changed and self.plane is not None and planes.PLANES[self.config.landscape["plane"]].at_selected:
            self.fit_plane()  # the plane goes through the selected run: it follows the selection

    def landscape_model(self):
        """The model whose loss the landscape shows: the selected run's own."""
        return self.model_of(self.runs[self.selected])

    def landscape_title(self):
        """'hinge loss, delta 2, L2 lambda 0.01 — run 'delta 2'': whose loss the landscape is."""
        return tr("{model} — run '{label}'", model=describe_model(self.landscape_model()),
                  label=self.runs[self.selected].label)

    # ------------------------------------------------------------------------------------ runs
    @property
    def planned_steps(self):
        """The last step any run goes to: playback stops there."""
        return max(self.limit_of(r) for r in self.runs)

    def limit_of(self, run):
        """A run stops at its `steps` (plus what "continue" added)."""
        return run.settings["steps"] + self.extra_steps

    def extend_to(self, steps):
        """Let the runs go on until `steps` at least (the command line's --steps, the Continue button),
        never beyond MAX_STEPS."""
        self.extra_steps += max(0, min(steps, MAX_STEPS) - self.planned_steps)

    def at_end(self):
        """True when no run has anything more to show: each ended at its steps or diverged."""
        return self.display_step >= max(r.head if r.diverged_at is not None else self.limit_of(r)
                                         for r in self.runs)

    def _initial_start(self):
        D, C = self.data.D, self.data.C
        arch = self.arch
        if self.config.start is not None:
            W = np.array(self.config.start, dtype=np.float64)
            if arch.kind == "mlp":  # one row: the network's flat parameters
                if W.shape != (1, arch.size):
                    raise ConfigError(f"start must be one row of the network's {arch.size} parameters "
                                      f"(D*H + (H+1)*C); got {W.shape[0]} x {W.shape[1]}")
                return W[0]
            if W.shape != (D, C):
                raise ConfigError(f"start must be {D} x {C} for this dataset (D features with bias, C classes); "
                                  f"got {W.shape[0]} x {W.shape[1]}")
            return W
        if self.config.model["init"] == "near_minimum":
            if arch.kind == "mlp":
                raise ConfigError("[model] init = 'near_minimum' is for the linear model (a network has no "
                                  "single minimum)")
            if not _curves(self.model):
                raise ConfigError(f"[model] init = 'near_minimum' needs a loss with a minimum to start near: "
                                  f"{self.model['loss']} without an L2 penalty is piecewise linear (use "
                                  f"{_curved_losses()}, or an L2 penalty)")
            start, W_min, top = near_minimum(self.data.X, self.data.y, self.model, self.config.model["init_offset"],
                                             self.data.C)
            self._minimum = (W_min, top)
            return start
        return self._seeded_start(self.config.optimizer["seed"])

    def _seeded_start(self, seed):
        """The start a seed draws: a network's initialization, or init_scale times a normal W."""
        if seed not in self._seeded_starts:
            self._seeded_starts[seed] = self.arch.init(seed, self.config.model["init_scale"])
        return self._seeded_starts[seed]

    def _steps_from_curvature(self):
        """Runs with lr_of_limit take that fraction of 2 / lambda_max at the minimum of their loss."""
        for i, run in enumerate(self.runs):
            factor = run.settings.get("lr_of_limit") or 0.0
            if factor <= 0:
                continue
            model = self.model_of(run)
            if self.arch.kind == "mlp":
                raise ConfigError(f"run {i + 1}: lr_of_limit is for the linear model (a network has no single "
                                  "minimum to measure the curvature at)")
            if self._minimum is not None and model == self.model:
                top = self._minimum[1]
            else:
                W = find_minimum(self.data.X, self.data.y, model, self.data.C)
                top = float(kernels.top_eigen(W, self.data.X, self.data.y, k=1, **model)[0][0])
            if top <= 1e-12:
                raise ConfigError(f"run {i + 1}: lr_of_limit needs a loss that curves at its minimum "
                                  f"({_curved_losses()}, or an L2 penalty)")
            run.settings["lr"] = factor * 2.0 / top

    def _records_per_full_loss(self):
        """The full loss at every k-th record: its cost per frame stays that of budget.WHILE_PLAYING."""
        return max(1, int(budget.data_work(self.data) // budget.WHILE_PLAYING))

    def reset(self, whole_plan=True):
        """Every run back to the start with its current settings, computed ahead for the planned steps
        (which the plane is fitted to), or only a chunk ahead (the animation extends it as it plays)."""
        self.display_step = 0
        self.extra_steps = 0
        for run in self.runs:
            self._restart(run)
        self.compute_ahead(self.planned_steps if whole_plan else AHEAD)

    def relabel(self):
        """Name each run by what sets it apart (runs with a label of their own keep it); again after a
        language switch."""
        effective = [{**{k: r.settings.get(k) for k, _ in LABEL_KEYS if k not in MODEL_KEYS}, **self.model_of(r)}
                     for r in self.runs]
        for run, label in zip(self.runs, default_labels(effective)):
            run.auto_label = label

    def model_of(self, run):
        """The run's own loss settings: [model], with what the run overrides."""
        return {k: self.model[k] if run.settings.get(k) is None else run.settings[k] for k in MODEL_KEYS}

    def _restart(self, run):
        run.segments = [Segment(0, dict(run.settings), self.model_of(run))]
        start = self.start_of(run)
        run.state = kernels.OptimizerState.fresh(start)
        run.diverged_at = None
        run.outdated = False
        run.path = WeightPath(run.state, lambda state, t1: self._replay(run, state, t1))
        for name in ("loss_batch", "loss_full", "lr", "accuracy", "val_accuracy"):
            setattr(run, name, np.full(1, np.nan))
        run.loss_reg = run.a = run.b = run.off = np.zeros(0)
        self._evaluate_records(run, 0, run.state.W[None])

    def _replay(self, run, state, t1):
        """Run the optimizer again from `state` to step t1 under the segments in force: (W of every step
        state.step..t1, the state at t1). Deterministic, so it is exactly what the run did."""
        parts = [state.W[None]]
        for i, seg in enumerate(run.segments):
            seg_end = run.segments[i + 1].start if i + 1 < len(run.segments) else t1
            lo, hi = max(seg.start, state.step), min(seg_end, t1)
            if seg.W is not None and state.step == seg.start:
                state = _with_weights(state, seg.W)  # the hand edit at the segment's start
                parts[-1] = np.concatenate([parts[-1][:-1], seg.W[None]])
            if hi > lo:
                traj = kernels.run_optimizer(state, self.data.X, self.data.y, steps=hi - lo,
                                             **kernel_kwargs(seg.model, seg.settings, self.arch))
                parts.append(traj.W[1:])
                state = traj.state
        return np.concatenate(parts), state

    def compute_ahead(self, until):
        """Extend every live run to `until` steps (never past its own limit)."""
        for run in self.runs:
            end = min(until, self.limit_of(run))
            if run.diverged_at is None and run.head < end:
                self._extend(run, end - run.head)

    def _extend(self, run, n):
        """n more steps, in chunks that end at the path's checkpoints (where the state is kept)."""
        target = run.head + n
        while run.diverged_at is None and run.head < target:
            seg = run.segments[-1]
            first = run.head
            end = min(target, run.path.next_boundary(first))
            traj = kernels.run_optimizer(run.state, self.data.X, self.data.y, steps=end - first,
                                         full_loss_every=self._records_per_full_loss(),
                                         **kernel_kwargs(seg.model, seg.settings, self.arch))
            # the first record repeats the current head (its batch loss is new: fill it in)
            run.loss_batch[-1] = traj.loss_batch[0]
            run.lr[-1] = traj.lr[0]
            if not np.isnan(traj.loss_full[0]):
                run.loss_full[-1] = traj.loss_full[0]
            Ws = traj.W[1:]
            run.append(loss_batch=traj.loss_batch[1:], loss_full=traj.loss_full[1:], lr=traj.lr[1:])
            run.diverged_at = traj.diverged_at
            run.state = traj.state
            if traj.diverged_at is None:
                run.path.advance(traj.state, Ws)
            else:  # the kernel stopped at a non-finite step: its state is not a checkpoint
                run.path.grow(Ws)
            self._stop_blowup(run, first + 1)
            self._evaluate_records(run, first + 1, Ws[:run.head - first])

    def _stop_blowup(self, run, start):
        limit = BLOWUP * max(1.0, start_loss(run))
        with np.errstate(invalid="ignore"):
            over = np.flatnonzero(np.fmax(run.loss_batch[start:], run.loss_full[start:]) > limit)
        if over.size:
            k = start + over[0]
            run.truncate(k + 1)
            run.diverged_at = int(k)

    def _evaluate_records(self, run, start, Ws):
        """Accuracy, the penalty in force, and the projection onto the plane of records start.. of a run,
        whose weights are Ws."""
        reg = np.empty(len(Ws))
        for seg in run.segments:  # each record's penalty with the lam and regularizer of its own segment
            lo = max(seg.start, start) - start
            if lo < len(Ws):
                m = seg.model
                reg[lo:] = self.arch.penalty(Ws[lo:], m["reg"], m["lam"], m["l1_ratio"])
        run.loss_reg = np.concatenate([run.loss_reg[:start], reg])
        # on large data, accuracy (a pass over all of X) only where the full loss is recorded too
        every = self._records_per_full_loss()
        acc = np.full(len(Ws), np.nan)
        val = np.full(len(Ws), np.nan)
        steps = np.arange(start, start + len(Ws))
        pick = (steps % every == 0) | (steps == start + len(Ws) - 1)
        acc[pick] = architecture.accuracy(self.arch, Ws[pick], self.data.X, self.data.y)
        if len(self.data.y_val):
            val[pick] = architecture.accuracy(self.arch, Ws[pick], self.data.X_val, self.data.y_val)
        run.accuracy = np.concatenate([run.accuracy[:start], acc])
        run.val_accuracy = np.concatenate([run.val_accuracy[:start], val])
        if self.plane is not None and len(Ws):
            a, b, off = self.plane.project(Ws)
            run.a = np.concatenate([run.a[:start], a])
            run.b = np.concatenate([run.b[:start], b])
            run.off = np.concatenate([run.off[:start], off])

    def restart_outdated(self):
        """Restart from its start every run that diverged and whose settings changed since (Continue
        asks for it); returns them."""
        runs = [r for r in self.runs if r.outdated]
        for run in runs:
            self._restart(run)
        if runs:
            self.compute_ahead(self.display_step + AHEAD)
        return runs

    def seek(self, step):
        """Show `step` (clamped to 0 .. the furthest computed step): the records stay as they are."""
        self.display_step = int(min(max(step, 0), max(r.head for r in self.runs)))

    def advance(self, n=1):
        """Move the animation n steps, up to where the runs stop; returns False at the end."""
        target = min(self.display_step + n, self.planned_steps)
        if any(r.diverged_at is None and r.head < min(target, self.limit_of(r)) for r in self.runs):
            self.compute_ahead(target + AHEAD)  # in chunks: fewer, larger kernel calls
        self.display_step = min(target, max(r.head for r in self.runs))
        return not self.at_end()

    def _branch(self, run, W=None):
        """Cut a run at the shown step and continue from there with the current settings (and from W
        instead of the run's weights there, if given)."""
        t = run.shown(self.display_step)
        if W is None and run.diverged_by(t) is not None:
            # shown diverged: it stays so under a new setting (going on from a blown-up W would only
            # blow up again, across the picture); Continue restarts it with the new settings
            run.outdated = True
            return
        if t < run.head or run.diverged_at is not None or W is not None:
            run.state = run.path.state_at(t)
            run.truncate(t + 1)
            run.loss_batch[-1] = np.nan
            run.diverged_at = None
        if W is None and t > 0:  # a hand edit earlier at this step stays in force
            W = next((s.W for s in run.segments if s.start == t and s.W is not None), None)
        if W is not None:
            run.state = _with_weights(run.state, W)
            run.path.replace_head(run.state)
        else:
            run.path.head_state = run.state
        run.segments = [s for s in run.segments if s.start < t]
        run.segments.append(Segment(t, dict(run.settings), self.model_of(run), W))
        # record t is the first of the new segment: its loss and penalty are under the new settings
        run.loss_full[-1] = np.nan
        run.loss_reg, run.a, run.b, run.off = run.loss_reg[:t], run.a[:t], run.b[:t], run.off[:t]
        self._evaluate_records(run, t, run.state.W[None])

    def update_model(self, **changes):
        """Change [model] (loss / delta / reg / lam / l1_ratio) from the shown step on, for every run that
        does not override the key. Returns the set of changed keys."""
        for k in changes:
            if k not in MODEL_KEYS:
                raise ConfigError(f"[model] has no key {k!r}; allowed: {', '.join(MODEL_KEYS)}")
        before = [self.model_of(r) for r in self.runs]
        changed = self.config.update("model", **changes)
        self._branch_changed(before)
        self.relabel()
        return changed

    def update_run_model(self, index, **changes):
        """Change the model of one run as the controls do: a key that run overrides changes for that run
        alone; any other key is [model], shared by every run that does not override it."""
        run = self.runs[index]
        own = {k: v for k, v in changes.items() if run.settings.get(k) is not None}
        shared = {k: v for k, v in changes.items() if k not in own}
        changed = self.update_model(**shared) if shared else set()
        if own and self.update_run(index, **own):
            changed |= set(own)
        return changed

    def share_model(self, index):
        """Every run takes run `index`'s loss and regularization: [model] becomes its model and no run
        overrides it any more."""
        before = [self.model_of(r) for r in self.runs]
        self.config.update("model", **self.model_of(self.runs[index]))
        for run in self.runs:
            run.settings.update({key: None for key in MODEL_KEYS})
        self._branch_changed(before)
        self.relabel()

    def _branch_changed(self, before):
        """Continue, from the shown step, every run whose model is no longer `before`."""
        moved = False
        for run, old in zip(self.runs, before):
            if self.model_of(run) != old:
                self._branch(run)
                moved = True
        if moved:
            self.compute_ahead(self.display_step + AHEAD)

    def update_run(self, index, **changes):
        """Change one run's optimizer settings from the shown step on (name, lr, batch_size, ...)."""
        run = self.runs[index]
        new = dict(run.settings)
        for k, v in changes.items():
            if k not in RUN:
                raise ConfigError(f"[optimizer] has no key {k!r}; allowed: {', '.join(RUN)}")
            new[k] = v if v is None else RUN[k][1](f"[optimizer] {k}", v)
        if "lr" in changes and "lr_of_limit" not in changes:
            new["lr_of_limit"] = 0.0  # a step size set by hand is no longer a fraction of the limit
        if new == run.settings:
            return False
        run.settings.update(new)
        self.relabel()
        self._branch(run)
        self.compute_ahead(self.display_step + AHEAD)
        return True

    def add_run(self, **changes):
        if len(self.runs) >= MAX_RUNS:
            raise ConfigError(f"at most {MAX_RUNS} runs can be compared at once")
        # a copy of the selected run: its settings and its own start (if it was moved)
        source = self.runs[self.selected] if self.runs else None
        base = dict(source.settings) if source else dict(self.config.optimizer)
        base["label"] = ""
        for k, v in changes.items():
            base[k] = OPTIMIZER[k][1](f"[optimizer] {k}", v)
        used = {r.color for r in self.runs}
        color = next((c for c in PALETTE if c not in used), PALETTE[len(self.runs) % len(PALETTE)])
        run = Run(base, color)
        run.start = None if source is None or source.start is None else source.start.copy()
        self.runs.append(run)
        self.config.runs.append(base)
        self.relabel()
        self._restart(run)  # before select: a plane through the selected run reads its weights
        self.compute_ahead(self.display_step + AHEAD)
        self.select(len(self.runs) - 1)
        return run

    def remove_run(self, index):
        if len(self.runs) <= 1:
            raise ConfigError("a demo needs at least one run")
        was = self.selected
        del self.runs[index]
        del self.config.runs[index]
        self.relabel()
        if was >= index and was > 0:
            self.config.update("view", selected=was - 1)
        if was == index and planes.PLANES[self.config.landscape["plane"]].at_selected:
            self.fit_plane()  # the plane went through the run removed: now through the one selected
        return True

    def edit_weights(self, index, W):
        """Set run `index`'s W at the shown step by hand (the Weights tab's nudges); the run goes on from
        there, its optimizer buffers as they were. At step 0 this is the run's own start."""
        run = self.runs[index]
        W = np.array(W, dtype=np.float64)
        if W.shape != run.W[0].shape or not np.isfinite(W).all():
            raise ConfigError(f"W must be finite numbers of shape {run.W[0].shape}")
        if run.shown(self.display_step) == 0:
            self.set_start(W, index)
            return True
        self._branch(run, W)
        self.compute_ahead(self.display_step + AHEAD)
        return True

    def start_of(self, run):
        """A run's own start if it has one; else the common start, or for a network (without a common
        start in the demo) the start of the run's seed."""
        if run.start is not None:
            return run.start
        if self.config.start is None and (self.arch.kind == "mlp" or self.config.model["init"] == "per_run"):
            start = self._seeded_start(run.settings["seed"])
        else:
            start = self.W_start
        scale = run.settings.get("unit_scale", 1.0)
        return self.arch.rescale_units(start, scale) if scale != 1.0 and self.arch.kind == "mlp" else start

    def set_start(self, W, run_index=None):
        """Start every run at W (run_index None), or only that run; the runs restart."""
        W = np.array(W, dtype=np.float64)
        if run_index is None:
            self.W_start = W
            self.config.start = (W[None] if W.ndim == 1 else W).tolist()
            for run in self.runs:
                run.start = None
            self.reset(whole_plan=False)
        else:
            run = self.runs[run_index]
            run.start = W
            self._restart(run)
            self.compute_ahead(self.display_step + AHEAD)

    def set_start_on_plane(self, a, b, run_index=None):
        self.set_start(self.plane.point(a, b), run_index)

    def move_point(self, index, xy):
        """Drag a training example to new (standardized) feature values; runs restart, the landscape is
        recomputed."""
        X = self.data.X.copy()
        X[index, :len(xy)] = xy
        self.data.X = X
        self.data_version += 1
        keep = self.display_step
        self.reset(whole_plan=False)
        self.advance(keep)

    # ------------------------------------------------------------------------------------ plane
    def set_landscape(self, **changes):
        """Change [landscape] keys (validated); a new plane or framing is fitted at once. Returns the set
        of changed keys."""
        before = dict(self.config.landscape)
        changed = self.config.update("landscape", **changes)
        if changed & {"plane", "entries", "seed", "span", "extent"}:
            try:
                self.fit_plane()
            except ConfigError:
                self.config.landscape.clear()  # a plane this model cannot have: the demo stays as it was
                self.config.landscape.update(before)
                self.fit_plane()
                raise
        return changed

    def set_view(self, **changes):
        """Change [view] keys (validated): speed, note, gradient_spread. Returns the changed keys."""
        return self.config.update("view", **changes)

    def remember(self, key, compute):
        """compute(), remembered under `key`: the animation asks for the same exact losses, gradient
        spreads and curvature several frames in a row (a step lasts a few frames), and each is a pass
        over the data."""
        if key not in self._remembered:
            if len(self._remembered) >= 256:
                self._remembered.clear()
            self._remembered[key] = compute()
        return self._remembered[key]

    def _loss_at(self, W, model):
        W = np.asarray(W, dtype=np.float64)
        key = ("loss", W.shape, W.tobytes(), tuple(sorted(model.items())), self.data_version)
        return self.remember(key, lambda: float(self.arch.loss_and_grad(W, self.data.X, self.data.y, **model)[0]))

    def plane_loss(self, a, b):
        """The landscape model's loss at W0 + a U + b V, computed exactly (not read off the grid)."""
        return self._loss_at(self.plane.point(a, b), self.landscape_model())

    def run_loss(self, index, step=None):
        """Run `index`'s own loss (its model) at its W at `step` (default: the shown step), exactly."""
        run = self.runs[index]
        t = run.shown(self.display_step if step is None else step)
        return self._loss_at(run.W[t], run.model_at(t))

    def gradient_spread(self, run_index, samples=24):
        """Where one step would go from the selected run's shown point, in plane coordinates: with the
        full-batch gradient, and with `samples` random minibatches of the run's batch size.
        Returns (origin (2,), full step (2,), minibatch steps (samples, 2)); computed once per shown
        point, not once per frame."""
        run = self.runs[run_index]
        i = run.shown(self.display_step)
        W = run.W[i]
        kw = self.model_of(run)
        lr = run.lr[i] if np.isfinite(run.lr[i]) else run.settings["lr"]
        B = min(run.settings["batch_size"], self.data.N)
        key = ("spread", i, W.tobytes(), tuple(sorted(kw.items())), float(lr), B, samples, self.plane_version,
               self.data_version, float(run.a[i]), float(run.b[i]))
        return self.remember(key, lambda: self._spread(run, i, W, kw, lr, B, samples))

    def _spread(self, run, i, W, kw, lr, B, samples):
        rng = np.random.default_rng(i)
        steps = [-lr * self.arch.loss_and_grad(W, self.data.X, self.data.y, **kw)[1]]
        for _ in range(samples):
            rows = rng.choice(self.data.N, B, replace=False)
            steps.append(-lr * self.arch.loss_and_grad(W, self.data.X[rows], self.data.y[rows], **kw)[1])
        coef = self.plane.direction(np.array(steps))
        return np.array([run.a[i], run.b[i]]), coef[0], coef[1:]


def _with_weights(state, W):
    """The optimizer state with W replaced (its step and buffers kept)."""
    return kernels.OptimizerState(np.array(W, dtype=np.float64), int(state.step), state.velocity.copy(),
                                  state.first.copy(), state.second.copy())


def _curves(model):
    """Whether the loss of `model` curves (a Hessian other than 0 almost everywhere): a smooth loss, or an
    L2 part in its penalty."""
    l2_weight = kernels.reg_weights(model["reg"], model["l1_ratio"])[1]
    return kernels.LOSS_SPECS[model["loss"]].hessian is not None or (l2_weight > 0 and model["lam"] > 0)


def _curved_losses():
    return " or ".join(s.short for s in kernels.LOSS_SPECS.values() if s.hessian)
