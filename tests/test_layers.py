"""One direction of imports (within losscape_lab): app -> cli | gui -> controller -> export | workers -> views -> session | files | coldstart -> kernels.

Read from the source (lazy imports inside functions count too), so a new circle or an upward import fails
here before anyone meets it at run time; and the Qt-free paths are run to prove they load no Qt."""

import ast
import pathlib
import subprocess
import sys

import pytest

ROOT = pathlib.Path(__file__).resolve().parents[1]
# lower rank = lower layer; a module may import only from lower ranks, or from its own package
PKG = "losscape_lab"  # the one installed package; kernels/ and visualizer/ are mapped into it
RANKS = [("kernels", 0), ("visualizer.i18n", 0.5),
         ("visualizer.session", 1), ("visualizer.files", 1), ("visualizer.coldstart", 1), ("visualizer.desktop", 1.5),
         ("visualizer.views", 2),
         ("visualizer.export", 3), ("visualizer.workers", 3), ("visualizer.crash", 3),
         ("visualizer.controller", 4), ("visualizer.state", 4),
         ("visualizer.cli", 5), ("visualizer.gui", 5), ("visualizer.app", 6), ("visualizer.bench", 7),
         ("__main__", 7)]
RANKS = [(f"{PKG}.{p}", r) for p, r in RANKS]
QT_FREE = tuple(f"{PKG}.{p}" for p in ("kernels", "visualizer.i18n", "visualizer.session", "visualizer.files",
                                              "visualizer.coldstart"))
PACKAGES = (PKG, f"{PKG}.kernels", f"{PKG}.visualizer")  # their __init__ may import their own modules
QT = ("PyQt6", "pyqtgraph")


def modules():
    """module name (as installed) -> path, for every module of losscape_lab/, kernels/ and visualizer/."""
    out = {}
    for folder in (PKG, "kernels", "visualizer"):
        for path in (ROOT / folder).rglob("*.py"):
            parts = [PKG] + list(path.relative_to(ROOT / folder).with_suffix("").parts)
            if folder != PKG:
                parts.insert(1, folder)
            if parts[-1] == "__init__":
                parts.pop()
            out[".".join(parts)] = path
    return out


def imports(name, path, known):
    """(imported project module or third-party top-level name, line) for every import in the file."""
    is_pkg = path.name == "__init__.py"
    base = name.split(".") if is_pkg else name.split(".")[:-1]
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            targets = [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            stem = ".".join(base[:len(base) - node.level + 1] + ([node.module] if node.module else [])) \
                if node.level else node.module
            targets = [f"{stem}.{a.name}" for a in node.names]
        else:
            continue
        for t in targets:
            while t not in known and "." in t:
                t = t.rsplit(".", 1)[0]  # `from .session import config`: the module, else the package
            yield t, node.lineno


def layer(name):
    """(prefix, rank) of the layer a module belongs to (the longest matching prefix), or None."""
    found = [(p, r) for p, r in RANKS if name == p or name.startswith(p + ".")]
    return max(found, key=lambda f: len(f[0])) if found else None


def graph():
    known = modules()
    return {name: sorted(set(imports(name, path, known))) for name, path in known.items()}, known


def test_every_module_has_a_layer():
    _, known = graph()
    assert [n for n in known if n not in PACKAGES and layer(n) is None] == []


def test_imports_point_down_and_never_round():
    edges, known = graph()
    bad = []
    for src, targets in edges.items():
        for dst, line in targets:
            if dst in known and dst != src and layer(src) and layer(dst):
                if layer(dst)[0] != layer(src)[0] and layer(dst)[1] >= layer(src)[1]:
                    bad.append(f"{src}:{line} imports {dst}")
    assert bad == []


def test_no_import_circle_within_a_layer_either():
    edges, known = graph()
    # a package's __init__ importing its own modules is not a circle
    project = {s: {d for d, _ in t if d in known and d != s and not (s in PACKAGES
                                                                  or d.startswith(s + "."))}
               for s, t in edges.items()}
    state = {}

    def visit(n, trail):
        state[n] = "open"
        for d in project[n]:
            if state.get(d) == "open":
                raise AssertionError("import circle: " + " -> ".join(trail[trail.index(d):] + [d]))
            if d not in state:
                visit(d, trail + [d])
        state[n] = "done"

    for n in project:
        if n not in state:
            visit(n, [n])


def test_the_compute_and_session_layers_never_name_qt():
    edges, _ = graph()
    bad = [f"{src}:{line} imports {dst}" for src, targets in edges.items() for dst, line in targets
           if src.startswith(QT_FREE) and dst.split(".")[0] in QT]
    assert bad == []


@pytest.mark.parametrize("modules", [
    "losscape_lab, losscape_lab.kernels",
    "losscape_lab.visualizer.session.session, losscape_lab.visualizer.session.config, "
    "losscape_lab.visualizer.session.datasets, losscape_lab.visualizer.session.plane, "
    "losscape_lab.visualizer.session.presets, losscape_lab.visualizer.session.lecture, "
    "losscape_lab.visualizer.files, losscape_lab.visualizer.export, losscape_lab.visualizer.cli, "
    "losscape_lab.visualizer.app",
])
def test_imports_without_qt(modules):
    code = f"import sys, {modules}; assert 'PyQt6' not in sys.modules, 'imported PyQt6'"
    subprocess.run([sys.executable, "-c", code], check=True)


NO_QT_COMMANDS = """
import sys, tempfile, os
from losscape_lab.visualizer.app import main
out = tempfile.mkdtemp()
for argv in (["export", "--help"], ["export", "--preset", "step-size"], ["export", "--bogus"],
             ["export", "--preset", "step-size", "--out", os.path.join(out, "x.txt")],
             *(["export", "--preset", "loss-at-init", "--steps", "5", "--out", os.path.join(out, "r" + ext)]
               for ext in (".csv", ".json", ".npz"))):
    try:
        main(argv)
    except SystemExit:
        pass
    assert "PyQt6" not in sys.modules and "pyqtgraph" not in sys.modules, f"{argv} imported Qt"
assert sorted(os.listdir(out)) == ["r.csv", "r.json", "r.npz"], os.listdir(out)
"""


def test_help_bad_options_and_data_exports_load_no_qt():
    r = subprocess.run([sys.executable, "-c", NO_QT_COMMANDS], capture_output=True, text=True, cwd=ROOT)
    assert r.returncode == 0, r.stderr


def test_last_session_is_restored_from_settings(tmp_path, qapp):
    from PyQt6 import QtCore

    from losscape_lab.visualizer.gui import restore_last
    from losscape_lab.visualizer.session import config as C

    settings = QtCore.QSettings(str(tmp_path / "s.ini"), QtCore.QSettings.Format.IniFormat)
    assert restore_last(settings) is None
    cfg = C.loads("[model]\nlam = 0.25\n[[run]]\nlr = 0.3\n[[run]]\nname = 'adam'")
    settings.setValue("last_session", C.dumps(cfg))
    assert restore_last(settings) == cfg
    settings.setValue("last_session", "[model]\nlam = -1")  # a broken saved session: start fresh
    assert restore_last(settings) is None
