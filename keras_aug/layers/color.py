"""Intensity layers: RandomBrightness, RandomContrast, RandomBrightnessContrast, RandomGamma, Normalization.

``RandomBrightness`` and ``RandomContrast`` take Keras 3's arguments with Keras' documented meaning;
``RandomBrightnessContrast`` and ``RandomGamma`` take albumentations' arguments (and its default ``p=0.5``).
All of them draw one parameter per sample and keep the input dtype (uint8 in, uint8 out; uint16 in,
uint16 out at full 16-bit depth), rounding and clipping to ``value_range``. ``value_range=None`` (the
default) means the dtype's range for 8- and 16-bit integer images (``(0, 255)`` for uint8, ``(0, 65535)``
for uint16, ``(-32768, 32767)`` for int16) and ``(0, 255)`` for floats and int32/int64, as in Keras; pass
``(0, 4095)`` for 12-bit data stored in uint16, or ``(0, 1)`` for floats in [0, 1].
"""

from __future__ import annotations

import keras
import tensorflow as tf

from keras_aug.layers.base import BaseAugmentation
from keras_aug.layers.normalization import Normalization  # noqa: F401  (its own module; kept importable here)
from keras_aug.ops import color
from keras_aug.ops import random as krandom
from keras_aug.ops.xla import reduce_pixels
from keras_aug.validation import (
    check_bool,
    check_number,
    check_optional_value_range,
    check_range,
    is_number,
    resolve_value_range,
)


class _ColorAugmentation(BaseAugmentation):
    """Shared pieces of the color layers: ``value_range`` (None: the input dtype's range, see the module)."""

    def range_for(self, images) -> tuple[float, float]:
        """The ``(low, high)`` these images hold: ``value_range``, or by default their dtype's range."""
        return resolve_value_range(self.value_range, images.dtype)

    def get_config(self):
        value_range = None if self.value_range is None else list(self.value_range)
        return {**super().get_config(), "value_range": value_range}


def _uniform(seed, images, bounds: tuple[float, float]) -> tf.Tensor:
    return krandom.uniform(seed, tf.shape(images)[:1], bounds[0], bounds[1])


def _image_means(images) -> tf.Tensor:
    """``[B]``: each image's mean over its pixels and channels."""
    return tf.reshape(reduce_pixels(tf.cast(images, tf.float32), "mean", channels=True), [-1])


def _draw_brightness_contrast(
    seed, images, contrast_limit, brightness_limit, by_max, safe, max_value
) -> dict:
    alpha_seed, beta_seed = tf.unstack(krandom.split(seed, 2))
    alpha = 1.0 + _uniform(alpha_seed, images, contrast_limit)
    beta = _uniform(beta_seed, images, brightness_limit)
    scale = max_value if by_max else _image_means(images)
    beta = beta * scale
    if safe:
        alpha, beta = _safe_alpha_beta(alpha, beta, max_value)
    return {"alpha": alpha, "beta": beta}


@keras.saving.register_keras_serializable(package="keras_aug")
class RandomBrightness(_ColorAugmentation):
    """Add a random per-sample offset ``factor * (high - low)`` of the value range (Keras 3 arguments).

    Args:
        factor: a float ``f`` in [-1, 1] (offset fraction drawn from ``[-|f|, |f|]``) or a pair
            ``(lower, upper)`` in [-1, 1]; -1 turns an image black, 1 white.
        value_range: ``(low, high)`` of the input values; results are clipped to it. Default ``None``:
            the dtype's range for 8/16-bit integers (0-65535 for uint16), else ``(0, 255)`` (Keras).
        p: per-sample probability (default 1.0). seed: integer seed.

    Example:
    >>> layer = RandomBrightness(0.2, seed=1)
    >>> layer(tf.fill([2, 8, 8, 3], tf.constant(100, tf.uint8))).dtype
    tf.uint8
    """

    default_p = 1.0

    def __init__(self, factor, value_range=None, seed=None, p=None, **kwargs):  # Keras' order
        super().__init__(p=p, seed=seed, **kwargs)
        self.factor = check_range(factor, "factor", -1.0, 1.0)
        self.value_range = check_optional_value_range(value_range)

    def get_params(self, batch_size, images, seed):
        low, high = self.range_for(images)
        return {"delta": _uniform(seed, images, self.factor) * (high - low)}

    def neutral_params(self, params, images):
        return {"delta": 0.0}

    def augment_images(self, images, params):
        return color.brightness(images, params["delta"], self.range_for(images))

    def get_config(self):
        return {**super().get_config(), "factor": list(self.factor)}


@keras.saving.register_keras_serializable(package="keras_aug")
class RandomContrast(_ColorAugmentation):
    """Scale each channel's distance from its per-image mean by a random factor (Keras 3 arguments).

    ``out = (x - mean) * c + mean`` with ``c`` drawn from ``[1 - lower, 1 + upper]``, clipped to
    ``value_range``. A float ``f`` means ``lower = upper = f`` as Keras documents (Keras 3.15's code
    actually draws from ``[1, 1 + f]`` for a float; pass a pair to get the same on both).

    Args:
        factor: a float in [0, 1] or a pair ``(lower, upper)`` with ``lower`` in [0, 1] and ``upper >= 0``.
        value_range: ``(low, high)`` of the input values; results are clipped to it. Default ``None``:
            the dtype's range for 8/16-bit integers (0-65535 for uint16), else ``(0, 255)`` (Keras).
        p: per-sample probability (default 1.0). seed: integer seed.

    Example:
    >>> layer = RandomContrast(0.5, seed=1)
    >>> layer(tf.zeros([2, 8, 8, 1])).shape
    TensorShape([2, 8, 8, 1])
    """

    default_p = 1.0

    def __init__(self, factor, value_range=None, seed=None, p=None, **kwargs):  # Keras' order
        super().__init__(p=p, seed=seed, **kwargs)
        if is_number(factor):
            check_number(factor, "factor", 0.0, 1.0)
        self.factor = check_range(factor, "factor", 0.0, scalar="same")
        check_number(self.factor[0], "factor (lower)", 0.0, 1.0)
        self.value_range = check_optional_value_range(value_range)

    def get_params(self, batch_size, images, seed):
        return {"factor": _uniform(seed, images, (1.0 - self.factor[0], 1.0 + self.factor[1]))}

    def neutral_params(self, params, images):
        return {"factor": 1.0}

    def augment_images(self, images, params):
        return color.contrast(images, params["factor"], self.range_for(images))

    def get_config(self):
        return {**super().get_config(), "factor": list(self.factor)}


def _safe_alpha_beta(alpha, beta, max_value: float):
    """Albumentations' ``ensure_safe_range``: shrink alpha/beta so no pixel of [0, max] over/underflows."""
    positive_beta = tf.clip_by_value(beta, 0.0, max_value)
    positive_alpha = tf.minimum(alpha, (max_value - positive_beta) / max_value)
    negative_beta = tf.minimum(beta, max_value)
    negative_alpha = tf.maximum(alpha, -negative_beta / max_value)
    positive = alpha > 0
    return tf.where(positive, positive_alpha, negative_alpha), tf.where(
        positive, positive_beta, negative_beta
    )


@keras.saving.register_keras_serializable(package="keras_aug")
class RandomBrightnessContrast(_ColorAugmentation):
    """Albumentations' ``RandomBrightnessContrast``: ``clip(alpha * x + beta)`` in one pass.

    ``alpha = 1 + U(contrast_limit)``; ``beta = U(brightness_limit) * (high - low)`` with
    ``brightness_by_max=True``, else ``U(brightness_limit) * mean(image)`` (each image's mean over all
    pixels and channels).

    Args:
        brightness_limit: float ``f`` (range ``(-f, f)``) or ``(lower, upper)``. Default 0.2.
        contrast_limit: float ``f`` or ``(lower, upper)``, lower >= -1. Default 0.2.
        brightness_by_max: scale brightness by the range (True) or the image mean (False).
        ensure_safe_range: shrink alpha/beta so no pixel of the range overflows (albumentations' rule).
        value_range: ``(low, high)`` of the input values; results are clipped to it and brightness is a
            fraction of ``high - low``. Default ``None``: the dtype's range for 8/16-bit integers
            (0-65535 for uint16, like albumentations' max value per dtype), else ``(0, 255)``.
        p: per-sample probability (default 0.5, as albumentations). seed: integer seed.

    Example:
    >>> layer = RandomBrightnessContrast(0.2, 0.2, p=1.0, seed=3)
    >>> layer(tf.zeros([2, 8, 8, 3], tf.uint8)).dtype
    tf.uint8
    """

    default_p = 0.5

    def __init__(
        self,
        brightness_limit=0.2,
        contrast_limit=0.2,
        brightness_by_max: bool = True,
        ensure_safe_range: bool = False,
        p=None,  # albumentations' positional order
        value_range=None,
        seed=None,
        **kwargs,
    ):
        super().__init__(p=p, seed=seed, **kwargs)
        self.brightness_limit = check_range(brightness_limit, "brightness_limit")
        self.contrast_limit = check_range(contrast_limit, "contrast_limit", -1.0)
        self.brightness_by_max = check_bool(brightness_by_max, "brightness_by_max")
        self.ensure_safe_range = check_bool(ensure_safe_range, "ensure_safe_range")
        self.value_range = check_optional_value_range(value_range)

    def get_params(self, batch_size, images, seed):
        low, high = self.range_for(images)
        return _draw_brightness_contrast(
            seed,
            images,
            contrast_limit=self.contrast_limit,
            brightness_limit=self.brightness_limit,
            by_max=self.brightness_by_max,
            safe=self.ensure_safe_range,
            max_value=high - low,
        )

    def neutral_params(self, params, images):
        return {"alpha": 1.0, "beta": 0.0}

    def augment_images(self, images, params):
        return color.brightness_contrast(images, params["alpha"], params["beta"], self.range_for(images))

    def get_config(self):
        return {
            **super().get_config(),
            "brightness_limit": list(self.brightness_limit),
            "contrast_limit": list(self.contrast_limit),
            "brightness_by_max": self.brightness_by_max,
            "ensure_safe_range": self.ensure_safe_range,
        }


@keras.saving.register_keras_serializable(package="keras_aug")
class RandomGamma(_ColorAugmentation):
    """Random gamma curve ``low + (high - low) * ((x - low) / (high - low)) ** gamma`` (albumentations style).

    ``gamma = U(gamma_limit) / 100``: ``gamma_limit`` is in percent as in albumentations, so ``(80, 120)``
    draws gamma in [0.8, 1.2]; a single number ``g`` means ``(min(1, g), max(1, g))`` (also as
    albumentations does).

    Args:
        gamma_limit: pair ``(lower, upper)`` of positive percentages or a number. Default ``(80, 120)``.
        value_range: ``(low, high)`` of the input values (the curve's fixed ends). Default ``None``: the
            dtype's range for 8/16-bit integers (0-65535 for uint16), else ``(0, 255)``.
        p: per-sample probability (default 0.5, as albumentations). seed: integer seed.

    Example:
    >>> layer = RandomGamma((50, 150), p=1.0, seed=0)
    >>> layer(tf.fill([2, 4, 4, 1], 0.5), training=True).shape
    TensorShape([2, 4, 4, 1])
    """

    default_p = 0.5

    def __init__(self, gamma_limit=(80, 120), p=None, value_range=None, seed=None, **kwargs):
        super().__init__(p=p, seed=seed, **kwargs)
        self.gamma_limit = check_range(gamma_limit, "gamma_limit", 0.0, scalar="from_one")
        check_number(self.gamma_limit[0], "gamma_limit (lower)", 0.0, low_open=True)
        self.value_range = check_optional_value_range(value_range)

    def get_params(self, batch_size, images, seed):
        return {"gamma": _uniform(seed, images, self.gamma_limit) * 0.01}

    def neutral_params(self, params, images):
        return {"gamma": 1.0}

    def augment_images(self, images, params):
        return color.gamma(images, params["gamma"], self.range_for(images))

    def get_config(self):
        return {
            **super().get_config(),
            "gamma_limit": list(self.gamma_limit),
        }
