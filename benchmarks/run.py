"""Print images/s and ratios for keras_aug, Keras 3 and albumentations, side by side, from one run.

Usage: ``python -m benchmarks.run [--only NAME ...] [--batches N] [--rounds N] [--placement data|model|both]
[--libraries keras_aug keras albumentations] [--reuse-host-memory] [--markdown FILE]``

``--placement model`` times each TF contender as one ``tf.function(jit_compile=True)`` program (a layer
inside a model compiled with XLA) instead of ``dataset.map``; ``both`` prints both and their ratio.
``--libraries`` times only the libraries named (all three by default). ``--reuse-host-memory`` first calls
:func:`keras_aug.reuse_host_memory` (glibc keeps freed buffers instead of mapping fresh ones per call), as a
CPU training script that puts the layers in a compiled model should; the header says whether it took effect.
"""

from __future__ import annotations

import argparse
import importlib
import os
import pkgutil
import platform

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import tensorflow as tf

from benchmarks.harness import LIBRARIES, PLACEMENTS, Case, run_case


def all_cases() -> list[Case]:
    """Collect ``CASES`` from every ``benchmarks/cases_*.py`` module."""
    import benchmarks

    cases = []
    for module in sorted(
        m.name for m in pkgutil.iter_modules(benchmarks.__path__) if m.name.startswith("cases_")
    ):
        cases.extend(importlib.import_module(f"benchmarks.{module}").CASES)
    return cases


def _ratio(a: float, b: float | None) -> str:
    return f"{a / b:.2f}x" if b else "n/a"


def _rate(value: float | None) -> str:
    return f"{value:,.0f}" if value else "n/a"


def format_row(case: Case, result: dict) -> str:
    ka, k, al = result["keras_aug"], result.get("keras"), result.get("albumentations")
    cells = [case.name, _rate(ka), _rate(k), _rate(al)]
    return "| " + " | ".join([*cells, _ratio(ka, k), _ratio(ka, al)]) + " |"


def format_placement_row(case: Case, result: dict) -> str:
    """A ``--placement model|both`` row: each TF contender in tf.data and as one XLA program.

    Example:
    >>> format_placement_row(Case("x", keras_aug=None), {"keras_aug": 100.0, "keras_aug@model": 50.0})
    '| x | 100 | 50 | 0.50x | n/a | n/a | n/a | n/a |'
    """
    ka, ka_model = result.get("keras_aug"), result.get("keras_aug@model")
    k, k_model = result.get("keras"), result.get("keras@model")
    cells = [_rate(ka), _rate(ka_model), _ratio(ka_model, ka) if ka_model else "n/a"]
    cells += [_rate(k), _rate(k_model), _ratio(k_model, k) if k_model else "n/a"]
    return "| " + " | ".join([case.name, *cells, _rate(result.get("albumentations"))]) + " |"


HEADER = (
    "| case | keras_aug img/s | Keras 3 img/s | albumentations img/s | vs Keras 3 | vs albumentations |\n"
    "|---|---:|---:|---:|---:|---:|"
)
PLACEMENT_HEADER = (
    "| case | keras_aug tf.data | keras_aug model | model/data | Keras 3 tf.data | Keras 3 model | model/data "
    "| albumentations tf.data |\n"
    "|---|---:|---:|---:|---:|---:|---:|---:|"
)


def _usable_cores() -> int:
    """The cores this process may run on (``taskset`` narrows them; ``os.cpu_count`` does not see it)."""
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()


def describe_machine() -> str:
    gpus = tf.config.list_physical_devices("GPU")
    device = ", ".join(tf.config.experimental.get_device_details(g).get("device_name", "GPU") for g in gpus)
    return (
        f"{platform.processor() or platform.machine()}, {_usable_cores()} CPU cores"
        + (f", GPU: {device}" if gpus else ", no GPU")
        + f"; TF {tf.__version__}"
    )


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--only", nargs="*", help="case names to run (default: all)")
    parser.add_argument("--batch-size", type=int, default=32)
    parser.add_argument("--batches", type=int, default=20, help="batches timed per round")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument(
        "--placement",
        choices=PLACEMENTS,
        default="data",
        help="data: dataset.map(layer); model: one jit_compile=True program per batch; both: both and the ratio",
    )
    parser.add_argument(
        "--libraries",
        nargs="+",
        choices=LIBRARIES,
        default=list(LIBRARIES),
        help="which libraries to time (default all; e.g. keras_aug alone for a quick placement table)",
    )
    parser.add_argument(
        "--reuse-host-memory",
        action="store_true",
        help="call keras_aug.reuse_host_memory() first (glibc: reuse freed buffers across calls)",
    )
    parser.add_argument("--markdown", help="also append the table to this file")
    args = parser.parse_args(argv)
    memory = "default host memory"
    if args.reuse_host_memory:
        import keras_aug

        memory = "host memory reused" if keras_aug.reuse_host_memory() else "host memory: reuse not available"
    cases = [c for c in all_cases() if not args.only or c.name in args.only]
    by_placement = args.placement != "data"
    lines = [
        f"Machine: {describe_machine()}; {memory}; batch {args.batch_size}, best of {args.rounds} rounds"
        + (f", placement {args.placement}" if by_placement else ""),
        "",
        PLACEMENT_HEADER if by_placement else HEADER,
    ]
    print("\n".join(lines), flush=True)
    for case in cases:
        result = run_case(case, args.batch_size, args.batches, args.rounds, args.placement, args.libraries)
        row = format_placement_row(case, result) if by_placement else format_row(case, result)
        print(row, flush=True)
        lines.append(row)
    if args.markdown:
        with open(args.markdown, "a") as f:
            f.write("\n".join(lines) + "\n\n")


if __name__ == "__main__":
    main()
