"""Keras 3's projective and shear layers: ``RandomPerspective`` and ``RandomShear``, one matrix per sample.

Both are :class:`~keras_aug.layers.geometric.BaseGeometric` layers, so images (``interpolation``), masks
(nearest) and boxes (corners through the matrix, clipped, dropped below ``min_visibility``/``min_area``)
follow the same matrix, and samples that are not augmented get the identity.
"""

from __future__ import annotations

import keras
import tensorflow as tf

from keras_aug.layers.geometric import BaseGeometric
from keras_aug.ops import geometry
from keras_aug.ops import random as krandom
from keras_aug.validation import check_number, check_range, is_number


@keras.saving.register_keras_serializable(package="keras_aug")
class RandomPerspective(BaseGeometric):
    """Move the image corners at random and warp projectively (``keras.layers.RandomPerspective``).

    Same arguments and distribution as Keras 3.15:

    Args:
        factor: Keras' per-sample probability range: ``f`` for ``(0, f)`` or ``(lower, upper)`` within
            ``[0, 1]``. Keras draws a probability ``q ~ U(lower, upper)`` per sample and warps it when a
            second uniform is below ``q``, so a sample is warped with probability ``(lower + upper) / 2``
            (0.5 for the default ``factor=1.0``); here that probability is multiplied by ``p``.
        scale: within ``[0, 1]``. Each corner coordinate ``c`` of ``(0, 0)``, ``(W - 1, 0)``, ``(0, H - 1)``,
            ``(W - 1, H - 1)`` (pixel centres) moves to ``c * (1 + u)`` with ``u ~ U(-scale / 2, scale / 2)``, as
            Keras does: so the top-left corner stays put, the top-right moves along x only, the
            bottom-left along y only, and the bottom-right along both (torchvision's
            ``RandomPerspective(distortion_scale)`` moves every corner inwards instead; use
            :func:`keras_aug.ops.perspective` for that). The content at the corners moves to the
            displaced corners.
        interpolation: ``"bilinear"`` or ``"nearest"``.
        fill_value: the value outside the image.
        fill_mode: ``"constant"`` (Keras' only mode, the default), ``"reflect"``, ``"wrap"`` or ``"nearest"``.
        mask_fill_value, min_visibility, min_area, p, seed, data_format, bounding_box_format: as every
            geometric layer.

    One call solves one 8x8 system per sample (:func:`~keras_aug.ops.perspective_matrix`) and warps once
    with the projective engine (per-pixel coordinates, then the affine engine's taps and blend).

    Example:
    >>> layer = RandomPerspective(factor=1.0, scale=0.3, seed=0)
    >>> layer(tf.zeros([2, 16, 16, 3], tf.uint8)).shape
    TensorShape([2, 16, 16, 3])
    """

    matrix_kind = "projective"

    def __init__(
        self,
        factor=1.0,
        scale=1.0,
        interpolation: str = "bilinear",
        fill_value: float = 0.0,
        fill_mode: str = "constant",
        **kwargs,
    ):
        super().__init__(interpolation=interpolation, fill_mode=fill_mode, fill_value=fill_value, **kwargs)
        self.factor = check_range(factor, "factor", 0.0, 1.0, scalar="from_zero")
        self.scale = check_number(scale, "scale", 0.0, 1.0)

    def sample_probability(self) -> float:
        return self.p * (self.factor[0] + self.factor[1]) / 2.0

    def get_matrix(self, batch_size, height, width, seed):
        right, bottom = tf.cast(width - 1, tf.float32), tf.cast(height - 1, tf.float32)
        zero = tf.zeros_like(right)
        corners = tf.stack([zero, zero, right, zero, zero, bottom, right, bottom])
        start = tf.broadcast_to(tf.reshape(corners, [1, 4, 2]), [batch_size, 4, 2])
        half = 0.5 * self.scale
        moves = krandom.uniform(seed, [batch_size, 4, 2], -half, half)
        matrices = geometry.perspective_matrix(start, start + start * moves)
        # An image one pixel wide or high has collinear corners: no perspective, the identity.
        finite = tf.reduce_all(tf.math.is_finite(matrices), axis=[1, 2], keepdims=True)
        return tf.where(finite, matrices, tf.eye(3))

    def get_config(self) -> dict:
        return {**super().get_config(), "factor": self.factor, "scale": self.scale}


def _shear_range(factor, name: str) -> tuple[float, float]:
    """Keras' rule: a number ``f`` in ``[0, 1]`` is ``(-f, f)``; a pair lies within ``[-1, 1]`` (Keras wants
    ``[0, 1]``, but stores ``(-f, f)`` in its config, which it then cannot load)."""
    if is_number(factor):
        factor = check_number(factor, name, 0.0, 1.0)
        return -factor, factor
    return check_range(factor, name, -1.0, 1.0)


@keras.saving.register_keras_serializable(package="keras_aug")
class RandomShear(BaseGeometric):
    """Shear along x and/or y by random factors (``keras.layers.RandomShear``).

    Same arguments and distribution as Keras 3.15:

    Args:
        x_factor: ``f`` in ``[0, 1]`` for ``U(-f, f)`` or ``(lower, upper)`` within ``[0, 1]``; the shear is
            the draw times a random sign (shared by x and y). Pairs with negative entries (within
            ``[-1, 1]``) are accepted too: ``(-f, f)`` means the same as ``f`` and is what ``get_config``
            stores (Keras refuses them, and so cannot load its own config). A factor ``s`` is the tangent of the shear
            angle: output pixel ``(x, y)`` reads input ``(x + s * y, y)``, so row ``y`` moves ``s * y`` pixels
            (left for ``s > 0``). As in Keras the shear is about the top-left pixel, not the centre (a
            centred shear in degrees is ``RandomAffine(shear=...)``).
        y_factor: the same along y: output ``(x, y)`` reads ``(x, y + s * x)``. With both, the matrix is
            Keras' ``[[1, sx, 0], [sy, 1, 0]]``.
        interpolation: ``"bilinear"`` or ``"nearest"``.
        fill_mode: ``"reflect"`` (Keras' default), ``"constant"``, ``"wrap"`` or ``"nearest"``.
        fill_value: the value outside the image for ``fill_mode="constant"``.
        mask_fill_value, min_visibility, min_area, p, seed, data_format, bounding_box_format: as every
            geometric layer. Boxes are the enclosing box of their sheared corners (Keras shifts the
            corners by its own rule).

    One call builds one affine matrix per sample and warps once with the affine engine.

    Example:
    >>> layer = RandomShear(x_factor=0.2, y_factor=0.2, seed=0)
    >>> layer(tf.zeros([2, 16, 16, 3], tf.uint8)).shape
    TensorShape([2, 16, 16, 3])
    """

    matrix_kind = "affine"

    def __init__(
        self,
        x_factor=0.0,
        y_factor=0.0,
        interpolation: str = "bilinear",
        fill_mode: str = "reflect",
        fill_value: float = 0.0,
        **kwargs,
    ):
        super().__init__(interpolation=interpolation, fill_mode=fill_mode, fill_value=fill_value, **kwargs)
        self.x_factor = _shear_range(x_factor, "x_factor")
        self.y_factor = _shear_range(y_factor, "y_factor")

    def get_matrix(self, batch_size, height, width, seed):
        seeds = krandom.split(seed, 3)
        sign = tf.where(krandom.uniform(seeds[0], [batch_size]) > 0.5, -1.0, 1.0)
        shear_x = krandom.uniform(seeds[1], [batch_size], *self.x_factor) * sign
        shear_y = krandom.uniform(seeds[2], [batch_size], *self.y_factor) * sign
        one, zero = tf.ones_like(shear_x), tf.zeros_like(shear_x)
        transforms = tf.stack([one, shear_x, zero, shear_y, one, zero, zero, zero], axis=-1)
        return geometry.transform_to_matrix(transforms)

    def get_config(self) -> dict:
        return {**super().get_config(), "x_factor": self.x_factor, "y_factor": self.y_factor}
