"""Geometric ops: transform matrices, a gather-based projective warp, flips and crops.

Transforms follow ``tf.raw_ops.ImageProjectiveTransformV3`` / ``tfa.image.transform``: eight numbers
``[a0, a1, a2, b0, b1, b2, c0, c1]`` map an OUTPUT pixel ``(x, y)`` to the INPUT point
``((a0 x + a1 y + a2) / k, (b0 x + b1 y + b2) / k)`` with ``k = c0 x + c1 y + 1``; pixel centres sit on
integer coordinates. Matrices are the same maps as ``[B, 3, 3]`` tensors, so composing is a matmul.
"""

from __future__ import annotations

import tensorflow as tf

from keras_aug.ops import _utils
from keras_aug.ops._utils import FILL_MODES, INTERPOLATIONS
from keras_aug.validation import check_per_sample

# ----------------------------------------------------------------------------------------------
# Matrices (output -> input, about the image centre)
# ----------------------------------------------------------------------------------------------


def _as_batch(values, name: str) -> tf.Tensor:
    values = tf.convert_to_tensor(values, tf.float32)
    if values.shape.rank == 0:
        return values[tf.newaxis]
    if values.shape.rank != 1:
        raise ValueError(f"`{name}` must be a scalar or a [batch] vector, got shape {values.shape}.")
    return values


def _matrix(entries) -> tf.Tensor:
    """Stack nine ``[B]`` entries (row-major) into ``[B, 3, 3]``."""
    return tf.reshape(tf.stack([tf.cast(e, tf.float32) for e in entries], axis=-1), [-1, 3, 3])


def _centre(size) -> tf.Tensor:
    return (tf.cast(size, tf.float32) - 1.0) / 2.0


def identity_matrix(batch_size=1) -> tf.Tensor:
    """``[batch_size, 3, 3]`` identity transforms.

    Example:
    >>> identity_matrix(2).shape
    TensorShape([2, 3, 3])
    """
    return tf.eye(3, batch_shape=[batch_size])


def translation_matrix(dx, dy) -> tf.Tensor:
    """Shift image content right by ``dx`` and down by ``dy`` pixels (per sample).

    Example:
    >>> float(translation_matrix([2.0], [0.0])[0, 0, 2])
    -2.0
    """
    dx, dy = _as_batch(dx, "dx"), _as_batch(dy, "dy")
    one, zero = tf.ones_like(dx), tf.zeros_like(dx)
    return _matrix([one, zero, -dx, zero, one, -dy, zero, zero, one])


def rotation_matrix(angles, height, width) -> tf.Tensor:
    """Rotate content counter-clockwise by ``angles`` radians about the image centre (tfa's convention).

    Example:
    >>> m = rotation_matrix([0.0], 4, 4)
    >>> m.numpy()[0].round(3).tolist()
    [[1.0, -0.0, 0.0], [0.0, 1.0, 0.0], [0.0, 0.0, 1.0]]
    """
    angles = _as_batch(angles, "angles")
    cos, sin = tf.cos(angles), tf.sin(angles)
    cx, cy = _centre(width), _centre(height)
    x_offset = cx - (cos * cx - sin * cy)
    y_offset = cy - (sin * cx + cos * cy)
    zero = tf.zeros_like(angles)
    return _matrix([cos, -sin, x_offset, sin, cos, y_offset, zero, zero, tf.ones_like(angles)])


def zoom_matrix(zoom_x, zoom_y, height, width) -> tf.Tensor:
    """Magnify content by ``zoom_x``/``zoom_y`` about the centre (> 1 zooms in, < 1 zooms out).

    Example:
    >>> zoom_matrix([2.0], [2.0], 5, 5)[0, 0].numpy().tolist()
    [0.5, 0.0, 1.0]
    """
    zoom_x, zoom_y = _as_batch(zoom_x, "zoom_x"), _as_batch(zoom_y, "zoom_y")
    cx, cy = _centre(width), _centre(height)
    zero = tf.zeros_like(zoom_x)
    return _matrix(
        [
            1.0 / zoom_x,
            zero,
            cx - cx / zoom_x,
            zero,
            1.0 / zoom_y,
            cy - cy / zoom_y,
            zero,
            zero,
            tf.ones_like(zoom_x),
        ]
    )


def shear_matrix(shear_x, shear_y, height, width) -> tf.Tensor:
    """Shear about the centre: content x moves by ``shear_x * (y - cy)``, y by ``shear_y * (x - cx)``.

    ``shear_x``/``shear_y`` are the tangents of the shear angles.

    Example:
    >>> shear_matrix([0.5], [0.0], 3, 3)[0, 0].numpy().tolist()
    [1.0, -0.5, 0.5]
    """
    shear_x, shear_y = _as_batch(shear_x, "shear_x"), _as_batch(shear_y, "shear_y")
    cx, cy = _centre(width), _centre(height)
    one, zero = tf.ones_like(shear_x), tf.zeros_like(shear_x)
    forward = _matrix([one, shear_x, -shear_x * cy, shear_y, one, -shear_y * cx, zero, zero, one])
    return tf.linalg.inv(forward)


def compose(*matrices) -> tf.Tensor:
    """Compose output→input matrices so the result applies ``matrices[0]`` first, then the next, ...

    Batches broadcast (``[1, 3, 3]`` with ``[B, 3, 3]``). Same order as ``tfa.image.compose_transforms``.

    Example:
    >>> m = compose(translation_matrix([1.0], [0.0]), translation_matrix([2.0], [0.0]))
    >>> float(m[0, 0, 2])
    -3.0
    """
    if not matrices:
        raise ValueError("`compose` needs at least one matrix.")
    result = matrices[0]
    for matrix in matrices[1:]:
        result = tf.matmul(result, matrix)
    return result


def matrix_to_transform(matrices) -> tf.Tensor:
    """``[B, 3, 3]`` matrices → ``[B, 8]`` transforms (normalized so the last entry is 1).

    Example:
    >>> matrix_to_transform(identity_matrix(1)).numpy().tolist()
    [[1.0, 0.0, 0.0, 0.0, 1.0, 0.0, 0.0, 0.0]]
    """
    matrices = tf.convert_to_tensor(matrices, tf.float32)
    flat = tf.reshape(matrices, [-1, 9])
    return flat[:, :8] / flat[:, 8:9]


def transform_to_matrix(transforms) -> tf.Tensor:
    """``[8]`` or ``[B, 8]`` transforms → ``[B, 3, 3]`` matrices.

    Example:
    >>> transform_to_matrix([1.0, 0, 0, 0, 1, 0, 0, 0]).shape
    TensorShape([1, 3, 3])
    """
    transforms = _check_transforms(transforms)
    ones = tf.ones_like(transforms[:, :1])
    return tf.reshape(tf.concat([transforms, ones], axis=1), [-1, 3, 3])


def _check_transforms(transforms) -> tf.Tensor:
    transforms = tf.convert_to_tensor(transforms, tf.float32)
    if transforms.shape.rank == 1:
        transforms = transforms[tf.newaxis]
    if transforms.shape.rank != 2 or transforms.shape[1] != 8:
        raise ValueError(f"`transforms` must have shape [8] or [batch, 8], got {transforms.shape}.")
    return transforms


# ----------------------------------------------------------------------------------------------
# Resampling
# ----------------------------------------------------------------------------------------------


def _trunc(x: tf.Tensor) -> tf.Tensor:
    return tf.where(x < 0.0, tf.math.ceil(x), tf.math.floor(x))


def _round_half_away(x: tf.Tensor) -> tf.Tensor:
    """``std::round``: halves go away from zero (``tf.round`` rounds half to even)."""
    whole = _trunc(x)
    return whole + tf.where(tf.abs(x - whole) >= 0.5, tf.sign(x), 0.0)


def map_coordinates_to_range(coords: tf.Tensor, length, fill_mode: str) -> tf.Tensor:
    """Fold out-of-range coordinates back in for ``fill_mode``, with ImageProjectiveTransformV3's arithmetic.

    Example:
    >>> map_coordinates_to_range(tf.constant([-1.0, 4.0]), 4, "reflect").numpy().tolist()
    [0.0, 3.0]
    """
    fill_mode = _utils.check_choice("fill_mode", fill_mode, FILL_MODES)
    length_f = tf.cast(length, tf.float32)
    last = length_f - 1.0
    if fill_mode == "constant":
        return coords
    if fill_mode == "reflect":
        size2 = 2.0 * length_f
        low = size2 * _trunc(-coords / size2) + coords
        low = tf.where(low < -length_f, low + size2, -low - 1.0)
        high = coords - size2 * _trunc(coords / size2)
        high = tf.where(high >= length_f, size2 - high - 1.0, high)
        coords = tf.where(coords < 0.0, low, tf.where(coords > last, high, coords))
    elif fill_mode == "wrap":
        period = tf.maximum(last, 1.0)
        low = coords + length_f * (_trunc(-coords / period) + 1.0)
        high = coords - length_f * _trunc(coords / period)
        coords = tf.where(coords < 0.0, low, tf.where(coords > last, high, coords))
    coords = tf.where(length_f <= 1.0, tf.zeros_like(coords), coords)
    return tf.clip_by_value(coords, 0.0, tf.maximum(last, 0.0))


def _fill_value_for(dtype: tf.DType, fill_value) -> tf.Tensor:
    """The fill value as the image dtype stores it, back in float (uint8 images fill with uint8(fill))."""
    value = tf.cast(fill_value, tf.float32)
    if dtype.is_integer:
        value = tf.cast(tf.cast(value, dtype), tf.float32)
    return value


def _gather_taps(flat_pixels: tf.Tensor, rows: tf.Tensor, cols: tf.Tensor, height, width, batch_offset):
    """Read ``flat_pixels[b, row, col]`` for integer tap positions; returns values and an in-range mask."""
    inside = (rows >= 0) & (rows < height) & (cols >= 0) & (cols < width)
    index = (
        batch_offset + tf.clip_by_value(rows, 0, height - 1) * width + tf.clip_by_value(cols, 0, width - 1)
    )
    return tf.gather(flat_pixels, index), inside


def _pack(images: tf.Tensor) -> tuple[tf.Tensor, bool]:
    """Pack 2–4 uint8 channels into one int32 per pixel so each tap is a single scalar gather."""
    channels = images.shape[-1]
    if images.dtype != tf.uint8 or channels is None or not 2 <= channels <= 4:
        return images, False
    if channels < 4:
        pad = tf.zeros_like(images[..., :1])
        images = tf.concat([images] + [pad] * (4 - channels), axis=-1)
    return tf.bitcast(images, tf.int32), True


def _unpack(values: tf.Tensor, packed: bool, channels: int) -> tf.Tensor:
    if not packed:
        return values
    return tf.bitcast(values, tf.uint8)[..., :channels]


def _coordinate_args(images, x, y, interpolation: str, fill_mode: str):
    """Checked arguments of :func:`sample`/:func:`remap`: batched images and ``[B, H, W]`` coordinates."""
    interpolation = _utils.check_choice("interpolation", interpolation, INTERPOLATIONS)
    fill_mode = _utils.check_choice("fill_mode", fill_mode, FILL_MODES)
    images, single = _utils.to_batch(images)
    x = tf.convert_to_tensor(x, tf.float32)
    y = tf.convert_to_tensor(y, tf.float32)
    if single and x.shape.rank == 2:
        x, y = x[tf.newaxis], y[tf.newaxis]
    return interpolation, fill_mode, images, x, y, single


def sample(
    images,
    x,
    y,
    interpolation: str = "bilinear",
    fill_mode: str = "constant",
    fill_value: float = 0.0,
) -> tf.Tensor:
    """Resample ``images`` at input coordinates ``x``, ``y`` (``[B, H_out, W_out]``, pixel centres on integers).

    The general gather engine under every warp: ``out[b, i, j] = images[b, y[b, i, j], x[b, i, j]]`` with
    bilinear or nearest interpolation and ImageProjectiveTransformV3's fill modes. Output dtype = input
    dtype (integers are rounded and clipped).

    Example:
    >>> img = tf.reshape(tf.range(6, dtype=tf.float32), [1, 2, 3, 1])
    >>> float(sample(img, tf.constant([[[0.5]]]), tf.constant([[[0.0]]]))[0, 0, 0, 0])
    0.5
    """
    interpolation, fill_mode, images, x, y, single = _coordinate_args(images, x, y, interpolation, fill_mode)
    out = _sample_batch(images, x, y, interpolation, fill_mode, _fill_value_for(images.dtype, fill_value))
    return _utils.from_batch(out, single)


def _sample_batch(images, x, y, interpolation, fill_mode, fill_value):
    dtype = images.dtype
    shape = tf.shape(images)
    batch, height, width = shape[0], shape[1], shape[2]
    channels = images.shape[-1]
    x = map_coordinates_to_range(x, width, fill_mode)
    y = map_coordinates_to_range(y, height, fill_mode)
    pixels, packed = _pack(images)
    flat = tf.reshape(pixels, tf.concat([[-1], tf.shape(pixels)[3:]], 0))
    batch_offset = tf.reshape(tf.range(batch) * height * width, [-1, 1, 1])

    def tap(rows, cols):
        values, inside = _gather_taps(flat, rows, cols, height, width, batch_offset)
        values = _utils.to_compute(_unpack(values, packed, channels))
        if values.shape.rank == 3:  # no channel axis left: single-channel packed path never happens
            values = values[..., tf.newaxis]
        return tf.where(inside[..., tf.newaxis], values, tf.cast(fill_value, values.dtype))

    if interpolation == "nearest":
        out = tap(tf.cast(_round_half_away(y), tf.int32), tf.cast(_round_half_away(x), tf.int32))
    else:
        x0, y0 = tf.floor(x), tf.floor(y)
        x1, y1 = x0 + 1.0, y0 + 1.0
        wx0, wx1 = (x1 - x)[..., tf.newaxis], (x - x0)[..., tf.newaxis]
        wy0, wy1 = (y1 - y)[..., tf.newaxis], (y - y0)[..., tf.newaxis]
        c0, c1 = tf.cast(x0, tf.int32), tf.cast(x1, tf.int32)
        r0, r1 = tf.cast(y0, tf.int32), tf.cast(y1, tf.int32)
        compute = _utils.compute_dtype(dtype)
        wx0, wx1, wy0, wy1 = (tf.cast(w, compute) for w in (wx0, wx1, wy0, wy1))
        top = wx0 * tap(r0, c0) + wx1 * tap(r0, c1)
        bottom = wx0 * tap(r1, c0) + wx1 * tap(r1, c1)
        out = wy0 * top + wy1 * bottom
    return _utils.from_compute(out, dtype)


def _exact_f32(value: tf.Tensor) -> tf.Tensor:
    """Round a float64 result to float32, reproducing float32 arithmetic step by step.

    Each float32 op is done in float64 and rounded back (exact: 53 >= 2 * 24 + 2), which also stops XLA
    from contracting ``a * b + c`` into an FMA with different rounding than TF's kernel.
    """
    return tf.cast(value, tf.float32)


def projective_coordinates(transforms, height, width) -> tuple[tf.Tensor, tf.Tensor, tf.Tensor]:
    """Input coordinates for every output pixel: ``(x, y, valid)``, each ``[B, height, width]``.

    ``valid`` is False where the projective denominator is zero or a coordinate is not finite (NaN or
    infinite transforms); those pixels get the fill value, as in TF's kernel.

    Example:
    >>> x, y, ok = projective_coordinates([[1.0, 0, 2, 0, 1, 0, 0, 0]], 1, 2)
    >>> x.numpy().tolist()
    [[[2.0, 3.0]]]
    """
    t = tf.cast(_check_transforms(transforms), tf.float64)
    t = [t[:, i, tf.newaxis, tf.newaxis] for i in range(8)]
    out_x = tf.cast(tf.range(width), tf.float64)[tf.newaxis, tf.newaxis, :]
    out_y = tf.cast(tf.range(height), tf.float64)[tf.newaxis, :, tf.newaxis]

    def affine(a, b, c):
        ax = _exact_f32(a * out_x)
        by = _exact_f32(b * out_y)
        return _exact_f32(
            tf.cast(_exact_f32(tf.cast(ax, tf.float64) + tf.cast(by, tf.float64)), tf.float64) + c
        )

    k = affine(t[6], t[7], tf.constant(1.0, tf.float64))
    safe_k = tf.where(k == 0.0, tf.ones_like(k), k)
    x = affine(t[0], t[1], t[2]) / safe_k
    y = affine(t[3], t[4], t[5]) / safe_k
    return x, y, (k != 0.0) & tf.math.is_finite(x) & tf.math.is_finite(y)


def transform(
    images,
    transforms,
    interpolation: str = "nearest",
    output_shape=None,
    name: str | None = None,
    fill_mode: str = "constant",
    fill_value: float = 0.0,
) -> tf.Tensor:
    """Projective warp with ``ImageProjectiveTransformV3``'s conventions, built from gathers (XLA-friendly).

    ``tfa.image.transform``'s signature and defaults (nearest interpolation, constant fill).

    Args:
        images: ``[B, H, W, C]``, ``[H, W, C]`` or ``[H, W]`` (also of unknown rank), any numeric dtype;
            the output keeps it.
        transforms: ``[8]`` or ``[B, 8]`` output→input transforms (see the module docstring). Pixels whose
            transform is not finite get ``fill_value`` (Python/NumPy values must be finite).
        interpolation: ``"nearest"`` or ``"bilinear"`` (any case).
        output_shape: ``(height, width)`` of the output; defaults to the input's.
        name: a name scope for the ops.
        fill_mode: ``"constant"``, ``"reflect"``, ``"wrap"`` or ``"nearest"``.
        fill_value: value outside the image when ``fill_mode="constant"``.

    Example:
    >>> img = tf.reshape(tf.range(4, dtype=tf.float32), [2, 2])
    >>> transform(img, [1.0, 0, 1, 0, 1, 0, 0, 0]).numpy().tolist()
    [[1.0, 0.0], [3.0, 0.0]]
    """
    interpolation = _utils.check_choice("interpolation", interpolation, INTERPOLATIONS)
    fill_mode = _utils.check_choice("fill_mode", fill_mode, FILL_MODES)
    with tf.name_scope(name or "transform"):
        images, rank = _utils.to_4d(images)
        shape = tf.shape(images)
        transforms = check_per_sample(transforms, shape[0], "transforms", (8,))
        if output_shape is None:
            out_h, out_w = shape[1], shape[2]
        else:
            out_h, out_w = _output_shape(output_shape)
        x, y, valid = projective_coordinates(transforms, out_h, out_w)
        fill = _fill_value_for(images.dtype, fill_value)
        out = _sample_batch(images, x, y, interpolation, fill_mode, fill)
        out = tf.where(valid[..., tf.newaxis], out, tf.cast(fill, out.dtype))
        return _utils.from_4d(out, rank)


def _output_shape(output_shape):
    """``(height, width)``: Python ints when known (static output shape), else int32 scalars."""
    static = tf.get_static_value(tf.convert_to_tensor(output_shape))
    if static is not None:
        if static.shape != (2,) or (static < 1).any():
            raise ValueError(
                f"`output_shape` must be (height, width) of positive ints, got {static.tolist()}."
            )
        return int(static[0]), int(static[1])
    output_shape = tf.cast(output_shape, tf.int32)
    return output_shape[0], output_shape[1]


# ----------------------------------------------------------------------------------------------
# The fast affine warp the layers use
# ----------------------------------------------------------------------------------------------
#
# XLA:CPU runs a gather as a scalar loop and re-computes fused producers inside every consumer, so
# the warp is split into small compiled units that each materialize one thing: tap indices and
# weights (from the matrices), the padded source (from the images), the blend (from both), and the
# unpacking. uint8 images with up to four channels are packed into one int32 per pixel and two
# horizontally adjacent pixels into one int64, so a bilinear output pixel costs two gathers; the
# blend is fixed point, two 8-bit channels per 32-bit lane. A one-pixel border of the fill value
# around the source makes every tap in range, which removes all bounds checks.

_FIXED_ONE = 256  # bilinear weights in 1/256 steps
_LANES = 0x00FF00FF


def _jit(fn):
    return tf.function(fn, jit_compile=True, autograph=False)


def _fold_fast(coords: tf.Tensor, length: int, fill_mode: str) -> tf.Tensor:
    """``map_coordinates_to_range`` with cheaper arithmetic.

    Same results up to float rounding, except ``"wrap"``: it is periodic with the seam half a pixel
    past the edge, so nearest sampling wraps exactly like ``np.roll`` (TF's kernel divides by
    ``len - 1``, clamps at the seam and loses periodicity past one image length).
    """
    last = float(length - 1)
    if fill_mode == "constant":
        return tf.clip_by_value(coords, -1.0, float(length))
    if length <= 1:
        return tf.zeros_like(coords)
    if fill_mode == "reflect":
        period = 2.0 * length
        coords = coords - period * tf.floor(coords / period)
        coords = tf.where(coords >= length, period - 1.0 - coords, coords)
    elif (
        fill_mode == "wrap"
    ):  # periodic; TF's kernel divides by len - 1 and loses periodicity past one length
        coords = coords - length * tf.floor((coords + 0.5) / length)
    return tf.clip_by_value(coords, 0.0, last)


@_jit
def _affine_taps(images, matrices, fill_mode: str, taps: str):
    """Tap indices (and weights) of every output pixel of an affine warp; see :func:`_taps_from_coordinates`."""
    height, width = images.shape[1], images.shape[2]
    m = tf.reshape(matrices, [-1, 9])
    a = [m[:, i, tf.newaxis, tf.newaxis] for i in range(6)]
    out_x = tf.range(width, dtype=tf.float32)[tf.newaxis, tf.newaxis, :]
    out_y = tf.range(height, dtype=tf.float32)[tf.newaxis, :, tf.newaxis]
    x = a[0] * out_x + a[1] * out_y + a[2]
    y = a[3] * out_x + a[4] * out_y + a[5]
    return _taps_from_coordinates(x, y, height, width, fill_mode, taps)


@_jit
def _coordinate_taps(images, x, y, fill_mode: str, taps: str):
    return _taps_from_coordinates(x, y, images.shape[1], images.shape[2], fill_mode, taps)


def _taps_from_coordinates(x, y, height: int, width: int, fill_mode: str, taps: str):
    """Per output pixel: the flat index of its top-left tap in the padded source ``[B, H + 2, W + 2]``.

    ``taps="nearest"`` returns the int32 index of the nearest pixel. ``"fixed"`` returns one int64 code
    ``index | wx << 32 | wy << 48`` with 8-bit fixed-point weights (one output, so XLA computes the
    coordinates once). ``"float"`` returns ``(index, weights[..., 2])``.
    """
    batch = tf.shape(x)[0]
    x = _fold_fast(x, width, fill_mode)
    y = _fold_fast(y, height, fill_mode)
    if taps == "nearest":
        x0 = tf.clip_by_value(_round_half_away(x), -1.0, float(width))
        y0 = tf.clip_by_value(_round_half_away(y), -1.0, float(height))
    else:
        x0 = tf.minimum(tf.floor(x), width - 1.0)
        y0 = tf.minimum(tf.floor(y), height - 1.0)
    row = (tf.cast(y0, tf.int32) + 1) * (width + 2)
    index = (
        tf.reshape(tf.range(batch) * ((height + 2) * (width + 2)), [-1, 1, 1])
        + row
        + tf.cast(x0, tf.int32)
        + 1
    )
    if taps == "nearest":
        return index
    if taps == "float":
        return index, tf.stack([x - x0, y - y0], axis=-1)
    wx = tf.cast((x - x0) * _FIXED_ONE + 0.5, tf.int64)
    wy = tf.cast((y - y0) * _FIXED_ONE + 0.5, tf.int64)
    weights = tf.bitwise.bitwise_or(tf.bitwise.left_shift(wx, 32), tf.bitwise.left_shift(wy, 48))
    return tf.bitwise.bitwise_or(tf.cast(index, tf.int64), weights)


def _pad_one(images: tf.Tensor, fill) -> tf.Tensor:
    return tf.pad(images, [[0, 0], [1, 1], [1, 1]] + [[0, 0]] * (images.shape.rank - 3), constant_values=fill)


@_jit
def _packed_source(images, fill_value, pairs: bool):
    """uint8 ``[B, H, W, C≤4]`` → padded int32 pixels (flat), or int64 pairs of horizontal neighbours."""
    channels = images.shape[-1]
    fill = tf.fill([4], tf.cast(fill_value, tf.uint8))
    if channels < 4:
        images = tf.pad(images, [[0, 0], [0, 0], [0, 0], [0, 4 - channels]])
    packed = _pad_one(tf.bitcast(images, tf.int32), tf.bitcast(fill, tf.int32))
    flat = tf.reshape(packed, [-1])
    if not pairs:
        return flat
    right = tf.concat([flat[1:], flat[:1]], axis=0)
    low = tf.bitwise.bitwise_and(tf.cast(flat, tf.int64), 0xFFFFFFFF)
    return tf.bitwise.bitwise_or(low, tf.bitwise.left_shift(tf.cast(right, tf.int64), 32))


def _lerp_lanes(a: tf.Tensor, b: tf.Tensor, w: tf.Tensor) -> tf.Tensor:
    """Fixed-point ``a + w (b - a)`` on two 8-bit values per 32-bit lane, rounded back to 8 bits."""
    mixed = a * (_FIXED_ONE - w) + b * w + 0x00800080
    return tf.bitwise.bitwise_and(tf.bitwise.right_shift(mixed, 8), _LANES)


def _split_lanes(pixels: tf.Tensor) -> tuple[tf.Tensor, tf.Tensor]:
    return tf.bitwise.bitwise_and(pixels, _LANES), tf.bitwise.bitwise_and(
        tf.bitwise.right_shift(pixels, 8), _LANES
    )


def _split_pair(pair: tf.Tensor) -> tuple[tf.Tensor, tf.Tensor]:
    low = tf.bitcast(tf.cast(tf.bitwise.bitwise_and(pair, 0xFFFFFFFF), tf.uint32), tf.int32)
    return low, tf.cast(tf.bitwise.right_shift(pair, 32), tf.int32)


@_jit
def _blend_packed(pairs, code, padded_width: int):
    """Bilinear blend of packed uint8 pixels: two int64 gathers and integer arithmetic per output pixel."""
    index = tf.cast(tf.bitwise.bitwise_and(code, 0xFFFFFFFF), tf.int32)
    wx = tf.cast(tf.bitwise.bitwise_and(tf.bitwise.right_shift(code, 32), 0xFFFF), tf.int32)
    wy = tf.cast(tf.bitwise.right_shift(code, 48), tf.int32)
    a, b = _split_pair(tf.gather(pairs, index))
    c, d = _split_pair(tf.gather(pairs, index + padded_width))
    (al, ah), (bl, bh), (cl, ch), (dl, dh) = (_split_lanes(v) for v in (a, b, c, d))
    top_l, top_h = _lerp_lanes(al, bl, wx), _lerp_lanes(ah, bh, wx)
    bottom_l, bottom_h = _lerp_lanes(cl, dl, wx), _lerp_lanes(ch, dh, wx)
    low, high = _lerp_lanes(top_l, bottom_l, wy), _lerp_lanes(top_h, bottom_h, wy)
    return tf.bitwise.bitwise_or(low, tf.bitwise.left_shift(high, 8))


@_jit
def _gather_packed(flat, index):
    return tf.gather(flat, index)


@_jit
def _unpack_channels(packed, channels: int):
    return tf.bitcast(packed, tf.uint8)[..., :channels]


@_jit
def _float_source(images, fill_value):
    """Any dtype → padded ``[B * (H + 2) * (W + 2), C]`` float source."""
    values = _utils.to_compute(images)
    fill = _fill_value_for(images.dtype, fill_value)
    padded = _pad_one(values, tf.cast(fill, values.dtype))
    return tf.reshape(padded, [-1, images.shape[-1]])


@_jit
def _blend_float(source, index, weights, padded_width: int, dtype: tf.DType):
    weights = tf.cast(weights, source.dtype)
    wx, wy = weights[..., 0:1], weights[..., 1:2]
    top = source_lerp(tf.gather(source, index), tf.gather(source, index + 1), wx)
    bottom = source_lerp(
        tf.gather(source, index + padded_width), tf.gather(source, index + padded_width + 1), wx
    )
    return _utils.from_compute(source_lerp(top, bottom, wy), dtype)


def source_lerp(a: tf.Tensor, b: tf.Tensor, w: tf.Tensor) -> tf.Tensor:
    """``a + w * (b - a)`` (linear interpolation).

    Example:
    >>> float(source_lerp(tf.constant(0.0), tf.constant(4.0), tf.constant(0.25)))
    1.0
    """
    return a + w * (b - a)


@_jit
def _gather_float(source, index, dtype: tf.DType):
    return tf.cast(tf.gather(source, index), dtype)


def _packable(images: tf.Tensor) -> bool:
    channels = images.shape[-1]
    return images.dtype == tf.uint8 and channels is not None and 1 <= channels <= 4


def warp(
    images,
    matrices,
    interpolation: str = "bilinear",
    fill_mode: str = "reflect",
    fill_value: float = 0.0,
) -> tf.Tensor:
    """Warp ``images`` by affine ``[B, 3, 3]`` output→input matrices: the fast path the layers use.

    Same geometry and fill modes as :func:`transform`, built for throughput: uint8 images blend in
    fixed point with 8-bit weights (within ±1 of :func:`transform`), other dtypes in float32. The last
    row of each matrix must be ``[0, 0, 1]`` (use :func:`transform` for projective warps). Compiled
    with XLA internally, so it is fast in ``tf.data`` too.

    Example:
    >>> img = tf.reshape(tf.range(4, dtype=tf.float32), [1, 2, 2, 1])
    >>> warp(img, translation_matrix([1.0], [0.0]), fill_mode="constant")[0, :, :, 0].numpy().tolist()
    [[0.0, 0.0], [0.0, 2.0]]
    """
    interpolation = _utils.check_choice("interpolation", interpolation, INTERPOLATIONS)
    fill_mode = _utils.check_choice("fill_mode", fill_mode, FILL_MODES)
    images, single = _utils.to_batch(images)
    if None in images.shape[1:]:
        out = _warp_dynamic(images, matrices, interpolation, fill_mode, fill_value)
        return _utils.from_batch(out, single)
    matrices = tf.convert_to_tensor(matrices, tf.float32)
    out = _resample(
        images, lambda taps: _affine_taps(images, matrices, fill_mode, taps), interpolation, fill_value
    )
    return _utils.from_batch(out, single)


def _resample(images, taps_for, interpolation: str, fill_value) -> tf.Tensor:
    """Gather and blend with the taps ``taps_for(kind)`` computes: packed fixed point for uint8, else float."""
    nearest = interpolation == "nearest"
    padded_width = images.shape[2] + 2
    if _packable(images):
        source = _packed_source(images, fill_value, not nearest)
        if nearest:
            packed = _gather_packed(source, taps_for("nearest"))
        else:
            packed = _blend_packed(source, taps_for("fixed"), padded_width)
        return _unpack_channels(packed, images.shape[-1])
    source = _float_source(images, fill_value)
    if nearest:
        return _gather_float(source, taps_for("nearest"), images.dtype)
    index, weights = taps_for("float")
    return _blend_float(source, index, weights, padded_width, images.dtype)


def remap(
    images,
    x,
    y,
    interpolation: str = "bilinear",
    fill_mode: str = "reflect",
    fill_value: float = 0.0,
) -> tf.Tensor:
    """Read ``images`` at input coordinates ``x``, ``y`` ``[B, H, W]`` (like ``cv2.remap``): the fast path.

    The same result as :func:`sample` within ±1 on uint8 (fixed-point weights) and 1e-3 on floats, and
    :func:`warp`'s fill modes, at a fraction of the cost: uint8 images with up to four channels are
    packed and blended in fixed point. The output has the input's spatial size.

    Example:
    >>> img = tf.reshape(tf.range(6, dtype=tf.float32), [1, 2, 3, 1])
    >>> x, y = tf.fill([1, 2, 3], 0.5), tf.zeros([1, 2, 3])
    >>> remap(img, x, y)[0, 0, 0, 0].numpy().item()
    0.5
    """
    interpolation, fill_mode, images, x, y, single = _coordinate_args(images, x, y, interpolation, fill_mode)
    if None in images.shape[1:]:
        out = _sample_batch(images, x, y, interpolation, fill_mode, _fill_value_for(images.dtype, fill_value))
        return _utils.from_batch(out, single)
    out = _resample(
        images, lambda taps: _coordinate_taps(images, x, y, fill_mode, taps), interpolation, fill_value
    )
    return _utils.from_batch(out, single)


def _warp_dynamic(images, matrices, interpolation, fill_mode, fill_value):
    """Unknown height/width at trace time: one compiled unit built when the shape is known."""
    return transform(
        images,
        matrix_to_transform(matrices),
        interpolation=interpolation,
        fill_mode=fill_mode,
        fill_value=fill_value,
    )


# ----------------------------------------------------------------------------------------------
# Flips
# ----------------------------------------------------------------------------------------------


def _flip(images, flip, axis: int) -> tf.Tensor:
    images, single = _utils.to_batch(images)
    if flip is None:
        flip = tf.ones(tf.shape(images)[:1], tf.bool)
    flip = tf.broadcast_to(tf.cast(flip, tf.bool), tf.shape(images)[:1])
    return _utils.from_batch(_flip_where(images, flip, axis), single)


@_jit
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


# ----------------------------------------------------------------------------------------------
# Translation without a 2-D gather
# ----------------------------------------------------------------------------------------------
#
# A translation has the same fractional offset at every pixel of a sample, so a bilinear shift is an
# integer crop (rows, then columns, of the fill-padded source) followed by a 2x2 stencil with
# per-sample constant weights. Every tap is folded by the fill mode on its own, which for
# "reflect" and "nearest" gives the same result as folding the coordinate (TF's kernel).


@_jit
def _shift_taps(images, dx, dy, fill_mode: str, nearest: bool):
    """Row/column indices into the fill-padded source and the fractional weights of a per-sample shift."""
    height, width = images.shape[1], images.shape[2]
    extra = 0 if nearest else 1

    def axis_taps(shift, length):
        start = tf.floor(0.5 - shift) if nearest else tf.floor(-shift)
        coords = start[:, tf.newaxis] + tf.range(length + extra, dtype=tf.float32)[tf.newaxis, :]
        folded = _fold_fast(coords, length, fill_mode)
        return tf.cast(folded, tf.int32) + 1, -shift - start

    rows, fy = axis_taps(dy, height)
    cols, fx = axis_taps(dx, width)
    return rows, cols, tf.stack([fx, fy], axis=-1)


@_jit
def _padded_packed(images, fill_value):
    """uint8 ``[B, H, W, C≤4]`` → int32 ``[B, H + 2, W + 2]`` with a border of the packed fill value."""
    channels = images.shape[-1]
    if channels < 4:
        images = tf.pad(images, [[0, 0], [0, 0], [0, 0], [0, 4 - channels]])
    fill = tf.bitcast(tf.fill([4], tf.cast(fill_value, tf.uint8)), tf.int32)
    return _pad_one(tf.bitcast(images, tf.int32), fill)


@_jit
def _padded_float(images, fill_value):
    values = _utils.to_compute(images)
    return _pad_one(values, tf.cast(_fill_value_for(images.dtype, fill_value), values.dtype))


@_jit
def _crop_rows_cols(source, rows, cols):
    return tf.gather(tf.gather(source, rows, axis=1, batch_dims=1), cols, axis=2, batch_dims=1)


@_jit
def _stencil_packed(crop, weights):
    """Blend each pixel with its right, lower and lower-right neighbours, per-sample fixed-point weights."""
    fixed = tf.cast(weights * _FIXED_ONE + 0.5, tf.int32)[:, tf.newaxis, tf.newaxis, :]
    wx, wy = fixed[..., 0], fixed[..., 1]
    low, high = _split_lanes(crop)
    halves = []
    for lane in (low, high):
        top = _lerp_lanes(lane[:, :-1, :-1], lane[:, :-1, 1:], wx)
        bottom = _lerp_lanes(lane[:, 1:, :-1], lane[:, 1:, 1:], wx)
        halves.append(_lerp_lanes(top, bottom, wy))
    return tf.bitwise.bitwise_or(halves[0], tf.bitwise.left_shift(halves[1], 8))


@_jit
def _stencil_float(crop, weights, dtype: tf.DType):
    weights = tf.cast(weights, crop.dtype)[:, tf.newaxis, tf.newaxis, tf.newaxis, :]
    wx, wy = weights[..., 0], weights[..., 1]
    top = source_lerp(crop[:, :-1, :-1], crop[:, :-1, 1:], wx)
    bottom = source_lerp(crop[:, 1:, :-1], crop[:, 1:, 1:], wx)
    return _utils.from_compute(source_lerp(top, bottom, wy), dtype)


def shift(
    images,
    dx,
    dy,
    interpolation: str = "bilinear",
    fill_mode: str = "reflect",
    fill_value: float = 0.0,
) -> tf.Tensor:
    """Translate content right by ``dx`` and down by ``dy`` pixels (per-sample ``[B]`` or scalars).

    The same result as :func:`warp` with :func:`translation_matrix` for ``"constant"``, ``"reflect"``
    and ``"nearest"`` fills (``"wrap"`` blends across the seam instead of clamping), at a fraction of
    the cost: two row/column gathers and a 2x2 stencil. With ``interpolation="nearest"`` a shift
    ending in exactly .5 rounds up.

    Example:
    >>> img = tf.constant([[[[0], [1]], [[2], [3]]]], tf.uint8)
    >>> shift(img, [1.0], [0.0], fill_mode="constant")[0, :, :, 0].numpy().tolist()
    [[0, 0], [0, 2]]
    """
    interpolation = _utils.check_choice("interpolation", interpolation, INTERPOLATIONS)
    fill_mode = _utils.check_choice("fill_mode", fill_mode, FILL_MODES)
    images, single = _utils.to_batch(images)
    batch = tf.shape(images)[0]
    dx = tf.broadcast_to(tf.cast(dx, tf.float32), [batch])
    dy = tf.broadcast_to(tf.cast(dy, tf.float32), [batch])
    if None in images.shape[1:]:
        out = _warp_dynamic(images, translation_matrix(dx, dy), interpolation, fill_mode, fill_value)
        return _utils.from_batch(out, single)
    nearest = interpolation == "nearest"
    rows, cols, weights = _shift_taps(images, dx, dy, fill_mode, nearest)
    if _packable(images):
        crop = _crop_rows_cols(_padded_packed(images, fill_value), rows, cols)
        out = _unpack_channels(crop if nearest else _stencil_packed(crop, weights), images.shape[-1])
    else:
        crop = _crop_rows_cols(_padded_float(images, fill_value), rows, cols)
        out = tf.cast(crop, images.dtype) if nearest else _stencil_float(crop, weights, images.dtype)
    return _utils.from_batch(out, single)


# ----------------------------------------------------------------------------------------------
# Axis-aligned warps (zoom + translation): separable, no 2-D gather
# ----------------------------------------------------------------------------------------------
#
# When a matrix neither rotates nor shears, every output row reads the same two source rows and
# every output column the same two source columns. So: gather whole rows (memcpy-like) and blend
# them vertically, then gather columns within those rows and blend horizontally. Fill-mode folding
# happens on [B, H] and [B, W] coordinate vectors instead of [B, H, W] grids.


@_jit
def _axis_taps(images, matrices, fill_mode: str, nearest: bool):
    """Padded-source row/column indices ``[B, H]``, ``[B, W]`` and float weights for an axis-aligned map."""
    height, width = images.shape[1], images.shape[2]
    m = tf.reshape(matrices, [-1, 9])
    x = m[:, 0:1] * tf.range(width, dtype=tf.float32)[tf.newaxis] + m[:, 2:3]
    y = m[:, 4:5] * tf.range(height, dtype=tf.float32)[tf.newaxis] + m[:, 5:6]
    x, y = _fold_fast(x, width, fill_mode), _fold_fast(y, height, fill_mode)
    if nearest:
        x0 = tf.clip_by_value(_round_half_away(x), -1.0, float(width))
        y0 = tf.clip_by_value(_round_half_away(y), -1.0, float(height))
    else:
        x0 = tf.minimum(tf.floor(x), width - 1.0)
        y0 = tf.minimum(tf.floor(y), height - 1.0)
    rows, cols = tf.cast(y0, tf.int32) + 1, tf.cast(x0, tf.int32) + 1
    return rows, cols, x - x0, y - y0


def _fixed(weights: tf.Tensor) -> tf.Tensor:
    return tf.cast(weights * _FIXED_ONE + 0.5, tf.int32)


@_jit
def _blend_rows_packed(source, rows, wy):
    """Vertical pass: ``source[b, rows] * (1 - wy) + source[b, rows + 1] * wy`` on packed pixels."""
    top = tf.gather(source, rows, axis=1, batch_dims=1)
    bottom = tf.gather(source, rows + 1, axis=1, batch_dims=1)
    w = _fixed(wy)[:, :, tf.newaxis]
    (tl, th), (bl, bh) = _split_lanes(top), _split_lanes(bottom)
    return tf.bitwise.bitwise_or(_lerp_lanes(tl, bl, w), tf.bitwise.left_shift(_lerp_lanes(th, bh, w), 8))


@_jit
def _blend_cols_packed(rows, cols, wx):
    """Horizontal pass: one int64 gather of (pixel, right neighbour) per output pixel, then blend."""
    low = tf.bitwise.bitwise_and(tf.cast(rows[..., :-1], tf.int64), 0xFFFFFFFF)
    pairs = tf.bitwise.bitwise_or(low, tf.bitwise.left_shift(tf.cast(rows[..., 1:], tf.int64), 32))
    left, right = _split_pair(tf.gather(pairs, cols, axis=2, batch_dims=1))
    w = _fixed(wx)[:, tf.newaxis, :]
    (ll, lh), (rl, rh) = _split_lanes(left), _split_lanes(right)
    return tf.bitwise.bitwise_or(_lerp_lanes(ll, rl, w), tf.bitwise.left_shift(_lerp_lanes(lh, rh, w), 8))


@_jit
def _blend_axes_float(source, rows, cols, wx, wy, dtype: tf.DType):
    wx = tf.cast(wx, source.dtype)[:, tf.newaxis, :, tf.newaxis]
    wy = tf.cast(wy, source.dtype)[:, :, tf.newaxis, tf.newaxis]
    top = tf.gather(source, rows, axis=1, batch_dims=1)
    bottom = tf.gather(source, rows + 1, axis=1, batch_dims=1)
    vertical = source_lerp(top, bottom, wy)
    left = tf.gather(vertical, cols, axis=2, batch_dims=1)
    right = tf.gather(vertical, cols + 1, axis=2, batch_dims=1)
    return _utils.from_compute(source_lerp(left, right, wx), dtype)


def warp_axis_aligned(
    images,
    matrices,
    interpolation: str = "bilinear",
    fill_mode: str = "reflect",
    fill_value: float = 0.0,
) -> tf.Tensor:
    """:func:`warp` for matrices that only scale and translate (``a1 = b0 = 0``), computed separably.

    The same geometry, fill modes and fixed-point rounding as :func:`warp` (uint8 results within ±1 of
    it), about twice as fast: rows are gathered and blended first, then columns.

    Example:
    >>> img = tf.reshape(tf.range(16, dtype=tf.float32), [1, 4, 4, 1])
    >>> out = warp_axis_aligned(img, zoom_matrix([2.0], [2.0], 4, 4), fill_mode="nearest")
    >>> out[0, :, 0, 0].numpy().tolist()
    [3.75, 5.75, 7.75, 9.75]
    """
    interpolation = _utils.check_choice("interpolation", interpolation, INTERPOLATIONS)
    fill_mode = _utils.check_choice("fill_mode", fill_mode, FILL_MODES)
    images, single = _utils.to_batch(images)
    if None in images.shape[1:]:
        return _utils.from_batch(
            _warp_dynamic(images, matrices, interpolation, fill_mode, fill_value), single
        )
    matrices = tf.convert_to_tensor(matrices, tf.float32)
    nearest = interpolation == "nearest"
    rows, cols, wx, wy = _axis_taps(images, matrices, fill_mode, nearest)
    if _packable(images):
        source = _padded_packed(images, fill_value)
        if nearest:
            packed = _crop_rows_cols(source, rows, cols)
        else:
            packed = _blend_cols_packed(_blend_rows_packed(source, rows, wy), cols, wx)
        out = _unpack_channels(packed, images.shape[-1])
    else:
        source = _padded_float(images, fill_value)
        if nearest:
            out = tf.cast(_crop_rows_cols(source, rows, cols), images.dtype)
        else:
            out = _blend_axes_float(source, rows, cols, wx, wy, images.dtype)
    return _utils.from_batch(out, single)


def rotate(
    images,
    angles,
    interpolation: str = "nearest",
    fill_mode: str = "constant",
    name: str | None = None,
    fill_value: float = 0.0,
) -> tf.Tensor:
    """Rotate images counter-clockwise by ``angles`` radians (scalar or ``[B]``), like ``tfa.image.rotate``.

    tfa's signature and defaults (nearest interpolation, constant fill); pass ``interpolation="bilinear"``
    for smoother results. ``images`` are ``[B, H, W, C]``, ``[H, W, C]`` or ``[H, W]`` (also of unknown
    rank). A sample whose angle is not finite comes back filled with ``fill_value`` (TF's kernel's
    result for NaN coordinates); Python/NumPy angles must be finite.

    Example:
    >>> img = tf.constant([[1, 2], [3, 4]], tf.uint8)
    >>> rotate(img, 3.14159265 / 2).numpy().tolist()
    [[2, 4], [1, 3]]
    """
    with tf.name_scope(name or "rotate"):
        images, rank = _utils.to_4d(images)
        shape = tf.shape(images)
        angles = check_per_sample(angles, shape[0], "angles")
        finite = tf.math.is_finite(angles)
        matrices = rotation_matrix(tf.where(finite, angles, 0.0), shape[1], shape[2])
        out = warp(images, matrices, interpolation, fill_mode, fill_value)
        return _utils.from_4d(_fill_where_not(finite, out, fill_value), rank)


def _fill_where_not(finite: tf.Tensor, images: tf.Tensor, fill_value) -> tf.Tensor:
    """``fill_value`` for the samples whose ``finite`` is False (skipped when that is known in Python)."""
    if tf.get_static_value(tf.reduce_all(finite)):
        return images
    fill = tf.cast(_fill_value_for(images.dtype, fill_value), images.dtype)
    return tf.where(finite[:, tf.newaxis, tf.newaxis, tf.newaxis], images, fill)


# ----------------------------------------------------------------------------------------------
# tensorflow-addons (tfa.image) equivalents
# ----------------------------------------------------------------------------------------------


def translate(
    images,
    translations,
    interpolation: str = "nearest",
    fill_mode: str = "constant",
    name: str | None = None,
    fill_value: float = 0.0,
) -> tf.Tensor:
    """Shift images by ``translations`` ``[dx, dy]`` or ``[B, 2]`` pixels (``tfa.image.translate``).

    tfa's signature and defaults; ``images`` are ``[B, H, W, C]``, ``[H, W, C]`` or ``[H, W]`` (also of
    unknown rank). A sample whose translation is not finite comes back filled with ``fill_value``;
    Python/NumPy translations must be finite.

    Example:
    >>> img = tf.constant([[1, 2], [3, 4]], tf.uint8)
    >>> translate(img, [1.0, 0.0]).numpy().tolist()
    [[0, 1], [0, 3]]
    """
    with tf.name_scope(name or "translate"):
        images, rank = _utils.to_4d(images)
        translations = check_per_sample(translations, tf.shape(images)[0], "translations", (2,))
        finite = tf.reduce_all(tf.math.is_finite(translations), axis=1)
        translations = tf.where(finite[:, tf.newaxis], translations, 0.0)
        out = shift(images, translations[:, 0], translations[:, 1], interpolation, fill_mode, fill_value)
        return _utils.from_4d(_fill_where_not(finite, out, fill_value), rank)


def translations_to_projective_transforms(translations) -> tf.Tensor:
    """``[dx, dy]`` or ``[B, 2]`` translations → ``[B, 8]`` transforms (tfa's function of the same name).

    Example:
    >>> translations_to_projective_transforms([2.0, 3.0]).numpy().tolist()
    [[1.0, 0.0, -2.0, 0.0, 1.0, -3.0, 0.0, 0.0]]
    """
    translations = tf.reshape(tf.cast(translations, tf.float32), [-1, 2])
    return matrix_to_transform(translation_matrix(translations[:, 0], translations[:, 1]))


def angles_to_projective_transforms(angles, image_height, image_width) -> tf.Tensor:
    """Counter-clockwise rotations about the centre as ``[B, 8]`` transforms (tfa's function).

    Example:
    >>> angles_to_projective_transforms(0.0, 4, 4).numpy().round(3).tolist()
    [[1.0, -0.0, 0.0, 0.0, 1.0, 0.0, 0.0, 0.0]]
    """
    return matrix_to_transform(rotation_matrix(angles, image_height, image_width))


def compose_transforms(transforms) -> tf.Tensor:
    """Compose a list of ``[B, 8]`` transforms into one, applying the first one first (tfa's function).

    Example:
    >>> t = compose_transforms([[[1.0, 0, -1, 0, 1, 0, 0, 0]], [[1.0, 0, -2, 0, 1, 0, 0, 0]]])
    >>> t.numpy().tolist()
    [[1.0, 0.0, -3.0, 0.0, 1.0, 0.0, 0.0, 0.0]]
    """
    return matrix_to_transform(compose(*[transform_to_matrix(t) for t in transforms]))


def _shear(image, matrix, replace) -> tf.Tensor:
    images, rank = _utils.to_4d(image, "image")
    channels = images.shape[-1]
    fill = (
        tf.broadcast_to(tf.cast(replace, tf.float32), [channels])
        if channels
        else tf.cast(replace, tf.float32)
    )
    # Warp a ones-channel alongside so outside pixels can take a per-channel `replace` value.
    ones = tf.ones_like(images[..., :1])
    warped = transform(tf.concat([images, ones], -1), matrix, interpolation="nearest")
    inside = warped[..., -1:] > 0
    out = tf.where(inside, warped[..., :-1], tf.cast(fill, images.dtype))
    return _utils.from_4d(out, rank)


def shear_x(image, level, replace) -> tf.Tensor:
    """Shear along x: output ``(x, y)`` reads input ``(x + level * y, y)``; outside pixels get ``replace``.

    Same as ``tfa.image.shear_x`` (no centring, nearest sampling); ``replace`` is a scalar or one value
    per channel.

    Example:
    >>> img = tf.constant([[[1], [2]], [[3], [4]]], tf.uint8)
    >>> shear_x(img, 1.0, 9)[:, :, 0].numpy().tolist()
    [[1, 2], [4, 9]]
    """
    return _shear(image, [1.0, level, 0.0, 0.0, 1.0, 0.0, 0.0, 0.0], replace)


def shear_y(image, level, replace) -> tf.Tensor:
    """Shear along y: output ``(x, y)`` reads input ``(x, level * x + y)`` (``tfa.image.shear_y``).

    Example:
    >>> img = tf.constant([[[1], [2]], [[3], [4]]], tf.uint8)
    >>> shear_y(img, 1.0, 9)[:, :, 0].numpy().tolist()
    [[1, 4], [3, 9]]
    """
    return _shear(image, [1.0, 0.0, 0.0, level, 1.0, 0.0, 0.0, 0.0], replace)


@_utils.traceable
def interpolate_bilinear(grid, query_points, indexing: str = "ij", name: str | None = None) -> tf.Tensor:
    """Bilinear values of ``grid`` ``[B, H, W, C]`` at ``query_points`` ``[B, N, 2]`` (``tfa.image``'s).

    ``indexing="ij"`` means points are ``(y, x)``, ``"xy"`` means ``(x, y)``; points outside the grid
    read the nearest edge, as in tfa. Any float dtypes (the result has ``grid``'s); unknown shapes are
    fine, and like tfa's the function has ``get_concrete_function``. Unlike tfa, grids one pixel wide or
    high are read too (tfa raises).

    Example:
    >>> grid = tf.reshape(tf.range(4, dtype=tf.float32), [1, 2, 2, 1])
    >>> interpolate_bilinear(grid, [[[0.5, 0.5]]]).numpy().tolist()
    [[[1.5]]]
    """
    indexing = _utils.check_choice("indexing", indexing, ("ij", "xy"))
    with tf.name_scope(name or "interpolate_bilinear"):
        grid = tf.convert_to_tensor(grid)
        points = tf.convert_to_tensor(query_points)
        if grid.shape.rank not in (None, 4):
            raise ValueError(f"`grid` must be [batch, height, width, channels], got shape {grid.shape}.")
        if points.shape.rank not in (None, 3) or points.shape[-1] not in (None, 2):
            raise ValueError(f"`query_points` must be [batch, n, 2], got shape {points.shape}.")
        grid = tf.ensure_shape(grid, [None, None, None, None])
        points = tf.ensure_shape(tf.cast(points, tf.float32), [None, None, 2])
        first, second = points[..., 0], points[..., 1]
        y, x = (first, second) if indexing == "ij" else (second, first)
        values = sample(_as_float(grid), x[:, tf.newaxis], y[:, tf.newaxis], "bilinear", "nearest")
        return tf.cast(values[:, 0], grid.dtype)


def _as_float(images: tf.Tensor) -> tf.Tensor:
    """Float images as they are (float16 in float32), integer ones in float32."""
    return tf.cast(images, tf.float64 if images.dtype == tf.float64 else tf.float32)


@_utils.traceable
def dense_image_warp(image, flow, name: str | None = None) -> tf.Tensor:
    """``output[b, y, x] = image[b, y - flow[b, y, x, 0], x - flow[b, y, x, 1]]``, bilinear (tfa's function).

    ``flow`` is ``[B, H, W, 2]`` in (dy, dx) order, any float dtype; points outside read the nearest
    edge. Unknown shapes are fine, and like tfa's the function has ``get_concrete_function``.

    Example:
    >>> img = tf.reshape(tf.range(4, dtype=tf.float32), [1, 2, 2, 1])
    >>> float(dense_image_warp(img, tf.fill([1, 2, 2, 2], 0.5))[0, 1, 1, 0])
    1.5
    """
    with tf.name_scope(name or "dense_image_warp"):
        image = tf.convert_to_tensor(image)
        flow = tf.convert_to_tensor(flow)
        if (
            image.shape.rank not in (None, 4)
            or flow.shape.rank not in (None, 4)
            or flow.shape[-1] not in (None, 2)
        ):
            raise ValueError(
                f"`image` must be [B, H, W, C] and `flow` [B, H, W, 2], got {image.shape} and {flow.shape}."
            )
        image = tf.ensure_shape(image, [None, None, None, None])
        flow = tf.ensure_shape(tf.cast(flow, tf.float32), [None, None, None, 2])
        shape = tf.shape(image)
        grid_y = tf.cast(tf.range(shape[1]), tf.float32)[tf.newaxis, :, tf.newaxis]
        grid_x = tf.cast(tf.range(shape[2]), tf.float32)[tf.newaxis, tf.newaxis, :]
        out = sample(_as_float(image), grid_x - flow[..., 1], grid_y - flow[..., 0], "bilinear", "nearest")
        return tf.cast(out, image.dtype)
