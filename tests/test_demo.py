"""``python -m keras_aug demo``: the picture it writes, and a start-up without TensorFlow's log lines."""

import importlib.util
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import tensorflow as tf

from keras_aug import demo, layers
from keras_aug._font import _GLYPHS

ROOT = Path(__file__).resolve().parents[1]


def _env(**extra) -> dict:
    env = {k: v for k, v in os.environ.items() if k != "TF_CPP_MIN_LOG_LEVEL"}
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH")]))
    env.update(extra)
    return env


def test_demo_writes_its_pictures_and_no_tensorflow_log_lines(tmp_path):
    out = tmp_path / "demo.png"
    result = subprocess.run(
        [sys.executable, "-m", "keras_aug", "demo", "--out", str(out), "--samples", "2", "--size", "48"],
        cwd=tmp_path,
        env=_env(),  # no TF_CPP_MIN_LOG_LEVEL: the command line asks for quiet itself
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    paths = [out, tmp_path / "demo_2.png", tmp_path / "demo_3.png"]
    assert result.stdout.splitlines() == [f"wrote {path}" for path in paths]
    for noise in (
        "oneDNN",
        "cudart",
        "absl::InitializeLog",
        "XLA service",
        "StreamExecutor",
        "cuInit",
        "retracing",
    ):
        assert noise not in result.stderr, result.stderr[-3000:]
    for path, rows in zip(paths, [len(page) for page in demo.demo_pages()], strict=True):
        grid = tf.io.decode_png(tf.io.read_file(str(path))).numpy()
        assert grid.dtype == np.uint8 and grid.shape[2] == 3
        assert grid.shape[0] == rows * (48 + 4) + 4  # one row of 48-pixel tiles per augmentation
        assert rows <= demo.MAX_ROWS
        assert len(np.unique(grid.reshape(-1, 3), axis=0)) > 1000  # photos, not blank tiles


#: exported names the demo does not show, and why
NOT_IN_DEMO = {
    "BaseAugmentation": "base class",
    "BaseGeometric": "base class",
    "OneOf": "compose layer: it applies other layers",
    "Pipeline": "compose layer",
    "RandomApply": "compose layer",
    "SomeOf": "compose layer",
    "Normalization": "changes the value range (floats around 0), not an augmentation to look at",
    "Rescaling": "changes the value range, not an augmentation to look at",
    "MaxNumBoundingBoxes": "pads bounding boxes; images are unchanged",
}


def test_every_exported_augmentation_has_a_demo_row():
    shown = {type(layer).__name__ for row in demo.default_rows() for layer in row.layers}
    exported = set(layers.__all__)
    assert not NOT_IN_DEMO.keys() - exported, "stale exclusion"
    assert exported - NOT_IN_DEMO.keys() - shown == set()
    assert not shown & NOT_IN_DEMO.keys()


def test_size_changing_rows_give_tiles_of_the_input_size():
    image = tf.zeros([24, 32, 3], tf.uint8)
    rows = [
        row for row in demo.crop_colour_rows(size=(24, 32)) if "CROP" in row.label or "RESIZE" in row.label
    ]
    assert len(rows) == 4
    for row in rows:  # render_grid raises if a row's tiles differ from the image's size
        assert demo.render_grid(image, [row], samples=2).shape[0] == 24 + 2 * 4


def test_labels_are_unique_and_use_only_the_fonts_glyphs():
    labels = [row.label for row in demo.default_rows()]
    assert len(set(labels)) == len(labels)
    assert all(set(label.upper()) <= set(_GLYPHS) for label in labels)


def _quiet_module():
    """keras_aug/_quiet.py loaded on its own (the package import would import TensorFlow first)."""
    spec = importlib.util.spec_from_file_location("_quiet_alone", ROOT / "keras_aug" / "_quiet.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_startup_log_lines_are_recognized():
    quiet = _quiet_module()
    hidden = [
        "I0000 00:00:1796494101.578753   31283 port.cc:153] oneDNN custom operations are on.",
        "W1205 12:00:01.5  7 cuda_executor.cc:12] something",
        "2026-12-05 19:07:29.079819: I tensorflow/core/util/port.cc:113] oneDNN custom operations are on.",
        "WARNING: All log messages before absl::InitializeLog() is called are written to STDERR",
        "To enable the following instructions: AVX2 FMA, in other operations, rebuild TensorFlow with the "
        "appropriate compiler flags.",
    ]
    assert all(quiet.is_startup_log_line(line) for line in hidden)
    error = "E0000 00:00:1796494155.356282   32310 cuda_platform.cc:52] failed call to cuInit"
    assert quiet.is_startup_log_line(error, "3") and not quiet.is_startup_log_line(error, "2")
    for kept in ("Traceback (most recent call last):", "ValueError: x", "I0000 is not a log line", ""):
        assert not quiet.is_startup_log_line(kept)


def test_filter_writes_back_everything_but_log_lines(tmp_path):
    script = f"""
import importlib.util, os, sys
spec = importlib.util.spec_from_file_location("q", {str(ROOT / "keras_aug" / "_quiet.py")!r})
q = importlib.util.module_from_spec(spec); spec.loader.exec_module(q)
with q.startup_logs_filtered():
    os.write(2, b"I0000 00:00:17.5   1 port.cc:153] hidden\\nkept line\\n")
print("done")
"""
    run = lambda level: subprocess.run(  # noqa: E731
        [sys.executable, "-c", script], env=_env(TF_CPP_MIN_LOG_LEVEL=level), capture_output=True, text=True
    )
    quiet, loud = run("3"), run("0")
    assert quiet.returncode == 0 and quiet.stdout == "done\n"
    assert quiet.stderr == "kept line\n"
    assert "hidden" in loud.stderr and "kept line" in loud.stderr  # level 0: nothing is captured
