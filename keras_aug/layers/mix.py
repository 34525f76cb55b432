"""Mixing and erasing layers: ``RandomCutout``, ``MixUp`` and ``CutMix``.

MixUp and CutMix mix each sample with a partner drawn from a shuffle of the same batch, so use them
after ``dataset.batch()`` (or inside a model) on a dict ``{"images", "labels"}`` or an
``(images, labels)`` tuple. Labels come out as float ``[B, num_classes]`` targets.
"""

from __future__ import annotations

import math

import keras
import tensorflow as tf

from keras_aug.layers.base import BaseAugmentation
from keras_aug.ops import mix, sampling
from keras_aug.ops import random as krandom
from keras_aug.validation import (
    check_label_smoothing,
    check_num_classes,
    check_number,
    check_optional_number,
    check_optional_value_range,
    is_number,
)

_RANDOM_FILLS = ("random", "random_uniform")


class _BatchMixer(BaseAugmentation):
    """Shared label handling for MixUp and CutMix; non-augmented samples keep their own pixels and label."""

    def __init__(self, alpha, num_classes=None, label_smoothing=0.0, **kwargs):
        super().__init__(**kwargs)
        self.alpha = check_number(alpha, "alpha", 0.0, low_open=True)  # Beta(alpha, alpha)
        self.num_classes = check_num_classes(num_classes)
        self.label_smoothing = check_label_smoothing(label_smoothing)

    def get_params(self, batch_size, images, seed) -> dict:
        seeds = krandom.split(seed, 2)
        lam = sampling.beta(seeds[0], [batch_size], self.alpha)
        return {"lam": lam, "partner": krandom.permutation(seeds[1], batch_size)}

    def targets(self, labels) -> tf.Tensor:
        return mix.prepare_labels(labels, self.num_classes, self.label_smoothing)

    def compute_output_spec(self, inputs, training=True):
        outputs = super().compute_output_spec(inputs, training)
        labels = outputs.get("labels") if isinstance(outputs, dict) else None
        if isinstance(outputs, (tuple, list)):
            labels = outputs[1]
        if labels is None:
            return outputs
        classes = self.num_classes if self.num_classes is not None else labels.shape[-1]
        targets = keras.KerasTensor((labels.shape[0], classes), "float32")
        if isinstance(outputs, dict):
            return {**outputs, "labels": targets}
        return (outputs[0], targets)

    def get_config(self) -> dict:
        return {
            **super().get_config(),
            "alpha": self.alpha,
            "num_classes": self.num_classes,
            "label_smoothing": self.label_smoothing,
        }


@keras.saving.register_keras_serializable(package="keras_aug")
class MixUp(_BatchMixer):
    """MixUp (Zhang et al., 2018): blend each sample with a shuffled partner, ``lam ~ Beta(alpha, alpha)``.

    Images become ``lam * x + (1 - lam) * x[partner]`` (integers rounded back) and labels are mixed with
    the same ``lam``, per sample. Same arguments as ``keras.layers.MixUp`` plus the ones below.

    Args:
        alpha: Beta(alpha, alpha) parameter; 0.2 (the paper's ImageNet value) keeps most samples close to
            one of the two images.
        num_classes: needed for sparse integer labels, which become one-hot.
        label_smoothing: applied to the targets before mixing.
        p: probability that a sample is mixed (default 1).

    Segmentation masks cannot be blended: a dict with ``"segmentation_masks"`` raises ``ValueError``.

    Example:
    >>> layer = MixUp(alpha=0.2, num_classes=3, seed=0)
    >>> images, labels = layer((tf.zeros([4, 8, 8, 3]), tf.constant([0, 1, 2, 0])))
    >>> labels.shape
    TensorShape([4, 3])
    """

    def __init__(
        self, alpha: float = 0.2, num_classes: int | None = None, label_smoothing: float = 0.0, **kwargs
    ):
        super().__init__(alpha, num_classes, label_smoothing, **kwargs)

    def neutral_params(self, params, images) -> dict:
        return {"lam": 1.0}  # the sample's own image and label, exactly

    def augment_images(self, images, params):
        return mix.mixup(images, None, params["lam"], params["partner"])[0]

    def augment_labels(self, labels, params):
        return mix.mix_labels(self.targets(labels), params["lam"], params["partner"])

    def augment_masks(self, masks, params):
        raise ValueError(
            "MixUp cannot blend segmentation masks (class ids do not average); drop 'segmentation_masks' "
            "or use CutMix, which pastes whole regions."
        )


@keras.saving.register_keras_serializable(package="keras_aug")
class CutMix(_BatchMixer):
    """CutMix (Yun et al., 2019): paste a box from a shuffled partner; labels weighted by the pasted area.

    Per sample, ``lam ~ Beta(alpha, alpha)`` sets a box of area ``(1 - lam) * H * W`` (side ratio
    ``sqrt(1 - lam)``) at a uniform centre, clipped to the image. The label weight is recomputed from
    the clipped box, so it equals the fraction of pixels actually pasted.

    Args:
        alpha: Beta(alpha, alpha) parameter (1.0: uniform box areas). ``factor`` (Keras' name) is
            accepted as an alias and used as ``alpha``.
        num_classes: needed for sparse integer labels, which become one-hot.
        label_smoothing: applied to the targets before mixing.
        p: probability that a sample is mixed (default 1).

    With ``"segmentation_masks"`` the same box is pasted into the masks (labels, if any, are mixed as
    usual). CutMix tends to hurt segmentation (it cuts objects at arbitrary box edges): opt in knowingly.

    Example:
    >>> layer = CutMix(num_classes=2, seed=0)
    >>> out = layer({"images": tf.zeros([2, 8, 8, 3]), "labels": tf.constant([0, 1])})
    >>> out["labels"].shape
    TensorShape([2, 2])
    """

    def __init__(
        self,
        alpha: float = 1.0,
        num_classes: int | None = None,
        label_smoothing: float = 0.0,
        factor: float | None = None,
        **kwargs,
    ):
        super().__init__(alpha if factor is None else factor, num_classes, label_smoothing, **kwargs)

    def get_params(self, batch_size, images, seed) -> dict:
        seeds = krandom.split(seed, 3)
        params = super().get_params(batch_size, images, seeds[0])
        height, width = tf.shape(images)[1], tf.shape(images)[2]
        center_x = krandom.uniform_int(seeds[1], [batch_size], 0, width)
        center_y = krandom.uniform_int(seeds[2], [batch_size], 0, height)
        params["boxes"] = mix.cutmix_boxes(params["lam"], center_x, center_y, height, width)
        params["height"], params["width"] = height, width
        return params

    def neutral_params(self, params, images) -> dict:
        return {"boxes": 0}  # an empty box pastes nothing (and weighs 0 in the label)

    def augment_images(self, images, params):
        return mix.paste_boxes(images, params["boxes"], params["partner"])

    def augment_masks(self, masks, params):
        return mix.paste_boxes(masks, params["boxes"], params["partner"])

    def augment_labels(self, labels, params):
        targets = self.targets(labels)
        pasted = mix.box_area_fraction(params["boxes"], params["height"], params["width"])
        return mix.mix_labels(targets, 1.0 - pasted, params["partner"])


def _check_count_range(value) -> tuple[int, int]:
    if (
        isinstance(value, (tuple, list))
        and len(value) == 2
        and all(isinstance(v, int) and not isinstance(v, bool) for v in value)
        and 1 <= value[0] <= value[1]
    ):
        return int(value[0]), int(value[1])
    raise ValueError(f"`num_holes_range` must be a pair of integers 1 <= min <= max, got {value!r}.")


def _check_size_range(name: str, value) -> tuple:
    """Both ints: pixels (>= 0). Both floats: fractions of the side in [0, 1]."""
    if isinstance(value, (tuple, list)) and len(value) == 2 and not any(isinstance(v, bool) for v in value):
        low, high = value
        if isinstance(low, int) and isinstance(high, int) and 0 <= low <= high:
            return int(low), int(high)
        if isinstance(low, float) and isinstance(high, float) and 0.0 <= low <= high <= 1.0:
            return float(low), float(high)
    raise ValueError(
        f"`{name}` must be a (min, max) pair of ints (pixels) or of floats in [0, 1] (fractions of the side), "
        f"got {value!r}."
    )


def _finite(value) -> bool:
    return is_number(value) and math.isfinite(value)


def _check_fill(value):
    if isinstance(value, str):
        if value not in _RANDOM_FILLS:
            raise ValueError(
                f"`fill` must be a number, a per-channel tuple or one of {_RANDOM_FILLS}, got {value!r}."
            )
        return value
    if _finite(value):
        return float(value)
    if isinstance(value, (tuple, list)) and value and all(map(_finite, value)):
        return tuple(float(v) for v in value)
    raise ValueError(
        f"`fill` must be a number, a per-channel tuple or one of {_RANDOM_FILLS}, got {value!r}."
    )


@keras.saving.register_keras_serializable(package="keras_aug")
class RandomCutout(BaseAugmentation):
    """Erase random rectangles (albumentations' ``CoarseDropout``: Cutout / random erasing).

    Args:
        num_holes_range: ``(min, max)`` holes per image, drawn uniformly (inclusive).
        hole_height_range: ``(min, max)`` hole height: ints are pixels, floats fractions of the height
            (``int(H * uniform(min, max))``), both inclusive as in albumentations.
        hole_width_range: the same for the width.
        fill: a number, a per-channel tuple, ``"random"`` (uniform noise per pixel) or
            ``"random_uniform"`` (one random colour per hole). Random values are uniform in
            ``value_range``: integers for integer images, floats for float images.
        fill_mask: value written into ``segmentation_masks`` under the holes (e.g. an ignore index);
            ``None`` leaves masks unchanged.
        value_range: ``(low, high)`` of the images, for the random fills; ``None`` (default) means the
            dtype's range for 8/16-bit integers (0–65535 for uint16) and ``(0, 255)`` otherwise, so pass
            ``(0, 4095)`` for 12-bit data or ``(0, 1)`` for floats in [0, 1].
        p: probability that an image gets holes (default 0.5, as albumentations).

    Holes lie fully inside the image; later holes are drawn over earlier ones. Labels are unchanged.

    Example:
    >>> layer = RandomCutout(num_holes_range=(1, 3), hole_height_range=(4, 8), hole_width_range=(4, 8), p=1.0)
    >>> layer(tf.ones([2, 32, 32, 3], tf.uint8)).dtype
    tf.uint8
    """

    default_p = 0.5

    def __init__(
        self,
        num_holes_range=(1, 2),
        hole_height_range=(0.1, 0.2),
        hole_width_range=(0.1, 0.2),
        fill=0.0,
        fill_mask: int | None = None,
        value_range=None,
        **kwargs,
    ):
        super().__init__(**kwargs)
        self.num_holes_range = _check_count_range(num_holes_range)
        self.hole_height_range = _check_size_range("hole_height_range", hole_height_range)
        self.hole_width_range = _check_size_range("hole_width_range", hole_width_range)
        self.fill = _check_fill(fill)
        self.fill_mask = check_optional_number(fill_mask, "fill_mask", integer=True)
        self.value_range = check_optional_value_range(value_range)

    def _hole_sizes(self, seed, shape, size_range, side):
        side = tf.cast(side, tf.int32)
        low, high = size_range
        if isinstance(low, int):
            return krandom.uniform_int(seed, shape, tf.minimum(low, side), tf.minimum(high, side) + 1)
        fraction = krandom.uniform(seed, shape, low, high)
        return tf.minimum(tf.cast(tf.cast(side, tf.float32) * fraction, tf.int32), side)

    def get_params(self, batch_size, images, seed) -> dict:
        seeds = krandom.split(seed, 6)
        max_holes = self.num_holes_range[1]
        shape = [batch_size, max_holes]
        height, width = tf.shape(images)[1], tf.shape(images)[2]
        count = krandom.uniform_int(seeds[0], [batch_size], self.num_holes_range[0], max_holes + 1)
        hole_h = self._hole_sizes(seeds[1], shape, self.hole_height_range, height)
        hole_w = self._hole_sizes(seeds[2], shape, self.hole_width_range, width)
        y1 = krandom.uniform_int(seeds[3], shape, 0, height - hole_h + 1)
        x1 = krandom.uniform_int(seeds[4], shape, 0, width - hole_w + 1)
        used = tf.range(max_holes)[tf.newaxis, :] < count[:, tf.newaxis]
        holes = tf.stack([x1, y1, x1 + hole_w, y1 + hole_h], axis=-1)
        return {"holes": tf.where(used[..., tf.newaxis], holes, 0), "fill_seed": seeds[5]}

    def neutral_params(self, params, images) -> dict:
        return {"holes": 0}  # empty holes erase nothing

    def augment_images(self, images, params):
        if self.fill == "random":
            fill = mix.random_fill(params["fill_seed"], tf.shape(images), images.dtype, self.value_range)
        elif self.fill == "random_uniform":
            shape = tf.concat([tf.shape(params["holes"])[:2], tf.shape(images)[3:]], 0)
            fill = mix.random_fill(params["fill_seed"], shape, images.dtype, self.value_range)
        else:
            channels = images.shape[-1]
            if isinstance(self.fill, tuple) and channels is not None and len(self.fill) not in (1, channels):
                raise ValueError(
                    f"`fill` has {len(self.fill)} values but the images have {channels} channels."
                )
            fill = tf.constant(self.fill, tf.float32)
        return mix.fill_holes(images, params["holes"], fill)

    def augment_masks(self, masks, params):
        if self.fill_mask is None:
            return masks
        return mix.fill_holes(masks, params["holes"], self.fill_mask)

    def get_config(self) -> dict:
        return {
            **super().get_config(),
            "num_holes_range": self.num_holes_range,
            "hole_height_range": self.hole_height_range,
            "hole_width_range": self.hole_width_range,
            "fill": self.fill,
            "fill_mask": self.fill_mask,
            "value_range": self.value_range,
        }
