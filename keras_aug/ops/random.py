"""Counter-based random numbers that are identical eagerly, in tf.data and under XLA.

``tf.random.stateless_*`` picks a different algorithm under XLA, so the same seed gives
different draws depending on whether the code is compiled. These helpers hash
``(seed, counter)`` with integer ops instead, which every backend evaluates the same way.
A seed is an integer tensor of shape ``[2]`` (as produced by ``keras.random.SeedGenerator``).

Each draw runs as one small XLA unit (also eagerly and in ``tf.data``, where its few dozen hashing ops
would otherwise cost more than a whole photometric op on a batch); inside a caller's own XLA program
it is inlined. :func:`fingerprint` and :func:`fold_batch` tell batches and copies of a pipeline apart.
"""

from __future__ import annotations

import math

import numpy as np
import tensorflow as tf

from keras_aug.ops.xla import xla_unit

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
    return xla_unit(_random_bits, relax_shapes=True)(seed, _shape(shape))


def _shape(shape) -> tf.Tensor:
    return tf.cast(tf.convert_to_tensor(shape), tf.int32)


def _random_bits(seed, shape) -> tf.Tensor:
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
    draw = xla_unit(_uniform, relax_shapes=True, dtype=tf.as_dtype(dtype))
    return draw(seed, _shape(shape), tf.cast(minval, dtype), tf.cast(maxval, dtype))


def _uniform(seed, shape, minval=0.0, maxval=1.0, dtype=tf.float32) -> tf.Tensor:
    bits = tf.bitwise.right_shift(_random_bits(seed, shape), _u32(8))
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
    draw = xla_unit(_uniform_int, relax_shapes=True)
    return draw(seed, _shape(shape), tf.cast(minval, tf.int32), tf.cast(maxval, tf.int32))


def _uniform_int(seed, shape, minval, maxval) -> tf.Tensor:
    minval = tf.cast(minval, tf.int32)
    maxval = tf.cast(maxval, tf.int32)
    span = tf.cast(tf.maximum(maxval - minval, 1), tf.float64)
    unit = _uniform(seed, shape, dtype=tf.float64)
    return minval + tf.minimum(tf.cast(tf.floor(unit * span), tf.int32), tf.cast(span, tf.int32) - 1)


def bernoulli(seed, shape, p) -> tf.Tensor:
    """Booleans that are True with probability ``p``.

    Example:
    >>> bernoulli(tf.constant([3, 4]), [2], 1.0).numpy().tolist()
    [True, True]
    """
    return xla_unit(_bernoulli, relax_shapes=True)(seed, _shape(shape), tf.cast(p, tf.float32))


def _bernoulli(seed, shape, p) -> tf.Tensor:
    return _uniform(seed, shape) < p


def normal(seed, shape, mean=0.0, stddev=1.0, dtype=tf.float32) -> tf.Tensor:
    """Standard-normal draws (Box–Muller over two independent uniform streams).

    Example:
    >>> normal(tf.constant([5, 6]), [2, 3]).shape
    TensorShape([2, 3])
    """
    draw = xla_unit(_normal, relax_shapes=True, dtype=tf.as_dtype(dtype))
    return draw(seed, _shape(shape), tf.cast(mean, dtype), tf.cast(stddev, dtype))


def _normal(seed, shape, mean, stddev, dtype) -> tf.Tensor:
    seeds = split(seed, 2)
    u1 = 1.0 - _uniform(seeds[0], shape, dtype=dtype)  # (0, 1]: log stays finite
    u2 = _uniform(seeds[1], shape, dtype=dtype)
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


#: Values sampled per image for the batch fingerprint (a strided sample: cheap, and enough to tell real
#: images apart); neighbouring samples are compared, two bits per pair.
FINGERPRINT_SAMPLES = 17


def _orderings(images: tf.Tensor) -> tuple[tf.Tensor, tf.Tensor]:
    """``(after > before, after < before)`` for neighbouring samples of each image: two bool ``[B, 16]``."""
    images = tf.convert_to_tensor(images)
    flat = tf.reshape(images, [tf.shape(images)[0], -1])
    k = np.arange(FINGERPRINT_SAMPLES)
    if flat.shape[1] == 0:  # e.g. 0-channel images: nothing to sample, every image hashes alike
        flat = tf.zeros([tf.shape(images)[0], 1], images.dtype)
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
    hashed = _mix32(tf.bitwise.bitwise_xor(words, _mix32(position + _u32(0x5EED))))
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


def _fold_batch(seed, greater, less, replica, salt):
    seed = fold_in(seed, _ordering_hash(greater, less))
    return fold_in(fold_in(seed, replica), salt)


def fold_batch(seed, images: tf.Tensor, replica=0, salt=0) -> tf.Tensor:
    """``seed`` with the batch's :func:`fingerprint`, a replica id and a salt folded in (int32 ``[2]``).

    One XLA unit (one op in a ``tf.data`` graph instead of ~150). The same seed and the same batch give
    the same result, eagerly, in ``tf.data`` and under XLA; different batches, replicas or salts give
    different seeds.

    Example:
    >>> images = tf.reshape(tf.range(2 * 4 * 4 * 1), [2, 4, 4, 1])
    >>> a = fold_batch(tf.constant([1, 2]), images)
    >>> bool(tf.reduce_all(a == fold_batch(tf.constant([1, 2]), images))), a.shape
    (True, TensorShape([2]))
    """
    greater, less = _orderings(images)
    fold = xla_unit(_fold_batch, relax_shapes=True)
    return fold(tf.cast(seed, tf.int64), greater, less, tf.cast(replica, tf.int32), tf.cast(salt, tf.int32))


def permutation(seed, size) -> tf.Tensor:
    """A uniformly random permutation of ``range(size)`` (int32), drawn from ``seed``.

    Example:
    >>> sorted(permutation(tf.constant([1, 2]), 4).numpy().tolist())
    [0, 1, 2, 3]
    """
    return tf.argsort(uniform(seed, [size]), stable=True)
