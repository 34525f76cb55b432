"""Crops and resizes whose output size differs from the input's: ``torchvision.transforms.v2.functional``'s
``resize``, ``crop``, ``center_crop`` and ``resized_crop``, batched, with per-sample boxes.

A crop of the box ``(top, left, height, width)`` resized to ``size = (out_h, out_w)`` is one axis-aligned
output→input matrix per sample (:func:`crop_matrix`)::

    [[sx, 0, left + (sx - 1) / 2],      sx = width / out_w
     [0, sy, top + (sy - 1) / 2],       sy = height / out_h
     [0,  0, 1                  ]]

which is the half-pixel convention of ``cv2.resize`` (``INTER_LINEAR``), TF's ``tf.image.resize`` and
torchvision (``align_corners=False``): output pixel ``j`` reads input ``left + (j + 0.5) * sx - 0.5``.
:func:`resample_window` resamples the window such a matrix maps the output onto with the separable engine
of :func:`~keras_aug.ops.geometry.warp_axis_aligned`'s kind (rows, then columns; uint8 in fixed point;
one XLA unit) and
replicates the window's edge pixels, as ``cv2.resize`` does on the cropped image: so a resized crop is
exactly torchvision's crop-then-resize, not a warp that blends in the pixels just outside the box. Parts of
a window outside the image read ``fill_value`` (torchvision pads crops with zeros). Masks (nearest) and
boxes (:func:`~keras_aug.ops.move_boxes`) follow the same matrices, so the three cannot drift apart.

``interpolation="nearest"`` is the half-pixel nearest of TF / Keras and torchvision's ``"nearest-exact"``
(``floor((j + 0.5) * sx)``; ``cv2.INTER_NEAREST_EXACT`` but for exact ties, which OpenCV rounds down), not
torchvision's legacy ``"nearest"`` (``floor(j * sx)``).
``antialias=True`` (bilinear only) is torchvision's / PIL's antialiased bilinear: a triangle filter
widened by the downscale factor, restricted to the window and the image; it is a dense matrix product per
axis, slower than the default ``antialias=False`` (Keras' default; torchvision v2 defaults to ``True``).
"""

from __future__ import annotations

import math

import tensorflow as tf
from tensorflow.compiler.tf2xla.python import xla as tf2xla
from tensorflow.compiler.xla import xla_data_pb2

from keras_aug.ops import _utils
from keras_aug.ops import random as krandom
from keras_aug.ops._utils import INTERPOLATIONS
from keras_aug.ops.geometry.resample import _fill_value_for, _sample_batch, gather_cols, gather_rows_cols
from keras_aug.ops.xla import xla_unit
from keras_aug.validation import check_number, check_per_sample, check_range, check_values


def check_size(size, name: str = "size") -> tuple[int, int]:
    """``size`` (an int for a square, or ``(height, width)``) as a pair of positive Python ints.

    Example:
    >>> check_size(4), check_size((2, 3))
    ((4, 4), (2, 3))
    """
    pair = (size, size) if not isinstance(size, (tuple, list)) else tuple(size)
    if len(pair) != 2:
        raise ValueError(f"`{name}` must be an int or a (height, width) pair of ints >= 1, got {size!r}.")
    return tuple(check_number(v, name, 1, integer=True) for v in pair)


def crop_matrix(top, left, height, width, size) -> tf.Tensor:
    """``[B, 3, 3]`` output→input matrices that read the box ``(top, left, height, width)`` (per sample,
    in pixels) resized to ``size = (out_h, out_w)``; boxes and masks follow them like any warp.

    Example:
    >>> crop_matrix([2.0], [4.0], [8.0], [8.0], (4, 4))[0].numpy().tolist()
    [[2.0, 0.0, 4.5], [0.0, 2.0, 2.5], [0.0, 0.0, 1.0]]
    """
    out_h, out_w = check_size(size)
    top, left, height, width = (tf.reshape(tf.cast(v, tf.float32), [-1]) for v in (top, left, height, width))
    top, left, height, width = _broadcast(top, left, height, width)
    sx, sy = width / out_w, height / out_h
    zero, one = tf.zeros_like(sx), tf.ones_like(sx)
    entries = [sx, zero, left + (sx - 1.0) / 2.0, zero, sy, top + (sy - 1.0) / 2.0, zero, zero, one]
    return tf.reshape(tf.stack(entries, axis=-1), [-1, 3, 3])


def _broadcast(*values):
    batch = tf.reduce_max(tf.stack([tf.size(v) for v in values]))
    return [tf.broadcast_to(v, [batch]) for v in values]


def _window_coords(scale: tf.Tensor, offset: tf.Tensor, length: int) -> tf.Tensor:
    """Input coordinates ``[B, length]`` of the output pixels along an axis, clamped to the window's edge
    pixels (``cv2.resize``'s replicated border on the cropped image)."""
    coords = scale * tf.range(length, dtype=tf.float32)[tf.newaxis] + offset
    low = offset - 0.5 * scale + 0.5
    high = tf.maximum(offset + (length - 0.5) * scale - 0.5, low)
    return tf.minimum(tf.maximum(coords, low), high)


#: Nearest sampling rounds half up, as TF's half-pixel nearest and cv2.INTER_NEAREST_EXACT
#: (``floor((j + 0.5) * scale)``); the slack absorbs float32 error at exact ties (e.g. a 2x reduction).
_TIE_SLACK = 1e-4


def _axis_coords(matrices, size, nearest: bool = False) -> tuple[tf.Tensor, tf.Tensor]:
    m = tf.reshape(matrices, [-1, 9])
    x = _window_coords(m[:, 0:1], m[:, 2:3], size[1])
    y = _window_coords(m[:, 4:5], m[:, 5:6], size[0])
    if nearest:
        x, y = tf.floor(x + (0.5 + _TIE_SLACK)), tf.floor(y + (0.5 + _TIE_SLACK))
    return x, y


_FIXED_ONE = 256  # uint8 bilinear weights in 1/256 steps
_FIXED_DTYPE = tf.uint16  # 255 * 256 + 128 fits: twice the lanes of int32


def _axis_weights(coords: tf.Tensor, length: int, nearest: bool, fixed: bool):
    """Per output coordinate ``[B, n]``: the two taps (clamped indices) and their weights, zero for a tap
    outside the image (its share goes to the fill value instead, see :func:`_blend`)."""
    first = tf.floor(coords)
    weight = coords - first
    first = tf.cast(first, tf.int32)
    second = first if nearest else first + 1
    one = float(_FIXED_ONE) if fixed else 1.0
    weight = tf.zeros_like(weight) if nearest else (tf.floor(weight * one + 0.5) if fixed else weight)
    weights = [one - weight, weight]
    taps = []
    for k, tap in enumerate((first, second)):
        weights[k] = tf.where((tap >= 0) & (tap < length), weights[k], 0.0)
        taps.append(tf.clip_by_value(tap, 0, length - 1))
    return taps, weights, one


def _gather_along(values, indices, axis: int) -> tf.Tensor:
    """Per-sample rows (``axis`` 1) or columns (``axis`` 2, through :func:`gather_cols`) of ``values``."""
    if axis == 2:
        return gather_cols(values, indices)
    return tf.gather(values, indices, axis=1, batch_dims=1)


def _blend(values, taps, weights, one, fill, axis: int, fixed: bool, nearest: bool):
    """``sum_k weights[k] * values[taps[k]] + fill * (one - sum_k weights[k])`` along ``axis`` (1: rows,
    2: columns); the weights are ``[B, n]`` vectors, so outside taps cost no select on the pixels. Pixels are
    gathered in their own dtype and converted after (int32 for uint8's fixed point, else the compute float)."""
    compute = _FIXED_DTYPE if fixed else _utils.compute_dtype(values.dtype)
    shape = [-1, 1, 1, 1]
    shape[axis] = tf.shape(taps[0])[1]
    fill_share = tf.cast(fill, tf.float32) * (one - weights[0] - weights[1])
    if fixed:
        fill_share += one / 2.0  # rounding of the 8-bit shift below
    as_values = lambda w: tf.reshape(tf.cast(w, compute), shape)  # noqa: E731
    tap = lambda k: tf.cast(_gather_along(values, taps[k], axis), compute)  # noqa: E731
    out = tap(0) * as_values(weights[0]) + as_values(fill_share)
    if not nearest:
        out += tap(1) * as_values(weights[1])
    return tf.bitwise.right_shift(out, 8) if fixed else out


def _nearest_taps(images, x, y, fill):
    """Nearest: a gather of rows, then of pixels, in the images' dtype; ``fill`` where a tap is outside."""
    out = images
    for axis, coords in ((1, y), (2, x)):
        taps = tf.cast(coords, tf.int32)
        inside = (taps >= 0) & (taps < images.shape[axis])
        clamped = tf.clip_by_value(taps, 0, images.shape[axis] - 1)
        out = _gather_along(out, clamped, axis)
        shape = [-1, 1, 1, 1]
        shape[axis] = tf.shape(taps)[1]
        out = tf.where(tf.reshape(inside, shape), out, tf.cast(fill, out.dtype))
    return out


@xla_unit
def _resample_separable(images, matrices, fill, size: tuple, nearest: bool):
    """Rows, then columns, in one XLA unit: gather two whole rows per output row and blend, then two
    pixels per output pixel within those rows (:func:`gather_cols`; transposing for a second row pass
    instead made XLA:CPU write the result transposed and copy it inside a bigger program, 3x slower).
    uint8 blends in int32 fixed point with 8-bit weights (rounded to uint8 between the passes), other
    dtypes in their compute float."""
    x, y = _axis_coords(matrices, size, nearest)
    if nearest:
        return _nearest_taps(images, x, y, fill)
    fixed = images.dtype == tf.uint8
    row_taps, row_weights, one = _axis_weights(y, images.shape[1], nearest, fixed)
    col_taps, col_weights, _ = _axis_weights(x, images.shape[2], nearest, fixed)
    rows = _blend(images, row_taps, row_weights, one, fill, 1, fixed, nearest)
    if fixed:
        rows = tf.cast(rows, tf.uint8)  # a quarter of the bytes between the passes
    out = _blend(rows, col_taps, col_weights, one, fill, 2, fixed, nearest)
    return tf.cast(out, tf.uint8) if fixed else _utils.from_compute(out, images.dtype)


def _sample_window(images, matrices, size, interpolation, fill):
    """Unknown input height/width: the reference resampler on the ``[B, out_h, out_w]`` coordinate grid."""
    x, y = _axis_coords(matrices, size, interpolation == "nearest")
    grid_x = tf.broadcast_to(x[:, tf.newaxis, :], [tf.shape(x)[0], size[0], size[1]])
    grid_y = tf.broadcast_to(y[:, :, tf.newaxis], [tf.shape(y)[0], size[0], size[1]])
    return _sample_batch(images, grid_x, grid_y, interpolation, "constant", fill)


def _triangle_weights(scale, offset, out_length: int, in_length) -> tf.Tensor:
    """``[B, out_length, in_length]`` antialiased bilinear weights (PIL's / torchvision's triangle filter,
    support widened by the downscale factor), over the pixels of the window that lie in the image."""
    low = offset - 0.5 * scale + 0.5  # the window's first edge, in pixel-edge coordinates
    high = low + out_length * scale
    centre = (
        low[:, :, tf.newaxis]
        + (tf.range(out_length, dtype=tf.float32)[tf.newaxis, :, tf.newaxis] + 0.5)
        * (scale[:, :, tf.newaxis])
    )
    pixel = tf.range(in_length, dtype=tf.float32)[tf.newaxis, tf.newaxis, :] + 0.5
    support = tf.maximum(scale, 1.0)[:, :, tf.newaxis]
    weights = tf.maximum(1.0 - tf.abs(pixel - centre) / support, 0.0)
    inside = (pixel > tf.floor(low)[:, :, tf.newaxis]) & (pixel < tf.math.ceil(high)[:, :, tf.newaxis])
    weights = tf.where(inside, weights, 0.0)
    return weights / tf.maximum(tf.reduce_sum(weights, axis=-1, keepdims=True), 1e-12)


def _antialiased(images, matrices, size, fill):
    shape = tf.shape(images)
    m = tf.reshape(matrices, [-1, 9])
    wy = _triangle_weights(m[:, 4:5], m[:, 5:6], size[0], shape[1])
    wx = _triangle_weights(m[:, 0:1], m[:, 2:3], size[1], shape[2])
    values = _utils.to_compute(images)
    rows = tf.einsum("boh,bhwc->bowc", tf.cast(wy, values.dtype), values)
    out = tf.einsum("bpw,bowc->bopc", tf.cast(wx, values.dtype), rows)
    empty = (
        tf.reduce_sum(wy, -1)[:, :, tf.newaxis, tf.newaxis]
        * tf.reduce_sum(wx, -1)[:, tf.newaxis, :, tf.newaxis]
    )
    out = tf.where(empty > 0.0, out, tf.cast(fill, out.dtype))  # a window entirely outside the image
    return _utils.from_compute(out, images.dtype)


def resample_window(
    images,
    matrices,
    size,
    interpolation: str = "bilinear",
    fill_value: float = 0.0,
    antialias: bool = False,
) -> tf.Tensor:
    """Resample the windows that axis-aligned output→input ``matrices`` ``[B, 3, 3]`` (e.g. :func:`crop_matrix`)
    map an output of ``size = (out_h, out_w)`` onto; the engine under every crop and resize.

    Only the scale and offset entries (0, 2, 4, 5) are read. Coordinates are clamped to the window (its
    edge pixels repeat, as ``cv2.resize`` does on a cropped image); window pixels outside the image read
    ``fill_value``. uint8 images blend in fixed point (within ±1 of float arithmetic). Input height and
    width may be unknown at trace time (then the reference resampler runs); the output shape is static.

    Example:
    >>> img = tf.reshape(tf.range(16, dtype=tf.float32), [1, 4, 4, 1])
    >>> resample_window(img, crop_matrix([0.0], [0.0], [4.0], [4.0], (2, 2)), (2, 2))[0, :, :, 0].numpy().tolist()
    [[2.5, 4.5], [10.5, 12.5]]
    """
    interpolation = _utils.check_choice("interpolation", interpolation, INTERPOLATIONS)
    size = check_size(size)
    images, single = _utils.to_batch(images)
    matrices = check_per_sample(matrices, tf.shape(images)[0], "matrices", (3, 3))
    nearest = interpolation == "nearest"
    fill = _fill_value_for(images.dtype, fill_value)
    if antialias and not nearest:
        out = xla_unit(_antialiased, relax_shapes=True, size=size)(images, matrices, fill=fill)
    elif None in images.shape[1:]:
        unit = xla_unit(_sample_window, relax_shapes=True, size=size, interpolation=interpolation)
        out = unit(images, matrices, fill=fill)
    else:
        out = _resample_separable(images, matrices, fill, size, nearest)
    return _utils.from_batch(out, single)


def _spatial(images) -> tuple[tf.Tensor | int, tf.Tensor | int]:
    """Height and width: Python ints when known while tracing, else int32 scalars."""
    shape = tf.shape(images)
    rank = images.shape.rank
    height, width = images.shape[rank - 3], images.shape[rank - 2]
    return (shape[rank - 3] if height is None else height), (shape[rank - 2] if width is None else width)


def _smaller_edge_size(images, size: int) -> tuple[int, int]:
    """torchvision's ``resize(size=int)``: the smaller edge becomes ``size``, the aspect ratio is kept."""
    height, width = _spatial(images)
    if not isinstance(height, int) or not isinstance(width, int):
        raise ValueError("`size` as one int (the smaller edge) needs images of known height and width.")
    if height <= width:
        return size, max(int(size * width / height), 1)
    return max(int(size * height / width), 1), size


def resize(images, size, interpolation: str = "bilinear", antialias: bool = False) -> tf.Tensor:
    """Resize ``images`` to ``size`` (torchvision's ``resize``; the module docstring has the conventions).

    Args:
        images: ``[B, H, W, C]`` or ``[H, W, C]``, any numeric dtype (kept; integers rounded).
        size: ``(height, width)``, or one int: the smaller edge, keeping the aspect ratio (torchvision).
        interpolation: ``"bilinear"`` (``cv2.INTER_LINEAR``) or ``"nearest"`` (TF's, torchvision's "nearest-exact").
        antialias: torchvision's antialiased bilinear when downscaling (default ``False``, as Keras).

    Example:
    >>> img = tf.reshape(tf.range(4, dtype=tf.float32), [1, 2, 2, 1])
    >>> resize(img, (4, 4))[0, 0, :, 0].numpy().tolist()
    [0.0, 0.25, 0.75, 1.0]
    """
    images = _utils.check_images(images)
    if not isinstance(size, (tuple, list)):
        size = _smaller_edge_size(images, check_number(size, "size", 1, integer=True))
    size = check_size(size)
    height, width = _spatial(images)
    matrices = crop_matrix(0.0, 0.0, height, width, size)
    return resample_window(images, matrices, size, interpolation, antialias=antialias)


def _whole(value, name: str) -> tf.Tensor:
    """Per-sample integer pixel positions (floats are floored), checked when given in Python."""
    value = tf.convert_to_tensor(check_values(value, name))
    return (
        tf.math.floor(tf.cast(value, tf.float32)) if value.dtype.is_floating else tf.cast(value, tf.float32)
    )


def crop(images, top, left, height: int, width: int) -> tf.Tensor:
    """Crop the box ``(top, left, height, width)`` of every image (torchvision's ``crop``), per sample.

    ``top``/``left`` are ints, one for all samples or ``[B]``; ``height``/``width`` are Python ints (the
    static output size). Pixels of the box outside the image are 0, as torchvision pads.

    Example:
    >>> img = tf.reshape(tf.range(9), [1, 3, 3, 1])
    >>> crop(img, [1], [-1], 2, 2)[0, :, :, 0].numpy().tolist()
    [[0, 3], [0, 6]]
    """
    size = check_size((height, width), "height/width")
    top, left = _whole(top, "top"), _whole(left, "left")
    matrices = crop_matrix(top, left, float(size[0]), float(size[1]), size)
    return resample_window(images, matrices, size, "nearest", fill_value=0.0)


def _slice_rows_cols(images, top, left, size: tuple):
    """Whole rows, then whole pixels of them, each index clamped to the image (edge pixels repeat)."""
    rows = top[:, tf.newaxis] + tf.range(size[0])[tf.newaxis]
    cols = left[:, tf.newaxis] + tf.range(size[1])[tf.newaxis]
    rows = tf.clip_by_value(rows, 0, tf.shape(images)[1] - 1)
    cols = tf.clip_by_value(cols, 0, tf.shape(images)[2] - 1)
    return gather_rows_cols(images, rows, cols)


def _gather_windows(images, top, left, size: tuple):
    """One XLA gather of a ``size`` window per sample (a dynamic slice each; XLA clamps a window that
    reaches outside back inside, so it is only used for windows inside the image)."""
    batch = tf.range(tf.shape(images)[0], dtype=tf.int32)
    starts = tf.stack([batch, top, left, tf.zeros_like(batch)], axis=1)
    numbers = xla_data_pb2.GatherDimensionNumbers(
        offset_dims=[1, 2, 3], collapsed_slice_dims=[0], start_index_map=[0, 1, 2, 3], index_vector_dim=1
    )
    windows = tf2xla.gather(images, starts, numbers, [1, *size, images.shape[-1]], indices_are_sorted=True)
    windows.set_shape([images.shape[0], *size, images.shape[-1]])
    return windows


def _slice_each(images, top, left, size: tuple):
    """The windows as one windowed gather when they all lie inside the image (4x faster inside one XLA
    program than two index gathers, whose transposed result XLA:CPU copies), else row and column gathers."""
    height, width, channels = images.shape[1:]
    if None in (height, width, channels) or size[0] > height or size[1] > width:
        return _slice_rows_cols(images, top, left, size)
    inside = tf.reduce_all((top >= 0) & (left >= 0) & (top + size[0] <= height) & (left + size[1] <= width))
    return tf.cond(
        inside,
        lambda: _gather_windows(images, top, left, size),
        lambda: _slice_rows_cols(images, top, left, size),
    )


def slice_windows(images, top, left, height: int, width: int) -> tf.Tensor:
    """Per-sample crops of boxes that lie inside the image: a gather of whole rows, then of whole pixels (no
    blending and no fill: several times faster than :func:`crop`). Unlike :func:`crop`, a box reaching
    outside the image is not padded with zeros: its edge pixels repeat.

    Example:
    >>> img = tf.reshape(tf.range(9), [1, 3, 3, 1])
    >>> slice_windows(img, [1], [1], 2, 2)[0, :, :, 0].numpy().tolist()
    [[4, 5], [7, 8]]
    """
    size = check_size((height, width), "height/width")
    images, single = _utils.to_batch(images)
    batch = tf.shape(images)[0]
    top = tf.broadcast_to(tf.cast(_whole(top, "top"), tf.int32), [batch])
    left = tf.broadcast_to(tf.cast(_whole(left, "left"), tf.int32), [batch])
    out = xla_unit(_slice_each, size=size)(images, top, left)  # reads the static shape
    return _utils.from_batch(out, single)


def center_crop(images, output_size) -> tf.Tensor:
    """Crop the centre ``output_size`` (int or ``(height, width)``) of every image (torchvision's ``center_crop``).

    The box starts at ``round((H - height) / 2)`` (half to even, as torchvision's Python ``round``); an
    image smaller than the box is padded with zeros, ``(height - H) // 2`` rows above (torchvision).

    Example:
    >>> img = tf.reshape(tf.range(16), [1, 4, 4, 1])
    >>> center_crop(img, 2)[0, :, :, 0].numpy().tolist()
    [[5, 6], [9, 10]]
    """
    images = _utils.check_images(images)
    out_h, out_w = check_size(output_size, "output_size")
    height, width = _spatial(images)
    return crop(images, _centre_start(height, out_h), _centre_start(width, out_w), out_h, out_w)


def _centre_start(length, crop_length: int) -> tf.Tensor:
    length = tf.cast(length, tf.float32)
    inside = tf.round((length - crop_length) / 2.0)  # tf.round is half to even, like Python's round
    outside = -tf.math.floordiv(crop_length - length, 2.0)
    return tf.where(length >= crop_length, inside, outside)


def resized_crop(
    images,
    top,
    left,
    height,
    width,
    size,
    interpolation: str = "bilinear",
    antialias: bool = False,
) -> tf.Tensor:
    """Crop the box ``(top, left, height, width)`` (per sample: scalars or ``[B]``) and resize it to ``size``.

    torchvision's ``resized_crop`` (crop, then resize: the crop's edge pixels repeat), batched with one box
    per sample and a static output ``size``, as one separable gather (:func:`resample_window`). The matrices
    are :func:`crop_matrix`'s, so ``move_boxes(boxes, labels, crop_matrix(...), *size)`` moves boxes to match.

    Example:
    >>> img = tf.reshape(tf.range(16, dtype=tf.float32), [1, 4, 4, 1])
    >>> resized_crop(img, 1, 1, 2, 2, (1, 1))[0, :, :, 0].numpy().tolist()
    [[7.5]]
    """
    size = check_size(size)
    matrices = crop_matrix(top, left, height, width, size)
    return resample_window(images, matrices, size, interpolation, antialias=antialias)


def sample_resized_crop(
    seed, batch_size, height, width, scale=(0.08, 1.0), ratio=(3.0 / 4.0, 4.0 / 3.0), tries: int = 10
) -> tuple[tf.Tensor, tf.Tensor, tf.Tensor, tf.Tensor]:
    """torchvision's ``RandomResizedCrop.get_params``, vectorized: ``(top, left, height, width)`` int32 ``[B]``.

    Per sample, ``tries`` candidates: area ``H * W * U(scale)``, aspect ratio ``exp(U(log ratio))``,
    ``w = round(sqrt(area * ratio))``, ``h = round(sqrt(area / ratio))``; the first with ``0 < w <= W``
    and ``0 < h <= H`` wins (``argmax`` over the tries, no loop), at a uniform position. When none fits:
    the centred crop of the whole image with its aspect ratio clamped to ``ratio``.

    Example:
    >>> top, left, h, w = sample_resized_crop(tf.constant([1, 2]), 4, 32, 32)
    >>> bool(tf.reduce_all((top >= 0) & (top + h <= 32) & (left >= 0) & (left + w <= 32)))
    True
    """
    scale = check_range(scale, "scale", 0.0, scalar="same")
    ratio = check_range(ratio, "ratio", 0.0, scalar="same")
    if ratio[0] <= 0.0:
        raise ValueError(f"`ratio` must be a pair of finite numbers > 0, got {ratio!r}.")
    seeds = krandom.split(seed, 4)
    h_img, w_img = tf.cast(height, tf.float32), tf.cast(width, tf.float32)
    target_area = h_img * w_img * krandom.uniform(seeds[0], [batch_size, tries], scale[0], scale[1])
    log_ratio = krandom.uniform(seeds[1], [batch_size, tries], math.log(ratio[0]), math.log(ratio[1]))
    aspect = tf.exp(log_ratio)
    w = tf.round(tf.sqrt(target_area * aspect))  # tf.round: half to even, as Python's round
    h = tf.round(tf.sqrt(target_area / aspect))
    valid = (w > 0) & (w <= w_img) & (h > 0) & (h <= h_img)
    first = tf.argmax(tf.cast(valid, tf.int32), axis=1, output_type=tf.int32)
    found = tf.reduce_any(valid, axis=1)
    w = tf.gather(w, first, axis=1, batch_dims=1)
    h = tf.gather(h, first, axis=1, batch_dims=1)
    fallback_h, fallback_w = _fallback_box(h_img, w_img, ratio)
    h = tf.where(found, h, fallback_h)
    w = tf.where(found, w, fallback_w)
    u_top = krandom.uniform(seeds[2], [batch_size])
    u_left = krandom.uniform(seeds[3], [batch_size])
    top = tf.where(
        found, tf.minimum(tf.floor(u_top * (h_img - h + 1.0)), h_img - h), tf.floor((h_img - h) / 2)
    )
    left = tf.where(
        found, tf.minimum(tf.floor(u_left * (w_img - w + 1.0)), w_img - w), tf.floor((w_img - w) / 2)
    )
    return tuple(tf.cast(v, tf.int32) for v in (top, left, h, w))


def _fallback_box(h_img, w_img, ratio) -> tuple[tf.Tensor, tf.Tensor]:
    """torchvision's fallback: the whole image, its aspect ratio clamped to ``ratio``, centred."""
    in_ratio = w_img / h_img
    narrow, wide = in_ratio < ratio[0], in_ratio > ratio[1]
    h = tf.where(narrow, tf.round(w_img / ratio[0]), h_img)
    w = tf.where(wide, tf.round(h_img * ratio[1]), w_img)
    return tf.maximum(h, 1.0), tf.maximum(w, 1.0)
