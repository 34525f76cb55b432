"""Run keras_aug's exported XLA programs (made by ``export.py``) through JAX's XLA; no TensorFlow needed.

Usage (GPU machine, from the repo root): ``python -m benchmarks.gpu.run_hlo [--hlo DIR] [--only CASE ...]``;
on CPU: ``python -m benchmarks.gpu.run_hlo --dry-run`` (JAX on CPU, the small programs only).

Per case: the small program's outputs are compared with TF's (``CASE.small.npz``), then the program for each
batch size (``GPU_BATCHES``, default 256, 1024, 2048 at 224 x 224) is timed on ``jax.devices()[0]``: warm-up,
then calls each ended by ``block_until_ready``; the median gives img/s. Each is set against two rooflines
for a batch of the same shape: a jitted ``x + 1`` (one read and one write of the batch by an XLA kernel)
and a device-to-device copy. ``--dry-run`` times the small programs instead (it tests the tool, it measures
nothing) and exits 1 when a case disagrees with TF. Writes ``hlo.json`` to ``$OUT``
(``benchmarks/gpu/out/results`` when unset).

Loaders, in order: ``export`` (``jax.export.deserialize`` -> ``jax.jit(exp.call)``) and ``hlo`` (the
HloModuleProto -> StableHLO -> ``backend.compile_and_load``), for JAX versions that cannot read the export
(the big programs' protos are written only by ``export.py --hlo-protos``).
"""

from __future__ import annotations

import argparse
import gzip
import json
import os
import sys
import time
import traceback

import numpy as np

from benchmarks.gpu.common import (
    BATCHES,
    DEFAULT_DIR,
    RUNS,
    Results,
    past_deadline,
    sample_batch,
    table,
    time_fn,
)

LOADERS = ("export", "hlo")


def _load_export(path: str):
    import jax
    from jax import export

    with open(path + ".jaxexport", "rb") as f:
        jitted = jax.jit(export.deserialize(bytearray(f.read())).call)

    def call(*args):
        out = jitted(*args)
        return list(out) if isinstance(out, (tuple, list)) else [out]

    return call


def _load_hlo(path: str, device):
    import jax
    import jax.extend
    from jax._src.lib import xla_client as xc

    with gzip.open(path + ".hlo.pb.gz", "rb") as f:
        module = xc._xla.mlir.hlo_to_stablehlo(f.read())
    backend = jax.extend.backend.get_backend()
    compile_fn = getattr(backend, "compile_and_load", None) or backend.compile
    executable = compile_fn(module, xc._xla.DeviceList((device,)), xc.CompileOptions())

    def call(*args):
        result = executable.execute_sharded([jax.device_put(a, device) for a in args])
        return [shards[0] for shards in result.disassemble_into_single_device_arrays()]

    return call


def load(hlo_dir: str, name: str, tag: str, device):
    """``(loader name, call(*device arrays) -> list of arrays)`` for ``name.tag``; the first loader that works."""
    path, errors = os.path.join(hlo_dir, f"{name}.{tag}"), {}
    for loader in LOADERS:
        try:
            return loader, _load_export(path) if loader == "export" else _load_hlo(path, device)
        except Exception as e:
            errors[loader] = f"{type(e).__name__}: {str(e)[:300]}"
    raise RuntimeError(f"no loader worked for {name}.{tag}: {errors}")


def agrees(got: np.ndarray, want: np.ndarray) -> bool:
    """Same shape and dtype, and equal up to one level on at most 1% of integer values (XLA versions may
    round a float coordinate differently) or to 1e-5 for floats.

    Example:
    >>> agrees(np.array([1, 2], np.uint8), np.array([1, 3], np.uint8))
    False
    >>> agrees(np.zeros(200, np.uint8), np.eye(1, 200, dtype=np.uint8)[0])
    True
    """
    if got.shape != want.shape or got.dtype != want.dtype:
        return False
    if np.issubdtype(want.dtype, np.floating):
        return bool(np.allclose(got, want, rtol=1e-5, atol=1e-5))
    diff = np.abs(got.astype(np.int64) - want.astype(np.int64))
    return bool(diff.max(initial=0) <= 1 and (diff > 0).mean() <= 0.01)


def check_small(hlo_dir: str, name: str, device) -> dict:
    """Run ``name.small`` on TF's input and seed; compare every output with TF's."""
    import jax

    data = np.load(os.path.join(hlo_dir, f"{name}.small.npz"))
    loader, call = load(hlo_dir, name, "small", device)
    outs = jax.block_until_ready(
        call(jax.device_put(data["x"], device), jax.device_put(data["seed"], device))
    )
    result = {"loader": loader, "outputs": []}
    for i, out in enumerate(outs):
        got, want = np.asarray(out), data[f"y{i}"]
        diff = np.abs(got.astype(np.float64) - want.astype(np.float64)) if got.shape == want.shape else np.inf
        result["outputs"].append(
            {
                "exact": bool(got.dtype == want.dtype and np.array_equal(got, want)),
                "agrees": agrees(got, want),
                "max_abs_diff": float(np.max(diff)),
                "frac_differ": float(np.mean(diff > 0)),
            }
        )
    result["agrees"] = len(outs) == len(data.files) - 2 and all(o["agrees"] for o in result["outputs"])
    return result


def roofline(shape: tuple, device, runs: int = RUNS) -> dict:
    """img/s of a jitted ``x + 1`` and of a device-to-device copy of a uint8 batch of ``shape``."""
    import jax
    import jax.numpy as jnp

    x = jax.device_put(sample_batch(shape[0], shape[1], shape[3]), device)
    add_one = jax.jit(lambda a: a + jnp.uint8(1))
    result = {}
    for key, fn in (
        ("jit_copy", lambda: add_one(x)),
        ("device_copy", lambda: jax.device_put(x, device, may_alias=False)),
    ):
        t = time_fn(fn, jax.block_until_ready, runs=runs)
        result[key] = dict(
            t, images_per_s=shape[0] / t["median_s"], GB_per_s=2 * x.size / t["median_s"] / 1e9
        )
    return result


def time_program(hlo_dir: str, name: str, tag: str, shape: tuple, device, runs: int = RUNS) -> dict:
    import jax

    loader, call = load(hlo_dir, name, tag, device)
    x = jax.device_put(sample_batch(shape[0], shape[1], shape[3]), device)
    seed = jax.device_put(np.array([0, 1], np.int32), device)
    t0 = time.perf_counter()
    jax.block_until_ready(call(x, seed))
    first_s = time.perf_counter() - t0
    t = time_fn(lambda: call(x, seed), jax.block_until_ready, runs=runs)
    return dict(t, loader=loader, first_call_s=first_s, images_per_s=shape[0] / t["median_s"])


def _check_cell(check: dict) -> str:
    if "error" in check:
        return "error"
    if all(o["exact"] for o in check["outputs"]):
        return "exact"
    worst = max(check["outputs"], key=lambda o: o["max_abs_diff"])
    return (
        "ok " if check["agrees"] else "DIFFERS "
    ) + f"{worst['max_abs_diff']:g} on {worst['frac_differ']:.1%}"


def run(hlo_dir: str, only=None, dry_run: bool = False, batches=BATCHES) -> dict:
    """Check and time every case of ``hlo_dir/manifest.json``; returns the results written to hlo.json."""
    import jax

    device = jax.devices()[0]
    with open(os.path.join(hlo_dir, "manifest.json")) as f:
        manifest = json.load(f)
    meta = {"jax": jax.__version__, "device": str(device), "device_kind": getattr(device, "device_kind", "?")}
    meta.update(dry_run=dry_run, export={k: v for k, v in manifest.items() if k != "cases"})
    results = Results("hlo.json", meta)
    print(f"jax {jax.__version__} on {device} ({meta['device_kind']})", flush=True)
    rooflines, rows = {}, []
    runs = 3 if dry_run else RUNS  # a dry run tests the tool; its timings mean nothing
    header = ("case", "vs TF (small)", "batch", "img/s", "ms/batch", "% jit copy", "% device copy", "loader")
    for name, case in manifest["cases"].items():
        if only and name not in only:
            continue
        if past_deadline():
            results.add(name, {"skipped": "deadline"})
            continue
        entry = {"channels": case["channels"], "timings": {}}
        try:
            entry["check"] = check_small(hlo_dir, name, device)
        except Exception as e:
            entry["check"] = {"error": f"{type(e).__name__}: {str(e)[:500]}"}
        tags = ["small"] if dry_run else [f"b{b}" for b in batches if f"b{b}" in case["programs"]]
        for tag in tags:
            shape = tuple(case["programs"][tag]["shape"])
            if past_deadline():
                entry["timings"][tag] = {"skipped": "deadline"}
                continue
            try:
                if shape not in rooflines:
                    rooflines[shape] = roofline(shape, device, runs)
                t = time_program(hlo_dir, name, tag, shape, device, runs)
                for key, roof in rooflines[shape].items():
                    t[f"fraction_of_{key}"] = t["images_per_s"] / roof["images_per_s"]
                entry["timings"][tag] = t
                rows.append(
                    (
                        name,
                        _check_cell(entry["check"]),
                        shape[0],
                        f"{t['images_per_s']:,.0f}",
                        f"{t['median_s'] * 1e3:.3f}",
                        f"{100 * t['fraction_of_jit_copy']:.0f}%",
                        f"{100 * t['fraction_of_device_copy']:.0f}%",
                        t["loader"],
                    )
                )
            except Exception as e:
                entry["timings"][tag] = {
                    "error": f"{type(e).__name__}: {str(e)[:500]}",
                    "trace": traceback.format_exc()[-1500:],
                }
                rows.append((name, _check_cell(entry["check"]), shape[0], "error", "", "", "", str(e)[:60]))
            print(table(rows[-1:], header).splitlines()[-1], flush=True)
        results.add(name, entry)
    for shape, roof in rooflines.items():
        results.add(f"_roofline_{'x'.join(map(str, shape))}", roof)
        for key, r in roof.items():
            rows.append(
                (
                    f"[roofline] {key} {shape[1]}x{shape[2]}x{shape[3]}",
                    "",
                    shape[0],
                    f"{r['images_per_s']:,.0f}",
                    f"{r['median_s'] * 1e3:.3f}",
                    "",
                    "",
                    f"{r['GB_per_s']:.0f} GB/s",
                )
            )
    print("\n" + table(rows, header) + f"\n\nwrote {results.path}", flush=True)
    return results.data


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--hlo", default=os.path.join(DEFAULT_DIR, "hlo"), help="the folder export.py wrote")
    parser.add_argument("--only", nargs="*", help="case names (default: all exported)")
    parser.add_argument("--dry-run", action="store_true", help="JAX on CPU, small programs: tests the tool")
    args = parser.parse_args(argv)
    if args.dry_run:
        os.environ["JAX_PLATFORMS"] = "cpu"
    data = run(args.hlo, args.only, args.dry_run)
    checks = [c["check"] for k, c in data["cases"].items() if not k.startswith("_") and "check" in c]
    failed = [c for c in checks if not c.get("agrees")]
    if failed:
        print(f"{len(failed)} case(s) disagree with TF or failed to run", file=sys.stderr)
    return 1 if args.dry_run and failed else 0


if __name__ == "__main__":
    sys.exit(main())
