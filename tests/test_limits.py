"""Limits and faults: hostile or mistaken input gets one clear line and exit code 2, never a traceback,
an endless read, or an allocation without bound."""

import os

import pytest

from losscape_lab.visualizer.app import main

CASES = {
    "entries outside W": ('[landscape]\nplane="weights"\nentries=[[9,0],[1,0]]\n',
                          "[landscape] entries: W[9, 0] is outside W, which is 3 x 3"),
    "entries repeated": ('[landscape]\nplane="weights"\nentries=[[0,0],[0,0]]\n',
                         "[landscape] entries must name two different entries of W"),
    "huge init_scale": ("[model]\ninit_scale=1e308\n", "[model] init_scale must be >= 0.0 and <= 1000000.0"),
    "huge start": ("start = [[1e308, 0, 0],[0,0,0],[0,0,0]]\n", "start entries must be within -1e+06..1e+06"),
    "deep nesting": ("start = " + "[" * 5000 + "]" * 5000 + "\n", "nested too deeply"),
    "a million classes": ('[data]\nname="scores"\nlabels=[0, 1000000]\n', "at most 1000 examples of classes 0 to 99"),
    "huge seed": ("[optimizer]\nseed = 99999999999999999999\n", "seed must be >= 0 and <= 9223372036854775807"),
    "csv from a device": ('[data]\nname="csv"\npath="/dev/zero"\n', "/dev/zero: not a regular file"),
    "NUL in a path": ('[data]\nname="csv"\npath="a\\u0000b"\n', "cannot read: embedded null byte"),
}


def run(capsys, *argv):
    code = main(list(argv))
    err = capsys.readouterr().err
    return code, err


@pytest.mark.parametrize("name", CASES)
def test_bad_demo_files_are_one_line(name, tmp_path, capsys):
    text, message = CASES[name]
    cfg = tmp_path / "demo.toml"
    cfg.write_text(text)
    code, err = run(capsys, "export", "--config", str(cfg), "--out", str(tmp_path / "o.csv"))
    assert code == 2 and message in err, err
    assert err.count("\n") == 1 and "unexpected" not in err and "Warning" not in err
    assert not (tmp_path / "o.csv").exists()


@pytest.mark.parametrize("path", ["/dev/zero", "fifo"])
def test_a_config_that_is_not_a_regular_file_is_refused_at_once(path, tmp_path, capsys):
    if path == "fifo":
        path = str(tmp_path / "fifo.toml")
        os.mkfifo(path)
    code, err = run(capsys, "export", "--config", path, "--out", str(tmp_path / "o.csv"))
    assert code == 2 and "not a regular file" in err


def test_files_over_the_limit_say_the_limit_and_how_to_subsample(tmp_path, capsys):
    big = tmp_path / "big.toml"
    with open(big, "wb") as f:
        f.truncate(2 << 20)  # sparse: no disk used
    code, err = run(capsys, "export", "--config", str(big), "--out", str(tmp_path / "o.csv"))
    assert code == 2 and "2 MB is more than the 1 MB a file may have" in err
    csv = tmp_path / "big.csv"
    with open(csv, "wb") as f:
        f.truncate(301 << 20)
    cfg = tmp_path / "d.toml"
    cfg.write_text(f'[data]\nname="csv"\npath="{csv}"\n')
    code, err = run(capsys, "export", "--config", str(cfg), "--out", str(tmp_path / "o.csv"))
    assert code == 2 and "more than the 300 MB a file may have: use a subsample" in err


# ------------------------------------------------------------------------------------------- files
def test_writes_go_through_a_symlink_and_keep_the_mode(tmp_path):
    from losscape_lab.visualizer.files import write_atomically

    target = tmp_path / "real.csv"
    target.write_text("old")
    os.chmod(target, 0o640)
    link = tmp_path / "link.csv"
    link.symlink_to(target)
    write_atomically(str(link), b"new")
    assert link.is_symlink() and target.read_text() == "new"
    assert (target.stat().st_mode & 0o777) == 0o640
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".losscape-")] == []


def test_what_is_not_a_regular_writable_file_is_not_replaced(tmp_path, capsys):
    from losscape_lab.visualizer.files import write_atomically

    ro = tmp_path / "ro.csv"
    ro.write_text("keep")
    os.chmod(ro, 0o444)
    with pytest.raises(PermissionError, match="read-only"):
        write_atomically(str(ro), b"new")
    assert ro.read_text() == "keep" and (ro.stat().st_mode & 0o777) == 0o444
    fifo = tmp_path / "f.csv"
    os.mkfifo(fifo)
    code, err = run(capsys, "export", "--preset", "step-size", "--steps", "2", "--out", str(fifo))
    assert code == 2 and "not a regular file; refusing to replace it" in err
    code, err = run(capsys, "export", "--preset", "step-size", "--steps", "2", "--out", str(ro))
    assert code == 2 and "read-only" in err and ro.read_text() == "keep"


def test_a_cancelled_write_leaves_the_old_file_and_no_temporary(tmp_path):
    from losscape_lab.visualizer.files import Cancelled, write_atomically

    old = tmp_path / "fig.png"
    old.write_bytes(b"old")
    with pytest.raises(Cancelled):
        write_atomically(str(old), b"new", cancelled=lambda: True)
    assert old.read_bytes() == b"old" and sorted(p.name for p in tmp_path.iterdir()) == ["fig.png"]


def test_a_screenshot_whose_landscape_fails_is_one_line(tmp_path, capsys, monkeypatch):
    from losscape_lab.visualizer.session.landscape_cache import LandscapeRequest

    def broken(self, pointwise=False):
        raise ValueError("the scores over the plane overflow (not finite)")

    monkeypatch.setattr(LandscapeRequest, "compute", broken)
    code, err = run(capsys, "--preset", "step-size", "--screenshot", str(tmp_path / "s.png"))
    assert code == 2 and err == "losscape: error: the landscape could not be computed: the scores over the " \
                                "plane overflow (not finite)\n"
    assert not (tmp_path / "s.png").exists()


@pytest.mark.parametrize("sig, code", [("SIGINT", 130), ("SIGTERM", 143)])
def test_an_interrupted_gif_export_stops_and_leaves_the_old_file(sig, code, tmp_path, qtbot):
    import signal
    import subprocess
    import sys

    out = tmp_path / "anim.gif"
    out.write_bytes(b"the old animation")
    p = subprocess.Popen([sys.executable, "-m", "losscape_lab", "export", "--preset", "step-size", "--out", str(out),
                          "--frames", "400", "--size", "900x700"], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                         text=True)
    # wait until the GIF's frames are being written (or the export ended: the assertion says so)
    qtbot.waitUntil(lambda: bool(list(tmp_path.glob(".losscape-*.part"))) or p.poll() is not None, timeout=120_000)
    assert list(tmp_path.glob(".losscape-*.part")), "the export never started writing frames"
    p.send_signal(getattr(signal, sig))
    _, err = p.communicate(timeout=60)  # it stops between frames, long before the 400th
    assert p.returncode == code, err
    assert err.strip() == "losscape: interrupted; nothing was written"
    assert out.read_bytes() == b"the old animation"
    assert sorted(q.name for q in tmp_path.iterdir()) == ["anim.gif"]
