"""The one way keras_aug compiles: :func:`xla_unit`.

Every op runs as one or a few fused XLA units, also when it is called eagerly or from a plain
``tf.data`` graph (op by op, each step would write a full copy of the batch). Inside a caller's own
``tf.function(jit_compile=True)`` a unit is simply inlined, so a model compiled with XLA stays one
program. Layers never compile anything themselves: they call ops.
"""

from __future__ import annotations

import functools
from collections.abc import Callable

import tensorflow as tf


@functools.cache
def xla_unit(fn: Callable, relax_shapes: bool = False, **static) -> Callable:
    """``fn`` with ``static`` keyword arguments bound, as one XLA unit (cached per ``fn`` and arguments).

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
    return tf.function(bound, jit_compile=True, reduce_retracing=relax_shapes, autograph=False)
