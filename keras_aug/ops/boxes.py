"""Bounding boxes: format conversion and moving boxes by the same matrices that warp the images.

Boxes use pixel-edge coordinates: the box ``(x1, y1, x2, y2) = (30, 20, 70, 60)`` covers
``image[20:60, 30:70]``. Padded entries are ``-1`` (all four coordinates), with label ``-1``.
"""

from __future__ import annotations

import tensorflow as tf

from keras_aug.ops import _utils

FORMATS = ("xyxy", "rel_xyxy", "xywh", "rel_xywh", "center_xywh", "yxyx", "rel_yxyx")


def _size(height, width) -> tuple[tf.Tensor, tf.Tensor]:
    if height is None or width is None:
        raise ValueError("Relative box formats need `height` and `width` of the images.")
    return tf.cast(height, tf.float32), tf.cast(width, tf.float32)


def _to_xyxy(boxes: tf.Tensor, source: str, height, width) -> tf.Tensor:
    a, b, c, d = tf.unstack(boxes, axis=-1)
    if source.startswith("rel_"):
        h, w = _size(height, width)
        if source == "rel_yxyx":
            a, b, c, d = a * h, b * w, c * h, d * w
        else:
            a, b, c, d = a * w, b * h, c * w, d * h
        source = source[4:]
    if source == "xyxy":
        return tf.stack([a, b, c, d], axis=-1)
    if source == "yxyx":
        return tf.stack([b, a, d, c], axis=-1)
    if source == "xywh":
        return tf.stack([a, b, a + c, b + d], axis=-1)
    return tf.stack([a - c / 2, b - d / 2, a + c / 2, b + d / 2], axis=-1)  # center_xywh


def _from_xyxy(boxes: tf.Tensor, target: str, height, width) -> tf.Tensor:
    x1, y1, x2, y2 = tf.unstack(boxes, axis=-1)
    relative = target.startswith("rel_")
    base = target[4:] if relative else target
    if base == "xyxy":
        out = [x1, y1, x2, y2]
    elif base == "yxyx":
        out = [y1, x1, y2, x2]
    elif base == "xywh":
        out = [x1, y1, x2 - x1, y2 - y1]
    else:
        out = [(x1 + x2) / 2, (y1 + y2) / 2, x2 - x1, y2 - y1]
    if relative:
        h, w = _size(height, width)
        out = (
            [out[0] / h, out[1] / w, out[2] / h, out[3] / w]
            if base == "yxyx"
            else [out[0] / w, out[1] / h, out[2] / w, out[3] / h]
        )
    return tf.stack(out, axis=-1)


def convert_format(boxes, source: str, target: str, height=None, width=None) -> tf.Tensor:
    """Convert ``[..., 4]`` boxes between ``xyxy``, ``rel_xyxy``, ``xywh``, ``rel_xywh``, ``center_xywh``,
    ``yxyx`` and ``rel_yxyx`` (relative formats need the image ``height`` and ``width``).

    Example:
    >>> convert_format([[10.0, 20.0, 30.0, 40.0]], "xywh", "xyxy").numpy().tolist()
    [[10.0, 20.0, 40.0, 60.0]]
    """
    source = _utils.check_choice("source", source, FORMATS)
    target = _utils.check_choice("target", target, FORMATS)
    boxes = tf.convert_to_tensor(boxes, tf.float32)
    if boxes.shape.rank is None or boxes.shape[-1] != 4:
        raise ValueError(f"`boxes` must have a last axis of size 4, got shape {boxes.shape}.")
    if source == target:
        return boxes
    return _from_xyxy(_to_xyxy(boxes, source, height, width), target, height, width)


def transform_boxes(boxes, matrices) -> tf.Tensor:
    """Move ``xyxy`` boxes ``[B, N, 4]`` by the image warp of output→input ``matrices`` ``[B, 3, 3]``.

    Each corner goes through the inverse map with the half-pixel shift between edge and centre
    coordinates, ``u_out = A⁻¹ (u_in − ½) + ½``; the result is the axis-aligned box enclosing the four
    moved corners (for a rotation, larger than the object). Not clipped.

    Example:
    >>> import keras_aug
    >>> m = keras_aug.ops.translation_matrix([5.0], [0.0])
    >>> transform_boxes([[[0.0, 0.0, 10.0, 10.0]]], m).numpy().tolist()
    [[[5.0, 0.0, 15.0, 10.0]]]
    """
    boxes = tf.convert_to_tensor(boxes, tf.float32)
    forward = tf.linalg.inv(tf.convert_to_tensor(matrices, tf.float32))
    x1, y1, x2, y2 = tf.unstack(boxes, axis=-1)
    xs = tf.stack([x1, x2, x2, x1], axis=-1) - 0.5  # [B, N, 4 corners]
    ys = tf.stack([y1, y1, y2, y2], axis=-1) - 0.5
    f = forward[:, tf.newaxis, tf.newaxis, :, :]
    denominator = f[..., 2, 0] * xs + f[..., 2, 1] * ys + f[..., 2, 2]
    new_x = (f[..., 0, 0] * xs + f[..., 0, 1] * ys + f[..., 0, 2]) / denominator + 0.5
    new_y = (f[..., 1, 0] * xs + f[..., 1, 1] * ys + f[..., 1, 2]) / denominator + 0.5
    return tf.stack(
        [
            tf.reduce_min(new_x, axis=-1),
            tf.reduce_min(new_y, axis=-1),
            tf.reduce_max(new_x, axis=-1),
            tf.reduce_max(new_y, axis=-1),
        ],
        axis=-1,
    )


def clip_boxes(boxes, height, width) -> tf.Tensor:
    """Clip ``xyxy`` boxes to the image ``[0, width] x [0, height]``.

    Example:
    >>> clip_boxes([[-5.0, 2.0, 50.0, 8.0]], 10, 20).numpy().tolist()
    [[0.0, 2.0, 20.0, 8.0]]
    """
    boxes = tf.convert_to_tensor(boxes, tf.float32)
    h, w = tf.cast(height, tf.float32), tf.cast(width, tf.float32)
    upper = tf.stack([w, h, w, h])
    return tf.minimum(tf.maximum(boxes, 0.0), upper)


def box_area(boxes) -> tf.Tensor:
    """Area of ``xyxy`` boxes (0 for empty or inverted boxes).

    Example:
    >>> box_area([[0.0, 0.0, 4.0, 5.0]]).numpy().tolist()
    [20.0]
    """
    boxes = tf.convert_to_tensor(boxes, tf.float32)
    return tf.maximum(boxes[..., 2] - boxes[..., 0], 0.0) * tf.maximum(boxes[..., 3] - boxes[..., 1], 0.0)


def move_boxes(
    boxes, labels, matrices, height, width, min_visibility: float = 0.0, min_area: float = 0.0
) -> tuple[tf.Tensor, tf.Tensor]:
    """Transform, clip and filter padded ``xyxy`` boxes; dropped and padded entries become ``-1``.

    A box is kept when its clipped area is at least ``min_area`` pixels, at least ``min_visibility``
    of its transformed (unclipped) area, and not zero.

    Example:
    >>> import keras_aug
    >>> m = keras_aug.ops.translation_matrix([15.0], [0.0])
    >>> b, l = move_boxes([[[0.0, 0.0, 10.0, 10.0]]], [[3]], m, 20, 20, min_visibility=0.6)
    >>> l.numpy().tolist()
    [[-1]]
    """
    boxes = tf.convert_to_tensor(boxes, tf.float32)
    labels = tf.convert_to_tensor(labels)
    present = tf.reduce_any(boxes != -1.0, axis=-1) & (labels != -1)
    moved = transform_boxes(boxes, matrices)
    clipped = clip_boxes(moved, height, width)
    visible = box_area(clipped)
    keep = present & (visible > 0.0) & (visible >= min_area)
    keep &= visible >= min_visibility * box_area(moved)
    out_boxes = tf.where(keep[..., tf.newaxis], clipped, -tf.ones_like(clipped))
    return out_boxes, tf.where(keep, labels, -tf.ones_like(labels))
