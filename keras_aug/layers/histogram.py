"""Histogram layers: RandomCLAHE (OpenCV's CLAHE with a random clip limit per sample) and Equalize.

Both keep the input dtype and return values in the range they were given. ``value_range`` follows the
package's one rule (:func:`keras_aug.validation.resolve_value_range`): ``None`` means the dtype's range for
8- and 16-bit integers and ``(0, 255)`` for floats and wider integers, as Keras; pass ``(0, 1)`` for float
images in [0, 1] (the ops bin other values to 256 levels and map them back; RandomCLAHE keeps every level
of 16-bit gray images, as OpenCV does for uint16).
"""

from __future__ import annotations

import keras
import tensorflow as tf

from keras_aug.layers.base import BaseAugmentation
from keras_aug.ops import histogram
from keras_aug.ops import random as krandom
from keras_aug.validation import (
    check_choice,
    check_number,
    check_optional_value_range,
    check_range,
    is_number,
)


def _check_clip_limit(clip_limit) -> tuple[float, float]:
    """A number ``c >= 1`` means ``(1, c)`` (albumentations); a pair ``(lower, upper)`` >= 0 is sorted."""
    if is_number(clip_limit):
        check_number(clip_limit, "clip_limit", 1.0)
    return check_range(clip_limit, "clip_limit", 0.0, scalar=lambda c: (1.0, c))


class _HistogramAugmentation(BaseAugmentation):
    """Shared pieces. No parameters leave an image unchanged, so the base puts the samples that are not
    augmented back after the op (``neutral_params`` is ``None``)."""

    def __init__(self, value_range=None, p=None, seed=None, **kwargs):
        super().__init__(p=p, seed=seed, **kwargs)
        self.value_range = check_optional_value_range(value_range)

    def compute_output_spec(self, inputs, training=True):
        # Fresh symbolic tensors: the base returns ``inputs`` itself, which a functional model sees as a cycle.
        return tf.nest.map_structure(lambda t: keras.KerasTensor(t.shape, t.dtype), inputs)

    def get_config(self):
        value_range = None if self.value_range is None else list(self.value_range)
        return {**super().get_config(), "value_range": value_range}


@keras.saving.register_keras_serializable(package="keras_aug")
class RandomCLAHE(_HistogramAugmentation):
    """CLAHE, bit-exact with OpenCV / albumentations, with a clip limit drawn per sample.

    Gray images (1 channel) are equalized directly; RGB images (3 channels) on L of OpenCV's 8-bit Lab,
    as albumentations' ``CLAHE`` does. Gray uint16 / int16 images keep their full depth (OpenCV's 16-bit
    CLAHE, bit-exact; pass ``value_range=(0, 4095)`` for 12-bit data). See
    :func:`keras_aug.ops.histogram.clahe`.

    Args:
        clip_limit: OpenCV's ``clipLimit`` range ``(lower, upper)``, drawn uniformly per sample; a number
            ``c`` means ``(1, c)`` as in albumentations. Default ``(1, 4)``.
        tile_grid_size: OpenCV's ``tileGridSize``: ``(tiles along x, tiles along y)``, or one int.
        value_range: ``(low, high)`` of the input values; default ``None``: the dtype's range for 8/16-bit
            integers (0-65535 for uint16), else ``(0, 255)`` (Keras); pass ``(0, 1)`` for floats in [0, 1].
        p: per-sample probability (default 1.0). seed: integer seed.

    Example:
    >>> layer = RandomCLAHE(clip_limit=(2, 4), seed=0)
    >>> layer(tf.zeros([2, 16, 16, 1], tf.uint8)).shape
    TensorShape([2, 16, 16, 1])
    """

    default_p = 1.0

    def __init__(
        self, clip_limit=(1, 4), tile_grid_size=(8, 8), value_range=None, p=None, seed=None, **kwargs
    ):
        super().__init__(value_range=value_range, p=p, seed=seed, **kwargs)
        self.clip_limit = _check_clip_limit(clip_limit)
        self.tile_grid_size = histogram.check_tile_grid_size(tile_grid_size)

    def get_params(self, batch_size, images, seed):
        return {"clip_limit": krandom.uniform(seed, [batch_size], *self.clip_limit)}

    def augment_images(self, images, params):
        return histogram.clahe(images, params["clip_limit"], self.tile_grid_size, self.value_range)

    def get_config(self):
        return {
            **super().get_config(),
            "clip_limit": list(self.clip_limit),
            "tile_grid_size": list(self.tile_grid_size),
        }


@keras.saving.register_keras_serializable(package="keras_aug")
class Equalize(_HistogramAugmentation):
    """Global histogram equalization of each channel (``cv2.equalizeHist`` or PIL's convention).

    See :func:`keras_aug.ops.histogram.equalize`. Nothing is random but ``p``.

    Args:
        mode: ``"cv"`` (OpenCV, albumentations' ``Equalize``; default) or ``"pil"`` (PIL, torchvision,
            ``tfa.image.equalize``).
        bins: histogram levels ``value_range`` is quantized to (Keras' ``Equalization(bins=)``, default 256).
        value_range: ``(low, high)`` of the input values; default ``None``: the dtype's range for 8/16-bit
            integers (0-65535 for uint16), else ``(0, 255)`` (Keras); pass ``(0, 1)`` for floats in [0, 1].
        p: per-sample probability (default 1.0). seed: integer seed.

    Example:
    >>> Equalize()(tf.constant([[[10], [10], [20], [30]]], tf.uint8)).numpy().ravel().tolist()
    [0, 0, 128, 255]
    """

    default_p = 1.0

    def __init__(self, mode="cv", value_range=None, p=None, seed=None, bins=histogram.BINS, **kwargs):
        super().__init__(value_range=value_range, p=p, seed=seed, **kwargs)
        self.mode = check_choice("mode", mode, ("cv", "pil"))
        self.bins = check_number(bins, "bins", 2, 2**24, integer=True)

    def get_params(self, batch_size, images, seed):
        return {}

    def augment_images(self, images, params):
        return histogram.equalize(images, self.bins, mode=self.mode, value_range=self.value_range)

    def get_config(self):
        return {**super().get_config(), "mode": self.mode, "bins": self.bins}
