"""``torchvision.transforms.v2.functional``'s ``perspective`` and ``affine``, batched with per-sample parameters.

torchvision (like PIL) puts pixel corners on integers: the pixel ``(i, j)`` covers ``[j, j + 1) x [i, i + 1)``,
so its points and centres are half a pixel off keras_aug's matrices (pixel centres on integers); these
functions convert. Outside the image both fill with ``fill`` (torchvision has no other fill mode), like
OpenCV's ``BORDER_CONSTANT``: a bilinear pixel near the border blends its inside taps with the fill value.
(torchvision's tensor kernel then multiplies that blend by the taps' coverage once more, which darkens a
one-pixel band along the border towards the fill; we do not.) Integer images are rounded, as torchvision.
"""

from __future__ import annotations

import numpy as np
import tensorflow as tf

from keras_aug.ops import _utils
from keras_aug.ops._utils import INTERPOLATIONS
from keras_aug.ops.geometry.engines import warp
from keras_aug.ops.geometry.matrices import affine_matrix, perspective_matrix
from keras_aug.validation import check_number, check_per_sample


def _fill(fill) -> float:
    return 0.0 if fill is None else check_number(fill, "fill")


def perspective(
    images,
    startpoints,
    endpoints,
    interpolation: str = "bilinear",
    fill: float | None = None,
) -> tf.Tensor:
    """Perspective warp that moves the content at ``startpoints`` to ``endpoints`` (torchvision's ``perspective``).

    Args:
        images: ``[B, H, W, C]`` or ``[H, W, C]``, any numeric dtype (kept).
        startpoints: the four ``(x, y)`` corners ``[top-left, top-right, bottom-right, bottom-left]`` of the
            original image, ``[4, 2]`` (every sample) or ``[B, 4, 2]`` (per sample); torchvision's pixel-corner
            coordinates (``[[0, 0], [W - 1, 0], [W - 1, H - 1], [0, H - 1]]`` are what its ``RandomPerspective``
            passes).
        endpoints: where those four points go, same shapes.
        interpolation: ``"bilinear"`` or ``"nearest"``.
        fill: value outside the image (``None``: 0), one number for every channel.

    The matrix solves the same 8x8 system as torchvision's ``_get_perspective_coeffs`` (float64) and is
    warped by :func:`~keras_aug.ops.geometry.warp`'s projective engine.

    Example:
    >>> img = tf.reshape(tf.range(16, dtype=tf.float32), [1, 4, 4, 1])
    >>> start = [[0.0, 0.0], [3.0, 0.0], [3.0, 3.0], [0.0, 3.0]]
    >>> end = [[1.0, 0.0], [4.0, 0.0], [4.0, 3.0], [1.0, 3.0]]  # one pixel to the right
    >>> perspective(img, start, end)[0, 0, :, 0].numpy().round(3).tolist()
    [0.0, 0.0, 1.0, 2.0]
    """
    interpolation = _utils.check_choice("interpolation", interpolation, INTERPOLATIONS)
    fill = _fill(fill)
    batched, _ = _utils.to_batch(images)
    batch = tf.shape(batched)[0]
    start = check_per_sample(startpoints, batch, "startpoints", (4, 2), tf.float64)
    end = check_per_sample(endpoints, batch, "endpoints", (4, 2), tf.float64)
    matrices = perspective_matrix(start - 0.5, end - 0.5)  # pixel corners → pixel centres
    return warp(images, matrices, interpolation, "constant", fill, kind="projective")


def affine(
    images,
    angle,
    translate,
    scale,
    shear,
    interpolation: str = "nearest",
    fill: float | None = None,
    center=None,
) -> tf.Tensor:
    """torchvision's ``affine``: shear, scale, rotate ``angle`` degrees clockwise about ``center``, then translate.

    Args:
        images: ``[B, H, W, C]`` or ``[H, W, C]``, any numeric dtype (kept).
        angle: degrees, clockwise (torchvision's ``affine``; its ``rotate`` is counter-clockwise); ``[]`` or ``[B]``.
        translate: ``(tx, ty)`` pixels (right, down); ``[2]`` or ``[B, 2]``.
        scale: magnification (> 0); ``[]`` or ``[B]``.
        shear: degrees; a number shears along x only (torchvision's rule), ``(sx, sy)`` ``[2]`` or ``[B, 2]``
            both (x first).
        interpolation: ``"nearest"`` (torchvision's default) or ``"bilinear"``.
        fill: value outside the image (``None``: 0), one number for every channel.
        center: ``(x, y)`` pixel-corner coordinates, ``[2]`` or ``[B, 2]``; ``None`` is the image centre.

    The matrix is :func:`~keras_aug.ops.geometry.matrices.affine_matrix` (torchvision's
    ``_get_inverse_affine_matrix``, half a pixel moved to keras_aug's pixel centres), warped once by
    :func:`~keras_aug.ops.geometry.warp`.

    Example:
    >>> img = tf.reshape(tf.range(9, dtype=tf.float32), [1, 3, 3, 1])
    >>> affine(img, 90.0, [0, 0], 1.0, 0.0)[0, :, :, 0].numpy().tolist()  # a quarter turn clockwise
    [[6.0, 3.0, 0.0], [7.0, 4.0, 1.0], [8.0, 5.0, 2.0]]
    """
    interpolation = _utils.check_choice("interpolation", interpolation, INTERPOLATIONS)
    fill = _fill(fill)
    batched, _ = _utils.to_batch(images)
    batch = tf.shape(batched)[0]
    _check_positive(scale, "scale")
    angle = check_per_sample(angle, batch, "angle")
    scale = check_per_sample(scale, batch, "scale")
    translate = check_per_sample(translate, batch, "translate", (2,))
    shear = check_per_sample(_shear_pair(shear), batch, "shear", (2,))
    if center is not None:
        center = check_per_sample(center, batch, "center", (2,))
    height, width = tf.shape(batched)[1], tf.shape(batched)[2]
    matrices = affine_matrix(angle, translate, scale, shear, height, width, center)
    return warp(images, matrices, interpolation, "constant", fill, kind="affine")


def _shear_pair(shear):
    """torchvision's rule: one number shears along x only, ``(shear, 0)``."""
    if isinstance(shear, (tf.Tensor, tf.Variable)):
        return tf.stack([tf.cast(shear, tf.float32), 0.0]) if shear.shape.rank == 0 else shear
    return [shear, 0.0] if np.ndim(shear) == 0 else shear


def _check_positive(values, name: str) -> None:
    if not isinstance(values, (tf.Tensor, tf.Variable)) and not np.all(np.asarray(values, np.float64) > 0):
        raise ValueError(f"`{name}` must be positive, got {values!r}.")
