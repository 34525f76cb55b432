"""Shared test setup: quiet TF logs, and helpers every layer test uses."""

import importlib.metadata
import os
import re

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
# LLVM -O0 for every XLA program the tests (and the subprocesses they start) compile: the suite checks
# what the programs compute, not how fast, and on a 2-core machine this cut the suite from 695 to
# 510-534 s (same results). Benchmarks run at XLA's default level.
# From TF 2.21 (measured there) XLA:CPU's MLIR fusion emitters compile ~1.7x slower than the elemental
# emitters TF 2.16 used (same programs, CPU time of a set of layer compiles 22 -> 16 s); older XLA rejects
# the flag (an unknown flag is fatal), hence the version check without importing TensorFlow.
try:
    _TF_VERSION = tuple(int(p) for p in re.findall(r"\d+", importlib.metadata.version("tensorflow"))[:2])
except importlib.metadata.PackageNotFoundError:  # tensorflow-cpu, tf-nightly, ...: leave the default
    _TF_VERSION = (0, 0)
_TEST_XLA_FLAGS = ["--xla_backend_optimization_level=0"]
if _TF_VERSION >= (2, 21):
    _TEST_XLA_FLAGS.append("--xla_cpu_use_fusion_emitters=false")
os.environ["XLA_FLAGS"] = " ".join(
    dict.fromkeys([*os.environ.get("XLA_FLAGS", "").split(), *_TEST_XLA_FLAGS])
)

import numpy as np  # noqa: E402
import pytest  # noqa: E402
import tensorflow as tf  # noqa: E402

tf.get_logger().setLevel("ERROR")


def requires_keras_version(version: str, why: str):
    """Skip a Keras-comparison test on Keras releases older than ``version`` (``why``: what they lack)."""
    import keras

    installed = tuple(int(part) for part in keras.__version__.split(".")[:2])
    wanted = tuple(int(part) for part in version.split(".")[:2])
    return pytest.mark.skipif(installed < wanted, reason=f"Keras {keras.__version__} {why}")


def requires_keras(layer: str, *attributes: str):
    """Skip a Keras-comparison test when the installed Keras lacks ``keras.layers.<layer>`` or its ``attributes``.

    keras_aug supports older Keras releases than the ones that added some of the layers (or their
    ``transform_images``-style API) we compare against; there the comparison is skipped, not failed.
    """
    import keras

    cls = getattr(keras.layers, layer, None)
    missing = [a for a in attributes if cls is not None and not hasattr(cls, a)]
    what = f"keras.layers.{layer}" if cls is None else f"keras.layers.{layer}.{', '.join(missing)}"
    return pytest.mark.skipif(
        cls is None or bool(missing), reason=f"Keras {keras.__version__} has no {what} to compare against"
    )


@pytest.fixture
def rng() -> np.random.Generator:
    return np.random.default_rng(1234)


def smooth_images(batch: int, height: int, width: int, channels: int, seed: int = 0) -> np.ndarray:
    """uint8 images with photo-like smooth structure (bilinear tolerances assume moderate gradients)."""
    rng = np.random.default_rng(seed)
    coarse = rng.uniform(0, 255, (batch, height // 4 + 2, width // 4 + 2, channels)).astype(np.float32)
    fine = tf.image.resize(coarse, (height, width), method="bicubic").numpy()
    return np.clip(fine, 0, 255).astype(np.uint8)


MODES = ("eager", "xla", "data")
_COMPILED = {}


def run(op, mode, *tensors, **static):
    """``op(*tensors, **static)`` eagerly, under XLA or in a tf.data map; compiled functions are shared."""
    tensors = tuple(tf.convert_to_tensor(t) for t in tensors)
    key = (op, mode, tuple(sorted(static.items())))
    if key not in _COMPILED:

        def call(*args):
            return op(*args, **static)

        if mode == "eager":
            _COMPILED[key] = call
        elif mode == "xla":
            _COMPILED[key] = tf.function(call, jit_compile=True)
        else:
            _COMPILED[key] = lambda *args: next(iter(tf.data.Dataset.from_tensors(args).map(call)))
    return tf.nest.map_structure(lambda t: t.numpy(), _COMPILED[key](*tensors))
