"""What a layer accepts and returns: images, masks, boxes and labels, checked against each other.

A layer's input is an image tensor (``[B, H, W, C]`` or one ``[H, W, C]`` image), an ``(images,
labels[, sample_weights])`` tuple, or a dict with ``"images"`` and optionally ``"labels"``,
``"segmentation_masks"`` and ``"bounding_boxes"`` (other keys pass through). :func:`unpack` turns any
of them into a dict and gives back a function restoring the caller's structure; :func:`check_batch`
refuses masks, labels and boxes that do not belong to the images; :func:`boxes_to_xyxy` and the
function it returns convert boxes to the ``xyxy`` pixel boxes layers move, and back.
"""

from __future__ import annotations

from collections.abc import Callable

import keras
import numpy as np
import tensorflow as tf

from keras_aug.ops import boxes

IMAGES, LABELS, MASKS, BOXES = "images", "labels", "segmentation_masks", "bounding_boxes"

_HOST_VALUES = (np.ndarray, np.generic, int, float, bool, str, bytes)


def unpack(inputs) -> tuple[dict, Callable[[dict], object]]:
    """Normalize ``inputs`` to a dict with ``"images"``; return it and a function restoring the structure.

    Example:
    >>> data, restore = unpack((tf.zeros([2, 4, 4, 3]), tf.constant([0, 1])))
    >>> sorted(data), type(restore(data)).__name__
    (['images', 'labels'], 'tuple')
    """
    if isinstance(inputs, dict):
        return dict(require_images(inputs)), dict
    if isinstance(inputs, (tuple, list)):
        if len(inputs) not in (2, 3):
            raise ValueError(
                "Tuple inputs must be (images, labels) or (images, labels, sample_weights), got a "
                f"{type(inputs).__name__} of length {len(inputs)}."
            )
        rest = tuple(inputs[2:])  # sample weights pass through untouched
        return {IMAGES: inputs[0], LABELS: inputs[1]}, lambda out: (out[IMAGES], out[LABELS], *rest)
    return {IMAGES: inputs}, lambda out: out[IMAGES]


def require_images(data: dict) -> dict:
    """``data`` itself, or ``ValueError`` naming its keys when it has no ``"images"``.

    Example:
    >>> require_images({"pixels": 1})
    Traceback (most recent call last):
    ...
    ValueError: Dict inputs must contain an 'images' key (the image batch), got keys ['pixels'].
    """
    if IMAGES not in data:
        raise ValueError(
            f"Dict inputs must contain an {IMAGES!r} key (the image batch), got keys {sorted(map(str, data))}."
        )
    return data


def is_data(value) -> bool:
    """True for a tensor or array passed positionally (labels), False for a ``training`` flag.

    Example:
    >>> is_data(np.zeros(3)), is_data(True)
    (True, False)
    """
    if isinstance(value, (bool, type(None))):
        return False
    if isinstance(value, tf.Tensor) and value.dtype == tf.bool and value.shape.rank == 0:
        return False  # a `training` flag given as a tensor
    return isinstance(value, (tf.Tensor, tf.RaggedTensor, np.ndarray, dict)) or keras.ops.is_tensor(value)


def as_tensor(value):
    """NumPy values as tensors (Keras refuses nested inputs that mix NumPy arrays and tensors).

    Example:
    >>> as_tensor(np.zeros(2)).dtype
    tf.float64
    """
    if isinstance(value, (np.ndarray, np.generic)):
        return tf.convert_to_tensor(value)
    return value


def check_backend(layer, inputs) -> None:
    """keras_aug layers are TF ops: on another Keras backend they run in tf.data, never inside a model."""
    backend = keras.backend.backend()
    if backend == "tensorflow":
        return
    for value in keras.tree.flatten(inputs):
        if not (value is None or tf.is_tensor(value) or isinstance(value, _HOST_VALUES)):
            raise ValueError(
                f"{type(layer).__name__} runs TensorFlow ops, so it cannot sit inside a model (or run on "
                f"{type(value).__name__} inputs) with the Keras {backend!r} backend. Apply it in the input "
                "pipeline instead: `dataset.map(layer)` on a tf.data.Dataset (or call it on NumPy arrays / "
                "tf tensors), then `model.fit(dataset)`. Inside models it needs KERAS_BACKEND=tensorflow."
            )


def masks_to_4d(masks, single_image: bool) -> tuple[tf.Tensor, bool]:
    """Masks come as ``[B, H, W]`` or ``[B, H, W, 1]`` (without ``B`` for a single image).

    Returns ``([B, H, W, 1] masks, whether the channel axis was added)``.

    Example:
    >>> masks, squeezed = masks_to_4d(tf.zeros([2, 4, 4], tf.int32), single_image=False)
    >>> masks.shape, squeezed
    (TensorShape([2, 4, 4, 1]), True)
    """
    masks = tf.convert_to_tensor(masks)
    image_rank = 3 if single_image else 4
    if masks.shape.rank not in (image_rank - 1, image_rank):
        raise ValueError(
            f"`segmentation_masks` must have rank {image_rank - 1} or {image_rank} to match the images, "
            f"got shape {masks.shape}."
        )
    squeeze = masks.shape.rank == image_rank - 1
    if squeeze:
        masks = masks[..., tf.newaxis]
    return (masks[tf.newaxis] if single_image else masks), squeeze


def _same_size(key: str, what: str, size, expected, image_shape) -> list:
    """``ValueError`` now if both sizes are static and differ, else a run-time assertion (or nothing)."""
    static, static_expected = tf.get_static_value(size), tf.get_static_value(expected)
    message = f"`{key}` must have the {what} of the images {image_shape}"
    if static is not None and static_expected is not None:
        if int(static) != int(static_expected):
            raise ValueError(f"{message}, got {int(static)} instead of {int(static_expected)}.")
        return []
    return [tf.debugging.assert_equal(size, expected, message=message)]


def check_batch(data: dict, images: tf.Tensor, single: bool) -> tf.Tensor:
    """Refuse masks, labels and boxes that do not belong to ``images`` (batched ``[B, H, W, C]``).

    Masks must have the images' batch size, height and width; labels and boxes their batch size
    (``single``: one image, whose masks/labels/boxes have no batch axis). Static sizes are checked now
    (``ValueError`` naming the key), unknown ones when the graph runs. Returns ``images`` (carrying the
    run-time checks, if any).

    Example:
    >>> check_batch({"labels": tf.constant([0, 1, 2])}, tf.zeros([2, 4, 4, 1]), single=False)
    Traceback (most recent call last):
    ...
    ValueError: `labels` must have the batch size of the images (2, 4, 4, 1), got 3 instead of 2.
    """
    shape = tf.shape(images)
    shown = tuple(images.shape.as_list()[1:] if single else images.shape.as_list())
    batch_axis = 0 if single else 1  # where the masks' height axis is
    checks = []
    if MASKS in data and tf.is_tensor(data[MASKS]):
        masks = data[MASKS]
        mask_shape = tf.shape(masks)
        if not single and masks.shape.rank:
            checks += _same_size(MASKS, "batch size", mask_shape[0], shape[0], shown)
        if masks.shape.rank is not None and masks.shape.rank >= batch_axis + 2:
            checks += _same_size(MASKS, "height", mask_shape[batch_axis], shape[1], shown)
            checks += _same_size(MASKS, "width", mask_shape[batch_axis + 1], shape[2], shown)
    if not single:
        if LABELS in data and tf.is_tensor(data[LABELS]) and data[LABELS].shape.rank:
            checks += _same_size(LABELS, "batch size", _rows(data[LABELS]), shape[0], shown)
        if BOXES in data and isinstance(data[BOXES], dict):
            for part in ("boxes", "labels"):
                value = data[BOXES].get(part)
                if value is not None and tf.is_tensor(value) and value.shape.rank:
                    checks += _same_size(f"{BOXES}['{part}']", "batch size", _rows(value), shape[0], shown)
    if not checks:
        return images
    with tf.control_dependencies(checks):
        return tf.identity(images)


def _rows(value) -> tf.Tensor:
    if isinstance(value, tf.RaggedTensor):
        return value.nrows()
    return tf.shape(value)[0]


def boxes_to_xyxy(
    box_data, bounding_box_format: str | None, height, width, single: bool
) -> tuple[tf.Tensor, tf.Tensor, Callable]:
    """``bounding_boxes`` as ``xyxy`` float32 pixel boxes ``[B, N, 4]`` (padding rows ``-1``) and labels.

    ``box_data`` is ``{"boxes": [B, N, 4], "labels": [B, N]}`` (dense padded with ``-1``, or ragged) in
    ``bounding_box_format``; integer and other float boxes are accepted (computed in float32).
    Returns ``(xyxy, labels, restore)``; ``restore(moved, labels)`` converts moved ``xyxy`` boxes back
    to the caller's format, dtype (integers rounded to nearest), raggedness and rank, keeping rows
    marked ``-1`` as ``-1``; relative formats use ``(out_height, out_width)`` when given (the output's
    size, for layers that crop or resize), else the input's.

    Example:
    >>> data = {"boxes": tf.constant([[[1, 2, 3, 4]]]), "labels": tf.constant([[7]])}
    >>> xyxy, labels, restore = boxes_to_xyxy(data, "xyxy", 8, 8, single=False)
    >>> xyxy.dtype, restore(xyxy + 1.0, labels)["boxes"].numpy().tolist()
    (tf.float32, [[[2, 3, 4, 5]]])
    """
    if bounding_box_format is None:
        raise ValueError(
            "Inputs contain 'bounding_boxes' but `bounding_box_format` was not set; pass e.g. "
            "bounding_box_format='xyxy' to the layer."
        )
    if not isinstance(box_data, dict) or "boxes" not in box_data or "labels" not in box_data:
        raise ValueError("`bounding_boxes` must be a dict with 'boxes' [B, N, 4] and 'labels' [B, N].")
    raw, labels = box_data["boxes"], box_data["labels"]
    ragged = isinstance(raw, tf.RaggedTensor)
    if ragged:
        row_lengths = raw.row_lengths()
        raw, labels = raw.to_tensor(default_value=-1), labels.to_tensor(default_value=-1)
    raw = tf.convert_to_tensor(raw)
    if not (raw.dtype.is_floating or raw.dtype.is_integer) or raw.dtype == tf.bool:
        raise ValueError(f"`bounding_boxes['boxes']` must be numeric, got {raw.dtype.name}.")
    dtype = raw.dtype
    raw = tf.cast(raw, tf.float32)
    labels = tf.convert_to_tensor(labels)
    if single:
        raw, labels = raw[tf.newaxis], labels[tf.newaxis]
    padded = tf.reduce_all(raw == -1.0, axis=-1, keepdims=True)
    xyxy = boxes.convert_format(raw, bounding_box_format, "xyxy", height, width)
    xyxy = tf.where(padded, -tf.ones_like(xyxy), xyxy)

    def restore(moved: tf.Tensor, new_labels: tf.Tensor, out_height=None, out_width=None) -> dict:
        kept = tf.reduce_any(moved != -1.0, axis=-1, keepdims=True)
        out_height = height if out_height is None else out_height
        out_width = width if out_width is None else out_width
        converted = boxes.convert_format(moved, "xyxy", bounding_box_format, out_height, out_width)
        out_boxes = tf.where(kept, converted, -tf.ones_like(converted))
        if dtype.is_integer:
            out_boxes = tf.round(out_boxes)
        out_boxes = tf.cast(out_boxes, dtype)
        if single:
            out_boxes, new_labels = out_boxes[0], new_labels[0]
        if ragged:
            out_boxes = tf.RaggedTensor.from_tensor(out_boxes, lengths=row_lengths)
            new_labels = tf.RaggedTensor.from_tensor(new_labels, lengths=row_lengths)
        return {**box_data, "boxes": out_boxes, "labels": new_labels}

    return xyxy, labels, restore


def to_batch(images) -> tuple[tf.Tensor, bool]:
    """``(images [B, H, W, C], whether a single [H, W, C] image was given)``; refuses other ranks.

    Example:
    >>> images, single = to_batch(tf.zeros([4, 4, 3]))
    >>> images.shape, single
    (TensorShape([1, 4, 4, 3]), True)
    """
    images = tf.convert_to_tensor(images)
    if images.shape.rank not in (3, 4):
        raise ValueError(
            "`images` must be a rank-3 [height, width, channels] or rank-4 "
            f"[batch, height, width, channels] tensor, got shape {images.shape}."
        )
    if not (images.dtype.is_floating or images.dtype.is_integer) or images.dtype == tf.bool:
        raise ValueError(f"`images` must have a numeric dtype, got {images.dtype.name}.")
    if images.shape.rank == 3:
        return images[tf.newaxis], True
    return images, False


def from_batch(images: tf.Tensor, single: bool) -> tf.Tensor:
    """Undo :func:`to_batch`.

    Example:
    >>> from_batch(tf.zeros([1, 4, 4, 3]), single=True).shape
    TensorShape([4, 4, 3])
    """
    return images[0] if single else images
