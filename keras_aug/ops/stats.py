"""Per-channel mean and standard deviation streamed over a dataset in one pass.

Each element contributes ``(count, mean, m2)`` computed in float64 around its own mean, and elements are
merged with Chan et al.'s parallel update, so neither a large mean nor millions of pixels lose precision
(the naive ``E[x^2] - E[x]^2`` cancels catastrophically for data like ``10000 + noise``).
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np
import tensorflow as tf

_ARRAY_CHUNK = 256


class Moments(NamedTuple):
    """Running per-channel statistics: pixel ``count`` (scalar), ``mean`` and ``m2`` (sum of squared
    deviations from the mean), all float64 ``[C]`` except the scalar count."""

    count: tf.Tensor
    mean: tf.Tensor
    m2: tf.Tensor


def channel_moments(images) -> Moments:
    """Moments of any ``[..., C]`` tensor (one image or a batch) over every axis but the last.

    Example:
    >>> m = channel_moments(tf.constant([[[[1.0], [3.0]]]]))
    >>> float(m.count), m.mean.numpy().tolist(), m.m2.numpy().tolist()
    (2.0, [2.0], [2.0])
    """
    images = tf.convert_to_tensor(images)
    channels = images.shape[-1]
    values = tf.reshape(tf.cast(images, tf.float64), [-1, channels])
    count = tf.cast(tf.shape(values)[0], tf.float64)
    mean = tf.math.divide_no_nan(tf.reduce_sum(values, axis=0), count)
    m2 = tf.reduce_sum(tf.square(values - mean), axis=0)
    return Moments(count, mean, m2)


def merge_moments(a: Moments, b: Moments) -> Moments:
    """Combine the moments of two disjoint sets of pixels (Chan, Golub and LeVeque's update).

    Example:
    >>> m = merge_moments(channel_moments(tf.constant([[1.0]])), channel_moments(tf.constant([[3.0]])))
    >>> m.mean.numpy().tolist(), m.m2.numpy().tolist()
    ([2.0], [2.0])
    """
    count = a.count + b.count
    delta = b.mean - a.mean
    weight = tf.math.divide_no_nan(b.count, count)
    mean = a.mean + delta * weight
    m2 = a.m2 + b.m2 + tf.square(delta) * a.count * weight
    return Moments(count, mean, m2)


def _images_of(*element):
    """The image tensor of a dataset element: the tensor itself, ``element["images"]`` or ``element[0]``
    (``Dataset.map`` passes tuple elements as separate arguments)."""
    element = element[0]
    if isinstance(element, dict):
        if "images" not in element:
            raise ValueError(
                f"Dataset elements that are dicts need an 'images' key, got keys {list(element)}."
            )
        return element["images"]
    if isinstance(element, (tuple, list)):
        return element[0]
    return element


def _as_dataset(data) -> tf.data.Dataset:
    if isinstance(data, tf.data.Dataset):
        return data
    if isinstance(data, (np.ndarray, tf.Tensor, list, tuple)):
        array = tf.convert_to_tensor(data)
        if array.shape.rank == 4:
            return tf.data.Dataset.from_tensor_slices(array).batch(_ARRAY_CHUNK)
        if array.shape.rank == 3:
            return tf.data.Dataset.from_tensors(array)
        raise ValueError(
            f"`data` arrays must be one image [H, W, C] or a batch [B, H, W, C], got shape {array.shape}."
        )
    raise ValueError(
        f"`data` must be a tf.data.Dataset, a NumPy array or a tensor, got {type(data).__name__}."
    )


def dataset_moments(data, steps: int | None = None) -> Moments:
    """Per-channel moments over every pixel of ``data`` in one streaming pass.

    ``data`` is a ``tf.data.Dataset`` (batched or not, of any numeric dtype and any length, elements being
    images, ``(images, ...)`` tuples or dicts with ``"images"``) or an array of one image or a batch.
    ``steps`` limits how many dataset elements are read.

    Example:
    >>> ds = tf.data.Dataset.from_tensor_slices(tf.ones([4, 2, 2, 3]))
    >>> dataset_moments(ds).mean.numpy().tolist()
    [1.0, 1.0, 1.0]
    """
    dataset = _as_dataset(data).map(_images_of)
    if steps is not None:
        if not isinstance(steps, int) or steps < 1:
            raise ValueError(f"`steps` must be a positive integer or None, got {steps!r}.")
        dataset = dataset.take(steps)
    spec = dataset.element_spec
    if spec.shape.rank is None or spec.shape.rank < 1 or spec.shape[-1] is None:
        raise ValueError(f"Images must have a known number of channels (last axis), got shape {spec.shape}.")
    if not (spec.dtype.is_floating or spec.dtype.is_integer):
        raise ValueError(f"Images must have a numeric dtype, got {spec.dtype.name}.")
    zeros = tf.zeros([spec.shape[-1]], tf.float64)
    initial = Moments(tf.constant(0.0, tf.float64), zeros, zeros)
    return dataset.reduce(initial, lambda state, images: merge_moments(state, channel_moments(images)))


def mean_std(data, steps: int | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Per-channel mean and (population) standard deviation of ``data``, as float64 NumPy arrays.

    Same inputs as :func:`dataset_moments`; raises ``ValueError`` when ``data`` holds no pixels.

    Example:
    >>> mean, std = mean_std(np.array([[[[0.0], [2.0]]]]))
    >>> mean.tolist(), std.tolist()
    ([1.0], [1.0])
    """
    moments = dataset_moments(data, steps)
    count = float(moments.count)
    if count == 0:
        raise ValueError("`data` holds no pixels: cannot compute a mean and standard deviation.")
    return moments.mean.numpy(), np.sqrt(moments.m2.numpy() / count)
