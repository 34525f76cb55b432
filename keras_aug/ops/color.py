"""Per-pixel intensity ops: brightness, contrast, gamma, blending and (de)normalization.

Every op takes images ``[B, H, W, C]`` (or one image ``[H, W, C]``) of any numeric dtype and per-sample
parameters of shape ``[B]`` (a scalar is broadcast to every sample). Arithmetic runs in float32 (float64
for float64 input) with one conversion in and one out; integer results are rounded half to even.
``value_range=(low, high)`` says what values the images hold (``(0, 255)`` for uint8, ``(0, 1)`` or
``(0, 255)`` for floats); results are clipped to it. Each op is one elementwise pass that XLA fuses.
"""

from __future__ import annotations

from collections.abc import Sequence

import tensorflow as tf

from keras_aug.ops._utils import from_batch, from_compute, to_batch, to_compute

ValueRange = Sequence[float]


def check_value_range(value_range: ValueRange, name: str = "value_range") -> tuple[float, float]:
    """Return ``(low, high)`` as floats, or raise ``ValueError`` unless it is two numbers with low < high.

    Example:
    >>> check_value_range((0, 255))
    (0.0, 255.0)
    """
    message = f"`{name}` must be a pair of numbers (low, high) with low < high, got {value_range!r}."
    if not isinstance(value_range, (tuple, list)) or len(value_range) != 2:
        raise ValueError(message)
    try:
        low, high = float(value_range[0]), float(value_range[1])
    except (TypeError, ValueError):
        raise ValueError(message) from None
    if not low < high:
        raise ValueError(message)
    return low, high


def _per_sample(values, images: tf.Tensor, name: str) -> tf.Tensor:
    """A scalar or ``[B]`` parameter as ``[B, 1, 1, 1]`` in the images' compute dtype."""
    values = tf.cast(tf.convert_to_tensor(values), images.dtype)
    if values.shape.rank not in (None, 0, 1):
        raise ValueError(f"`{name}` must be a scalar or a [batch] vector, got shape {values.shape}.")
    return tf.reshape(tf.broadcast_to(values, tf.shape(images)[:1]), [-1, 1, 1, 1])


def _per_channel(values, dtype: tf.DType, name: str) -> tf.Tensor:
    """A scalar or ``[C]`` statistic, validated, in ``dtype``."""
    values = tf.cast(tf.convert_to_tensor(values), dtype)
    if values.shape.rank not in (None, 0, 1):
        raise ValueError(
            f"`{name}` must be a scalar or a per-channel [channels] vector, got shape {values.shape}."
        )
    return values


def _finish(values: tf.Tensor, value_range: tuple[float, float], dtype: tf.DType, single: bool) -> tf.Tensor:
    low, high = value_range
    values = tf.clip_by_value(values, tf.cast(low, values.dtype), tf.cast(high, values.dtype))
    return from_batch(from_compute(values, dtype), single)


def brightness(images, delta, value_range: ValueRange = (0, 255)) -> tf.Tensor:
    """Add ``delta`` (in the images' own units, one value per sample) and clip to ``value_range``.

    ``out = clip(x + delta, low, high)``. Keras' ``RandomBrightness(factor)`` corresponds to
    ``delta = factor * (high - low)``.

    Example:
    >>> brightness(tf.constant([[[[250]]]], tf.uint8), 10.0).numpy().ravel().tolist()
    [255]
    """
    value_range = check_value_range(value_range)
    images, single = to_batch(images)
    x = to_compute(images)
    return _finish(x + _per_sample(delta, x, "delta"), value_range, images.dtype, single)


def contrast(images, factor, value_range: ValueRange = (0, 255)) -> tf.Tensor:
    """Scale each channel's distance from its own mean by ``factor`` (per sample), then clip.

    ``out = clip((x - mean) * factor + mean, low, high)`` with ``mean`` taken over height and width of each
    image and channel, as in Keras' ``RandomContrast`` and ``tf.image.adjust_contrast``.

    Example:
    >>> x = tf.constant([[[[10.0], [30.0]]]])
    >>> contrast(x, 2.0).numpy().ravel().tolist()
    [0.0, 40.0]
    """
    value_range = check_value_range(value_range)
    images, single = to_batch(images)
    x = to_compute(images)
    factor = _per_sample(factor, x, "factor")
    mean = tf.reduce_mean(x, axis=(1, 2), keepdims=True)
    return _finish(x * factor + mean * (1.0 - factor), value_range, images.dtype, single)


def brightness_contrast(images, alpha, beta, value_range: ValueRange = (0, 255)) -> tf.Tensor:
    """Albumentations' ``RandomBrightnessContrast`` formula in one pass: ``clip(alpha * x + beta)``.

    ``alpha`` (contrast, ``1 + contrast_limit draw``) and ``beta`` (brightness, in the images' units) are
    per sample.

    Example:
    >>> x = tf.constant([[[[100]]]], tf.uint8)
    >>> brightness_contrast(x, 1.5, -20.0).numpy().ravel().tolist()
    [130]
    """
    value_range = check_value_range(value_range)
    images, single = to_batch(images)
    x = to_compute(images)
    alpha = _per_sample(alpha, x, "alpha")
    beta = _per_sample(beta, x, "beta")
    return _finish(x * alpha + beta, value_range, images.dtype, single)


def gamma(images, gamma, value_range: ValueRange = (0, 255)) -> tf.Tensor:
    """Gamma curve on the range: ``low + (high - low) * ((x - low) / (high - low)) ** gamma``.

    ``gamma`` (> 0, per sample) below 1 brightens, above 1 darkens; the range's ends stay fixed.

    Example:
    >>> x = tf.constant([[[[0.25]]]])
    >>> gamma(x, 0.5, value_range=(0, 1)).numpy().ravel().tolist()
    [0.5]
    """
    low, high = check_value_range(value_range)
    images, single = to_batch(images)
    x = to_compute(images)
    exponent = _per_sample(gamma, x, "gamma")
    unit = tf.clip_by_value((x - low) * (1.0 / (high - low)), 0.0, 1.0)
    return _finish(low + (high - low) * tf.pow(unit, exponent), (low, high), images.dtype, single)


def blend(image1, image2, factor, value_range: ValueRange = (0, 255)) -> tf.Tensor:
    """``image1 + factor * (image2 - image1)``, clipped to ``value_range``, in ``image1``'s dtype.

    ``factor`` (per sample) 0 gives ``image1``, 1 gives ``image2``; values outside [0, 1] extrapolate
    (``tfa.image.blend`` semantics).

    Example:
    >>> a = tf.zeros([1, 1, 1, 1], tf.uint8)
    >>> b = tf.fill([1, 1, 1, 1], tf.constant(200, tf.uint8))
    >>> blend(a, b, 0.25).numpy().ravel().tolist()
    [50]
    """
    value_range = check_value_range(value_range)
    image1, single = to_batch(image1)
    image2, _ = to_batch(image2)
    x1 = to_compute(image1)
    x2 = tf.cast(image2, x1.dtype)
    factor = _per_sample(factor, x1, "factor")
    return _finish(x1 + factor * (x2 - x1), value_range, image1.dtype, single)


def normalize(images, mean, std) -> tf.Tensor:
    """``(x - mean) / std`` per channel (``mean``/``std`` scalar or ``[C]``, in the images' units).

    Float images keep their dtype; integer images give float32.

    Example:
    >>> x = tf.constant([[[[128, 64, 0]]]], tf.uint8)
    >>> normalize(x, [128.0, 0.0, 0.0], [64.0, 32.0, 1.0]).numpy().ravel().tolist()
    [0.0, 2.0, 0.0]
    """
    images, single = to_batch(images)
    x = to_compute(images)
    mean = _per_channel(mean, x.dtype, "mean")
    std = _per_channel(std, x.dtype, "std")
    out = (x - mean) / std
    if images.dtype.is_floating:
        out = tf.cast(out, images.dtype)
    return from_batch(out, single)


def denormalize(images, mean, std, dtype: tf.DType | str | None = None) -> tf.Tensor:
    """Undo :func:`normalize`: ``x * std + mean``; with an integer ``dtype`` also round and clip to it.

    Example:
    >>> z = tf.constant([[[[0.0, 2.0, 0.0]]]])
    >>> denormalize(z, [128.0, 0.0, 0.0], [64.0, 32.0, 1.0], dtype="uint8").numpy().ravel().tolist()
    [128, 64, 0]
    """
    images, single = to_batch(images)
    if dtype is None:
        dtype = images.dtype if images.dtype.is_floating else tf.float32
    x = to_compute(images)
    mean = _per_channel(mean, x.dtype, "mean")
    std = _per_channel(std, x.dtype, "std")
    return from_batch(from_compute(x * std + mean, tf.as_dtype(dtype)), single)
