"""Geometric layers: flip, translation, pad-and-crop, rotation, zoom and a fused affine.

Every layer except ``RandomFlip`` builds one output→input matrix per sample; images (bilinear),
masks (nearest) and boxes all consume that same matrix, so they cannot drift apart.
"""

from __future__ import annotations

import math

import keras
import tensorflow as tf

from keras_aug.layers.base import BaseAugmentation
from keras_aug.ops import boxes, geometry
from keras_aug.ops import random as krandom
from keras_aug.validation import (
    INTERPOLATIONS,
    check_choice,
    check_number,
    check_probability,
    check_range,
    check_resampling,
    is_number,
)

_FLIP_MODES = ("horizontal", "vertical", "horizontal_and_vertical")


class BaseGeometric(BaseAugmentation):
    """A layer whose transform is one ``[B, 3, 3]`` output→input matrix per sample.

    Subclasses write ``get_matrix(batch_size, height, width, seed)``. Samples that are not augmented get
    the identity matrix (their neutral parameters: exact for both interpolations), so one warp serves
    the whole batch.
    """

    #: The kind of matrix ``get_matrix`` returns (``"translation"``, ``"scale"``, ``"affine"`` or
    #: ``"projective"``), which picks the fastest warp engine. The warp checks the matrices, so a
    #: matrix beyond this kind is still warped correctly (by a slower engine), never as a simpler kind.
    matrix_kind = "affine"

    def __init__(
        self,
        interpolation: str = "bilinear",
        fill_mode: str = "reflect",
        fill_value: float = 0.0,
        mask_fill_value: int = 0,
        min_visibility: float = 0.0,
        min_area: float = 0.0,
        **kwargs,
    ):
        super().__init__(**kwargs)
        self.min_visibility = check_probability(min_visibility, "min_visibility")
        self.min_area = check_number(min_area, "min_area", 0.0)
        self.interpolation, self.fill_mode, self.fill_value, self.mask_fill_value = check_resampling(
            interpolation, fill_mode, fill_value, mask_fill_value
        )

    def get_matrix(self, batch_size, height, width, seed) -> tf.Tensor:
        """Return ``[batch_size, 3, 3]`` output→input matrices."""
        raise NotImplementedError(f"{type(self).__name__} must implement get_matrix().")

    def get_params(self, batch_size, images, seed) -> dict:
        shape = tf.shape(images)
        return {"matrix": self.get_matrix(batch_size, shape[1], shape[2], seed)}

    def neutral_params(self, params, images) -> dict:
        return {"matrix": tf.eye(3)}

    def _warp(self, images, params, interpolation, fill_value):
        return geometry.warp(
            images,
            params["matrix"],
            interpolation=interpolation,
            fill_mode=self.fill_mode,
            fill_value=fill_value,
            kind=self.matrix_kind,
        )

    def augment_images(self, images, params):
        return self._warp(images, params, self.interpolation, self.fill_value)

    def augment_masks(self, masks, params):
        return self._warp(masks, params, "nearest", self.mask_fill_value)

    def augment_boxes(self, boxes_xyxy, labels, params, height, width):
        return boxes.move_boxes(
            boxes_xyxy, labels, params["matrix"], height, width, self.min_visibility, self.min_area
        )

    def get_config(self) -> dict:
        config = super().get_config()
        config.update(
            {
                "interpolation": self.interpolation,
                "fill_mode": self.fill_mode,
                "fill_value": self.fill_value,
                "mask_fill_value": self.mask_fill_value,
                "min_visibility": self.min_visibility,
                "min_area": self.min_area,
            }
        )
        return config


@keras.saving.register_keras_serializable(package="keras_aug")
class RandomFlip(BaseAugmentation):
    """Flip each sample horizontally and/or vertically, each with probability ``p`` (default 0.5).

    Same arguments as ``keras.layers.RandomFlip`` plus ``p``. ``p`` is per axis: with
    ``"horizontal_and_vertical"`` each sample is flipped left-right with probability ``p`` and up-down
    with probability ``p``, independently (albumentations' ``HorizontalFlip(p)`` then ``VerticalFlip(p)``;
    Keras 3 instead flips both axes together or neither). So a sample is left unchanged with
    probability ``(1 - p) ** 2``: that is the base's per-sample draw (:meth:`sample_probability`), and
    ``get_params`` picks which flips an augmented sample gets with the matching conditional odds.

    Example:
    >>> layer = RandomFlip("horizontal", p=1.0)
    >>> layer(tf.constant([[[1], [2]]]))[0, :, 0].numpy().tolist()
    [2, 1]
    """

    default_p = 0.5

    def __init__(self, mode: str = "horizontal_and_vertical", **kwargs):
        super().__init__(**kwargs)
        self.mode = check_choice("mode", mode, _FLIP_MODES)

    def sample_probability(self) -> float:
        if self.mode == "horizontal_and_vertical":
            return 1.0 - (1.0 - self.p) ** 2  # at least one of two independent flips
        return self.p

    def get_params(self, batch_size, images, seed) -> dict:
        always, never = tf.ones([batch_size], tf.bool), tf.zeros([batch_size], tf.bool)
        if self.mode == "horizontal":
            return {"flip_horizontal": always, "flip_vertical": never}
        if self.mode == "vertical":
            return {"flip_horizontal": never, "flip_vertical": always}
        augmented = self.sample_probability()
        if augmented <= 0.0:
            return {"flip_horizontal": never, "flip_vertical": never}
        # Given at least one flip: [0, a) horizontal only, [a, a + b) both, [a + b, 1) vertical only,
        # with a = p(1 - p) / q and b = p^2 / q, so each axis flips with probability p overall.
        u = krandom.uniform(seed, [batch_size])
        only_one = self.p * (1.0 - self.p) / augmented
        return {"flip_horizontal": u < self.p / augmented, "flip_vertical": u >= only_one}

    def neutral_params(self, params, images) -> dict:
        return {"flip_horizontal": False, "flip_vertical": False}

    def augment_images(self, images, params):
        images = geometry.flip_left_right(images, params["flip_horizontal"])
        return geometry.flip_up_down(images, params["flip_vertical"])

    def augment_masks(self, masks, params):
        return self.augment_images(masks, params)

    def augment_boxes(self, boxes_xyxy, labels, params, height, width):
        # A flip is a zoom by -1 about the centre: boxes move, clip and drop like the other geometric
        # layers' (NaN, empty and fully outside boxes are dropped).
        zoom_x = tf.where(params["flip_horizontal"], -1.0, 1.0)
        zoom_y = tf.where(params["flip_vertical"], -1.0, 1.0)
        matrix = geometry.zoom_matrix(zoom_x, zoom_y, height, width)
        return boxes.move_boxes(boxes_xyxy, labels, matrix, height, width)

    def get_config(self) -> dict:
        return {**super().get_config(), "mode": self.mode}


@keras.saving.register_keras_serializable(package="keras_aug")
class RandomTranslation(BaseGeometric):
    """Shift images by a random fraction of their height and width (``keras.layers.RandomTranslation``).

    Args:
        height_factor: float ``f`` for ``[-f, f]`` or a ``(lower, upper)`` pair, as fractions of the
            height; positive values shift down. Within ``[-1, 1]``.
        width_factor: the same for the width; positive values shift right.
        fill_mode, interpolation, fill_value, seed: as in Keras (default ``fill_mode="reflect"``).
        mask_fill_value: fill for segmentation masks outside the image.

    Example:
    >>> layer = RandomTranslation(0.1, 0.1, seed=0)
    >>> layer(tf.zeros([2, 8, 8, 3], tf.uint8)).shape
    TensorShape([2, 8, 8, 3])
    """

    matrix_kind = "translation"

    def __init__(self, height_factor, width_factor, **kwargs):
        super().__init__(**kwargs)
        self.height_factor = check_range(height_factor, "height_factor", -1.0, 1.0)
        self.width_factor = check_range(width_factor, "width_factor", -1.0, 1.0)

    def get_matrix(self, batch_size, height, width, seed):
        seeds = krandom.split(seed, 2)
        fy = krandom.uniform(seeds[0], [batch_size], *self.height_factor)
        fx = krandom.uniform(seeds[1], [batch_size], *self.width_factor)
        return geometry.translation_matrix(fx * tf.cast(width, tf.float32), fy * tf.cast(height, tf.float32))

    def get_config(self) -> dict:
        return {
            **super().get_config(),
            "height_factor": self.height_factor,
            "width_factor": self.width_factor,
        }


@keras.saving.register_keras_serializable(package="keras_aug")
class RandomPadCrop(BaseGeometric):
    """Shift by crop: pad by ``padding`` pixels on every side, then crop the original size at a random offset.

    The classic CIFAR augmentation (``torchvision.transforms.RandomCrop(size, padding=4)``): every
    sample moves by a whole number of pixels in ``[-padding, padding]`` along each axis, so no pixel is
    interpolated. ``fill_mode="constant"`` pads with ``fill_value``; ``"reflect"`` mirrors including the
    edge pixel (NumPy's ``symmetric``), ``"wrap"`` and ``"nearest"`` as in ``RandomTranslation``.

    Example:
    >>> RandomPadCrop(4, seed=1)(tf.zeros([2, 32, 32, 3], tf.uint8)).shape
    TensorShape([2, 32, 32, 3])
    """

    matrix_kind = "translation"

    def __init__(self, padding: int = 4, fill_mode: str = "constant", **kwargs):
        # Whole-pixel shifts: every interpolation samples the same pixels, so any valid one is accepted.
        check_choice("interpolation", kwargs.pop("interpolation", "nearest"), INTERPOLATIONS)
        super().__init__(fill_mode=fill_mode, interpolation="nearest", **kwargs)
        self.padding = check_number(padding, "padding", 0, integer=True)

    def get_matrix(self, batch_size, height, width, seed):
        seeds = krandom.split(seed, 2)
        dy = krandom.uniform_int(seeds[0], [batch_size], -self.padding, self.padding + 1)
        dx = krandom.uniform_int(seeds[1], [batch_size], -self.padding, self.padding + 1)
        return geometry.translation_matrix(tf.cast(dx, tf.float32), tf.cast(dy, tf.float32))

    def get_config(self) -> dict:
        config = super().get_config()
        config.pop("interpolation")
        return {**config, "padding": self.padding}


@keras.saving.register_keras_serializable(package="keras_aug")
class RandomRotation(BaseGeometric):
    """Rotate by a random angle about the centre (``keras.layers.RandomRotation``).

    Args:
        factor: float ``f`` or ``(lower, upper)``, as a fraction of a full turn (``0.5`` = 180°);
            positive values rotate counter-clockwise. Any range within ``[-0.5, 0.5]``.

    Example:
    >>> RandomRotation(0.5, seed=3)(tf.zeros([2, 8, 8, 1])).shape
    TensorShape([2, 8, 8, 1])
    """

    def __init__(self, factor, **kwargs):
        super().__init__(**kwargs)
        self.factor = check_range(factor, "factor", -0.5, 0.5)

    def get_matrix(self, batch_size, height, width, seed):
        turns = krandom.uniform(seed, [batch_size], *self.factor)
        return geometry.rotation_matrix(turns * (2.0 * math.pi), height, width)

    def get_config(self) -> dict:
        return {**super().get_config(), "factor": self.factor}


def _zoom_range(factor, name: str) -> tuple[float, float]:
    if isinstance(factor, (tuple, list)) and all(isinstance(f, (int, float)) for f in factor):
        factor = tuple(sorted(factor))  # Keras accepts a reversed pair, e.g. (-0.4, -0.5)
    return check_range(factor, name, -0.99, 10.0)


@keras.saving.register_keras_serializable(package="keras_aug")
class RandomZoom(BaseGeometric):
    """Zoom in or out by a random amount (``keras.layers.RandomZoom``).

    Args:
        height_factor: float ``f`` for ``[-f, f]`` or ``(lower, upper)``; negative values zoom in (content
            grows by up to ``1 / (1 + f)``), positive values zoom out. Within ``[-0.99, 10]``.
        width_factor: the same horizontally; ``None`` keeps the aspect ratio (one draw for both axes).

    Example:
    >>> RandomZoom((-0.3, 0.3), seed=0)(tf.zeros([2, 8, 8, 3])).shape
    TensorShape([2, 8, 8, 3])
    """

    matrix_kind = "scale"

    def __init__(self, height_factor, width_factor=None, **kwargs):
        super().__init__(**kwargs)
        self.height_factor = _zoom_range(height_factor, "height_factor")
        self.width_factor = None if width_factor is None else _zoom_range(width_factor, "width_factor")

    def get_matrix(self, batch_size, height, width, seed):
        seeds = krandom.split(seed, 2)
        zy = 1.0 + krandom.uniform(seeds[0], [batch_size], *self.height_factor)
        zx = (
            zy
            if self.width_factor is None
            else 1.0 + krandom.uniform(seeds[1], [batch_size], *self.width_factor)
        )
        return geometry.zoom_matrix(1.0 / zx, 1.0 / zy, height, width)

    def get_config(self) -> dict:
        return {
            **super().get_config(),
            "height_factor": self.height_factor,
            "width_factor": self.width_factor,
        }


@keras.saving.register_keras_serializable(package="keras_aug")
class RandomAffine(BaseGeometric):
    """Rotation, translation, zoom and shear composed into one matrix and resampled once.

    Arguments follow ``torchvision.transforms.RandomAffine`` / albumentations' ``Affine``; the defaults
    do a mild but visible augmentation (pass ``0`` to switch a component off).

    Args:
        degrees: ``d`` for ``[-d, d]`` or ``(lower, upper)`` in degrees, counter-clockwise; within ±180.
        translate: ``(fx, fy)`` maximum shift as fractions of width and height (or one float for both).
        scale: ``(lower, upper)`` magnification; ``> 1`` zooms in.
        shear: ``s`` for ``[-s, s]`` or ``(lower, upper)`` in degrees, along x; within (-90, 90).

    Example:
    >>> RandomAffine(degrees=10, translate=0.1, scale=(0.9, 1.1), shear=5, seed=0)(tf.zeros([2, 8, 8, 3])).shape
    TensorShape([2, 8, 8, 3])
    """

    def __init__(self, degrees=15.0, translate=0.1, scale=(0.9, 1.1), shear=0.0, **kwargs):
        super().__init__(**kwargs)
        self.degrees = check_range(degrees, "degrees", -180.0, 180.0)
        tx, ty = (translate, translate) if is_number(translate) else _pair(translate, "translate")
        self.translate = (check_number(tx, "translate", 0.0, 1.0), check_number(ty, "translate", 0.0, 1.0))
        self.scale = check_range(scale, "scale", 1e-3, 1e3, scalar="same")
        self.shear = check_range(shear, "shear", -89.0, 89.0)

    def get_matrix(self, batch_size, height, width, seed):
        s = krandom.split(seed, 5)
        angle = krandom.uniform(s[0], [batch_size], *self.degrees) * (math.pi / 180.0)
        zoom = krandom.uniform(s[1], [batch_size], *self.scale)
        shear = tf.tan(krandom.uniform(s[2], [batch_size], *self.shear) * (math.pi / 180.0))
        w, h = tf.cast(width, tf.float32), tf.cast(height, tf.float32)
        dx = krandom.uniform(s[3], [batch_size], -self.translate[0], self.translate[0]) * w
        dy = krandom.uniform(s[4], [batch_size], -self.translate[1], self.translate[1]) * h
        return geometry.compose(
            geometry.shear_matrix(shear, tf.zeros_like(shear), height, width),
            geometry.zoom_matrix(zoom, zoom, height, width),
            geometry.rotation_matrix(angle, height, width),
            geometry.translation_matrix(dx, dy),
        )

    def get_config(self) -> dict:
        config = super().get_config()
        config.update(
            {"degrees": self.degrees, "translate": self.translate, "scale": self.scale, "shear": self.shear}
        )
        return config


def _pair(value, name: str) -> tuple[float, float]:
    if not isinstance(value, (tuple, list)) or len(value) != 2:
        raise ValueError(f"`{name}` must be a number or a pair of numbers, got {value!r}.")
    return value[0], value[1]
