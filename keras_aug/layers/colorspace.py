"""Colour layers with Keras 3's names and arguments: RandomHue, RandomSaturation, RandomColorDegeneration,
RandomColorJitter and RandomGrayscale.

Each draws its factors per sample, runs one op of :mod:`keras_aug.ops.colorspace` (one XLA pass) and keeps
the input dtype (uint8 in, uint8 out, rounded). ``value_range=None`` (the default) is the package's rule:
the dtype's range for 8/16-bit integers and ``(0, 255)`` for floats (Keras' default). Where Keras'
code and documentation disagree the documentation is followed (said per layer). Gray (1-channel)
images: hue, saturation and colour degeneration leave them unchanged, ``RandomGrayscale`` passes them
through, ``RandomColorJitter`` applies its brightness and contrast only.
"""

from __future__ import annotations

import keras
import tensorflow as tf

from keras_aug.layers.base import BaseAugmentation
from keras_aug.ops import colorspace
from keras_aug.ops import random as krandom
from keras_aug.ops.xla import unfolded
from keras_aug.validation import (
    check_number,
    check_optional_value_range,
    check_range,
    is_number,
    resolve_value_range,
)

#: Keras' ``RandomSaturation`` maps a draw ``f`` in [0, 1] to ``f / (1 - f + epsilon)``.
_KERAS_EPSILON = 1e-7


def _uniform(seed, images, bounds) -> tf.Tensor:
    return krandom.uniform(seed, tf.shape(images)[:1], bounds[0], bounds[1])


def _hue_draw(seed, images, bounds) -> tf.Tensor:
    """Keras' ``RandomHue``: ``± U(bounds) / 2`` turns, the sign a coin flip per sample."""
    sign_seed, value_seed = tf.unstack(krandom.split(seed, 2))
    sign = tf.where(_uniform(sign_seed, images, (0.0, 1.0)) > 0.5, -1.0, 1.0)
    return sign * _uniform(value_seed, images, bounds) * 0.5


def _saturation_draw(seed, images, bounds) -> tf.Tensor:
    """Keras' ``RandomSaturation``: ``f / (1 - f)`` with ``f = U(bounds)`` (0.5 neutral, 0 gray)."""
    drawn = _uniform(seed, images, bounds)
    return tf.where(drawn == 0.5, 1.0, drawn / (1.0 - drawn + _KERAS_EPSILON))


def _unit_factor(factor, name: str = "factor", low: float = 0.0) -> tuple[float, float]:
    """Keras' ``factor`` for hue/saturation: ``f`` means ``(0, f)``; a pair is sorted; within ``[low, 1]``."""
    return check_range(factor, name, low, 1.0, scalar="from_zero")


class _ColorSpaceAugmentation(BaseAugmentation):
    """``value_range`` (None: the input dtype's range) and its config."""

    def range_for(self, images) -> tuple[float, float]:
        return resolve_value_range(self.value_range, images.dtype)

    def get_config(self):
        value_range = None if self.value_range is None else list(self.value_range)
        return {**super().get_config(), "value_range": value_range}


@keras.saving.register_keras_serializable(package="keras_aug")
class RandomHue(_ColorSpaceAugmentation):
    """Rotate the hue of each image by a random amount (Keras 3's ``RandomHue``, per sample).

    Each sample draws ``f`` from ``factor`` and a random sign, and its hue turns by ``±f / 2``
    (:func:`keras_aug.ops.adjust_hue`): 0 leaves the image as it is, 1 may give the complementary
    colours. Gray (1-channel) images come back unchanged.

    Args:
        factor: a float ``f`` in [0, 1] (draws from ``[0, f]``) or a pair ``(lower, upper)`` in [0, 1].
        value_range: ``(low, high)`` of the input values. Default ``None``: the dtype's range for
            8/16-bit integers, else ``(0, 255)`` (Keras' default).
        data_format, seed, p: as every keras_aug layer (``p`` default 1.0).

    Example:
    >>> layer = RandomHue(0.5, seed=1)
    >>> layer(tf.zeros([2, 8, 8, 3], tf.uint8)).dtype
    tf.uint8
    """

    def __init__(self, factor, value_range=None, data_format=None, seed=None, p=None, **kwargs):
        super().__init__(p=p, seed=seed, data_format=data_format, **kwargs)
        self.factor = _unit_factor(factor)
        self.value_range = check_optional_value_range(value_range)

    def get_params(self, batch_size, images, seed):
        return {"hue": _hue_draw(seed, images, self.factor)}

    def neutral_params(self, params, images):
        return {"hue": 0.0}

    def augment_images(self, images, params):
        return colorspace.adjust_hue(images, params["hue"], self.range_for(images))

    def get_config(self):
        return {**super().get_config(), "factor": list(self.factor)}


@keras.saving.register_keras_serializable(package="keras_aug")
class RandomSaturation(_ColorSpaceAugmentation):
    """Change the saturation of each image by a random factor (Keras 3's ``RandomSaturation`` arguments).

    Each sample draws ``f`` from ``factor``; its saturation factor is ``f / (1 - f)`` as in Keras (0.5
    leaves the image as it is, 0 makes it gray, 1 fully saturated), applied as torchvision's
    :func:`keras_aug.ops.adjust_saturation` (a blend with the luma image, clipped), where Keras scales
    the HSV saturation. A float ``f`` draws from ``[0, f]`` as Keras documents (Keras 3.15's code
    draws from ``[-f, f]``). Gray (1-channel) images come back unchanged.

    Args:
        factor: a float in [0, 1] or a pair ``(lower, upper)`` in [0, 1].
        value_range: ``(low, high)`` of the input values; results are clipped to it. Default ``None``:
            the dtype's range for 8/16-bit integers, else ``(0, 255)``.
        data_format, seed, p: as every keras_aug layer (``p`` default 1.0).

    Example:
    >>> layer = RandomSaturation((0.0, 0.0), seed=1)
    >>> layer(tf.constant([[[[100, 200, 50]]]], tf.uint8)).numpy().ravel().tolist()
    [153, 153, 153]
    """

    def __init__(self, factor, value_range=None, data_format=None, seed=None, p=None, **kwargs):
        super().__init__(p=p, seed=seed, data_format=data_format, **kwargs)
        self.factor = _unit_factor(factor)
        self.value_range = check_optional_value_range(value_range)

    def get_params(self, batch_size, images, seed):
        return {"saturation": _saturation_draw(seed, images, self.factor)}

    def neutral_params(self, params, images):
        return {"saturation": 1.0}

    def augment_images(self, images, params):
        return colorspace.adjust_saturation(images, params["saturation"], self.range_for(images))

    def get_config(self):
        return {**super().get_config(), "factor": list(self.factor)}


@keras.saving.register_keras_serializable(package="keras_aug")
class RandomColorDegeneration(_ColorSpaceAugmentation):
    """Blend each image towards its gray version by a random amount (Keras 3's ``RandomColorDegeneration``).

    ``out = x + f * (gray(x) - x)`` with ``f`` drawn per sample from ``factor`` (0: unchanged, 1: gray),
    i.e. :func:`keras_aug.ops.adjust_saturation` with ``1 - f``; negative ``f`` saturates. Gray is
    ITU-R 601-2 luma (Keras uses 0.2989 for red). Gray (1-channel) images come back unchanged.

    Args:
        factor: a float ``f`` in [0, 1] (draws from ``[0, f]``) or a pair ``(lower, upper)`` in [-1, 1].
        value_range: ``(low, high)`` of the input values; results are clipped to it. Default ``None``:
            the dtype's range for 8/16-bit integers, else ``(0, 255)``.
        data_format, seed, p: as every keras_aug layer (``p`` default 1.0).

    Example:
    >>> layer = RandomColorDegeneration((1.0, 1.0), seed=1)
    >>> layer(tf.constant([[[[100, 200, 50]]]], tf.uint8)).numpy().ravel().tolist()
    [153, 153, 153]
    """

    def __init__(self, factor, value_range=None, data_format=None, seed=None, p=None, **kwargs):
        super().__init__(p=p, seed=seed, data_format=data_format, **kwargs)
        if is_number(factor):
            check_number(factor, "factor", 0.0, 1.0)
        self.factor = _unit_factor(factor, low=-1.0)
        self.value_range = check_optional_value_range(value_range)

    def get_params(self, batch_size, images, seed):
        return {"saturation": 1.0 - _uniform(seed, images, self.factor)}

    def neutral_params(self, params, images):
        return {"saturation": 1.0}

    def augment_images(self, images, params):
        return colorspace.adjust_saturation(images, params["saturation"], self.range_for(images))

    def get_config(self):
        return {**super().get_config(), "factor": list(self.factor)}


@keras.saving.register_keras_serializable(package="keras_aug")
class RandomColorJitter(_ColorSpaceAugmentation):
    """Random brightness, contrast, saturation and hue in one pass (Keras 3's ``RandomColorJitter``).

    Every sample draws its own four factors with the rules of Keras' own layers and goes through them
    in Keras' fixed order, brightness, contrast, saturation, hue (:func:`keras_aug.ops.color_jitter`,
    one XLA pass; torchvision's ``ColorJitter`` shuffles the order, this layer does not):

    - ``brightness_factor`` (as ``RandomBrightness``): adds ``U(factor) * (high - low)``;
    - ``contrast_factor`` (as ``RandomContrast``): ``(x - mean) * c + mean`` per channel,
      ``c ~ U(1 - lower, 1 + upper)``;
    - ``saturation_factor`` (as :class:`RandomSaturation`) and ``hue_factor`` (as :class:`RandomHue`).

    A factor left ``None`` skips its step. Gray (1-channel) images get brightness and contrast only.
    With one factor given, the layer equals that step's own layer with the same seed (as in Keras).

    Args:
        value_range: ``(low, high)`` of the input values; every step clips to it. Default ``None``: the
            dtype's range for 8/16-bit integers, else ``(0, 255)`` (Keras' default).
        brightness_factor: float ``f`` in [-1, 1] (``(-|f|, |f|)``) or a pair in [-1, 1].
        contrast_factor: float ``f`` in [0, 1] (``lower = upper = f``) or ``(lower, upper)``, ``lower`` in [0, 1].
        saturation_factor: float in [0, 1] or a pair in [0, 1]. hue_factor: float in [0, 1] or a pair in [0, 1].
        seed, data_format, p: as every keras_aug layer (``p`` default 1.0).

    Example:
    >>> layer = RandomColorJitter(brightness_factor=0.2, contrast_factor=0.2, saturation_factor=(0.3, 0.7),
    ...                           hue_factor=0.1, seed=1)
    >>> layer(tf.zeros([2, 8, 8, 3], tf.uint8)).shape
    TensorShape([2, 8, 8, 3])
    """

    def __init__(
        self,
        value_range=None,
        brightness_factor=None,
        contrast_factor=None,
        saturation_factor=None,
        hue_factor=None,
        seed=None,
        data_format=None,
        p=None,
        **kwargs,
    ):
        super().__init__(p=p, seed=seed, data_format=data_format, **kwargs)
        self.value_range = check_optional_value_range(value_range)
        self.brightness_factor = self.contrast_factor = None
        self.saturation_factor = self.hue_factor = None
        if brightness_factor is not None:
            self.brightness_factor = check_range(brightness_factor, "brightness_factor", -1.0, 1.0)
        if contrast_factor is not None:
            if is_number(contrast_factor):
                check_number(contrast_factor, "contrast_factor", 0.0, 1.0)
            self.contrast_factor = check_range(contrast_factor, "contrast_factor", 0.0, scalar="same")
            check_number(self.contrast_factor[0], "contrast_factor (lower)", 0.0, 1.0)
        if saturation_factor is not None:
            self.saturation_factor = _unit_factor(saturation_factor, "saturation_factor")
        if hue_factor is not None:
            self.hue_factor = _unit_factor(hue_factor, "hue_factor")

    def get_params(self, batch_size, images, seed):
        # The first step present draws from `seed` itself, the others from independent streams: with one
        # factor given, the layer draws what RandomBrightness/Contrast/Saturation/Hue draw for the same seed.
        seeds = iter([seed, *tf.unstack(krandom.split(seed, 3))])
        params = {}
        if self.brightness_factor is not None:
            low, high = self.range_for(images)
            params["delta"] = _uniform(next(seeds), images, self.brightness_factor) * (high - low)
        if self.contrast_factor is not None:
            lower, upper = self.contrast_factor
            params["contrast"] = _uniform(next(seeds), images, (1.0 - lower, 1.0 + upper))
        if self.saturation_factor is not None:
            params["saturation"] = _saturation_draw(next(seeds), images, self.saturation_factor)
        if self.hue_factor is not None:
            params["hue"] = _hue_draw(next(seeds), images, self.hue_factor)
        return params

    def neutral_params(self, params, images):
        neutral = {"delta": 0.0, "contrast": 1.0, "saturation": 1.0, "hue": 0.0}
        return {key: value for key, value in neutral.items() if key in params}

    def augment_images(self, images, params):
        return colorspace.color_jitter(
            images,
            brightness_delta=params.get("delta"),
            contrast_factor=params.get("contrast"),
            saturation_factor=params.get("saturation"),
            hue_factor=params.get("hue"),
            value_range=self.range_for(images),
        )

    def get_config(self):
        def listed(pair):
            return None if pair is None else list(pair)

        return {
            **super().get_config(),
            "brightness_factor": listed(self.brightness_factor),
            "contrast_factor": listed(self.contrast_factor),
            "saturation_factor": listed(self.saturation_factor),
            "hue_factor": listed(self.hue_factor),
        }


@keras.saving.register_keras_serializable(package="keras_aug")
class RandomGrayscale(BaseAugmentation):
    """Turn each image gray with probability ``factor`` (Keras 3's ``RandomGrayscale``), keeping its channels.

    A chosen RGB image becomes its ITU-R 601-2 luma (:func:`keras_aug.ops.rgb_to_grayscale`, PIL's
    ``convert("L")``) repeated over the 3 channels; the others are unchanged. A sample is converted
    with probability ``factor * p``. Gray (1-channel) images pass through. No value range is needed
    (gray values stay within the image's own).

    Args:
        factor: probability in [0, 1] that an image is converted (default 0.5, as Keras).
        data_format, seed, p: as every keras_aug layer (``p`` default 1.0).

    Example:
    >>> layer = RandomGrayscale(1.0, seed=0)
    >>> layer(tf.constant([[[[100, 200, 50]]]], tf.uint8)).numpy().ravel().tolist()
    [153, 153, 153]
    """

    def __init__(self, factor=0.5, data_format=None, seed=None, p=None, **kwargs):
        super().__init__(p=p, seed=seed, data_format=data_format, **kwargs)
        self.factor = check_number(factor, "factor", 0.0, 1.0)

    def sample_probability(self) -> float:
        return self.p * self.factor

    def get_params(self, batch_size, images, seed):
        # a known 0 for every image folds into a blend XLA:CPU runs 2.8x slower (see `unfolded`)
        return {"saturation": unfolded(tf.zeros([batch_size]), images)}

    def neutral_params(self, params, images):
        return {"saturation": 1.0}

    def augment_images(self, images, params):
        limits = tf.as_dtype(images.dtype)
        no_clip = (float(limits.min), float(limits.max))  # the blend with 0 or 1 never leaves the range
        return colorspace.adjust_saturation(images, params["saturation"], no_clip)

    def get_config(self):
        return {**super().get_config(), "factor": self.factor}
