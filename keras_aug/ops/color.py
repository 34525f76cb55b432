"""Per-pixel intensity ops: brightness, contrast, gamma, blending and (de)normalization.

Every op takes images ``[B, H, W, C]`` (or one image ``[H, W, C]``) of any numeric dtype and per-sample
parameters of shape ``[B]`` (a scalar is broadcast to every sample). Parameters given as Python or
NumPy values are checked (finite; ``gamma`` and ``normalize``'s ``std`` > 0) and a bad one raises
``ValueError`` naming it; tensor values cannot be checked under XLA and are used as they are.
Arithmetic runs in float32 (float64 for float64 input) with one conversion in and one out; integer
results are rounded to nearest (half to even; the uint8 fixed-point path of the linear ops rounds half
up). ``value_range=(low, high)`` says what values the images hold; results are clipped to it. The
default ``None`` is the package's one rule (:func:`keras_aug.validation.resolve_value_range`): the
dtype's range for 8- and 16-bit integer images (``(0, 255)`` for uint8, ``(0, 65535)`` for uint16,
``(-32768, 32767)`` for int16) and ``(0, 255)`` otherwise (floats and wider integers, Keras'
convention); pass e.g. ``(0, 4095)`` for 12-bit data in uint16, or ``(0, 1)`` for floats in [0, 1].
16-bit images keep their full depth (float32 holds every uint16 value exactly).
Neutral parameters (``delta=0``, ``factor=1``, ``alpha=1`` with ``beta=0``, ``gamma=1``) return values
within ``value_range`` unchanged, bit for bit (layers give them to the samples they do not augment);
values outside it are clipped, as by any parameter. Each op runs as XLA-compiled units, also when called
eagerly or inside ``tf.data``, and inlines into a caller's own ``jit_compile=True`` function.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import tensorflow as tf

from keras_aug.ops._utils import (
    compute_dtype,
    from_4d,
    from_batch,
    from_compute,
    to_4d,
    to_batch,
    to_compute,
)
from keras_aug.ops.xla import materialize, reduce_pixels, xla_unit
from keras_aug.validation import (  # noqa: F401  (check_value_range: re-exported for the ops' users)
    DEFAULT_VALUE_RANGE,
    check_value_range,
    check_values,
    resolve_value_range,
)

ValueRange = Sequence[float]
_MAX_ALPHA = 4096.0  # uint8 fixed point: |alpha| and |beta| are clamped so int32 cannot overflow
_MAX_BETA = 2.0**20


def _per_sample(values, images: tf.Tensor, name: str) -> tf.Tensor:
    """A scalar or ``[B]`` parameter as ``[B, 1, 1, 1]`` in the images' compute dtype."""
    values = tf.cast(tf.convert_to_tensor(values), compute_dtype(images.dtype))
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


def _clip_to_dtype(values: tf.Tensor, low: float, high: float, dtype: tf.DType) -> tf.Tensor:
    values = tf.clip_by_value(values, tf.cast(low, values.dtype), tf.cast(high, values.dtype))
    return from_compute(values, dtype)


def _uint8_fast_path(images: tf.Tensor, low: float, high: float) -> bool:
    return images.dtype == tf.uint8 and float(low).is_integer() and float(high).is_integer()


def _affine_uint8(images: tf.Tensor, alpha: tf.Tensor, beta: tf.Tensor, low: float, high: float) -> tf.Tensor:
    """``clip(round(alpha * x + beta))`` for uint8 in int32 fixed point (rounding half up).

    About 2x faster than float32 under XLA on CPU (no float conversions). Each sample gets the most
    fractional bits (up to 22) that keep ``255 * |alpha| + |beta|`` inside int32, so the result differs
    from exact arithmetic by under 2^-15 for |alpha| <= 16 (float32 itself is off by ~2^-16 at 255):
    only values within that of a rounding boundary can move by one level.
    """
    alpha = tf.clip_by_value(tf.cast(alpha, tf.float64), -_MAX_ALPHA, _MAX_ALPHA)
    beta = tf.clip_by_value(tf.cast(beta, tf.float64), -_MAX_BETA, _MAX_BETA)
    bound = 255.0 * tf.abs(alpha) + tf.reduce_max(tf.abs(beta), axis=-1, keepdims=True) + 1.0
    bits = tf.clip_by_value(tf.floor(30.0 - tf.math.log(bound) / math.log(2.0)), 1.0, 22.0)
    scale = tf.pow(tf.constant(2.0, tf.float64), bits)
    a = tf.cast(tf.round(alpha * scale), tf.int32)
    b = tf.cast(tf.round(beta * scale) + 0.5 * scale, tf.int32)
    y = tf.bitwise.right_shift(tf.cast(images, tf.int32) * a + b, tf.cast(bits, tf.int32))
    y = tf.clip_by_value(y, max(int(low), 0), min(int(high), 255))
    return tf.cast(y, tf.uint8)


def _affine_kernel(
    images: tf.Tensor, alpha: tf.Tensor, beta: tf.Tensor, low: float, high: float
) -> tf.Tensor:
    """``clip(alpha * x + beta, low, high)`` with ``alpha`` ``[B, 1, 1, 1]``, ``beta`` ``[B, 1, 1, 1 or C]``.

    ``alpha = 1, beta = 0`` is exact (``x * 1 + 0 == x``, also in the uint8 fixed point)."""
    if _uint8_fast_path(images, low, high):
        return _affine_uint8(images, alpha, beta, low, high)
    x = to_compute(images)
    return _clip_to_dtype(x * tf.cast(alpha, x.dtype) + tf.cast(beta, x.dtype), low, high, images.dtype)


def _channel_means(images: tf.Tensor) -> tf.Tensor:
    """Per-image, per-channel mean ``[B, 1, 1, C]``; exact for integer images (integer or float64 sums)."""
    if images.dtype.is_floating:
        return reduce_pixels(to_compute(images), "mean")
    height, width = images.shape[1], images.shape[2]
    small = images.dtype == tf.uint8 and height is not None and width is not None and height * width < 2**23
    total = reduce_pixels(tf.cast(images, tf.int32 if small else tf.float64), "sum")
    pixels = tf.cast(tf.shape(images)[1] * tf.shape(images)[2], tf.float64)
    return tf.cast(tf.cast(total, tf.float64) / pixels, tf.float32)


def _contrast_kernel(images: tf.Tensor, factor: tf.Tensor, low: float, high: float) -> tf.Tensor:
    mean = _channel_means(images)
    factor = tf.cast(factor, mean.dtype)
    return _affine_kernel(images, factor, mean * (1.0 - factor), low, high)


def _gamma_kernel(images: tf.Tensor, exponent: tf.Tensor, low: float, high: float) -> tf.Tensor:
    x = to_compute(images)
    unit = tf.clip_by_value((x - low) * (1.0 / (high - low)), 0.0, 1.0)
    # exp(g * log(u)) vectorizes under XLA on CPU; tf.pow there is a scalar call per pixel (~5x slower)
    powered = tf.where(unit > 0.0, tf.exp(tf.cast(exponent, x.dtype) * tf.math.log(unit)), 0.0)
    curved = low + (high - low) * powered
    curved = tf.where(exponent == 1, x, curved)  # exp(log(u)) is not exactly u: keep gamma 1 exact
    return _clip_to_dtype(curved, low, high, images.dtype)


def _blend_kernel(
    image1: tf.Tensor, image2: tf.Tensor, factor: tf.Tensor, low: float, high: float
) -> tf.Tensor:
    x1 = to_compute(image1)
    x2 = tf.cast(image2, x1.dtype)
    return _clip_to_dtype(x1 + tf.cast(factor, x1.dtype) * (x2 - x1), low, high, image1.dtype)


def _normalize_kernel(images: tf.Tensor, mean: tf.Tensor, std: tf.Tensor, dtype: tf.DType) -> tf.Tensor:
    return tf.cast((to_compute(images) - mean) / std, dtype)


def _denormalize_kernel(images: tf.Tensor, mean: tf.Tensor, std: tf.Tensor, dtype: tf.DType) -> tf.Tensor:
    return from_compute(to_compute(images) * std + mean, dtype)


def brightness(images, delta, value_range: ValueRange | None = None) -> tf.Tensor:
    """Add ``delta`` (in the images' own units, one value per sample) and clip to ``value_range``.

    ``out = clip(x + delta, low, high)``. Keras' ``RandomBrightness(factor)`` corresponds to
    ``delta = factor * (high - low)``.

    Example:
    >>> brightness(tf.constant([[[[250]]]], tf.uint8), 10.0).numpy().ravel().tolist()
    [255]
    """
    images, single = to_batch(images)
    low, high = resolve_value_range(value_range, images.dtype)
    delta = _per_sample(check_values(delta, "delta"), images, "delta")
    out = xla_unit(_affine_kernel, relax_shapes=True, low=low, high=high)(images, tf.ones_like(delta), delta)
    return from_batch(out, single)


def contrast(images, factor, value_range: ValueRange | None = None) -> tf.Tensor:
    """Scale each channel's distance from its own mean by ``factor`` (per sample), then clip.

    ``out = clip((x - mean) * factor + mean, low, high)`` with ``mean`` taken over height and width of each
    image and channel, as in Keras' ``RandomContrast`` and ``tf.image.adjust_contrast``.

    Example:
    >>> x = tf.constant([[[[10.0], [30.0]]]])
    >>> contrast(x, 2.0).numpy().ravel().tolist()
    [0.0, 40.0]
    """
    images, single = to_batch(images)
    low, high = resolve_value_range(value_range, images.dtype)
    factor = _per_sample(check_values(factor, "factor"), images, "factor")
    return from_batch(
        xla_unit(_contrast_kernel, relax_shapes=True, low=low, high=high)(images, factor), single
    )


def brightness_contrast(images, alpha, beta, value_range: ValueRange | None = None) -> tf.Tensor:
    """Albumentations' ``RandomBrightnessContrast`` formula in one pass: ``clip(alpha * x + beta)``.

    ``alpha`` (contrast, ``1 + contrast_limit draw``) and ``beta`` (brightness, in the images' units) are
    per sample.

    Example:
    >>> x = tf.constant([[[[100]]]], tf.uint8)
    >>> brightness_contrast(x, 1.5, -20.0).numpy().ravel().tolist()
    [130]
    """
    images, single = to_batch(images)
    low, high = resolve_value_range(value_range, images.dtype)
    alpha = _per_sample(check_values(alpha, "alpha"), images, "alpha")
    beta = _per_sample(check_values(beta, "beta"), images, "beta")
    return from_batch(
        xla_unit(_affine_kernel, relax_shapes=True, low=low, high=high)(images, alpha, beta), single
    )


def gamma(images, gamma, value_range: ValueRange | None = None) -> tf.Tensor:
    """Gamma curve on the range: ``low + (high - low) * ((x - low) / (high - low)) ** gamma``.

    ``gamma`` (> 0, per sample) below 1 brightens, above 1 darkens; the range's ends stay fixed.

    Example:
    >>> x = tf.constant([[[[0.25]]]])
    >>> gamma(x, 0.5, value_range=(0, 1)).numpy().ravel().tolist()
    [0.5]
    """
    images, single = to_batch(images)
    low, high = resolve_value_range(value_range, images.dtype)
    exponent = _per_sample(check_values(gamma, "gamma", 0.0, low_open=True), images, "gamma")
    if images.dtype == tf.uint8:
        return from_batch(apply_lut(images, gamma_lut(exponent[:, 0, 0, 0], (low, high))), single)
    return from_batch(
        xla_unit(_gamma_kernel, relax_shapes=True, low=low, high=high)(images, exponent), single
    )


def gamma_lut(gamma, value_range: ValueRange | None = None) -> tf.Tensor:
    """The uint8 lookup tables ``[B, 256]`` of :func:`gamma` (``gamma`` is ``[B]``) for :func:`apply_lut`.

    ``value_range`` (default ``(0, 255)``) is the range of the uint8 images the tables are for.

    Example:
    >>> int(gamma_lut([0.5], (0, 255))[0, 64])
    128
    """
    low, high = resolve_value_range(value_range, tf.uint8)
    exponent = tf.cast(tf.convert_to_tensor(check_values(gamma, "gamma", 0.0, low_open=True)), tf.float32)
    if exponent.shape.rank != 1:
        raise ValueError(f"`gamma` must be a [batch] vector, got shape {exponent.shape}.")
    levels = tf.broadcast_to(tf.range(256, dtype=tf.int32), tf.concat([tf.shape(exponent), [256]], 0))
    levels = tf.cast(levels, tf.uint8)[:, tf.newaxis, :, tf.newaxis]  # one [1, 256, 1] "image" per sample
    return xla_unit(_gamma_kernel, relax_shapes=True, low=low, high=high)(
        levels, exponent[:, None, None, None]
    )[:, 0, :, 0]


def _lookup_kernel(images: tf.Tensor, tables: tf.Tensor) -> tf.Tensor:
    return tf.gather(tables, tf.cast(images, tf.int32), batch_dims=1)


def apply_lut(images, tables) -> tf.Tensor:
    """Map every uint8 pixel ``v`` of sample ``b`` to ``tables[b, v]`` (``tables``: ``[B, 256]``, or ``[256]``).

    A lookup is one gather per pixel whatever the curve, so any per-level transform of uint8 images
    (gamma, posterize, solarize, ...) costs the same. Inside a caller's XLA program the tables are stored
    first (:func:`~keras_aug.ops.xla.materialize`), so their arithmetic is not fused into every pixel.

    Example:
    >>> invert = tf.constant(list(range(255, -1, -1)), tf.uint8)
    >>> apply_lut(tf.constant([[[[0], [200]]]], tf.uint8), invert).numpy().ravel().tolist()
    [255, 55]
    """
    images, single = to_batch(images)
    if images.dtype != tf.uint8:
        raise ValueError(f"`images` must be uint8 for a lookup table, got {images.dtype.name}.")
    tables = tf.convert_to_tensor(tables)
    if tables.shape.rank not in (1, 2) or tables.shape[-1] not in (None, 256):
        raise ValueError(f"`tables` must have shape [256] or [batch, 256], got {tables.shape}.")
    tables = tf.broadcast_to(tf.cast(tables, tf.uint8), tf.stack([tf.shape(images)[0], 256]))
    tables = materialize(tables)
    return from_batch(xla_unit(_lookup_kernel, relax_shapes=True)(images, tables), single)


def blend(image1, image2, factor, value_range: ValueRange | None = None) -> tf.Tensor:
    """``image1 + factor * (image2 - image1)``, clipped to ``value_range``, in ``image1``'s dtype.

    ``factor`` (per sample) 0 gives ``image1``, 1 gives ``image2``; values outside [0, 1] extrapolate
    (``tfa.image.blend`` semantics). Images are ``[B, H, W, C]``, ``[H, W, C]`` or ``[H, W]`` (as tfa).
    Integer results are rounded half to even (as tfa); unlike tfa, which returns float32 rounded to
    integers, the result keeps ``image1``'s dtype and float results are not rounded.

    Example:
    >>> a = tf.zeros([1, 1, 1, 1], tf.uint8)
    >>> b = tf.fill([1, 1, 1, 1], tf.constant(200, tf.uint8))
    >>> blend(a, b, 0.25).numpy().ravel().tolist()
    [50]
    """
    image1, rank = to_4d(image1, "image1")
    low, high = resolve_value_range(value_range, image1.dtype)
    image2, _ = to_4d(image2, "image2")
    factor = _per_sample(check_values(factor, "factor"), image1, "factor")
    return from_4d(
        xla_unit(_blend_kernel, relax_shapes=True, low=low, high=high)(image1, image2, factor), rank
    )


def normalize(images, mean, std) -> tf.Tensor:
    """``(x - mean) / std`` per channel (``mean``/``std`` scalar or ``[C]``, in the images' units).

    Float images keep their dtype; integer images give float32.

    Example:
    >>> x = tf.constant([[[[128, 64, 0]]]], tf.uint8)
    >>> normalize(x, [128.0, 0.0, 0.0], [64.0, 32.0, 1.0]).numpy().ravel().tolist()
    [0.0, 2.0, 0.0]
    """
    images, single = to_batch(images)
    mean = _per_channel(check_values(mean, "mean"), compute_dtype(images.dtype), "mean")
    std = _per_channel(check_values(std, "std", 0.0, low_open=True), compute_dtype(images.dtype), "std")
    dtype = images.dtype if images.dtype.is_floating else tf.float32
    return from_batch(xla_unit(_normalize_kernel, relax_shapes=True, dtype=dtype)(images, mean, std), single)


def standardize(values, mean, std, invert: bool = False) -> tf.Tensor:
    """``(x - mean) / std`` (``invert``: ``x * std + mean``) for any shape, as one XLA unit.

    ``mean`` and ``std`` broadcast against ``values`` (Keras' ``Normalization`` arithmetic; :func:`normalize`
    is its per-channel image form). Float inputs keep their dtype; integer inputs give float32.

    Example:
    >>> standardize(tf.constant([[1.0, 4.0]]), [[1.0, 0.0]], [[1.0, 2.0]]).numpy().tolist()
    [[0.0, 2.0]]
    """
    values = tf.convert_to_tensor(values)
    dtype = values.dtype if values.dtype.is_floating else tf.float32
    compute = compute_dtype(values.dtype)
    mean, std = tf.cast(mean, compute), tf.cast(std, compute)
    kernel = _denormalize_kernel if invert else _normalize_kernel
    return xla_unit(kernel, relax_shapes=True, dtype=dtype)(values, mean, std)


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
    mean = _per_channel(check_values(mean, "mean"), compute_dtype(images.dtype), "mean")
    std = _per_channel(check_values(std, "std"), compute_dtype(images.dtype), "std")
    return from_batch(
        xla_unit(_denormalize_kernel, relax_shapes=True, dtype=tf.as_dtype(dtype))(images, mean, std), single
    )
