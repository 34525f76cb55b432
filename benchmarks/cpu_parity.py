"""CPU time per batch of keras_aug's ops against single-threaded OpenCV, in one process (issue 14).

Usage: ``python -m benchmarks.cpu_parity [--rounds N]``

``benchmarks.run`` times whole ``tf.data`` pipelines, whose ratios move with the machine's load (OpenCV's
own threads suffer most from contention). This script instead takes the process CPU time of one batch of
32 uint8 images (224x224) through each op and through OpenCV with ``cv2.setNumThreads(1)``, the
contenders taking turns, and keeps each one's best round: a ratio of CPU costs that load changes less.
Cases: rotation (±180°) and affine (the ``affine`` case's ranges) warps with reflect fill against
``cv2.warpAffine(INTER_LINEAR, BORDER_REFLECT)``, and gray CLAHE (clip 4, 8x8 tiles) against
``cv2.createCLAHE(...).apply``.
"""

from __future__ import annotations

import argparse
import os
import time
from collections.abc import Callable

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import cv2
import numpy as np
import tensorflow as tf

from keras_aug.ops import geometry, histogram

BATCH, SIZE = 32, 224


def _matrices(rng: np.random.Generator) -> dict[str, tf.Tensor]:
    rotation = geometry.rotation_matrix(rng.uniform(-np.pi, np.pi, BATCH).astype(np.float32), SIZE, SIZE)
    affine = geometry.affine_matrix(
        angle=rng.uniform(-30, 30, BATCH).astype(np.float32),
        translate=rng.uniform(-0.1 * SIZE, 0.1 * SIZE, (BATCH, 2)).astype(np.float32),
        scale=rng.uniform(0.8, 1.2, BATCH).astype(np.float32),
        shear=rng.uniform(-10, 10, (BATCH, 2)).astype(np.float32),
        height=SIZE,
        width=SIZE,
    )
    return {"rotation": rotation, "affine": affine}


def contenders(rng: np.random.Generator) -> dict[str, tuple]:
    """``{case: (keras_aug fn, OpenCV fn)}``, each running one batch."""
    rgb = rng.integers(0, 256, (BATCH, SIZE, SIZE, 3), dtype=np.uint8)
    gray = rng.integers(0, 256, (BATCH, SIZE, SIZE, 1), dtype=np.uint8)
    rgb_t, gray_t = tf.constant(rgb), tf.constant(gray)
    cases = {}
    for name, matrices in _matrices(rng).items():
        cv_rows = matrices.numpy()[:, :2]

        def ours(matrices=matrices):
            return geometry.warp(rgb_t, matrices, "bilinear", "reflect").numpy()

        def theirs(cv_rows=cv_rows):
            flags = cv2.INTER_LINEAR | cv2.WARP_INVERSE_MAP
            for image, m in zip(rgb, cv_rows, strict=True):
                cv2.warpAffine(image, m, (SIZE, SIZE), flags=flags, borderMode=cv2.BORDER_REFLECT)

        cases[name] = (ours, theirs)

    def clahe_ours():
        return histogram.clahe(gray_t, 4.0, (8, 8)).numpy()

    def clahe_theirs():
        for image in gray[..., 0]:
            cv2.createCLAHE(clipLimit=4.0, tileGridSize=(8, 8)).apply(image)

    cases["clahe_gray"] = (clahe_ours, clahe_theirs)
    return cases


def best_cpu_ms(fns: dict[str, Callable], rounds: int) -> dict[str, float]:
    """Best process CPU time (ms) of each fn over ``rounds`` rounds, the fns taking turns."""
    best = dict.fromkeys(fns, float("inf"))
    for fn in fns.values():
        fn()  # compile
    for _ in range(rounds):
        for name, fn in fns.items():
            start = time.process_time()
            fn()
            best[name] = min(best[name], (time.process_time() - start) * 1e3)
    return best


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rounds", type=int, default=12)
    args = parser.parse_args(argv)
    cv2.setNumThreads(1)
    cases = contenders(np.random.default_rng(0))
    fns = {
        f"{case} {who}": fn
        for case, pair in cases.items()
        for who, fn in zip(("ka", "cv"), pair, strict=True)
    }
    best = best_cpu_ms(fns, args.rounds)
    print(
        f"CPU ms per batch of {BATCH} ({SIZE}x{SIZE} uint8), best of {args.rounds}; load {os.getloadavg()[0]:.1f}"
    )
    print("| case | keras_aug ms | OpenCV 1 thread ms | keras_aug speed vs OpenCV |\n|---|---:|---:|---:|")
    for case in cases:
        ours, theirs = best[f"{case} ka"], best[f"{case} cv"]
        print(f"| {case} | {ours:.2f} | {theirs:.2f} | {theirs / ours:.2f}x |")


if __name__ == "__main__":
    main()
