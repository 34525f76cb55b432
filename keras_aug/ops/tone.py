"""Tone ops with ``torchvision.transforms.v2.functional``'s names and semantics, batched.

:func:`invert`, :func:`solarize`, :func:`posterize`, :func:`autocontrast` and :func:`adjust_sharpness`
(histogram equalization is :func:`keras_aug.ops.equalize` with ``mode="pil"``, torchvision's and PIL's
rounding). They follow torchvision (which follows PIL's ``ImageOps`` / ``ImageEnhance``) with two
package-wide differences: images are ``[B, H, W, C]`` (or one ``[H, W, C]`` image), and the range is
``value_range`` rather than ``[0, 1]`` for floats: ``None`` is the dtype's range for 8- and 16-bit
integers and ``(0, 255)`` for floats and wider integers (Keras' convention; pass ``(0, 1)`` for floats in
[0, 1], torchvision's float range). Parameters are a Python number, a scalar tensor or one value per
sample (``[B]``). The dtype is kept; integer results are rounded to nearest (torchvision and PIL
truncate where a result is not an integer) and every result lies in ``value_range``. Each op is one XLA
unit, also when called eagerly or in ``tf.data``, and inlines into a caller's ``jit_compile=True``.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Sequence

import numpy as np
import tensorflow as tf

from keras_aug.ops import enhance
from keras_aug.ops._utils import compute_dtype, from_batch, from_compute, to_batch, to_compute
from keras_aug.ops.xla import reduce_pixels, xla_unit
from keras_aug.validation import check_per_sample, check_values, resolve_value_range

ValueRange = Sequence[float]
_MAX_MASK_BITS = (
    16  # integer images whose range is [0, 2**n - 1] with n up to this are posterized by a bit mask
)


def _column(values, images: tf.Tensor, name: str, dtype=None) -> tf.Tensor:
    """A scalar or ``[B]`` parameter as ``[B, 1, 1, 1]`` (the images' compute dtype unless ``dtype``)."""
    dtype = dtype or compute_dtype(images.dtype)
    values = check_per_sample(values, tf.shape(images)[0], name, dtype=dtype)
    return tf.reshape(values, [-1, 1, 1, 1])


def _clip(values: tf.Tensor, low: float, high: float, dtype: tf.DType) -> tf.Tensor:
    return from_compute(tf.clip_by_value(values, low, high), dtype)


# ----------------------------------------------------------------------------------------------
# invert and solarize
# ----------------------------------------------------------------------------------------------


@functools.partial(xla_unit, relax_shapes=True)
def _invert_kernel(images, low: float, high: float):
    x = to_compute(images)
    return _clip(low + high - x, low, high, images.dtype)


def invert(images, value_range: ValueRange | None = None) -> tf.Tensor:
    """Invert the tones: ``low + high - x`` (torchvision's ``invert``, PIL's ``ImageOps.invert``).

    With ``low = 0`` this is ``high - x``: ``255 - x`` for uint8 (``~x``), ``1 - x`` for floats in
    ``(0, 1)``. Values are clipped to ``value_range`` first.

    Example:
    >>> invert(tf.constant([[[0], [200]]], tf.uint8)).numpy().ravel().tolist()
    [255, 55]
    """
    images, single = to_batch(images)
    low, high = resolve_value_range(value_range, images.dtype)
    return from_batch(_invert_kernel(images, low=low, high=high), single)


@functools.partial(xla_unit, relax_shapes=True)
def _solarize_kernel(images, threshold, addition, low: float, high: float):
    x = tf.clip_by_value(to_compute(images) + addition, low, high)
    return _clip(tf.where(x >= threshold, low + high - x, x), low, high, images.dtype)


def solarize(images, threshold, value_range: ValueRange | None = None, *, addition=0.0) -> tf.Tensor:
    """Invert the values at or above ``threshold`` (torchvision's ``solarize``, PIL's ``ImageOps.solarize``).

    ``out = x if x < threshold else low + high - x``; ``threshold`` is in the images' units (e.g. 128
    for uint8) and may differ per sample (``[B]``); a threshold at or below ``low`` inverts everything,
    one above ``high`` nothing.

    Args:
        images: ``[B, H, W, C]`` or ``[H, W, C]``, any numeric dtype (kept).
        threshold: a number or one per sample ``[B]``.
        value_range: ``(low, high)`` of the images (see the module).
        addition: keyword only, beyond torchvision: added to every value (clipped to ``value_range``)
            before thresholding, as Keras' ``Solarization(addition_factor=)`` and tfa's ``solarize_add``;
            a number or ``[B]``.

    Example:
    >>> solarize(tf.constant([[[100], [200]]], tf.uint8), 128).numpy().ravel().tolist()
    [100, 55]
    """
    images, single = to_batch(images)
    low, high = resolve_value_range(value_range, images.dtype)
    threshold = _column(check_values(threshold, "threshold"), images, "threshold")
    addition = _column(check_values(addition, "addition"), images, "addition")
    return from_batch(_solarize_kernel(images, threshold, addition, low=low, high=high), single)


# ----------------------------------------------------------------------------------------------
# posterize
# ----------------------------------------------------------------------------------------------


def _mask_bits(dtype: tf.DType, low: float, high: float) -> int | None:
    """``n`` when integer images hold ``n``-bit values ``[0, 2**n - 1]`` (posterized by a bit mask), else None."""
    if not dtype.is_integer or low != 0:
        return None
    bits = math.log2(high + 1)
    return int(bits) if bits.is_integer() and 1 <= bits <= _MAX_MASK_BITS else None


def _check_bits(bits):
    """Python/NumPy ``bits`` must be integers >= 0; tensors are rounded and clipped in the op."""
    check_values(bits, "bits", 0.0)
    if not isinstance(bits, (tf.Tensor, tf.Variable)):
        array = np.asarray(bits, dtype=np.float64)
        if not np.all(array == np.round(array)):
            raise ValueError(f"`bits` must hold integers >= 0, got {bits!r}.")
    return bits


@functools.partial(xla_unit, relax_shapes=True)
def _posterize_mask_kernel(images, bits, value_bits: int):
    """Keep the ``bits`` highest of ``value_bits`` bits: ``x & (2**n - 2**(n - bits))``."""
    bits = tf.clip_by_value(bits, 0, value_bits)
    mask = 2**value_bits - tf.bitwise.left_shift(1, value_bits - bits)
    x = tf.clip_by_value(tf.cast(images, tf.int32), 0, 2**value_bits - 1)
    return tf.cast(tf.bitwise.bitwise_and(x, mask), images.dtype)


@functools.partial(xla_unit, relax_shapes=True)
def _posterize_levels_kernel(images, bits, low: float, high: float):
    """torchvision's float posterize on ``value_range``: ``floor(u * 2**bits)`` clipped to the top level."""
    x = to_compute(images)
    levels = tf.cast(tf.bitwise.left_shift(1, tf.clip_by_value(bits, 0, 30)), x.dtype)
    unit = (tf.clip_by_value(x, low, high) - low) / (high - low)
    level = tf.clip_by_value(tf.floor(unit * levels), 0.0, levels - 1.0)
    return _clip(low + level / levels * (high - low), low, high, images.dtype)


def posterize(images, bits, value_range: ValueRange | None = None) -> tf.Tensor:
    """Keep ``bits`` bits per value (torchvision's ``posterize``, PIL's ``ImageOps.posterize``).

    Integer images whose ``value_range`` is ``[0, 2**n - 1]`` (uint8 and uint16 by default, 12-bit data
    with ``(0, 4095)``) keep their ``bits`` highest bits: ``x & (2**n - 2**(n - bits))``, torchvision's
    and PIL's mask; ``bits >= n`` leaves them unchanged and ``bits = 0`` gives ``low``. Other images
    (floats) are quantized as torchvision does floats, on ``value_range``: with ``u = (x - low) / (high
    - low)`` and ``L = 2**bits``, ``out = low + min(floor(u * L), L - 1) / L * (high - low)``.

    Args:
        images: ``[B, H, W, C]`` or ``[H, W, C]``, any numeric dtype (kept).
        bits: integer >= 0, a number or one per sample ``[B]`` (tensors of any dtype are rounded).
        value_range: ``(low, high)`` of the images (see the module).

    Example:
    >>> posterize(tf.constant([[[255], [100]]], tf.uint8), 2).numpy().ravel().tolist()
    [192, 64]
    >>> posterize(tf.constant([[[0.3], [1.0]]]), 1, value_range=(0, 1)).numpy().ravel().tolist()
    [0.0, 0.5]
    """
    images, single = to_batch(images)
    low, high = resolve_value_range(value_range, images.dtype)
    bits = _column(_check_bits(bits), images, "bits", dtype=tf.float32)
    bits = tf.cast(tf.round(bits), tf.int32)
    value_bits = _mask_bits(images.dtype, low, high)
    if value_bits is not None:
        return from_batch(_posterize_mask_kernel(images, bits, value_bits=value_bits), single)
    return from_batch(_posterize_levels_kernel(images, bits, low=low, high=high), single)


# ----------------------------------------------------------------------------------------------
# autocontrast and sharpness
# ----------------------------------------------------------------------------------------------


@functools.partial(xla_unit, relax_shapes=True)
def _autocontrast_kernel(images, low: float, high: float):
    x = tf.clip_by_value(to_compute(images), low, high)
    # clip(cast(.)) is monotone, so it commutes with min and max: reduce the narrower stored values
    minimum = tf.clip_by_value(to_compute(reduce_pixels(images, "min")), low, high)
    maximum = tf.clip_by_value(to_compute(reduce_pixels(images, "max")), low, high)
    spread = maximum - minimum
    flat = spread <= 0  # a constant channel is left as it is (PIL, torchvision)
    # (x - min) * (high - low) / spread: exact products and one rounding, so exact ties stay ties
    stretched = (x - minimum) * (high - low) / tf.where(flat, tf.ones_like(spread), spread) + low
    return _clip(tf.where(flat, x, stretched), low, high, images.dtype)


def autocontrast(images, value_range: ValueRange | None = None) -> tf.Tensor:
    """Stretch each channel of each image to the full range (torchvision's ``autocontrast``).

    Per image and channel, the darkest value maps to ``low`` and the brightest to ``high``, linearly:
    ``low + (x - min) * (high - low) / (max - min)``; constant channels stay as they are. This is PIL's
    ``ImageOps.autocontrast`` with ``cutoff=0`` (PIL truncates to integers; the result here is rounded,
    so uint8 values are within 1 of PIL's).

    Example:
    >>> autocontrast(tf.constant([[[50], [100], [150]]], tf.uint8)).numpy().ravel().tolist()
    [0, 128, 255]
    """
    images, single = to_batch(images)
    low, high = resolve_value_range(value_range, images.dtype)
    return from_batch(_autocontrast_kernel(images, low=low, high=high), single)


def adjust_sharpness(images, sharpness_factor, value_range: ValueRange | None = None) -> tf.Tensor:
    """torchvision's ``adjust_sharpness``: PIL's ``ImageEnhance.Sharpness``, batched.

    The same function as :func:`keras_aug.ops.sharpness` (tfa's name): a blend of each image with its
    ``[[1, 1, 1], [1, 5, 1], [1, 1, 1]] / 13`` smoothed copy, the one-pixel border kept;
    ``sharpness_factor`` 0 blurs, 1 keeps the image, 2 sharpens; a number or ``[B]``.

    Example:
    >>> image = tf.constant([[[0], [0], [0]], [[0], [130], [0]], [[0], [0], [0]]], tf.uint8)
    >>> adjust_sharpness(image, 0.0)[..., 0].numpy().tolist()
    [[0, 0, 0], [0, 50, 0], [0, 0, 0]]
    """
    images, single = to_batch(images)
    return from_batch(enhance.sharpness(images, sharpness_factor, value_range), single)
