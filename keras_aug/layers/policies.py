"""Policy augmentations: RandAugment, TrivialAugmentWide, AutoAugment and AugMix, with per-sample draws.

Each sample draws its own operations, magnitudes and signs from torchvision's tables
(:mod:`keras_aug.ops.policies`). A call costs ONE warp (the geometric operations a sample drew compose
into one matrix; only the samples that move are warped) and, per photometric operation, one pass over
the samples that drew it (under XLA: over the batch, plus a per-sample select); see
:mod:`keras_aug.ops.policies` for the order in which a sample's operations run. Masks and boxes follow
the composed matrix (AugMix mixes differently warped copies, so there they pass through unchanged).
"""

from __future__ import annotations

import keras
import tensorflow as tf

from keras_aug.layers.base import BaseAugmentation
from keras_aug.layers.geometric import BaseGeometric
from keras_aug.ops import policies, sampling
from keras_aug.ops import random as krandom
from keras_aug.validation import (
    check_bool,
    check_choice,
    check_number,
    check_optional_value_range,
    check_range,
)


def _signs(seed, shape) -> tf.Tensor:
    return tf.where(krandom.bernoulli(seed, shape, 0.5), -1.0, 1.0)


def _space_ops(space: str, seed, shape, with_none: bool = False) -> tf.Tensor:
    """Op ids drawn uniformly from ``space`` (and, with ``with_none``, an extra "no operation" choice)."""
    ids = policies.space_op_ids(space) + ((policies.OPS.index("Identity"),) if with_none else ())
    return tf.gather(tf.constant(ids, tf.int32), krandom.uniform_int(seed, shape, 0, len(ids)))


def _value_range_config(value_range):
    return None if value_range is None else list(value_range)


class BasePolicy(BaseGeometric):
    """A policy whose samples draw ``(op, level, sign)`` slots; photometric ops, then one warp.

    Subclasses set ``space`` (a key of :data:`keras_aug.ops.policies.SPACES`) and write
    ``draw_slots(batch_size, seed)`` returning op ids, levels in ``[0, 1]`` and signs, each ``[B, N]``.
    """

    space = "rand_augment"

    def __init__(
        self, value_range=None, interpolation="nearest", fill_mode="constant", fill_value=0.0, **kwargs
    ):
        super().__init__(interpolation=interpolation, fill_mode=fill_mode, fill_value=fill_value, **kwargs)
        self.value_range = check_optional_value_range(value_range)

    def num_slots(self) -> int:
        """The number of operations a sample draws (``N``)."""
        return 1

    def draw_slots(self, batch_size, seed) -> tuple[tf.Tensor, tf.Tensor, tf.Tensor]:
        """``(ops, levels, signs)``, each ``[batch_size, N]``: op ids, levels in ``[0, 1]``, ``±1``."""
        raise NotImplementedError(f"{type(self).__name__} must implement draw_slots().")

    def get_params(self, batch_size, images, seed) -> dict:
        ops, levels, signs = self.draw_slots(batch_size, seed)
        slots = self.num_slots()
        # The slot count is static (the ops unroll over it), also when the batch size is not.
        ops, levels, signs = (tf.reshape(t, [-1, slots]) for t in (ops, levels, signs))
        shape = tf.shape(images)
        magnitudes = policies.policy_magnitudes(self.space, ops, levels, signs, shape[1], shape[2])
        return {"ops": ops, "magnitudes": magnitudes}

    def neutral_params(self, params, images) -> dict:
        return {"ops": policies.OPS.index("Identity")}

    def derive_params(self, params, images) -> dict:
        shape = tf.shape(images)
        matrix = policies.policy_matrix(params["ops"], params["magnitudes"], shape[1], shape[2])
        return {**params, "matrix": matrix}

    def augment_images(self, images, params):
        out = policies.policy_photometric(images, params["ops"], params["magnitudes"], self.value_range)
        return self._warp(out, params, self.interpolation, self.fill_value)

    def _warp(self, images, params, interpolation, fill_value):
        return policies.warp_if_moved(images, params["matrix"], interpolation, self.fill_mode, fill_value)

    def get_config(self) -> dict:
        return {**super().get_config(), "value_range": _value_range_config(self.value_range)}


@keras.saving.register_keras_serializable(package="keras_aug")
class RandAugment(BasePolicy):
    """RandAugment (Cubuk et al., 2019): ``num_ops`` operations per sample, drawn with replacement.

    Keras 3's arguments (``value_range``, ``num_ops``, ``factor``, ``interpolation``, ``seed``) plus
    torchvision's ``magnitude`` / ``num_magnitude_bins``. The operations and their magnitude ranges are
    torchvision's ``RandAugment._augmentation_space`` (14: Identity, ShearX/Y up to 0.3, TranslateX/Y up to
    150/331 of the side, Rotate up to 30°, Brightness/Color/Contrast/Sharpness up to ±0.9, Posterize
    8→4 bits, Solarize, AutoContrast, Equalize); Keras 3 uses 11 of its own layers instead. Each sample
    draws its own operations (Keras: one choice per batch), levels and signs.

    Args:
        value_range: ``(low, high)`` of the images; ``None`` (default): the dtype's range for 8/16-bit
            integers, ``(0, 255)`` for floats (the package's rule; Keras' default is ``(0, 255)``).
        num_ops: operations per sample (0: the identity, as in Keras and torchvision).
        factor: strength as a fraction of each operation's maximum magnitude: ``f`` draws each level from
            ``[0, f]`` (Keras' rule), a pair from ``[lower, upper]``, within ``[0, 1]``.
        magnitude: torchvision's fixed magnitude bin (``0 .. num_magnitude_bins - 1``); when given it
            replaces ``factor`` (level ``magnitude / (num_magnitude_bins - 1)``; torchvision's default is 9).
        num_magnitude_bins: torchvision's number of bins (31).
        interpolation: ``"bilinear"`` (Keras' default) or ``"nearest"`` (torchvision's).
        fill_mode, fill_value: outside the image (default ``"reflect"``, like Keras' sub-layers;
            torchvision fills with 0: ``fill_mode="constant"``).

    Cost of one call: one warp of the samples that drew ShearX/Y, TranslateX/Y or Rotate and, per
    photometric operation, one pass over the samples that drew it (in ``tf.data``/eagerly a sub-batch;
    under XLA the whole batch and a select): at most 1 warp + 8 photometric passes however large
    ``num_ops`` is (Keras 3: ``num_ops * 11`` layer calls on the whole batch).

    Example:
    >>> layer = RandAugment(num_ops=2, factor=0.5, seed=0)
    >>> layer(tf.zeros([2, 16, 16, 3], tf.uint8)).shape
    TensorShape([2, 16, 16, 3])
    """

    space = "rand_augment"

    def __init__(
        self,
        value_range=None,
        num_ops: int = 2,
        factor=0.5,
        interpolation: str = "bilinear",
        seed=None,
        data_format=None,
        magnitude: int | None = None,
        num_magnitude_bins: int = 31,
        fill_mode: str = "reflect",
        fill_value: float = 0.0,
        **kwargs,
    ):
        super().__init__(
            value_range, interpolation, fill_mode, fill_value, seed=seed, data_format=data_format, **kwargs
        )
        self.num_ops = check_number(num_ops, "num_ops", 0, 64, integer=True)
        self.factor = check_range(factor, "factor", 0.0, 1.0, scalar="from_zero")
        self.num_magnitude_bins = check_number(num_magnitude_bins, "num_magnitude_bins", 2, integer=True)
        self.magnitude = (
            None
            if magnitude is None
            else check_number(magnitude, "magnitude", 0, self.num_magnitude_bins - 1, integer=True)
        )

    def num_slots(self) -> int:
        return max(self.num_ops, 1)  # num_ops=0 (Keras, torchvision: the identity) is one Identity slot

    def draw_slots(self, batch_size, seed):
        seeds = krandom.split(seed, 3)
        shape = [batch_size, self.num_slots()]
        ops = _space_ops(self.space, seeds[0], shape)
        if self.num_ops == 0:
            ops = tf.fill(shape, policies.OPS.index("Identity"))
        if self.magnitude is None:
            levels = krandom.uniform(seeds[1], shape, *self.factor)
        else:
            levels = tf.fill(shape, self.magnitude / (self.num_magnitude_bins - 1))
        return ops, levels, _signs(seeds[2], shape)

    def get_config(self) -> dict:
        config = super().get_config()
        config.update(
            {
                "num_ops": self.num_ops,
                "factor": self.factor,
                "magnitude": self.magnitude,
                "num_magnitude_bins": self.num_magnitude_bins,
            }
        )
        return config


@keras.saving.register_keras_serializable(package="keras_aug")
class TrivialAugmentWide(BasePolicy):
    """TrivialAugment Wide (Müller & Hutter, 2021; torchvision's ``TrivialAugmentWide``): one operation per sample.

    Each sample draws one of torchvision's 14 operations (its wide table: shear up to 0.99, translation
    up to 32 pixels, rotation up to 135°, enhancements up to ±0.99, Posterize 8→2 bits, ...), one of
    ``num_magnitude_bins`` magnitudes uniformly and a random sign.

    Args:
        num_magnitude_bins: torchvision's number of bins (31).
        interpolation: ``"nearest"`` (torchvision's default) or ``"bilinear"``.
        fill_mode, fill_value: outside the image (torchvision: constant 0).
        value_range: ``(low, high)`` of the images (``None``: the package's rule).

    Cost of one call: one warp of the samples that drew a geometric operation and, per photometric
    operation, one pass over the samples that drew it (under XLA: over the batch, plus a select).

    Example:
    >>> TrivialAugmentWide(seed=0)(tf.zeros([2, 16, 16, 3], tf.uint8)).shape
    TensorShape([2, 16, 16, 3])
    """

    space = "trivial_augment_wide"

    def __init__(
        self,
        num_magnitude_bins: int = 31,
        interpolation: str = "nearest",
        fill_mode: str = "constant",
        fill_value: float = 0.0,
        value_range=None,
        **kwargs,
    ):
        super().__init__(value_range, interpolation, fill_mode, fill_value, **kwargs)
        self.num_magnitude_bins = check_number(num_magnitude_bins, "num_magnitude_bins", 2, integer=True)

    def draw_slots(self, batch_size, seed):
        seeds = krandom.split(seed, 3)
        shape = [batch_size, 1]
        ops = _space_ops(self.space, seeds[0], shape)
        bins = krandom.uniform_int(seeds[1], shape, 0, self.num_magnitude_bins)
        levels = tf.cast(bins, tf.float32) / (self.num_magnitude_bins - 1)
        return ops, levels, _signs(seeds[2], shape)

    def get_config(self) -> dict:
        return {**super().get_config(), "num_magnitude_bins": self.num_magnitude_bins}


@keras.saving.register_keras_serializable(package="keras_aug")
class AutoAugment(BasePolicy):
    """AutoAugment (Cubuk et al., 2018) with torchvision's learned policies: ``"imagenet"``, ``"cifar10"``, ``"svhn"``.

    Each sample draws one of the policy's 25 sub-policies; each of its two operations is applied with
    its own probability, at its magnitude bin of 10, with a random sign (torchvision's
    ``AutoAugment._get_policies`` and ``_augmentation_space``; the tables are
    :data:`keras_aug.ops.policies.AUTO_AUGMENT_POLICIES`).

    Args:
        policy: ``"imagenet"`` (default), ``"cifar10"`` or ``"svhn"``.
        interpolation: ``"nearest"`` (torchvision's default) or ``"bilinear"``.
        fill_mode, fill_value: outside the image (torchvision: constant 0).
        value_range: ``(low, high)`` of the images (``None``: the package's rule).

    Cost of one call: one warp of the samples that drew a geometric operation and, per photometric
    operation, one pass over the samples that drew it (under XLA: over the batch, plus a select).

    Example:
    >>> AutoAugment("cifar10", seed=0)(tf.zeros([2, 16, 16, 3], tf.uint8)).shape
    TensorShape([2, 16, 16, 3])
    """

    space = "auto_augment"

    def __init__(
        self,
        policy: str = "imagenet",
        interpolation: str = "nearest",
        fill_mode: str = "constant",
        fill_value: float = 0.0,
        value_range=None,
        **kwargs,
    ):
        super().__init__(value_range, interpolation, fill_mode, fill_value, **kwargs)
        self.policy = check_choice("policy", policy, policies.AUTO_AUGMENT_POLICIES)

    def num_slots(self) -> int:
        return 2

    def draw_slots(self, batch_size, seed):
        seeds = krandom.split(seed, 3)
        table_ops, table_probs, table_bins = policies.auto_augment_arrays(self.policy)
        chosen = krandom.uniform_int(seeds[0], [batch_size], 0, len(table_ops))
        applied = krandom.uniform(seeds[1], [batch_size, 2]) <= tf.gather(table_probs, chosen)
        ops = tf.where(applied, tf.gather(table_ops, chosen), policies.OPS.index("Identity"))
        levels = tf.cast(tf.gather(table_bins, chosen), tf.float32) / 9.0  # 10 bins
        return ops, levels, _signs(seeds[2], [batch_size, 2])

    def get_config(self) -> dict:
        return {**super().get_config(), "policy": self.policy}


@keras.saving.register_keras_serializable(package="keras_aug")
class AugMix(BaseAugmentation):
    """AugMix (Hendrycks et al., 2020): a per-sample mix of the image with ``num_chains`` augmented copies.

    Keras 3's arguments. Per sample: chain ``k`` applies ``chain_depth`` draws, each an operation of
    torchvision's AugMix table (ShearX/Y, TranslateX/Y up to a third of the side, Rotate up to 30°,
    Posterize 4→0 bits, Solarize, AutoContrast, Equalize, and with ``all_ops`` Brightness, Color,
    Contrast, Sharpness) or, with equal odds, nothing (Keras' rule, so a chain has 0 to ``chain_depth``
    operations); then ``out = m * x + (1 - m) * sum_k w_k chain_k(x)`` with ``m ~ Beta(alpha, alpha)`` and
    ``w ~ Dirichlet(alpha)``. Keras 3 draws the operations and weights once per batch (its operations
    once per trace in ``tf.data``); here every sample draws its own.

    Args:
        value_range: ``(low, high)`` of the images (``None``: the package's rule).
        num_chains: number of chains (torchvision's ``mixture_width``).
        chain_depth: draws per chain.
        factor: strength as a fraction of each operation's maximum magnitude (``f``: levels from
            ``[0, f]``, or a pair), within ``[0, 1]``.
        alpha: Beta and Dirichlet parameter (> 0).
        all_ops: also the four enhancement operations.
        severity: torchvision's severity (1-10); when given it replaces ``factor``: levels are drawn from
            bins ``0 .. severity - 1`` of 10.
        interpolation, fill_mode, fill_value: resampling (default bilinear, reflect, as Keras).

    Masks and boxes pass through unchanged (each chain warps differently, so no single geometry exists;
    Keras leaves boxes alone too). Cost of one call: the chains are stacked into one batch of
    ``num_chains * B`` images: one warp call (of the stacked images that move), each photometric operation
    at most once (on the stacked images that drew it), and one mixing pass.

    Example:
    >>> AugMix(seed=0)(tf.zeros([2, 16, 16, 3], tf.uint8)).shape
    TensorShape([2, 16, 16, 3])
    """

    def __init__(
        self,
        value_range=None,
        num_chains: int = 3,
        chain_depth: int = 3,
        factor=0.3,
        alpha: float = 1.0,
        all_ops: bool = True,
        interpolation: str = "bilinear",
        seed=None,
        data_format=None,
        severity: int | None = None,
        fill_mode: str = "reflect",
        fill_value: float = 0.0,
        **kwargs,
    ):
        super().__init__(seed=seed, data_format=data_format, **kwargs)
        self.value_range = check_optional_value_range(value_range)
        self.num_chains = check_number(num_chains, "num_chains", 1, 16, integer=True)
        self.chain_depth = check_number(chain_depth, "chain_depth", 1, 16, integer=True)
        self.factor = check_range(factor, "factor", 0.0, 1.0, scalar="from_zero")
        self.alpha = check_number(alpha, "alpha", 0.0, low_open=True)
        self.all_ops = check_bool(all_ops, "all_ops")
        self.severity = None if severity is None else check_number(severity, "severity", 1, 10, integer=True)
        # Only the images are resampled: masks and boxes pass through, so no mask fill is needed.
        self.interpolation = check_choice("interpolation", interpolation, ("nearest", "bilinear"))
        self.fill_mode = check_choice("fill_mode", fill_mode, ("constant", "reflect", "wrap", "nearest"))
        self.fill_value = check_number(fill_value, "fill_value")

    @property
    def space(self) -> str:
        return "aug_mix_all" if self.all_ops else "aug_mix"

    def _levels(self, seed, shape) -> tf.Tensor:
        if self.severity is None:
            return krandom.uniform(seed, shape, *self.factor)
        return tf.cast(krandom.uniform_int(seed, shape, 0, self.severity), tf.float32) / 9.0  # 10 bins

    def get_params(self, batch_size, images, seed) -> dict:
        seeds = krandom.split(seed, 5)
        shape = [self.num_chains, batch_size, self.chain_depth]
        static = [self.num_chains, -1, self.chain_depth]  # static chains and depth, also for an unknown batch
        ops = tf.reshape(_space_ops(self.space, seeds[0], shape, with_none=True), static)
        image_shape = tf.shape(images)
        magnitudes = policies.policy_magnitudes(
            self.space,
            ops,
            self._levels(seeds[1], shape),
            _signs(seeds[2], shape),
            image_shape[1],
            image_shape[2],
        )
        chain_weights = tf.nn.softmax(sampling.log_gamma(seeds[3], [batch_size, self.num_chains], self.alpha))
        original, rest = sampling.beta_pair(seeds[4], [batch_size], self.alpha)
        # Per sample on axis 1 of ops/magnitudes: moved to axis 0 so the base can neutralize rows.
        return {
            "ops": tf.transpose(ops, [1, 0, 2]),
            "magnitudes": tf.transpose(magnitudes, [1, 0, 2]),
            "chain_weights": chain_weights * rest[:, tf.newaxis],
            "original_weight": original,
        }

    def neutral_params(self, params, images) -> dict:
        return {"ops": policies.OPS.index("Identity"), "chain_weights": 0.0, "original_weight": 1.0}

    def augment_images(self, images, params):
        return policies.augmix(
            images,
            tf.transpose(params["ops"], [1, 0, 2]),
            tf.transpose(params["magnitudes"], [1, 0, 2]),
            params["chain_weights"],
            params["original_weight"],
            self.interpolation,
            self.fill_mode,
            self.fill_value,
            self.value_range,
        )

    def get_config(self) -> dict:
        config = super().get_config()
        config.update(
            {
                "value_range": _value_range_config(self.value_range),
                "num_chains": self.num_chains,
                "chain_depth": self.chain_depth,
                "factor": self.factor,
                "alpha": self.alpha,
                "all_ops": self.all_ops,
                "severity": self.severity,
                "interpolation": self.interpolation,
                "fill_mode": self.fill_mode,
                "fill_value": self.fill_value,
            }
        )
        return config
