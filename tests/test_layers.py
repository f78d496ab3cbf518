"""The compute layer must stay importable without Qt (the CLI, scripts and workers rely on it)."""

import subprocess
import sys


def test_kernels_import_without_qt():
    code = "import sys, kernels; assert 'PyQt6' not in sys.modules, 'kernels imported PyQt6'"
    subprocess.run([sys.executable, "-c", code], check=True)
