"""The one base class every keras_aug layer derives from.

A layer only says how to draw its random parameters (``get_params``) and how to apply them
(``augment_images`` and, where it matters, ``augment_masks`` / ``augment_labels``). The base handles
the rest: ``training=False``, rank-3 images, dict and ``(images, labels)`` inputs, per-sample
probability ``p``, seeds, dtype preservation and serialization.
"""

from __future__ import annotations

import random as python_random

import keras
import numpy as np
import tensorflow as tf

from keras_aug.ops import _utils, boxes
from keras_aug.ops import random as krandom
from keras_aug.validation import check_choice, check_probability, check_seed

IMAGES, LABELS, MASKS, BOXES = "images", "labels", "segmentation_masks", "bounding_boxes"


def check_data_format(data_format) -> str:
    """keras_aug works on channels_last images only; say so clearly otherwise."""
    data_format = data_format or keras.config.image_data_format()
    if data_format != "channels_last":
        raise ValueError(
            f"`data_format` must be 'channels_last' (images [batch, height, width, channels]), got {data_format!r}."
        )
    return data_format


class BaseAugmentation(keras.layers.Layer):
    """Base class: random parameters per sample, applied by one op, identity when ``training=False``.

    Subclasses implement ``get_params`` and ``augment_images`` (and optionally ``augment_masks``,
    ``augment_labels``). Inputs may be an image tensor (rank 3 or 4), a dict with ``"images"`` and
    optionally ``"labels"``, ``"segmentation_masks"`` and ``"bounding_boxes"`` (other keys pass through),
    or an ``(images, labels)`` tuple. Outputs keep the input's structure and dtypes.

    Args:
        p: probability that each sample is augmented (class default ``default_p``).
        seed: integer seed; the same seed gives the same sequence of augmentations, eagerly, in
            ``tf.data`` and under XLA.
        data_format: must be ``"channels_last"`` (or ``None`` with Keras configured that way).
        bounding_box_format: format of ``inputs["bounding_boxes"]["boxes"]`` (``"xyxy"``, ``"rel_xyxy"``,
            ``"xywh"``, ``"rel_xywh"``, ``"center_xywh"``, ``"yxyx"``, ``"rel_yxyx"``); needed only
            when boxes are passed. Boxes are ``[B, N, 4]`` padded with ``-1`` (or ragged) with
            ``labels`` ``[B, N]``; boxes a layer drops are marked ``-1``, labels too.

    Example:
    >>> class Invert(BaseAugmentation):
    ...     def get_params(self, batch_size, images, seed):
    ...         return {}
    ...     def augment_images(self, images, params):
    ...         return 255 - images
    >>> int(Invert()(tf.zeros([2, 2, 1], tf.uint8))[0, 0, 0])
    255
    """

    default_p: float = 1.0
    #: Set by layers that fold ``params["apply"]`` into their own parameters (e.g. an identity matrix),
    #: so that the base does not blend outputs back with ``tf.where``.
    handles_apply: bool = False

    def __init__(
        self,
        p: float | None = None,
        seed: int | None = None,
        data_format=None,
        bounding_box_format: str | None = None,
        **kwargs,
    ):
        super().__init__(**kwargs)
        if bounding_box_format is not None:
            bounding_box_format = check_choice("bounding_box_format", bounding_box_format, boxes.FORMATS)
        self.bounding_box_format = bounding_box_format
        self.p = check_probability(self.default_p if p is None else p)
        self.seed = check_seed(seed)
        self.data_format = check_data_format(data_format)
        self.seed_generator = _seed_generator(seed)
        # Every draw and every op is XLA-compilable (counter-based hashing, no ImageProjectiveTransform),
        # so a model compiled with jit_compile=True stays compiled with XLA.
        self.supports_jit = True
        self._convert_input_args = False
        self._allow_non_tensor_positional_args = True
        self.built = True

    # -- what subclasses write ------------------------------------------------------------------

    def get_params(self, batch_size, images, seed) -> dict:
        """Draw every random quantity for a batch: a dict of tensors with one row per sample."""
        raise NotImplementedError(f"{type(self).__name__} must implement get_params().")

    def augment_images(self, images, params):
        """Apply the transform to ``images`` ``[B, H, W, C]``; return the same shape and dtype."""
        raise NotImplementedError(f"{type(self).__name__} must implement augment_images().")

    def augment_masks(self, masks, params):
        """Apply the transform to segmentation masks ``[B, H, W, 1]`` (identity for photometric layers)."""
        return masks

    def augment_labels(self, labels, params):
        """Transform labels (identity unless the layer mixes samples)."""
        return labels

    def augment_boxes(self, boxes, labels, params, height, width):
        """Move ``xyxy`` pixel boxes ``[B, N, 4]`` (labels ``[B, N]``); layers that move pixels override this.

        Returns ``(boxes, labels)`` with dropped boxes marked ``-1``.
        """
        return boxes, labels

    # -- the machinery -------------------------------------------------------------------------

    def __call__(self, inputs, *args, **kwargs):
        if args and _is_data(args[0]):
            # dataset.map(layer) on (images, labels[, weights]) elements calls layer(images, labels[, weights]).
            inputs, args = (inputs, *args), ()
        _check_backend(self, inputs)
        # Keras refuses nested inputs that mix NumPy arrays and tensors (e.g. ragged boxes); convert first.
        inputs = keras.tree.map_structure(_as_tensor, inputs)
        return super().__call__(inputs, *args, **kwargs)

    def next_seed(self, images: tf.Tensor) -> tf.Tensor:
        """The seed (int32 ``[2]``) for one call on ``images`` ``[B, H, W, C]``; advances the layer's state.

        The layer's counter alone is not enough once the layer is copied: tf.data service serializes the
        dataset graph, state included, to every worker, and ``MirroredStrategy`` mirrors it to every
        replica, so the copies would replay one stream. Folded in as well (see :func:`mix_seed`): a
        fingerprint of the batch (different elements, different draws; the same seed and the same
        inputs still give the same draws, eagerly, in tf.data and under XLA), the replica id under
        ``tf.distribute``, and, for ``seed=None`` layers only, a fresh random salt from TF's stateful
        generator (seeded per graph copy, or by ``tf.random.set_seed`` / ``keras.utils.set_random_seed``).
        """
        return mix_seed(self.seed_generator.next(), images, unseeded=self.seed is None)

    def draw_params(self, images: tf.Tensor) -> dict:
        """Draw the parameters for a batch ``[B, H, W, C]``, including ``apply`` (bool ``[B]``)."""
        batch_size = tf.shape(images)[0]
        apply_seed, params_seed = tf.unstack(krandom.split(self.next_seed(images), 2))
        params = dict(self.get_params(batch_size, images, params_seed))
        if self.p >= 1.0:
            params["apply"] = tf.ones([batch_size], tf.bool)
        else:
            params["apply"] = krandom.bernoulli(apply_seed, [batch_size], self.p)
        return params

    def call(self, inputs, training=True):
        if training is False:
            return inputs
        data, restore = _unpack(inputs)
        images, single = _utils.to_batch(data[IMAGES])
        params = self.draw_params(images)
        out = dict(data)
        out[IMAGES] = self._blend(self.augment_images(images, params), images, params)
        if MASKS in data:
            masks, squeeze = _masks_to_4d(data[MASKS], single)
            new_masks = self._blend(self.augment_masks(masks, params), masks, params)
            out[MASKS] = _utils.from_batch(new_masks[..., 0] if squeeze else new_masks, single)
        if LABELS in data:
            out[LABELS] = self.augment_labels(data[LABELS], params)
        if BOXES in data:
            out[BOXES] = self._route_boxes(data[BOXES], params, tf.shape(images), single)
        out[IMAGES] = _utils.from_batch(out[IMAGES], single)
        return restore(out)

    def _route_boxes(self, box_data, params, image_shape, single: bool):
        """Convert boxes to batched ``xyxy`` pixels, let the layer move them, and convert back."""
        if self.bounding_box_format is None:
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
            raw, labels = raw.to_tensor(default_value=-1.0), labels.to_tensor(default_value=-1)
        raw = tf.convert_to_tensor(raw, tf.float32)
        labels = tf.convert_to_tensor(labels)
        if single:
            raw, labels = raw[tf.newaxis], labels[tf.newaxis]
        height, width = image_shape[1], image_shape[2]
        padded = tf.reduce_all(raw == -1.0, axis=-1, keepdims=True)
        xyxy = boxes.convert_format(raw, self.bounding_box_format, "xyxy", height, width)
        xyxy = tf.where(padded, -tf.ones_like(xyxy), xyxy)
        moved, new_labels = self.augment_boxes(xyxy, labels, params, height, width)
        kept = tf.reduce_any(moved != -1.0, axis=-1, keepdims=True)
        converted = boxes.convert_format(moved, "xyxy", self.bounding_box_format, height, width)
        out_boxes = tf.where(kept, converted, -tf.ones_like(converted))
        if single:
            out_boxes, new_labels = out_boxes[0], new_labels[0]
        if ragged:
            out_boxes = tf.RaggedTensor.from_tensor(out_boxes, lengths=row_lengths)
            new_labels = tf.RaggedTensor.from_tensor(new_labels, lengths=row_lengths)
        return {**box_data, "boxes": out_boxes, "labels": new_labels}

    def _blend(self, augmented, original, params):
        if self.handles_apply or self.p >= 1.0:
            return augmented
        return _keep_unapplied(params["apply"], augmented, original)

    def compute_output_shape(self, input_shape):
        return input_shape

    def compute_output_spec(self, inputs, training=True):
        return keras.tree.map_structure(lambda t: keras.KerasTensor(t.shape, dtype=t.dtype), inputs)

    def get_config(self) -> dict:
        config = super().get_config()
        config.update(
            {
                "p": self.p,
                "seed": self.seed,
                "data_format": self.data_format,
                "bounding_box_format": self.bounding_box_format,
            }
        )
        return config


@tf.function(jit_compile=True, autograph=False)
def _keep_unapplied(apply, augmented, original):
    """Per sample, the augmented or the original tensor (one fused XLA pass instead of a broadcast op)."""
    apply = tf.reshape(apply, [-1] + [1] * (original.shape.rank - 1))
    return tf.where(apply, augmented, original)


#: Values sampled per image for the batch fingerprint (a strided sample: cheap, and enough to tell real
#: images apart); neighbouring samples are compared, two bits per pair.
FINGERPRINT_SAMPLES = 17


def _orderings(images: tf.Tensor) -> tuple[tf.Tensor, tf.Tensor]:
    """``(after > before, after < before)`` for neighbouring samples of each image: two bool ``[B, 16]``."""
    images = tf.convert_to_tensor(images)
    flat = tf.reshape(images, [tf.shape(images)[0], -1])
    k = np.arange(FINGERPRINT_SAMPLES)
    if flat.shape[1] is not None:  # static: the sample positions are constants
        index = tf.constant(
            np.minimum((2 * k + 1) * flat.shape[1] // (2 * FINGERPRINT_SAMPLES), flat.shape[1] - 1)
        )
    else:
        size = tf.shape(flat)[1]
        index = tf.minimum((2 * k + 1) * size // (2 * FINGERPRINT_SAMPLES), tf.maximum(size - 1, 0))
    values = tf.gather(flat, index, axis=1)
    before, after = values[:, :-1], values[:, 1:]
    return after > before, after < before


def _ordering_hash(greater: tf.Tensor, less: tf.Tensor) -> tf.Tensor:
    shift = 2 * tf.range(FINGERPRINT_SAMPLES - 1, dtype=tf.int64)
    bits = tf.bitwise.left_shift(tf.cast(greater, tf.int64), shift)
    bits += tf.bitwise.left_shift(tf.cast(less, tf.int64), shift + 1)
    words = tf.cast(tf.reduce_sum(bits, axis=1), tf.uint32)  # 32 bits per image
    position = tf.bitcast(tf.range(tf.size(words), dtype=tf.int32), tf.uint32)
    hashed = krandom._mix32(tf.bitwise.bitwise_xor(words, krandom._mix32(position + krandom._u32(0x5EED))))
    return tf.reduce_sum(tf.cast(hashed, tf.int64)) % (1 << 32)


def fingerprint(images: tf.Tensor) -> tf.Tensor:
    """A hash (int64 in ``[0, 2**32)``) of the ordering of a strided pixel sample of each image in a batch.

    Only comparisons between sampled values enter it, so any increasing change of units leaves it
    unchanged: the same pictures as uint8, as float32 in ``[0, 1]`` or as int32 hash alike (a seeded
    layer then augments them alike). Images whose samples are all equal (blank images) hash alike.
    Costs a gather of ``17 * B`` values: negligible next to any augmentation.

    Example:
    >>> noise = tf.random.stateless_uniform([2, 8, 8, 3], [1, 2], maxval=256, dtype=tf.int32)
    >>> a = fingerprint(tf.cast(noise, tf.uint8))
    >>> bool(a == fingerprint(tf.cast(noise, tf.float32) / 255)), bool(a == fingerprint(noise[::-1]))
    (True, False)
    """
    return _ordering_hash(*_orderings(images))


@tf.function(jit_compile=True, reduce_retracing=True, autograph=False)
def _fold(seed, greater, less, replica, salt):
    """One XLA unit (one op in a tf.data graph instead of ~150): the seed with everything folded in."""
    seed = krandom.fold_in(seed, _ordering_hash(greater, less))
    return krandom.fold_in(krandom.fold_in(seed, replica), salt)


def mix_seed(seed, images: tf.Tensor, unseeded: bool = False) -> tf.Tensor:
    """Fold into ``seed`` what tells copies of a pipeline apart, so that they do not replay one stream.

    Args:
        seed: the layer's next counter seed (integer ``[2]``).
        images: the batch being augmented; its :func:`fingerprint` is folded in.
        unseeded: also fold in a fresh value from TF's stateful RNG (for layers built with ``seed=None``,
            whose initial state is otherwise the same in every copy of the graph).

    Under ``tf.distribute`` with several replicas, the replica id is folded in too.
    Returns an int32 ``[2]`` seed for :mod:`keras_aug.ops.random`.
    """
    replica = tf.constant(0, tf.int32)
    context = tf.distribute.get_replica_context()
    if context is not None and context.num_replicas_in_sync > 1:
        replica = tf.cast(context.replica_id_in_sync_group, tf.int32)
    salt = tf.constant(0, tf.int32)
    if unseeded:
        salt = tf.random.uniform([], 0, 2**31 - 1, dtype=tf.int32)
    greater, less = _orderings(images)
    return _fold(tf.cast(seed, tf.int64), greater, less, replica, salt)


class _TFSeedGenerator:
    """``keras.random.SeedGenerator``'s ``next()`` over a ``tf.Variable``, for non-TensorFlow backends.

    The layers run as TF ops (in tf.data) on every backend; a JAX or torch variable read inside a
    dataset function would be frozen into the graph as a constant, and every batch would get one seed.
    """

    def __init__(self, seed: int | None):
        initial = python_random.randint(1, int(1e9)) if seed is None else seed
        self.state = tf.Variable([initial, 0], dtype=tf.int64, trainable=False, name="seed_generator_state")

    def next(self) -> tf.Tensor:
        value = tf.identity(self.state.read_value())
        self.state.assign_add(tf.constant([0, 1], tf.int64))
        return value


def _seed_generator(seed: int | None):
    if keras.backend.backend() == "tensorflow":
        return keras.random.SeedGenerator(seed)
    return _TFSeedGenerator(seed)


_HOST_VALUES = (np.ndarray, np.generic, int, float, bool, str, bytes)


def _check_backend(layer, inputs) -> None:
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


def _is_data(value) -> bool:
    """True for a tensor or array passed positionally (labels), False for a ``training`` flag."""
    if isinstance(value, (bool, type(None))):
        return False
    if isinstance(value, tf.Tensor) and value.dtype == tf.bool and value.shape.rank == 0:
        return False  # a `training` flag given as a tensor
    return isinstance(value, (tf.Tensor, tf.RaggedTensor, np.ndarray, dict)) or keras.ops.is_tensor(value)


def _as_tensor(value):
    if isinstance(value, (np.ndarray, np.generic)):
        return tf.convert_to_tensor(value)
    return value


def _masks_to_4d(masks, single_image: bool) -> tuple[tf.Tensor, bool]:
    """Masks come as ``[B, H, W]`` or ``[B, H, W, 1]`` (without ``B`` for a single image).

    Returns ``([B, H, W, 1] masks, whether the channel axis was added)``.
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


def _unpack(inputs):
    """Normalize inputs to a dict and return a function that restores the caller's structure."""
    if isinstance(inputs, dict):
        if IMAGES not in inputs:
            raise ValueError(f"Dict inputs must contain an {IMAGES!r} key, got keys {sorted(inputs)}.")
        return dict(inputs), dict
    if isinstance(inputs, (tuple, list)):
        if len(inputs) not in (2, 3):
            raise ValueError(
                "Tuple inputs must be (images, labels) or (images, labels, sample_weights), got a "
                f"{type(inputs).__name__} of length {len(inputs)}."
            )
        rest = tuple(inputs[2:])  # sample weights pass through untouched
        return {IMAGES: inputs[0], LABELS: inputs[1]}, lambda out: (out[IMAGES], out[LABELS], *rest)
    return {IMAGES: inputs}, lambda out: out[IMAGES]
