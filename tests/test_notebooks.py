"""Run every notebook in ``notebooks/`` end to end, offline, as CI does.

No Jupyter needed: the code cells are joined into one script (IPython ``%`` magics become calls that
fail loudly, so an install cell that tries the network is an error here) and run in a fresh Python
process with the repository on ``PYTHONPATH``, matplotlib (if installed) on the non-interactive Agg
backend, and a timeout. Also checks the committed form: stored WITH outputs (so the figures show on
GitHub; ``python notebooks/execute.py`` refreshes them), executed top to bottom, with at least one
figure, no errors and no TensorFlow start-up log lines, a Colab badge pointing at the notebook itself,
and an install cell that is skipped when ``keras_aug`` is importable.
"""

import json
import os
import re
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from keras_aug._quiet import is_startup_log_line

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = sorted((ROOT / "notebooks").glob("*.ipynb"))
TIMEOUT_S = 180  # the budget per notebook, on CPU

PRELUDE = """
def get_ipython():
    class _NoMagic:
        def run_line_magic(self, name, line):
            raise RuntimeError(f"notebook ran %{name} {line!r} under test (no network / shell in CI)")

        run_cell_magic = system = run_line_magic

    return _NoMagic()
"""


def _source(cell) -> str:
    source = cell["source"]
    return source if isinstance(source, str) else "".join(source)


def _magic_to_call(line: str) -> str:
    """``%pip install x`` -> ``get_ipython().run_line_magic('pip', 'install x')``, keeping the indent."""
    match = re.match(r"^(\s*)([%!])(%?)(\w*)\s*(.*)$", line)
    if not match:
        return line
    indent, escape, _, name, rest = match.groups()
    if escape == "!":
        return f"{indent}get_ipython().system({(name + ' ' + rest).strip()!r}, '')"
    return f"{indent}get_ipython().run_line_magic({name!r}, {rest!r})"


def to_script(notebook: dict) -> str:
    parts = [PRELUDE]
    for index, cell in enumerate(notebook["cells"]):
        if cell["cell_type"] != "code":
            continue
        lines = [_magic_to_call(line) for line in _source(cell).splitlines()]
        parts.append(f"# ---- cell {index} ----\n" + "\n".join(lines) + "\n")
    return "\n".join(parts)


def load(path: Path) -> dict:
    with open(path, encoding="utf-8") as f:
        return json.load(f)


def test_there_are_notebooks():
    names = [p.name for p in NOTEBOOKS]
    for expected in (
        "01_quickstart.ipynb",
        "02_medical_gray_clahe.ipynb",
        "03_cutmix_mixup_training.ipynb",
        "04_segmentation_masks_elastic.ipynb",
        "05_medical_16bit.ipynb",
        "06_imagenet_recipe.ipynb",
    ):
        assert expected in names


def _text(value) -> str:
    return value if isinstance(value, str) else "".join(value)


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_committed_form(path):
    notebook = load(path)
    cells = notebook["cells"]
    code = [cell for cell in cells if cell["cell_type"] == "code"]
    refresh = "run `python notebooks/execute.py` to store the notebooks with their outputs"
    counts = [cell.get("execution_count") for cell in code]
    assert counts == list(range(1, len(code) + 1)), f"cells not executed in order ({counts}): {refresh}"
    outputs = [output for cell in code for output in cell.get("outputs", [])]
    errors = [f"{o.get('ename')}: {o.get('evalue')}" for o in outputs if o["output_type"] == "error"]
    assert not errors, f"error outputs: {errors}"
    figures = [o for o in outputs if "image/png" in o.get("data", {})]
    assert figures, f"no image/png output: {refresh}"
    logs = [
        line
        for o in outputs
        if o["output_type"] == "stream"
        for line in _text(o["text"]).splitlines()
        if is_startup_log_line(line)
    ]
    assert not logs, f"TensorFlow start-up log lines in the stored outputs: {logs[:3]}"
    first = _source(cells[0])
    assert cells[0]["cell_type"] == "markdown" and "colab-badge.svg" in first
    assert f"/notebooks/{path.name})" in first, "the badge must open this notebook"
    install = _source(cells[1])
    assert "import keras_aug" in install and "except ImportError" in install and "%pip install" in install
    assert install.index("import keras_aug") < install.index("%pip install"), "install only when missing"


def test_magics_become_calls():
    expected = """    get_ipython().run_line_magic('pip', 'install -q "x"')"""
    assert _magic_to_call('    %pip install -q "x"') == expected
    assert _magic_to_call("x = 1  # 50% done") == "x = 1  # 50% done"


def _run(path: Path, workdir: Path):
    """Run one notebook as a script in ``workdir``; returns ``(returncode or None on timeout, output)``."""
    workdir.mkdir(parents=True, exist_ok=True)
    script = workdir / f"{path.stem}.py"
    script.write_text(to_script(load(path)), encoding="utf-8")
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH")]))
    env.update({"MPLBACKEND": "Agg", "TF_CPP_MIN_LOG_LEVEL": "3", "PYTHONWARNINGS": "ignore"})
    try:
        result = subprocess.run(
            [sys.executable, str(script)],
            cwd=workdir,  # figures the notebook writes land here
            env=env,
            capture_output=True,
            text=True,
            timeout=TIMEOUT_S,
        )
    except subprocess.TimeoutExpired as error:
        output = error.stdout.decode() if isinstance(error.stdout, bytes) else (error.stdout or "")
        return None, output[-3000:]
    return result.returncode, f"{result.stdout[-2000:]}\n{result.stderr[-6000:]}"


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    """Start every notebook at once, two at a time (TensorFlow startup overlaps the other's compiles)."""
    root = tmp_path_factory.mktemp("notebooks")
    with ThreadPoolExecutor(max_workers=2) as pool:
        futures = {path: pool.submit(_run, path, root / path.stem) for path in NOTEBOOKS}
        yield futures


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_notebook_runs_offline(path, runs):
    returncode, output = runs[path].result()
    if returncode is None:
        pytest.fail(f"{path.name} ran longer than {TIMEOUT_S} s:\n{output}")
    if returncode != 0:
        pytest.fail(f"{path.name} failed:\n{output}")
