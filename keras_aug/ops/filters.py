"""Separable image filters with tensorflow-addons' names and semantics (``tfa.image.gaussian_filter2d``)."""

from __future__ import annotations

import tensorflow as tf

from keras_aug.ops._utils import check_choice, compute_dtype, from_compute

PADDINGS = ("reflect", "constant", "symmetric")


def _pair(name: str, value, kind) -> tuple:
    values = tuple(value) if isinstance(value, (list, tuple)) else (value, value)
    if len(values) != 2 or not all(isinstance(v, kind) and not isinstance(v, bool) for v in values):
        raise ValueError(f"`{name}` must be a {kind.__name__} or a pair of them, got {value!r}.")
    return values


def gaussian_kernel1d(sigma, size: int, dtype=tf.float32) -> tf.Tensor:
    """The normalized 1-D Gaussian of ``size`` taps (centre at ``(size - 1) // 2``); ``sigma=0`` is a delta.

    Example:
    >>> k = gaussian_kernel1d(1.0, 3)
    >>> round(float(tf.reduce_sum(k)), 6)
    1.0
    """
    offsets = tf.cast(tf.range((-size) // 2 + 1, size // 2 + 1), dtype)
    sigma = tf.cast(sigma, dtype)
    logits = -tf.square(offsets) / (2.0 * tf.maximum(tf.square(sigma), tf.constant(1e-30, dtype)))
    return tf.nn.softmax(logits)


def _pad_amounts(size: int) -> tuple[int, int]:
    before = (size - 1) // 2
    return before, size - 1 - before


def _filter_along(images: tf.Tensor, kernel: tf.Tensor, size: int, axis: int, padding: str, constant_values):
    """Correlate ``images`` [B, H, W, C] with ``kernel`` along ``axis`` (1 or 2), output the same size."""
    if size == 1:
        return images * kernel[0]
    paddings = [[0, 0]] * 4
    paddings[axis] = list(_pad_amounts(size))
    padded = tf.pad(images, paddings, mode=padding.upper(), constant_values=constant_values)
    length = tf.shape(images)[axis]
    out = None
    for tap in range(size):
        begin = [0, 0, 0, 0]
        begin[axis] = tap
        extent = [-1, -1, -1, -1]
        extent[axis] = length
        term = tf.slice(padded, begin, extent) * kernel[tap]
        out = term if out is None else out + term
    return out


def gaussian_filter2d(image, filter_shape=(3, 3), sigma=1.0, padding: str = "reflect", constant_values=0):
    """Blur with a separable Gaussian, like ``tfa.image.gaussian_filter2d``.

    ``image`` is ``[H, W]``, ``[H, W, C]`` or ``[B, H, W, C]``. ``filter_shape`` is ``(height, width)``
    (or one int), ``sigma`` a float or ``(sigma_y, sigma_x)``. The kernel has taps at offsets
    ``-(n // 2) + 1 - n % 2 ... n // 2`` weighted ``exp(-d**2 / (2 sigma**2))`` and normalized to sum 1.
    ``padding`` is ``"reflect"`` (``d c b | a b c d``, scipy's ``"mirror"``), ``"symmetric"``
    (``c b a | a b c``, scipy's ``"reflect"``) or ``"constant"`` (``constant_values``). Integer images are
    filtered in float32 and rounded back (tfa truncates instead). ``sigma=0`` leaves the image unchanged.

    Example:
    >>> out = gaussian_filter2d(tf.ones([8, 8, 3]), filter_shape=5, sigma=1.5)
    >>> out.shape
    TensorShape([8, 8, 3])
    """
    filter_shape = _pair("filter_shape", filter_shape, int)
    if any(size < 1 for size in filter_shape):
        raise ValueError(f"`filter_shape` must be positive, got {filter_shape}.")
    sigma = _pair("sigma", sigma, (int, float)) if isinstance(sigma, (list, tuple, int, float)) else sigma
    if isinstance(sigma, tuple) and any(s < 0 for s in sigma):
        raise ValueError(f"`sigma` must be >= 0, got {sigma}.")
    padding = check_choice("padding", padding, PADDINGS)
    image = tf.convert_to_tensor(image)
    rank = image.shape.rank
    if rank not in (2, 3, 4):
        raise ValueError(f"`image` must be rank 2, 3 or 4, got shape {image.shape}.")
    dtype = image.dtype
    work = tf.cast(image, compute_dtype(dtype))
    work = work[tf.newaxis, ..., tf.newaxis] if rank == 2 else work[tf.newaxis] if rank == 3 else work
    sigma = tf.broadcast_to(tf.cast(sigma, work.dtype), [2])
    constant_values = tf.cast(constant_values, work.dtype)
    for axis, size in ((1, filter_shape[0]), (2, filter_shape[1])):
        kernel = gaussian_kernel1d(sigma[axis - 1], size, work.dtype)
        work = _filter_along(work, kernel, size, axis, padding, constant_values)
    work = work[0, ..., 0] if rank == 2 else work[0] if rank == 3 else work
    return from_compute(work, dtype)
