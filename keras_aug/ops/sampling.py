"""Samplers built on :mod:`keras_aug.ops.random` that compile under XLA: Gamma (as its log) and Beta.

``tf.random.stateless_gamma`` has no XLA kernel, so Gamma variates come from Marsaglia & Tsang's
squeeze method with a fixed number of vectorised rejection rounds; Beta is a ratio of two Gammas
evaluated in log space, which keeps tiny shape parameters (where Gamma draws underflow float32)
and values next to 0 or 1 finite and exact in both tails.
"""

from __future__ import annotations

import functools

import tensorflow as tf

from keras_aug.ops import random
from keras_aug.ops.xla import xla_unit
from keras_aug.validation import check_values

# Marsaglia-Tsang accepts with probability >= 0.95 for every shape >= 1, so 10 rounds all fail
# with probability < 0.05**10 ~ 1e-13; the last candidate is kept in that case.
_GAMMA_ROUNDS = 10


def _check_positive(name: str, value) -> None:
    check_values(value, name, 0.0, low_open=True)  # Python/NumPy values only: tensors cannot be checked


def log_gamma(seed, shape, alpha) -> tf.Tensor:
    """Logarithm of Gamma(``alpha``, 1) draws, float32 of ``shape`` (``alpha`` broadcasts).

    Working with the log keeps draws for small ``alpha`` (which are often below float32's range) usable.

    Example:
    >>> x = tf.exp(log_gamma(tf.constant([1, 2]), [4], 2.0))
    >>> bool(tf.reduce_all(x > 0.0))
    True
    """
    _check_positive("alpha", alpha)
    alpha = tf.broadcast_to(tf.cast(alpha, tf.float32), shape)
    # Shapes below 1 are boosted: Gamma(a) = Gamma(a + 1) * U ** (1 / a).
    small = alpha < 1.0
    d = tf.where(small, alpha + 1.0, alpha) - 1.0 / 3.0
    c = tf.math.rsqrt(9.0 * d)
    seeds = random.split(seed, 3)
    rounds_shape = tf.concat([[_GAMMA_ROUNDS], tf.shape(alpha)], axis=0)
    z = random.normal(seeds[0], rounds_shape)
    u = 1.0 - random.uniform(seeds[1], rounds_shape)  # (0, 1]
    v = (1.0 + c * z) ** 3
    safe_v = tf.maximum(v, 1e-30)
    accept = (v > 0.0) & (tf.math.log(u) < 0.5 * z * z + d - d * safe_v + d * tf.math.log(safe_v))
    accept = tf.concat([accept[:-1], tf.ones_like(accept[-1:])], axis=0)
    first = tf.argmax(tf.cast(accept, tf.int32), axis=0, output_type=tf.int32)
    chosen = tf.one_hot(first, _GAMMA_ROUNDS, on_value=True, off_value=False, axis=0)
    chosen_v = tf.reduce_sum(tf.where(chosen, safe_v, 0.0), axis=0)
    log_x = tf.math.log(d) + tf.math.log(chosen_v)
    boost = tf.math.log(1.0 - random.uniform(seeds[2], tf.shape(alpha))) / alpha
    return log_x + tf.where(small, boost, tf.zeros_like(boost))


def beta(seed, shape, alpha, beta=None) -> tf.Tensor:
    """Beta(``alpha``, ``beta``) draws in [0, 1] (float32 of ``shape``); ``beta`` defaults to ``alpha``.

    Example:
    >>> lam = beta(tf.constant([3, 4]), [8], 0.2)
    >>> bool(tf.reduce_all((lam >= 0.0) & (lam <= 1.0)))
    True
    """
    lam, _ = beta_pair(seed, shape, alpha, beta)
    return lam


def beta_pair(seed, shape, alpha, beta=None) -> tuple[tf.Tensor, tf.Tensor]:
    """``(lam, 1 - lam)`` for ``lam ~ Beta(alpha, beta)``, each computed without cancellation.

    ``1 - lam`` evaluated in float32 loses every digit when ``lam`` is within ~6e-8 of 1; here both
    are logistic functions of the same log-ratio, so each is accurate on its own.

    Example:
    >>> lam, rest = beta_pair(tf.constant([3, 4]), [8], 1.0)
    >>> bool(tf.reduce_all(tf.abs(lam + rest - 1.0) < 1e-6))
    True
    """
    _check_positive("alpha", alpha)
    beta = alpha if beta is None else beta
    _check_positive("beta", beta)
    shape = tf.convert_to_tensor(shape, tf.int32)
    return _beta_pair(
        tf.convert_to_tensor(seed), shape, tf.cast(alpha, tf.float32), tf.cast(beta, tf.float32)
    )


# One XLA unit: evaluated op by op (e.g. in a tf.data map), the ~150 tiny ops of the rejection
# rounds cost more in dispatch than the arithmetic itself.
@functools.partial(xla_unit, relax_shapes=True)
def _beta_pair(seed, shape, alpha, beta):
    seeds = random.split(seed, 2)
    log_ratio = log_gamma(seeds[0], shape, alpha) - log_gamma(seeds[1], shape, beta)
    return tf.sigmoid(log_ratio), tf.sigmoid(-log_ratio)
