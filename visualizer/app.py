"""Entry point of the `losscape` command: the desktop app, a headless screenshot, or an export.

Heavy imports (Qt, pyqtgraph, numba) happen only once we know which of these is wanted, so a mistyped
option answers at once.
"""

import argparse
import os
import sys

from .cli import check_steps, fail, no_display  # the command line's one-line errors (cli imports nothing heavy at the top)


def parse_args(argv):
    from losscape_lab import __version__

    p = argparse.ArgumentParser(
        prog="losscape", description="See a linear classifier learn: loss landscapes and SGD, live.",
        formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog="commands:\n  losscape export --preset NAME --out FILE   write a figure (.png .svg .pdf), the runs' "
               "data\n                                             (.csv .json .npz) or an animation (.gif); "
               "see\n                                             `losscape export --help`")
    p.add_argument("--version", action="version", version=f"losscape {__version__} (losscape-lab)")
    src = p.add_mutually_exclusive_group()
    src.add_argument("--config", metavar="FILE.toml", help="open a saved demo")
    src.add_argument("--preset", metavar="NAME", help="open a bundled demo (see the Presets menu)")
    p.add_argument("--present", action="store_true", help="open in presenter mode (View > Presenter mode)")
    p.add_argument("--lang", choices=("en", "ko"), default=None,
                   help="English or Korean (default: what View > Language chose last; English for --screenshot)")
    p.add_argument("--screenshot", metavar="OUT.png", help="no window: run, save a PNG of the whole window, exit")
    p.add_argument("--steps", type=int, default=None, metavar="N", help="optimizer steps before the screenshot")
    p.add_argument("--size", default="1600x960", metavar="WxH", help="window size for --screenshot")
    p.add_argument("--answer", action="store_true", help="with --screenshot: show the lecture's answer, as B does")
    p.add_argument("--state", metavar="OUT.json", help="with --screenshot: also write what the window draws "
                   "(title, controls, plane, landscape grid and contours, run heads) as JSON")
    own = p.add_argument_group("this install").add_mutually_exclusive_group()
    own.add_argument("--info", action="store_true", help="print the versions, the numba threading layer, the Qt "
                     "platform and where settings, cache and log live (for a bug report), then exit")
    own.add_argument("--reset", action="store_true", help="forget the remembered settings (window, language, "
                     "theme, last session), then exit")
    own.add_argument("--install-desktop", action="store_true", help="add Losscape to the desktop's applications "
                     "menu (a freedesktop entry and icons under ~/.local/share), then exit")
    own.add_argument("--uninstall-desktop", action="store_true", help="remove what --install-desktop added")
    return p.parse_args(argv)


def this_install(args):
    """--info, --reset, --install-desktop, --uninstall-desktop: the exit code, or None for none of them."""
    from . import desktop

    if args.info:
        print(desktop.info())
    elif args.reset:
        path, n = desktop.reset()
        print(f"losscape: forgot {n} remembered setting(s) in {path}" if n else f"losscape: nothing remembered ({path})")
    elif args.install_desktop or args.uninstall_desktop:
        if sys.platform in ("darwin", "win32"):
            return fail("a desktop entry is for Linux and BSD desktops (freedesktop); on this system start "
                        "`losscape` from a terminal")
        try:
            if args.install_desktop:
                entry = desktop.install_desktop()
                print(f"losscape: added Losscape to the applications menu: {entry} (and its icons)")
            else:
                removed = desktop.uninstall_desktop()
                print(f"losscape: removed {len(removed)} file(s) of the desktop entry" if removed else
                      f"losscape: no desktop entry was installed under {desktop.data_home()}")
        except OSError as e:
            return fail(f"{e.filename or desktop.data_home()}: {e.strerror or e}")
    else:
        return None
    return 0


def main(argv=None):
    """The command; a failure nobody foresaw is still one line and exit code 2 (LOSSCAPE_DEBUG=1 shows
    the traceback)."""
    try:
        return _main(sys.argv[1:] if argv is None else argv)
    except Exception as e:
        if os.environ.get("LOSSCAPE_DEBUG"):
            raise
        return fail(f"unexpected {type(e).__name__}: {e} (run with LOSSCAPE_DEBUG=1 for details)")


def _main(argv):
    # numpy's BLAS threads and numba's threads fight over two cores: the app parallelises with numba.
    os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
    os.environ.setdefault("OMP_NUM_THREADS", str(os.cpu_count() or 1))
    if argv and argv[0] == "export":
        from .cli import export_main
        return export_main(argv[1:])
    args = parse_args(argv)
    done = this_install(args)
    if done is not None:
        return done
    problem = check_steps(args.steps)
    if problem:
        return fail(problem)
    if args.state and not args.screenshot:
        return fail("--state needs --screenshot OUT.png (it describes that picture)")
    if args.answer and not args.screenshot:
        return fail("--answer needs --screenshot OUT.png (in the window, B shows the answer)")
    from .i18n import set_language
    from .session import presets
    from .session.config import ConfigError, load

    set_language(args.lang or "en")

    try:
        config = load(args.config) if args.config else presets.load(args.preset) if args.preset else None
    except ConfigError as e:
        return fail(str(e))
    if args.screenshot:
        from .cli import screenshot
        return screenshot(config, args.screenshot, args.steps, args.size, args.state, args.present, args.config,
                          answer=args.answer)
    if no_display():
        print("losscape: no display found (DISPLAY is not set). Without one, use "
              "`losscape --screenshot out.png` or `losscape export --preset NAME --out figure.png`.",
              file=sys.stderr)
        return 2
    from .gui import run_gui
    return run_gui(config, args.config, args.present, args.lang)


if __name__ == "__main__":
    sys.exit(main())
