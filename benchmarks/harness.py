"""The shared pipeline and timer behind every benchmark case.

Each contender runs in the same ``tf.data`` pipeline: a batch of ``uint8`` images repeated from memory,
``.map(fn, num_parallel_calls=AUTOTUNE)``, ``.prefetch``. albumentations runs through
``tf.numpy_function`` looping over the batch. Contenders are timed one pipeline at a time, in
alternating rounds, and the best round is kept.

Placement ``"model"`` times the other way to use a layer: inside a model compiled with XLA, i.e. one
``tf.function(jit_compile=True)`` program calling the contender on a batch, fed from a ``tf.data``
pipeline that only prefetches the batch (:func:`time_program`).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
import tensorflow as tf


@dataclass
class Case:
    """One transform, as each library spells it (factories, so nothing is built until it is timed).

    Example:
    >>> case = Case("identity", keras_aug=lambda: (lambda images: images))
    """

    name: str
    keras_aug: Callable[[], Callable]
    keras: Callable[[], Callable] | None = None
    albumentations: Callable[[], Any] | None = None
    channels: int = 3
    size: int = 224
    dtype: str = "uint8"  # or "uint16": the smooth batch spread over 0..65535
    # False where the Keras 3 layer compiled as one XLA program exhausts memory (its CLAHE asks for GiBs)
    keras_in_model: bool = True


def sample_batch(
    batch_size: int, size: int, channels: int, seed: int = 0, dtype: str = "uint8"
) -> np.ndarray:
    """A smooth random uint8 batch (blurred noise looks more like photos than white noise does).

    ``dtype="uint16"``: the same batch on the 16-bit scale (x 257), so it spans 0..65535.

    Example:
    >>> sample_batch(2, 8, 3).shape
    (2, 8, 8, 3)
    >>> sample_batch(1, 8, 1, dtype="uint16").dtype
    dtype('uint16')
    """
    rng = np.random.default_rng(seed)
    coarse = rng.uniform(0, 255, (batch_size, size // 8 + 1, size // 8 + 1, channels)).astype(np.float32)
    fine = tf.image.resize(coarse, (size, size), method="bilinear").numpy()
    noise = rng.normal(0, 12, fine.shape)
    if dtype == "uint16":
        return np.clip(np.round((fine + noise) * 257), 0, 65535).astype(np.uint16)
    return np.clip(fine + noise, 0, 255).astype(np.uint8)


def albumentations_fn(transform) -> Callable:
    """Wrap a per-image albumentations transform as a batched graph function."""

    def apply(batch: np.ndarray) -> np.ndarray:
        out = [transform(image=image)["image"] for image in batch]
        out = [o[..., np.newaxis] if o.ndim == 2 else o for o in out]
        return np.stack(out).astype(batch.dtype)

    def fn(images):
        out = tf.numpy_function(apply, [images], images.dtype, stateful=True)
        out.set_shape([images.shape[0], None, None, images.shape[-1]])  # crops and resizes change the size
        return out

    return fn


def keras_layer_fn(layer) -> Callable:
    """A Keras layer as a training-mode graph function."""
    return lambda images: layer(images, training=True)


def keras_layer(name: str, *args, **kwargs) -> Callable[[], Callable] | None:
    """A factory for ``keras.layers.<name>(*args, **kwargs)`` as a graph function, or None where this Keras lacks it.

    Example:
    >>> keras_layer("NoSuchLayer") is None
    True
    """
    import keras

    layer_cls = getattr(keras.layers, name, None)
    if layer_cls is None:
        return None
    return lambda: keras_layer_fn(layer_cls(*args, **kwargs))


def make_pipeline(fn: Callable, batch: np.ndarray) -> tf.data.Dataset:
    """The endless pipeline every contender runs in."""
    ds = tf.data.Dataset.from_tensors(tf.constant(batch)).repeat()
    return ds.map(fn, num_parallel_calls=tf.data.AUTOTUNE).prefetch(tf.data.AUTOTUNE)


def make_feed(batch: np.ndarray) -> tf.data.Dataset:
    """The endless pipeline that feeds a compiled program: the batch, prefetched, nothing mapped."""
    return tf.data.Dataset.from_tensors(tf.constant(batch)).repeat().prefetch(tf.data.AUTOTUNE)


def compile_program(fn: Callable, batch: np.ndarray, optional: bool = False) -> Callable | None:
    """``fn`` as one XLA program (``tf.function(jit_compile=True)``), compiled on ``batch``. When XLA
    cannot compile it (e.g. Keras 3's ImageProjectiveTransformV3 has no XLA kernel): ``None`` if
    ``optional``, else the error.

    Example:
    >>> program = compile_program(lambda images: images + 1, np.zeros([1, 2, 2, 1], np.uint8))
    >>> int(program(tf.zeros([1, 2, 2, 1], tf.uint8))[0, 0, 0, 0])
    1
    """
    program = tf.function(fn, jit_compile=True)
    try:
        program(tf.constant(batch))
    except (tf.errors.InvalidArgumentError, tf.errors.UnimplementedError, NotImplementedError):
        if optional:
            return None
        raise
    return program


def wait_for(outputs) -> None:
    """Block until ``outputs`` are computed (``tf.test.experimental.sync_devices``; a no-op wait on CPU).

    A program's output stays on its device inside a model, so nothing is copied to NumPy: ``.numpy()``
    would time a host copy that training never makes (1.3 ms a batch for 32 x 224² float32 images on
    CPU, more than most augmentations).

    Example:
    >>> wait_for({"images": tf.zeros([2, 3])})
    """
    del outputs  # what matters is that every op queued before now has run
    tf.test.experimental.sync_devices()


def _run_program(program: Callable, iterator, num_batches: int, max_seconds: float) -> int:
    """Run ``program`` on up to ``num_batches`` batches, stopping once ``max_seconds`` have passed
    (at least one batch); returns how many ran."""
    start, done = time.perf_counter(), 0
    while done < num_batches and (done == 0 or time.perf_counter() - start <= max_seconds):
        wait_for(program(next(iterator)))
        done += 1
    return done


def program_images_per_second(
    program: Callable, batch: np.ndarray, num_batches: int, max_seconds: float = 5.0
) -> float:
    """Run a compiled ``program`` on ``num_batches`` prefetched batches (after 3 warm-up batches);
    return images/s. A program slower than ``max_seconds`` for the lot is timed on fewer batches
    (Keras 3's layers as one XLA program can take seconds per batch).

    Example:
    >>> batch = np.zeros([2, 4, 4, 1], np.uint8)
    >>> program_images_per_second(compile_program(lambda images: images, batch), batch, 2) > 0
    True
    """
    iterator = iter(make_feed(batch))
    _run_program(program, iterator, 3, max_seconds)
    start = time.perf_counter()
    done = _run_program(program, iterator, num_batches, max_seconds)
    rate = done * len(batch) / (time.perf_counter() - start)
    del iterator
    return rate


def images_per_second(iterator, batch_size: int, num_batches: int) -> float:
    """Pull ``num_batches`` batches from a running pipeline and return images/s."""
    start = time.perf_counter()
    for _ in range(num_batches):
        next(iterator)
    return num_batches * batch_size / (time.perf_counter() - start)


def time_contender(fn: Callable, batch: np.ndarray, num_batches: int) -> float:
    """Build a pipeline, warm it up (tracing and XLA compilation are not throughput), time it, drop it.

    Only one pipeline exists at a time, so no other contender's prefetching runs in the background.
    """
    iterator = iter(make_pipeline(fn, batch))
    images_per_second(iterator, len(batch), 3)
    rate = images_per_second(iterator, len(batch), num_batches)
    del iterator
    return rate


PLACEMENTS = ("data", "model", "both")
LIBRARIES = ("keras_aug", "keras", "albumentations")


def _timers(case: Case, batch: np.ndarray, placement: str, libraries=LIBRARIES) -> dict:
    """``{contender: timer(num_batches) -> images/s}``; model contenders are named ``"<name>@model"``.

    albumentations runs only in tf.data (it is not a TF op); a Keras 3 layer XLA cannot compile is left out.
    """
    makers = {"keras_aug": case.keras_aug, "keras": case.keras}
    makers = {name: make for name, make in makers.items() if name in libraries}
    timers = {}
    if placement in ("data", "both"):
        for name, make in makers.items():
            if make is not None:
                fn = make()
                timers[name] = lambda n, fn=fn: time_contender(fn, batch, n)
        if case.albumentations is not None and "albumentations" in libraries:
            fn = albumentations_fn(case.albumentations())
            timers["albumentations"] = lambda n, fn=fn: time_contender(fn, batch, n)
    if placement in ("model", "both"):
        if not case.keras_in_model:
            makers["keras"] = None
        for name, make in makers.items():
            program = compile_program(make(), batch, optional=name != "keras_aug") if make else None
            if program is not None:
                timers[f"{name}@model"] = lambda n, p=program: program_images_per_second(p, batch, n)
    return timers


def run_case(
    case: Case,
    batch_size: int = 32,
    num_batches: int = 20,
    rounds: int = 3,
    placement: str = "data",
    libraries=LIBRARIES,
) -> dict:
    """Time every available contender of ``case``; returns ``{contender: images/s}``.

    ``placement``: ``"data"`` (each contender mapped over a ``tf.data`` pipeline), ``"model"`` (each
    TF contender as one XLA program, keys ``"<name>@model"``) or ``"both"``. Contenders take turns for
    ``rounds`` rounds and the best round counts, so a burst of load on a shared machine hurts every
    contender alike. ``libraries``: which of :data:`LIBRARIES` to time (default all).
    """
    if placement not in PLACEMENTS:
        raise ValueError(f"placement must be one of {PLACEMENTS}, got {placement!r}")
    unknown = sorted(set(libraries) - set(LIBRARIES))
    if unknown:
        raise ValueError(f"libraries must be among {LIBRARIES}, got {unknown}")
    batch = sample_batch(batch_size, case.size, case.channels, dtype=case.dtype)
    timers = _timers(case, batch, placement, libraries)
    best = dict.fromkeys(timers, 0.0)
    for _ in range(rounds):
        for name, timer in timers.items():
            best[name] = max(best[name], timer(num_batches))
    return best
