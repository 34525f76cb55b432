"""Keras 3's image-layer API on keras_aug layers: ``data_format`` and the subclassing hooks.

Keras 3's ``BaseImagePreprocessingLayer`` has ``get_random_transformation``, ``transform_images``,
``transform_labels``, ``transform_bounding_boxes`` and ``transform_segmentation_masks``. Every keras_aug
layer has them too (:class:`KerasLayerAPI`), mapped onto the base's hooks (``get_params``,
``augment_images``, ``augment_labels``, ``augment_boxes``, ``augment_masks``), both ways:

- call them on a layer: the "transformation" is keras_aug's parameter dict (one row per sample,
  ``apply`` included), not Keras' (each Keras layer has its own private keys);
- subclass a layer the Keras way (override ``get_random_transformation`` and ``transform_*``): the layer's
  ``call`` then uses the overrides, with images in the layer's ``data_format``.

``data_format="channels_first"`` is handled at the edges of a call: images (and masks with a channel
axis) are transposed to channels-last on entry and back on exit, so no op ever sees channels-first data.
"""

from __future__ import annotations

import keras
import tensorflow as tf

from keras_aug.layers import inputs as layer_inputs
from keras_aug.ops import boxes as box_ops
from keras_aug.ops import select
from keras_aug.validation import check_choice

CHANNELS_LAST, CHANNELS_FIRST = "channels_last", "channels_first"
IMAGES, MASKS = "images", "segmentation_masks"
#: Key under which a Keras-way ``get_random_transformation`` that returns something other than a dict
#: travels in keras_aug's parameter dict.
TRANSFORMATION = "keras_transformation"
#: Keys :meth:`KerasLayerAPI.get_random_transformation` adds to keras_aug's parameters.
IMAGE_SHAPE, PUT_BACK = "image_shape", "put_back"
#: Keras method name -> the keras_aug hook it replaces in a Keras-way subclass.
HOOKS = {
    "get_random_transformation": "get_params",
    "transform_images": "augment_images",
    "transform_segmentation_masks": "augment_masks",
    "transform_labels": "augment_labels",
    "transform_bounding_boxes": "augment_boxes",
}


def check_data_format(data_format) -> str:
    """``"channels_last"`` or ``"channels_first"``; ``None`` means ``keras.config.image_data_format()``.

    Example:
    >>> check_data_format("channels_first")
    'channels_first'
    """
    return check_choice(
        "data_format", data_format or keras.config.image_data_format(), (CHANNELS_LAST, CHANNELS_FIRST)
    )


def _transpose(tensor, to_last: bool):
    tensor = tf.convert_to_tensor(tensor)
    rank = tensor.shape.rank
    if rank == 4:
        return tf.transpose(tensor, [0, 2, 3, 1] if to_last else [0, 3, 1, 2])
    if rank == 3:
        return tf.transpose(tensor, [1, 2, 0] if to_last else [2, 0, 1])
    raise ValueError(
        f"`images` must be a rank-3 [channels, height, width] or rank-4 [batch, channels, height, width] "
        f"tensor with data_format='channels_first', got shape {tensor.shape}."
    )


def _move_channels(data: dict, data_format: str, to_last: bool) -> dict:
    if data_format != CHANNELS_FIRST:
        return data
    out = dict(data)
    image_rank = tf.convert_to_tensor(data[IMAGES]).shape.rank
    out[IMAGES] = _transpose(data[IMAGES], to_last)
    if MASKS in data and tf.convert_to_tensor(data[MASKS]).shape.rank == image_rank:
        out[MASKS] = _transpose(data[MASKS], to_last)  # masks without a channel axis need nothing
    return out


def to_channels_last(data: dict, data_format: str) -> dict:
    """``data`` (a dict with ``"images"``) with its images and masks channels-last.

    Example:
    >>> to_channels_last({"images": tf.zeros([2, 3, 5, 7])}, "channels_first")["images"].shape
    TensorShape([2, 5, 7, 3])
    """
    return _move_channels(data, data_format, to_last=True)


def from_channels_last(data: dict, data_format: str) -> dict:
    """Undo :func:`to_channels_last`.

    Example:
    >>> from_channels_last({"images": tf.zeros([2, 5, 7, 3])}, "channels_first")["images"].shape
    TensorShape([2, 3, 5, 7])
    """
    return _move_channels(data, data_format, to_last=False)


def _images_of(data):
    return data[IMAGES] if isinstance(data, dict) else data


def _batch(images) -> tuple[tf.Tensor, bool]:
    images = tf.convert_to_tensor(images)
    single = images.shape.rank == 3
    return (images[tf.newaxis] if single else images), single


def _definer(cls, name: str) -> int:
    """Index in ``cls.__mro__`` of the class that defines ``name``."""
    return next(i for i, base in enumerate(cls.__mro__) if name in base.__dict__)


def _overrides(cls, keras_name: str, hook: str) -> bool:
    """Whether ``cls`` (itself or through a mixin) overrides Keras' ``keras_name`` below the layer's ``hook``."""
    keras_at = _definer(cls, keras_name)
    return cls.__mro__[keras_at] is not KerasLayerAPI and keras_at < _definer(cls, hook)


def _is_identity(cls, hook: str) -> bool:
    """Whether ``hook`` is the base class's pass-through (``augment_masks`` of a photometric layer, ...) or
    already adapted."""
    method = getattr(cls, hook)
    return getattr(method, "keras_adapter", False) or method.__qualname__ == f"BaseAugmentation.{hook}"


def _needs_override(keras_name: str):
    """A hook for a Keras-way subclass whose own transformation the layer's built-in hook cannot read."""

    def hook(self, *args, **kwargs):
        raise NotImplementedError(
            f"{type(self).__name__} overrides get_random_transformation(), so it must also override "
            f"{keras_name}(): the layer's own version reads keras_aug's parameters, not this transformation."
        )

    hook.keras_adapter = True
    return hook


def _native(layer, hook: str):
    """The layer's own ``hook`` (bound), skipping the Keras-way adapters installed on subclasses."""
    for cls in type(layer).__mro__:
        method = cls.__dict__.get(hook)
        if method is not None and not getattr(method, "keras_adapter", False):
            return method.__get__(layer, type(layer))
    raise AttributeError(f"{type(layer).__name__} has no {hook}().")


class KerasLayerAPI:
    """Keras 3's ``BaseImagePreprocessingLayer`` methods, on every keras_aug layer.

    Example (the Keras way: subclass and override ``transform_images``):
    >>> from keras_aug.layers import RandomBrightness
    >>> class Halve(RandomBrightness):
    ...     def transform_images(self, images, transformation, training=True):
    ...         return images // 2
    >>> Halve(0.1)(tf.fill([1, 2, 2, 1], 200)).numpy().ravel().tolist()
    [100, 100, 100, 100]
    """

    @property
    def autocast(self) -> bool:
        """Always ``False``: keras_aug layers keep their input dtype, also under mixed precision."""
        return False

    @autocast.setter
    def autocast(self, value) -> None:
        pass  # keras.layers.Layer.__init__ assigns it; keras_aug layers never cast their inputs

    @property
    def backend(self):
        """Keras' TensorFlow ops namespace (``self.backend.numpy.where``, ...) for Keras-way subclasses."""
        from keras.src.utils import backend_utils  # Keras' own choice for its image layers

        return backend_utils.DynamicBackend("tensorflow")

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        for keras_name, hook in HOOKS.items():
            if _overrides(cls, keras_name, hook):
                setattr(cls, hook, _ADAPTERS[hook])
        if getattr(cls.__dict__.get("get_params"), "keras_adapter", False):
            for keras_name, hook in HOOKS.items():
                if not _overrides(cls, keras_name, hook) and not _is_identity(cls, hook):
                    setattr(cls, hook, _needs_override(keras_name))
            # The Keras-way transformation decides what happens to each sample, as in Keras: the layer's own
            # neutral/derived parameters would read keys it does not have, so the base puts the originals
            # of non-augmented samples back instead; p=1 unless the subclass or the caller says otherwise.
            for hook, adapter in _P_CONTRACT_ADAPTERS.items():
                if hook not in cls.__dict__:
                    setattr(cls, hook, adapter)
            if "default_p" not in cls.__dict__:
                cls.default_p = 1.0

    # -- calling the Keras methods on a keras_aug layer -------------------------------------------

    def get_random_transformation(self, data, training=True, seed=None):
        """keras_aug's parameter dict for ``data`` (images or a dict with ``"images"``); ``None`` if not training."""
        if not training or getattr(type(self).get_params, "keras_adapter", False):
            return None  # Keras' base returns None; a Keras-way subclass draws in its own override
        if seed is not None:
            raise ValueError(
                f"{type(self).__name__} draws from its own seed: pass `seed` to the constructor, not to "
                f"get_random_transformation() (got seed={seed!r})."
            )
        images, _ = _batch(self._channels_last(_images_of(data)))
        params = self.draw_params(images)
        put_back = self.restores_unaugmented(params, images)
        return {**params, IMAGE_SHAPE: tf.shape(images), PUT_BACK: put_back}

    def transform_images(self, images, transformation, training=True):
        """Apply ``transformation`` (from :meth:`get_random_transformation`) to images in ``data_format``."""
        if not training or transformation is None:
            return images
        batch, single = _batch(self._channels_last(images))
        out = _put_back(transformation, _native(self, "augment_images")(batch, transformation), batch)
        return self._user_layout(out[0] if single else out)

    def transform_segmentation_masks(self, segmentation_masks, transformation, training=True):
        """Apply ``transformation`` to a batch of masks ``[B, H, W]`` or ``[B, H, W, 1]`` (``data_format``)."""
        if not training or transformation is None:
            return segmentation_masks
        masks = tf.convert_to_tensor(segmentation_masks)
        squeeze = masks.shape.rank == 3
        masks = masks[..., tf.newaxis] if squeeze else self._channels_last(masks)
        out = _put_back(transformation, _native(self, "augment_masks")(masks, transformation), masks)
        return out[..., 0] if squeeze else self._user_layout(out)

    def transform_labels(self, labels, transformation, training=True):
        """Apply ``transformation`` to labels (the identity unless the layer mixes samples)."""
        if not training or transformation is None:
            return labels
        return _native(self, "augment_labels")(tf.convert_to_tensor(labels), transformation)

    def transform_bounding_boxes(self, bounding_boxes, transformation, training=True):
        """Move ``{"boxes": [B, N, 4], "labels": [B, N]}`` (in ``bounding_box_format``) by ``transformation``.

        The image size comes from ``transformation["image_shape"]`` (set by :meth:`get_random_transformation`).
        """
        if not training or transformation is None:
            return bounding_boxes
        height, width = transformation[IMAGE_SHAPE][1], transformation[IMAGE_SHAPE][2]
        xyxy, labels, restore = layer_inputs.boxes_to_xyxy(
            bounding_boxes, self.bounding_box_format, height, width, single=False
        )
        moved, new_labels = _native(self, "augment_boxes")(xyxy, labels, transformation, height, width)
        return restore(_put_back(transformation, moved, xyxy), _put_back(transformation, new_labels, labels))

    # -- layout helpers -------------------------------------------------------------------------

    def _channels_last(self, images):
        return to_channels_last({IMAGES: images}, self.data_format)[IMAGES]

    def _user_layout(self, images):
        return from_channels_last({IMAGES: images}, self.data_format)[IMAGES]


# -- adapters: a Keras-way subclass's overrides become the base's hooks ------------------------------


def _put_back(transformation: dict, augmented, original):
    """The base's rule for layers without neutral parameters: non-augmented samples get their originals."""
    return (
        select.select_samples(transformation["apply"], augmented, original)
        if transformation.get(PUT_BACK)
        else augmented
    )


def _unwrap(params: dict):
    return params.get(TRANSFORMATION, params)


def _get_params(self, batch_size, images, seed) -> dict:
    """Keras' draw, with the layer's ``SeedGenerator`` as ``seed`` (what Keras layers pass themselves)."""
    transformation = self.get_random_transformation(self._user_layout(images), True, self.seed_generator)
    return dict(transformation) if isinstance(transformation, dict) else {TRANSFORMATION: transformation}


def _no_neutral_params(self, params, images):
    return None


def _no_derived_params(self, params, images):
    return params


def _p(self) -> float:
    return self.p


def _augment_images(self, images, params):
    return self._channels_last(self.transform_images(self._user_layout(images), _unwrap(params), True))


def _augment_masks(self, masks, params):
    return self._channels_last(
        self.transform_segmentation_masks(self._user_layout(masks), _unwrap(params), True)
    )


def _augment_labels(self, labels, params):
    return self.transform_labels(labels, _unwrap(params), True)


def _augment_boxes(self, boxes, labels, params, height, width):
    own = box_ops.convert_format(boxes, "xyxy", self.bounding_box_format, height, width)
    moved = self.transform_bounding_boxes({"boxes": own, "labels": labels}, _unwrap(params), True)
    xyxy = box_ops.convert_format(moved["boxes"], self.bounding_box_format, "xyxy", height, width)
    return xyxy, moved["labels"]


_ADAPTERS = {
    "get_params": _get_params,
    "augment_images": _augment_images,
    "augment_masks": _augment_masks,
    "augment_labels": _augment_labels,
    "augment_boxes": _augment_boxes,
}
_P_CONTRACT_ADAPTERS = {
    "neutral_params": _no_neutral_params,
    "derive_params": _no_derived_params,
    "sample_probability": _p,
}
for _adapter in (*_ADAPTERS.values(), *_P_CONTRACT_ADAPTERS.values()):
    _adapter.keras_adapter = True
