"""Output→input matrices: builders about the image centre, composition, tfa's ``[B, 8]`` form, kinds.

A matrix maps an OUTPUT pixel ``(x, y, 1)`` to the INPUT point it reads (pixel centres on integers), so
composing is a matmul. Transforms are the same maps in ``tf.raw_ops.ImageProjectiveTransformV3`` /
``tfa.image.transform`` form: eight numbers ``[a0, a1, a2, b0, b1, b2, c0, c1]`` (the matrix divided by
its last entry, which is then dropped).
"""

from __future__ import annotations

import numpy as np
import tensorflow as tf

from keras_aug.ops.xla import xla_unit


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


def _as_points(points, name: str) -> tf.Tensor:
    points = tf.cast(tf.convert_to_tensor(points), tf.float64)
    if points.shape.rank == 2:
        points = points[tf.newaxis]
    if points.shape.rank != 3 or tuple(points.shape[1:]) != (4, 2):
        raise ValueError(f"`{name}` must be [4, 2] or [batch, 4, 2] (x, y) points, got shape {points.shape}.")
    return points


def perspective_matrix(startpoints, endpoints) -> tf.Tensor:
    """Output→input matrices that send each of the four ``endpoints`` to its ``startpoints`` (per sample).

    The content at ``startpoints`` moves to ``endpoints`` (torchvision's ``perspective`` and Keras'
    ``RandomPerspective`` order). Points are ``(x, y)`` in pixel-centre coordinates, ``[4, 2]`` or
    ``[B, 4, 2]`` (they broadcast). Like ``cv2.getPerspectiveTransform(endpoints, startpoints)``: one
    8x8 linear system per sample, solved in float64 and returned as float32 ``[B, 3, 3]`` with a last
    entry of 1. Degenerate point sets (three collinear points) give non-finite matrices, which the warps
    fill with the fill value.

    Example:
    >>> square = [[0.0, 0.0], [4.0, 0.0], [4.0, 4.0], [0.0, 4.0]]
    >>> moved = [[1.0, 0.0], [5.0, 0.0], [5.0, 4.0], [1.0, 4.0]]
    >>> (perspective_matrix(square, moved)[0].numpy().round(3) + 0.0).tolist()
    [[1.0, 0.0, -1.0], [0.0, 1.0, 0.0], [0.0, 0.0, 1.0]]
    """
    start, end = _as_points(startpoints, "startpoints"), _as_points(endpoints, "endpoints")
    batch = tf.maximum(tf.shape(start)[0], tf.shape(end)[0])
    start = tf.broadcast_to(start, [batch, 4, 2])
    end = tf.broadcast_to(end, [batch, 4, 2])
    return tf.cast(xla_unit(_solve_homography, relax_shapes=True)(start, end), tf.float32)


def _solve_homography(start, end) -> tf.Tensor:
    """The 8x8 system of ``end -> start`` (float64 ``[B, 4, 2]``), solved per sample: ``[B, 3, 3]``.

    Compiled (:func:`xla_unit`) so a singular system gives non-finite entries everywhere, as under a
    caller's XLA, instead of raising in eager mode."""
    u, v = end[..., 0], end[..., 1]  # output points [B, 4]
    x, y = start[..., 0], start[..., 1]  # the input points they read
    one, zero = tf.ones_like(u), tf.zeros_like(u)
    x_rows = tf.stack([u, v, one, zero, zero, zero, -x * u, -x * v], axis=-1)  # [B, 4, 8]
    y_rows = tf.stack([zero, zero, zero, u, v, one, -y * u, -y * v], axis=-1)
    system = tf.reshape(tf.stack([x_rows, y_rows], axis=2), [-1, 8, 8])
    targets = tf.reshape(tf.stack([x, y], axis=2), [-1, 8, 1])
    coefficients = tf.linalg.solve(system, targets)[..., 0]
    return tf.reshape(tf.concat([coefficients, tf.ones_like(coefficients[:, :1])], axis=1), [-1, 3, 3])


def affine_matrix(angle, translate, scale, shear, height, width, center=None) -> tf.Tensor:
    """torchvision's affine as output→input matrices (``torchvision.transforms.v2.functional.affine``).

    The content is sheared (``shear = (sx, sy)`` degrees; x first, then y), scaled by ``scale``, rotated
    ``angle`` degrees clockwise about ``center`` and then shifted by ``translate = (tx, ty)`` pixels: the
    inverse of torchvision's ``_get_inverse_affine_matrix`` ``T · C · R(angle) · S(scale) · SHy(sy) · SHx(sx) · C⁻¹``.
    ``center`` is ``(x, y)`` in pixel-edge coordinates (torchvision's: ``(width / 2, height / 2)``, the
    default, is the image centre). ``angle``/``scale`` are scalars or ``[B]``; ``translate``/``shear``/
    ``center`` are ``[2]`` or ``[B, 2]``.

    Example:
    >>> m = affine_matrix(0.0, [2.0, 0.0], 1.0, [0.0, 0.0], 4, 4)
    >>> (m[0].numpy().round(3) + 0.0).tolist()
    [[1.0, 0.0, -2.0], [0.0, 1.0, 0.0], [0.0, 0.0, 1.0]]
    """
    angle = _as_batch(angle, "angle") * (np.pi / 180.0)
    scale = _as_batch(scale, "scale")
    tx, ty = _as_pairs(translate, "translate")
    sx, sy = (v * (np.pi / 180.0) for v in _as_pairs(shear, "shear"))
    if center is None:
        cx, cy = _centre(width), _centre(height)
    else:
        cx, cy = (v - 0.5 for v in _as_pairs(center, "center"))  # edge → centre coordinates
    # RSS = R(angle) S(scale) SHy(sy) SHx(sx) = scale * [[a, b], [c, d]], det [[a, b], [c, d]] = 1.
    a = tf.cos(angle - sy) / tf.cos(sy)
    b = -tf.cos(angle - sy) * tf.tan(sx) / tf.cos(sy) - tf.sin(angle)
    c = tf.sin(angle - sy) / tf.cos(sy)
    d = -tf.sin(angle - sy) * tf.tan(sx) / tf.cos(sy) + tf.cos(angle)
    inv = [d / scale, -b / scale, -c / scale, a / scale]  # RSS⁻¹
    # input = C + RSS⁻¹ (output - C - T)
    ox, oy = cx + tx, cy + ty
    x_offset = cx - inv[0] * ox - inv[1] * oy
    y_offset = cy - inv[2] * ox - inv[3] * oy
    entries = [inv[0], inv[1], x_offset, inv[2], inv[3], y_offset]
    batch = tf.reduce_max(tf.stack([tf.shape(e)[0] for e in entries]))
    entries = [tf.broadcast_to(e, [batch]) for e in entries]
    zero = tf.zeros([batch])
    return _matrix([*entries, zero, zero, tf.ones([batch])])


def _as_pairs(values, name: str) -> tuple[tf.Tensor, tf.Tensor]:
    """``[2]`` or ``[B, 2]`` pairs → two ``[B]`` (or ``[1]``) vectors."""
    values = tf.convert_to_tensor(values, tf.float32)
    if values.shape.rank == 1:
        values = values[tf.newaxis]
    if values.shape.rank != 2 or values.shape[1] != 2:
        raise ValueError(
            f"`{name}` must be a pair [2] or per-sample pairs [batch, 2], got shape {values.shape}."
        )
    return values[:, 0], values[:, 1]


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


#: Kinds of matrices, each a special case of the next (an engine for one kind warps all kinds before it):
#: ``[[1, 0, tx], [0, 1, ty], [0, 0, 1]]``, ``[[sx, 0, tx], [0, sy, ty], [0, 0, 1]]``, last row
#: ``[0, 0, 1]``, anything else.
KINDS = ("translation", "scale", "affine", "projective")


def kind_index(matrices) -> int | tf.Tensor:
    """Index into :data:`KINDS` of the first kind that holds every matrix of the batch.

    A Python int when the values are known while tracing (eagerly, or constants), so callers can
    choose in Python; else an int32 scalar tensor. Matrices with a non-finite entry are projective
    (the projective engine fills their pixels, like TF's kernel).

    Example:
    >>> KINDS[kind_index(zoom_matrix([2.0], [2.0], 5, 5))]
    'scale'
    >>> KINDS[kind_index(compose(rotation_matrix([0.1], 5, 5), translation_matrix([1.0], [0.0])))]
    'affine'
    """
    static = tf.get_static_value(matrices)
    if static is not None:
        flat = np.reshape(np.asarray(static, np.float32), [-1, 9])
        any_, not_equal, isfinite = np.any, np.not_equal, np.isfinite
    else:
        flat = tf.reshape(tf.cast(matrices, tf.float32), [-1, 9])
        any_, not_equal, isfinite = tf.reduce_any, tf.not_equal, tf.math.is_finite
    projective = any_(not_equal(flat[:, 6:], [0.0, 0.0, 1.0])) | any_(~isfinite(flat))
    affine = any_(not_equal(flat[:, 1:4:2], 0.0))  # entries 1 and 3: rotation or shear
    scale = any_(not_equal(flat[:, 0:5:4], 1.0))  # entries 0 and 4
    if static is not None:
        return 3 if projective else 2 if affine else 1 if scale else 0
    return tf.where(projective, 3, tf.where(affine, 2, tf.where(scale, 1, 0)))
