"""Normalization: Keras 3's general ``(x - mean) / sqrt(variance)`` layer, with images as the main case.

Keras' contract (any ``axis``, non-image data, ``.mean`` / ``.variance`` broadcast to the input's rank,
``adapt`` on an array, a tensor, a ``tf.data.Dataset``, a ``keras.utils.PyDataset`` or any iterable of
batches), plus what images need: ``std`` as an alternative to ``variance``, dict inputs with ``"images"``,
float inputs keep their dtype, ``adapt`` reading dataset elements that are dicts or ``(x, y)`` tuples, and
statistics (given or adapted) kept in the config and in weights.
"""

from __future__ import annotations

import itertools

import keras
import numpy as np
import tensorflow as tf

from keras_aug.layers.inputs import require_images
from keras_aug.ops import color, stats

IMAGES = "images"


def _stat_array(value, name: str) -> np.ndarray | None:
    """``None`` or a finite float64 array (a number, a per-channel list, or any array Keras accepts)."""
    if value is None:
        return None
    try:
        array = np.asarray(value, dtype=np.float64)
    except (TypeError, ValueError):
        array = np.asarray([np.nan])
    if array.size == 0 or not np.all(np.isfinite(array)):
        raise ValueError(f"`{name}` must be a finite number or an array of finite numbers, got {value!r}.")
    return array


def _check_axis(axis) -> tuple[int, ...]:
    if axis is None:
        return ()
    if isinstance(axis, (int, np.integer)) and not isinstance(axis, bool):
        return (int(axis),)
    if isinstance(axis, (tuple, list)) and all(isinstance(a, (int, np.integer)) for a in axis):
        return tuple(int(a) for a in axis)
    raise ValueError(f"`axis` must be an integer, a tuple of integers or None, got {axis!r}.")


def _first_of(element):
    """The data of one batch: ``element["images"]`` of a dict, ``element[0]`` of an ``(x, y[, w])`` tuple."""
    if isinstance(element, dict):
        if IMAGES not in element:
            raise ValueError(f"Dict batches need an 'images' key, got keys {list(element)}.")
        return element[IMAGES]
    if isinstance(element, tuple):
        return element[0]
    return element


def _moments(batch, keep: tuple[int, ...]) -> stats.Moments:
    """Float64 moments of ``batch`` over every axis but ``keep`` (negative indices)."""
    batch = tf.cast(batch, tf.float64)
    rank = batch.shape.rank
    reduce = [d for d in range(rank) if d - rank not in keep]
    shape = tf.shape(batch)
    count = tf.cast(tf.reduce_prod(tf.gather(shape, reduce)) if reduce else 1, tf.float64)
    mean = tf.reduce_mean(batch, axis=reduce, keepdims=True)
    m2 = tf.reduce_sum(tf.square(batch - mean), axis=reduce)
    return stats.Moments(count, tf.squeeze(mean, axis=reduce) if reduce else mean, m2)


@keras.saving.register_keras_serializable(package="keras_aug")
class Normalization(keras.layers.Layer):
    """``(x - mean) / sqrt(variance)`` with statistics per position along ``axis``, given or adapted.

    A plain Keras layer rather than a ``BaseAugmentation``: it is deterministic and applies at inference
    (``training=False``) too. Statistics live in two non-trainable weights (``mean``, ``variance``), so
    adapting after a model was traced still takes effect, and in ``get_config``, so a saved or cloned layer
    keeps them.

    Args:
        mean: a number or an array broadcastable to the kept axes (e.g. ``[123.7, 116.3, 103.5]`` for uint8
            RGB with ``axis=-1``), in the input's units.
        std: standard deviations, > 0 (or give ``variance``, as in Keras). Give ``mean`` with ``std`` or
            ``variance``, or neither and call :meth:`adapt`.
        invert: if True, compute ``x * std + mean`` instead (to show normalized images).
        variance: Keras' alternative to ``std`` (``std = sqrt(variance)``).
        axis: the axes that keep their own statistics (Keras' meaning): ``-1`` (default, per channel for
            images), a tuple, or ``None`` for one mean and variance over everything.

    Inputs: any numeric tensor (images ``[B, H, W, C]``, features ``[B, F]``, ...) or a dict with
    ``"images"`` (other keys pass through). Output: float inputs keep their dtype, others give float32.

    Example:
    >>> layer = Normalization()
    >>> layer.adapt(np.array([[[[0.0], [2.0]]]]))
    >>> layer(tf.constant([[[[2.0]]]])).numpy().ravel().tolist()
    [1.0]
    """

    def __init__(self, mean=None, std=None, invert: bool = False, variance=None, axis=-1, **kwargs):
        super().__init__(**kwargs)
        self.autocast = False  # the input's float dtype is kept, also under mixed precision
        self.axis = _check_axis(axis)
        if std is not None and variance is not None:
            raise ValueError("Pass either `std` or `variance`, not both.")
        if (mean is not None) != (std is not None or variance is not None):
            raise ValueError(
                "Pass both `mean` and `std` (or `variance`), or neither and call `adapt()` before use "
                "(Keras: when setting values directly, both `mean` and `variance` must be set)."
            )
        if variance is not None:
            variance = _stat_array(variance, "variance")
            if variance.min() < 0:
                raise ValueError(f"`variance` must be >= 0, got {variance.tolist()!r}.")
            std = np.sqrt(variance)
        self.input_mean = _stat_array(mean, "mean")
        self.input_std = _stat_array(std, "std")
        if self.input_std is not None and self.input_std.min() <= 0:
            raise ValueError(f"`std` must be > 0 everywhere, got {self.input_std.tolist()!r}.")
        for name, value in (("mean", self.input_mean), ("std", self.input_std)):
            if value is not None and value.ndim > len(self.axis):
                raise ValueError(
                    f"The rank of `{name}` must be at most the number of kept axes ({len(self.axis)}), "
                    f"got shape {value.shape} for axis={self.axis}."
                )
        if not isinstance(invert, bool):
            raise ValueError(f"`invert` must be True or False, got {invert!r}.")
        self.invert = invert
        self.supports_masking = True
        self.supports_jit = True
        self._build_input_shape = None

    # -- shapes and weights -----------------------------------------------------------------------

    def build(self, input_shape):
        if isinstance(input_shape, dict):
            input_shape = require_images(input_shape)[IMAGES]
        input_shape = tuple(input_shape)
        ndim = len(input_shape)
        if any(a < -ndim or a >= ndim for a in self.axis):
            raise ValueError(
                f"All `axis` values must be in the range [-ndim, ndim), got inputs with ndim={ndim} and "
                f"axis={self.axis}."
            )
        keep = tuple(sorted(a % ndim for a in self.axis))
        for d in keep:
            if input_shape[d] is None:
                raise ValueError(
                    f"All `axis` values to be kept must have a known shape, got axis={self.axis} and input "
                    f"shape {input_shape} (unknown axis {d}; for images: the channels must be known)."
                )
        self._build_input_shape = input_shape
        self._keep = tuple(d - ndim for d in keep)  # negative: also right for unbatched inputs
        self._stat_shape = tuple(input_shape[d] for d in keep)
        self._broadcast_shape = tuple(input_shape[d] if d in keep else 1 for d in range(ndim))
        # Lifted out of any trace: the first call may come from inside a tf.data map or tf.function.
        with tf.init_scope():
            self.mean_weight = self.add_weight(
                name="mean", shape=self._stat_shape, initializer="zeros", trainable=False
            )
            self.variance_weight = self.add_weight(
                name="variance", shape=self._stat_shape, initializer="ones", trainable=False
            )
            if self.input_mean is not None:
                self._assign(self.input_mean, self.input_std)
        self.built = True

    def _fit(self, value: np.ndarray, name: str) -> np.ndarray:
        """``value`` broadcast to the kept axes (trailing dimensions aligned, as in Keras)."""
        try:
            return np.broadcast_to(value, self._stat_shape)
        except ValueError:
            raise ValueError(
                f"`{name}` has shape {value.shape}, which does not broadcast to the kept axes' shape "
                f"{self._stat_shape} (for images with axis=-1: the number of channels)."
            ) from None

    def _assign(self, mean: np.ndarray, std: np.ndarray) -> None:
        self.mean_weight.assign(self._fit(mean, "mean").astype(np.float32))
        self.variance_weight.assign(np.square(self._fit(std, "std")).astype(np.float32))

    def _broadcast(self, weight) -> tf.Tensor | None:
        if not self.built:
            return None
        return tf.reshape(tf.convert_to_tensor(weight), self._broadcast_shape)

    @property
    def mean(self) -> tf.Tensor | None:
        """The mean, broadcast to the input's rank (Keras' shape), or ``None`` before the layer is built."""
        return self._broadcast(self.mean_weight) if self.built else None

    @property
    def variance(self) -> tf.Tensor | None:
        """The variance, broadcast like :attr:`mean`."""
        return self._broadcast(self.variance_weight) if self.built else None

    @property
    def std(self) -> tf.Tensor | None:
        """``sqrt(variance)``, broadcast like :attr:`mean`."""
        return None if not self.built else tf.sqrt(self.variance)

    # -- adapt ------------------------------------------------------------------------------------

    def adapt(self, data, steps: int | None = None) -> None:
        """Learn the mean and (population) variance of ``data`` along the kept axes, in one streaming pass.

        ``data``: a NumPy array or tensor (all of it is one batch); a ``tf.data.Dataset`` whose elements
        are batches (rank-1 elements are batched by 128, as in Keras; for images with ``axis=-1``, elements
        may also be single images); a ``keras.utils.PyDataset``; or any iterable of batches (a list,
        a generator). Elements may be ``(x, y[, w])`` tuples (``x`` is used) or dicts with ``"images"``.
        Statistics are accumulated in float64 (Chan et al.'s update), so large means keep their precision.
        ``steps``: read at most this many batches.

        Example:
        >>> layer = Normalization()
        >>> layer.adapt(tf.data.Dataset.from_tensor_slices(np.full([4, 2, 2, 3], 7, np.uint8)).batch(2))
        >>> np.ravel(layer.mean).tolist()
        [7.0, 7.0, 7.0]
        """
        if steps is not None and (isinstance(steps, bool) or not isinstance(steps, int) or steps < 1):
            raise ValueError(f"`steps` must be a positive integer or None, got {steps!r}.")
        if isinstance(data, (np.ndarray, np.generic)) or tf.is_tensor(data) or keras.ops.is_tensor(data):
            batch = tf.convert_to_tensor(data)
            self._build_for(tuple(batch.shape))
            moments = _moments(batch, self._keep)
        elif isinstance(data, tf.data.Dataset):
            moments = self._dataset_moments(data, steps)
        else:
            moments = self._iterable_moments(data, steps)
        count = float(moments.count)
        if count == 0:
            raise ValueError("`data` holds no values: cannot compute a mean and variance.")
        mean = np.broadcast_to(moments.mean.numpy(), self._stat_shape)
        std = np.sqrt(np.broadcast_to(moments.m2.numpy(), self._stat_shape) / count)
        self.input_mean, self.input_std = mean, std
        self.mean_weight.assign(mean.astype(np.float32))
        self.variance_weight.assign(np.square(std).astype(np.float32))

    def _build_for(self, shape: tuple) -> None:
        if not self.built:
            self.build(shape)
            return
        ndim = len(shape)
        if any(-k > ndim or shape[k] not in (None, self._build_input_shape[k]) for k in self._keep):
            raise ValueError(
                f"The layer was built with input_shape={self._build_input_shape}, but adapt() is being "
                f"called with data with an incompatible shape, data.shape={shape} (for images: another "
                "number of channels)."
            )

    def _dataset_moments(self, data: tf.data.Dataset, steps: int | None) -> stats.Moments:
        data = data.map(lambda *element: _first_of(element if len(element) > 1 else element[0]))
        if data.element_spec.shape.rank == 1:
            data = data.batch(128)
        if steps is not None:
            data = data.take(steps)
        spec = data.element_spec
        if spec.shape.rank is None:
            raise ValueError(f"adapt() needs dataset elements of known rank, got {spec}.")
        self._build_for(tuple(spec.shape))
        zeros = tf.zeros(self._stat_shape, tf.float64)
        initial = stats.Moments(tf.constant(0.0, tf.float64), zeros, zeros)
        keep = self._keep
        return data.reduce(initial, lambda state, batch: stats.merge_moments(state, _moments(batch, keep)))

    def _iterable_moments(self, data, steps: int | None) -> stats.Moments:
        if isinstance(data, keras.utils.PyDataset):
            dataset = data
            data = (dataset[i] for i in range(len(dataset)))
        elif not hasattr(data, "__iter__") or isinstance(data, (str, bytes, dict)):
            raise TypeError(
                f"Unsupported data type: {type(data).__name__}. `adapt` supports NumPy arrays, tensors, "
                "tf.data.Dataset, keras.utils.PyDataset and iterables of batches (e.g. a list, a generator)."
            )
        batches = iter(data) if steps is None else itertools.islice(data, steps)
        first = next(batches, None)
        if first is None:
            raise ValueError(
                "adapt() received an empty iterable (no batches). Expected at least one batch, e.g. "
                "layer.adapt([x]) or layer.adapt(list_of_batches)."
            )
        moments = None
        for element in itertools.chain([first], batches):
            batch = _first_of(element)
            if getattr(batch, "shape", None) is None:
                raise TypeError(
                    "adapt() expects an iterable that yields arrays or tensors with a `.shape` attribute, "
                    f"got an element of type {type(batch).__name__}."
                )
            self._build_for(tuple(batch.shape))
            part = _moments(tf.convert_to_tensor(batch), self._keep)
            moments = part if moments is None else stats.merge_moments(moments, part)
        return moments

    # -- call ---------------------------------------------------------------------------------------

    def call(self, inputs):
        if self.input_mean is None:
            raise ValueError(
                "Normalization has no statistics: pass `mean` and `std` (or `variance`), or call "
                "`adapt(data)` before using it."
            )
        x = tf.convert_to_tensor(require_images(inputs)[IMAGES] if isinstance(inputs, dict) else inputs)
        if x.shape.rank and any(-x.shape.rank <= a < x.shape.rank and x.shape[a] == 0 for a in self.axis):
            raise ValueError(
                f"Normalization's inputs must have at least one channel (entry) along each kept `axis` "
                f"{self.axis}, got shape {x.shape}."
            )
        compute = tf.float64 if x.dtype == tf.float64 else tf.float32
        mean = tf.cast(self.mean_weight, compute)
        std = tf.maximum(tf.sqrt(tf.cast(self.variance_weight, compute)), keras.config.epsilon())
        shape = self._broadcast_shape[-x.shape.rank :] if x.shape.rank < len(self._broadcast_shape) else None
        shape = shape or self._broadcast_shape
        out = color.standardize(x, tf.reshape(mean, shape), tf.reshape(std, shape), invert=self.invert)
        return {**inputs, IMAGES: out} if isinstance(inputs, dict) else out

    def compute_output_shape(self, input_shape):
        return input_shape

    def compute_output_spec(self, inputs):
        def spec(t):
            dtype = t.dtype if keras.backend.is_float_dtype(t.dtype) else "float32"
            return keras.KerasTensor(t.shape, dtype=dtype)

        if isinstance(inputs, dict):
            return {**inputs, IMAGES: spec(inputs[IMAGES])}
        return spec(inputs)

    def get_config(self) -> dict:
        def as_list(value):
            return None if value is None else np.asarray(value).tolist()

        return {
            **super().get_config(),
            "mean": as_list(self.input_mean),
            "std": as_list(self.input_std),
            "invert": self.invert,
            "axis": self.axis,
        }

    def get_build_config(self):
        if self._build_input_shape:
            return {"input_shape": self._build_input_shape}

    def build_from_config(self, config):
        if config:
            self.build(config["input_shape"])
