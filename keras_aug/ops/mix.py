"""Mixing and erasing ops: MixUp, CutMix, hole filling (random erasing), tfa's cutout and label mixing.

Boxes and holes are integer pixel edges ``(x1, y1, x2, y2)``: the region is ``image[y1:y2, x1:x2]``.
``partner`` is an int ``[B]`` index into the batch (e.g. a permutation): sample ``i`` is mixed with
sample ``partner[i]``. Pixels are copied exactly (CutMix, Cutout) or blended in float32 and rounded back
to the input dtype (MixUp).
"""

from __future__ import annotations

import functools
import numbers

import numpy as np
import tensorflow as tf

from keras_aug.ops import _utils
from keras_aug.ops import random as krandom
from keras_aug.ops.xla import xla_unit
from keras_aug.validation import check_label_smoothing, check_num_classes, check_values, resolve_value_range


def _column(values: tf.Tensor, rank: int) -> tf.Tensor:
    """Reshape ``[B]`` so it broadcasts against a rank-``rank`` tensor."""
    return tf.reshape(values, [-1] + [1] * (rank - 1))


def _check_class_ids(labels: tf.Tensor, num_classes: int) -> tf.Tensor:
    """Refuse class ids outside ``[0, num_classes)`` (``tf.one_hot`` would make all-zero target rows).

    Values known in Python (eager tensors, constants) raise ``ValueError``; in a graph (``tf.data``,
    ``tf.function``) an assertion raises ``InvalidArgumentError`` when the batch runs. Inside an XLA
    program (``jit_compile=True``) assertions are dropped, so such ids give all-zero rows there.
    """
    static = tf.get_static_value(labels)
    if static is not None:
        bad = np.unique(static[(static < 0) | (static >= num_classes)])
        if bad.size:
            raise ValueError(
                f"`labels` must be class ids in [0, num_classes) = [0, {num_classes}), got {bad.tolist()[:8]}."
            )
        return labels
    message = f"`labels` must be class ids in [0, num_classes) = [0, {num_classes})"
    checks = [
        tf.debugging.assert_non_negative(labels, message=message),
        tf.debugging.assert_less(labels, tf.cast(num_classes, labels.dtype), message=message),
    ]
    with tf.control_dependencies(checks):
        return tf.identity(labels)


def prepare_labels(labels, num_classes: int | None = None, label_smoothing: float = 0.0) -> tf.Tensor:
    """Float ``[B, num_classes]`` targets: one-hot for sparse integer labels, then optional smoothing.

    Integer labels (``[B]`` or ``[B, 1]``) need ``num_classes``; float labels (one-hot or soft) pass
    through. Smoothing maps ``y`` to ``y * (1 - label_smoothing) + label_smoothing / num_classes``.

    Example:
    >>> prepare_labels(tf.constant([2, 0]), num_classes=3).numpy().tolist()
    [[0.0, 0.0, 1.0], [1.0, 0.0, 0.0]]
    """
    label_smoothing = check_label_smoothing(label_smoothing)
    num_classes = check_num_classes(num_classes)
    labels = tf.convert_to_tensor(labels)
    if labels.dtype.is_integer:
        if num_classes is None:
            raise ValueError(
                "Sparse integer labels need `num_classes` to become one-hot targets; pass num_classes=... "
                f"(got labels of dtype {labels.dtype.name} and shape {labels.shape})."
            )
        if labels.shape.rank == 2 and labels.shape[-1] == 1:
            labels = labels[:, 0]
        if labels.shape.rank != 1:
            raise ValueError(f"Sparse labels must be [batch] or [batch, 1], got shape {labels.shape}.")
        labels = tf.one_hot(_check_class_ids(labels, num_classes), num_classes, dtype=tf.float32)
    elif not labels.dtype.is_floating:
        raise ValueError(
            f"`labels` must be integer class ids or float targets, got dtype {labels.dtype.name}."
        )
    if labels.shape.rank != 2:
        raise ValueError(f"Float labels must be [batch, num_classes], got shape {labels.shape}.")
    if num_classes is not None and labels.shape[-1] is not None and labels.shape[-1] != num_classes:
        raise ValueError(f"`labels` have {labels.shape[-1]} classes but `num_classes` is {num_classes}.")
    if label_smoothing:
        classes = tf.cast(tf.shape(labels)[-1], labels.dtype)
        labels = labels * (1.0 - label_smoothing) + label_smoothing / classes
    return labels


def mix_labels(labels: tf.Tensor, weight, partner) -> tf.Tensor:
    """``weight * labels + (1 - weight) * labels[partner]`` for float ``[B, K]`` labels and ``[B]`` weights.

    Example:
    >>> labels = tf.constant([[1.0, 0.0], [0.0, 1.0]])
    >>> mix_labels(labels, tf.constant([0.75, 1.0]), tf.constant([1, 0])).numpy().tolist()
    [[0.75, 0.25], [0.0, 1.0]]
    """
    weight = tf.cast(weight, labels.dtype)[:, tf.newaxis]
    return weight * labels + (1.0 - weight) * tf.gather(labels, partner)


def mixup(images, labels, lam, partner) -> tuple[tf.Tensor, tf.Tensor | None]:
    """MixUp (Zhang et al., 2018): ``lam * x + (1 - lam) * x[partner]``, labels mixed with the same ``lam``.

    ``images`` ``[B, H, W, C]`` (any numeric dtype; integers are rounded back), ``labels`` float
    ``[B, K]`` (see :func:`prepare_labels`) or ``None``, ``lam`` float ``[B]``, ``partner`` int ``[B]``.

    Example:
    >>> images = tf.constant([[[[0.0]]], [[[10.0]]]])
    >>> out, _ = mixup(images, None, tf.constant([0.25, 1.0]), tf.constant([1, 0]))
    >>> out[:, 0, 0, 0].numpy().tolist()
    [7.5, 10.0]
    """
    images = _utils.check_images(images)
    lam = tf.convert_to_tensor(check_values(lam, "lam", 0.0, 1.0), tf.float32)
    partner = tf.convert_to_tensor(partner, tf.int32)
    out = _blend_with_partner(images, lam, partner, images.shape.rank)
    return out, None if labels is None else mix_labels(labels, lam, partner)


@functools.partial(xla_unit, relax_shapes=True)
def _blend_with_partner(images, lam, partner, rank: int):
    del rank  # keys the trace (see fill_holes)
    work = _utils.to_compute(images)
    weight = _column(tf.cast(lam, work.dtype), images.shape.rank)
    mixed = weight * work + (1.0 - weight) * tf.gather(work, partner)
    return _utils.from_compute(mixed, images.dtype)


def cutmix_boxes(lam, center_x, center_y, height, width) -> tf.Tensor:
    """CutMix boxes (Yun et al., 2019, ``rand_bbox``): side ``sqrt(1 - lam)`` of the image, clipped.

    ``cut_w = int(width * sqrt(1 - lam))``, box ``[cx - cut_w // 2, cx + cut_w // 2)`` clipped to
    ``[0, width]`` (likewise along y). Returns int32 ``[B, 4]`` ``(x1, y1, x2, y2)``.

    Example:
    >>> cutmix_boxes(tf.constant([0.75]), tf.constant([1]), tf.constant([4]), 8, 8).numpy().tolist()
    [[0, 2, 3, 6]]
    """
    cut = tf.sqrt(tf.maximum(1.0 - tf.convert_to_tensor(lam, tf.float32), 0.0))
    height = tf.cast(height, tf.int32)
    width = tf.cast(width, tf.int32)
    cut_w = tf.cast(tf.floor(tf.cast(width, tf.float32) * cut), tf.int32) // 2
    cut_h = tf.cast(tf.floor(tf.cast(height, tf.float32) * cut), tf.int32) // 2
    cx = tf.cast(center_x, tf.int32)
    cy = tf.cast(center_y, tf.int32)
    return tf.stack(
        [
            tf.clip_by_value(cx - cut_w, 0, width),
            tf.clip_by_value(cy - cut_h, 0, height),
            tf.clip_by_value(cx + cut_w, 0, width),
            tf.clip_by_value(cy + cut_h, 0, height),
        ],
        axis=-1,
    )


def _clip_boxes(boxes, height, width) -> tf.Tensor:
    boxes = tf.convert_to_tensor(boxes)
    if not boxes.dtype.is_integer:
        boxes = tf.round(boxes)
    boxes = tf.cast(boxes, tf.int32)
    x1 = tf.clip_by_value(boxes[..., 0], 0, width)
    y1 = tf.clip_by_value(boxes[..., 1], 0, height)
    x2 = tf.clip_by_value(boxes[..., 2], x1, width)
    y2 = tf.clip_by_value(boxes[..., 3], y1, height)
    return tf.stack([x1, y1, x2, y2], axis=-1)


def box_area_fraction(boxes, height, width) -> tf.Tensor:
    """Fraction of the ``height x width`` image covered by each box after clipping (float32 ``[...]``).

    Example:
    >>> box_area_fraction(tf.constant([[-2, 0, 2, 4]]), 4, 4).numpy().tolist()
    [0.5]
    """
    boxes = _clip_boxes(boxes, height, width)
    area = (boxes[..., 2] - boxes[..., 0]) * (boxes[..., 3] - boxes[..., 1])
    return tf.cast(area, tf.float32) / tf.cast(height * width, tf.float32)


def _box_masks(boxes: tf.Tensor, height, width) -> tuple[tf.Tensor, tf.Tensor]:
    """Row and column membership ``[..., height]`` and ``[..., width]`` of clipped boxes ``[..., 4]``."""
    rows = tf.range(height)
    cols = tf.range(width)
    in_rows = (rows >= boxes[..., 1:2]) & (rows < boxes[..., 3:4])
    in_cols = (cols >= boxes[..., 0:1]) & (cols < boxes[..., 2:3])
    return in_rows, in_cols


def paste_boxes(images, boxes, partner) -> tf.Tensor:
    """Copy ``images[partner[i]]`` into ``images[i]`` inside ``boxes[i]`` (int ``[B, 4]`` ``x1, y1, x2, y2``).

    Works on images ``[B, H, W, C]`` and masks ``[B, H, W]`` or ``[B, H, W, 1]`` of any dtype.

    Example:
    >>> images = tf.reshape(tf.range(8), [2, 2, 2])
    >>> paste_boxes(images, tf.constant([[0, 0, 1, 2], [0, 0, 0, 0]]), tf.constant([1, 0]))[0].numpy().tolist()
    [[4, 1], [6, 3]]
    """
    images = tf.convert_to_tensor(images)
    if images.shape.rank not in (3, 4):
        raise ValueError(f"`images` must be [B, H, W] or [B, H, W, C], got shape {images.shape}.")
    if images.shape.rank == 4:
        _utils.check_channels(images)
    boxes, partner = tf.convert_to_tensor(boxes), tf.convert_to_tensor(partner, tf.int32)
    return _paste(images, boxes, partner, images.shape.rank)


@functools.partial(xla_unit, relax_shapes=True)
def _paste(images, boxes, partner, rank: int):
    del rank  # keys the trace (see fill_holes)
    shape = tf.shape(images)
    boxes = _clip_boxes(boxes, shape[1], shape[2])
    in_rows, in_cols = _box_masks(boxes, shape[1], shape[2])
    inside = in_rows[:, :, tf.newaxis] & in_cols[:, tf.newaxis, :]
    if images.shape.rank == 4:
        inside = inside[..., tf.newaxis]
    return tf.where(inside, tf.gather(images, partner), images)


def cutmix(images, labels, boxes, partner) -> tuple[tf.Tensor, tf.Tensor | None]:
    """CutMix: paste ``images[partner]`` inside ``boxes`` and weight the labels by the pasted area.

    The partner's label weight is the exact fraction of pixels pasted, from the box after clipping.
    ``labels`` float ``[B, K]`` or ``None``; see :func:`cutmix_boxes` for the paper's boxes.

    Example:
    >>> images = tf.reshape(tf.range(8.0), [2, 2, 2, 1])
    >>> labels = tf.constant([[1.0, 0.0], [0.0, 1.0]])
    >>> _, mixed = cutmix(images, labels, tf.constant([[0, 0, 1, 2], [0, 0, 0, 0]]), tf.constant([1, 0]))
    >>> mixed.numpy().tolist()
    [[0.5, 0.5], [0.0, 1.0]]
    """
    images = _utils.check_images(images)
    out = paste_boxes(images, boxes, partner)
    if labels is None:
        return out, None
    shape = tf.shape(images)
    pasted = box_area_fraction(boxes, shape[1], shape[2])
    return out, mix_labels(labels, 1.0 - pasted, tf.convert_to_tensor(partner, tf.int32))


def fill_holes(images, holes, fill_value=0.0) -> tf.Tensor:
    """Fill rectangular holes (albumentations' ``CoarseDropout``); later holes are drawn over earlier ones.

    Args:
        images: ``[B, H, W, C]`` (or masks ``[B, H, W]``), any dtype; the output keeps it.
        holes: int ``[B, N, 4]`` ``(x1, y1, x2, y2)``; empty boxes (``x1 == x2``) are unused slots.
        fill_value: a scalar, a per-channel ``[C]`` value, per-hole colours ``[B, N, C]``, or a full
            ``[B, H, W, C]`` fill image (e.g. noise). Integer images get the value cast to their dtype.

    Example:
    >>> out = fill_holes(tf.ones([1, 3, 3, 1], tf.uint8), tf.constant([[[0, 0, 2, 1]]]), 0)
    >>> out[0, :, :, 0].numpy().tolist()
    [[0, 0, 1], [1, 1, 1], [1, 1, 1]]
    """
    images = tf.convert_to_tensor(images)
    if images.shape.rank not in (3, 4):
        raise ValueError(f"`images` must be [B, H, W, C] or [B, H, W], got shape {images.shape}.")
    if images.shape.rank == 4:
        _utils.check_channels(images)
    holes = tf.convert_to_tensor(holes)
    if holes.shape.rank != 3 or holes.shape[-1] not in (None, 4):
        raise ValueError(f"`holes` must be [batch, num_holes, 4] (x1, y1, x2, y2), got shape {holes.shape}.")
    fill = tf.convert_to_tensor(fill_value)
    # The ranks key the trace: with reduce_retracing, calls with other ranks would relax a shared trace to
    # unknown rank, and the kernel's branches read the ranks.
    return _fill_holes_kernel(images, holes, fill, images.shape.rank, fill.shape.rank)


@functools.partial(xla_unit, relax_shapes=True)
def _fill_holes_kernel(images, holes, fill, image_rank: int, fill_rank: int | None):
    del image_rank, fill_rank  # only part of the trace's key
    shape = tf.shape(images)
    holes = _clip_boxes(holes, shape[1], shape[2])
    in_rows, in_cols = _box_masks(holes, shape[1], shape[2])  # [B, N, H], [B, N, W]
    inside = in_rows[:, :, :, tf.newaxis] & in_cols[:, :, tf.newaxis, :]  # [B, N, H, W]
    channel_axis = [tf.newaxis] if images.shape.rank == 4 else []
    if fill.shape.rank == 3 and images.shape.rank == 4:
        # Per-hole colours: the last hole covering a pixel wins.
        order = tf.range(1, tf.shape(holes)[1] + 1)[tf.newaxis, :, tf.newaxis, tf.newaxis]
        last = tf.reduce_max(tf.where(inside, order, 0), axis=1)  # [B, H, W], 0 = no hole
        colours = tf.concat([tf.zeros_like(fill[:, :1]), fill], axis=1)
        fill = tf.gather(tf.cast(colours, images.dtype), last, batch_dims=1)
        return tf.where((last > 0)[..., tf.newaxis], fill, images)
    covered = tf.reduce_any(inside, axis=1)[(Ellipsis, *channel_axis)]
    return tf.where(covered, _fill_as(fill, images.dtype), images)


def _fill_as(fill: tf.Tensor, dtype: tf.DType) -> tf.Tensor:
    """Cast a fill value to the image dtype (integers are rounded and clipped to the dtype's range)."""
    if fill.dtype == dtype:
        return fill
    return _utils.from_compute(tf.cast(fill, tf.float64 if dtype == tf.float64 else tf.float32), dtype)


# ----------------------------------------------------------------------------------------------
# tensorflow-addons' cutout
# ----------------------------------------------------------------------------------------------


def _mask_size(mask_size) -> tf.Tensor:
    """``mask_size`` as int32 ``[2]`` (height, width) or ``[B, 2]``; even sizes checked when known."""
    mask_size = tf.convert_to_tensor(mask_size)
    if mask_size.dtype.is_floating:
        mask_size = tf.round(mask_size)
    mask_size = tf.cast(mask_size, tf.int32)
    if mask_size.shape.rank == 0:
        mask_size = tf.stack([mask_size, mask_size])
    if mask_size.shape.rank not in (1, 2) or mask_size.shape[-1] not in (None, 2):
        raise ValueError(
            f"`mask_size` must be a scalar, (height, width) or [batch, 2], got {mask_size.shape}."
        )
    static = tf.get_static_value(mask_size)
    if static is not None and ((static % 2 != 0).any() or (static < 0).any()):
        raise ValueError(f"`mask_size` must be even and >= 0 (tfa's rule), got {static.tolist()}.")
    return mask_size


def cutout(images, mask_size, offset=(0, 0), constant_values=0) -> tf.Tensor:
    """Cutout (DeVries & Taylor, 2017) at given centres, like ``tfa.image.cutout``.

    Fills rows ``[cy - h/2, cy + h/2)`` and columns ``[cx - w/2, cx + w/2)`` (clipped to the image) with
    ``constant_values``.

    Args:
        images: ``[B, H, W, C]`` (or one ``[H, W, C]`` image), any dtype; the output keeps it.
        mask_size: even ``h`` (square), ``(h, w)``, or per-sample ``[B, 2]``.
        offset: the centre ``(cy, cx)``, or per-sample centres ``[B, 2]``. The default ``(0, 0)`` puts the
            centre on the top-left corner, so only the ``h/2 x w/2`` quarter inside the image is filled.
            A rectangle entirely outside the image fills nothing (tfa raises).
        constant_values: a scalar or per-channel ``[C]`` value, cast to the images' dtype (integers are
            rounded and clipped to its range; tfa casts).

    Example:
    >>> out = cutout(tf.ones([1, 4, 4, 1], tf.uint8), mask_size=2, offset=(2, 2))
    >>> out[0, :, :, 0].numpy().tolist()
    [[1, 1, 1, 1], [1, 0, 0, 1], [1, 0, 0, 1], [1, 1, 1, 1]]
    """
    images, single = _utils.to_batch(images)
    mask_size = _mask_size(mask_size)
    offset = tf.convert_to_tensor(offset)
    if offset.dtype.is_floating:
        offset = tf.round(offset)
    offset = tf.cast(offset, tf.int32)
    if offset.shape.rank not in (1, 2) or offset.shape[-1] not in (None, 2):
        raise ValueError(f"`offset` must be (y, x) or [batch, 2], got shape {offset.shape}.")
    holes = _cutout_holes(tf.shape(images)[0], mask_size, offset)
    out = fill_holes(images, holes, tf.convert_to_tensor(constant_values))
    return _utils.from_batch(out, single)


def _cutout_holes(batch_size, mask_size, offset) -> tf.Tensor:
    """``[B, 1, 4]`` holes ``(x1, y1, x2, y2)`` of tfa's cutout (``fill_holes`` clips them to the image)."""
    half = tf.broadcast_to(mask_size // 2, [batch_size, 2])
    centre = tf.broadcast_to(offset, [batch_size, 2])
    low, high = centre - half, centre + half
    return tf.stack([low[:, 1], low[:, 0], high[:, 1], high[:, 0]], axis=-1)[:, tf.newaxis]


def _seed_tensor(seed) -> tf.Tensor:
    """``None``: a fresh seed from TF's global generator (``tf.random.set_seed`` applies); an int ``s``:
    ``[s, 0]``; else an integer ``[2]`` tensor as is."""
    if seed is None:
        return tf.random.uniform([2], tf.int32.min, tf.int32.max, dtype=tf.int32)
    if isinstance(seed, numbers.Integral) and not isinstance(seed, bool):
        return tf.constant([int(seed) & 0x7FFFFFFF, 0], tf.int32)
    return tf.convert_to_tensor(seed)


def random_cutout(images, mask_size, constant_values=0, seed=None) -> tf.Tensor:
    """Cutout at a random centre per sample, like ``tfa.image.random_cutout``.

    Each centre is uniform over the positions that keep the whole ``mask_size`` rectangle inside the
    image (``cy`` in ``[h/2, H - h/2)``, independently ``cx``); along an axis where the mask is at
    least as long as the image it is centred (``H // 2``) and covers the whole axis. See :func:`cutout`
    for the other arguments.

    ``seed``: ``None`` draws from TF's global generator (like tfa, a new rectangle every call, set
    by ``tf.random.set_seed``); a Python int or an integer ``[2]`` tensor makes the centres a pure
    function of the seed (the same every call), identical eagerly, under XLA and in ``tf.data``.

    Example:
    >>> out = random_cutout(tf.ones([2, 8, 8, 3]), mask_size=(4, 2), seed=0)
    >>> (out.numpy() == 0).sum(axis=(1, 2, 3)).tolist()
    [24, 24]
    """
    images, single = _utils.to_batch(images)
    mask_size = _mask_size(mask_size)
    shape = tf.shape(images)
    batch_size = shape[0]
    sizes = tf.broadcast_to(mask_size, [batch_size, 2])
    seeds = krandom.split(_seed_tensor(seed), 2)
    centres = []
    for axis in range(2):
        length, half = shape[1 + axis], sizes[:, axis] // 2
        drawn = krandom.uniform_int(seeds[axis], [batch_size], half, length - half)
        centres.append(tf.where(sizes[:, axis] >= length, length // 2, drawn))
    holes = _cutout_holes(batch_size, mask_size, tf.stack(centres, axis=-1))
    out = fill_holes(images, holes, tf.convert_to_tensor(constant_values))
    return _utils.from_batch(out, single)


def random_fill(seed, shape, dtype, value_range=None) -> tf.Tensor:
    """Random fill values of ``shape`` uniform in ``value_range``, integers for integer ``dtype``.

    ``value_range=None`` means the dtype's range for 8/16-bit integers, else ``(0, 255)``. One fused
    XLA unit: evaluated op by op, the counter hash behind the noise is slow.

    Example:
    >>> random_fill(tf.constant([1, 2]), [2, 3], tf.uint8).dtype
    tf.uint8
    """
    dtype = tf.as_dtype(dtype)
    value_range = resolve_value_range(value_range, dtype)  # the package's one value-range rule
    fill = xla_unit(_random_fill, relax_shapes=True, dtype=dtype, value_range=value_range)
    return fill(seed, tf.cast(tf.convert_to_tensor(shape), tf.int32))


def _random_fill(seed, shape, *, dtype, value_range):
    if dtype == tf.uint8 and value_range[0] <= 0 and value_range[1] >= 255:
        # Four random bytes per hash: a third of the work of drawing each channel value on its own.
        words = (shape[-1] + 3) // 4
        bits = krandom.random_bits(seed, tf.concat([shape[:-1], [words]], 0))
        values = tf.bitcast(bits, tf.uint8)
        return tf.reshape(values, tf.concat([shape[:-1], [words * 4]], 0))[..., : shape[-1]]
    if dtype.is_integer:
        low = max(int(value_range[0]), int(dtype.min), -(2**31))
        high = min(int(value_range[1]), int(dtype.max), 2**31 - 2) + 1
        return tf.cast(krandom.uniform_int(seed, shape, low, high), dtype)
    return tf.cast(krandom.uniform(seed, shape, value_range[0], value_range[1]), dtype)
