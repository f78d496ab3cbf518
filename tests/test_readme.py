"""The README's tables of losses and optimizers are the specs' (kernels/specs.py), so the two cannot drift
apart. After changing a spec: `python tests/test_readme.py --write` rewrites the tables."""

import math
import pathlib
import sys

import pytest

from losscape_lab import kernels
from losscape_lab.kernels.specs import CONVENTIONS

README = pathlib.Path(__file__).resolve().parents[1] / "README.md"
BEGIN, END = "<!-- specs: read from kernels/specs.py by tests/test_readme.py -->", "<!-- /specs -->"


def tables():
    lines = ["| loss | L_i for scores s, label y | at W = 0 | |", "|---|---|---|---|"]
    lines += [f"| `{s.name}` | `{s.formula}` | `{s.at_zero_formula}` | {s.about} |" for s in kernels.LOSS_SPECS.values()]
    lines += ["", "| optimizer | update (g: minibatch gradient at W, lr: the schedule's step size at step t) | "
              "hyper-parameters | unlike torch.optim |", "|---|---|---|---|"]
    lines += [f"| `{s.name}` | `{s.rule}` | {', '.join(s.hyperparameters) or '-'} | {s.torch or '-'} |"
              for s in kernels.OPTIMIZER_SPECS.values()]
    lines += [""] + [f"- {c[0].upper()}{c[1:]}." for c in CONVENTIONS]
    return "\n".join([BEGIN, *lines, END])


def block(text):
    start, stop = text.index(BEGIN), text.index(END) + len(END)
    return start, stop


def test_the_readme_states_the_specs():
    text = README.read_text(encoding="utf-8")
    start, stop = block(text)
    assert text[start:stop] == tables(), "run `python tests/test_readme.py --write`"


@pytest.mark.parametrize("spec", kernels.LOSS_SPECS.values(), ids=lambda s: s.name)
def test_the_loss_at_zero_is_what_the_kernel_computes(spec):
    """Every score 0 at W = 0: each spec's formula for it, against the loss kernel, for a few C and delta."""
    import numpy as np

    rng = np.random.default_rng(0)
    for C, delta in ((2, 1.0), (3, 0.5), (10, 2.0)):
        X = rng.normal(size=(7, 4))
        y = np.arange(7) % C
        L = kernels.loss_and_grad(np.zeros((4, C)), X, y, loss=spec.name, delta=delta)[0]
        assert L == pytest.approx(spec.at_zero(C, delta), rel=1e-12)
    assert kernels.LOSS_SPECS["softmax"].at_zero(10) == pytest.approx(math.log(10), rel=1e-15)  # the lecture's ln C


if __name__ == "__main__" and sys.argv[1:] == ["--write"]:
    text = README.read_text(encoding="utf-8")
    start, stop = block(text)
    README.write_text(text[:start] + tables() + text[stop:], encoding="utf-8")
