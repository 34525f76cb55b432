"""2-D image filters with tensorflow-addons' names and semantics.

``gaussian_filter2d``, ``mean_filter2d`` and ``median_filter2d`` take ``[H, W]``, ``[H, W, C]`` or
``[B, H, W, C]`` images of any numeric dtype, an odd or even ``filter_shape`` (``(height, width)`` or one
int; even windows reach one pixel further down/right, as in tfa) and a ``padding`` of ``"reflect"``
(``d c b | a b c d``, scipy's ``"mirror"``), ``"symmetric"`` (``c b a | a b c``, scipy's ``"reflect"``)
or ``"constant"`` (``constant_values``), case-insensitive; reflection reaches any distance (a 1x1 image
repeats its pixel; tfa's ``tf.pad`` refuses pads longer than the image). Integer results are rounded
(tfa truncates). Like tfa's, the functions have ``get_concrete_function`` (also for unknown ranks).
"""

from __future__ import annotations

import functools

import tensorflow as tf

from keras_aug.ops._utils import (
    check_choice,
    compute_dtype,
    from_4d,
    from_batch,
    from_compute,
    slice_along,
    to_4d,
    to_batch,
    traceable,
)
from keras_aug.ops.xla import xla_unit
from keras_aug.validation import check_number, check_per_sample, is_number

PADDINGS = ("reflect", "constant", "symmetric")


def _pair(name: str, value, kind) -> tuple:
    """``value`` or ``(value, value)``; a wrong type raises ``TypeError`` and a wrong pair ``ValueError`` (as tfa)."""
    if isinstance(value, (list, tuple)):
        values = tuple(value)
    elif isinstance(value, kind) and not isinstance(value, bool):
        values = (value, value)
    else:
        raise TypeError(f"`{name}` must be a {kind.__name__} or a pair of them, got {value!r}.")
    if len(values) != 2 or not all(isinstance(v, kind) and not isinstance(v, bool) for v in values):
        raise ValueError(f"`{name}` must be a {kind.__name__} or a pair of them, got {value!r}.")
    return values


def _fold(index: tf.Tensor, length, padding: str) -> tf.Tensor:
    """Source index of each padded position ``index`` (any integer) along an axis of ``length``.

    ``"reflect"`` mirrors about the edge pixels (period ``2 (length - 1)``; a length-1 axis repeats its
    pixel) and ``"symmetric"`` about the edges (period ``2 length``), however far the padding reaches:
    scipy.ndimage's ``"mirror"`` and ``"reflect"``. ``tf.pad`` only allows pads shorter than the axis.
    """
    period = tf.maximum(2 * length - 2, 1) if padding == "reflect" else 2 * length
    phase = tf.math.floormod(index, period)
    mirrored = period - phase if padding == "reflect" else period - 1 - phase
    return tf.where(phase < length, phase, mirrored)


def _pad_axis(
    images: tf.Tensor, before: int, after: int, axis: int, padding: str, constant_values
) -> tf.Tensor:
    """Pad axis ``axis`` of ``images`` [B, H, W, C] by ``before`` / ``after`` with any pad length."""
    if before == after == 0:
        return images
    length = images.shape[axis]
    reach = max(before, after) + (padding == "reflect")  # tf.pad's reflect needs pads < length
    if padding == "constant" or (length is not None and reach <= length):
        paddings = [[0, 0]] * 4
        paddings[axis] = [before, after]
        return tf.pad(images, paddings, mode=padding.upper(), constant_values=constant_values)
    length = tf.shape(images)[axis]
    index = tf.range(-before, length + after)
    return tf.gather(images, _fold(index, length, padding), axis=axis)


def gaussian_kernel1d(sigma, size: int, dtype=tf.float32) -> tf.Tensor:
    """The normalized 1-D Gaussian of ``size`` taps (centre at ``(size - 1) // 2``); ``sigma=0`` is a delta.

    Example:
    >>> k = gaussian_kernel1d(1.0, 3)
    >>> round(float(tf.reduce_sum(k)), 6)
    1.0
    """
    offsets = tf.cast(tf.range((-size) // 2 + 1, size // 2 + 1), dtype)
    sigma = tf.cast(sigma, dtype)
    logits = -tf.square(offsets) / (2.0 * tf.maximum(tf.square(sigma), tf.constant(1e-30, dtype)))
    return tf.nn.softmax(logits)


def _pad_amounts(size: int) -> tuple[int, int]:
    before = (size - 1) // 2
    return before, size - 1 - before


def _tap(kernel: tf.Tensor, tap: int, rank: int = 4) -> tf.Tensor:
    """Weight ``tap`` of a ``[size]`` kernel, or of per-sample ``[B, size]`` kernels as ``[B, 1, ...]``."""
    if kernel.shape.rank == 1:
        return kernel[tap]
    return tf.reshape(kernel[:, tap], [-1] + [1] * (rank - 1))


def _filter_along(images: tf.Tensor, kernel: tf.Tensor, size: int, axis: int, padding: str, constant_values):
    """Correlate ``images`` [B, H, W, C] with ``kernel`` ([size], or [B, size] per sample) along ``axis``
    (1 or 2), output the same size in the kernel's dtype (``images`` may be of any dtype that casts to it;
    ``constant_values`` is in the images' dtype).

    The taps run on ``[B, rows, columns * C]`` views (a shift along the width is a shift by ``C``): with
    one long innermost axis XLA's CPU loops vectorize, about 2.5x faster than on ``[..., C]`` slices.
    """
    if size == 1:
        return tf.cast(images, kernel.dtype) * _tap(kernel, 0)
    # Pad before casting: XLA stores the padded tensor, 4x smaller as uint8 than as float32.
    padded = tf.cast(_pad_axis(images, *_pad_amounts(size), axis, padding, constant_values), kernel.dtype)
    shape = tf.shape(images)
    batch, height, width, channels = shape[0], shape[1], shape[2], shape[3]
    if axis == 1:
        flat, step, extent = tf.reshape(padded, [batch, -1, width * channels]), 1, [-1, height, -1]
    else:
        flat, step, extent = tf.reshape(padded, [batch, height, -1]), channels, [-1, -1, width * channels]
    out = None
    for tap in range(size):
        begin = [0, 0, 0]
        begin[axis] = tap * step
        term = tf.slice(flat, begin, extent) * _tap(kernel, tap, rank=3)
        out = term if out is None else out + term
    return tf.reshape(out, shape)


def _sigma(sigma):
    """``sigma`` as finite ``(sigma_y, sigma_x)`` >= 0 when given in Python; tensors pass as they are."""
    if is_number(sigma):
        sigma = (sigma, sigma)
    elif not isinstance(sigma, (list, tuple)):
        return sigma
    if len(sigma) != 2:
        raise ValueError(f"`sigma` must be a number or a pair of them, got {sigma!r}.")
    return tuple(check_number(s, "sigma", 0.0) for s in sigma)


@traceable
def gaussian_filter2d(image, filter_shape=(3, 3), sigma=1.0, padding: str = "reflect", constant_values=0):
    """Blur with a separable Gaussian, like ``tfa.image.gaussian_filter2d``.

    ``image`` is ``[H, W]``, ``[H, W, C]`` or ``[B, H, W, C]``. ``filter_shape`` is ``(height, width)``
    (or one int), ``sigma`` a float or ``(sigma_y, sigma_x)``. The kernel has taps at offsets
    ``-(n // 2) + 1 - n % 2 ... n // 2`` weighted ``exp(-d**2 / (2 sigma**2))`` and normalized to sum 1.
    ``padding`` is ``"reflect"`` (``d c b | a b c d``, scipy's ``"mirror"``), ``"symmetric"``
    (``c b a | a b c``, scipy's ``"reflect"``) or ``"constant"`` (``constant_values``). Integer images are
    filtered in float32 and rounded back (tfa truncates instead). ``sigma=0`` leaves the image unchanged
    (as scipy; tfa returns NaN); NaN, infinite or negative Python sigmas raise ``ValueError``.

    Example:
    >>> out = gaussian_filter2d(tf.ones([8, 8, 3]), filter_shape=5, sigma=1.5)
    >>> out.shape
    TensorShape([8, 8, 3])
    """
    sigma = _sigma(sigma)
    image, rank, filter_shape, padding = _filter_args(image, filter_shape, padding)
    dtype = image.dtype
    work = tf.cast(image, compute_dtype(dtype))
    sigma = tf.broadcast_to(tf.cast(sigma, work.dtype), [2])
    constant_values = tf.cast(constant_values, work.dtype)
    for axis, size in ((1, filter_shape[0]), (2, filter_shape[1])):
        kernel = gaussian_kernel1d(sigma[axis - 1], size, work.dtype)
        work = _filter_along(work, kernel, size, axis, padding, constant_values)
    work = from_4d(work, rank)
    return from_compute(work, dtype)


# ----------------------------------------------------------------------------------------------
# torchvision's gaussian_blur
# ----------------------------------------------------------------------------------------------


def _kernel_size(kernel_size) -> tuple[int, int]:
    """torchvision's ``kernel_size``: one odd int or ``(width, height)``, odd and positive."""
    if is_number(kernel_size):
        kernel_size = (kernel_size, kernel_size)
    ok = isinstance(kernel_size, (list, tuple)) and len(kernel_size) == 2
    ok = ok and all(is_number(k) and float(k).is_integer() and k > 0 and int(k) % 2 == 1 for k in kernel_size)
    if not ok:
        raise ValueError(
            f"`kernel_size` must be an odd positive int or a (width, height) pair of them, got {kernel_size!r}."
        )
    return int(kernel_size[0]), int(kernel_size[1])


def _blur_sigma(sigma, kernel_size: tuple[int, int], batch_size) -> tf.Tensor:
    """``sigma`` as float32 ``[B, 2]`` ``(sigma_x, sigma_y)``: torchvision's default for ``None``."""
    if sigma is None:
        sigma = tuple(0.15 * k + 0.35 for k in kernel_size)
    elif is_number(sigma):
        sigma = (check_number(sigma, "sigma", 0.0, low_open=True),) * 2
    elif isinstance(sigma, (list, tuple)) and len(sigma) == 2 and all(is_number(s) for s in sigma):
        sigma = tuple(check_number(s, "sigma", 0.0, low_open=True) for s in sigma)
    elif isinstance(sigma, (list, tuple)) and not any(isinstance(s, (tf.Tensor, tf.Variable)) for s in sigma):
        raise ValueError(
            f"`sigma` must be a number > 0, a (sigma_x, sigma_y) pair or a tensor, got {sigma!r}."
        )
    pair = isinstance(sigma, tuple)  # checked Python (sigma_x, sigma_y); a tensor is one value per sample
    sigma = tf.cast(tf.convert_to_tensor(sigma), tf.float32)
    if not pair and sigma.shape.rank in (0, 1):
        sigma = tf.stack([sigma, sigma], axis=-1)  # one sigma per sample for both axes
    return check_per_sample(sigma, batch_size, "sigma", trailing=(2,))


@functools.partial(xla_unit, relax_shapes=True)
def _gaussian_blur(images, sigma, kernel_size: tuple):
    dtype = compute_dtype(images.dtype)
    sigma = tf.cast(sigma, dtype)
    work = images  # the first pass casts after padding
    for axis, size, column in ((1, kernel_size[1], 1), (2, kernel_size[0], 0)):
        kernel = gaussian_kernel1d(sigma[:, column : column + 1], size, dtype)  # [B, size]
        work = _filter_along(work, kernel, size, axis, "reflect", tf.zeros([], work.dtype))
    return from_compute(work, images.dtype)


def gaussian_blur(images, kernel_size, sigma=None) -> tf.Tensor:
    """Gaussian blur with torchvision's ``gaussian_blur`` arguments, one sigma per sample.

    ``kernel_size`` is one odd int or ``(width, height)`` (torchvision's and OpenCV's order); ``sigma``
    a number, a Python ``(sigma_x, sigma_y)`` pair, or a tensor: a scalar, one value per sample ``[B]``
    (both axes) or ``[B, 2]`` ``(sigma_x, sigma_y)`` per sample; ``None`` is torchvision's (and OpenCV's) default ``0.3 * ((k - 1) / 2 - 1) + 0.8``,
    i.e. ``0.15 k + 0.35``, per axis. The separable kernel has taps ``exp(-d**2 / (2 sigma**2))``
    normalized to sum 1, and the border is reflected without repeating the edge (``d c b | a b c d``:
    torch's ``"reflect"``, OpenCV's ``BORDER_REFLECT_101``, for any kernel size). Integer results are
    rounded (as torchvision). Python sigmas must be finite and > 0.

    Example:
    >>> out = gaussian_blur(tf.zeros([2, 8, 8, 3], tf.uint8), 5, sigma=tf.constant([0.5, 2.0]))
    >>> out.shape, out.dtype
    (TensorShape([2, 8, 8, 3]), tf.uint8)
    """
    kernel_size = _kernel_size(kernel_size)
    images, single = to_batch(images)
    sigma = _blur_sigma(sigma, kernel_size, tf.shape(images)[0])
    return from_batch(_gaussian_blur(images, sigma, kernel_size=kernel_size), single)


# ----------------------------------------------------------------------------------------------
# Mean and median filters
# ----------------------------------------------------------------------------------------------

# Larger windows sort every window with tf.sort instead: a network of ~1,100 pairs (11x11) compiles in
# ~2 s and runs ~10x faster than the sort; at 15x15 (2,750 pairs) XLA needs ~25 s and no longer fuses it.
_NETWORK_MAX_COMPARATORS = 1200


def _filter_shape(filter_shape) -> tuple[int, int]:
    filter_shape = _pair("filter_shape", filter_shape, int)
    if any(size < 1 for size in filter_shape):
        raise ValueError(f"`filter_shape` must be positive, got {filter_shape}.")
    return filter_shape


def _filter_args(
    image, filter_shape, padding: str
) -> tuple[tf.Tensor, int | tf.Tensor, tuple[int, int], str]:
    """``(image as [B, H, W, C], its rank, filter_shape, padding)``, checked."""
    filter_shape = _filter_shape(filter_shape)
    padding = check_choice("padding", padding, PADDINGS)
    image, rank = to_4d(image, "image")
    return image, rank, filter_shape, padding


def _pad2d(images: tf.Tensor, filter_shape, padding: str, constant_values) -> tf.Tensor:
    """tfa's explicit padding: ``(size - 1) // 2`` before, the rest after, on both spatial axes."""
    images = _pad_axis(images, *_pad_amounts(filter_shape[0]), 1, padding, constant_values)
    return _pad_axis(images, *_pad_amounts(filter_shape[1]), 2, padding, constant_values)


def _as_dtype(value, dtype: tf.DType) -> tf.Tensor:
    """A scalar in ``dtype``; integers are rounded and clipped to the dtype's range."""
    value = tf.convert_to_tensor(value)
    if value.dtype == dtype:
        return value
    return from_compute(tf.cast(value, compute_dtype(dtype)), dtype)


def _window_sum(values: tf.Tensor, size: int, axis: int) -> tf.Tensor:
    """``out[i] = sum(values[i : i + size])`` along ``axis`` (length ``n - size + 1``), in O(log size) adds.

    Sums over power-of-two spans are built by doubling and the ones of ``size``'s binary digits added up.
    """
    length = tf.shape(values)[axis] - size + 1
    out, offset, span, power, remaining = None, 0, 1, values, size
    while True:
        if remaining & 1:
            term = slice_along(power, axis, offset, length)
            out = term if out is None else out + term
            offset += span
        remaining >>= 1
        if not remaining:
            return out
        power = slice_along(power, axis, 0, tf.shape(power)[axis] - span) + slice_along(power, axis, span, -1)
        span *= 2


@functools.partial(xla_unit, relax_shapes=True)
def _mean_filter(images, constant_values, filter_shape: tuple, padding: str):
    work = tf.cast(images, compute_dtype(images.dtype))
    work = _pad2d(work, filter_shape, padding, tf.cast(constant_values, work.dtype))
    work = _window_sum(_window_sum(work, filter_shape[0], 1), filter_shape[1], 2)
    return from_compute(work / (filter_shape[0] * filter_shape[1]), images.dtype)


@traceable
def mean_filter2d(image, filter_shape=(3, 3), padding: str = "reflect", constant_values=0) -> tf.Tensor:
    """Mean (box) filter, like ``tfa.image.mean_filter2d``: the average of each ``filter_shape`` window.

    ``image`` is ``[H, W]``, ``[H, W, C]`` or ``[B, H, W, C]``; the output has its shape and dtype.
    Integer images are summed exactly in float32 and the mean rounded to nearest (tfa truncates).
    Runs as one XLA unit; the window sums cost ``O(log size)`` adds per pixel and axis.

    Example:
    >>> mean_filter2d(tf.constant([[0.0, 3.0, 6.0]]), filter_shape=(1, 3)).numpy().tolist()
    [[2.0, 3.0, 4.0]]
    """
    image, rank, filter_shape, padding = _filter_args(image, filter_shape, padding)
    out = _mean_filter(image, tf.convert_to_tensor(constant_values), filter_shape, padding)
    return from_4d(out, rank)


@functools.lru_cache
def sorting_network(size: int) -> tuple[tuple[int, int], ...]:
    """Batcher's odd-even merge sort on ``size`` wires: compare-exchange pairs ``(i, j)``, ``i < j``.

    Example:
    >>> sorting_network(3)
    ((0, 1), (0, 2), (1, 2))
    """
    padded = 1 << max(0, (size - 1).bit_length())  # wires past ``size`` hold +inf: their pairs are no-ops
    pairs = []
    merge = 1
    while merge < padded:
        step = merge
        while step >= 1:
            for j in range(step % merge, padded - step, 2 * step):
                for i in range(min(step, padded - j - step)):
                    if (i + j) // (2 * merge) == (i + j + step) // (2 * merge):
                        pairs.append((i + j, i + j + step))
            step //= 2
        merge *= 2
    return tuple((i, j) for i, j in pairs if j < size)


@functools.lru_cache
def _selection_network(size: int, ranks: tuple[int, ...]) -> tuple[tuple[int, int, bool, bool], ...]:
    """The part of :func:`sorting_network` that decides the sorted values at ``ranks``.

    Returns ``(i, j, keep_min, keep_max)``: whether each pair's minimum (to wire ``i``) and maximum (to
    wire ``j``) are read later.
    """
    needed = set(ranks)
    kept = []
    for i, j in reversed(sorting_network(size)):
        if i in needed or j in needed:
            kept.append((i, j, i in needed, j in needed))
            needed |= {i, j}
    return tuple(kept[::-1])


def _select(wires: list, ranks: tuple[int, ...]) -> list:
    """The values of rank ``ranks`` (0 = smallest) among ``wires``, elementwise, by a pruned network."""
    wires = list(wires)
    for i, j, keep_min, keep_max in _selection_network(len(wires), ranks):
        low = tf.minimum(wires[i], wires[j]) if keep_min else None
        high = tf.maximum(wires[i], wires[j]) if keep_max else None
        wires[i], wires[j] = low, high
    return [wires[r] for r in ranks]


def _median_ranks(area: int) -> tuple[int, ...]:
    return (area // 2,) if area % 2 else (area // 2 - 1, area // 2)


@functools.partial(xla_unit, relax_shapes=True)
def _median_filter(images, constant_values, filter_shape: tuple, padding: str, sort: bool):
    dtype = images.dtype
    rows, cols = filter_shape
    padded = _pad2d(images, filter_shape, padding, constant_values)
    shape = tf.shape(images)
    wires = [
        tf.slice(padded, [0, i, j, 0], [-1, shape[1], shape[2], -1]) for i in range(rows) for j in range(cols)
    ]
    ranks = _median_ranks(rows * cols)
    if sort:
        ordered = tf.sort(tf.stack(wires, axis=-1), axis=-1)
        middle = [ordered[..., r] for r in ranks]
    else:
        middle = _select(wires, ranks)
    if len(middle) == 1:
        return middle[0]
    low, high = (tf.cast(m, compute_dtype(dtype)) for m in middle)
    return from_compute(low + (high - low) / 2.0, dtype)


@traceable
def median_filter2d(image, filter_shape=(3, 3), padding: str = "reflect", constant_values=0) -> tf.Tensor:
    """Median filter, like ``tfa.image.median_filter2d``: the median of each ``filter_shape`` window.

    ``image`` is ``[H, W]``, ``[H, W, C]`` or ``[B, H, W, C]``; the output has its shape and dtype. Odd
    windows return the middle value exactly; even ones the mean of the two middle values (integers
    rounded half to even; tfa truncates). ``constant_values`` is cast to the image dtype (rounded and
    clipped for integers). The median is selected by a pruned Batcher sorting network of min/max ops
    (24 pairs for 3x3, fused into one XLA pass); windows larger than 11x11 (over 1,200 pairs) sort each
    window with ``tf.sort`` instead, which is much slower (seconds per batch of 224x224 images).

    Example:
    >>> median_filter2d(tf.constant([[1, 9, 2, 8]], tf.uint8), filter_shape=(1, 3)).numpy().tolist()
    [[9, 2, 8, 2]]
    """
    image, rank, filter_shape, padding = _filter_args(image, filter_shape, padding)
    area = filter_shape[0] * filter_shape[1]
    sort = len(_selection_network(area, _median_ranks(area))) > _NETWORK_MAX_COMPARATORS
    out = _median_filter(image, _as_dtype(constant_values, image.dtype), filter_shape, padding, sort)
    return from_4d(out, rank)
