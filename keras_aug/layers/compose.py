"""Composition layers: ``Pipeline``, ``RandomApply``, ``OneOf`` and ``SomeOf``, with a per-sample choice.

Every image in a batch draws its own branch. Shapes must stay static under XLA, so a composite runs
*every* branch on the whole batch and keeps, per sample, the output of the branch that sample drew
(``tf.where`` on a ``[B]`` boolean): **the cost is the sum of the branches**, not their average.
A keras_aug layer with ``p < 1`` works the same way (it computes every sample and blends), so
``RandomApply(layer, p)`` costs one call of ``layer`` plus a select, and ``OneOf([a, b, c])`` costs
``a + b + c``: keep expensive layers (CLAHE, elastic) out of wide ``OneOf``/``SomeOf`` lists.

Dict inputs (``{"images", "labels", "segmentation_masks", "bounding_boxes", ...}``) go through every
step whole, so masks and boxes follow the branch their image took (give the wrapped layers their
``bounding_box_format``; ragged boxes work too). keras_aug layers (and, from Keras 3.6, Keras'
own image preprocessing layers) receive the whole structure; any other Keras layer receives the
images only and leaves the other keys as they are (fine for photometric layers such as
``keras.layers.GaussianNoise``; do not put a plain geometric layer in front of masks).

The composites derive from :class:`~keras_aug.layers.base.BaseAugmentation`: they share its ``p``,
``seed`` (their own ``SeedGenerator``, drawn through :mod:`keras_aug.ops.random`, so the choices are
the same eagerly, in ``tf.data`` and under XLA), argument checks and config; they override ``call``
because their steps take the whole input structure, not images alone. Wrapped layers keep their own
seeds.
"""

from __future__ import annotations

import math

import keras
import tensorflow as tf

from keras_aug.layers.base import BaseAugmentation
from keras_aug.layers.inputs import IMAGES, to_batch, unpack
from keras_aug.ops import random as krandom
from keras_aug.validation import is_number


def _check_layer(layer, name: str):
    if not isinstance(layer, keras.layers.Layer):
        raise ValueError(f"`{name}` must be a Keras layer, got {type(layer).__name__}: {layer!r}.")
    return layer


def _check_layers(layers, name: str = "layers") -> list:
    if isinstance(layers, keras.layers.Layer) or not isinstance(layers, (list, tuple)) or not layers:
        raise ValueError(f"`{name}` must be a non-empty list of Keras layers, got {layers!r}.")
    return [_check_layer(layer, f"{name}[{i}]") for i, layer in enumerate(layers)]


#: ``keras.layers.Pipeline`` (Keras >= 3.6), or None on older Keras, which has no dict-aware pipeline.
_KERAS_PIPELINE = getattr(keras.layers, "Pipeline", None)


def _takes_structures(layer) -> bool:
    """Whether ``layer`` understands ``{"images", "segmentation_masks", ...}`` dicts."""
    if isinstance(layer, BaseAugmentation):
        return True
    if _KERAS_PIPELINE is not None and isinstance(layer, _KERAS_PIPELINE):
        return all(_takes_structures(inner) for inner in layer.layers)
    return hasattr(layer, "transform_images") and hasattr(layer, "transform_segmentation_masks")


def _call_kwargs(layer, training) -> dict:
    if training is not None and getattr(layer, "_call_has_training_arg", True):
        return {"training": training}
    return {}


def _run(layer, data: dict, training) -> dict:
    """Apply one step to the whole ``data`` dict (or to its images only, for layers that want images)."""
    kwargs = _call_kwargs(layer, training)
    if _takes_structures(layer):
        return {**data, **layer(data, **kwargs)}
    return {**data, IMAGES: layer(data[IMAGES], **kwargs)}


def _fresh(spec):
    return tf.nest.map_structure(lambda t: keras.KerasTensor(t.shape, t.dtype), spec)


def _spec(layer, spec: dict, training) -> dict:
    """The output spec of one step, mirroring :func:`_run`."""
    if _takes_structures(layer):
        if isinstance(layer, BaseAugmentation):
            return {**spec, **layer.compute_output_spec(spec, training=training)}
        return {**spec, **layer.compute_output_spec(spec)}
    images = spec[IMAGES]
    if not layer.built:
        layer.build(images.shape)
    return {**spec, IMAGES: layer.compute_output_spec(images)}


def _select(take, chosen: dict, other: dict, single: bool, where: str) -> dict:
    """Per sample: ``chosen`` where ``take`` (bool ``[B]``) is True, else ``other``; leaf by leaf."""

    def pick(key, a, b):
        if a is b:  # passed through untouched by both sides
            return a
        if isinstance(a, tf.RaggedTensor) and isinstance(b, tf.RaggedTensor) and a.ragged_rank == 1:
            # e.g. boxes [B, (N), 4]: every row follows its sample (both sides keep the row lengths)
            take_rows = take[0] if single else tf.gather(take, a.value_rowids())
            values = a.values
            if not single:
                take_rows = tf.reshape(take_rows, [-1] + [1] * (values.shape.rank - 1))
            return a.with_values(tf.where(take_rows, values, b.values))
        a, b = tf.convert_to_tensor(a), tf.convert_to_tensor(b)
        if a.dtype != b.dtype or a.shape.rank != b.shape.rank:
            raise ValueError(
                f"{where}: every branch must keep the dtype and rank of {key!r} to choose per sample, "
                f"got {a.dtype.name} {a.shape} and {b.dtype.name} {b.shape}. Cast the images once before "
                "the composite, or give every branch layers that keep dtypes (keras_aug layers do); "
                "MixUp/CutMix change labels to one-hot, so wrap them in a composite only together "
                "(e.g. OneOf([MixUp(...), CutMix(...)])) or use their own `p`."
            )
        if single:
            return tf.where(take[0], a, b)
        if a.shape.rank == 0:
            raise ValueError(f"{where}: {key!r} has no batch axis to choose along.")
        return tf.where(tf.reshape(take, [-1] + [1] * (a.shape.rank - 1)), a, b)

    if set(chosen) != set(other):
        raise ValueError(f"{where}: branches returned different keys: {sorted(chosen)} vs {sorted(other)}.")
    out = {}
    for key, value in chosen.items():
        try:
            tf.nest.assert_same_structure(value, other[key])
        except (TypeError, ValueError) as error:
            raise ValueError(f"{where}: branches returned different structures for {key!r}.") from error
        out[key] = tf.nest.map_structure(lambda a, b, key=key: pick(key, a, b), value, other[key])
    return out


class _Composite(BaseAugmentation):
    """Shared machinery: unpack once, run the steps on the whole structure, restore the structure."""

    #: Whether ``training=False`` still calls the steps (with ``training=False``), like ``Sequential``.
    runs_at_inference = False

    def __init__(self, layers, p=None, seed=None, **kwargs):
        super().__init__(p=p, seed=seed, **kwargs)
        self._composite_layers = _check_layers(layers)

    @property
    def layers(self) -> list:
        """The wrapped layers, in order."""
        return list(self._composite_layers)

    def compose(self, data: dict, params: dict, training, single: bool) -> dict:
        """Return the output dict for ``data`` given this batch's ``params``."""
        raise NotImplementedError

    def call(self, inputs, training=True):
        if training is False and not self.runs_at_inference:
            return inputs
        data, restore = unpack(inputs)
        images, single = to_batch(data[IMAGES])
        params = self.draw_params(images) if training is not False and self.is_random() else {}
        return restore(self.compose(data, params, training, single))

    def is_random(self) -> bool:
        """Whether this layer draws anything itself (a ``Pipeline`` with ``p=1`` does not)."""
        return True

    def get_params(self, batch_size, images, seed) -> dict:
        return {}

    def augment_images(self, images, params):  # pragma: no cover - composites override call()
        raise NotImplementedError(f"{type(self).__name__} applies its layers through call().")

    def compute_output_spec(self, inputs, training=True):
        data, restore = unpack(inputs)
        out = self.output_spec(data, training)
        return restore(_fresh(out))

    def output_spec(self, spec: dict, training) -> dict:
        for layer in self._composite_layers:
            spec = _spec(layer, spec, training)
        return spec

    def get_config(self) -> dict:
        return {
            **super().get_config(),
            "layers": [keras.saving.serialize_keras_object(layer) for layer in self._composite_layers],
        }

    @classmethod
    def from_config(cls, config):
        config = dict(config)
        if not isinstance(config.get("layers"), (list, tuple)):
            raise ValueError(
                f"The config of {cls.__name__} needs `layers`, a list of serialized layers, got {config!r}."
            )
        config["layers"] = [keras.saving.deserialize_keras_object(layer) for layer in config["layers"]]
        return cls(**config)


@keras.saving.register_keras_serializable(package="keras_aug")
class Pipeline(_Composite):
    """Apply ``layers`` one after the other to the whole input (images, masks, labels, boxes together).

    A drop-in for ``keras.layers.Pipeline(layers, name=None)`` that also keeps dict inputs aligned and
    adds ``p``: each sample goes through the whole pipeline with probability ``p`` (default 1), else
    comes out unchanged. Like ``Sequential``, ``training=False`` calls every step with
    ``training=False``, so augmentation layers pass inputs through and e.g. ``Normalization`` still
    normalizes.

    Args:
        layers: list of Keras layers (keras_aug layers get the whole dict, others the images only).
        p: per-sample probability of running the pipeline (default 1.0).
        seed: integer seed for the ``p`` draw (the layers keep their own seeds).

    Example:
    >>> from keras_aug.layers import RandomFlip, RandomRotation
    >>> pipeline = Pipeline([RandomFlip(seed=0), RandomRotation(0.1, seed=1)])
    >>> out = pipeline({"images": tf.zeros([2, 8, 8, 3]), "segmentation_masks": tf.zeros([2, 8, 8, 1], tf.int32)})
    >>> out["segmentation_masks"].dtype
    tf.int32
    """

    runs_at_inference = True

    def __init__(self, layers, p: float | None = None, seed: int | None = None, **kwargs):
        super().__init__(layers, p=p, seed=seed, **kwargs)

    def is_random(self) -> bool:
        return self.p < 1.0

    def compose(self, data, params, training, single):
        out = data
        for layer in self._composite_layers:
            out = _run(layer, out, training)
        if params and self.p < 1.0:
            out = _select(params["apply"], out, data, single, "Pipeline with p < 1")
        return out


@keras.saving.register_keras_serializable(package="keras_aug")
class RandomApply(_Composite):
    """Apply ``layer`` to each sample with probability ``p``; the other samples come out unchanged.

    Works for any Keras layer. When ``layer`` has a ``p`` of its own (keras_aug layers do), the overall
    probability is the product of the two. Cost: one call of ``layer`` on the whole batch plus a select.

    Args:
        layer: the Keras layer to apply.
        p: per-sample probability (default 0.5, as torchvision's ``RandomApply``).
        seed: integer seed for the per-sample draw.

    Example:
    >>> from keras_aug.layers import RandomRotation
    >>> layer = RandomApply(RandomRotation(0.1, seed=0), p=0.3, seed=1)
    >>> layer(tf.zeros([4, 8, 8, 3], tf.uint8)).shape
    TensorShape([4, 8, 8, 3])
    """

    default_p = 0.5

    def __init__(self, layer, p: float | None = None, seed: int | None = None, **kwargs):
        super().__init__([_check_layer(layer, "layer")], p=p, seed=seed, **kwargs)

    def is_random(self) -> bool:
        return self.p < 1.0

    @property
    def layer(self):
        """The wrapped layer."""
        return self._composite_layers[0]

    def compose(self, data, params, training, single):
        out = _run(self.layer, data, training)
        if self.p >= 1.0:
            return out
        return _select(params["apply"], out, data, single, "RandomApply")

    def get_config(self) -> dict:
        config = super().get_config()
        config["layer"] = config.pop("layers")[0]
        return config

    @classmethod
    def from_config(cls, config):
        config = dict(config)
        config["layer"] = keras.saving.deserialize_keras_object(config["layer"])
        return cls(**config)


@keras.saving.register_keras_serializable(package="keras_aug")
class OneOf(_Composite):
    """Apply exactly one of ``layers`` to each sample, drawn per sample with probabilities ``weights``.

    All branches see the same input; each sample keeps the output of its own branch. Every branch runs
    on the whole batch, so **the cost is the sum of the branches** (shapes must be static under XLA).

    Args:
        layers: list of Keras layers (the branches).
        weights: relative branch weights (non-negative, not all zero; normalized here); default equal.
        p: per-sample probability that any branch is applied (default 1.0; else the sample is unchanged).
        seed: integer seed for the per-sample choice (the layers keep their own seeds).

    Example:
    >>> from keras_aug.layers import RandomFlip, RandomRotation
    >>> layer = OneOf([RandomFlip(p=1.0), RandomRotation(0.2)], weights=[3, 1], seed=0)
    >>> layer(tf.zeros([4, 8, 8, 3], tf.uint8)).shape
    TensorShape([4, 8, 8, 3])
    """

    def __init__(self, layers, weights=None, p: float | None = None, seed: int | None = None, **kwargs):
        super().__init__(layers, p=p, seed=seed, **kwargs)
        count = len(self._composite_layers)
        if weights is None:
            weights = [1.0] * count
        if (
            not isinstance(weights, (list, tuple))
            or len(weights) != count
            or not all(is_number(w) and 0 <= w < math.inf for w in weights)
            or not sum(weights) > 0
        ):
            raise ValueError(
                f"`weights` must be a list of {count} non-negative numbers (one per layer), not all zero, "
                f"got {weights!r}."
            )
        total = float(sum(weights))
        self.branch_weights = [float(w) / total for w in weights]

    def get_params(self, batch_size, images, seed) -> dict:
        edges = tf.constant(self.branch_weights, tf.float32)
        edges = tf.math.cumsum(edges)[:-1]  # branch i where edges[i-1] <= u < edges[i]
        u = krandom.uniform(seed, [batch_size])
        return {"choice": tf.reduce_sum(tf.cast(u[:, tf.newaxis] >= edges, tf.int32), axis=1)}

    def neutral_params(self, params, images) -> dict:
        return {"choice": -1}  # no branch

    def compose(self, data, params, training, single):
        outputs = [_run(layer, data, training) for layer in self._composite_layers]
        choice = params["choice"]
        if self.p < 1.0:
            out = data
        else:
            out, outputs = outputs[-1], outputs[:-1]
        for i, branch in enumerate(outputs):
            out = _select(tf.equal(choice, i), branch, out, single, "OneOf")
        return out

    def output_spec(self, spec, training):
        return _spec(self._composite_layers[0], spec, training)

    def get_config(self) -> dict:
        return {**super().get_config(), "weights": list(self.branch_weights)}


@keras.saving.register_keras_serializable(package="keras_aug")
class SomeOf(_Composite):
    """Apply ``n`` of ``layers``, a different random subset per sample, in the order they are listed.

    Each sample draws ``n`` distinct layers (uniformly among subsets of that size; with ``n=(lo, hi)``
    the count itself is drawn uniformly in ``[lo, hi]`` per sample) and goes through them in list order.
    Every layer runs on the whole batch, so **the cost is the sum of all the layers**.

    Args:
        layers: list of Keras layers.
        n: how many to apply per sample: an int in ``[0, len(layers)]`` or a ``(lo, hi)`` pair.
        p: per-sample probability that any layer is applied (default 1.0).
        seed: integer seed for the per-sample subsets (the layers keep their own seeds).

    Example:
    >>> from keras_aug.layers import RandomBrightness, RandomFlip, RandomRotation
    >>> layer = SomeOf([RandomFlip(p=1.0), RandomRotation(0.2), RandomBrightness(0.2)], n=2, seed=0)
    >>> layer(tf.zeros([4, 8, 8, 3], tf.uint8)).shape
    TensorShape([4, 8, 8, 3])
    """

    def __init__(self, layers, n=1, p: float | None = None, seed: int | None = None, **kwargs):
        super().__init__(layers, p=p, seed=seed, **kwargs)
        count = len(self._composite_layers)
        expected = f"an integer in [0, {count}] (the number of layers) or a pair (lo, hi) with 0 <= lo <= hi <= {count}"
        integer = lambda v: isinstance(v, int) and not isinstance(v, bool)  # noqa: E731
        if integer(n):
            bounds = (n, n)
        elif isinstance(n, (list, tuple)) and len(n) == 2 and all(map(integer, n)):
            bounds = (n[0], n[1])
        else:
            raise ValueError(f"`n` must be {expected}, got {n!r}.")
        if not 0 <= bounds[0] <= bounds[1] <= count:
            raise ValueError(f"`n` must be {expected}, got {n!r}.")
        self.n = n if integer(n) else list(bounds)
        self._bounds = bounds

    def get_params(self, batch_size, images, seed) -> dict:
        count = len(self._composite_layers)
        key_seed, count_seed = tf.unstack(krandom.split(seed, 2))
        keys = krandom.uniform(key_seed, [batch_size, count])
        rank = tf.argsort(tf.argsort(keys, axis=1, stable=True), axis=1, stable=True)  # random permutation
        low, high = self._bounds
        if low == high:
            how_many = tf.fill([batch_size], low)
        else:
            how_many = krandom.uniform_int(count_seed, [batch_size], low, high + 1)
        return {"chosen": rank < how_many[:, tf.newaxis]}

    def neutral_params(self, params, images) -> dict:
        return {"chosen": False}  # no layer

    def compose(self, data, params, training, single):
        chosen = params["chosen"]
        out = data
        for i, layer in enumerate(self._composite_layers):
            out = _select(chosen[:, i], _run(layer, out, training), out, single, "SomeOf")
        return out

    def get_config(self) -> dict:
        return {**super().get_config(), "n": self.n}
