"""Layers whose output size differs from the input's: crops, resizes, and a fixed number of boxes.

``CenterCrop``, ``RandomCrop``, ``Resizing`` and ``RandomResizedCrop`` read one window per sample, an
axis-aligned output→input matrix (:func:`keras_aug.ops.crop_matrix`) resampled to ``(height, width)`` by
:func:`keras_aug.ops.resample_window`; masks (nearest) and boxes (moved, clipped to the output, dropped by
``min_visibility`` / ``min_area``) follow the same matrix. Their output has ``(height, width)`` pixels also
at inference, so, like Keras' ``CenterCrop`` and ``Resizing``, they run with ``training=False`` too: every
sample then gets the layer's deterministic window (its ``neutral_params``), which is also what the
samples that ``p`` does not pick get.
"""

from __future__ import annotations

import math

import keras
import tensorflow as tf

from keras_aug.layers.geometric import BaseGeometric
from keras_aug.layers.inputs import BOXES, IMAGES
from keras_aug.ops import boxes, geometry
from keras_aug.ops import random as krandom
from keras_aug.validation import check_bool, check_choice, check_number, check_range

#: What Keras' ``Resizing`` accepts for ``interpolation`` besides these: refused by name.
RESIZE_INTERPOLATIONS = ("bilinear", "nearest")


def aspect_window(height, width, target_height: int, target_width: int):
    """The largest centred window of ``height x width`` with the target's aspect ratio, as
    ``(top, left, window_height, window_width)`` float32 scalars: Keras' ``crop_to_aspect_ratio`` and
    ``smart_resize`` (truncating divisions, at least one pixel).

    Example:
    >>> [int(v) for v in aspect_window(10, 20, 4, 4)]
    [0, 5, 10, 10]
    """
    h, w = tf.cast(height, tf.float32), tf.cast(width, tf.float32)
    crop_h = tf.clip_by_value(tf.floor(w * target_height / target_width), 1.0, tf.maximum(h, 1.0))
    crop_w = tf.clip_by_value(tf.floor(h * target_width / target_height), 1.0, tf.maximum(w, 1.0))
    return tf.floor((h - crop_h) / 2.0), tf.floor((w - crop_w) / 2.0), crop_h, crop_w


def padded_window(height, width, target_height: int, target_width: int):
    """Keras' ``pad_to_aspect_ratio`` window: the image with ``fill_value`` rows (or columns) on both sides,
    as many on each as Keras adds (``int((padded - size) / 2)``), as ``(top, left, height, width)``.

    Example:
    >>> [int(v) for v in padded_window(10, 20, 4, 4)]
    [-5, 0, 20, 20]
    """
    h, w = tf.cast(height, tf.float32), tf.cast(width, tf.float32)
    pad_h = tf.maximum(h, tf.floor(w * target_height / target_width))
    pad_w = tf.maximum(w, tf.floor(h * target_width / target_height))
    top, left = tf.floor((pad_h - h) / 2.0), tf.floor((pad_w - w) / 2.0)
    return -top, -left, h + 2.0 * top, w + 2.0 * left


class BaseResize(BaseGeometric):
    """A layer that reads one window per sample and resamples it to ``(height, width)``.

    Subclasses write ``get_window(batch_size, height, width, seed)`` (random windows) and
    ``inference_window(height, width)`` (the deterministic one, for ``training=False`` and for the
    samples that ``p`` does not pick), each returning ``(top, left, window_height, window_width)``.

    Args:
        height, width: the output size (ints >= 1).
        interpolation: ``"bilinear"`` or ``"nearest"`` (masks always nearest).
        antialias: torchvision's antialiased bilinear when shrinking (slower; default ``False``).
        fill_value: value of window pixels outside the image (only ``fill_mode="constant"``, as Keras).
    """

    matrix_kind = "scale"

    def __init__(
        self,
        height: int,
        width: int,
        interpolation: str = "bilinear",
        antialias: bool = False,
        fill_mode: str = "constant",
        **kwargs,
    ):
        check_choice("fill_mode", fill_mode, ("constant",))
        super().__init__(interpolation=interpolation, fill_mode="constant", **kwargs)
        self.height = check_number(height, "height", 1, integer=True)
        self.width = check_number(width, "width", 1, integer=True)
        self.antialias = check_bool(antialias, "antialias")

    def output_size(self, height, width) -> tuple[int, int]:
        return self.height, self.width

    def get_window(self, batch_size, height, width, seed):
        """Random ``(top, left, window_height, window_width)``, each ``[batch_size]`` (or scalars)."""
        return self.inference_window(height, width)

    def inference_window(self, height, width):
        """The deterministic ``(top, left, window_height, window_width)`` (scalars)."""
        raise NotImplementedError(f"{type(self).__name__} must implement inference_window().")

    def _matrix(self, window) -> tf.Tensor:
        return geometry.crop_matrix(*window, (self.height, self.width))

    def get_matrix(self, batch_size, height, width, seed):
        top, left, h, w = (tf.cast(v, tf.float32) for v in self.get_window(batch_size, height, width, seed))
        return tf.broadcast_to(self._matrix((top, left, h, w)), [batch_size, 3, 3])

    def neutral_params(self, params, images) -> dict:
        shape = tf.shape(images)
        return {"matrix": self._matrix(self.inference_window(shape[1], shape[2]))}

    def _warp(self, images, params, interpolation, fill_value):
        antialias = self.antialias and interpolation != "nearest"
        size = (self.height, self.width)
        return geometry.resample_window(images, params["matrix"], size, interpolation, fill_value, antialias)

    def augment_boxes(self, boxes_xyxy, labels, params, height, width):
        return boxes.move_boxes(
            boxes_xyxy, labels, params["matrix"], self.height, self.width, self.min_visibility, self.min_area
        )

    def get_config(self) -> dict:
        return {
            **super().get_config(),
            "height": self.height,
            "width": self.width,
            "antialias": self.antialias,
        }


@keras.saving.register_keras_serializable(package="keras_aug")
class CenterCrop(BaseResize):
    """Crop the centre ``height x width`` of every image (``keras.layers.CenterCrop``), also at inference.

    As Keras: the crop starts at ``((H - height) // 2, (W - width) // 2)``; an image smaller than the crop
    (in either dimension) is instead resized from its largest centred window with the target's aspect
    ratio (Keras' ``smart_resize``, bilinear). Masks and boxes follow; ``p`` is irrelevant (deterministic).

    Example:
    >>> CenterCrop(2, 2)(tf.reshape(tf.range(16), [4, 4, 1]))[..., 0].numpy().tolist()
    [[5, 6], [9, 10]]
    """

    def __init__(self, height: int, width: int, **kwargs):
        super().__init__(height, width, **kwargs)

    def inference_window(self, height, width):
        h, w = tf.cast(height, tf.float32), tf.cast(width, tf.float32)
        fits = (h >= self.height) & (w >= self.width)
        crop = (tf.floor((h - self.height) / 2.0), tf.floor((w - self.width) / 2.0), self.height, self.width)
        smart = aspect_window(height, width, self.height, self.width)
        return tuple(tf.where(fits, tf.cast(a, tf.float32), b) for a, b in zip(crop, smart, strict=True))


@keras.saving.register_keras_serializable(package="keras_aug")
class RandomCrop(BaseResize):
    """Crop a random ``height x width`` window per sample (``keras.layers.RandomCrop``, per sample).

    Training: the window's corner is uniform over every whole-pixel position (no interpolation) when the
    image is at least the crop's size (Keras needs it strictly larger, else centres it); a smaller image
    is resized from its largest centred window with the target's aspect ratio (as Keras). Inference
    (``training=False``) and samples that ``p`` does not pick: that centred window, resized to
    ``height x width`` (what Keras documents for inference; Keras 3.15 instead returns the input
    unchanged, whose size then differs from its own ``compute_output_shape``). Keras crops the whole
    batch at one position; here each sample has its own.

    Example:
    >>> RandomCrop(4, 4, seed=0)(tf.zeros([2, 8, 8, 3], tf.uint8)).shape
    TensorShape([2, 4, 4, 3])
    """

    def __init__(self, height: int, width: int, **kwargs):
        super().__init__(height, width, **kwargs)

    def inference_window(self, height, width):
        return aspect_window(height, width, self.height, self.width)

    def get_window(self, batch_size, height, width, seed):
        seeds = krandom.split(seed, 2)
        top = krandom.uniform_int(seeds[0], [batch_size], 0, tf.maximum(height - self.height + 1, 1))
        left = krandom.uniform_int(seeds[1], [batch_size], 0, tf.maximum(width - self.width + 1, 1))
        fits = (height >= self.height) & (width >= self.width)
        random = (top, left, tf.fill([batch_size], self.height), tf.fill([batch_size], self.width))
        smart = self.inference_window(height, width)
        return tuple(
            tf.where(fits, tf.cast(a, tf.float32), tf.cast(b, tf.float32))
            for a, b in zip(random, smart, strict=True)
        )


@keras.saving.register_keras_serializable(package="keras_aug")
class Resizing(BaseResize):
    """Resize images to ``height x width`` (``keras.layers.Resizing``), also at inference; masks and boxes follow.

    Args:
        interpolation: ``"bilinear"`` (``cv2.INTER_LINEAR``) or ``"nearest"`` (half-pixel, TF's); Keras'
            ``"bicubic"``, ``"lanczos3"``, ``"lanczos5"``, ``"area"`` are refused.
        crop_to_aspect_ratio: resize the largest centred window with the target's aspect ratio (no
            distortion), as Keras.
        pad_to_aspect_ratio: pad the short side evenly with ``fill_value`` instead (as Keras: the padded
            image is resized, so its edge blends with the fill).
        fill_mode: only ``"constant"`` (as Keras). ``fill_value``: the padding value.
        antialias: torchvision's / PIL's antialiased bilinear when shrinking (slower; default ``False``).

    Example:
    >>> Resizing(2, 3)(tf.zeros([4, 4, 1])).shape
    TensorShape([2, 3, 1])
    """

    def __init__(
        self,
        height: int,
        width: int,
        interpolation: str = "bilinear",
        crop_to_aspect_ratio: bool = False,
        pad_to_aspect_ratio: bool = False,
        **kwargs,
    ):
        check_choice("interpolation", interpolation, RESIZE_INTERPOLATIONS)
        super().__init__(height, width, interpolation=interpolation, **kwargs)
        self.crop_to_aspect_ratio = check_bool(crop_to_aspect_ratio, "crop_to_aspect_ratio")
        self.pad_to_aspect_ratio = check_bool(pad_to_aspect_ratio, "pad_to_aspect_ratio")
        if self.crop_to_aspect_ratio and self.pad_to_aspect_ratio:
            raise ValueError("Only one of `pad_to_aspect_ratio` and `crop_to_aspect_ratio` can be True.")

    def inference_window(self, height, width):
        if self.crop_to_aspect_ratio:
            return aspect_window(height, width, self.height, self.width)
        if self.pad_to_aspect_ratio:
            return padded_window(height, width, self.height, self.width)
        return 0.0, 0.0, tf.cast(height, tf.float32), tf.cast(width, tf.float32)

    def get_config(self) -> dict:
        return {
            **super().get_config(),
            "crop_to_aspect_ratio": self.crop_to_aspect_ratio,
            "pad_to_aspect_ratio": self.pad_to_aspect_ratio,
        }


@keras.saving.register_keras_serializable(package="keras_aug")
class RandomResizedCrop(BaseResize):
    """Crop a random area and aspect ratio per sample and resize it to ``height x width`` (torchvision).

    ``torchvision.transforms.v2.RandomResizedCrop(size=(height, width), scale, ratio)``'s sampling,
    vectorized (:func:`keras_aug.ops.sample_resized_crop`): ten candidate boxes per sample with area
    ``U(scale)`` of the image and aspect ratio ``exp(U(log ratio))``, the first that fits wins, else the
    centred crop of the whole image with its ratio clamped to ``ratio``; the box is resized with the
    half-pixel convention of ``cv2.resize`` / torchvision. One separable gather per batch
    (:func:`keras_aug.ops.resample_window`), compiled with XLA; masks (nearest) and boxes follow.

    Inference (``training=False``) and samples that ``p`` does not pick: the largest centred window with the
    output's aspect ratio, resized (as ``RandomCrop`` at inference).

    Args:
        height, width: output size.
        scale: ``(lower, upper)`` fraction of the image area, within ``(0, 1]``.
        ratio: ``(lower, upper)`` aspect ratio (width / height), > 0.
        interpolation: ``"bilinear"`` or ``"nearest"``. ``antialias``: torchvision's antialiased bilinear
            when shrinking (default ``False``: cv2's / albumentations' ``INTER_LINEAR``, and much faster).

    Example:
    >>> RandomResizedCrop(4, 4, seed=0)(tf.zeros([2, 16, 16, 3], tf.uint8)).shape
    TensorShape([2, 4, 4, 3])
    """

    def __init__(
        self,
        height: int,
        width: int,
        scale=(0.08, 1.0),
        ratio=(3.0 / 4.0, 4.0 / 3.0),
        interpolation: str = "bilinear",
        **kwargs,
    ):
        super().__init__(height, width, interpolation=interpolation, **kwargs)
        self.scale = check_range(scale, "scale", 0.0, 1.0, scalar="same")
        if self.scale[0] <= 0.0:
            raise ValueError(f"`scale` must be a (lower, upper) pair within (0, 1], got {scale!r}.")
        self.ratio = check_range(ratio, "ratio", 0.0, scalar="same")
        if self.ratio[0] <= 0.0 or not math.isfinite(math.log(self.ratio[1])):
            raise ValueError(f"`ratio` must be a (lower, upper) pair of finite numbers > 0, got {ratio!r}.")

    def inference_window(self, height, width):
        return aspect_window(height, width, self.height, self.width)

    def get_window(self, batch_size, height, width, seed):
        return geometry.sample_resized_crop(seed, batch_size, height, width, self.scale, self.ratio)

    def get_config(self) -> dict:
        return {**super().get_config(), "scale": self.scale, "ratio": self.ratio}


@keras.saving.register_keras_serializable(package="keras_aug")
class MaxNumBoundingBoxes(keras.layers.Layer):
    """Pad or truncate ``bounding_boxes`` to ``max_number`` boxes per image (``keras.layers.MaxNumBoundingBoxes``).

    Boxes ``[B, N, 4]`` (dense or ragged) and labels ``[B, N]`` become ``[B, max_number, 4]`` and
    ``[B, max_number]``, the new rows filled with ``fill_value`` (``-1``: keras_aug's padding); the first
    ``max_number`` boxes are kept. Images and everything else pass through; runs at inference too (as Keras).
    Gives ``tf.data`` batches of boxes a static shape.

    Example:
    >>> data = {"images": tf.zeros([1, 4, 4, 3]), "bounding_boxes": {
    ...     "boxes": tf.constant([[[0.0, 0.0, 2.0, 2.0]]]), "labels": tf.constant([[1]])}}
    >>> MaxNumBoundingBoxes(3)(data)["bounding_boxes"]["labels"].numpy().tolist()
    [[1, -1, -1]]
    """

    def __init__(self, max_number: int, fill_value: float = -1, **kwargs):
        super().__init__(**kwargs)
        self.max_number = check_number(max_number, "max_number", 1, integer=True)
        self.fill_value = check_number(fill_value, "fill_value")
        self._convert_input_args = False
        self._allow_non_tensor_positional_args = True
        self.supports_jit = True
        self.built = True

    def _fit(self, values, trailing: list[int]):
        if isinstance(values, tf.RaggedTensor):
            values = values.to_tensor(default_value=tf.cast(self.fill_value, values.dtype))
        values = tf.convert_to_tensor(values)
        values = values[:, : self.max_number]
        missing = tf.maximum(self.max_number - tf.shape(values)[1], 0)
        paddings = [[0, 0], [0, missing]] + [[0, 0]] * len(trailing)
        values = tf.pad(values, paddings, constant_values=tf.cast(self.fill_value, values.dtype))
        return tf.ensure_shape(values, [values.shape[0], self.max_number, *trailing])

    def call(self, inputs):
        if not isinstance(inputs, dict) or BOXES not in inputs:
            return inputs
        box_data = inputs[BOXES]
        single = tf.convert_to_tensor(inputs[IMAGES]).shape.rank == 3 if IMAGES in inputs else False
        fitted = {}
        for key, trailing in (("boxes", [4]), ("labels", [])):
            values = box_data[key]
            values = values[tf.newaxis] if single else values
            values = self._fit(values, trailing)
            fitted[key] = values[0] if single else values
        return {**inputs, BOXES: {**box_data, **fitted}}

    def compute_output_shape(self, input_shape):
        return input_shape

    def compute_output_spec(self, inputs):
        out = keras.tree.map_structure(lambda t: keras.KerasTensor(t.shape, dtype=t.dtype), inputs)
        if isinstance(inputs, dict) and BOXES in inputs:
            for key in ("boxes", "labels"):
                shape = list(out[BOXES][key].shape)
                shape[-2 if key == "boxes" else -1] = self.max_number
                out[BOXES][key] = keras.KerasTensor(tuple(shape), dtype=out[BOXES][key].dtype)
        return out

    def get_config(self) -> dict:
        return {**super().get_config(), "max_number": self.max_number, "fill_value": self.fill_value}
