"""``RandomElasticTransform``: per-sample smoothed random displacement fields (Simard et al., 2003)."""

from __future__ import annotations

import keras
import tensorflow as tf

from keras_aug.layers.base import BaseAugmentation
from keras_aug.ops import elastic
from keras_aug.ops import random as krandom
from keras_aug.validation import check_number, check_optional_value_range, check_range, check_resampling


@keras.saving.register_keras_serializable(package="keras_aug")
class RandomElasticTransform(BaseAugmentation):
    """Elastic distortion: every pixel moves by ``alpha`` times Gaussian-smoothed uniform(-1, 1) noise.

    The displacement along x and along y, in pixels, has standard deviation about
    ``0.163 * alpha / sigma`` and varies smoothly over a few ``sigma`` (see
    :mod:`keras_aug.ops.elastic`). Simard et al.'s ``alpha=34, sigma=4`` (the default) moves pixels by
    about 1.4 px RMS and up to ~5 px; ``alpha ~ 10 * sigma`` is a good start, larger ``alpha`` for
    stronger warps. Images are resampled bilinearly (uint8 in fixed point, like the geometric layers),
    segmentation masks with nearest neighbour through the same field.

    Args:
        alpha: field scale, a number or a ``(min, max)`` range drawn uniformly per sample (>= 0).
        sigma: smoothness in pixels (a number > 0; fixed, since it sets the filter).
        interpolation: ``"bilinear"`` or ``"nearest"`` for images.
        fill_mode: ``"reflect"`` (default, like Keras), ``"constant"``, ``"wrap"`` (periodic, as in the
            geometric layers) or ``"nearest"``.
        fill_value: image value outside the input when ``fill_mode="constant"``.
        mask_fill_value: mask value outside the input when ``fill_mode="constant"``.
        p: probability that a sample is distorted (default 1).
        factor: Keras' name for the probability: a number ``f`` (Keras draws each sample's probability
            from ``[0, f]``, so a sample is distorted with probability ``f / 2``) or a pair (the midpoint);
            sets ``p``.
        scale: Keras' distortion strength: ``alpha`` is multiplied by a value drawn per sample from
            ``[0, scale]`` (or the pair). Unlike Keras, ``sigma`` stays in pixels (Keras: 5% of the shorter
            side times the draw), so equal ``scale`` values do not give Keras' exact fields.
        value_range: accepted for Keras compatibility; resampling never leaves the range of the input and
            ``fill_value``, so there is nothing to clip.

    Example:
    >>> layer = RandomElasticTransform(alpha=34.0, sigma=4.0, seed=0)
    >>> layer(tf.zeros([2, 32, 48, 3], tf.uint8)).shape
    TensorShape([2, 32, 48, 3])
    """

    def __init__(
        self,
        alpha=34.0,
        sigma: float = 4.0,
        interpolation: str = "bilinear",
        fill_mode: str = "reflect",
        fill_value: float = 0.0,
        mask_fill_value: int = 0,
        factor=None,
        scale=None,
        value_range=None,
        **kwargs,
    ):
        if factor is not None:
            if kwargs.get("p") is not None:
                raise ValueError("Pass either `p` or Keras' `factor` (a probability), not both.")
            kwargs["p"] = sum(check_range(factor, "factor", 0.0, 1.0, scalar="from_zero")) / 2
        super().__init__(**kwargs)
        self.alpha = check_range(alpha, "alpha", 0.0, scalar="same")
        if scale is not None:
            low, high = check_range(scale, "scale", 0.0, scalar="from_zero")
            self.alpha = (self.alpha[0] * low, self.alpha[1] * high)
        self.value_range = check_optional_value_range(value_range)
        self.sigma = check_number(sigma, "sigma", 0.0, low_open=True)
        self.interpolation, self.fill_mode, self.fill_value, self.mask_fill_value = check_resampling(
            interpolation, fill_mode, fill_value, mask_fill_value
        )

    def get_params(self, batch_size, images, seed) -> dict:
        seeds = krandom.split(seed, 2)
        alpha = krandom.uniform(seeds[0], [batch_size], self.alpha[0], self.alpha[1])
        return {"alpha": alpha, "field_seed": seeds[1]}

    def neutral_params(self, params, images) -> dict:
        return {"alpha": 0.0}  # a zero field is an exact identity

    def derive_params(self, params, images) -> dict:
        # The lattice, not the full-resolution coordinates: large images then remap band by band.
        shape = tf.shape(images)
        lattice = elastic.elastic_lattice(params["field_seed"], shape[0], shape[1], shape[2], self.sigma)
        return {**params, "lattice": lattice}

    def augment_images(self, images, params):
        return elastic.elastic_remap(
            images,
            params["lattice"],
            params["alpha"],
            self.sigma,
            self.interpolation,
            self.fill_mode,
            self.fill_value,
        )

    def augment_masks(self, masks, params):
        return elastic.elastic_remap(
            masks,
            params["lattice"],
            params["alpha"],
            self.sigma,
            "nearest",
            self.fill_mode,
            self.mask_fill_value,
        )

    def get_config(self) -> dict:
        return {
            **super().get_config(),
            "alpha": self.alpha,
            "sigma": self.sigma,
            "interpolation": self.interpolation,
            "fill_mode": self.fill_mode,
            "fill_value": self.fill_value,
            "mask_fill_value": self.mask_fill_value,
            "value_range": None if self.value_range is None else list(self.value_range),
        }
