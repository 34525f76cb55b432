"""Counter-based random numbers that are identical eagerly, in tf.data and under XLA.

``tf.random.stateless_*`` picks a different algorithm under XLA, so the same seed gives
different draws depending on whether the code is compiled. These helpers hash
``(seed, counter)`` with integer ops instead, which every backend evaluates the same way.
A seed is an integer tensor of shape ``[2]`` (as produced by ``keras.random.SeedGenerator``).
"""

from __future__ import annotations

import math

import tensorflow as tf

_GOLDEN = 0x9E3779B9


def _u32(value: int) -> tf.Tensor:
    return tf.constant(value & 0xFFFFFFFF, tf.uint32)


def _mix32(x: tf.Tensor) -> tf.Tensor:
    """The ``lowbias32`` integer hash (Wellons): a bijection on uint32 with good avalanche."""
    x = tf.bitwise.bitwise_xor(x, tf.bitwise.right_shift(x, _u32(16)))
    x = x * _u32(0x7FEB352D)
    x = tf.bitwise.bitwise_xor(x, tf.bitwise.right_shift(x, _u32(15)))
    x = x * _u32(0x846CA68B)
    return tf.bitwise.bitwise_xor(x, tf.bitwise.right_shift(x, _u32(16)))


def _seed_words(seed) -> tuple[tf.Tensor, tf.Tensor]:
    seed = tf.convert_to_tensor(seed)
    if seed.shape.rank != 1 or (seed.shape[0] is not None and seed.shape[0] != 2):
        raise ValueError(f"`seed` must be an integer tensor of shape [2], got shape {seed.shape}.")
    if not seed.dtype.is_integer:
        raise ValueError(f"`seed` must have an integer dtype, got {seed.dtype.name}.")
    words = tf.cast(tf.bitwise.bitwise_and(tf.cast(seed, tf.int64), 0xFFFFFFFF), tf.uint32)
    high = tf.cast(tf.bitwise.right_shift(tf.cast(seed, tf.int64), 32), tf.uint32)
    words = tf.bitwise.bitwise_xor(words, _mix32(high))
    return words[0], words[1]


def random_bits(seed, shape) -> tf.Tensor:
    """Uniformly random uint32 values of ``shape`` determined by ``seed`` alone.

    Example:
    >>> bits = random_bits(tf.constant([1, 2]), [3])
    >>> bits.dtype
    tf.uint32
    """
    k0, k1 = _seed_words(seed)
    size = tf.reduce_prod(tf.cast(shape, tf.int32))
    counter = tf.range(size, dtype=tf.int32)
    counter = tf.bitcast(counter, tf.uint32)
    h = _mix32(tf.bitwise.bitwise_xor(counter * _u32(_GOLDEN), k0))
    h = _mix32(h + _mix32(k1 + _u32(_GOLDEN)))
    return tf.reshape(h, shape)


def uniform(seed, shape, minval=0.0, maxval=1.0, dtype=tf.float32) -> tf.Tensor:
    """Uniform floats in ``[minval, maxval)``; ``minval``/``maxval`` broadcast against ``shape``.

    Example:
    >>> u = uniform(tf.constant([0, 7]), [4], minval=-1.0, maxval=1.0)
    >>> bool(tf.reduce_all((u >= -1.0) & (u < 1.0)))
    True
    """
    bits = tf.bitwise.right_shift(random_bits(seed, shape), _u32(8))
    unit = tf.cast(bits, dtype) * tf.constant(2.0**-24, dtype)
    minval = tf.cast(minval, dtype)
    maxval = tf.cast(maxval, dtype)
    return minval + unit * (maxval - minval)


def uniform_int(seed, shape, minval, maxval) -> tf.Tensor:
    """Uniform int32 values in ``[minval, maxval)`` (per-element bounds broadcast).

    Example:
    >>> k = uniform_int(tf.constant([0, 1]), [5], 0, 3)
    >>> bool(tf.reduce_all((k >= 0) & (k < 3)))
    True
    """
    minval = tf.cast(minval, tf.int32)
    maxval = tf.cast(maxval, tf.int32)
    span = tf.cast(tf.maximum(maxval - minval, 1), tf.float64)
    unit = uniform(seed, shape, dtype=tf.float64)
    return minval + tf.minimum(tf.cast(tf.floor(unit * span), tf.int32), tf.cast(span, tf.int32) - 1)


def bernoulli(seed, shape, p) -> tf.Tensor:
    """Booleans that are True with probability ``p``.

    Example:
    >>> bernoulli(tf.constant([3, 4]), [2], 1.0).numpy().tolist()
    [True, True]
    """
    return uniform(seed, shape) < tf.cast(p, tf.float32)


def normal(seed, shape, mean=0.0, stddev=1.0, dtype=tf.float32) -> tf.Tensor:
    """Standard-normal draws (Box–Muller over two independent uniform streams).

    Example:
    >>> normal(tf.constant([5, 6]), [2, 3]).shape
    TensorShape([2, 3])
    """
    seeds = split(seed, 2)
    u1 = 1.0 - uniform(seeds[0], shape, dtype=dtype)  # (0, 1]: log stays finite
    u2 = uniform(seeds[1], shape, dtype=dtype)
    radius = tf.sqrt(-2.0 * tf.math.log(u1))
    z = radius * tf.cos(tf.constant(2.0 * math.pi, dtype) * u2)
    return tf.cast(mean, dtype) + tf.cast(stddev, dtype) * z


def split(seed, num: int) -> tf.Tensor:
    """Derive ``num`` independent seeds (an int32 tensor ``[num, 2]``) from ``seed``.

    Example:
    >>> split(tf.constant([1, 2]), 3).shape
    TensorShape([3, 2])
    """
    return fold_in(seed, tf.range(num) + 0x5EED)


def fold_in(seed, data) -> tf.Tensor:
    """Mix an integer (e.g. a worker or element index) into ``seed``.

    ``data`` may be a scalar (the result is a ``[2]`` seed) or a vector (``[n, 2]`` seeds).

    Example:
    >>> fold_in(tf.constant([1, 2]), 7).shape
    TensorShape([2])
    """
    k0, k1 = _seed_words(seed)
    d = tf.cast(tf.bitwise.bitwise_and(tf.cast(data, tf.int64), 0xFFFFFFFF), tf.uint32)
    new = tf.stack([_mix32(tf.bitwise.bitwise_xor(k0, _mix32(d))), _mix32(k1 + d * _u32(_GOLDEN))], axis=-1)
    return tf.bitcast(new, tf.int32)
