"""PIL ``ImageEnhance``-style ops with tensorflow-addons' names: :func:`sharpness`.

Images are ``[B, H, W, C]`` (or one ``[H, W, C]`` or ``[H, W]`` image, as tfa) of any numeric dtype, factors scalars or per
sample ``[B]``. Arithmetic runs in float32 (float64 for float64 input) as one XLA unit; integer results
are rounded to nearest (PIL and tfa truncate the final blend) and every result is clipped to
``value_range`` (as in :mod:`keras_aug.ops.color`).
"""

from __future__ import annotations

import functools

import tensorflow as tf

from keras_aug.ops._utils import compute_dtype, from_4d, from_compute, to_4d, to_compute
from keras_aug.ops.color import ValueRange, resolve_value_range
from keras_aug.ops.xla import xla_unit
from keras_aug.validation import check_values


def _per_sample(values, images: tf.Tensor, name: str) -> tf.Tensor:
    values = tf.cast(tf.convert_to_tensor(values), compute_dtype(images.dtype))
    if values.shape.rank not in (None, 0, 1):
        raise ValueError(f"`{name}` must be a scalar or a [batch] vector, got shape {values.shape}.")
    return tf.reshape(tf.broadcast_to(values, tf.shape(images)[:1]), [-1, 1, 1, 1])


def _smooth(work: tf.Tensor) -> tf.Tensor:
    """PIL's ``ImageFilter.SMOOTH`` (``[[1, 1, 1], [1, 5, 1], [1, 1, 1]] / 13``) with the border kept."""
    padded = tf.pad(work, [[0, 0], [1, 1], [1, 1], [0, 0]], mode="SYMMETRIC")
    rows = padded[:, :-2] + padded[:, 1:-1] + padded[:, 2:]
    box = rows[:, :, :-2] + rows[:, :, 1:-1] + rows[:, :, 2:]
    smooth = (box + 4.0 * work) / 13.0
    shape = tf.shape(work)
    row, col = tf.range(shape[1]), tf.range(shape[2])
    inner_rows = (row > 0) & (row < shape[1] - 1)
    inner_cols = (col > 0) & (col < shape[2] - 1)
    interior = (
        inner_rows[tf.newaxis, :, tf.newaxis, tf.newaxis] & inner_cols[tf.newaxis, tf.newaxis, :, tf.newaxis]
    )
    return tf.where(interior, smooth, work)


@functools.partial(xla_unit, relax_shapes=True)
def _sharpness(images, factor, low: float, high: float):
    work = to_compute(images)
    degenerate = _smooth(work)
    out = degenerate + factor * (work - degenerate)
    return from_compute(tf.clip_by_value(out, low, high), images.dtype)


def sharpness(image, factor, value_range: ValueRange | None = None) -> tf.Tensor:
    """Sharpen or soften, like ``tfa.image.sharpness`` and PIL's ``ImageEnhance.Sharpness(image).enhance``.

    Blends each image with its smoothed copy (PIL's ``SMOOTH`` 3x3 kernel, ``[[1, 1, 1], [1, 5, 1],
    [1, 1, 1]] / 13``, with the one-pixel border left as it is): ``smooth + factor * (image - smooth)``.
    ``factor`` 0 gives the smoothed image, 1 the original, above 1 sharpens; a scalar or one per sample
    ``[B]``. The result is clipped to ``value_range``; ``None`` is the dtype's range for 8- and 16-bit
    integers and ``(0, 255)`` otherwise, as tfa (see :func:`keras_aug.ops.color.resolve_value_range`;
    pass ``(0, 1)`` for float images in [0, 1]). uint8 results are within 1 of PIL for factors in
    [0, 2] and equal to it for 0, 1 and 2.

    Example:
    >>> image = tf.constant([[[0], [0], [0]], [[0], [130], [0]], [[0], [0], [0]]], tf.uint8)
    >>> sharpness(image, 0.0)[..., 0].numpy().tolist()
    [[0, 0, 0], [0, 50, 0], [0, 0, 0]]
    """
    images, rank = to_4d(image, "image")
    low, high = resolve_value_range(value_range, images.dtype)
    factor = _per_sample(check_values(factor, "factor"), images, "factor")
    return from_4d(_sharpness(images, factor, low, high), rank)
