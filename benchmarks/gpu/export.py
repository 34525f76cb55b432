"""Export the XLA programs keras_aug compiles for the GPU benchmark cases (on CPU, with TensorFlow).

Usage: ``PYTHONPATH=$PWD python -m benchmarks.gpu.export [--only CASE ...] [--batches 256 1024 2048]
[--small-only] [--out DIR]`` (default ``benchmarks/gpu/out/hlo``, git-ignored).

Each case is the project's own benchmark case (``benchmarks/cases_*.py``): its keras_aug function, i.e. the
layer called as ``layer(x, training=True)`` (mixers: on ``(images, one-hot labels)``), traced inside
``tf.function(jit_compile=True)``. The layer's only state is its Keras ``SeedGenerator`` variable; it is
swapped for the function's ``seed`` argument (int32 ``[2]``), so the program has no variables and
everything else (the batch fingerprint folded into the seed, per-sample parameters, ``p``, the ops) is the
layer's own code. Per case, in the output folder:

- ``CASE.b{B}.jaxexport``: the program for B x 224 x 224 (as TF hands it to XLA: ``stage="hlo_serialized"``),
  converted to StableHLO and wrapped as a serialized ``jax.export.Exported``; with ``--hlo-protos`` also
  ``CASE.b{B}.hlo.pb.gz``, the HloModuleProto itself, for ``run_hlo.py``'s fallback loader (JAX versions that
  cannot read the export; off by default: elastic's protos alone are ~20 MiB of the ~60 MiB one may carry).
- ``CASE.small.*``: the same for 4 x 64 x 64, and ``CASE.small.npz``: input, seed and TF's outputs, which
  ``run_hlo.py`` compares with its own.
- ``manifest.json``: cases, shapes, versions, the git commit.
"""

from __future__ import annotations

import argparse
import dataclasses
import gzip
import json
import os
import subprocess
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
os.environ.setdefault("JAX_PLATFORMS", "cpu")

import numpy as np
import tensorflow as tf

from benchmarks.gpu.common import CASES, DEFAULT_DIR
from benchmarks.harness import sample_batch
from keras_aug.layers.base import BaseAugmentation
from keras_aug.ops.xla import storing

BATCHES = (256, 1024, 2048)
SIZE = 224
SMALL = (4, 64)
SEED = np.array([12345, 678], np.int32)


class _InputSeed:
    """Stands in for a layer's ``keras.random.SeedGenerator``: ``next()`` returns the traced seed argument."""

    def __init__(self, seed):
        self.seed = seed

    def next(self):
        return self.seed


def _layers_in(obj, seen=None) -> list:
    """The keras_aug layers a case function closes over (through nested closures, lists and tuples)."""
    seen = set() if seen is None else seen
    if id(obj) in seen:
        return []
    seen.add(id(obj))
    if isinstance(obj, BaseAugmentation):
        return [obj]
    if isinstance(obj, (list, tuple)):
        return [layer for item in obj for layer in _layers_in(item, seen)]
    cells = getattr(obj, "__closure__", None) or ()
    return [layer for cell in cells for layer in _layers_in(cell.cell_contents, seen)]


def project_case(name: str):
    """The benchmark case ``name`` from ``benchmarks/cases_*.py``."""
    from benchmarks.run import all_cases

    matches = [case for case in all_cases() if case.name == name]
    if not matches:
        raise KeyError(f"no benchmark case named {name!r}")
    return matches[0]


def stateless_program(name: str):
    """``(tf.function(fn, jit_compile=True), channels)``: the case's keras_aug function of ``(images, seed)``."""
    case = project_case(name)
    fn = case.keras_aug()
    layers = _layers_in(fn)
    if not layers:
        raise ValueError(f"case {name!r}: no keras_aug layer found in its function")

    def program(images, seed):
        for layer in layers:  # plain attributes: no Keras tracking, no variable in the program
            object.__setattr__(layer, "seed_generator", _InputSeed(seed))
            object.__setattr__(layer, "seed", 0)  # no stateful salt (it is folded in for seed=None only)
        return fn(images)

    return tf.function(program, jit_compile=True, autograph=False), case.channels


def _stablehlo_target():
    from jax._src.lib.mlir.dialects import hlo

    return str(hlo.get_version_from_compatibility_requirement(hlo.StablehloCompatibilityRequirement.WEEK_12))


def to_jax_export(proto: bytes, in_specs, out_specs, name: str) -> bytes:
    """Wrap an HloModuleProto as a serialized ``jax.export.Exported`` (the public way to call a foreign
    StableHLO program from ``jax.jit``): a placeholder export with the same signature, lowered for CUDA
    with the platform check off (so the file runs on CPU too), gets the program's StableHLO as its module."""
    import jax
    import jax.numpy as jnp
    from jax import export
    from jax._src.lib import xla_client

    mlir = xla_client._xla.mlir
    artifact = mlir.serialize_portable_artifact(mlir.hlo_to_stablehlo(proto), _stablehlo_target())

    def placeholder(*args):
        anchor = sum(jnp.ravel(a)[0].astype(jnp.float32) for a in args)  # keeps every argument
        outs = tuple(jnp.zeros(s, d) + anchor.astype(d) for s, d in out_specs)
        return outs if len(outs) > 1 else outs[0]

    avals = [jax.ShapeDtypeStruct(s, d) for s, d in in_specs]
    exp = export.export(
        jax.jit(placeholder), platforms=["cuda"], disabled_checks=[export.DisabledSafetyCheck.platform()]
    )(*avals)
    assert exp.module_kept_var_idx == tuple(range(len(in_specs))), exp.module_kept_var_idx
    return dataclasses.replace(exp, fun_name=name, mlir_module_serialized=artifact).serialize()


def export_program(
    program, name: str, tag: str, images: np.ndarray, out_dir: str, run: bool = False, proto_file: bool = True
) -> dict:
    """Write ``name.tag.jaxexport`` (and ``name.tag.hlo.pb.gz`` if ``proto_file``); returns the shapes (and
    TF's outputs if ``run``)."""
    with storing(False):  # traced here on CPU for a GPU: no XLA:CPU-only materialization
        proto = program.experimental_get_compiler_ir(images, SEED)(stage="hlo_serialized")
        specs = tf.nest.flatten(program.get_concrete_function(images, SEED).structured_outputs)
        outs = tf.nest.flatten(program(images, SEED)) if run else []
    in_specs = [(images.shape, images.dtype), (SEED.shape, SEED.dtype)]
    out_specs = [(tuple(o.shape), o.dtype.as_numpy_dtype) for o in specs]
    with open(os.path.join(out_dir, f"{name}.{tag}.jaxexport"), "wb") as f:
        f.write(to_jax_export(proto, in_specs, out_specs, name))
    if proto_file:
        with gzip.open(os.path.join(out_dir, f"{name}.{tag}.hlo.pb.gz"), "wb", compresslevel=6) as f:
            f.write(proto)
    return {
        "shape": list(images.shape),
        "outputs": [[list(s), np.dtype(d).name] for s, d in out_specs],
        "hlo_bytes": len(proto),
        "tf_outputs": [o.numpy() for o in outs],
    }


def export_case(name: str, out_dir: str, batches=BATCHES, small: bool = True, protos: bool = False) -> dict:
    """Export one case: the small program with TF's outputs (if ``small``) and one program per batch size
    (with their HloModuleProtos if ``protos``)."""
    os.makedirs(out_dir, exist_ok=True)
    program, channels = stateless_program(name)
    entry = {"channels": channels, "programs": {}}
    if small:
        batch, size = SMALL
        x = sample_batch(batch, size, channels, seed=1)
        info = export_program(program, name, "small", x, out_dir, run=True)
        outs = info.pop("tf_outputs")
        np.savez_compressed(
            os.path.join(out_dir, f"{name}.small.npz"),
            x=x,
            seed=SEED,
            **{f"y{i}": o for i, o in enumerate(outs)},
        )
        entry["programs"]["small"] = info
    for batch in batches:
        t0 = time.time()
        x = np.zeros((batch, SIZE, SIZE, channels), np.uint8)  # shapes only: the values are not traced in
        info = export_program(program, name, f"b{batch}", x, out_dir, proto_file=protos)
        info.pop("tf_outputs")  # empty: the big programs are not run here
        entry["programs"][f"b{batch}"] = dict(info, export_s=round(time.time() - t0, 1))
    return entry


def _git_commit() -> str:
    try:
        return subprocess.run(
            ["git", "rev-parse", "HEAD"],
            capture_output=True,
            text=True,
            check=True,
            cwd=os.path.dirname(__file__),
        ).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "unknown"


def write_manifest(out_dir: str, cases: dict) -> str:
    """Merge ``cases`` into ``out_dir/manifest.json`` (a partial re-export keeps the other cases)."""
    import keras

    path = os.path.join(out_dir, "manifest.json")
    old = {}
    if os.path.exists(path):
        with open(path) as f:
            old = json.load(f)["cases"]
    manifest = {
        "tensorflow": tf.__version__,
        "keras": keras.__version__,
        "git_commit": _git_commit(),
        "entry_point": "the benchmark case's keras_aug function in tf.function(jit_compile=True); "
        "layer.seed_generator replaced by the seed argument",
        "stablehlo_target": _stablehlo_target(),
        "seed_small": SEED.tolist(),
        "cases": {**old, **cases},
    }
    with open(path, "w") as f:
        json.dump(manifest, f, indent=1)
    return path


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--only", nargs="*", default=list(CASES), help="case names (default: all GPU cases)")
    parser.add_argument("--batches", nargs="*", type=int, default=list(BATCHES))
    parser.add_argument(
        "--small-only", action="store_true", help="only the 4 x 64 x 64 programs (CPU checks)"
    )
    parser.add_argument("--out", default=os.path.join(DEFAULT_DIR, "hlo"))
    parser.add_argument(
        "--hlo-protos", action="store_true", help="also the big programs' HLO protos (fallback)"
    )
    args = parser.parse_args(argv)
    batches = [] if args.small_only else args.batches
    cases = {}
    for name in args.only:
        t0 = time.time()
        cases[name] = export_case(name, args.out, batches, protos=args.hlo_protos)
        sizes = sum(
            os.path.getsize(os.path.join(args.out, f))
            for f in os.listdir(args.out)
            if f.startswith(name + ".")
        )
        print(
            f"{name:20s} {len(cases[name]['programs'])} programs, {sizes / 2**20:5.1f} MiB, {time.time() - t0:5.1f} s",
            flush=True,
        )
    print("wrote", write_manifest(args.out, cases))


if __name__ == "__main__":
    main()
