#!/bin/sh
# Set up Losscape from nothing: the system libraries Qt and numba need (when we may install them), a
# virtual environment in .venv, and the project with its test extra. Safe to run again: it only
# installs what is missing.
set -eu
cd "$(dirname "$0")/.."

# Debian/Ubuntu packages: venv support for python3, the libraries Qt loads even offscreen, and libgomp1
# for numba's OpenMP threading layer (safe to call parallel kernels from a worker thread).
PKGS="python3-venv libgl1 libegl1 libxkbcommon0 libfontconfig1 libglib2.0-0 libdbus-1-3 libgomp1"
# A real window (xcb) under a virtual display: the tests that need one start Xvfb themselves, and would
# silently skip without it.
PKGS="$PKGS xvfb xauth libxcb-cursor0 libxcb-icccm4 libxcb-image0 libxcb-keysyms1 libxcb-render-util0
libxcb-render0 libxcb-shape0 libxcb-util1 libxcb-xkb1 libxkbcommon-x11-0"
# desktop-file-validate: the tests check the entry that `losscape --install-desktop` writes
PKGS="$PKGS desktop-file-utils"
missing=""
if command -v dpkg >/dev/null 2>&1; then
    for p in $PKGS; do
        dpkg -s "$p" >/dev/null 2>&1 || missing="$missing $p"
    done
fi
# python3-venv is only needed when this python3 cannot make a venv with pip by itself (Debian's can't).
if python3 -c 'import ensurepip, venv' >/dev/null 2>&1; then
    missing=$(echo "$missing" | sed 's/ python3-venv//')
fi
if [ -n "$missing" ]; then
    if [ "$(id -u)" = 0 ]; then SUDO=""; elif command -v sudo >/dev/null 2>&1; then SUDO="sudo"; else
        echo "setup: please install these system packages first:$missing" >&2; exit 1
    fi
    echo "setup: installing system packages:$missing"
    $SUDO apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends $missing >/dev/null
fi

if [ ! -x .venv/bin/python ]; then
    python3 -m venv .venv
fi
# Reinstall only when pyproject.toml or constraints.txt changed since the last successful install.
# constraints.txt pins every package to the versions the suite last passed with (scripts/check-latest
# tries today's newest instead).
stamp=.venv/.losscape-installed
if [ ! -f "$stamp" ] || [ pyproject.toml -nt "$stamp" ] || [ constraints.txt -nt "$stamp" ]; then
    # a .venv from before the rename holds the old distribution "losscape", which mapped kernels/ and
    # visualizer/ to top-level names of other projects
    .venv/bin/python -m pip uninstall -q -y losscape >/dev/null 2>&1 || true
    .venv/bin/python -m pip install -q --disable-pip-version-check -c constraints.txt -e '.[test]'
    touch "$stamp"
fi
# Byte-compile the app's own modules, as pip does for an ordinary install (an editable one leaves
# none, and with PYTHONDONTWRITEBYTECODE set Python would compile them at every launch).
.venv/bin/python -m compileall -q losscape_lab kernels visualizer
# Compile the numba kernels now, so that the first window opens on a warm cache (a cold first launch
# takes longer; the app then shows "Preparing kernels" meanwhile). Quick when they are compiled already.
echo "setup: preparing the kernels (compiled once: about a minute the first time)"
.venv/bin/python -c "from losscape_lab.visualizer.coldstart import warm_up_kernels; warm_up_kernels(lambda t: print('setup:', t))"
