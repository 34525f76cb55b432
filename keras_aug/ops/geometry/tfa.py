"""``tfa.image``'s geometric functions with tfa's signatures and defaults, on keras_aug's resamplers.

Images may be ``[B, H, W, C]``, ``[H, W, C]`` or ``[H, W]`` (also of unknown rank inside a
``tf.function``), like tfa's.
"""

from __future__ import annotations

import tensorflow as tf

from keras_aug.ops import _utils
from keras_aug.ops._utils import FILL_MODES, INTERPOLATIONS
from keras_aug.ops.geometry.engines import shift, warp
from keras_aug.ops.geometry.matrices import (
    compose,
    matrix_to_transform,
    rotation_matrix,
    transform_to_matrix,
    translation_matrix,
)
from keras_aug.ops.geometry.resample import (
    _fill_value_for,
    _output_shape,
    _resample_projective,
    sample,
)
from keras_aug.validation import check_per_sample


def transform(
    images,
    transforms,
    interpolation: str = "nearest",
    output_shape=None,
    name: str | None = None,
    fill_mode: str = "constant",
    fill_value: float = 0.0,
) -> tf.Tensor:
    """Projective warp with ``ImageProjectiveTransformV3``'s conventions, built from gathers (XLA-friendly).

    ``tfa.image.transform``'s signature and defaults (nearest interpolation, constant fill).

    Args:
        images: ``[B, H, W, C]``, ``[H, W, C]`` or ``[H, W]`` (also of unknown rank), any numeric dtype;
            the output keeps it.
        transforms: ``[8]`` or ``[B, 8]`` output→input transforms (see the module docstring). Pixels whose
            transform is not finite get ``fill_value`` (Python/NumPy values must be finite).
        interpolation: ``"nearest"`` or ``"bilinear"`` (any case).
        output_shape: ``(height, width)`` of the output; defaults to the input's.
        name: a name scope for the ops.
        fill_mode: ``"constant"``, ``"reflect"``, ``"wrap"`` or ``"nearest"``.
        fill_value: value outside the image when ``fill_mode="constant"``.

    Example:
    >>> img = tf.reshape(tf.range(4, dtype=tf.float32), [2, 2])
    >>> transform(img, [1.0, 0, 1, 0, 1, 0, 0, 0]).numpy().tolist()
    [[1.0, 0.0], [3.0, 0.0]]
    """
    interpolation = _utils.check_choice("interpolation", interpolation, INTERPOLATIONS)
    fill_mode = _utils.check_choice("fill_mode", fill_mode, FILL_MODES)
    with tf.name_scope(name or "transform"):
        images, rank = _utils.to_4d(images)
        shape = tf.shape(images)
        transforms = check_per_sample(transforms, shape[0], "transforms", (8,))
        size = (shape[1], shape[2]) if output_shape is None else _output_shape(output_shape)
        out = _resample_projective(images, transforms, interpolation, fill_mode, fill_value, size)
        return _utils.from_4d(out, rank)


def rotate(
    images,
    angles,
    interpolation: str = "nearest",
    fill_mode: str = "constant",
    name: str | None = None,
    fill_value: float = 0.0,
) -> tf.Tensor:
    """Rotate images counter-clockwise by ``angles`` radians (scalar or ``[B]``), like ``tfa.image.rotate``.

    tfa's signature and defaults (nearest interpolation, constant fill); pass ``interpolation="bilinear"``
    for smoother results. ``images`` are ``[B, H, W, C]``, ``[H, W, C]`` or ``[H, W]`` (also of unknown
    rank). A sample whose angle is not finite comes back filled with ``fill_value`` (TF's kernel's
    result for NaN coordinates); Python/NumPy angles must be finite.

    Example:
    >>> img = tf.constant([[1, 2], [3, 4]], tf.uint8)
    >>> rotate(img, 3.14159265 / 2).numpy().tolist()
    [[2, 4], [1, 3]]
    """
    with tf.name_scope(name or "rotate"):
        images, rank = _utils.to_4d(images)
        shape = tf.shape(images)
        angles = check_per_sample(angles, shape[0], "angles")
        finite = tf.math.is_finite(angles)
        matrices = rotation_matrix(tf.where(finite, angles, 0.0), shape[1], shape[2])
        out = warp(images, matrices, interpolation, fill_mode, fill_value)
        return _utils.from_4d(_fill_where_not(finite, out, fill_value), rank)


def _fill_where_not(finite: tf.Tensor, images: tf.Tensor, fill_value) -> tf.Tensor:
    """``fill_value`` for the samples whose ``finite`` is False (skipped when that is known in Python)."""
    if tf.get_static_value(tf.reduce_all(finite)):
        return images
    fill = tf.cast(_fill_value_for(images.dtype, fill_value), images.dtype)
    return tf.where(finite[:, tf.newaxis, tf.newaxis, tf.newaxis], images, fill)


def translate(
    images,
    translations,
    interpolation: str = "nearest",
    fill_mode: str = "constant",
    name: str | None = None,
    fill_value: float = 0.0,
) -> tf.Tensor:
    """Shift images by ``translations`` ``[dx, dy]`` or ``[B, 2]`` pixels (``tfa.image.translate``).

    tfa's signature and defaults; ``images`` are ``[B, H, W, C]``, ``[H, W, C]`` or ``[H, W]`` (also of
    unknown rank). A sample whose translation is not finite comes back filled with ``fill_value``;
    Python/NumPy translations must be finite.

    Example:
    >>> img = tf.constant([[1, 2], [3, 4]], tf.uint8)
    >>> translate(img, [1.0, 0.0]).numpy().tolist()
    [[0, 1], [0, 3]]
    """
    with tf.name_scope(name or "translate"):
        images, rank = _utils.to_4d(images)
        translations = check_per_sample(translations, tf.shape(images)[0], "translations", (2,))
        finite = tf.reduce_all(tf.math.is_finite(translations), axis=1)
        translations = tf.where(finite[:, tf.newaxis], translations, 0.0)
        out = shift(images, translations[:, 0], translations[:, 1], interpolation, fill_mode, fill_value)
        return _utils.from_4d(_fill_where_not(finite, out, fill_value), rank)


def translations_to_projective_transforms(translations) -> tf.Tensor:
    """``[dx, dy]`` or ``[B, 2]`` translations → ``[B, 8]`` transforms (tfa's function of the same name).

    Example:
    >>> translations_to_projective_transforms([2.0, 3.0]).numpy().tolist()
    [[1.0, 0.0, -2.0, 0.0, 1.0, -3.0, 0.0, 0.0]]
    """
    translations = tf.reshape(tf.cast(translations, tf.float32), [-1, 2])
    return matrix_to_transform(translation_matrix(translations[:, 0], translations[:, 1]))


def angles_to_projective_transforms(angles, image_height, image_width) -> tf.Tensor:
    """Counter-clockwise rotations about the centre as ``[B, 8]`` transforms (tfa's function).

    Example:
    >>> angles_to_projective_transforms(0.0, 4, 4).numpy().round(3).tolist()
    [[1.0, -0.0, 0.0, 0.0, 1.0, 0.0, 0.0, 0.0]]
    """
    return matrix_to_transform(rotation_matrix(angles, image_height, image_width))


def compose_transforms(transforms) -> tf.Tensor:
    """Compose a list of ``[B, 8]`` transforms into one, applying the first one first (tfa's function).

    Example:
    >>> t = compose_transforms([[[1.0, 0, -1, 0, 1, 0, 0, 0]], [[1.0, 0, -2, 0, 1, 0, 0, 0]]])
    >>> t.numpy().tolist()
    [[1.0, 0.0, -3.0, 0.0, 1.0, 0.0, 0.0, 0.0]]
    """
    return matrix_to_transform(compose(*[transform_to_matrix(t) for t in transforms]))


def _shear(image, matrix, replace) -> tf.Tensor:
    images, rank = _utils.to_4d(image, "image")
    channels = images.shape[-1]
    fill = (
        tf.broadcast_to(tf.cast(replace, tf.float32), [channels])
        if channels
        else tf.cast(replace, tf.float32)
    )
    # Warp a ones-channel alongside so outside pixels can take a per-channel `replace` value.
    ones = tf.ones_like(images[..., :1])
    warped = transform(tf.concat([images, ones], -1), matrix, interpolation="nearest")
    inside = warped[..., -1:] > 0
    out = tf.where(inside, warped[..., :-1], tf.cast(fill, images.dtype))
    return _utils.from_4d(out, rank)


def shear_x(image, level, replace) -> tf.Tensor:
    """Shear along x: output ``(x, y)`` reads input ``(x + level * y, y)``; outside pixels get ``replace``.

    Same as ``tfa.image.shear_x`` (no centring, nearest sampling); ``replace`` is a scalar or one value
    per channel.

    Example:
    >>> img = tf.constant([[[1], [2]], [[3], [4]]], tf.uint8)
    >>> shear_x(img, 1.0, 9)[:, :, 0].numpy().tolist()
    [[1, 2], [4, 9]]
    """
    return _shear(image, [1.0, level, 0.0, 0.0, 1.0, 0.0, 0.0, 0.0], replace)


def shear_y(image, level, replace) -> tf.Tensor:
    """Shear along y: output ``(x, y)`` reads input ``(x, level * x + y)`` (``tfa.image.shear_y``).

    Example:
    >>> img = tf.constant([[[1], [2]], [[3], [4]]], tf.uint8)
    >>> shear_y(img, 1.0, 9)[:, :, 0].numpy().tolist()
    [[1, 4], [3, 9]]
    """
    return _shear(image, [1.0, 0.0, 0.0, level, 1.0, 0.0, 0.0, 0.0], replace)


@_utils.traceable
def interpolate_bilinear(grid, query_points, indexing: str = "ij", name: str | None = None) -> tf.Tensor:
    """Bilinear values of ``grid`` ``[B, H, W, C]`` at ``query_points`` ``[B, N, 2]`` (``tfa.image``'s).

    ``indexing="ij"`` means points are ``(y, x)``, ``"xy"`` means ``(x, y)``; points outside the grid
    read the nearest edge, as in tfa. Any float dtypes (the result has ``grid``'s); unknown shapes are
    fine, and like tfa's the function has ``get_concrete_function``. Unlike tfa, grids one pixel wide or
    high are read too (tfa raises).

    Example:
    >>> grid = tf.reshape(tf.range(4, dtype=tf.float32), [1, 2, 2, 1])
    >>> interpolate_bilinear(grid, [[[0.5, 0.5]]]).numpy().tolist()
    [[[1.5]]]
    """
    indexing = _utils.check_choice("indexing", indexing, ("ij", "xy"))
    with tf.name_scope(name or "interpolate_bilinear"):
        grid = tf.convert_to_tensor(grid)
        points = tf.convert_to_tensor(query_points)
        if grid.shape.rank not in (None, 4):
            raise ValueError(f"`grid` must be [batch, height, width, channels], got shape {grid.shape}.")
        if points.shape.rank not in (None, 3) or points.shape[-1] not in (None, 2):
            raise ValueError(f"`query_points` must be [batch, n, 2], got shape {points.shape}.")
        grid = tf.ensure_shape(grid, [None, None, None, None])
        points = tf.ensure_shape(tf.cast(points, tf.float32), [None, None, 2])
        first, second = points[..., 0], points[..., 1]
        y, x = (first, second) if indexing == "ij" else (second, first)
        values = sample(_as_float(grid), x[:, tf.newaxis], y[:, tf.newaxis], "bilinear", "nearest")
        return tf.cast(values[:, 0], grid.dtype)


def _as_float(images: tf.Tensor) -> tf.Tensor:
    """Float images as they are (float16 in float32), integer ones in float32."""
    return tf.cast(images, tf.float64 if images.dtype == tf.float64 else tf.float32)


@_utils.traceable
def dense_image_warp(image, flow, name: str | None = None) -> tf.Tensor:
    """``output[b, y, x] = image[b, y - flow[b, y, x, 0], x - flow[b, y, x, 1]]``, bilinear (tfa's function).

    ``flow`` is ``[B, H, W, 2]`` in (dy, dx) order, any float dtype; points outside read the nearest
    edge. Unknown shapes are fine, and like tfa's the function has ``get_concrete_function``.

    Example:
    >>> img = tf.reshape(tf.range(4, dtype=tf.float32), [1, 2, 2, 1])
    >>> float(dense_image_warp(img, tf.fill([1, 2, 2, 2], 0.5))[0, 1, 1, 0])
    1.5
    """
    with tf.name_scope(name or "dense_image_warp"):
        image = tf.convert_to_tensor(image)
        flow = tf.convert_to_tensor(flow)
        if (
            image.shape.rank not in (None, 4)
            or flow.shape.rank not in (None, 4)
            or flow.shape[-1] not in (None, 2)
        ):
            raise ValueError(
                f"`image` must be [B, H, W, C] and `flow` [B, H, W, 2], got {image.shape} and {flow.shape}."
            )
        image = tf.ensure_shape(image, [None, None, None, None])
        flow = tf.ensure_shape(tf.cast(flow, tf.float32), [None, None, None, 2])
        shape = tf.shape(image)
        grid_y = tf.cast(tf.range(shape[1]), tf.float32)[tf.newaxis, :, tf.newaxis]
        grid_x = tf.cast(tf.range(shape[2]), tf.float32)[tf.newaxis, tf.newaxis, :]
        out = sample(_as_float(image), grid_x - flow[..., 1], grid_y - flow[..., 0], "bilinear", "nearest")
        return tf.cast(out, image.dtype)
