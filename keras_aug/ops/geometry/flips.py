"""Per-sample flips (``tf.where`` on a ``[B]`` flag, one XLA unit)."""

from __future__ import annotations

import tensorflow as tf

from keras_aug.ops import _utils
from keras_aug.ops.xla import xla_unit


def _flip(images, flip, axis: int) -> tf.Tensor:
    images, single = _utils.to_batch(images)
    if flip is None:
        flip = tf.ones(tf.shape(images)[:1], tf.bool)
    flip = tf.broadcast_to(tf.cast(flip, tf.bool), tf.shape(images)[:1])
    return _utils.from_batch(_flip_where(images, flip, axis), single)


@xla_unit
def _flip_where(images, flip, axis: int):
    return tf.where(flip[:, tf.newaxis, tf.newaxis, tf.newaxis], tf.reverse(images, axis=[axis]), images)


def flip_left_right(images, flip=None) -> tf.Tensor:
    """Mirror images horizontally; ``flip`` (``[B]`` bool) picks which samples, default all.

    Example:
    >>> img = tf.constant([[[1], [2]]])
    >>> flip_left_right(img)[0, :, 0].numpy().tolist()
    [2, 1]
    """
    return _flip(images, flip, axis=2)


def flip_up_down(images, flip=None) -> tf.Tensor:
    """Mirror images vertically; ``flip`` (``[B]`` bool) picks which samples, default all.

    Example:
    >>> img = tf.constant([[[1]], [[2]]])
    >>> flip_up_down(img)[:, 0, 0].numpy().tolist()
    [2, 1]
    """
    return _flip(images, flip, axis=1)
