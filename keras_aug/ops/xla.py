"""The one way keras_aug compiles: :func:`xla_unit`.

Every op runs as one or a few fused XLA units, also when it is called eagerly or from a plain
``tf.data`` graph (op by op, each step would write a full copy of the batch). Inside a caller's own
``tf.function(jit_compile=True)`` a unit is inlined, so a model compiled with XLA stays one program;
an optimization barrier on each unit's results (:func:`materialize`) keeps the split there too: the
compiler computes a unit's results once, as the separate units do, instead of fusing (and, on CPU,
re-computing) them inside every consumer, e.g. a lookup table's ``pow`` inside the per-pixel gather.
Layers never compile anything themselves: they call ops.
"""

from __future__ import annotations

import functools
from collections.abc import Callable

import tensorflow as tf
from tensorflow.compiler.tf2xla.ops import gen_xla_ops


def materialize(values):
    """``values`` (a nest of tensors and Python values) through one XLA optimization barrier.

    The compiler must compute every tensor of ``values`` before anything that reads it, and may not
    fuse their producers into their consumers. An identity for the values; compile it with XLA (it is
    an XLA operation, with no kernel outside XLA).

    Example:
    >>> double = tf.function(lambda x: materialize((x * 2, "static"))[0] + 1, jit_compile=True)
    >>> float(double(tf.constant(1.0)))
    3.0
    """
    leaves = tf.nest.flatten(values)
    where = [i for i, leaf in enumerate(leaves) if isinstance(leaf, tf.Tensor)]
    if not where:
        return values
    passed = gen_xla_ops.xla_optimization_barrier([leaves[i] for i in where])
    for i, tensor in zip(where, passed, strict=True):
        tensor.set_shape(leaves[i].shape)
        leaves[i] = tensor
    return tf.nest.pack_sequence_as(values, leaves)


@tf.RegisterGradient("XlaOptimizationBarrier")
def _barrier_gradient(op, *grads):
    """The barrier is an identity: gradients pass through unchanged."""
    return list(grads)


def _is_size(value) -> bool:
    """Whether ``value`` looks like a size, a shape or a seed (an integer scalar, or an integer vector of
    at most 4 or an unknown number of entries): XLA may need it as a compile-time constant, which a
    barrier would hide."""
    if not isinstance(value, tf.Tensor) or not value.dtype.is_integer or value.shape.rank not in (0, 1):
        return False
    return value.shape.rank == 0 or value.shape[0] is None or value.shape[0] <= 4


def _between_barriers(fn: Callable) -> Callable:
    """``fn`` with its tensor arguments (except sizes, :func:`_is_size`) and its results through barriers."""

    @functools.wraps(fn)
    def unit(*args, **kwargs):
        leaves = tf.nest.flatten((args, kwargs))
        passed = materialize([leaf for leaf in leaves if not _is_size(leaf)])
        leaves = [leaf if _is_size(leaf) else passed.pop(0) for leaf in leaves]
        args, kwargs = tf.nest.pack_sequence_as((args, kwargs), leaves)
        return materialize(fn(*args, **kwargs))

    return unit


@functools.cache
def xla_unit(fn: Callable, relax_shapes: bool = False, **static) -> Callable:
    """``fn`` with ``static`` keyword arguments bound, as one XLA unit (cached per ``fn`` and arguments).

    Its tensor arguments and its results go through :func:`materialize`, so inlined in a larger XLA
    program the unit still compiles as it does alone: its inputs are not folded into it (e.g. a centre
    crop's constant offsets, which made XLA:CPU's gathers ~8x slower) and its results are computed once.

    Args:
        fn: a function of tensors that compiles under XLA (no Python branching on tensor values).
        relax_shapes: let TF trace one program for inputs of varying shapes (``reduce_retracing``).
            Leave it False where ``fn`` reads static shapes (e.g. to build constant indices).
        **static: hashable Python values bound into ``fn`` (modes, sizes, dtypes); each set is its own unit.

    Example:
    >>> add = xla_unit(lambda x, y, scale: (x + y) * scale, scale=2.0)
    >>> float(add(tf.constant(1.0), tf.constant(2.0)))
    6.0
    """
    bound = functools.partial(fn, **static) if static else fn
    return tf.function(
        _between_barriers(bound),
        jit_compile=True,
        reduce_retracing=relax_shapes,
        autograph=False,
    )
