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


@functools.partial(xla_unit, relax_shapes=True)
def _sharpness(images, factor, low: float, high: float):
    """PIL's ``ImageFilter.SMOOTH`` (``[[1, 1, 1], [1, 5, 1], [1, 1, 1]] / 13``) blended with the image,
    the one-pixel border (where PIL keeps the image) left as it is.

    Each image is one flat row of ``H * W * C`` values, so the 3x3 neighbours are slices shifted by
    ``C`` and ``W * C``: the filter runs on the span from the second row's second pixel to the last but
    one row's last but one pixel (one fused, vectorized loop; the first and last pixel of each row in it
    are kept by a select), and the two border spans around it are copied. A padded copy (``MirrorPad``,
    or ``tf.pad`` of the result) instead runs ~7x slower on XLA:CPU: it lowers to per-element branches
    over a ``[..., C]`` innermost axis of 3 that no loop vectorizes.
    """
    shape = tf.shape(images)
    channels, row = shape[3], shape[2] * shape[3]
    total = shape[1] * row
    flat = tf.reshape(images, [shape[0], -1])
    start = tf.minimum(row + channels, total)  # the span [start, stop) holds every interior pixel
    stop = tf.maximum(total - row - channels, start)
    work = to_compute(flat)

    def shifted(offset):
        return work[:, start + offset : stop + offset]

    # the old kernel's order of additions: columns of three rows, then three such columns
    columns = [shifted(k - row) + shifted(k) + shifted(k + row) for k in (-channels, 0, channels)]
    centre = shifted(0)
    smooth = (columns[0] + columns[1] + columns[2] + 4.0 * centre) / 13.0
    out = smooth + tf.reshape(factor, [-1, 1]) * (centre - smooth)
    column = tf.range(start, stop) % row
    inside = (column >= channels) & (column < row - channels)  # the span wraps over the side borders
    out = tf.where(inside[tf.newaxis], out, centre)

    def finish(values):
        return from_compute(tf.clip_by_value(values, low, high), images.dtype)

    parts = [finish(to_compute(flat[:, :start])), finish(out), finish(to_compute(flat[:, stop:]))]
    return tf.reshape(tf.concat(parts, axis=1), shape)


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
