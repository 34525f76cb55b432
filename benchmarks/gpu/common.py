"""Shared by run_hlo.py and peers.py on the GPU machine: NumPy only (optional cv2), no TensorFlow.

Environment knobs: ``GPU_BATCHES`` (default ``256,1024,2048``), ``GPU_SIZE`` (224), ``GPU_WARMUP`` (3),
``GPU_RUNS`` (20), ``GPU_CASE_TIME_S`` (timed calls stop past this, 4), ``GPU_DEADLINE`` (epoch seconds after
which cases are skipped), ``OUT`` (where results go).
"""

from __future__ import annotations

import json
import os
import statistics
import time

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
DEFAULT_DIR = os.path.join(HERE, "out")  # git-ignored: exported programs, wheels, results
BATCHES = tuple(int(b) for b in os.environ.get("GPU_BATCHES", "256,1024,2048").split(",") if b)
SIZE = int(os.environ.get("GPU_SIZE", "224"))
WARMUP = int(os.environ.get("GPU_WARMUP", "3"))
RUNS = int(os.environ.get("GPU_RUNS", "20"))
CASE_TIME_S = float(os.environ.get("GPU_CASE_TIME_S", "4"))
NUM_CLASSES = 10  # as benchmarks/cases_mix.py
#: The benchmark cases (benchmarks/cases_*.py names) the GPU route exports, checks and times.
CASES = (
    "flip",
    "translation",
    "rotation",
    "zoom",
    "affine",
    "brightness_contrast",
    "clahe_gray",
    "clahe_rgb",
    "cutout",
    "mixup",
    "cutmix",
    "elastic",
    "elastic_simard",
)


def results_dir() -> str:
    """``$OUT`` when set (the device machine's output folder), else ``benchmarks/gpu/out/results``."""
    path = os.environ.get("OUT") or os.path.join(DEFAULT_DIR, "results")
    os.makedirs(path, exist_ok=True)
    return path


def past_deadline() -> bool:
    """True once ``GPU_DEADLINE`` (epoch seconds) has passed: the remaining cases are skipped."""
    return time.time() > float(os.environ.get("GPU_DEADLINE", "inf"))


def sample_batch(batch: int, size: int, channels: int, seed: int = 0) -> np.ndarray:
    """Smooth random uint8 images like ``benchmarks.harness.sample_batch``, without TensorFlow.

    Example:
    >>> sample_batch(2, 16, 3).shape
    (2, 16, 16, 3)
    """
    rng = np.random.default_rng(seed)
    coarse = rng.uniform(0, 255, (batch, size // 8 + 1, size // 8 + 1, channels)).astype(np.float32)
    rep = -(-size // coarse.shape[1])
    fine = np.repeat(np.repeat(coarse, rep, 1), rep, 2)[:, :size, :size]
    noise = rng.normal(0, 12, fine.shape)
    return np.clip(fine + noise, 0, 255).astype(np.uint8)


def time_fn(fn, sync, warmup: int = WARMUP, runs: int = RUNS, max_s: float = CASE_TIME_S) -> dict:
    """Warm up, then time up to ``runs`` calls, each ended by ``sync(result)``; the median counts.

    Example:
    >>> time_fn(lambda: 1, lambda r: r, warmup=1, runs=3)["runs"]
    3
    """
    t0 = time.perf_counter()
    for _ in range(warmup):
        sync(fn())
    warmup_s = time.perf_counter() - t0
    times, start = [], time.perf_counter()
    for _ in range(runs):
        t = time.perf_counter()
        sync(fn())
        times.append(time.perf_counter() - t)
        if time.perf_counter() - start > max_s and len(times) >= 3:
            break
    return {
        "median_s": statistics.median(times),
        "min_s": min(times),
        "runs": len(times),
        "warmup_s": warmup_s,
    }


class Results:
    """A JSON file rewritten after every entry, so a run killed at its time limit keeps what it measured."""

    def __init__(self, name: str, meta: dict):
        self.path = os.path.join(results_dir(), name)
        self.data = {"meta": meta, "cases": {}}
        self.save()

    def add(self, key: str, value: dict) -> None:
        self.data["cases"][key] = value
        self.save()

    def save(self) -> None:
        with open(self.path, "w") as f:
            json.dump(self.data, f, indent=1, default=str)


def table(rows: list[tuple], header: tuple) -> str:
    """A plain-text table, first column left-aligned.

    Example:
    >>> print(table([("a", 1)], ("k", "v")))
    k | v
    --+--
    a | 1
    """
    rows = [tuple(str(c) for c in r) for r in rows]
    widths = [max([len(str(h))] + [len(r[i]) for r in rows]) for i, h in enumerate(header)]

    def line(cells):
        return " | ".join(
            c.ljust(w) if i == 0 else c.rjust(w) for i, (c, w) in enumerate(zip(cells, widths, strict=False))
        )

    return "\n".join(
        [line([str(h) for h in header]), "-+-".join("-" * w for w in widths)] + [line(r) for r in rows]
    )
