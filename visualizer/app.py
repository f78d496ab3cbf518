"""Entry point of the `losscape` command."""

import sys


def main(argv=None):
    # The desktop window is being built (issue "Desktop app"); the kernels it will drive are ready.
    print("losscape: the desktop app is not built yet. The kernels are: try `python -m kernels.bench`.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
