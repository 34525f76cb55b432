"""Colour-space ops with ``torchvision.transforms.v2.functional``'s names and semantics, batched.

:func:`rgb_to_grayscale`, :func:`adjust_brightness`, :func:`adjust_contrast`, :func:`adjust_saturation`
and :func:`adjust_hue` follow torchvision (which follows PIL's ``ImageEnhance``); :func:`color_jitter`
is Keras 3's ``RandomColorJitter`` chain in one pass. Images are ``[B, H, W, C]`` (or one ``[H, W, C]``
image) of any numeric dtype, with ``C`` 3 (RGB) or 1 (gray; see each op); every factor is a Python
number, a scalar tensor or one value per sample ``[B]``. Python/NumPy factors are checked (finite, in
the op's range; ``ValueError`` naming the argument); tensors are used as they are.

Arithmetic runs in float32 (float64 for float64 input) inside one XLA unit per op; results are
clipped to ``value_range`` and returned in the input dtype, integers rounded to nearest (half to even).
torchvision and PIL instead truncate the final blend of integer images (and PIL rounds the gray image
and the contrast mean to integers first), so uint8 results may differ from theirs by one level; with
factors in [0, 2] never by more. ``value_range=None`` is the package's rule
(:func:`keras_aug.validation.resolve_value_range`): the dtype's range for 8/16-bit integers, ``(0, 255)``
for floats; pass ``(0, 1)`` for floats in [0, 1] (torchvision's float convention). Gray is ITU-R 601-2
luma, ``0.299 R + 0.587 G + 0.114 B`` (PIL's ``convert("L")``; torchvision uses 0.2989 for R).
Neutral factors (brightness, contrast and saturation 1, hue 0) return values within ``value_range``
unchanged, bit for bit.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence

import tensorflow as tf

from keras_aug.ops import color
from keras_aug.ops._utils import compute_dtype, from_batch, from_compute, to_batch, to_compute
from keras_aug.ops.xla import reduce_pixels, xla_unit
from keras_aug.validation import check_values, resolve_value_range

ValueRange = Sequence[float]
LUMA_WEIGHTS = (0.299, 0.587, 0.114)


def _per_sample(values, images: tf.Tensor, name: str) -> tf.Tensor:
    """A scalar or ``[B]`` factor as ``[B, 1, 1, 1]`` in the images' compute dtype."""
    values = tf.cast(tf.convert_to_tensor(values), compute_dtype(images.dtype))
    if values.shape.rank not in (None, 0, 1):
        raise ValueError(f"`{name}` must be a scalar or a [batch] vector, got shape {values.shape}.")
    return tf.reshape(tf.broadcast_to(values, tf.shape(images)[:1]), [-1, 1, 1, 1])


def _channels(images: tf.Tensor, allowed=(1, 3)) -> int:
    """The static channel count (3 when unknown), refused unless in ``allowed``."""
    channels = images.shape[-1]
    if channels is None:
        return 3
    if channels not in allowed:
        raise ValueError(
            f"`images` must have {' or '.join(map(str, allowed))} channels (RGB or gray), got shape {images.shape}."
        )
    return channels


# -- kernels on float images --------------------------------------------------------------------------


def luma(x: tf.Tensor, rgb: bool = True) -> tf.Tensor:
    """ITU-R 601-2 luma ``[..., 1]`` of float RGB ``x`` ``[..., 3]``; a gray ``x`` ``[..., 1]`` is its own luma.

    Example:
    >>> luma(tf.constant([[100.0, 200.0, 50.0]])).numpy().round(3).tolist()
    [[153.0]]
    """
    if not rgb:
        return x
    return luma_of_planes([x[..., 0:1], x[..., 1:2], x[..., 2:3]])


def luma_of_planes(planes: list) -> tf.Tensor:
    """ITU-R 601-2 luma of ``[r, g, b]`` float planes.

    Example:
    >>> float(luma_of_planes([tf.constant(100.0), tf.constant(200.0), tf.constant(50.0)]))
    153.0
    """
    r, g, b = planes
    return LUMA_WEIGHTS[0] * r + LUMA_WEIGHTS[1] * g + LUMA_WEIGHTS[2] * b


def _blend(x: tf.Tensor, other: tf.Tensor, factor: tf.Tensor, low: float, high: float) -> tf.Tensor:
    """``clip(factor * x + (1 - factor) * other)``: exactly ``x`` for ``factor = 1``."""
    return tf.clip_by_value(factor * x + (1.0 - factor) * other, low, high)


def rotate_hue(x: tf.Tensor, hue: tf.Tensor, low: float, high: float) -> tf.Tensor:
    """Rotate the HSV hue of float RGB ``x`` ``[B, H, W, 3]`` by ``hue`` turns (``[B, 1, 1, 1]``).

    Value (max) and chroma (max - min) are kept; with ``h`` the new hue in [0, 1) each channel is
    ``max - chroma * clip(min(k, 4 - k), 0, 1)`` with ``k = (n + 6 h) mod 6`` and ``n`` 5, 3, 1 for R, G, B
    (the closed form of HSV to RGB, equal to torchvision's sector table). ``hue = 0`` returns ``x``.

    Example:
    >>> red = tf.constant([[[[1.0, 0.0, 0.0]]]])
    >>> rotate_hue(red, tf.constant([[[[1 / 3]]]]), 0.0, 1.0).numpy().round(6).ravel().tolist()
    [0.0, 1.0, 0.0]
    """
    planes = [x[..., i : i + 1] for i in range(3)]
    return tf.where(tf.equal(hue, 0), x, _rotate_hue_planes(planes, tf.cast(hue, x.dtype), low, high))


def _rotate_hue_planes(planes: list, hue: tf.Tensor, low: float, high: float) -> tf.Tensor:
    """:func:`rotate_hue` of ``[r, g, b]`` planes ``[B, H, W, 1]`` as ``[B, H, W, 3]`` (no ``hue = 0`` select).

    The rotation commutes with shifting (and scaling) the values, so it works on ``x - low`` directly.
    Wrapping uses floor and selects: XLA on CPU makes ``floormod`` a scalar library call per element.
    The last step is vectorized over the channel axis (faster under XLA on CPU than three planes).
    """
    r, g, b = (plane - low for plane in planes)
    top = tf.maximum(tf.maximum(r, g), b)
    chroma = top - tf.minimum(tf.minimum(r, g), b)
    # Each select yields a whole sector value (base and offset together): XLA on CPU may recompute
    # r, g, b in several fusions with different rounding, so a predicate evaluated twice can disagree
    # with itself near ties; next to a tie the two sectors' values agree, so one select per value is safe.
    inverse = 1.0 / tf.where(chroma > 0, chroma, tf.ones_like(chroma))
    sector = tf.where(
        (r >= g) & (r >= b),
        (g - b) * inverse,
        tf.where(g >= b, 2.0 + (b - r) * inverse, 4.0 + (r - g) * inverse),
    )
    six_h = sector + 6.0 * hue
    six_h = six_h - 6.0 * tf.floor(six_h * (1.0 / 6.0))
    k = tf.constant([5.0, 3.0, 1.0], top.dtype) + six_h
    k = tf.where(k >= 6.0, k - 6.0, k)
    rotated = top - chroma * tf.clip_by_value(tf.minimum(k, 4.0 - k), 0.0, 1.0)
    return tf.clip_by_value(low + rotated, low, high)


# -- XLA units (``rgb`` is static: a relaxed retrace may not know the channel count) ------------------


@functools.partial(xla_unit, relax_shapes=True)
def _grayscale_unit(images, channels: int):
    gray = luma(to_compute(images))
    return from_compute(tf.tile(gray, [1, 1, 1, channels]) if channels > 1 else gray, images.dtype)


@functools.partial(xla_unit, relax_shapes=True)
def _gray_mean_unit(images, rgb: bool):
    return reduce_pixels(luma(to_compute(images), rgb), "mean", channels=True)


@functools.partial(xla_unit, relax_shapes=True)
def _saturation_unit(images, factor, low: float, high: float):
    x = to_compute(images)
    return from_compute(_blend(x, luma(x), factor, low, high), images.dtype)


@functools.partial(xla_unit, relax_shapes=True)
def _hue_unit(images, hue, low: float, high: float):
    return from_compute(rotate_hue(to_compute(images), hue, low, high), images.dtype)


@functools.partial(xla_unit, relax_shapes=True)
def _jitter_unit(images, delta, contrast, saturation, hue, low: float, high: float, stages: tuple, rgb: bool):
    # Channel planes carried separately: slicing channels out of a fused stage makes XLA recompute
    # the stages before it once per slice, and the chain multiplies that.
    x = to_compute(images)
    mixes_channels = rgb and ("saturation" in stages or "hue" in stages)
    planes = [x[..., i : i + 1] for i in range(3)] if mixes_channels else [x]
    if "brightness" in stages:
        planes = [tf.clip_by_value(p + delta, low, high) for p in planes]
    if "contrast" in stages:
        planes = [_blend(p, reduce_pixels(p, "mean"), contrast, low, high) for p in planes]
    if "saturation" in stages and mixes_channels:
        gray = luma_of_planes(planes)
        planes = [_blend(p, gray, saturation, low, high) for p in planes]
    x = tf.concat(planes, axis=-1) if mixes_channels else planes[0]
    if "hue" in stages and mixes_channels:
        x = tf.where(tf.equal(hue, 0), x, _rotate_hue_planes(planes, hue, low, high))
    return from_compute(x, images.dtype)


# -- public ops --------------------------------------------------------------------------------------


def rgb_to_grayscale(images, num_output_channels: int = 1) -> tf.Tensor:
    """``torchvision.transforms.v2.functional.rgb_to_grayscale``: ITU-R 601-2 luma, rounded for integers.

    ``L = 0.299 R + 0.587 G + 0.114 B`` (PIL's ``convert("L")``, within one level of it for uint8);
    ``num_output_channels`` 1 or 3 (the gray repeated). Gray input (1 channel) passes through (repeated
    for 3 outputs). The dtype is kept.

    Example:
    >>> rgb_to_grayscale(tf.constant([[[[100, 200, 50]]]], tf.uint8)).numpy().ravel().tolist()
    [153]
    """
    images, single = to_batch(images)
    if num_output_channels not in (1, 3) or isinstance(num_output_channels, bool):
        raise ValueError(f"`num_output_channels` must be 1 or 3, got {num_output_channels!r}.")
    if _channels(images) == 1:
        out = tf.tile(images, [1, 1, 1, num_output_channels]) if num_output_channels == 3 else images
        return from_batch(out, single)
    return from_batch(_grayscale_unit(images, channels=num_output_channels), single)


def adjust_brightness(images, brightness_factor, value_range: ValueRange | None = None) -> tf.Tensor:
    """``torchvision...adjust_brightness``: multiply by ``brightness_factor`` (>= 0, per sample), clip.

    ``out = clip(low + f * (x - low), low, high)``; with ``value_range`` starting at 0 (the default for
    uint8 and floats) that is torchvision's ``clip(f * x)`` and PIL's ``ImageEnhance.Brightness``.
    0 gives a black image, 1 the original. Any channel count.

    Example:
    >>> adjust_brightness(tf.constant([[[[100, 200]]]], tf.uint8), 1.5).numpy().ravel().tolist()
    [150, 255]
    """
    images, single = to_batch(images)
    low, high = resolve_value_range(value_range, images.dtype)
    factor = _per_sample(
        check_values(brightness_factor, "brightness_factor", 0.0), images, "brightness_factor"
    )
    factor = factor[:, 0, 0, 0]
    offset = 0.0 if low == 0 else low * (1.0 - factor)
    return from_batch(color.brightness_contrast(images, factor, offset, (low, high)), single)


def adjust_contrast(images, contrast_factor, value_range: ValueRange | None = None) -> tf.Tensor:
    """``torchvision...adjust_contrast``: blend each image with the mean of its own gray image.

    ``out = clip(f * x + (1 - f) * mean(gray(x)))`` with one mean per sample (over all pixels of the
    luma image; a gray input is its own luma). ``contrast_factor`` (>= 0, per sample): 0 gives a uniform
    gray image, 1 the original. PIL's ``ImageEnhance.Contrast`` rounds the mean to an integer first.

    Example:
    >>> x = tf.constant([[[[0, 0, 0], [200, 200, 200]]]], tf.uint8)
    >>> adjust_contrast(x, 0.5).numpy().ravel().tolist()
    [50, 50, 50, 150, 150, 150]
    """
    images, single = to_batch(images)
    rgb = _channels(images) == 3
    low, high = resolve_value_range(value_range, images.dtype)
    factor = _per_sample(check_values(contrast_factor, "contrast_factor", 0.0), images, "contrast_factor")
    factor = factor[:, 0, 0, 0]
    mean = tf.cast(_gray_mean_unit(images, rgb=rgb), factor.dtype)[:, 0, 0, 0]
    return from_batch(color.brightness_contrast(images, factor, (1.0 - factor) * mean, (low, high)), single)


def adjust_saturation(images, saturation_factor, value_range: ValueRange | None = None) -> tf.Tensor:
    """``torchvision...adjust_saturation``: blend each pixel with its gray value (PIL's ``ImageEnhance.Color``).

    ``out = clip(f * x + (1 - f) * gray(x))``; ``saturation_factor`` (>= 0, per sample): 0 gives the
    gray image (in 3 channels), 1 the original, 2 doubles the saturation. Gray (1-channel) images come
    back unchanged.

    Example:
    >>> adjust_saturation(tf.constant([[[[100, 200, 50]]]], tf.uint8), 0.0).numpy().ravel().tolist()
    [153, 153, 153]
    """
    images, single = to_batch(images)
    factor = _per_sample(
        check_values(saturation_factor, "saturation_factor", 0.0), images, "saturation_factor"
    )
    if _channels(images) == 1:
        return from_batch(images, single)
    low, high = resolve_value_range(value_range, images.dtype)
    return from_batch(_saturation_unit(images, factor, low=low, high=high), single)


def adjust_hue(images, hue_factor, value_range: ValueRange | None = None) -> tf.Tensor:
    """``torchvision...adjust_hue``: rotate the HSV hue by ``hue_factor`` turns, in [-0.5, 0.5] per sample.

    The image is mapped to [0, 1] by ``value_range``, its hue shifted (``h -> (h + hue_factor) mod 1``)
    with saturation and value kept, and mapped back. 0.5 (or -0.5) gives the complementary colours.
    Gray (1-channel) images come back unchanged.

    Example:
    >>> adjust_hue(tf.constant([[[[255, 0, 0]]]], tf.uint8), 1 / 3).numpy().ravel().tolist()
    [0, 255, 0]
    """
    images, single = to_batch(images)
    hue = _per_sample(check_values(hue_factor, "hue_factor", -0.5, 0.5), images, "hue_factor")
    if _channels(images) == 1:
        return from_batch(images, single)
    low, high = resolve_value_range(value_range, images.dtype)
    return from_batch(_hue_unit(images, hue, low=low, high=high), single)


def color_jitter(
    images,
    brightness_delta=None,
    contrast_factor=None,
    saturation_factor=None,
    hue_factor=None,
    value_range: ValueRange | None = None,
) -> tf.Tensor:
    """Keras 3's ``RandomColorJitter`` chain in one XLA pass, in its order: brightness, contrast,
    saturation, hue (each skipped when ``None``; each clipped to ``value_range``).

    - brightness: ``x + brightness_delta`` (in the images' units, as :func:`keras_aug.ops.brightness`
      and Keras' ``RandomBrightness``);
    - contrast: ``(x - mean) * contrast_factor + mean`` with each channel's own mean (as
      :func:`keras_aug.ops.contrast` and Keras' ``RandomContrast``; not torchvision's gray mean);
    - saturation: :func:`adjust_saturation`; hue: :func:`adjust_hue` (both skipped for gray images).

    Every factor is a scalar or ``[B]``; neutral values are 0, 1, 1 and 0.

    Example:
    >>> x = tf.constant([[[[100, 200, 50]]]], tf.uint8)
    >>> color_jitter(x, brightness_delta=10.0, saturation_factor=0.0).numpy().ravel().tolist()
    [163, 163, 163]
    """
    images, single = to_batch(images)
    rgb = _channels(images) == 3
    low, high = resolve_value_range(value_range, images.dtype)
    given = {
        "brightness": (brightness_delta, "brightness_delta", None),
        "contrast": (contrast_factor, "contrast_factor", 0.0),
        "saturation": (saturation_factor, "saturation_factor", 0.0),
        "hue": (hue_factor, "hue_factor", -0.5),
    }
    stages, factors = [], []
    for stage, (value, name, minimum) in given.items():
        if value is None:
            factors.append(tf.zeros([], compute_dtype(images.dtype)))
            continue
        bounds = () if minimum is None else (minimum, 0.5) if stage == "hue" else (minimum,)
        factors.append(_per_sample(check_values(value, name, *bounds), images, name))
        stages.append(stage)
    if not stages:
        return from_batch(images, single)
    out = _jitter_unit(images, *factors, low=low, high=high, stages=tuple(stages), rgb=rgb)
    return from_batch(out, single)
