"""Print images/s and ratios for keras_aug, Keras 3 and albumentations, side by side, from one run.

Usage: ``python -m benchmarks.run [--only NAME ...] [--batches N] [--rounds N] [--markdown FILE]``
"""

from __future__ import annotations

import argparse
import importlib
import os
import pkgutil
import platform

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import tensorflow as tf

from benchmarks.harness import Case, run_case


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


def format_row(case: Case, result: dict) -> str:
    ka, k, al = result["keras_aug"], result.get("keras"), result.get("albumentations")
    cells = [case.name, f"{ka:,.0f}", f"{k:,.0f}" if k else "n/a", f"{al:,.0f}" if al else "n/a"]
    return "| " + " | ".join([*cells, _ratio(ka, k), _ratio(ka, al)]) + " |"


HEADER = (
    "| case | keras_aug img/s | Keras 3 img/s | albumentations img/s | vs Keras 3 | vs albumentations |\n"
    "|---|---:|---:|---:|---:|---:|"
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
    parser.add_argument("--markdown", help="also append the table to this file")
    args = parser.parse_args(argv)
    cases = [c for c in all_cases() if not args.only or c.name in args.only]
    lines = [
        f"Machine: {describe_machine()}; batch {args.batch_size}, best of {args.rounds} rounds",
        "",
        HEADER,
    ]
    print("\n".join(lines), flush=True)
    for case in cases:
        row = format_row(case, run_case(case, args.batch_size, args.batches, args.rounds))
        print(row, flush=True)
        lines.append(row)
    if args.markdown:
        with open(args.markdown, "a") as f:
            f.write("\n".join(lines) + "\n\n")


if __name__ == "__main__":
    main()
