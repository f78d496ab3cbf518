"""The demo config: defaults, round trip through TOML, and errors that name the key."""

import pytest

from losscape_lab.visualizer.session import config as C
from losscape_lab.visualizer.session import presets


def test_defaults_are_a_valid_demo():
    cfg = C.Config()
    assert cfg.model["loss"] == "softmax" and cfg.model["reg"] == "l2"
    assert len(cfg.runs) == 1 and cfg.runs[0] == cfg.optimizer


def test_round_trip_through_toml():
    text = """
[data]
name = "blobs"
n = 120
[model]
loss = "hinge"
lam = 0.01
[optimizer]
name = "sgd"
lr = 0.5
[[run]]
batch_size = 1
[[run]]
name = "adam"
label = "Adam"
[landscape]
plane = "weights"
entries = [[0, 1], [2, 0]]
"""
    cfg = C.loads(text)
    assert [r["batch_size"] for r in cfg.runs] == [1, 32]
    assert cfg.runs[1]["name"] == "adam" and cfg.runs[1]["lr"] == 0.5
    again = C.loads(C.dumps(cfg))
    assert again == cfg


@pytest.mark.parametrize("text, message", [
    ("[model]\nloss = 'svm'", r"\[model\] loss must be one of 'hinge'"),
    ("[optimizer]\nseed = 99999999999999999999", r"\[optimizer\] seed must be >= 0 and <= 9223372036854775807"),
    ("[optimizer]\nbatch_size = 9223372036854775808", r"batch_size must be >= 1 and <= 9223372036854775807"),
    ("[optimizer]\nsteps = 100001", r"\[optimizer\] steps must be >= 1 and <= 100000"),
    ("[model]\nlam = -1", r"\[model\] lam must be >= 0.0"),
    ("[model]\nlamda = 1", r"\[model\] has no key 'lamda'; allowed: loss, delta"),
    ("[optimizer]\nlr = 'fast'", r"\[optimizer\] lr must be a number"),
    ("[optimizer]\nbatch_size = 2.5", r"\[optimizer\] batch_size must be an integer"),
    ("[optimizer]\nprox = 1", r"\[optimizer\] prox must be true or false"),
    ("[[run]]\nmomentum = 1.0", r"\[run 1\] momentum must be >= 0.0 and < 1.0"),
    ("[landscape]\nplane = 'curved'", r"\[landscape\] plane must be one of 'pca', 'endpoints', 'weights', 'random'"),
    ("[landscape]\nresolution = 4", r"\[landscape\] resolution must be >= 16 and <= 512"),
    ("[landscape]\nentries = [[0, 0]]", r"\[landscape\] entries must be two"),
    ("[sgd]\nlr = 1", r"unknown table \[sgd\]"),
    ("[data]\nn = 3", r"\[data\] must be a table with a name"),
    ("[model\nloss = 1", "not valid TOML"),
    ("start = [[1, 2], [3]]", "start must be a matrix"),
])
def test_bad_config_names_the_key(text, message):
    with pytest.raises(C.ConfigError, match=message):
        C.loads(text, "demo.toml")


def test_missing_and_unreadable_files(tmp_path):
    with pytest.raises(C.ConfigError, match="no such file"):
        C.load(tmp_path / "nope.toml")
    bad = tmp_path / "bad.toml"
    bad.write_bytes(b"\xff\xfe\x00")
    with pytest.raises(C.ConfigError, match="cannot read"):
        C.load(bad)


def test_every_preset_is_a_valid_config():
    found = presets.available()
    assert len(found) >= 6
    for name in found:
        presets.load(name)
    with pytest.raises(C.ConfigError, match="no preset 'nope'; available: "):
        presets.load("nope")
