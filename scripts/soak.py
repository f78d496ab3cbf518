"""GUI soak: the app playing 8 runs in a real window under Xvfb, with slider drags, clicks on the
landscape and key presses from xdotool, its memory sampled as it goes. Not part of the test suite.

    .venv/bin/python scripts/soak.py [--minutes 30] [--every 15]

Needs Xvfb and xdotool (apt-get install xvfb xdotool). Prints one line per sample (minutes, RSS in MB,
actions so far) and, at the end, the growth after the warm-up per minute and per action; exits 1 if the
app died or the growth per action is above --bound-kb.
"""

import argparse
import os
import random
import shutil
import subprocess
import sys
import tempfile
import time

RUNS = "".join(f"[[run]]\nlr = {0.02 * (k + 1):g}\nbatch_size = {4 * (k + 1)}\n" for k in range(8))
DEMO = f"[optimizer]\nsteps = 100000\n[view]\nspeed = 200\n{RUNS}"


def rss_mb(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return float("nan")


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--minutes", type=float, default=30.0)
    p.add_argument("--every", type=float, default=15.0, help="seconds between memory samples")
    # measured: 0.9 KB an action (0.5 MB a minute) once the sip arrays were reused; 9.9 MB a minute before
    p.add_argument("--bound-kb", type=float, default=2.0, help="growth per action after the warm-up above "
                   "which the soak fails (exit 1)")
    args = p.parse_args()
    for tool in ("Xvfb", "xdotool"):
        if not shutil.which(tool):
            sys.exit(f"soak: {tool} is missing (apt-get install xvfb xdotool)")
    display = f":{90 + os.getpid() % 9}"
    xvfb = subprocess.Popen(["Xvfb", display, "-screen", "0", "1600x1000x24"], stderr=subprocess.DEVNULL)
    time.sleep(1)
    env = dict(os.environ, DISPLAY=display, QT_QPA_PLATFORM="xcb")
    with tempfile.TemporaryDirectory() as tmp:
        cfg = os.path.join(tmp, "soak.toml")
        with open(cfg, "w") as f:
            f.write(DEMO)
        # a fresh settings file: the soak must not restore or overwrite the user's last session
        env["XDG_CONFIG_HOME"] = tmp
        app = subprocess.Popen([sys.executable, "-m", "losscape_lab", "--config", cfg], env=env,
                               stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        try:
            return soak(app, env, args)
        finally:
            app.terminate()
            app.wait(10)
            xvfb.terminate()


def soak(app, env, args):
    def xdo(*a):
        subprocess.run(["xdotool", *map(str, a)], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)

    rng = random.Random(0)
    time.sleep(12)  # window up, kernels warm
    start = time.time()
    samples, actions, next_sample = [], 0, start
    while time.time() - start < args.minutes * 60:
        if app.poll() is not None:
            print(f"soak: the app died (exit {app.returncode}): {app.stderr.read().decode()[-2000:]}")
            return 1
        kind = rng.random()
        if kind < 0.4:  # a drag along a slider's row of the control panel
            y = rng.choice((100, 320, 580))
            xdo("mousemove", 120, y, "mousedown", 1, "mousemove", 120 + rng.randint(10, 180), y, "mouseup", 1)
        elif kind < 0.8:  # a click on the landscape: a run restarts there
            xdo("mousemove", rng.randint(520, 1000), rng.randint(180, 760), "click", 1)
        else:
            xdo("key", rng.choice(("space", "Right", "r", "space")))
        actions += 1
        time.sleep(0.05)
        if time.time() >= next_sample:
            samples.append(((time.time() - start) / 60, rss_mb(app.pid), actions))
            print(f"{samples[-1][0]:6.1f} min  RSS {samples[-1][1]:7.1f} MB  {actions} actions", flush=True)
            next_sample += args.every
    warm = [(t, mb, n) for t, mb, n in samples if t >= min(2.0, args.minutes / 3)]
    if len(warm) < 2:
        print("soak: too short to measure growth after the warm-up (2 minutes, or a third of the run)")
        return 0
    (t0, mb0, n0), (t1, mb1, n1) = warm[0], warm[-1]
    per_minute, per_action = (mb1 - mb0) / (t1 - t0), (mb1 - mb0) * 1024 / max(1, n1 - n0)
    print(f"soak: {actions} actions in {args.minutes:g} min; after warm-up RSS went from {mb0:.1f} to {mb1:.1f} MB "
          f"(max {max(mb for _, mb, _ in warm):.1f} MB): {per_minute:+.2f} MB a minute, {per_action:+.2f} KB an action "
          f"(bound {args.bound_kb:g} KB)")
    return 1 if per_action > args.bound_kb else 0


if __name__ == "__main__":
    sys.exit(main())
