"""The one base class every keras_aug layer derives from.

A layer only says how to draw its random parameters (``get_params``), which parameters leave a sample
unchanged (``neutral_params``) and how to apply them (``augment_images`` and, where it matters,
``augment_masks`` / ``augment_boxes`` / ``augment_labels``). The base handles the rest:
``training=False``, rank-3 images, dict and ``(images, labels)`` inputs (:mod:`.inputs`), per-sample
probability ``p`` (one select, below), seeds (:mod:`.seeding`), dtype preservation and serialization.
"""

from __future__ import annotations

import keras
import tensorflow as tf

from keras_aug.layers import inputs as layer_inputs
from keras_aug.layers import keras_api, seeding
from keras_aug.layers.inputs import BOXES, IMAGES, LABELS, MASKS
from keras_aug.ops import boxes, select, xla
from keras_aug.ops import random as krandom
from keras_aug.validation import check_choice, check_probability, check_seed


class BaseAugmentation(keras_api.KerasLayerAPI, keras.layers.Layer):
    """Base class: random parameters per sample, applied by one op, identity when ``training=False``.

    Subclasses implement ``get_params`` and ``augment_images`` (and optionally ``neutral_params``,
    ``augment_masks``, ``augment_boxes``, ``augment_labels``). Inputs may be an image tensor (rank 3 or
    4), a dict with ``"images"`` and optionally ``"labels"``, ``"segmentation_masks"`` and
    ``"bounding_boxes"`` (other keys pass through), or an ``(images, labels)`` tuple. Masks, labels and
    boxes must have the images' batch size (masks also their height and width), else ``ValueError``
    naming the key. Outputs keep the input's structure and dtypes.

    **The ``p`` contract.** Each call draws the parameters of every sample (``get_params``) and, per
    sample, whether it is augmented (``uniform < p``, :meth:`sample_probability`). Samples that are not
    augmented get the layer's :meth:`neutral_params` (the identity matrix, ``lam = 1``, no holes, a zero
    offset, ...) with one ``tf.where`` on the parameters, and the op then runs once on the whole batch.
    A layer without neutral parameters (e.g. CLAHE) returns ``None`` there, and the base puts the
    original images, masks and boxes of those samples back after the op. Either way non-augmented
    samples come out unchanged, bit for bit, and ``p`` is handled nowhere else.

    Args:
        p: probability that each sample is augmented (class default ``default_p``).
        seed: integer seed; the same seed gives the same sequence of augmentations, eagerly, in
            ``tf.data`` and under XLA.
        data_format: ``"channels_last"`` (images ``[B, H, W, C]``) or ``"channels_first"`` (``[B, C, H, W]``;
            transposed at the edges of a call); ``None`` means ``keras.config.image_data_format()``.
        bounding_box_format: format of ``inputs["bounding_boxes"]["boxes"]`` (``"xyxy"``, ``"rel_xyxy"``,
            ``"xywh"``, ``"rel_xywh"``, ``"center_xywh"``, ``"yxyx"``, ``"rel_yxyx"``); needed only
            when boxes are passed. Boxes are ``[B, N, 4]`` padded with ``-1`` (or ragged) with
            ``labels`` ``[B, N]``; boxes a layer drops are marked ``-1``, labels too. Integer boxes are
            moved in float32 and returned in their dtype, rounded to the nearest integer.

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
        self.data_format = keras_api.check_data_format(data_format)
        self.seed_generator = seeding.seed_generator(seed)
        # Every draw and every op is XLA-compilable (counter-based hashing, no ImageProjectiveTransform),
        # so a model compiled with jit_compile=True stays compiled with XLA.
        self.supports_jit = True
        self._convert_input_args = False
        self._allow_non_tensor_positional_args = True
        self.built = True

    # -- what subclasses write ------------------------------------------------------------------

    def get_params(self, batch_size, images, seed) -> dict:
        """Draw every random quantity for a batch: a dict of tensors with one row per sample.

        Only this method draws random numbers, from ``seed`` with :mod:`keras_aug.ops.random`.
        """
        raise NotImplementedError(f"{type(self).__name__} must implement get_params().")

    def neutral_params(self, params: dict, images) -> dict | None:
        """Parameters that leave a sample unchanged, for the samples that are not augmented.

        Return a dict mapping some keys of ``params`` to values that broadcast against one row (e.g.
        ``{"matrix": tf.eye(3)}``, ``{"lam": 1.0}``, ``{"holes": 0}``); the other keys keep their draws.
        The op must return such a sample exactly as it was. Return ``None`` (the default) when there are
        none: the base then puts back the original samples after the op (one extra select pass).
        """
        return None

    def output_size(self, height, width) -> tuple:
        """The output's ``(height, width)`` for images of ``height x width`` (ints, scalar tensors or ``None``).

        The input's by default. Layers whose output size differs (crops, resizes) override it, and the
        base uses it everywhere: ``call`` (masks and boxes too: boxes are clipped to the output and
        relative formats use its size), ``compute_output_shape`` and ``compute_output_spec``. Such a
        layer also runs at inference (``training=False``), because its output must have the same size
        either way: every sample then gets its :meth:`neutral_params` (which it must have), i.e. its
        deterministic transform (e.g. a centre crop), which is also what samples that ``p`` does not
        pick get.
        """
        return height, width

    @property
    def changes_size(self) -> bool:
        """Whether the layer overrides :meth:`output_size` (then it also runs at inference)."""
        return type(self).output_size is not BaseAugmentation.output_size

    def sample_probability(self) -> float:
        """The probability that a sample is augmented at all (``p``; ``RandomFlip`` differs, see there)."""
        return self.p

    def derive_params(self, params: dict, images) -> dict:
        """Tensors computed from the final parameters (after non-augmented samples got their neutral
        values), shared by images, masks and boxes; e.g. an elastic sampling grid. Default: none."""
        return params

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
        if args and layer_inputs.is_data(args[0]):
            # dataset.map(layer) on (images, labels[, weights]) elements calls layer(images, labels[, weights]).
            inputs, args = (inputs, *args), ()
        layer_inputs.check_backend(self, inputs)
        # Keras refuses nested inputs that mix NumPy arrays and tensors (e.g. ragged boxes); convert first.
        inputs = keras.tree.map_structure(layer_inputs.as_tensor, inputs)
        return super().__call__(inputs, *args, **kwargs)

    def next_seed(self, images: tf.Tensor) -> tf.Tensor:
        """The seed (int32 ``[2]``) for one call on ``images`` ``[B, H, W, C]``; advances the layer's state.

        The layer's counter alone is not enough once the layer is copied: tf.data service serializes the
        dataset graph, state included, to every worker, and ``MirroredStrategy`` mirrors it to every
        replica, so the copies would replay one stream. Folded in as well (see
        :func:`keras_aug.layers.seeding.mix_seed`): a fingerprint of the batch (different elements,
        different draws; the same seed and the same inputs still give the same draws, eagerly, in
        tf.data and under XLA), the replica id under ``tf.distribute``, and, for ``seed=None`` layers
        only, a fresh random salt from TF's stateful generator (seeded per graph copy, or by
        ``tf.random.set_seed`` / ``keras.utils.set_random_seed``).
        """
        return seeding.mix_seed(self.seed_generator.next(), images, unseeded=self.seed is None)

    def draw_params(self, images: tf.Tensor, training: bool = True) -> dict:
        """The parameters for a batch ``[B, H, W, C]``, with ``apply`` (bool ``[B]``: augmented or not)
        and the neutral parameters already in place for the samples that are not augmented (all of
        them when ``training`` is False: a layer that :attr:`changes_size` at inference)."""
        batch_size = tf.shape(images)[0]
        apply_seed, params_seed = tf.unstack(krandom.split(self.next_seed(images), 2))
        params = dict(self.get_params(batch_size, images, params_seed))
        probability = self.sample_probability() if training else 0.0
        if probability >= 1.0:
            apply = tf.ones([batch_size], tf.bool)
        else:
            apply = krandom.bernoulli(apply_seed, [batch_size], probability)
            neutral = self.neutral_params(params, images)
            if neutral is not None:
                params = select.neutralize(apply, params, neutral)
        params["apply"] = apply
        tensors = {key: value for key, value in params.items() if isinstance(value, tf.Tensor)}
        params.update(xla.materialize(tensors))  # drawn once, not per pixel, inside one XLA program
        return dict(self.derive_params(params, images))

    def restores_unaugmented(self, params: dict, images) -> bool:
        """Whether the samples that are not augmented must be put back after the op: ``p < 1`` and no
        :meth:`neutral_params`."""
        return self.sample_probability() < 1.0 and self.neutral_params(params, images) is None

    def put_back_unaugmented(self, augmented, original, params: dict, images=None) -> tf.Tensor:
        """``augmented`` with the samples that are not augmented (``params["apply"]`` False) replaced by
        ``original`` where the layer has no neutral parameters (else ``augmented`` itself)."""
        if not self.restores_unaugmented(params, original if images is None else images):
            return augmented
        return select.select_samples(params["apply"], augmented, original)

    def call(self, inputs, training=True):
        if training is False and not self.changes_size:
            return inputs
        data, restore = layer_inputs.unpack(inputs)
        data = keras_api.to_channels_last(data, self.data_format)
        images, single = layer_inputs.to_batch(data[IMAGES])
        images = layer_inputs.check_batch(data, images, single)
        params = self.draw_params(images, training=training is not False)
        out = dict(data)
        augmented = self.augment_images(images, params)
        out[IMAGES] = layer_inputs.from_batch(self.put_back_unaugmented(augmented, images, params), single)
        if MASKS in data:
            masks, squeeze = layer_inputs.masks_to_4d(data[MASKS], single)
            new_masks = self.put_back_unaugmented(self.augment_masks(masks, params), masks, params, images)
            out[MASKS] = layer_inputs.from_batch(new_masks[..., 0] if squeeze else new_masks, single)
        if LABELS in data:
            out[LABELS] = self.augment_labels(data[LABELS], params)
        if BOXES in data:
            height, width = tf.shape(images)[1], tf.shape(images)[2]
            out[BOXES] = self.route_boxes(data[BOXES], params, height, width, single)
        return restore(keras_api.from_channels_last(out, self.data_format))

    def route_boxes(self, box_data: dict, params: dict, height, width, single: bool = False) -> dict:
        """``bounding_boxes`` (in ``bounding_box_format``) moved by :meth:`augment_boxes` with ``params``."""
        xyxy, labels, restore_boxes = layer_inputs.boxes_to_xyxy(
            box_data, self.bounding_box_format, height, width, single
        )
        moved, new_labels = self.augment_boxes(xyxy, labels, params, height, width)
        moved = self.put_back_unaugmented(moved, xyxy, params, xyxy)
        new_labels = self.put_back_unaugmented(new_labels, labels, params, xyxy)
        return restore_boxes(moved, new_labels, *self.output_size(height, width))

    def _resized_shape(self, shape, spatial_axes: tuple[int, int] | None = None) -> tuple:
        """``shape`` with its height and width replaced by :meth:`output_size`'s."""
        shape = list(shape)
        if spatial_axes is None:
            first = len(shape) - (2 if self.data_format == "channels_first" else 3)
            spatial_axes = (first, first + 1)
        h_axis, w_axis = spatial_axes
        shape[h_axis], shape[w_axis] = self.output_size(shape[h_axis], shape[w_axis])
        return tuple(shape)

    def compute_output_shape(self, input_shape):
        if not self.changes_size or not isinstance(input_shape, (tuple, list)):
            return input_shape
        if input_shape and isinstance(input_shape[0], (tuple, list)):  # (images, labels)
            return (self._resized_shape(input_shape[0]), *input_shape[1:])
        return self._resized_shape(input_shape)

    def compute_output_spec(self, inputs, training=True):
        out = keras.tree.map_structure(lambda t: keras.KerasTensor(t.shape, dtype=t.dtype), inputs)
        if not self.changes_size:
            return out

        def resized(tensor, spatial_axes=None):
            return keras.KerasTensor(self._resized_shape(tensor.shape, spatial_axes), dtype=tensor.dtype)

        if isinstance(inputs, dict):
            images = inputs[IMAGES]
            out[IMAGES] = resized(images)
            if MASKS in inputs:
                masks = inputs[MASKS]
                batched = images.shape.rank == 4 if hasattr(images.shape, "rank") else len(images.shape) == 4
                axes = (
                    (1, 2) if batched else (0, 1)
                )  # masks are channels-last, with or without a channel axis
                out[MASKS] = resized(masks, axes)
            return out
        if isinstance(inputs, (tuple, list)):
            return type(out)([resized(inputs[0]), *out[1:]])
        return resized(inputs)

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
