"""Re-execute the notebooks and store them WITH their outputs (so the figures show on GitHub).

    pip install nbclient nbformat ipykernel   # dev-only tools, not dependencies of keras_aug
    python notebooks/execute.py                # all notebooks
    python notebooks/execute.py notebooks/06_imagenet_recipe.ipynb

Each notebook runs top to bottom in a fresh ``python3`` Jupyter kernel, in a temporary directory (files
it writes do not land in the repository), with this checkout first on ``PYTHONPATH`` (so its install
cell imports the local ``keras_aug`` and never reaches the network) and ``TF_CPP_MIN_LOG_LEVEL=3``.
The stored form keeps outputs and execution counts and drops what changes on every run (execution
timestamps, the kernel's version details). The script refuses to store a notebook whose outputs hold
an error or TensorFlow's start-up log lines, and reports each file's size.
"""

from __future__ import annotations

import argparse
import copy
import importlib.util
import os
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
MAX_BYTES = 1_500_000  # keep each stored notebook small enough to read on GitHub


def _environment() -> None:
    """The kernel inherits this process's environment."""
    os.environ["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")]))
    os.environ["TF_CPP_MIN_LOG_LEVEL"] = "3"
    os.environ.pop("MPLBACKEND", None)  # the kernel's inline backend, so figures become outputs


def _quiet():
    """``keras_aug._quiet`` (standard library only) without importing keras_aug, so TensorFlow."""
    spec = importlib.util.spec_from_file_location("_keras_aug_quiet", ROOT / "keras_aug" / "_quiet.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def problems(notebook) -> list[str]:
    """Error outputs and TensorFlow start-up log lines in ``notebook``'s stored outputs."""
    is_startup_log_line = _quiet().is_startup_log_line
    found = []
    for index, cell in enumerate(notebook.cells):
        for output in cell.get("outputs", []):
            if output.get("output_type") == "error":
                found.append(f"cell {index}: {output.get('ename')}: {output.get('evalue')}")
            if output.get("output_type") == "stream":
                text = output.get("text", "")
                text = text if isinstance(text, str) else "".join(text)
                found += [
                    f"cell {index}: log line {line!r}"
                    for line in text.splitlines()
                    if is_startup_log_line(line)
                ]
    return found


def execute(path: Path, timeout: int) -> int:
    """Run ``path`` in a fresh kernel and store it with outputs; returns the stored size in bytes."""
    import nbformat
    from nbclient import NotebookClient

    notebook = nbformat.read(path, as_version=4)
    metadata = copy.deepcopy(notebook.metadata)
    with tempfile.TemporaryDirectory(prefix=f"{path.stem}-") as workdir:
        client = NotebookClient(
            notebook,
            timeout=timeout,
            kernel_name="python3",
            record_timing=False,
            resources={"metadata": {"path": workdir}},
        )
        client.execute()
    notebook.metadata = metadata  # not the kernel's version details: stable diffs
    for cell in notebook.cells:
        cell.metadata.pop("execution", None)
    found = problems(notebook)
    if found:
        raise SystemExit(f"{path.name}: not stored, its outputs have:\n  " + "\n  ".join(found))
    nbformat.validate(notebook)
    nbformat.write(notebook, path)
    size = path.stat().st_size
    if size > MAX_BYTES:
        print(f"warning: {path.name} is {size / 1e6:.2f} MB (keep figures small)", file=sys.stderr)
    return size


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("notebooks", nargs="*", type=Path, help="default: notebooks/*.ipynb")
    parser.add_argument("--timeout", type=int, default=600, help="seconds per cell")
    args = parser.parse_args(argv)
    _environment()
    for path in args.notebooks or sorted((ROOT / "notebooks").glob("*.ipynb")):
        start = time.perf_counter()
        size = execute(path.resolve(), args.timeout)
        print(f"{path.name}: {size / 1e3:.0f} kB, ran in {time.perf_counter() - start:.0f} s", flush=True)


if __name__ == "__main__":
    main()
