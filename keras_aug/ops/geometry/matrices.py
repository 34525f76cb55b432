"""Output→input matrices: builders about the image centre, composition, tfa's ``[B, 8]`` form, kinds.

A matrix maps an OUTPUT pixel ``(x, y, 1)`` to the INPUT point it reads (pixel centres on integers), so
composing is a matmul. Transforms are the same maps in ``tf.raw_ops.ImageProjectiveTransformV3`` /
``tfa.image.transform`` form: eight numbers ``[a0, a1, a2, b0, b1, b2, c0, c1]`` (the matrix divided by
its last entry, which is then dropped).
"""

from __future__ import annotations

import tensorflow as tf


def _as_batch(values, name: str) -> tf.Tensor:
    values = tf.convert_to_tensor(values, tf.float32)
    if values.shape.rank == 0:
        return values[tf.newaxis]
    if values.shape.rank != 1:
        raise ValueError(f"`{name}` must be a scalar or a [batch] vector, got shape {values.shape}.")
    return values


def _matrix(entries) -> tf.Tensor:
    """Stack nine ``[B]`` entries (row-major) into ``[B, 3, 3]``."""
    return tf.reshape(tf.stack([tf.cast(e, tf.float32) for e in entries], axis=-1), [-1, 3, 3])


def _centre(size) -> tf.Tensor:
    return (tf.cast(size, tf.float32) - 1.0) / 2.0


def identity_matrix(batch_size=1) -> tf.Tensor:
    """``[batch_size, 3, 3]`` identity transforms.

    Example:
    >>> identity_matrix(2).shape
    TensorShape([2, 3, 3])
    """
    return tf.eye(3, batch_shape=[batch_size])


def translation_matrix(dx, dy) -> tf.Tensor:
    """Shift image content right by ``dx`` and down by ``dy`` pixels (per sample).

    Example:
    >>> float(translation_matrix([2.0], [0.0])[0, 0, 2])
    -2.0
    """
    dx, dy = _as_batch(dx, "dx"), _as_batch(dy, "dy")
    one, zero = tf.ones_like(dx), tf.zeros_like(dx)
    return _matrix([one, zero, -dx, zero, one, -dy, zero, zero, one])


def rotation_matrix(angles, height, width) -> tf.Tensor:
    """Rotate content counter-clockwise by ``angles`` radians about the image centre (tfa's convention).

    Example:
    >>> m = rotation_matrix([0.0], 4, 4)
    >>> m.numpy()[0].round(3).tolist()
    [[1.0, -0.0, 0.0], [0.0, 1.0, 0.0], [0.0, 0.0, 1.0]]
    """
    angles = _as_batch(angles, "angles")
    cos, sin = tf.cos(angles), tf.sin(angles)
    cx, cy = _centre(width), _centre(height)
    x_offset = cx - (cos * cx - sin * cy)
    y_offset = cy - (sin * cx + cos * cy)
    zero = tf.zeros_like(angles)
    return _matrix([cos, -sin, x_offset, sin, cos, y_offset, zero, zero, tf.ones_like(angles)])


def zoom_matrix(zoom_x, zoom_y, height, width) -> tf.Tensor:
    """Magnify content by ``zoom_x``/``zoom_y`` about the centre (> 1 zooms in, < 1 zooms out).

    Example:
    >>> zoom_matrix([2.0], [2.0], 5, 5)[0, 0].numpy().tolist()
    [0.5, 0.0, 1.0]
    """
    zoom_x, zoom_y = _as_batch(zoom_x, "zoom_x"), _as_batch(zoom_y, "zoom_y")
    cx, cy = _centre(width), _centre(height)
    zero = tf.zeros_like(zoom_x)
    return _matrix(
        [
            1.0 / zoom_x,
            zero,
            cx - cx / zoom_x,
            zero,
            1.0 / zoom_y,
            cy - cy / zoom_y,
            zero,
            zero,
            tf.ones_like(zoom_x),
        ]
    )


def shear_matrix(shear_x, shear_y, height, width) -> tf.Tensor:
    """Shear about the centre: content x moves by ``shear_x * (y - cy)``, y by ``shear_y * (x - cx)``.

    ``shear_x``/``shear_y`` are the tangents of the shear angles.

    Example:
    >>> shear_matrix([0.5], [0.0], 3, 3)[0, 0].numpy().tolist()
    [1.0, -0.5, 0.5]
    """
    shear_x, shear_y = _as_batch(shear_x, "shear_x"), _as_batch(shear_y, "shear_y")
    cx, cy = _centre(width), _centre(height)
    one, zero = tf.ones_like(shear_x), tf.zeros_like(shear_x)
    forward = _matrix([one, shear_x, -shear_x * cy, shear_y, one, -shear_y * cx, zero, zero, one])
    return tf.linalg.inv(forward)


def compose(*matrices) -> tf.Tensor:
    """Compose output→input matrices so the result applies ``matrices[0]`` first, then the next, ...

    Batches broadcast (``[1, 3, 3]`` with ``[B, 3, 3]``). Same order as ``tfa.image.compose_transforms``.

    Example:
    >>> m = compose(translation_matrix([1.0], [0.0]), translation_matrix([2.0], [0.0]))
    >>> float(m[0, 0, 2])
    -3.0
    """
    if not matrices:
        raise ValueError("`compose` needs at least one matrix.")
    result = matrices[0]
    for matrix in matrices[1:]:
        result = tf.matmul(result, matrix)
    return result


def matrix_to_transform(matrices) -> tf.Tensor:
    """``[B, 3, 3]`` matrices → ``[B, 8]`` transforms (normalized so the last entry is 1).

    Example:
    >>> matrix_to_transform(identity_matrix(1)).numpy().tolist()
    [[1.0, 0.0, 0.0, 0.0, 1.0, 0.0, 0.0, 0.0]]
    """
    matrices = tf.convert_to_tensor(matrices, tf.float32)
    flat = tf.reshape(matrices, [-1, 9])
    return flat[:, :8] / flat[:, 8:9]


def transform_to_matrix(transforms) -> tf.Tensor:
    """``[8]`` or ``[B, 8]`` transforms → ``[B, 3, 3]`` matrices.

    Example:
    >>> transform_to_matrix([1.0, 0, 0, 0, 1, 0, 0, 0]).shape
    TensorShape([1, 3, 3])
    """
    transforms = _check_transforms(transforms)
    ones = tf.ones_like(transforms[:, :1])
    return tf.reshape(tf.concat([transforms, ones], axis=1), [-1, 3, 3])


def _check_transforms(transforms) -> tf.Tensor:
    transforms = tf.convert_to_tensor(transforms, tf.float32)
    if transforms.shape.rank == 1:
        transforms = transforms[tf.newaxis]
    if transforms.shape.rank != 2 or transforms.shape[1] != 8:
        raise ValueError(f"`transforms` must have shape [8] or [batch, 8], got {transforms.shape}.")
    return transforms
