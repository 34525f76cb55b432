"""The one way keras_aug compiles: :func:`xla_unit`.

Every op runs as one or a few fused XLA units, also when it is called eagerly or from a plain
``tf.data`` graph (op by op, each step would write a full copy of the batch). Inside a caller's own
``tf.function(jit_compile=True)`` a unit is simply inlined, so a model compiled with XLA stays one
program. Layers never compile anything themselves: they call ops.
"""

from __future__ import annotations

import contextlib
import functools
from collections.abc import Callable

import tensorflow as tf
from tensorflow.compiler.tf2xla.ops import gen_xla_ops
from tensorflow.python.ops import control_flow_util

from keras_aug.ops._utils import slice_along
from keras_aug.validation import check_choice


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


def stored_unit(fn: Callable, **static) -> Callable:
    """:func:`xla_unit` ``(fn, **static)`` whose results are :func:`materialize` d: called inside a bigger XLA
    program, it still stores what it returns, as it does on its own (for pipelines of stages whose
    intermediates XLA:CPU would otherwise recompute in every loop that reads them).

    Example:
    >>> double = stored_unit(lambda x, factor: x * factor, factor=2.0)
    >>> float(tf.function(lambda x: double(x) + 1.0, jit_compile=True)(tf.constant(3.0)))
    7.0
    """
    unit = xla_unit(fn, **static)
    return lambda *args: materialize(unit(*args))


_STORING: list[bool | None] = [None]  # None: store on CPU-only hosts (see :func:`storing`)


@contextlib.contextmanager
def storing(enabled: bool | None):
    """Within this context :func:`materialize` stores (``True``), passes through (``False``) or decides by
    the host (``None``, the default: it stores when TF sees no GPU or TPU, where a ``jit_compile`` program
    runs on XLA:CPU). Programs traced for another device (e.g. exported on a CPU host for a GPU) should
    be traced with ``storing(False)``: XLA:GPU fuses differently, and a conditional costs it a host sync.
    The other XLA:CPU formulations (:func:`reduce_pixels`' folds, :func:`unfolded`) follow the same switch.

    Example:
    >>> with storing(False):
    ...     float(tf.function(materialize, jit_compile=True)(tf.constant(2.0)))
    2.0
    """
    previous = _STORING[0]
    _STORING[0] = enabled
    try:
        yield
    finally:
        _STORING[0] = previous


def _stores() -> bool:
    """Whether :func:`materialize` stores here: only while tracing an XLA program, and as :func:`storing` says."""
    if not _tracing_xla():
        return False
    if _STORING[0] is not None:
        return _STORING[0]
    return not (tf.config.list_logical_devices("GPU") or tf.config.list_logical_devices("TPU"))


def _tracing_xla() -> bool:
    """Whether ops are being traced into an XLA program (an :func:`xla_unit` or a ``jit_compile`` function)."""
    return not tf.executing_eagerly() and control_flow_util.GraphOrParentsInXlaContext(
        tf.compat.v1.get_default_graph()
    )


#: Tensors up to this many elements are stored through a sort, larger ones through a conditional.
SMALL_ELEMENTS = 1 << 14


def materialize(tensors):
    """``tensors`` (a tensor or a nest of them) themselves, but computed once and stored when they end up
    in a bigger XLA program.

    XLA:CPU fuses cheap producers (counter-hash random draws, a lookup table's arithmetic, a warp's tap
    coordinates) into every element of each loop that reads them, so inside one program (a layer in a
    ``jit_compile=True`` model) a table of 256 entries per sample was recomputed for each of millions of
    pixels, and a rotation's taps once per gather. Two operations XLA never fuses into their users store
    the values instead: small tensors go through a sort of equal pairs (cheap below ~16k elements),
    large ones through a conditional whose branches both return them (on a predicate read from the
    data, so it cannot be folded; XLA turns a conditional on small tensors into selects, which fuse).
    (``XlaOptimizationBarrier`` does not work: XLA:CPU drops it before fusion; a reduction over copies is
    simplified away.) Outside an XLA program (eagerly, in a plain ``tf.data`` graph) it returns
    ``tensors``: there each op (each XLA unit) already stores its results. It also passes them through on
    hosts with a GPU or TPU, where the program runs there (see :func:`storing`).

    Example:
    >>> materialize(tf.constant([1.5, -0.0])).numpy().tolist()
    [1.5, -0.0]
    """
    tensors = tf.nest.map_structure(tf.convert_to_tensor, tensors)
    if not _stores():
        return tensors
    flat = tf.nest.flatten(tensors)
    small = [_is_small(t) for t in flat]
    large = [t for t, is_small in zip(flat, small, strict=True) if not is_small]
    stored = iter(_through_conditional(large) if large else [])
    flat = [_through_sort(t) if is_small else next(stored) for t, is_small in zip(flat, small, strict=True)]
    return tf.nest.pack_sequence_as(tensors, flat)


def _is_small(tensor: tf.Tensor) -> bool:
    size = tensor.shape.num_elements()
    return size is not None and size <= SMALL_ELEMENTS


def _through_sort(tensor: tf.Tensor) -> tf.Tensor:
    if tensor.dtype == tf.bool:
        return tf.cast(_through_sort(tf.cast(tensor, tf.uint8)), tf.bool)
    return gen_xla_ops.xla_sort(tf.stack([tensor, tensor], axis=-1))[..., 0]


def _through_conditional(tensors: list) -> list:
    # Any value the compiler cannot know (both branches agree): the sum of the tensors' first elements.
    firsts = [tf.reduce_sum(tf.cast(tf.reshape(t, [-1])[:1], tf.int32)) for t in tensors]
    predicate = tf.equal(tf.bitwise.bitwise_and(tf.add_n(firsts), 1), 0)
    return tf.cond(predicate, lambda: list(tensors), lambda: list(tensors))


def unfolded(values: tf.Tensor, data: tf.Tensor) -> tf.Tensor:
    """``values`` themselves, but, in an XLA:CPU program (see :func:`storing`), not known to the compiler:
    they are read as depending on ``data`` (plus 0 times whether its first value is 0: always finite, so
    exact).

    A constant factor lets XLA simplify a loop into a form XLA:CPU may compile slower: ``RandomGrayscale(1.0)``
    draws saturation 0 for every image, and the folded blend became a broadcast of the luma over the
    channels, 3.4 ms a batch (32 × 224² × 3 uint8, one program) against 1.2 ms with the factor unknown.

    Example:
    >>> unfolded(tf.zeros([2]), tf.constant([[7, 0]], tf.uint8)).numpy().tolist()
    [0.0, 0.0]
    """
    if not _stores():
        return values
    first = tf.reshape(data, [-1])[:1]
    zero = tf.reduce_sum(tf.cast(tf.equal(first, tf.zeros_like(first)), values.dtype)) * 0
    return values + zero


_REDUCERS = {
    "min": (tf.minimum, tf.reduce_min),
    "max": (tf.maximum, tf.reduce_max),
    "sum": (tf.add, tf.reduce_sum),
}


def reduce_pixels(images: tf.Tensor, reduction: str, channels: bool = False) -> tf.Tensor:
    """``[B, H, W, C]`` reduced over height and width to ``[B, 1, 1, C]`` (``channels=True``: and over
    channels, to ``[B, 1, 1, 1]``): ``"min"``, ``"max"``, ``"sum"`` or (floats) ``"mean"``.

    XLA:CPU emits ``tf.reduce_*`` over the two middle axes as a scalar loop per output value (a channel
    minimum of 32 × 224² × 3 uint8 took 2.3 ms, a sum 3.2 ms). In an XLA:CPU program (as :func:`storing`
    says) the halves of the rows, then of the columns, are combined elementwise instead (vectorized, one
    fused pass over the image) until at most 8 of each are left, which ``tf.reduce_*`` finishes (0.5 ms
    for either). Minima, maxima and integer sums equal ``tf.reduce_*``'s; float sums (and means) are
    pairwise, so their last bits may differ from a sequential sum's. Elsewhere it is ``tf.reduce_*``:
    TF's own kernels reduce fast outside XLA (where the slices would not fuse), and programs for a GPU
    keep XLA's reduction (the folds were not measured there); so do unknown heights or widths.

    Example:
    >>> x = tf.reshape(tf.range(2 * 5 * 3, dtype=tf.int32), [1, 5, 3, 2])
    >>> reduce_pixels(x, "sum").numpy().ravel().tolist()
    [210, 225]
    >>> reduce_pixels(x, "max", channels=True).numpy().ravel().tolist()
    [29]
    """
    reduction = check_choice("reduction", reduction, (*_REDUCERS, "mean"))
    images = tf.convert_to_tensor(images)
    if images.shape.rank != 4:
        raise ValueError(f"`images` must be [batch, height, width, channels], got shape {images.shape}.")
    if reduction == "mean" and not images.dtype.is_floating:
        raise ValueError(f'`reduction="mean"` needs float images, got {images.dtype.name}: cast them first.')
    axes = (1, 2, 3) if channels else (1, 2)
    if reduction == "mean":
        count = tf.reduce_prod(tf.gather(tf.shape(images), axes))
        return reduce_pixels(images, "sum", channels) / tf.cast(count, images.dtype)
    combine, reduce = _REDUCERS[reduction]
    if _stores():
        for axis in (1, 2):
            images = _fold_halves(images, axis, combine)
    return reduce(images, axis=axes, keepdims=True)


def _fold_halves(x: tf.Tensor, axis: int, combine: Callable, stop: int = 8) -> tf.Tensor:
    size = x.shape[axis]
    if size is None:
        return x
    while size > stop:
        half = size // 2
        folded = combine(slice_along(x, axis, 0, half), slice_along(x, axis, half, half))
        if size % 2:  # the odd last row joins the first
            first = combine(slice_along(folded, axis, 0, 1), slice_along(x, axis, size - 1, 1))
            folded = tf.concat([first, slice_along(folded, axis, 1, half - 1)], axis)
        x, size = folded, half
    return x
