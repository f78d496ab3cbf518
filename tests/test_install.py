"""The package as installed: one top-level name of its own, every resource file in it, and the
conventions of a command-line program. Run by CI against the editable checkout and the built wheel."""

import importlib.resources
import os
import pathlib
import shutil
import subprocess
import sys
import tempfile

import numpy as np
import pytest

ROOT = pathlib.Path(__file__).resolve().parents[1]


def run(args, cwd):
    """The interpreter under test, away from the checkout (whose folders would shadow the install)."""
    return subprocess.run([sys.executable, *args], capture_output=True, text=True, cwd=cwd, timeout=600)


def test_one_top_level_package_and_no_names_of_other_projects(tmp_path):
    code = ("import importlib.util as u, losscape_lab, losscape_lab.kernels, losscape_lab.visualizer; "
            "print(u.find_spec('kernels'), u.find_spec('visualizer'), u.find_spec('resources'), "
            "u.find_spec('losscape_lab.kernels.bench'))")
    r = run(["-c", code], tmp_path)
    assert r.returncode == 0, r.stderr
    # kernels is Hugging Face's name, not ours; the benchmarks stay in the repository (benchmarks/)
    assert r.stdout.split() == ["None", "None", "None", "None"]


def test_every_resource_file_is_installed():
    def files(node, prefix=""):
        for child in node.iterdir():
            name = prefix + child.name
            if child.is_dir():
                if child.name != "__pycache__":
                    yield from files(child, name + "/")
            elif not child.name.endswith((".pyc", ".nbi", ".nbc")):
                yield name

    shipped = set(files(importlib.resources.files("losscape_lab.resources")))
    in_repo = set(files(ROOT / "resources"))
    assert in_repo and in_repo <= shipped, sorted(in_repo - shipped)


def test_version_and_help(tmp_path):
    from losscape_lab import __version__

    r = run(["-m", "losscape_lab", "--version"], tmp_path)
    assert r.returncode == 0 and r.stdout.strip() == f"losscape {__version__} (losscape-lab)"
    r = run(["-m", "losscape_lab", "--help"], tmp_path)
    assert r.returncode == 0 and "losscape export --preset NAME --out FILE" in r.stdout


def as_nobody_or_skip(home):
    """The command prefix that runs a program as an ordinary user with a fresh HOME (root ignores file
    modes, so a read-only install can only be tested as someone else), or skip where that is impossible."""
    if os.geteuid() != 0 or not shutil.which("setpriv"):
        pytest.skip("needs root and setpriv to run as another user")
    os.chown(home, 65534, 65534)
    prefix = ["setpriv", "--reuid=nobody", "--regid=nogroup", "--clear-groups", "env", "-u", "NUMBA_CACHE_DIR",
              *(f"-u{var}" for var in os.environ if var.startswith("XDG_")), f"HOME={home}"]
    if subprocess.run([*prefix, sys.executable, "-c", "pass"], capture_output=True).returncode != 0:
        pytest.skip(f"{sys.executable} is not readable by nobody (CI installs the wheel with one that is)")
    return prefix


def test_a_user_who_cannot_write_the_install_gets_the_cache_in_their_own_folder():
    tmp_path = pathlib.Path(tempfile.mkdtemp(prefix="losscape-home-"))  # not under root's pytest folder
    try:
        check_as_nobody(tmp_path)
    finally:
        shutil.rmtree(tmp_path, ignore_errors=True)


def check_as_nobody(tmp_path):
    prefix = as_nobody_or_skip(tmp_path)
    r = subprocess.run([*prefix, sys.executable, "-m", "losscape_lab", "--version"], capture_output=True,
                       text=True, cwd=tmp_path)
    assert r.returncode == 0 and r.stdout.startswith("losscape "), r.stderr
    code = ("import os, numpy as np\nfrom losscape_lab import kernels\n"
            "L, dW = kernels.loss_and_grad(np.zeros((3, 2)), np.ones((4, 3)), np.array([0, 1, 0, 1]))\n"
            "print(round(L, 6), os.environ['NUMBA_CACHE_DIR'])")
    r = subprocess.run([*prefix, sys.executable, "-c", code], capture_output=True, text=True, cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    loss, cache = r.stdout.split()
    assert float(loss) == round(float(np.log(2)), 6)  # softmax at W = 0: ln C
    assert pathlib.Path(cache).is_relative_to(tmp_path) and any(pathlib.Path(cache).rglob("*.nbi"))

    def losscape(*args):
        r = subprocess.run([*prefix, sys.executable, "-m", "losscape_lab", *args], capture_output=True, text=True,
                           cwd=tmp_path, timeout=600)
        assert r.returncode == 0, (args, r.stderr)
        return r.stdout

    script = pathlib.Path(sys.executable).parent / "losscape"  # the command the install put beside Python
    r = subprocess.run([*prefix, str(script), "--version"], capture_output=True, text=True, cwd=tmp_path)
    assert r.returncode == 0 and r.stdout.startswith("losscape "), r.stderr
    assert "--install-desktop" in losscape("--help")
    info = {k: v.strip() for k, v in (line.split(": ", 1) for line in losscape("--info").splitlines())}
    for where in ("settings file", "numba cache", "log file"):  # all in the user's own folders
        assert pathlib.Path(info[where]).is_relative_to(tmp_path), (where, info[where])
    losscape("--screenshot", str(tmp_path / "s.png"), "--preset", "loss-at-init", "--steps", "3")
    losscape("export", "--preset", "loss-at-init", "--steps", "3", "--out", str(tmp_path / "f.png"))
    assert (tmp_path / "s.png").read_bytes()[:4] == (tmp_path / "f.png").read_bytes()[:4] == b"\x89PNG"
    losscape("--install-desktop")
    entry = tmp_path / ".local" / "share" / "applications" / "losscape.desktop"
    assert f"Exec={os.path.dirname(sys.executable)}/" in entry.read_text()  # this install's own command
    assert (tmp_path / ".local/share/icons/hicolor/256x256/apps/losscape.png").is_file()
