"""The demo configuration: what a TOML file (or a preset) says, validated with messages that name the key.

    [data]       name = "blobs" | ... ; path, n, seed, ...        (checked by datasets.load)
    [model]      loss, delta, reg, lam, l1_ratio, init_scale
    [optimizer]  name, lr, batch_size, steps, seed, momentum, beta1, beta2, rho, schedule, decay,
                 step_every, horizon, prox, label
    [[run]]      any [optimizer] key, overriding it for one of several runs compared together
    [landscape]  plane (one of plane.PLANES), resolution, span, entries, seed, log_scale, contours
    [view]       speed (steps per second), note (what to look at, shown with the landscape),
                 gradient_spread (minibatch steps drawn around the full-batch step), selected (the run
                 whose model the landscape shows)
"""

import copy
import math
import tomllib
from dataclasses import dataclass, field

from losscape_lab import kernels
from .errors import ConfigError
from .plane import DEFAULT_PLANE, PLANES
from .reading import read_file


INT_MAX = 2**63 - 1  # the kernels take 64-bit integers
MAX_STEPS = 100_000  # one cap for the config, the command line's --steps and Continue
MAX_WEIGHT = 1e6  # a start W (or init_scale) beyond this makes every score overflow or saturate


def _number(kind, low=None, high=None, low_open=False, high_open=False):
    if kind is int and high is None:
        high = INT_MAX

    def check(where, v):
        if isinstance(v, bool) or not isinstance(v, (int, float)) or (kind is int and not isinstance(v, int)):
            raise ConfigError(f"{where} must be {'an integer' if kind is int else 'a number'}; got {v!r}")
        if not math.isfinite(v):
            raise ConfigError(f"{where} must be finite; got {v!r}")
        bad_low = low is not None and (v < low or (low_open and v == low))
        bad_high = high is not None and (v > high or (high_open and v == high))
        if bad_low or bad_high:
            lo = "" if low is None else f"{'>' if low_open else '>='} {low}"
            hi = "" if high is None else f"{'<' if high_open else '<='} {high}"
            raise ConfigError(f"{where} must be {' and '.join(x for x in (lo, hi) if x)}; got {v!r}")
        return kind(v)
    return check


def _choice(options):
    def check(where, v):
        if v not in options:
            raise ConfigError(f"{where} must be one of {', '.join(map(repr, options))}; got {v!r}")
        return v
    return check


def _bool(where, v):
    if not isinstance(v, bool):
        raise ConfigError(f"{where} must be true or false; got {v!r}")
    return v


def _text(where, v):
    if not isinstance(v, str):
        raise ConfigError(f"{where} must be a string; got {v!r}")
    return v


def _extent(where, v):
    ok = isinstance(v, list) and (v == [] or (len(v) == 4 and all(
        isinstance(x, (int, float)) and not isinstance(x, bool) and math.isfinite(x) for x in v)
        and v[0] < v[1] and v[2] < v[3]))
    if not ok:
        raise ConfigError(f"{where} must be [a_min, a_max, b_min, b_max] with min < max (or [] to fit the runs); "
                          f"got {v!r}")
    return [float(x) for x in v]


def _entries(where, v):
    ok = (isinstance(v, list) and len(v) == 2 and all(
        isinstance(e, list) and len(e) == 2 and all(isinstance(i, int) and not isinstance(i, bool) and i >= 0
                                                    for i in e) for e in v))
    if not ok:
        raise ConfigError(f"{where} must be two [row, column] pairs of W, like [[0, 0], [1, 0]]; got {v!r}")
    return [list(e) for e in v]


MODEL = {
    "loss": ("softmax", _choice(tuple(kernels.LOSSES))),
    "delta": (1.0, _number(float, 0.0)),
    "reg": ("l2", _choice(tuple(kernels.REGS))),
    "lam": (1e-3, _number(float, 0.0)),
    "l1_ratio": (0.5, _number(float, 0.0, 1.0)),
    "init_scale": (1e-3, _number(float, 0.0, MAX_WEIGHT)),
    # "random": one common start from [optimizer] seed (a network: each run from its own seed);
    # "per_run": each run from its own seed; "near_minimum": the loss's minimum moved init_offset along
    # the Hessian's top eigenvector
    "init": ("random", _choice(("random", "per_run", "near_minimum"))),
    "init_offset": (0.3, _number(float, 0.0, MAX_WEIGHT)),
    # what the runs train: the linear classifier, or a network with one hidden layer of `hidden` units
    "kind": ("linear", _choice(("linear", "mlp"))),
    "hidden": (16, _number(int, 1, 256)),
    "activation": ("relu", _choice(("relu", "tanh"))),
}
OPTIMIZER = {
    "name": ("sgd", _choice(tuple(kernels.OPTIMIZERS))),
    "lr": (0.1, _number(float, 0.0, low_open=True)),
    "batch_size": (32, _number(int, 1)),
    "steps": (300, _number(int, 1, MAX_STEPS)),
    "seed": (0, _number(int, 0)),
    "momentum": (0.9, _number(float, 0.0, 1.0, high_open=True)),
    "beta1": (0.9, _number(float, 0.0, 1.0, high_open=True)),
    "beta2": (0.999, _number(float, 0.0, 1.0, high_open=True)),
    "rho": (0.99, _number(float, 0.0, 1.0, high_open=True)),
    "schedule": ("constant", _choice(tuple(kernels.SCHEDULES))),
    "decay": (0.5, _number(float, 0.0)),
    "step_every": (100, _number(int, 1)),
    "horizon": (1000, _number(int, 1)),
    "prox": (False, _bool),
    "label": ("", _text),
    # > 0: lr is this many times 2 / lambda_max at the loss's minimum (the largest stable step there),
    # computed when the demo loads
    "lr_of_limit": (0.0, _number(float, 0.0, 100.0)),
    # a network's run starts with every hidden unit's incoming weights times this and its outgoing
    # weights divided by it: the same function (ReLU), another point of weight space
    "unit_scale": (1.0, _number(float, 1e-3, 1e3)),
}
# A run may also set its own loss or regularization (compared on the [model] landscape); None: as [model].
RUN = {**OPTIMIZER, **{k: (None, MODEL[k][1]) for k in ("loss", "delta", "reg", "lam", "l1_ratio")}}
LECTURE = {
    "question": ("", _text),
    "look": ("", _text),  # what to look at
    "answer": ("", _text),  # shown once the viewer has looked
    "highlight": ("landscape", _choice(("landscape", "data", "curves", "lecture"))),
    "model_switch": (False, _bool),  # the question stays when the Data box switches the model (its look asks to)
    # the step the question is about: the demo opens there, paused (loss-at-init: 0); unset, it plays
    "at_step": (None, _number(int, 0, MAX_STEPS)),
}
LANDSCAPE = {
    "plane": (DEFAULT_PLANE, _choice(tuple(PLANES))),
    "resolution": (128, _number(int, 16, 512)),
    "span": (0.5, _number(float, 0.0, 10.0)),
    "entries": ([[0, 0], [1, 0]], _entries),
    "extent": ([], _extent),  # fixed view [a_min, a_max, b_min, b_max]; [] frames the runs
    "seed": (0, _number(int, 0)),
    "log_scale": (False, _bool),
    "contours": (8, _number(int, 0, 30)),
}
MAX_RUNS = 8
VIEW = {
    "speed": (30.0, _number(float, 0.1, 5000.0)),
    "selected": (0, _number(int, 0, MAX_RUNS - 1)),  # the run whose model the landscape shows
    "note": ("", _text),  # one or two sentences shown under the landscape: what to look at
    "gradient_spread": (False, _bool),  # draw minibatch steps around the full-batch step at the head
}
TABLES = {"model": MODEL, "optimizer": OPTIMIZER, "landscape": LANDSCAPE, "view": VIEW, "lecture": LECTURE}


def _table(name, schema, given):
    if not isinstance(given, dict):
        raise ConfigError(f"[{name}] must be a table; got {given!r}")
    unknown = sorted(set(given) - set(schema))
    if unknown:
        raise ConfigError(f"[{name}] has no key {unknown[0]!r}; allowed: {', '.join(schema)}")
    return {k: check(f"[{name}] {k}", given[k]) if k in given else copy.deepcopy(default)
            for k, (default, check) in schema.items()}


@dataclass
class Config:
    """A validated demo. `runs` holds each run's complete optimizer settings ([optimizer] + [[run]])."""
    data: dict = field(default_factory=lambda: {"name": "blobs", "n": 300, "seed": 0})
    model: dict = field(default_factory=lambda: _table("model", MODEL, {}))
    optimizer: dict = field(default_factory=lambda: _table("optimizer", OPTIMIZER, {}))
    runs: list = field(default_factory=list)
    landscape: dict = field(default_factory=lambda: _table("landscape", LANDSCAPE, {}))
    view: dict = field(default_factory=lambda: _table("view", VIEW, {}))
    start: list | None = None  # the common start W as nested lists (D x C), None for a seeded random one
    lecture: dict = field(default_factory=dict)  # question, look, answer, highlight (lecture presets)

    def __post_init__(self):
        if not self.runs:
            self.runs = [dict(self.optimizer)]

    def update(self, table, **changes):
        """Validated change of keys of one table ("model", "landscape", "view", ...): the one way the app
        writes the config. Returns the set of keys whose value changed."""
        schema, current = TABLES[table], getattr(self, table)
        unknown = sorted(set(changes) - set(schema))
        if unknown:
            raise ConfigError(f"[{table}] has no key {unknown[0]!r}; allowed: {', '.join(schema)}")
        checked = {k: schema[k][1](f"[{table}] {k}", v) for k, v in changes.items()}
        changed = {k for k, v in checked.items() if current[k] != v}
        current.update(checked)
        return changed


def from_dict(d):
    if not isinstance(d, dict):
        raise ConfigError("a config must be a table of tables")
    allowed = ("data", "model", "optimizer", "run", "landscape", "view", "start", "lecture")
    unknown = sorted(set(d) - set(allowed))
    if unknown:
        raise ConfigError(f"unknown table [{unknown[0]}]; allowed: {', '.join(allowed)}")
    data = d.get("data", {"name": "blobs"})
    if not isinstance(data, dict) or "name" not in data:
        raise ConfigError("[data] must be a table with a name, like name = \"blobs\"")
    opt = _table("optimizer", OPTIMIZER, d.get("optimizer", {}))
    run_tables = d.get("run", [])
    if not isinstance(run_tables, list) or not all(isinstance(r, dict) for r in run_tables):
        raise ConfigError("[[run]] must be an array of tables")
    if len(run_tables) > MAX_RUNS:
        raise ConfigError(f"[[run]] holds {len(run_tables)} runs; at most {MAX_RUNS}")
    runs = [_table(f"run {i + 1}", RUN, {**opt, **r}) for i, r in enumerate(run_tables)] or [dict(opt)]
    start = d.get("start")
    if start is not None and not (isinstance(start, list) and start and all(
            isinstance(r, list) and r and all(isinstance(v, (int, float)) and not isinstance(v, bool)
                                              and math.isfinite(v) for v in r) for r in start)
            and len({len(r) for r in start}) == 1):
        raise ConfigError("start must be a matrix of finite numbers (D rows of C), like [[0.0, 0.1], ...]")
    if start is not None and max(abs(v) for r in start for v in r) > MAX_WEIGHT:
        raise ConfigError(f"start entries must be within -{MAX_WEIGHT:g}..{MAX_WEIGHT:g}")
    view = _table("view", VIEW, d.get("view", {}))
    if view["selected"] >= len(runs):
        raise ConfigError(f"[view] selected = {view['selected']} names no run; there are {len(runs)} "
                          f"(counted from 0)")
    return Config(data=dict(data), model=_table("model", MODEL, d.get("model", {})), optimizer=opt, runs=runs,
                  landscape=_table("landscape", LANDSCAPE, d.get("landscape", {})), view=view, start=start,
                  lecture=_table("lecture", LECTURE, d["lecture"]) if "lecture" in d else {})


def loads(text, source="config"):
    try:
        d = tomllib.loads(text)
    except tomllib.TOMLDecodeError as e:
        raise ConfigError(f"{source}: not valid TOML: {e}") from None
    except RecursionError:
        raise ConfigError(f"{source}: not valid TOML: arrays or tables nested too deeply") from None
    try:
        return from_dict(d)
    except ConfigError as e:
        raise ConfigError(f"{source}: {e}") from None


MAX_CONFIG_BYTES = 1 << 20  # a demo is a few hundred lines


def load(path):
    raw = read_file(path, MAX_CONFIG_BYTES, ConfigError)
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as e:
        raise ConfigError(f"{path}: cannot read: {e}") from None
    return loads(text, str(path))


def to_dict(cfg):
    """The config as TOML-ready tables; run settings equal to [optimizer] are left out."""
    d = {"data": dict(cfg.data), "model": dict(cfg.model), "optimizer": dict(cfg.optimizer),
         "landscape": dict(cfg.landscape), "view": dict(cfg.view)}
    runs = [{k: v for k, v in r.items() if v is not None} for r in cfg.runs]  # TOML has no None
    if len(runs) > 1 or runs[0] != cfg.optimizer:
        d["run"] = [{k: v for k, v in r.items() if v != cfg.optimizer.get(k)} for r in runs]
    if cfg.start is not None:
        d["start"] = cfg.start
    if cfg.lecture:
        d["lecture"] = {k: v for k, v in cfg.lecture.items() if v is not None}
    return d


def dumps(cfg):
    import tomli_w  # writing only: reading uses the stdlib's tomllib
    return tomli_w.dumps(to_dict(cfg))


def on_other_data(config, data):
    """The same demo on another data set ([data] table `data`): a start W or two chosen entries of W
    belong to the old data's shape, and a lecture text to the old demo: they go."""
    config = copy.deepcopy(config)
    config.data, config.start, config.lecture = data, None, {}
    config.landscape["entries"] = LANDSCAPE["entries"][0]
    config.view["note"] = ""
    return config


def on_other_model(config, arch):
    """The same demo training another model (`arch`: [model] kind, hidden, activation), from its own
    start: a start W belongs to the old parameters, and a network takes only the planes its flat
    parameters can (PlaneSpec.for_network) and no lr_of_limit (it has no single minimum)."""
    config = copy.deepcopy(config)
    config.model.update(arch)
    config.start = None
    if not config.lecture.get("model_switch"):
        config.lecture, config.view["note"] = {}, ""  # the question was about the other model
    if arch["kind"] == "mlp":
        config.model["init"] = "random"
        if not PLANES[config.landscape["plane"]].for_network:
            config.landscape["plane"] = DEFAULT_PLANE
        for run in config.runs:
            run["lr_of_limit"] = 0.0
    return config
