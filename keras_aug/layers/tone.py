"""Tone and filter layers with Keras 3's class names and constructor arguments (plus ``p`` and ``seed``).

``AutoContrast``, ``Equalization``, ``RandomInvert``, ``RandomPosterization``, ``Solarization``,
``RandomSharpness``, ``RandomGaussianBlur``, ``RandomErasing``,
``ContrastLimitedAdaptiveHistogramEqualization`` and ``Rescaling``: each calls one op of
:mod:`keras_aug.ops` (torchvision / PIL semantics), draws its parameters per sample, compiles under XLA
and keeps the input dtype (uint8 in, uint8 out, rounded), where Keras returns float32. ``value_range``
follows the package's rule: ``None`` (the default) is the dtype's range for 8- and 16-bit integers and
``(0, 255)`` for floats (Keras' default); pass ``(0, 1)`` for floats in [0, 1].

Keras' ``factor`` of ``RandomInvert``, ``RandomGaussianBlur`` and ``RandomErasing`` is the probability
of augmenting a sample, drawn per sample from a range (a number ``f`` means ``(0, f)``); a sample is
augmented with probability ``mean(factor)``, times ``p``. Augmentation layers are the identity with
``training=False`` (as all keras_aug layers; Keras' ``AutoContrast`` and its CLAHE also apply at
inference); ``Rescaling`` is deterministic and always applies, as in Keras.
"""

from __future__ import annotations

import keras
import numpy as np
import tensorflow as tf

from keras_aug.layers.base import BaseAugmentation
from keras_aug.layers.histogram import Equalize, RandomCLAHE
from keras_aug.layers.inputs import IMAGES, require_images
from keras_aug.ops import filters, histogram, mix, tone
from keras_aug.ops import random as krandom
from keras_aug.validation import (
    check_number,
    check_optional_value_range,
    check_range,
    is_number,
    resolve_value_range,
)


def _factor(value, name: str, low: float = 0.0, high: float = 1.0) -> tuple[float, float]:
    """Keras' ``factor``-style range: a number ``f`` means ``(0, f)``, a pair is sorted; within ``[low, high]``."""
    return check_range(value, name, low, high, scalar=lambda f: (0.0, f))


def _uniform(seed, batch_size, bounds) -> tf.Tensor:
    return krandom.uniform(seed, [batch_size], bounds[0], bounds[1])


class _ToneAugmentation(BaseAugmentation):
    """Shared pieces: ``value_range`` (see the module) and its config."""

    default_p = 1.0

    def __init__(self, value_range=None, p=None, seed=None, **kwargs):
        super().__init__(p=p, seed=seed, **kwargs)
        self.value_range = check_optional_value_range(value_range)

    def range_for(self, images) -> tuple[float, float]:
        """The ``(low, high)`` these images hold: ``value_range``, or by default their dtype's range."""
        return resolve_value_range(self.value_range, images.dtype)

    def get_params(self, batch_size, images, seed):
        return {}

    def get_config(self):
        value_range = None if self.value_range is None else list(self.value_range)
        return {**super().get_config(), "value_range": value_range}


class _ProbabilityFactor:
    """Keras' ``factor`` as a probability range: a sample is augmented with probability ``p * mean(factor)``.

    Keras draws ``u < uniform(factor)`` per sample, a Bernoulli draw of probability ``mean(factor)``.
    """

    def sample_probability(self) -> float:
        return self.p * (self.factor[0] + self.factor[1]) / 2.0


@keras.saving.register_keras_serializable(package="keras_aug")
class AutoContrast(_ToneAugmentation):
    """Stretch each channel of each image to the full ``value_range`` (Keras' ``AutoContrast``).

    :func:`keras_aug.ops.autocontrast` (PIL's ``ImageOps.autocontrast``, torchvision's
    ``autocontrast``): per image and channel, min maps to ``low`` and max to ``high``; constant channels
    are left as they are (Keras leaves the whole image then). Nothing is random but ``p``.

    Args:
        value_range: ``(low, high)`` of the input values (see the module).
        p: per-sample probability (default 1.0). seed: integer seed.

    Example:
    >>> AutoContrast()(tf.constant([[[50], [100], [150]]], tf.uint8)).numpy().ravel().tolist()
    [0, 128, 255]
    """

    def augment_images(self, images, params):
        return tone.autocontrast(images, self.range_for(images))


@keras.saving.register_keras_serializable(package="keras_aug")
class Equalization(Equalize):
    """Keras' ``Equalization(value_range, bins)``: :class:`keras_aug.layers.Equalize` under Keras' name.

    Per-channel histogram equalization with Keras' (and OpenCV's) rounding by default (``mode="cv"``:
    the lowest level present maps to 0, ``round((cdf - cdf_min) * 255 / (pixels - cdf_min))``); pass
    ``mode="pil"`` for PIL's / torchvision's. See :func:`keras_aug.ops.equalize`.

    Args:
        value_range: ``(low, high)`` of the input values (see the module).
        bins: histogram levels ``value_range`` is quantized to (default 256).
        data_format: ``"channels_last"`` or ``"channels_first"``.
        mode: ``"cv"`` (default) or ``"pil"``.
        p: per-sample probability (default 1.0). seed: integer seed.

    Example:
    >>> Equalization()(tf.constant([[[10], [10], [20], [30]]], tf.uint8)).numpy().ravel().tolist()
    [0, 0, 128, 255]
    """

    def __init__(
        self, value_range=None, bins=histogram.BINS, data_format=None, mode="cv", p=None, seed=None, **kwargs
    ):
        super().__init__(
            mode=mode, value_range=value_range, p=p, seed=seed, bins=bins, data_format=data_format, **kwargs
        )


@keras.saving.register_keras_serializable(package="keras_aug")
class RandomInvert(_ProbabilityFactor, _ToneAugmentation):
    """Invert the tones of a random subset of samples (Keras' ``RandomInvert``): ``low + high - x``.

    See :func:`keras_aug.ops.invert` (torchvision's ``invert``, PIL's ``ImageOps.invert``).

    Args:
        factor: the probability of inverting a sample, drawn per sample from ``(lower, upper)`` in
            [0, 1]; a number ``f`` means ``(0, f)``. Default 1.0: probability 0.5 (as Keras).
        value_range: ``(low, high)`` of the input values (see the module).
        p: an extra per-sample probability (default 1.0). seed: integer seed.

    Example:
    >>> RandomInvert(factor=(1.0, 1.0))(tf.constant([[[0], [200]]], tf.uint8)).numpy().ravel().tolist()
    [255, 55]
    """

    def __init__(self, factor=1.0, value_range=None, seed=None, data_format=None, p=None, **kwargs):
        super().__init__(value_range=value_range, p=p, seed=seed, data_format=data_format, **kwargs)
        self.factor = _factor(factor, "factor")

    def augment_images(self, images, params):
        return tone.invert(images, self.range_for(images))

    def get_config(self):
        return {**super().get_config(), "factor": list(self.factor)}


@keras.saving.register_keras_serializable(package="keras_aug")
class RandomPosterization(_ToneAugmentation):
    """Keep a random number of bits per value (Keras' ``RandomPosterization``).

    See :func:`keras_aug.ops.posterize` (torchvision's ``posterize``, PIL's ``ImageOps.posterize``):
    uint8 and uint16 images keep their highest ``bits`` bits; floats are quantized to ``2**bits``
    levels of ``value_range``.

    Args:
        factor: the number of bits to keep, as Keras documents: an integer, or ``(lower, upper)``
            drawn uniformly per sample, both ends included; from 1 to 16 (Keras: 1 to 8; bits at or
            above the images' depth leave them unchanged). Keras 3.15's code draws one int ``f`` from
            ``[1, f)`` and a pair's upper end exclusively; pass the range you mean.
        value_range: ``(low, high)`` of the input values (see the module).
        p: per-sample probability (default 1.0). seed: integer seed.

    Example:
    >>> RandomPosterization(2)(tf.constant([[[255], [100]]], tf.uint8)).numpy().ravel().tolist()
    [192, 64]
    """

    def __init__(self, factor, value_range=None, data_format=None, seed=None, p=None, **kwargs):
        super().__init__(value_range=value_range, p=p, seed=seed, data_format=data_format, **kwargs)
        if is_number(factor):
            factor = (factor, factor)
        if not isinstance(factor, (tuple, list)) or len(factor) != 2:
            raise ValueError(
                f"`factor` must be an integer or a (lower, upper) pair of integers, got {factor!r}."
            )
        self.factor = tuple(sorted(check_number(f, "factor", 1, 16, integer=True) for f in factor))

    def get_params(self, batch_size, images, seed):
        return {"bits": krandom.uniform_int(seed, [batch_size], self.factor[0], self.factor[1] + 1)}

    def augment_images(self, images, params):
        return tone.posterize(images, params["bits"], self.range_for(images))

    def get_config(self):
        return {**super().get_config(), "factor": list(self.factor)}


@keras.saving.register_keras_serializable(package="keras_aug")
class Solarization(_ToneAugmentation):
    """Add a random offset, then invert the values above a random threshold (Keras' ``Solarization``).

    ``x' = clip(x + addition)``; ``out = x' if x' < threshold else low + high - x'``, with ``addition =
    U(addition_factor) * (high - low)`` and ``threshold = low + U(threshold_factor) * (high - low)``
    drawn per sample (Keras 3.15 scales only the upper end of each range by 255, a slip that matters
    only for a non-zero lower end). See :func:`keras_aug.ops.solarize` (PIL's ``ImageOps.solarize``).
    The defaults (0, 0) invert every image, as Keras.

    Args:
        addition_factor: a number ``f`` in [0, 1] (``(0, f)``) or a pair, a fraction of the range.
        threshold_factor: a number ``f`` in [0, 1] (``(0, f)``) or a pair, a fraction of the range.
        value_range: ``(low, high)`` of the input values (see the module).
        p: per-sample probability (default 1.0). seed: integer seed.

    Example:
    >>> Solarization(threshold_factor=(0.5, 0.5))(tf.constant([[[100], [200]]], tf.uint8)).numpy().ravel().tolist()
    [100, 55]
    """

    def __init__(
        self, addition_factor=0.0, threshold_factor=0.0, value_range=None, seed=None, p=None, **kwargs
    ):
        super().__init__(value_range=value_range, p=p, seed=seed, **kwargs)
        self.addition_factor = _factor(addition_factor, "addition_factor")
        self.threshold_factor = _factor(threshold_factor, "threshold_factor")

    def get_params(self, batch_size, images, seed):
        low, high = self.range_for(images)
        addition_seed, threshold_seed = tf.unstack(krandom.split(seed, 2))
        return {
            "addition": _uniform(addition_seed, batch_size, self.addition_factor) * (high - low),
            "threshold": low + _uniform(threshold_seed, batch_size, self.threshold_factor) * (high - low),
        }

    def neutral_params(self, params, images):
        return {"addition": 0.0, "threshold": float("inf")}  # nothing added, nothing inverted

    def augment_images(self, images, params):
        low_high = self.range_for(images)
        return tone.solarize(images, params["threshold"], low_high, addition=params["addition"])

    def get_config(self):
        return {
            **super().get_config(),
            "addition_factor": list(self.addition_factor),
            "threshold_factor": list(self.threshold_factor),
        }


@keras.saving.register_keras_serializable(package="keras_aug")
class RandomSharpness(_ToneAugmentation):
    """Blur or sharpen by a random amount (Keras' ``RandomSharpness``).

    PIL's ``ImageEnhance.Sharpness`` with ``2 * U(factor)`` per sample (see
    :func:`keras_aug.ops.adjust_sharpness`): ``factor`` 0 gives the smoothed image, 0.5 the original, 1
    twice the detail. Like PIL and torchvision (unlike Keras, which zero-pads its kernel), the one-pixel
    border is kept.

    Args:
        factor: a number ``f`` in [0, 1] (drawn from ``(0, f)``) or a pair ``(lower, upper)`` in [0, 1].
        value_range: ``(low, high)`` of the input values; results are clipped to it (see the module).
        p: per-sample probability (default 1.0). seed: integer seed.

    Example:
    >>> int(RandomSharpness((0.5, 0.5))(tf.fill([1, 4, 4, 1], tf.constant(7, tf.uint8))).numpy().max())
    7
    """

    def __init__(self, factor, value_range=None, data_format=None, seed=None, p=None, **kwargs):
        super().__init__(value_range=value_range, p=p, seed=seed, data_format=data_format, **kwargs)
        self.factor = _factor(factor, "factor")

    def get_params(self, batch_size, images, seed):
        return {"factor": 2.0 * _uniform(seed, batch_size, self.factor)}

    def augment_images(self, images, params):
        return tone.adjust_sharpness(images, params["factor"], self.range_for(images))

    def get_config(self):
        return {**super().get_config(), "factor": list(self.factor)}


def _odd_kernel_size(kernel_size) -> tuple[int, int]:
    """Keras' ``kernel_size``: an odd int or a ``(height, width)`` pair of odd ints."""
    if is_number(kernel_size):
        kernel_size = (kernel_size, kernel_size)
    ok = isinstance(kernel_size, (tuple, list)) and len(kernel_size) == 2
    ok = ok and all(
        is_number(k) and float(k).is_integer() and k >= 1 and int(k) % 2 == 1 for k in kernel_size
    )
    if not ok:
        raise ValueError(
            f"`kernel_size` must be an odd positive integer or a (height, width) pair of them, got {kernel_size!r}."
        )
    return int(kernel_size[0]), int(kernel_size[1])


@keras.saving.register_keras_serializable(package="keras_aug")
class RandomGaussianBlur(_ProbabilityFactor, _ToneAugmentation):
    """Gaussian blur of a random subset of samples with random sigmas (Keras' ``RandomGaussianBlur``).

    Each blurred sample draws ``sigma_y`` and ``sigma_x`` from ``sigma`` (two draws, as Keras); the
    border is reflected without repeating the edge (torchvision's ``gaussian_blur``, OpenCV's
    ``BORDER_REFLECT_101``; Keras zero-pads). See :func:`keras_aug.ops.gaussian_blur`.

    Args:
        factor: the probability of blurring a sample, drawn per sample from ``(lower, upper)`` in [0, 1];
            a number ``f`` means ``(0, f)``. Default 1.0: probability 0.5 (as Keras).
        kernel_size: an odd int, or a ``(height, width)`` pair of odd ints. Default 3.
        sigma: the standard deviation as Keras documents it: a number (fixed) or a range ``(lower,
            upper)`` drawn per sample, >= 0 (Keras bounds it to [0, 1]; its 3.15 code draws a number
            ``s`` from ``(0, s)``: pass ``(0, s)`` for that). Default 1.0.
        value_range: ``(low, high)`` of the input values (see the module).
        p: an extra per-sample probability (default 1.0). seed: integer seed.

    Example:
    >>> layer = RandomGaussianBlur(factor=(1, 1), kernel_size=5, sigma=(0.5, 2.0), seed=0)
    >>> layer(tf.zeros([2, 16, 16, 3], tf.uint8)).dtype
    tf.uint8
    """

    def __init__(
        self,
        factor=1.0,
        kernel_size=3,
        sigma=1.0,
        value_range=None,
        data_format=None,
        seed=None,
        p=None,
        **kwargs,
    ):
        super().__init__(value_range=value_range, p=p, seed=seed, data_format=data_format, **kwargs)
        self.factor = _factor(factor, "factor")
        self.kernel_size = _odd_kernel_size(kernel_size)
        self.sigma = check_range(sigma, "sigma", 0.0, scalar="same")

    def get_params(self, batch_size, images, seed):
        return {"sigma": krandom.uniform(seed, [batch_size, 2], self.sigma[0], self.sigma[1])}

    def neutral_params(self, params, images):
        return {"sigma": 0.0}  # a one-tap (delta) kernel: the image itself, bit for bit

    def augment_images(self, images, params):
        height, width = self.kernel_size
        blurred = filters.gaussian_blur(images, (width, height), params["sigma"])
        low, high = self.range_for(images)
        return tf.clip_by_value(blurred, tf.cast(low, blurred.dtype), tf.cast(high, blurred.dtype))

    def get_config(self):
        return {
            **super().get_config(),
            "factor": list(self.factor),
            "kernel_size": list(self.kernel_size),
            "sigma": list(self.sigma),
        }


def _check_fill_value(fill_value):
    if fill_value is None:
        return None
    if is_number(fill_value):
        return check_number(fill_value, "fill_value")
    if isinstance(fill_value, (tuple, list)) and fill_value and all(is_number(v) for v in fill_value):
        return tuple(check_number(v, "fill_value") for v in fill_value)
    raise ValueError(
        f"`fill_value` must be None, a number or a per-channel tuple of numbers, got {fill_value!r}."
    )


@keras.saving.register_keras_serializable(package="keras_aug")
class RandomErasing(_ProbabilityFactor, _ToneAugmentation):
    """Erase one random rectangle per sample (Keras' ``RandomErasing``), with ``fill_holes``.

    Keras' sampling: the rectangle's width is ``sqrt(U(scale)) * W`` and its height ``sqrt(U(scale)) *
    H`` (two draws), its position uniform inside the image. Keras has no aspect-``ratio`` argument
    (torchvision's ``RandomErasing`` does); the erased area is a fraction ``sqrt(u1 * u2)`` of the image.

    Args:
        factor: the probability of erasing in a sample, drawn per sample from ``(lower, upper)`` in
            [0, 1]; a number ``f`` means ``(0, f)``. Default 1.0: probability 0.5 (as Keras).
        scale: ``(lower, upper)`` in [0, 1] of the squared side fractions (a number ``s``: ``(0, s)``).
        fill_value: ``None`` (default): Gaussian noise ``N(0, 1) * high`` per value, clipped to
            ``value_range`` (Keras); or a number, or one value per channel.
        value_range: ``(low, high)`` of the input values (see the module).
        p: an extra per-sample probability (default 1.0). seed: integer seed.

    Masks, boxes and labels are unchanged.

    Example:
    >>> layer = RandomErasing(factor=(1, 1), scale=(0.25, 0.25), fill_value=0, seed=0)
    >>> int(tf.reduce_sum(tf.cast(layer(tf.ones([1, 8, 8, 1], tf.uint8)) == 0, tf.int32)))
    16
    """

    def __init__(
        self,
        factor=1.0,
        scale=(0.02, 0.33),
        fill_value=None,
        value_range=None,
        seed=None,
        data_format=None,
        p=None,
        **kwargs,
    ):
        super().__init__(value_range=value_range, p=p, seed=seed, data_format=data_format, **kwargs)
        self.factor = _factor(factor, "factor")
        self.scale = _factor(scale, "scale")
        self.fill_value = _check_fill_value(fill_value)

    def get_params(self, batch_size, images, seed):
        seeds = krandom.split(seed, 3)
        sides = tf.cast(tf.shape(images)[1:3], tf.float32)[::-1]  # (W, H)
        fraction = tf.sqrt(krandom.uniform(seeds[0], [batch_size, 2], self.scale[0], self.scale[1]))
        length = fraction * sides
        start = krandom.uniform(seeds[1], [batch_size, 2]) * (sides - length)
        # Keras erases the pixels at grid positions start <= i < start + length
        first, end = tf.math.ceil(start), tf.math.ceil(start + length)
        holes = tf.cast(tf.concat([first, end], axis=-1), tf.int32)[:, tf.newaxis, :]  # (x1, y1, x2, y2)
        return {"holes": holes, "fill_seed": seeds[2]}

    def neutral_params(self, params, images):
        return {"holes": 0}  # an empty hole erases nothing

    def _fill(self, images, seed):
        low, high = self.range_for(images)
        if self.fill_value is None:
            noise = krandom.normal(seed, tf.shape(images)) * high
            return tf.clip_by_value(noise, low, high)
        fill = tf.constant(self.fill_value, tf.float32)
        channels = images.shape[-1]
        if fill.shape.rank == 1 and channels is not None and fill.shape[0] not in (1, channels):
            raise ValueError(
                f"`fill_value` has {fill.shape[0]} values, but the images have {channels} channels."
            )
        return tf.clip_by_value(fill, low, high)

    def augment_images(self, images, params):
        return mix.fill_holes(images, params["holes"], self._fill(images, params["fill_seed"]))

    def get_config(self):
        fill_value = list(self.fill_value) if isinstance(self.fill_value, tuple) else self.fill_value
        return {
            **super().get_config(),
            "factor": list(self.factor),
            "scale": list(self.scale),
            "fill_value": fill_value,
        }


@keras.saving.register_keras_serializable(package="keras_aug")
class ContrastLimitedAdaptiveHistogramEqualization(RandomCLAHE):
    """Keras' CLAHE layer (its arguments) over keras_aug's exact CLAHE (OpenCV's, bit for bit).

    See :func:`keras_aug.ops.clahe`. Differences from Keras 3.15, whose CLAHE is its own approximation:
    the result is OpenCV's ``createCLAHE(clipLimit, tileGridSize).apply`` exactly; RGB images are
    equalized on L of OpenCV's Lab (albumentations' ``CLAHE``) rather than per channel, and images must
    have 1 or 3 channels; uint16 gray images keep their full depth.

    Args:
        value_range: ``(low, high)`` of the input values (see the module).
        clip_limit: OpenCV's ``clipLimit``, >= 0 (0: no clipping). Default 4.0.
        tile_grid_size: ``(rows, columns)`` of tiles, Keras' ``(height, width)`` order (OpenCV's
            ``tileGridSize`` is ``(columns, rows)``), or one int. Default ``(8, 8)``.
        data_format: ``"channels_last"`` or ``"channels_first"``.
        p: per-sample probability (default 1.0). seed: integer seed.

    Example:
    >>> layer = ContrastLimitedAdaptiveHistogramEqualization(clip_limit=2.0, tile_grid_size=(2, 4))
    >>> layer(tf.zeros([2, 16, 16, 1], tf.uint8)).shape
    TensorShape([2, 16, 16, 1])
    """

    def __init__(
        self,
        value_range=None,
        clip_limit=4.0,
        tile_grid_size=(8, 8),
        data_format=None,
        p=None,
        seed=None,
        **kwargs,
    ):
        limit = check_number(clip_limit, "clip_limit", 0.0)
        rows_columns = histogram.check_tile_grid_size(tile_grid_size)  # (a, b) checked; Keras' order
        super().__init__(
            clip_limit=(limit, limit),
            tile_grid_size=rows_columns[::-1],
            value_range=value_range,
            data_format=data_format,
            p=p,
            seed=seed,
            **kwargs,
        )

    def get_config(self):
        config = super().get_config()
        config["clip_limit"] = self.clip_limit[0]
        config["tile_grid_size"] = list(self.tile_grid_size[::-1])
        return config


def _constant(value, name: str):
    """A finite number or a per-channel list of them (Keras' ``scale`` / ``offset``)."""
    if is_number(value):
        return check_number(value, name)
    try:
        array = np.asarray(value, dtype=np.float64)
    except (TypeError, ValueError):
        array = np.array([np.nan])
    if array.ndim > 1 or array.size == 0 or not np.all(np.isfinite(array)):
        raise ValueError(
            f"`{name}` must be a finite number or a per-channel list of finite numbers, got {value!r}."
        )
    return array.tolist()


@keras.saving.register_keras_serializable(package="keras_aug")
class Rescaling(keras.layers.Layer):
    """``x * scale + offset`` (Keras' ``Rescaling``): deterministic, applied at inference too.

    E.g. ``Rescaling(1 / 255)`` maps uint8 to [0, 1] and ``Rescaling(1 / 127.5, offset=-1)`` to [-1, 1].
    ``scale`` and ``offset`` are numbers or one per channel (last axis). Float inputs keep their dtype,
    integer inputs give float32. Inputs: any numeric tensor, or a dict with ``"images"`` (other keys pass
    through).

    Example:
    >>> Rescaling(1 / 255)(tf.constant([[[[0, 255]]]], tf.uint8)).numpy().ravel().tolist()
    [0.0, 1.0]
    """

    def __init__(self, scale, offset=0.0, **kwargs):
        super().__init__(**kwargs)
        self.autocast = False  # the input's float dtype is kept, also under mixed precision
        self.scale = _constant(scale, "scale")
        self.offset = _constant(offset, "offset")
        self.supports_masking = True
        self.supports_jit = True

    def call(self, inputs):
        x = tf.convert_to_tensor(require_images(inputs)[IMAGES] if isinstance(inputs, dict) else inputs)
        if x.shape.rank and x.shape[-1] == 0:
            raise ValueError(
                f"Rescaling's inputs must have at least one channel (last axis), got shape {x.shape}."
            )
        dtype = x.dtype if x.dtype.is_floating else tf.float32
        compute = tf.float64 if dtype == tf.float64 else tf.float32
        out = tf.cast(x, compute) * tf.constant(self.scale, compute) + tf.constant(self.offset, compute)
        out = tf.cast(out, dtype)
        return {**inputs, IMAGES: out} if isinstance(inputs, dict) else out

    def compute_output_shape(self, input_shape):
        return input_shape

    def compute_output_spec(self, inputs):
        def spec(t):
            return keras.KerasTensor(
                t.shape, t.dtype if t.dtype in ("float16", "float64", "bfloat16") else "float32"
            )

        if isinstance(inputs, dict):
            return {**inputs, IMAGES: spec(require_images(inputs)[IMAGES])}
        return spec(inputs)

    def get_config(self):
        return {**super().get_config(), "scale": self.scale, "offset": self.offset}
