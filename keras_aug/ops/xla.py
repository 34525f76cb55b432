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
from tensorflow.compiler.tf2xla.ops import gen_xla_ops
from tensorflow.python.ops import control_flow_util


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


def materialize(tensor: tf.Tensor) -> tf.Tensor:
    """``tensor`` itself, but computed once and stored when it ends up in a bigger XLA program.

    XLA:CPU fuses cheap producers (counter-hash random draws, a lookup table's arithmetic, per-sample
    coordinates) into every element of the loop that reads them, so inside one program (a layer in a
    ``jit_compile=True`` model) a table of 256 entries per sample was recomputed for each of millions
    of pixels. A sort is never fused into its consumers, so sorting pairs of equal values stores the
    values once. (``XlaOptimizationBarrier`` does not: XLA:CPU drops it before fusion; a reduction over
    copies is simplified away.) Meant for small tensors (parameters, tables).

    Example:
    >>> materialize(tf.constant([1.5, -0.0])).numpy().tolist()
    [1.5, -0.0]
    """
    tensor = tf.convert_to_tensor(tensor)
    if tf.executing_eagerly() or not control_flow_util.GraphOrParentsInXlaContext(
        tf.compat.v1.get_default_graph()
    ):
        return tensor
    if tensor.dtype == tf.bool:
        return tf.cast(materialize(tf.cast(tensor, tf.uint8)), tf.bool)
    return gen_xla_ops.xla_sort(tf.stack([tensor, tensor], axis=-1))[..., 0]
