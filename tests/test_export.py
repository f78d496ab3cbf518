"""`losscape export` and `losscape --screenshot`, headless: every format written and read back, and
every bad input a one-line error with exit code 2 and no file left behind."""

import csv
import io
import json
import os
import subprocess
import sys
import xml.etree.ElementTree as ET

import numpy as np
import pytest
from checks import check_contours_on_their_levels
from PIL import Image

from losscape_lab.visualizer.app import main

DEMO = """
[data]
name = "blobs"
n = 90
[optimizer]
steps = 30
[[run]]
lr = 0.2
[[run]]
name = "momentum"
lr = 0.05
[landscape]
resolution = 32
"""


@pytest.fixture
def demo(tmp_path):
    p = tmp_path / "demo.toml"
    p.write_text(DEMO)
    return str(p)


def export(capsys, *args):
    code = main(["export", *args])
    out = capsys.readouterr()
    return code, out.out, out.err


def test_png_has_the_size_and_is_not_blank(demo, tmp_path, capsys):
    out = tmp_path / "fig.png"
    code, text, err = export(capsys, "--config", demo, "--out", str(out), "--size", "900x700")
    assert code == 0, err
    assert "wrote" in text and "2 run(s)" in text and "final full loss" in text
    img = np.asarray(Image.open(out).convert("RGB"), dtype=float)
    assert img.shape == (700, 900, 3)
    assert img.std() > 20  # a heatmap, paths and text: far from one flat colour


def test_svg_parses_and_holds_the_paths(demo, tmp_path, capsys):
    out = tmp_path / "fig.svg"
    assert export(capsys, "--config", demo, "--out", str(out))[0] == 0
    root = ET.parse(out).getroot()
    strokes = " ".join(el.get("stroke", "") + " " + el.get("style", "") for el in root.iter())
    paths = [el for el in root.iter() if el.tag.endswith(("path", "polyline"))]
    assert len(paths) > 10
    assert "#e69f00" in strokes.lower() and "#56b4e9" in strokes.lower()  # both runs' colours


def test_pdf_is_written(demo, tmp_path, capsys):
    out = tmp_path / "fig.pdf"
    assert export(capsys, "--config", demo, "--out", str(out))[0] == 0
    assert out.read_bytes().startswith(b"%PDF") and out.stat().st_size > 5000


def test_csv_rows_match_the_steps(demo, tmp_path, capsys):
    out = tmp_path / "runs.csv"
    assert export(capsys, "--config", demo, "--out", str(out), "--steps", "25")[0] == 0
    rows = list(csv.DictReader(io.StringIO(out.read_text())))
    assert list(rows[0]) == ["run", "step", "epoch", "lr", "loss_batch", "loss_full", "loss_data", "loss_reg",
                             "accuracy", "a", "b", "off_plane"]
    assert len(rows) == 2 * 26  # steps 0..25 of two runs
    first = [r for r in rows if r["run"] == rows[0]["run"]]
    assert [int(r["step"]) for r in first] == list(range(26))
    assert int(first[-1]["epoch"]) == 25 * 32 // 90  # batches of 32 from 90 examples: 3 per epoch
    assert all(np.isfinite(float(r["loss_full"])) for r in rows)


def test_json_and_npz_hold_the_same_arrays(demo, tmp_path, capsys):
    j, z = tmp_path / "d.json", tmp_path / "d.npz"
    assert export(capsys, "--config", demo, "--out", str(j))[0] == 0
    assert export(capsys, "--config", demo, "--out", str(z))[0] == 0
    doc = json.loads(j.read_text())
    npz = np.load(z)
    np.testing.assert_allclose(np.array(doc["grid"]["loss"]), npz["loss_grid"])
    np.testing.assert_allclose(np.array(doc["plane"]["W0"]), npz["W0"])
    np.testing.assert_allclose(np.array(doc["runs"][1]["W"]), npz["run1_W"])
    np.testing.assert_allclose(np.array(doc["runs"][0]["a"]), npz["run0_a"])
    assert doc["config"]["run"][1]["name"] == "momentum"
    assert npz["loss_grid"].shape == (32, 32)
    assert doc["runs"][0]["loss_full_start"] == pytest.approx(float(npz["run0_loss_full"][0]))
    # the landscape block says whose model it is and holds the contours as drawn
    land = doc["landscape"]
    assert land["run"] == 0 and land["model"] == doc["runs"][0]["model"]
    np.testing.assert_allclose(np.array(land["grid"]), npz["loss_grid"])
    check_contours_on_their_levels(land)
    run = doc["runs"][0]
    np.testing.assert_allclose(np.array(run["loss_data"]) + np.array(run["loss_reg"]), run["loss_full"])
    lam = doc["config"]["model"]["lam"]
    W = np.array(run["W"])
    np.testing.assert_allclose(run["loss_reg"], lam * (W ** 2).sum(axis=(1, 2)), rtol=1e-12)


def test_gif_has_the_requested_frames(demo, tmp_path, capsys):
    out = tmp_path / "anim.gif"
    assert export(capsys, "--config", demo, "--out", str(out), "--frames", "12", "--size", "640x360")[0] == 0
    img = Image.open(out)
    assert img.n_frames == 12 and img.size == (640, 360)



def test_an_mp4_has_the_same_frames_as_the_gif(tmp_path, capsys, monkeypatch):
    import imageio_ffmpeg

    out = tmp_path / "step-size.mp4"
    code, text = export(capsys, "--preset", "step-size", "--out", str(out), "--size", "321x241", "--fps", "25")[:2]
    assert code == 0, text
    frames, seconds = imageio_ffmpeg.count_frames_and_secs(str(out))
    assert frames == 151 and seconds == pytest.approx(151 / 25, abs=0.1)
    reader = imageio_ffmpeg.read_frames(str(out))
    meta = next(reader)
    assert meta["size"] == (320, 240)  # yuv420p: even sides
    first = np.frombuffer(next(reader), np.uint8).reshape(240, 320, 3)
    assert len(np.unique(first.reshape(-1, 3) // 16, axis=0)) > 20  # a picture, not a blank
    reader.close()
    # without the extra: one line, and nothing written
    monkeypatch.setitem(sys.modules, "imageio_ffmpeg", None)
    code, text, err = export(capsys, "--preset", "step-size", "--out", str(tmp_path / "no.mp4"))
    assert code == 2 and "pip install 'losscape-lab[video]'" in err and len(err.strip().splitlines()) == 1
    assert not (tmp_path / "no.mp4").exists()


def test_the_step_size_gif_has_a_frame_for_each_step(tmp_path, capsys):
    """150 steps: 151 frames (steps 0..150), so the blow-up at step 17 is one of them; each frame after
    the first holds only the rectangle that changed, and decodes to the whole picture."""
    out = tmp_path / "step-size.gif"
    code, text = export(capsys, "--preset", "step-size", "--out", str(out), "--size", "480x360")[:2]
    assert code == 0, text
    img = Image.open(out)
    assert img.n_frames == 151 and img.size == (480, 360)
    img.seek(150)
    last = np.asarray(img.convert("RGB"))
    assert last.shape == (360, 480, 3) and len(np.unique(last.reshape(-1, 3), axis=0)) > 50  # a real picture


@pytest.mark.parametrize("args, message", [
    (["--out", "{tmp}/fig.bmp"], "unknown file type .bmp"),
    (["--out", "{tmp}/no/such/dir/fig.png"], "does not exist"),
    (["--out", "/proc/losscape-fig.csv"], "/proc/losscape-fig.csv"),
    (["--out", "{tmp}/fig.png", "--size", "huge"], "--size must look like"),
    (["--out", "{tmp}/fig.png", "--steps", "-3"], "--steps must be from 0 to 100000"),
    (["--out", "{tmp}/folder"], "folder is a folder"),  # not "unknown file type"
    (["--out", "{tmp}/link.png"], "link.png is a link to /nonexistent/dir/x.png, whose folder"),
])
def test_bad_output_is_exit_2_and_no_file(args, message, demo, tmp_path, capsys):
    (tmp_path / "folder").mkdir()
    (tmp_path / "link.png").symlink_to("/nonexistent/dir/x.png")  # dangling
    args = [a.format(tmp=tmp_path) for a in args]
    code, text, err = export(capsys, "--config", demo, *args)
    assert code == 2
    assert err.startswith("losscape: error:") and message in err and len(err.strip().splitlines()) == 1
    assert sorted(p.name for p in tmp_path.iterdir()) == ["demo.toml", "folder", "link.png"]
    assert not any((tmp_path / "folder").iterdir())


@pytest.mark.parametrize("config, message", [
    ("[model]\nloss = 'svm'", "[model] loss must be one of"),
    ("[data]\nname = 'csv'\npath = '/nonexistent.csv'", "/nonexistent.csv"),
    ("[optimizer\n", "not valid TOML"),
    # the checks that need the data run after the file is read: they name it too
    ("[data]\nname = 'blobs'\nseed = -1", "bad.toml: [data] seed must be an integer"),
    ("start = [[1.0, 2.0]]", "bad.toml: start must be 3 x 3"),
    ("[model]\ninit = 'near_minimum'\nloss = 'hinge'\nreg = 'none'",
     "bad.toml: [model] init = 'near_minimum' needs a loss with a minimum"),
    ("[model]\ninit = 'near_minimum'\nkind = 'mlp'", "bad.toml: [model] init = 'near_minimum' is for the linear model"),
])
def test_bad_config_is_exit_2(config, message, tmp_path, capsys):
    cfg = tmp_path / "bad.toml"
    cfg.write_text(config)
    code, _, err = export(capsys, "--config", str(cfg), "--out", str(tmp_path / "x.png"))
    assert code == 2 and message in err and len(err.strip().splitlines()) == 1, err
    assert not (tmp_path / "x.png").exists()


def test_unknown_preset_is_exit_2(tmp_path, capsys):
    code, _, err = export(capsys, "--preset", "nope", "--out", str(tmp_path / "x.png"))
    assert code == 2 and "no preset 'nope'; available:" in err


def test_an_existing_file_survives_a_failed_export(demo, tmp_path, capsys, monkeypatch):
    out = tmp_path / "runs.csv"
    out.write_text("precious")
    from losscape_lab.visualizer import export as ex

    def broken(session):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(ex, "to_csv", broken)
    code, _, err = export(capsys, "--config", demo, "--out", str(out))
    assert code == 2 and "No space left" in err
    assert out.read_text() == "precious"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["demo.toml", "runs.csv"]


def test_screenshot_of_the_whole_window(demo, tmp_path):
    # a separate process, as a user runs it: the window it builds must not outlive it in the test process
    out = tmp_path / "shot.png"
    r = subprocess.run([sys.executable, "-m", "losscape_lab", "--config", demo, "--screenshot", str(out),
                        "--steps", "10", "--size", "1440x860"], capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    assert r.stderr == ""  # not even Qt's offscreen chatter
    assert "(1440x860), step 10, 2 run(s)" in r.stdout
    img = np.asarray(Image.open(out).convert("RGB"), dtype=float)
    assert img.shape == (860, 1440, 3) and img.std() > 20


def test_command_line_errors_have_no_traceback(tmp_path):
    env = dict(os.environ, DISPLAY="", WAYLAND_DISPLAY="", QT_QPA_PLATFORM="")
    r = subprocess.run([sys.executable, "-m", "losscape_lab", "export", "--preset", "step-size", "--out",
                        str(tmp_path / "x.xyz")], capture_output=True, text=True, env=env)
    assert r.returncode == 2 and "Traceback" not in r.stderr and "unknown file type .xyz" in r.stderr
    r = subprocess.run([sys.executable, "-m", "losscape_lab"], capture_output=True, text=True, env=env)
    assert r.returncode == 2 and "no display" in r.stderr and "--screenshot" in r.stderr
    assert "Traceback" not in r.stderr


def test_paths_leaving_the_frame_are_clipped_with_a_gap():
    from losscape_lab.visualizer.views.pathlayer import clip_path

    a = np.array([0.0, 0.5, 2.0, 0.5, 0.2])
    b = np.array([0.0, 0.2, 0.3, 0.1, -3.0])
    x, y = clip_path(a, b, (-1, 1, -1, 1))
    assert np.all(np.abs(x[np.isfinite(x)]) <= 1) and np.all(np.abs(y[np.isfinite(y)]) <= 1)
    assert np.isnan(x).sum() == 1  # out through the right edge, back in, out through the bottom
    assert x[2] == 1.0 and y[-1] == -1.0
    inside = np.array([0.1, 0.2, 0.3])
    assert clip_path(inside, inside, (-1, 1, -1, 1))[0] is inside


@pytest.mark.parametrize("steps", ["-1", "100001", "1000000000000"])
def test_steps_have_one_cap_on_the_command_line(steps, tmp_path, capsys):
    code, _, err = export(capsys, "--preset", "step-size", "--out", str(tmp_path / "r.csv"), "--steps", steps)
    assert code == 2 and err.strip() == f"losscape: error: --steps must be from 0 to 100000; got {steps}"
    assert main(["--preset", "step-size", "--screenshot", str(tmp_path / "s.png"), "--steps", steps]) == 2


def test_json_and_npz_thin_w_and_say_so(demo, tmp_path, capsys):
    j, z = tmp_path / "d.json", tmp_path / "d.npz"
    assert export(capsys, "--config", demo, "--out", str(j), "--steps", "23", "--every", "5")[0] == 0
    assert export(capsys, "--config", demo, "--out", str(z), "--steps", "23", "--every", "5")[0] == 0
    doc, npz = json.loads(j.read_text()), np.load(z)
    assert doc["W_every"] == 5 and int(npz["W_every"]) == 5
    assert doc["runs"][0]["W_steps"] == [0, 5, 10, 15, 20, 23] == list(npz["run0_W_steps"])
    assert np.array(doc["runs"][0]["W"]).shape[0] == 6 and len(doc["runs"][0]["loss_full"]) == 24
    np.testing.assert_array_equal(np.array(doc["runs"][1]["W"])[-1], doc["runs"][1]["final_W"])
    assert export(capsys, "--config", demo, "--out", str(j), "--every", "0")[0] == 2


def test_a_gif_is_written_frame_by_frame(tmp_path, make, qapp):
    from losscape_lab.visualizer.views.render import write_gif

    s = make("[optimizer]\nsteps = 30\n[landscape]\nresolution = 16")
    s.advance(30)
    req = s.landscape_request()
    s.store_data_grid(req.key, req.compute())

    class Recorder(io.BytesIO):
        writes = 0

        def write(self, b):
            Recorder.writes += 1
            return super().write(b)

    f = Recorder()
    assert write_gif(s, s.landscape(), f, (320, 240), fps=10, frames=12)
    assert Recorder.writes >= 12  # a frame at a time, not one buffer at the end
    img = Image.open(io.BytesIO(f.getvalue()))
    assert img.n_frames == 12 and img.info["loop"] == 0 and img.info["duration"] == 100
    assert not write_gif(s, s.landscape(), io.BytesIO(), (320, 240), 10, 12, progress=lambda i, n: i < 3)


def test_a_long_run_stays_a_vector_path_in_svg(tmp_path, capsys):
    """The window paints the paths from bitmaps at the screen's resolution; an SVG must still get them
    as lines: the run's colour strokes (nearly) every step of a 700-step run as vector points."""
    import re

    cfg = tmp_path / "run.toml"
    cfg.write_text("[optimizer]\nname = \"sgd\"\nsteps = 700\nbatch_size = 4\n[landscape]\nresolution = 24\n")
    out = tmp_path / "fig.svg"
    assert export(capsys, "--config", str(cfg), "--out", str(out), "--size", "600x450")[0] == 0

    def points(el, stroke=None):
        stroke = el.get("stroke", stroke)
        n = 0
        if stroke and stroke.lower() == "#e69f00" and el.tag.endswith(("path", "polyline")):
            n += len(re.findall(r"-?[\d.]+[ ,]-?[\d.]+", el.get("points", "") + el.get("d", "")))
        return n + sum(points(child, stroke) for child in el)
    assert points(ET.parse(out).getroot()) > 300


def test_svg_lines_and_markers_keep_their_screen_size_in_any_reader(demo, tmp_path, capsys):
    """A stroke marked non-scaling (SVG 1.2, which many readers ignore) inside a group that scales data
    units to the page would be drawn a hundred times too wide there: strokes come out already scaled.
    The runs' heads come out as shapes in their colour, ringed in the outline colour."""
    import re

    out = tmp_path / "fig.svg"
    assert export(capsys, "--config", demo, "--out", str(out))[0] == 0

    def scale(transform):
        m = re.match(r"matrix\(([^)]*)\)", transform or "")
        if not m:
            return 1.0
        a, b, c, d = (float(v) for v in m.group(1).split(",")[:4])
        return abs(a * d - b * c) ** 0.5

    bad, heads = [], 0

    def walk(el, s=1.0, stroke=None, fill=None):
        nonlocal heads
        s *= scale(el.get("transform"))
        stroke, fill = el.get("stroke", stroke), el.get("fill", fill)
        if el.get("vector-effect") == "non-scaling-stroke" and stroke not in (None, "none") and abs(s - 1) > 0.01:
            bad.append((el.tag, stroke, s))
        if el.tag.endswith("path") and (fill or "").lower() == "#e69f00" and (stroke or "").lower() == "#111111":
            heads += 1
        for child in el:
            walk(child, s, stroke, fill)
    walk(ET.parse(out).getroot())
    assert not bad, bad[:3]
    assert heads >= 1
