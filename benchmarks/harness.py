"""The shared pipeline and timer behind every benchmark case.

Each contender runs in the same ``tf.data`` pipeline: a batch of ``uint8`` images repeated from memory,
``.map(fn, num_parallel_calls=AUTOTUNE)``, ``.prefetch``. albumentations runs through
``tf.numpy_function`` looping over the batch. Contenders are timed one pipeline at a time, in
alternating rounds, and the best round is kept.
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


def run_case(case: Case, batch_size: int = 32, num_batches: int = 20, rounds: int = 3) -> dict:
    """Time every available contender of ``case``; returns ``{contender: images/s}``.

    Contenders take turns for ``rounds`` rounds and the best round counts, so a burst of load on a
    shared machine hurts every contender alike.
    """
    batch = sample_batch(batch_size, case.size, case.channels, dtype=case.dtype)
    fns = {"keras_aug": case.keras_aug()}
    if case.keras is not None:
        fns["keras"] = case.keras()
    if case.albumentations is not None:
        fns["albumentations"] = albumentations_fn(case.albumentations())
    best = dict.fromkeys(fns, 0.0)
    for _ in range(rounds):
        for name, fn in fns.items():
            best[name] = max(best[name], time_contender(fn, batch, num_batches))
    return best
