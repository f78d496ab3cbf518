"""The package as installed: one top-level name of its own, every resource file in it, and the
conventions of a command-line program. Run by CI against the editable checkout and the built wheel."""

import importlib.resources
import pathlib
import subprocess
import sys

ROOT = pathlib.Path(__file__).resolve().parents[1]


def run(args, cwd):
    """The interpreter under test, away from the checkout (whose folders would shadow the install)."""
    return subprocess.run([sys.executable, *args], capture_output=True, text=True, cwd=cwd, timeout=600)


def test_one_top_level_package_and_no_names_of_other_projects(tmp_path):
    code = ("import importlib.util as u, losscape_lab, losscape_lab.kernels, losscape_lab.visualizer; "
            "print(u.find_spec('kernels'), u.find_spec('visualizer'), u.find_spec('resources'))")
    r = run(["-c", code], tmp_path)
    assert r.returncode == 0, r.stderr
    assert r.stdout.split() == ["None", "None", "None"]  # kernels is Hugging Face's name, not ours


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
