"""Histogram layers: RandomCLAHE (OpenCV's CLAHE with a random clip limit per sample) and Equalize.

Both keep the input dtype. uint8 and other integer images hold levels 0..255, uint16 / int16 images their
dtype's range and float images [0, 1], unless ``value_range`` says otherwise (the ops bin them to 256
levels and map them back; RandomCLAHE keeps every level of 16-bit gray images, as OpenCV does for uint16).
"""

from __future__ import annotations

import keras
import numpy as np
import tensorflow as tf

from keras_aug.layers.base import BaseAugmentation
from keras_aug.ops import histogram
from keras_aug.ops import random as krandom
from keras_aug.ops.color import check_value_range
from keras_aug.validation import check_number


def _number(value) -> bool:
    return isinstance(value, (int, float, np.integer, np.floating)) and not isinstance(value, bool)


def _check_clip_limit(clip_limit) -> tuple[float, float]:
    """A number ``c >= 1`` means ``(1, c)`` (albumentations); a pair is ``(lower, upper)``, ``0 <= lower <= upper``."""
    expected = "a number >= 1 or a pair (lower, upper) with 0 <= lower <= upper"
    if _number(clip_limit):
        bounds = (1.0, float(clip_limit))
    elif isinstance(clip_limit, (tuple, list)) and len(clip_limit) == 2 and all(map(_number, clip_limit)):
        bounds = (float(clip_limit[0]), float(clip_limit[1]))
    else:
        raise ValueError(f"`clip_limit` must be {expected}, got {clip_limit!r}.")
    if not (0.0 <= bounds[0] <= bounds[1] and np.isfinite(bounds[1])):
        raise ValueError(f"`clip_limit` must be {expected}, got {clip_limit!r}.")
    return bounds


def _check_value_range(value_range) -> tuple[float, float] | None:
    return None if value_range is None else check_value_range(value_range)


class _HistogramAugmentation(BaseAugmentation):
    """Shared pieces. No parameters leave an image unchanged, so the base puts the samples that are not
    augmented back after the op (``neutral_params`` is ``None``)."""

    def __init__(self, value_range=None, p=None, seed=None, **kwargs):
        super().__init__(p=p, seed=seed, **kwargs)
        self.value_range = _check_value_range(value_range)

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
        value_range: ``(low, high)`` of non-uint8 inputs; default ``(0, 1)`` for floats, the dtype's
            range for uint16 / int16, ``(0, 255)`` for other integers.
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
        value_range: ``(low, high)`` of non-uint8 inputs; default ``(0, 1)`` for floats, the dtype's
            range for uint16 / int16, ``(0, 255)`` for other integers.
        p: per-sample probability (default 1.0). seed: integer seed.

    Example:
    >>> Equalize()(tf.constant([[[10], [10], [20], [30]]], tf.uint8)).numpy().ravel().tolist()
    [0, 0, 128, 255]
    """

    default_p = 1.0

    def __init__(self, mode="cv", value_range=None, p=None, seed=None, bins=histogram.BINS, **kwargs):
        super().__init__(value_range=value_range, p=p, seed=seed, **kwargs)
        if mode not in ("cv", "pil"):
            raise ValueError(f"`mode` must be 'cv' or 'pil', got {mode!r}.")
        self.mode = mode
        self.bins = check_number(bins, "bins", 2, 2**24, integer=True)

    def get_params(self, batch_size, images, seed):
        return {}

    def augment_images(self, images, params):
        return histogram.equalize(images, self.bins, mode=self.mode, value_range=self.value_range)

    def get_config(self):
        return {**super().get_config(), "mode": self.mode, "bins": self.bins}
