"""Peak memory of one layer call on one large image, as MiB and as a multiple of the image's bytes.

Usage: ``python -m benchmarks.memory [--size 4096] [--dtype uint8 uint16 float32] [--only NAME ...]``

Each case (the ``keras_aug`` contender of the benchmark case of that name, see :mod:`benchmarks.run`)
runs in a fresh Python process on one ``[1, size, size, channels]`` image:

1. two warm-up calls on the same shape and dtype, so tracing and XLA compilation are excluded;
2. the kernel's peak-RSS mark is reset: writing ``5`` to ``/proc/self/clear_refs`` sets ``VmHWM`` (the
   high-water mark of the resident set) back to the current ``VmRSS`` (Linux >= 4.0);
3. one timed call, the result kept alive;
4. the peak is ``VmHWM`` after the call minus ``VmRSS`` before it: every byte the call held at its
   worst moment, the returned image included (so the floor is 1x the image).

The child runs with two allocator settings, without which freed memory stays resident and the call
reuses what the warm-up left (RSS then hardly moves, and the peak reads far too low):

- ``TF_ENABLE_ONEDNN_OPTS=0``: with oneDNN on (TF's default on x86), TF's CPU allocator keeps freed
  memory in a pool that is never given back (the pool grows to at least the peak measured here). XLA
  units do not use oneDNN, so the ops and their results are the same.
- ``MALLOC_MMAP_THRESHOLD_=65536``: glibc then maps every block of 64 KiB or more on its own and unmaps
  it when freed (by default the threshold grows to 32 MiB as blocks are freed, and smaller blocks are
  kept in the heap for reuse).

The input image is a smooth random image (:func:`benchmarks.harness.sample_batch`); ``float32`` images
hold the same values as ``uint8`` (0..255, the layers' default ``value_range``).
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import subprocess
import sys

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

#: The cases measured by default: every general warp, elastic distortion and CLAHE.
DEFAULT_CASES = (
    "rotation",
    "affine",
    "shear",
    "perspective",
    "zoom",
    "translation",
    "elastic",
    "elastic_simard",
    "clahe_rgb",
)
DTYPES = ("uint8", "uint16", "float32")


def _status_kib(field: str) -> int:
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith(field + ":"):
                return int(line.split()[1])
    raise RuntimeError(f"{field} is not in /proc/self/status")


def _reset_peak() -> None:
    with open("/proc/self/clear_refs", "w") as f:
        f.write("5")


def _image(size: int, channels: int, dtype: str):
    import numpy as np

    from benchmarks.harness import sample_batch

    if dtype == "float32":
        return sample_batch(1, size, channels).astype(np.float32)
    return sample_batch(1, size, channels, dtype=dtype)


def measure_case(name: str, size: int, dtype: str = "uint8") -> dict:
    """Peak RSS increase (bytes) of one call of case ``name`` on one ``size``-square image, in this process.

    Returns ``{"case", "size", "dtype", "image_bytes", "peak_bytes", "factor"}``. Call it in a fresh
    process (:func:`measure_in_subprocess`): allocator caches left by earlier cases would hide memory.

    Example:
    >>> result = measure_case("rotation", 64)  # doctest: +SKIP
    >>> sorted(result)  # doctest: +SKIP
    ['case', 'dtype', 'factor', 'image_bytes', 'peak_bytes', 'size']
    """
    import tensorflow as tf

    from benchmarks.run import all_cases

    case = next(c for c in all_cases() if c.name == name)
    fn = case.keras_aug()
    image = tf.constant(_image(size, case.channels, dtype))
    for _ in range(2):
        warm = fn(image)
    del warm
    gc.collect()
    _reset_peak()
    before = _status_kib("VmRSS")
    out = fn(image)
    peak = _status_kib("VmHWM")
    del out
    image_bytes = int(image.shape.num_elements() * image.dtype.size)
    peak_bytes = (peak - before) * 1024
    return {
        "case": name,
        "size": size,
        "dtype": dtype,
        "image_bytes": image_bytes,
        "peak_bytes": peak_bytes,
        "factor": peak_bytes / image_bytes,
    }


def measure_in_subprocess(name: str, size: int, dtype: str = "uint8", timeout: float = 600) -> dict:
    """:func:`measure_case` in a fresh Python process (this module's ``--child`` mode).

    Returns its dict, or ``{"case", "size", "dtype", "error"}`` when the case fails.
    """
    command = [sys.executable, "-m", "benchmarks.memory", "--child", name, "--size", str(size)]
    command += ["--dtype", dtype]
    env = {**os.environ, "TF_ENABLE_ONEDNN_OPTS": "0", "MALLOC_MMAP_THRESHOLD_": "65536"}
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))  # this checkout's keras_aug
    env["PYTHONPATH"] = os.pathsep.join([root, *filter(None, [env.get("PYTHONPATH")])])
    done = subprocess.run(command, capture_output=True, text=True, timeout=timeout, env=env, cwd=root)
    lines = [line for line in done.stdout.splitlines() if line.startswith("{")]
    if done.returncode != 0 or not lines:
        error = (done.stderr.strip().splitlines() or ["no output"])[-1]
        return {"case": name, "size": size, "dtype": dtype, "error": error}
    return json.loads(lines[-1])


def format_row(result: dict) -> str:
    """One markdown table row: case, dtype, peak MiB and the multiple of the image's bytes."""
    if "error" in result:
        return f"| {result['case']} | {result['dtype']} | n/a | n/a ({result['error'][:60]}) |"
    mib = result["peak_bytes"] / 2**20
    return f"| {result['case']} | {result['dtype']} | {mib:,.0f} | {result['factor']:.1f}x |"


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    parser.add_argument("--only", nargs="*", help=f"case names (default: {' '.join(DEFAULT_CASES)})")
    parser.add_argument("--size", type=int, default=4096, help="image height and width")
    parser.add_argument("--dtype", nargs="*", default=["uint8"], choices=DTYPES)
    parser.add_argument("--child", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        print(json.dumps(measure_case(args.child, args.size, args.dtype[0])), flush=True)
        return
    print(f"Peak RSS increase of one call on one {args.size}x{args.size} image (after warm-up)\n")
    print("| case | dtype | peak MiB | x image bytes |\n|---|---|---:|---:|", flush=True)
    for name in args.only or DEFAULT_CASES:
        for dtype in args.dtype:
            print(format_row(measure_in_subprocess(name, args.size, dtype)), flush=True)


if __name__ == "__main__":
    main()
