"""Headless commands: --screenshot (the whole window, offscreen) and `losscape export`, with the command
line's one-line errors. Qt is imported only by the commands that draw: `losscape export --help`, a bad
option and a data export (CSV, JSON, NPZ) never load it."""

import os
import signal
import sys


def fail(message):
    say("")
    print(f"losscape: error: {message}", file=sys.stderr)
    return 2


def say(text):
    """Progress of long work on stderr, on one line, only when a person watches (a terminal)."""
    if sys.stderr.isatty():
        print(f"\r\033[K{text}", end="" if text else "", file=sys.stderr, flush=True)


class Stop:
    """Ctrl+C and SIGTERM during a headless command: noted, and acted on at the next safe point (between
    frames, before the final rename), so the command ends within moments, leaves any existing file as it
    was and no temporary file, and exits 130 (Ctrl+C) or 143 (SIGTERM). An exception raised at once would
    land inside Qt's painting, where PyQt prints it and carries on."""

    def __init__(self):
        self.signum = None
        for sig in (signal.SIGINT, signal.SIGTERM):
            signal.signal(sig, self._on_signal)

    def _on_signal(self, signum, frame):
        self.signum = signum

    def __bool__(self):
        return self.signum is not None

    def exit(self):
        say("")
        print("losscape: interrupted; nothing was written", file=sys.stderr)
        return 128 + self.signum


def no_display():
    return (sys.platform.startswith("linux") and not os.environ.get("DISPLAY")
            and not os.environ.get("WAYLAND_DISPLAY")
            and os.environ.get("QT_QPA_PLATFORM", "") not in ("offscreen", "minimal", "vnc"))


def check_output(path, extensions):
    """A clear message for an output path we cannot write, before any work is done."""
    if os.path.isdir(path):
        return f"{path} is a folder"
    ext = os.path.splitext(path)[1].lower()
    if ext not in extensions:
        return f"{path}: unknown file type {ext or '(none)'}; use one of {', '.join(extensions)}"
    folder = os.path.dirname(os.path.realpath(path))  # a link is written through, into its target's folder
    if os.path.islink(path) and not os.path.isdir(folder):
        return f"{path} is a link to {os.readlink(path)}, whose folder {folder} does not exist"
    if not os.path.isdir(folder):
        return f"{path}: the folder {folder} does not exist"
    if not os.access(folder, os.W_OK):
        return f"{path}: the folder {folder} is not writable"
    if os.path.exists(path) and not os.path.isfile(path):
        return f"{path}: not a regular file; refusing to replace it"
    return None


def check_steps(steps):
    """The one cap on steps, as the config states it (None: fine)."""
    from .session.config import MAX_STEPS

    if steps is not None and not 0 <= steps <= MAX_STEPS:
        return f"--steps must be from 0 to {MAX_STEPS}; got {steps}"
    return None


def parse_size(text):
    try:
        w, h = (int(v) for v in text.lower().split("x"))
    except ValueError:
        return None
    return (w, h) if 200 <= w <= 8000 and 200 <= h <= 8000 else None


def prepare(config, source=None):
    """The session of a headless command, its data set read before any kernel compiles (a wrong path
    fails at once); on a cold cache the losses compile here while a second process compiles the loop and
    the landscape kernel. Returns (session, the second process or None); the caller ends that process
    when it is done (end_helper), so nothing of the command outlives it."""
    from .coldstart import cache_is_cold, first_frame_needs, start_second_process, warm_up_kernels
    from .session.session import load_dataset, open_session

    losses, network, first = first_frame_needs(config)
    # cold: the second process starts compiling while the data loads
    helper = start_second_process("mlp" if network else "linear") if cache_is_cold() else None
    try:
        dataset = load_dataset(config, source)
        helper = warm_up_kernels(say, losses, network, first=first, helper=helper)
        session = open_session(config, source, dataset)
    except BaseException:
        end_helper(helper)
        raise
    for note in session.data.notes:
        print(f"losscape: note: {note}", file=sys.stderr)
    return session, helper


def end_helper(helper):
    """End a cold start's second process now (and reap it); None: nothing to end."""
    from .coldstart import wait_or_end

    if helper is not None:
        wait_or_end(helper, timeout=0)


def screenshot(config, out, steps, size_text, state=None, present=False, source=None, answer=False):
    problem = check_output(out, (".png", ".jpg")) or (check_output(state, (".json",)) if state else None)
    size = parse_size(size_text)
    if problem:
        return fail(problem)
    if size is None:
        return fail(f"--size must look like 1600x960 (each side 200..8000); got {size_text!r}")
    stop = Stop()
    from .views.render import offscreen_app

    app = offscreen_app()
    from .session.config import Config, ConfigError
    from .session.datasets import DatasetError

    try:
        session, helper = prepare(config or Config(), source)
    except (ConfigError, DatasetError) as e:
        return fail(str(e))
    try:
        return _screenshot(app, session, helper, out, steps, size, state, present, stop, answer)
    finally:
        end_helper(helper)


def _screenshot(app, session, helper, out, steps, size, state, present, stop, answer):
    from .controller import Controller
    from .files import Cancelled, write_atomically
    from .views.main_window import make_window
    from .views.render import dispose, image_bytes
    from .workers import Worker

    window, found = make_window()
    worker = Worker(sync=True, helper=helper, rest=False)
    failures = []
    worker.failed.connect(failures.append)
    ctl = Controller(window, worker, found)
    window.resize(*size)
    if present:
        window.set_presenter(True)
    try:
        say("losscape: computing the landscape...")
        ctl.attach(session)
        if failures:  # a picture without its landscape would be a wrong picture
            return fail(f"the landscape could not be computed: {failures[0]}")
        if steps is not None:
            session.extend_to(steps)
        say("losscape: computing the runs...")
        from .session.presets import lecture_step

        if steps is None and lecture_step(session.config) is not None:
            steps = lecture_step(session.config)  # as the window opens it: at the step its question is about
        ctl.advance(session.planned_steps if steps is None else steps)
        ctl.refresh_lecture()
        if answer:
            window.landscape.show_answer()
        window.show()
        app.processEvents()
        if stop:
            return stop.exit()
        pixmap = window.grab()  # a window never gets smaller than its minimum size: report what it got
        pictures = [(out, image_bytes(pixmap, os.path.splitext(out)[1][1:].upper()))]
        if state:
            from .state import state_json

            pictures.append((state, state_json(window, session)))
        for path, data in pictures:
            try:
                write_atomically(path, data, lambda: bool(stop))
            except OSError as e:
                return fail(f"{path}: {e.strerror or e}")
    except Cancelled:
        return stop.exit()
    finally:
        dispose(window)
    say("")
    print(f"losscape: wrote {out} ({pixmap.width()}x{pixmap.height()}), step {session.display_step}, "
          f"{len(session.runs)} run(s)")
    return 0


def export_main(argv):
    """losscape export (--config FILE.toml | --preset NAME) --out PATH [--steps N] [--size WxH] [--fps F]"""
    import argparse

    from .export import FORMATS

    p = argparse.ArgumentParser(prog="losscape export", description="Write a figure, the data or an animation "
                                "of a demo, without a display. The format follows the extension: "
                                + ", ".join(FORMATS))
    src = p.add_mutually_exclusive_group(required=True)
    src.add_argument("--config", metavar="FILE.toml")
    src.add_argument("--preset", metavar="NAME")
    p.add_argument("--out", required=True, metavar="PATH")
    p.add_argument("--steps", type=int, default=None, metavar="N", help="optimizer steps (default: the demo's)")
    p.add_argument("--size", default="1200x900", metavar="WxH")
    p.add_argument("--fps", type=float, default=10.0, metavar="F", help="frames per second of a GIF")
    p.add_argument("--frames", type=int, default=None, metavar="K",
                   help="frames in a GIF (default: every step up to 300 steps, else 300 evenly spaced; "
                        "each run's divergence step is always one)")
    p.add_argument("--every", type=int, default=None, metavar="K",
                   help="JSON/NPZ: W at every K-th step (default: every step, at most 2000 per run)")
    p.add_argument("--view", choices=("2d", "3d"), default="2d",
                   help="3d: the lit surface (PNG only; needs OpenGL on a display, e.g. Xvfb)")
    p.add_argument("--lang", choices=("en", "ko"), default="en", help="language of the figure's titles and labels")
    args = p.parse_args(argv)
    from .i18n import set_language

    set_language(args.lang)
    stop = Stop()
    problem = check_output(args.out, (".png",) if args.view == "3d" else FORMATS)
    size = parse_size(args.size)
    if problem:
        return fail(problem)
    if args.out.lower().endswith(".mp4"):
        from .export import video_problem

        try:
            video_problem()
        except ValueError as e:
            return fail(str(e))
    if size is None:
        return fail(f"--size must look like 1200x900 (each side 200..8000); got {args.size!r}")
    if check_steps(args.steps):
        return fail(check_steps(args.steps))
    if not (0.1 <= args.fps <= 100) or not (args.frames is None or 1 <= args.frames <= 1000):
        return fail("--fps must be in 0.1..100 and --frames in 1..1000")
    if args.every is not None and not 1 <= args.every <= 100_000:
        return fail(f"--every must be from 1 to 100000; got {args.every}")
    from .session import config as cfgmod
    from .session import presets
    from .session.config import ConfigError
    from .session.datasets import DatasetError

    if args.view == "3d" and no_display():
        return fail("--view 3d needs OpenGL on a display (set DISPLAY, e.g. run Xvfb); "
                    "Qt's offscreen platform has none")

    try:
        cfg = cfgmod.load(args.config) if args.config else presets.load(args.preset)
    except ConfigError as e:
        return fail(str(e))
    try:
        session, helper = prepare(cfg, args.config)
    except (ConfigError, DatasetError) as e:
        return fail(str(e))
    try:
        return _export(args, session, helper, size, stop)
    finally:
        end_helper(helper)


def _export(args, session, helper, size, stop):
    from .coldstart import pointwise_while_compiling

    if args.steps is not None:
        session.extend_to(args.steps)
    say(f"losscape: computing {session.planned_steps if args.steps is None else args.steps} steps of "
        f"{len(session.runs)} run(s)...")
    session.advance(session.planned_steps if args.steps is None else args.steps)
    if stop:
        return stop.exit()
    req = session.landscape_request()
    say(f"losscape: computing the landscape ({len(req.alphas)} x {len(req.betas)})...")
    try:
        session.store_data_grid(req.key, req.compute(pointwise_while_compiling(req, helper, say)))
    except ValueError as e:
        return fail(f"the landscape could not be computed: {e}")
    grid = session.landscape()
    if stop:
        return stop.exit()
    if args.view == "3d":
        return export_surface(session, grid, args.out, size)
    from .export import DATA_FORMATS, export
    from .files import Cancelled

    if os.path.splitext(args.out)[1].lower() not in DATA_FORMATS:
        from .views.render import offscreen_app

        offscreen_app()

    def progress(i, n):
        say(f"losscape: frame {i + 1} of {n}")
        return not stop

    try:
        summary = export(session, grid, args.out, size, args.fps, args.frames, progress, lambda: bool(stop),
                         args.every)
    except Cancelled:
        return stop.exit()
    except OSError as e:
        return fail(f"{args.out}: {e.strerror or e}")
    if summary is None:
        return stop.exit()
    say("")
    print(f"losscape: {summary}")
    return 0


def export_surface(session, grid, out, size):
    """The 3-D surface with the runs as a PNG (on a display with OpenGL)."""
    from PyQt6 import QtWidgets

    app = QtWidgets.QApplication.instance() or QtWidgets.QApplication(["losscape"])
    from .files import write_atomically
    from .views.render import dispose, image_bytes
    from .views.surface import SurfaceView, gl_unavailable

    reason = gl_unavailable()
    if reason:
        return fail(f"--view 3d: {reason}")
    view = SurfaceView()
    view.view.setFixedSize(*size)  # the picture is the GL canvas: give it exactly the requested size
    view.show()
    view.set_landscape(grid, session.extent, session.plane.axis_names)
    view.set_runs(session.runs, session.display_step)
    app.processEvents()
    data = image_bytes(view.grab_image())
    dispose(view)
    try:
        write_atomically(out, data)
    except OSError as e:
        return fail(f"{out}: {e.strerror or e}")
    print(f"losscape: wrote {out}: the 3-D surface with {len(session.runs)} run(s) at step {session.display_step}")
    return 0
