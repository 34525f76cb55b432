"""Shared helpers for ops: argument checks, rank handling and dtype round trips."""

from __future__ import annotations

import numpy as np
import tensorflow as tf

# Argument checks live in keras_aug.validation; these names stay importable from here for the ops.
from keras_aug.validation import FILL_MODES, INTERPOLATIONS, check_choice, dtype_range  # noqa: F401


def check_images(images, name: str = "images") -> tf.Tensor:
    """Convert to a tensor and check it is a rank-3 or rank-4 numeric image batch."""
    images = tf.convert_to_tensor(images)
    rank = images.shape.rank
    if rank not in (3, 4):
        raise ValueError(
            f"`{name}` must be a rank-3 [height, width, channels] or rank-4 "
            f"[batch, height, width, channels] tensor, got shape {images.shape}."
        )
    if not (images.dtype.is_floating or images.dtype.is_integer) or images.dtype == tf.bool:
        raise ValueError(f"`{name}` must have a numeric dtype, got {images.dtype.name}.")
    check_channels(images, name)
    return images


def check_channels(images: tf.Tensor, name: str = "images") -> None:
    """Refuse images whose static channel count (last axis) is 0.

    Example:
    >>> check_channels(tf.zeros([2, 2, 0]))
    Traceback (most recent call last):
    ...
    ValueError: `images` must have at least one channel (last axis), got shape (2, 2, 0).
    """
    if images.shape.rank and images.shape[-1] == 0:
        raise ValueError(f"`{name}` must have at least one channel (last axis), got shape {images.shape}.")


def to_batch(images) -> tuple[tf.Tensor, bool]:
    """Return ``(images[B, H, W, C], was_single_image)``."""
    images = check_images(images)
    if images.shape.rank == 3:
        return images[tf.newaxis], True
    return images, False


def from_batch(images: tf.Tensor, was_single_image: bool) -> tf.Tensor:
    """Undo :func:`to_batch`."""
    return images[0] if was_single_image else images


def compute_dtype(dtype: tf.DType) -> tf.DType:
    """The float dtype arithmetic on ``dtype`` images is done in (float32 unless float64)."""
    return tf.float64 if dtype == tf.float64 else tf.float32


def to_compute(images: tf.Tensor) -> tf.Tensor:
    """Cast images to their compute float dtype without rescaling."""
    return tf.cast(images, compute_dtype(images.dtype))


def _float_bounds(dtype: tf.DType, float_dtype: tf.DType) -> tuple[float, float]:
    """The integer ``dtype``'s range as the nearest ``float_dtype`` values inside it.

    ``int32``'s maximum rounds up to ``2**31`` in float32, which a cast then wraps to the minimum
    (eagerly) or saturates (under XLA); the float just below is safe everywhere. Exact for 8/16-bit.
    """
    low, high = float_dtype.as_numpy_dtype(dtype.min), float_dtype.as_numpy_dtype(dtype.max)
    if float(high) > dtype.max:
        high = np.nextafter(high, float_dtype.as_numpy_dtype(0))
    if float(low) < dtype.min:
        low = np.nextafter(low, float_dtype.as_numpy_dtype(0))
    return float(low), float(high)


def from_compute(values: tf.Tensor, dtype: tf.DType) -> tf.Tensor:
    """Cast float results back to ``dtype``; integer dtypes are rounded and clipped to their range."""
    dtype = tf.as_dtype(dtype)
    if dtype.is_integer:
        if values.dtype.is_floating:
            low, high = _float_bounds(dtype, values.dtype)
            values = tf.clip_by_value(tf.round(values), low, high)
        else:
            values = tf.clip_by_value(tf.round(values), dtype.min, dtype.max)
    return tf.cast(values, dtype)


def batch_vector(values, batch_size, dtype=tf.float32, name: str = "values") -> tf.Tensor:
    """Broadcast a scalar or ``[batch]`` parameter to shape ``[batch]``."""
    values = tf.cast(tf.convert_to_tensor(values), dtype)
    if values.shape.rank not in (None, 0, 1):
        raise ValueError(f"`{name}` must be a scalar or a [batch] vector, got shape {values.shape}.")
    return tf.broadcast_to(values, [batch_size])


# ----------------------------------------------------------------------------------------------
# tensorflow-addons' rank contract: [H, W], [H, W, C] or [B, H, W, C], also of unknown rank
# ----------------------------------------------------------------------------------------------


def to_4d(images, name: str = "images") -> tuple[tf.Tensor, int | tf.Tensor]:
    """``images`` as ``[B, H, W, C]`` and the rank to give back to :func:`from_4d` (tfa's ``to_4D_image``).

    ``[H, W]`` becomes ``[1, H, W, 1]`` and ``[H, W, C]`` ``[1, H, W, C]``. A static rank is handled in
    Python (nothing dynamic reaches XLA); an unknown rank (a ``tf.function`` traced with
    ``TensorSpec(shape=None)``) is reshaped with ``tf.rank`` and checked at run time.

    Example:
    >>> batch, rank = to_4d(tf.zeros([5, 7]))
    >>> batch.shape, rank
    (TensorShape([1, 5, 7, 1]), 2)
    """
    images = tf.convert_to_tensor(images)
    if not (images.dtype.is_floating or images.dtype.is_integer) or images.dtype == tf.bool:
        raise ValueError(f"`{name}` must have a numeric dtype, got {images.dtype.name}.")
    rank = images.shape.rank
    if rank is None:
        rank = tf.rank(images)
        check = tf.debugging.assert_rank_in(
            images,
            [2, 3, 4],
            message=f"`{name}` must have rank 2, 3 or 4",
        )
        with tf.control_dependencies([check]):
            ones = tf.ones([1], tf.int32)
            shape = tf.concat(
                [
                    ones[: tf.cast(rank <= 3, tf.int32)],
                    tf.shape(images),
                    ones[: tf.cast(rank == 2, tf.int32)],
                ],
                0,
            )
            batch = tf.reshape(images, shape)
        batch.set_shape([None] * 4)
        return batch, rank
    if rank not in (2, 3, 4):
        raise ValueError(
            f"`{name}` must have rank 2 [height, width], 3 [height, width, channels] or 4 "
            f"[batch, height, width, channels], got shape {images.shape}."
        )
    if rank != 2:
        check_channels(images, name)
    return (
        images[tf.newaxis, ..., tf.newaxis] if rank == 2 else images[tf.newaxis] if rank == 3 else images
    ), rank


def from_4d(images: tf.Tensor, rank: int | tf.Tensor) -> tf.Tensor:
    """Undo :func:`to_4d` (tfa's ``from_4D_image``).

    Example:
    >>> from_4d(tf.zeros([1, 5, 7, 1]), 2).shape
    TensorShape([5, 7])
    """
    if isinstance(rank, tf.Tensor):
        begin = tf.cast(rank <= 3, tf.int32)
        end = 4 - tf.cast(rank == 2, tf.int32)
        return tf.reshape(images, tf.shape(images)[begin:end])
    return images[0, ..., 0] if rank == 2 else images[0] if rank == 3 else images


def slice_along(values: tf.Tensor, axis: int, start, size) -> tf.Tensor:
    """``size`` entries of ``values`` from ``start`` along ``axis`` (``size=-1``: to the end), all of the others.

    Example:
    >>> slice_along(tf.reshape(tf.range(6), [2, 3]), 1, 1, -1).numpy().tolist()
    [[1, 2], [4, 5]]
    """
    begin, sizes = [0] * values.shape.rank, [-1] * values.shape.rank
    begin[axis], sizes[axis] = start, size
    return tf.slice(values, begin, sizes)


def traceable(fn):
    """Give the plain function ``fn`` a ``get_concrete_function`` like tfa's ``tf.function`` image ops.

    tfa decorates its image functions with ``tf.function``, and code traces them directly, e.g.
    ``mean_filter2d.get_concrete_function(tf.TensorSpec(shape=None))``. ``fn`` itself stays a plain
    function: eager calls, signatures and argument errors are unchanged.

    Example:
    >>> double = traceable(lambda x: x * 2)
    >>> double.get_concrete_function(tf.TensorSpec([None], tf.float32)).structured_outputs.shape
    TensorShape([None])
    """
    fn.get_concrete_function = tf.function(fn, autograph=False).get_concrete_function
    return fn
