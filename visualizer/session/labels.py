"""How runs and models are named: titles ("hinge loss, L2 lambda 0.01") and runs' default labels (what
differs between them). Qt-free; every text goes through i18n."""

from losscape_lab import kernels
from ..i18n import N_, tr

# each penalty as a title and a run's label name it (a loss's names are in its spec: kernels.LOSS_SPECS)
SHORT_NAMES = {"none": N_("no penalty"), "l2": "L2", "l1": "L1", "elastic": N_("elastic net")}


def describe_model(m):
    """'hinge loss, delta 2, L2 lambda 0.01': one model's loss and penalty, as titles show it."""
    spec = kernels.LOSS_SPECS[m["loss"]]
    loss = tr(spec.title)
    if spec.uses_delta:
        loss = tr("{loss}, delta {delta}", loss=loss, delta=f"{m['delta']:g}")
    if m["reg"] == "none" or m["lam"] == 0:
        return tr("{loss}, no regularization", loss=loss)
    penalty = tr(SHORT_NAMES[m["reg"]])
    if m["reg"] == "elastic":
        penalty = tr("{penalty} (L1 ratio {ratio})", penalty=penalty, ratio=f"{m['l1_ratio']:g}")
    return tr("{loss}, {penalty} lambda {lam}", loss=loss, penalty=penalty, lam=f"{m['lam']:g}")


# what a default label may name, in this order, with its short name
LABEL_KEYS = (("name", ""), ("lr", "lr="), ("batch_size", "B="), ("loss", ""), ("delta", "delta="),
              ("reg", ""), ("lam", "lambda="), ("l1_ratio", N_("L1 ratio=")), ("momentum", N_("momentum=")),
              ("beta1", "beta1="), ("beta2", "beta2="), ("rho", "rho="), ("schedule", ""),
              ("decay", N_("decay=")), ("step_every", N_("every=")), ("horizon", N_("horizon=")),
              ("prox", N_("prox=")), ("seed", N_("seed=")))
# the schedules as a run's label names them (a method's name is in its spec: kernels.OPTIMIZER_SPECS)
LABEL_WORDS = {"constant": N_("constant"), "step": N_("step decay"), "inv_t": N_("1/t decay"),
               "cosine": N_("cosine")}


def default_labels(effective):
    """Labels for runs from their effective settings (optimizer settings and model merged): what differs
    between them, so two runs never share a label ('gd lr=0.3' twice, when the loss was the difference).
    A single run, or runs alike, are named by method and step size."""
    def show(k, v):
        if k == "loss":
            return tr(kernels.LOSS_SPECS[v].short)
        if k == "name":
            return tr(kernels.OPTIMIZER_SPECS[v].label)
        if k == "reg":
            return tr(SHORT_NAMES[v])
        if k == "schedule":
            return tr(LABEL_WORDS[v])
        return f"{v:g}" if isinstance(v, float) else str(v)

    keys = [(k, short) for k, short in LABEL_KEYS if len({repr(e[k]) for e in effective}) > 1]
    if not keys:
        keys = [("name", ""), ("lr", "lr=")]
    labels = [" ".join(f"{tr(short)}{show(k, e[k])}" for k, short in keys) for e in effective]
    return [f"{label} #{i + 1}" if labels.count(label) > 1 else label for i, label in enumerate(labels)]
