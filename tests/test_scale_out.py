"""Scaling out: XLA-compiled models, tf.distribute, tf.data service workers and other Keras backends.

Scenarios that need a fresh process (two logical CPU devices, ``KERAS_BACKEND``, ``XLA_FLAGS``) run this
file as a script: ``python tests/test_scale_out.py SCENARIO`` prints one ``RESULT {json}`` line. The
subprocesses start together, once per module, and run while the in-process tests do.
"""

from __future__ import annotations

import importlib.util
import json
import math
import os
import subprocess
import sys
import threading
import time
import warnings

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import keras
import numpy as np
import pytest
import tensorflow as tf

import keras_aug
from keras_aug.ops import random as krandom

L = keras_aug.layers
HERE = os.path.dirname(os.path.abspath(__file__))
SIZE = 16

# -- every exported layer, built the way a model would use it ------------------------------------------

#: name -> (factory, how it is used): "model" (images only, sits in a Sequential), "batch" (needs labels:
#: mixed in a custom train_step), "abstract" (a base class, not a layer to use).
LAYERS = {
    "BaseAugmentation": (None, "abstract"),
    "BaseGeometric": (None, "abstract"),
    "AugMix": (lambda: L.AugMix(seed=1), "model"),
    "AutoAugment": (lambda: L.AutoAugment(seed=1), "model"),
    "AutoContrast": (lambda: L.AutoContrast(seed=1), "model"),
    "CenterCrop": (lambda: L.CenterCrop(SIZE - 4, SIZE - 2), "model"),
    "MaxNumBoundingBoxes": (lambda: L.MaxNumBoundingBoxes(2), "model"),  # images pass through
    "RandAugment": (lambda: L.RandAugment(seed=1), "model"),
    "RandomCrop": (lambda: L.RandomCrop(SIZE - 4, SIZE - 2, seed=1), "model"),
    "RandomPerspective": (lambda: L.RandomPerspective(seed=1), "model"),
    "RandomResizedCrop": (lambda: L.RandomResizedCrop(SIZE, SIZE, seed=1), "model"),
    "RandomShear": (lambda: L.RandomShear(0.2, 0.2, seed=1), "model"),
    "Resizing": (lambda: L.Resizing(SIZE + 4, SIZE, seed=1), "model"),
    "TrivialAugmentWide": (lambda: L.TrivialAugmentWide(seed=1), "model"),
    "ContrastLimitedAdaptiveHistogramEqualization": (
        lambda: L.ContrastLimitedAdaptiveHistogramEqualization(tile_grid_size=(2, 2), seed=1),
        "model",
    ),
    "CutMix": (lambda: L.CutMix(num_classes=2, seed=1), "batch"),
    "Equalization": (lambda: L.Equalization(seed=1), "model"),
    "Equalize": (lambda: L.Equalize(seed=1), "model"),
    "MixUp": (lambda: L.MixUp(num_classes=2, seed=1), "batch"),
    "Normalization": (lambda: L.Normalization(mean=127.5, std=64.0), "model"),
    "RandomAffine": (lambda: L.RandomAffine(seed=1), "model"),
    "RandomBrightness": (lambda: L.RandomBrightness(0.2, seed=1), "model"),
    "RandomBrightnessContrast": (lambda: L.RandomBrightnessContrast(seed=1), "model"),
    "RandomCLAHE": (lambda: L.RandomCLAHE(tile_grid_size=(2, 2), seed=1), "model"),
    "RandomColorDegeneration": (lambda: L.RandomColorDegeneration(0.5, seed=1), "model"),
    "RandomColorJitter": (lambda: L.RandomColorJitter(None, 0.1, 0.1, 0.4, 0.1, seed=1), "model"),
    "RandomContrast": (lambda: L.RandomContrast(0.2, seed=1), "model"),
    "RandomCutout": (lambda: L.RandomCutout(seed=1), "model"),
    "RandomElasticTransform": (lambda: L.RandomElasticTransform(alpha=4.0, sigma=2.0, seed=1), "model"),
    "RandomErasing": (lambda: L.RandomErasing(seed=1), "model"),
    "RandomFlip": (lambda: L.RandomFlip(seed=1), "model"),
    "RandomGaussianBlur": (lambda: L.RandomGaussianBlur(seed=1), "model"),
    "RandomInvert": (lambda: L.RandomInvert(seed=1), "model"),
    "RandomPosterization": (lambda: L.RandomPosterization(4, seed=1), "model"),
    "RandomSharpness": (lambda: L.RandomSharpness(0.5, seed=1), "model"),
    "Rescaling": (lambda: L.Rescaling(0.5), "model"),
    "Solarization": (lambda: L.Solarization(seed=1), "model"),
    "RandomGamma": (lambda: L.RandomGamma(seed=1), "model"),
    "RandomGrayscale": (lambda: L.RandomGrayscale(seed=1), "model"),
    "RandomHue": (lambda: L.RandomHue(0.2, seed=1), "model"),
    "RandomSaturation": (lambda: L.RandomSaturation(0.4, seed=1), "model"),
    "RandomPadCrop": (lambda: L.RandomPadCrop(2, seed=1), "model"),
    "RandomRotation": (lambda: L.RandomRotation(0.1, seed=1), "model"),
    "RandomTranslation": (lambda: L.RandomTranslation(0.1, 0.1, seed=1), "model"),
    "RandomZoom": (lambda: L.RandomZoom(0.1, seed=1), "model"),
    # Composites: around flips, the cheapest steps to compile (each step has its own tests).
    "Pipeline": (lambda: L.Pipeline([L.RandomFlip("horizontal"), L.RandomFlip("vertical")], seed=1), "model"),
    "RandomApply": (lambda: L.RandomApply(L.RandomFlip(), seed=1), "model"),
    "OneOf": (lambda: L.OneOf([L.RandomFlip("horizontal"), L.RandomFlip("vertical")], seed=1), "model"),
    "SomeOf": (
        lambda: L.SomeOf([L.RandomFlip("horizontal"), L.RandomFlip("vertical")], n=1, seed=1),
        "model",
    ),
}


def _exported(kind: str) -> list[str]:
    return [name for name in L.__all__ if name in LAYERS and LAYERS[name][1] == kind]


def _head() -> list:
    return [keras.layers.Rescaling(1 / 255), keras.layers.Flatten(), keras.layers.Dense(2)]


def _sequential(layers) -> keras.Sequential:
    return keras.Sequential([keras.Input((SIZE, SIZE, 3), dtype="uint8"), *layers, *_head()])


class MixingModel(keras.Model):
    """MixUp/CutMix need labels, which a Sequential's layers never see: mix in ``train_step`` instead."""

    def __init__(self, mixer, **kwargs):
        super().__init__(**kwargs)
        self.mixer = mixer
        self.body = _sequential([])

    def call(self, images, training=False):
        return self.body(images, training=training)

    def train_step(self, data):
        images, labels = data
        images, labels = self.mixer((images, labels), training=True)
        return super().train_step((images, labels))


def _compile(model: keras.Model, mixed_labels: bool = False) -> list[str]:
    """Compile with ``jit_compile=True``; return Keras' warnings (it warns when it turns XLA off)."""
    loss = (
        keras.losses.CategoricalCrossentropy if mixed_labels else keras.losses.SparseCategoricalCrossentropy
    )
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        model.compile("sgd", loss(from_logits=True), jit_compile=True)
    return [str(w.message) for w in caught if "jit" in str(w.message).lower()]


def _images(n: int, seed: int = 0) -> np.ndarray:
    return np.random.default_rng(seed).integers(0, 256, (n, SIZE, SIZE, 3)).astype(np.uint8)


# -- in-process: declarations, seeds, tf.data service ------------------------------------------------


def test_every_export_is_listed():
    missing = [name for name in L.__all__ if name not in LAYERS]
    assert not missing, f"add {missing} to LAYERS in tests/test_scale_out.py (factory and how it is used)"


def test_every_layer_keeps_a_model_compiled_with_xla():
    for name in _exported("model") + _exported("batch"):
        factory, kind = LAYERS[name]
        layer = factory()
        assert layer.supports_jit is True, name
        model = _sequential([layer]) if kind == "model" else MixingModel(layer)
        caught = _compile(model, mixed_labels=kind == "batch")
        assert model.jit_compile is True and not caught, (name, caught)


def test_keras_own_rotation_turns_xla_off():
    """The contrast the issue is about: the same check on Keras' RandomRotation reports XLA turned off."""
    layer = keras.layers.RandomRotation(0.1)
    if getattr(layer, "supports_jit", True):
        return  # a newer Keras made it XLA-compatible: nothing to contrast
    model = _sequential([layer])
    caught = _compile(model)
    assert model.jit_compile is False and caught


def test_fingerprint_tells_batches_apart_but_not_units():
    images = _images(4)
    same = int(krandom.fingerprint(images))
    assert 0 <= same < 2**32
    for other_units in (images.astype(np.float32) / 255, images.astype(np.int32) - 128):
        assert int(krandom.fingerprint(other_units)) == same
    assert int(krandom.fingerprint(images[::-1])) != same  # the position in the batch counts
    count = krandom.FINGERPRINT_SAMPLES
    sampled = (2 * np.arange(count) + 1) * images[0].size // (2 * count)
    flat = images.reshape(4, -1).copy()
    a, b = flat[2, sampled[5]], flat[2, sampled[6]]
    flat[2, sampled[5]], flat[2, sampled[6]] = (b, a) if a != b else (0, 255)  # reverse one comparison
    assert int(krandom.fingerprint(flat.reshape(images.shape))) != same
    blank = np.zeros_like(images)
    assert int(krandom.fingerprint(blank)) == int(krandom.fingerprint(blank + 7))  # blank images hash alike


def test_same_seed_same_inputs_same_draws_other_inputs_other_draws():
    """The seed contract (eager = tf.data = XLA, tested per layer family) holds with the fingerprint in:
    draws depend on the seed, the call count and the batch, so copies of a layer on different data
    (tf.data service workers) do not replay one stream."""
    images = tf.constant(_images(4))
    deltas = [L.RandomBrightness(0.2, seed=11).draw_params(images)["delta"].numpy() for _ in range(2)]
    np.testing.assert_array_equal(deltas[0], deltas[1])
    layer = L.RandomBrightness(0.2, seed=11)
    first, second = (layer.draw_params(images)["delta"].numpy() for _ in range(2))
    assert not np.allclose(first, second)  # the counter advances
    other = L.RandomBrightness(0.2, seed=11).draw_params(tf.constant(_images(4, seed=1)))["delta"].numpy()
    assert not np.allclose(other, first)


def _within(seconds: float, fn):
    """Run ``fn`` in a daemon thread; fail instead of hanging if a service job stalls."""
    out = {}

    def target():
        try:
            out["value"] = fn()
        except BaseException as error:  # re-raised in the caller
            out["error"] = error

    thread = threading.Thread(target=target, daemon=True)
    thread.start()
    thread.join(seconds)
    if thread.is_alive():
        raise AssertionError(f"tf.data service job did not finish within {seconds} s")
    if "error" in out:
        raise out["error"]
    return out["value"]


class LocalService:
    """An in-process dispatcher and two workers on localhost (loopback only), stopped on exit."""

    def __init__(self, num_workers: int = 2):
        service = tf.data.experimental.service
        self.dispatcher = service.DispatchServer(service.DispatcherConfig(port=0))
        address = self.dispatcher.target.split("://")[1]
        self.workers = [
            service.WorkerServer(service.WorkerConfig(dispatcher_address=address)) for _ in range(num_workers)
        ]
        deadline = time.monotonic() + 20
        while self.dispatcher._num_workers() < num_workers:  # both registered before any job starts
            assert time.monotonic() < deadline, "tf.data service workers did not register"
            time.sleep(0.05)

    def distribute(self, dataset: tf.data.Dataset, mode: str) -> tf.data.Dataset:
        return dataset.apply(tf.data.experimental.service.distribute(mode, self.dispatcher.target))

    def stop(self):
        for worker in self.workers:
            worker._stop()
        self.dispatcher._stop()


_SERVICE: LocalService | None = None


def _service() -> LocalService:
    global _SERVICE
    if _SERVICE is None:
        _SERVICE = LocalService()
    return _SERVICE


NUM = 96  # elements; batches of 4 split between two workers
LAYER_KEYS = {"images": 5, "unseeded": None}  # output key -> the brightness layer's seed


def _service_pipeline() -> tf.data.Dataset:
    """Float images ``64 + i / 4 + noise`` (within [64, 104]: no clipping), so a brightness offset reads
    back as ``mean(out) - mean(original)`` (a flip keeps the mean).

    ``images`` go through a seeded layer (with a flip, masks and labels alongside), ``unseeded``
    through a ``seed=None`` one. Each batch also carries the seeded layer's counter as its worker saw
    it: repeated counters show that two copies of the state (one per worker) were running.
    """
    seeded, unseeded = L.RandomBrightness(0.2, seed=5), L.RandomBrightness(0.2)
    flip = L.RandomFlip(seed=5)

    def element(i):
        noise = tf.random.stateless_uniform([SIZE, SIZE, 3], tf.stack([i, 0]), maxval=16.0)
        image = 64.0 + tf.cast(i, tf.float32) / 4.0 + noise
        return {
            "images": image,
            "original": image,
            "segmentation_masks": tf.fill([SIZE, SIZE, 1], tf.cast(i % 3, tf.uint8)),
            "labels": i % 2,
            "index": i,
        }

    def augment(batch):
        counter = seeded.seed_generator.state[1]
        out = flip(seeded(batch))
        return {**out, "unseeded": unseeded(batch["images"]), "counter": counter}

    return tf.data.Dataset.range(NUM).map(element).batch(4).map(augment)


def _collect(dataset) -> dict:
    def pull():
        parts = {}
        for batch in dataset:
            for key in LAYER_KEYS:
                assert batch[key].dtype == tf.float32 and batch[key].shape[1:] == (SIZE, SIZE, 3)
            assert batch["segmentation_masks"].dtype == tf.uint8
            assert batch["segmentation_masks"].shape[1:] == (SIZE, SIZE, 1)
            assert batch["labels"].dtype == tf.int64 and batch["index"].dtype == tf.int64
            for key in (*LAYER_KEYS, "original", "segmentation_masks", "labels", "index"):
                parts.setdefault(key, []).append(batch[key].numpy())
            parts.setdefault("batch_counter", []).append(int(batch["counter"]))
            parts.setdefault("batch_size", []).append(len(batch["index"]))
        return {
            key: np.concatenate(value) if key in batch else np.array(value) for key, value in parts.items()
        }

    return _within(60, pull)


def _offsets(out: dict, key: str) -> np.ndarray:
    return (out[key] - out["original"]).mean(axis=(1, 2, 3))


def test_tf_data_service_distributed_epoch_no_loss_no_replay():
    out = _collect(_service().distribute(_service_pipeline(), "distributed_epoch"))
    assert sorted(out["index"].tolist()) == list(range(NUM))  # each element exactly once
    np.testing.assert_array_equal(out["labels"], out["index"] % 2)
    np.testing.assert_array_equal(out["segmentation_masks"][:, 0, 0, 0], out["index"] % 3)
    counters = out["batch_counter"]
    assert len(np.unique(counters)) < len(counters), "both workers must run the layer (repeated counters)"
    starts = (np.cumsum(out["batch_size"]) - out["batch_size"])[out["batch_size"] >= 2]
    for key, seed in LAYER_KEYS.items():
        offsets = _offsets(out, key)
        assert 1 < np.abs(offsets).max() <= 0.2 * 255 + 1e-3
        # Replay would give two batches (one per worker, same counter) the same offsets row for row.
        pairs = np.stack([offsets[starts], offsets[starts + 1]], axis=1)
        close = np.abs(pairs[:, None, :] - pairs[None, :, :]).max(axis=-1) < 1e-3
        assert close.sum() == len(pairs), f"seed={seed}: workers replayed each other's draws"


def test_tf_data_service_parallel_epochs_semantics():
    """``parallel_epochs``: every worker produces the whole dataset, so each element arrives once per worker.

    A seeded layer makes each worker's copy a deterministic replica (the same element gets the same
    augmentation on both); a ``seed=None`` layer draws a fresh salt per copy of the graph, so the two
    copies of an element differ (unless a global seed, e.g. ``keras.utils.set_random_seed``, pins it).
    """
    tf.random.set_seed(None)  # another test may have pinned the global seed
    out = _collect(_service().distribute(_service_pipeline(), "parallel_epochs"))
    assert np.bincount(out["index"], minlength=NUM).tolist() == [2] * NUM
    order = np.argsort(out["index"], kind="stable")
    for key, seed in LAYER_KEYS.items():
        offsets = _offsets(out, key)[order].reshape(NUM, 2)
        same = np.isclose(offsets[:, 0], offsets[:, 1], rtol=0, atol=1e-3)
        assert same.all() if seed is not None else same.mean() < 0.05, (seed, same.mean())


# -- subprocess scenarios -------------------------------------------------------------------------------

SCENARIOS = {
    # XLA_FLAGS comes from conftest (LLVM -O0: the whole-model XLA step compiles ~2x faster).
    "tf": {},
    "jax": {"KERAS_BACKEND": "jax"},
    "torch": {"KERAS_BACKEND": "torch"},
}
_RUNS: dict = {}


def _start(name: str):
    if name not in _RUNS:
        env = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3", **SCENARIOS[name]}
        env["PYTHONPATH"] = os.pathsep.join([os.path.dirname(HERE), env.get("PYTHONPATH", "")])
        _RUNS[name] = subprocess.Popen(
            [sys.executable, os.path.abspath(__file__), name],
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
    return _RUNS[name]


def _missing(name: str) -> str | None:
    """The package a backend scenario needs, when it is not installed (``jax[cpu]`` is in the test extra;
    torch is optional: its default Linux wheel brings CUDA)."""
    module = SCENARIOS[name].get("KERAS_BACKEND")
    if module in ("jax", "torch") and importlib.util.find_spec(module) is None:
        return module
    return None


def setup_module(module):
    for name in SCENARIOS:  # start them all now: they run while the in-process tests do
        if not _missing(name):
            _start(name)


def teardown_module(module):
    if _SERVICE is not None:
        _SERVICE.stop()
    for process in _RUNS.values():  # after a failure or -x, do not leave scenarios running
        if process.poll() is None:
            process.kill()
        process.communicate()


def _result(name: str) -> dict:
    process = _start(name)
    try:
        output, _ = process.communicate(timeout=300)
    except subprocess.TimeoutExpired:
        process.kill()
        output, _ = process.communicate()
        raise AssertionError(f"scenario {name!r} timed out:\n{output[-3000:]}") from None
    lines = [line for line in output.splitlines() if line.startswith("RESULT ")]
    assert process.returncode == 0 and lines, f"scenario {name!r} failed:\n{output[-3000:]}"
    return json.loads(lines[-1][len("RESULT ") :])


def test_xla_model_trains_with_every_layer():
    result = _result("tf")["xla"]
    assert result["jit_compile"] is True and not result["warnings"], result
    assert math.isfinite(result["loss"])
    # Every layer ran in training mode inside the compiled step: its counter advanced once per step.
    assert result["counters"] and set(result["counters"].values()) == {result["steps"]}, result


def test_mixup_cutmix_in_an_xla_train_step():
    results = _result("tf")["mix"]
    assert sorted(results) == sorted(_exported("batch"))
    for name, result in results.items():
        assert result["jit_compile"] is True and not result["warnings"], (name, result)
        assert math.isfinite(result["loss"]) and result["counter"] == result["steps"], (name, result)


def test_mirrored_strategy_replicas_draw_differently():
    result = _result("tf")["distribute"]
    assert result["replicas"] == 2
    # Identical images on both replicas: only the replica (counter or replica id) can tell them apart.
    assert result["input_fn_per_replica"][0] != result["input_fn_per_replica"][1]
    assert result["in_model_per_replica"][0] != result["in_model_per_replica"][1]
    assert math.isfinite(result["loss"]) and result["counter"] == result["steps"]


def _check_backend_result(name: str):
    if _missing(name):
        pytest.skip(f"{_missing(name)} is not installed")
    result = _result(name)
    assert result["backend"] == name
    assert math.isfinite(result["loss"]) and result["steps"] > 0
    assert result["repeats_differ"], "the same batch twice must get different draws (frozen seed?)"
    assert result["labels_mixed"]
    assert "cannot sit inside a model" in result["model_error"], result["model_error"]
    assert "cannot sit inside a model" in result["eager_error"], result["eager_error"]


def test_jax_backend_fit_from_tf_data():
    _check_backend_result("jax")


def test_torch_backend_fit_from_tf_data():
    _check_backend_result("torch")


# -- the scenarios themselves (run as ``python tests/test_scale_out.py NAME``) --------------------------


def _scenario_xla() -> dict:
    layers = [LAYERS[name][0]() for name in _exported("model")]
    model = _sequential(layers)
    caught = _compile(model)
    steps = 2
    history = model.fit(_images(16), np.arange(16) % 2, batch_size=8, epochs=1, verbose=0)
    counters = {  # layers that draw (a p=1 Pipeline only runs its steps)
        layer.name: int(layer.seed_generator.state.numpy()[1])
        for layer in layers
        if hasattr(layer, "seed_generator") and getattr(layer, "is_random", lambda: True)()
    }
    return {
        "jit_compile": model.jit_compile,
        "warnings": caught,
        "loss": float(history.history["loss"][-1]),
        "steps": steps,
        "counters": counters,
    }


def _scenario_mix() -> dict:
    results = {}
    for name in _exported("batch"):
        model = MixingModel(LAYERS[name][0]())
        caught = _compile(model, mixed_labels=True)
        history = model.fit(_images(16), np.arange(16) % 2, batch_size=8, epochs=1, verbose=0)
        results[name] = {
            "jit_compile": model.jit_compile,
            "warnings": caught,
            "loss": float(history.history["loss"][-1]),
            "steps": 2,
            "counter": int(model.mixer.seed_generator.state.numpy()[1]),
        }
    return results


#: ``Model.fit`` accepts ``strategy.distribute_datasets_from_function(...)`` from Keras 3.9 on.
_KERAS_FITS_DATASETS_FROM_FUNCTION = tuple(int(p) for p in keras.__version__.split(".")[:2]) >= (3, 9)


def _scenario_distribute() -> dict:
    strategy = tf.distribute.MirroredStrategy(["/cpu:0", "/cpu:1"])
    images = np.full((32, SIZE, SIZE, 3), 100, np.uint8)
    labels = np.arange(32) % 2
    augment = L.RandomBrightness(0.3, seed=3)

    def input_fn(context):
        batch = context.get_per_replica_batch_size(8)
        ds = tf.data.Dataset.from_tensor_slices((images, labels)).repeat().batch(batch, drop_remainder=True)
        ds = ds.map(lambda x, y: (augment(x), y))  # keras_aug in the input function
        return ds.shard(context.num_input_pipelines, context.input_pipeline_id)

    dataset = strategy.distribute_datasets_from_function(input_fn)
    first, _ = next(iter(dataset))
    from_input = [v.numpy()[:, 0, 0, 0].tolist() for v in strategy.experimental_local_results(first)]
    with strategy.scope():
        layer = L.RandomBrightness(0.3, seed=5)
        model = _sequential([layer, L.RandomFlip(seed=5)])
        model.compile("sgd", keras.losses.SparseCategoricalCrossentropy(from_logits=True))
    steps = 3
    if not _KERAS_FITS_DATASETS_FROM_FUNCTION:  # Keras < 3.9: let fit distribute a plain dataset itself
        dataset = tf.data.Dataset.from_tensor_slices((images, labels)).repeat().batch(16)
    history = model.fit(dataset, steps_per_epoch=steps, epochs=1, verbose=0)
    counter = int(layer.seed_generator.state.numpy()[1])
    same = tf.constant(images[:4])  # the same images on both replicas
    out = strategy.run(tf.function(lambda x: layer(x, training=True)), args=(same,))
    in_model = [v.numpy()[:, 0, 0, 0].tolist() for v in strategy.experimental_local_results(out)]
    return {
        "replicas": strategy.num_replicas_in_sync,
        "input_fn_per_replica": from_input,
        "in_model_per_replica": in_model,
        "loss": float(history.history["loss"][-1]),
        "steps": steps,
        "counter": counter,
    }


def _scenario_backend() -> dict:
    backend = keras.backend.backend()
    flip, brightness = L.RandomFlip(seed=2), L.RandomBrightness(0.2, seed=2)
    mixup = L.MixUp(num_classes=2, seed=2)

    def augment(images, labels):
        images = brightness(flip(images))
        images, labels = mixup((images, labels))
        return tf.cast(images, tf.float32) / 255.0, labels

    images, labels = _images(32), np.arange(32) % 2
    dataset = tf.data.Dataset.from_tensor_slices((images, labels)).batch(8).map(augment)
    model = keras.Sequential([keras.Input((SIZE, SIZE, 3)), keras.layers.Flatten(), keras.layers.Dense(2)])
    model.compile("sgd", "categorical_crossentropy")
    history = model.fit(dataset, epochs=1, verbose=0)

    # The same batch twice through the pipeline: the layer's state must advance in the graph.
    repeats = [
        b.numpy() for b, _ in tf.data.Dataset.from_tensors((images[:8], labels[:8])).repeat(2).map(augment)
    ]
    mixed = next(iter(dataset))[1].numpy()
    errors = {}
    try:
        _sequential([L.RandomFlip()])
        errors["model_error"] = "no error"
    except ValueError as error:
        errors["model_error"] = str(error)
    try:
        L.RandomFlip()(keras.ops.convert_to_tensor(images[:2]))  # a backend-native tensor
        errors["eager_error"] = "no error"
    except ValueError as error:
        errors["eager_error"] = str(error)
    return {
        "backend": backend,
        "loss": float(history.history["loss"][-1]),
        "steps": 4,
        "repeats_differ": not np.allclose(repeats[0], repeats[1]),
        "labels_mixed": bool(((mixed > 0) & (mixed < 1)).any()),
        **errors,
    }


def _main(name: str) -> None:
    tf.get_logger().setLevel("ERROR")
    if name == "tf":
        cpu = tf.config.list_physical_devices("CPU")[0]
        tf.config.set_logical_device_configuration(cpu, [tf.config.LogicalDeviceConfiguration()] * 2)
        result, times = {}, {}
        for key, scenario in (
            ("distribute", _scenario_distribute),
            ("xla", _scenario_xla),
            ("mix", _scenario_mix),
        ):
            start = time.perf_counter()
            result[key] = scenario()
            times[key] = round(time.perf_counter() - start, 1)
        result["seconds"] = times
    else:
        result = _scenario_backend()
    print("RESULT " + json.dumps(result), flush=True)


if __name__ == "__main__":
    _main(sys.argv[1])
