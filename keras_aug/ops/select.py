"""Per-sample selection: keep some samples of a batch as they were.

The one place where layers put back the samples they do not augment: either before the op, by giving
those samples neutral parameters (:func:`neutralize`, e.g. the identity matrix; the op then runs once
for the whole batch), or after it, for ops that have no neutral parameters (:func:`select_samples`).
"""

from __future__ import annotations

import tensorflow as tf

from keras_aug.ops.xla import xla_unit


def _per_sample(take: tf.Tensor, rank: int) -> tf.Tensor:
    """``take`` ``[B]`` reshaped to broadcast against a rank-``rank`` tensor ``[B, ...]``."""
    return tf.reshape(take, [-1] + [1] * (rank - 1))


def _select(take, chosen, other, rank: int | None):
    if rank is None:  # an unknown rank: reshape by the run-time rank
        ones = tf.ones([tf.rank(other) - 1], tf.int32)
        return tf.where(tf.reshape(take, tf.concat([[-1], ones], 0)), chosen, other)
    return tf.where(_per_sample(take, rank), chosen, other)


def select_samples(take, chosen, other) -> tf.Tensor:
    """Per sample, ``chosen[i]`` where ``take[i]`` (bool ``[B]``) is True, else ``other[i]``.

    One fused XLA unit (a broadcast ``tf.where`` run op by op costs more than many ops).

    Example:
    >>> select_samples(tf.constant([True, False]), tf.ones([2, 2]), tf.zeros([2, 2])).numpy().tolist()
    [[1.0, 1.0], [0.0, 0.0]]
    """
    other = tf.convert_to_tensor(other)
    chosen = tf.convert_to_tensor(chosen, other.dtype)
    # The rank keys the trace: with reduce_retracing, calls with other ranks (images, labels, boxes) would
    # otherwise relax one shared trace to an unknown rank.
    select = xla_unit(_select, relax_shapes=True, rank=other.shape.rank)
    return select(tf.convert_to_tensor(take, tf.bool), chosen, other)


def neutralize(take, params: dict, neutral: dict) -> dict:
    """``params`` with each key of ``neutral`` replaced by its neutral value where ``take`` is False.

    ``params`` holds one row per sample (``[B, ...]``); ``neutral`` maps some of its keys to values that
    broadcast against a row (e.g. ``0.0``, or ``tf.eye(3)`` for ``[B, 3, 3]`` matrices).

    Example:
    >>> params = {"angle": tf.constant([0.3, 0.5]), "seed": tf.constant([1, 2])}
    >>> out = neutralize(tf.constant([True, False]), params, {"angle": 0.0})
    >>> out["angle"].numpy().tolist(), out["seed"].numpy().tolist()
    ([0.30000001192092896, 0.0], [1, 2])
    """
    take = tf.convert_to_tensor(take, tf.bool)
    out = dict(params)
    for key, value in neutral.items():
        current = tf.convert_to_tensor(params[key])
        value = tf.broadcast_to(tf.cast(value, current.dtype), tf.shape(current))
        out[key] = tf.where(_per_sample(take, current.shape.rank), current, value)
    return out
