"""A layer's seed stream: one counter seed per call, with what tells copies of a pipeline apart folded in.

The counter lives in a ``keras.random.SeedGenerator`` (a ``tf.Variable`` on other Keras backends); the
draws themselves are :mod:`keras_aug.ops.random`'s counter-based hashes, identical eagerly, in
``tf.data`` and under XLA.
"""

from __future__ import annotations

import random as python_random

import keras
import tensorflow as tf

from keras_aug.ops import random as krandom


class TFSeedGenerator:
    """``keras.random.SeedGenerator``'s ``next()`` over a ``tf.Variable``, for non-TensorFlow backends.

    The layers run as TF ops (in tf.data) on every backend; a JAX or torch variable read inside a
    dataset function would be frozen into the graph as a constant, and every batch would get one seed.

    Example:
    >>> generator = TFSeedGenerator(3)
    >>> generator.next().numpy().tolist(), generator.next().numpy().tolist()
    ([3, 0], [3, 1])
    """

    def __init__(self, seed: int | None):
        initial = python_random.randint(1, int(1e9)) if seed is None else seed
        self.state = tf.Variable([initial, 0], dtype=tf.int64, trainable=False, name="seed_generator_state")

    def next(self) -> tf.Tensor:
        value = tf.identity(self.state.read_value())
        self.state.assign_add(tf.constant([0, 1], tf.int64))
        return value


def seed_generator(seed: int | None):
    """The counter seed generator for a layer built with ``seed`` (``None``: a random start).

    Example:
    >>> seed_generator(7).next().shape
    TensorShape([2])
    """
    if keras.backend.backend() == "tensorflow":
        return keras.random.SeedGenerator(seed)
    return TFSeedGenerator(seed)


def mix_seed(seed, images: tf.Tensor, unseeded: bool = False) -> tf.Tensor:
    """Fold into ``seed`` what tells copies of a pipeline apart, so that they do not replay one stream.

    Args:
        seed: the layer's next counter seed (integer ``[2]``).
        images: the batch being augmented; its :func:`keras_aug.ops.random.fingerprint` is folded in.
        unseeded: also fold in a fresh value from TF's stateful RNG (for layers built with ``seed=None``,
            whose initial state is otherwise the same in every copy of the graph).

    Under ``tf.distribute`` with several replicas, the replica id is folded in too.
    Returns an int32 ``[2]`` seed for :mod:`keras_aug.ops.random`.

    Example:
    >>> images = tf.zeros([2, 4, 4, 3])
    >>> bool(tf.reduce_all(mix_seed([1, 0], images) == mix_seed([1, 0], images)))
    True
    """
    replica = tf.constant(0, tf.int32)
    context = tf.distribute.get_replica_context()
    if context is not None and context.num_replicas_in_sync > 1:
        replica = tf.cast(context.replica_id_in_sync_group, tf.int32)
    salt = tf.constant(0, tf.int32)
    if unseeded:
        salt = tf.random.uniform([], 0, 2**31 - 1, dtype=tf.int32)
    return krandom.fold_batch(seed, images, replica, salt)
