"""The GPU benchmark's route (benchmarks/gpu): keras_aug's XLA programs exported on CPU with TF, run by JAX.

A few benchmark cases are exported small (4 x 64 x 64) and run through JAX's XLA on CPU, as run_hlo.py runs
them on a GPU: their outputs must be TF's, and NumPy's flips / one-hot label sums must hold for what JAX
returns, so a program that ran but computed something else would fail too.
"""

import json
import os
import sys

import numpy as np
import pytest

jax = pytest.importorskip("jax")
pytest.importorskip("jax.export", reason="jax.export (JAX >= 0.4.30) reads the exported programs")

try:  # the export converts TF's HLO with jaxlib's hlo_to_stablehlo (newer jaxlibs than the lowest job's 0.4.34)
    from jax._src.lib import xla_client

    _CAN_CONVERT = hasattr(xla_client._xla.mlir, "hlo_to_stablehlo")
except (ImportError, AttributeError):
    _CAN_CONVERT = False
if not _CAN_CONVERT:
    pytest.skip("this jaxlib cannot convert HLO to StableHLO", allow_module_level=True)

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
if ROOT not in sys.path:  # benchmarks/ is not installed with the package
    sys.path.insert(0, ROOT)

from benchmarks.gpu import export, run_hlo  # noqa: E402

CASES = ("flip", "rotation", "mixup")


@pytest.fixture(scope="module")
def hlo_dir(tmp_path_factory):
    out = str(tmp_path_factory.mktemp("hlo"))
    export.write_manifest(out, {name: export.export_case(name, out, batches=()) for name in CASES})
    return out


@pytest.fixture(scope="module")
def programs(hlo_dir):
    """Each case's small program, loaded (compiled by JAX) once: name -> call(*arrays) -> list of arrays."""
    return {name: run_hlo.load(hlo_dir, name, "small", jax.devices("cpu")[0])[1] for name in CASES}


def _run_small(hlo_dir, programs, name):
    data = np.load(os.path.join(hlo_dir, f"{name}.small.npz"))
    return data, [np.asarray(o) for o in programs[name](data["x"], data["seed"])]


@pytest.mark.parametrize("name", CASES)
def test_jax_runs_the_exported_program_as_tf_does(hlo_dir, name):
    result = run_hlo.check_small(hlo_dir, name, jax.devices("cpu")[0])
    assert result["loader"] == "export"
    assert result["agrees"], result


def test_exported_flip_flips_each_image(hlo_dir, programs):
    data, (out,) = _run_small(hlo_dir, programs, "flip")
    x = data["x"]
    flips = [
        [np.array_equal(o, f) for f in (i, i[::-1], i[:, ::-1], i[::-1, ::-1])]
        for i, o in zip(x, out, strict=True)
    ]
    assert all(any(row) for row in flips), flips
    assert not all(row[0] for row in flips), "the seed flipped nothing: the seed argument is not used"


def test_exported_flip_depends_on_the_seed_argument(hlo_dir, programs):
    data = np.load(os.path.join(hlo_dir, "flip.small.npz"))
    outs = {
        tuple(np.asarray(programs["flip"](data["x"], np.array([s, 0], np.int32))[0]).ravel()[::97])
        for s in range(8)
    }
    assert len(outs) > 1


def test_exported_mixup_keeps_images_and_label_weights(hlo_dir, programs):
    data, (images, labels) = _run_small(hlo_dir, programs, "mixup")
    assert images.shape == data["x"].shape and labels.shape == (4, 10)
    np.testing.assert_allclose(labels.sum(axis=1), 1.0, rtol=1e-6)
    assert images.min() >= 0 and images.max() <= 255


def test_dry_run_reports_rooflines_and_exits_zero(hlo_dir, tmp_path, monkeypatch):
    monkeypatch.setenv("OUT", str(tmp_path))
    assert run_hlo.main(["--dry-run", "--hlo", hlo_dir, "--only", "flip"]) == 0
    cases = json.loads((tmp_path / "hlo.json").read_text())["cases"]
    assert cases["flip"]["check"]["agrees"] and "rotation" not in cases
    timing = cases["flip"]["timings"]["small"]
    assert timing["images_per_s"] > 0 and timing["fraction_of_jit_copy"] > 0
    assert any(key.startswith("_roofline_4x64x64x3") for key in cases)


def test_agreement_rule_rejects_a_wrong_program():
    want = np.arange(256, dtype=np.uint8).reshape(16, 16)
    assert run_hlo.agrees(want.copy(), want)
    assert not run_hlo.agrees(want[::-1].copy(), want)
    assert not run_hlo.agrees(want.astype(np.int32), want)


def test_fallback_loader_runs_the_hlo_proto_as_tf_does(hlo_dir):
    data = np.load(os.path.join(hlo_dir, "rotation.small.npz"))
    call = run_hlo._load_hlo(os.path.join(hlo_dir, "rotation.small"), jax.devices("cpu")[0])
    (out,) = call(data["x"], data["seed"])
    assert run_hlo.agrees(np.asarray(out), data["y0"])


def test_gpu_tool_docstring_examples_run():
    import doctest

    from benchmarks.gpu import common

    for module in (common, run_hlo):
        assert doctest.testmod(module).failed == 0, module.__name__
