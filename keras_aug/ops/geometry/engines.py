"""The fast warps, tuned for XLA:CPU; :func:`warp` picks one by the matrices' kind (``matrices.KINDS``).

- ``"translation"``: :func:`shift`'s engine, two row/column gathers and a 2x2 stencil.
- ``"scale"`` (scale + translation): :func:`warp_axis_aligned`'s engine, separable, rows then columns.
- ``"affine"``: one tap code per output pixel, two gathers per bilinear pixel; :func:`remap` reads
  arbitrary coordinates with the same taps and blends.
- ``"projective"``: the affine engine's taps and blend, from per-pixel coordinates ``(a x + b) / k``.

The engines share one tap rule (:func:`_first_taps`) and one fill-padded source (:func:`_source`: a
one-pixel border of the fill value, so no tap needs a bounds check), and blend packed uint8 pixels in
fixed point. Images larger than :data:`BAND_PIXELS` are warped in bands of output rows
(:func:`band_rows`), so that per-pixel taps exist for one band at a time.
"""

from __future__ import annotations

import functools

import tensorflow as tf

from keras_aug.ops import _utils
from keras_aug.ops._utils import FILL_MODES, INTERPOLATIONS
from keras_aug.ops.geometry.matrices import KINDS, kind_index, matrix_to_transform, translation_matrix
from keras_aug.ops.geometry.resample import (
    _coordinate_args,
    _fill_value_for,
    _resample_projective,
    _round_half_away,
    _sample_batch,
    gather_cols,
    gather_cols_rows,
    gather_rows_cols,
    map_coordinates_to_range,
)
from keras_aug.ops.xla import materialize, xla_unit
from keras_aug.validation import check_per_sample

# XLA:CPU runs a gather as a scalar loop and re-computes fused producers inside every consumer, so
# the warp is split into small compiled units that each materialize one thing: tap indices and
# weights (from the matrices), the padded source (from the images), the blend (from both), and the
# unpacking; inside a caller's one XLA program (where the units are inlined) the taps are stored with
# ``materialize``, else each gather would recompute them. uint8 images with up to four channels are
# packed into one int32 per pixel and two horizontally adjacent pixels into one int64, so a bilinear
# output pixel costs two gathers; the blend is fixed point, two 8-bit channels per 32-bit lane. A
# one-pixel border of the fill value around the source makes every tap in range, which removes all bounds
# checks.

_FIXED_ONE = 256  # bilinear weights in 1/256 steps
_LANES = 0x00FF00FF

# Per output pixel the engines hold a tap index and weights (6 bytes), a packed pixel (4) and, for remap, two float
# coordinates (8): several times the bytes of a uint8 image, which matters at 4096 x 4096. Large images
# are therefore warped in bands of output rows, one band after the other, so those per-pixel arrays
# exist for one band at a time; the small-image path (one band) is unchanged. Every output pixel is
# computed by the same arithmetic either way, so the results are identical.

#: Images with more pixels than this (static height x width) are warped in bands of about as many pixels.
BAND_PIXELS = 1 << 20


def band_rows(height, width, multiple: int = 1) -> int | None:
    """Output rows per band for a ``height x width`` image (a multiple of ``multiple``), or None for one band.

    Images up to :data:`BAND_PIXELS` pixels, and images whose size is unknown at trace time, are one band.

    Example:
    >>> band_rows(224, 224) is None, band_rows(4096, 4096)
    (True, 256)
    """
    if height is None or width is None or height * width <= BAND_PIXELS:
        return None
    rows = -(-max(BAND_PIXELS // width, 1) // multiple) * multiple
    return rows if rows < height else None


def _separable_band_rows(images: tf.Tensor) -> int | None:
    """Bands for the separable engines (shift, scale) only where their per-pixel arrays outweigh the
    output: packed uint8 (int32/int64 per pixel). Other dtypes hold just the source and the output, so
    bands would only add their concatenation (measured: 2x -> 3x the image for float32)."""
    return band_rows(images.shape[1], images.shape[2]) if _packable(images) else None


def in_bands(band, height: int, rows: int, multiple: int = 1) -> tf.Tensor:
    """Concatenate ``band(start)`` (the output rows ``start .. start + rows``, ``[B, rows, ...]``) over the
    image's ``height`` rows, each band after the previous one (a control dependency, so a graph does
    not run them side by side). Every band has ``rows`` rows and starts at a multiple of ``multiple``
    (``rows`` is one too): the last one at the first such row from which it reaches the bottom; of it,
    the rows the previous band already made and those past the bottom are dropped.

    Example:
    >>> in_bands(lambda start: tf.range(start, start + 2)[tf.newaxis], 5, 2).numpy().tolist()
    [[0, 1, 2, 3, 4]]
    """
    starts = list(range(0, height - rows, rows))
    last = -(-(height - rows) // multiple) * multiple
    outputs = []
    for start in [*starts, last]:
        with tf.control_dependencies(outputs[-1:]):
            outputs.append(band(start))
    outputs[-1] = outputs[-1][:, starts[-1] + rows - last : height - last]
    return tf.concat(outputs, axis=1)


def _output_rows(height: int, start=None, rows: int | None = None) -> tf.Tensor:
    """Output row numbers ``[1, n, 1]`` (float32): all ``height`` rows, or the band ``start .. start + rows``."""
    if start is None:
        return tf.range(height, dtype=tf.float32)[tf.newaxis, :, tf.newaxis]
    return tf.cast(start + tf.range(rows), tf.float32)[tf.newaxis, :, tf.newaxis]


def _band_of(values: tf.Tensor, start=None, rows: int | None = None) -> tf.Tensor:
    """Rows ``start .. start + rows`` of ``[B, H, ...]`` values (all of them when ``start`` is None)."""
    if start is None:
        return values
    return _utils.slice_along(values, 1, start, rows)


@xla_unit
def _affine_taps(images, matrices, fill_mode: str, taps: str, start=None, rows: int | None = None):
    """Tap indices (and weights) of every output pixel of an affine warp (or of the output rows
    ``start .. start + rows``); see :func:`_taps_from_coordinates`."""
    height, width = images.shape[1], images.shape[2]
    m = tf.reshape(matrices, [-1, 9])
    a = [m[:, i, tf.newaxis, tf.newaxis] for i in range(6)]
    out_x = tf.range(width, dtype=tf.float32)[tf.newaxis, tf.newaxis, :]
    out_y = _output_rows(height, start, rows)
    x = a[0] * out_x + a[1] * out_y + a[2]
    y = a[3] * out_x + a[4] * out_y + a[5]
    return _taps_from_coordinates(x, y, height, width, fill_mode, taps)


@xla_unit
def _projective_taps(images, matrices, fill_mode: str, taps: str, start=None, rows: int | None = None):
    """Tap codes of a projective warp: per output pixel ``((a0 x + a1 y + a2) / k, (b0 x + b1 y + b2) / k)``
    with ``k = c0 x + c1 y + 1`` (the matrix divided by its last entry, as TF's kernel reads it); pixels
    where ``k = 0`` or a coordinate is not finite read the fill value."""
    height, width = images.shape[1], images.shape[2]
    t = matrix_to_transform(matrices)
    a = [t[:, i, tf.newaxis, tf.newaxis] for i in range(8)]
    out_x = tf.range(width, dtype=tf.float32)[tf.newaxis, tf.newaxis, :]
    out_y = _output_rows(height, start, rows)
    k = a[6] * out_x + a[7] * out_y + 1.0
    safe_k = tf.where(k == 0.0, tf.ones_like(k), k)
    x = (a[0] * out_x + a[1] * out_y + a[2]) / safe_k
    y = (a[3] * out_x + a[4] * out_y + a[5]) / safe_k
    valid = (k != 0.0) & tf.math.is_finite(x) & tf.math.is_finite(y)
    return _taps_from_coordinates(x, y, height, width, fill_mode, taps, valid)


@xla_unit
def _coordinate_taps(images, x, y, fill_mode: str, taps: str, start=None, rows: int | None = None):
    x, y = _band_of(x, start, rows), _band_of(y, start, rows)
    return _taps_from_coordinates(x, y, images.shape[1], images.shape[2], fill_mode, taps)


def _first_taps(coords, length: int, fill_mode: str, nearest: bool):
    """The one tap rule: fold ``coords`` for ``fill_mode``, then per coordinate the padded-source index of
    its first tap (the nearest pixel, or the left/upper of the two bilinear taps) and the second tap's weight."""
    coords = map_coordinates_to_range(coords, length, fill_mode)
    if nearest:
        start = tf.clip_by_value(_round_half_away(coords), -1.0, float(length))
    else:
        start = tf.minimum(tf.floor(coords), length - 1.0)
    return tf.cast(start, tf.int32) + 1, coords - start


def _taps_from_coordinates(x, y, height: int, width: int, fill_mode: str, taps: str, valid=None):
    """Per output pixel: the flat index of its top-left tap in the padded source ``[B, H + 2, W + 2]``.

    ``taps="nearest"`` returns the int32 index of the nearest pixel. ``"fixed"`` returns ``(index,
    weights)``: the weights in 1/256 steps as one uint16 ``wx | wy << 8`` per pixel; a weight that rounds
    to 256/256 moves its tap one pixel right (or down) with weight 0, which reads the same value, so
    both fit in 8 bits (6 bytes a pixel, ~8% faster than one int64 code). ``"float"`` returns ``(index,
    weights[..., 2])``. Where ``valid`` (bool, like ``x``) is False the pixel reads the fill border's
    corner with zero weights: the fill value exactly.
    """
    batch = tf.shape(x)[0]
    if valid is not None:
        x, y = tf.where(valid, x, -1.0), tf.where(valid, y, -1.0)
    cols, wx = _first_taps(x, width, fill_mode, taps == "nearest")
    rows, wy = _first_taps(y, height, fill_mode, taps == "nearest")
    if valid is not None:
        cols, rows = tf.where(valid, cols, 0), tf.where(valid, rows, 0)
        wx, wy = tf.where(valid, wx, 0.0), tf.where(valid, wy, 0.0)
    index = tf.reshape(tf.range(batch) * ((height + 2) * (width + 2)), [-1, 1, 1]) + rows * (width + 2) + cols
    if taps == "nearest":
        return index
    if taps == "float":
        return index, tf.stack([wx, wy], axis=-1)
    wx, wy = _fixed(wx), _fixed(wy)  # 0..256
    index = index + tf.bitwise.right_shift(wx, 8) + tf.bitwise.right_shift(wy, 8) * (width + 2)
    low = _FIXED_ONE - 1
    weights = tf.bitwise.bitwise_or(
        tf.bitwise.bitwise_and(wx, low), tf.bitwise.left_shift(tf.bitwise.bitwise_and(wy, low), 8)
    )
    return index, tf.cast(weights, tf.uint16)


def _pad_one(images: tf.Tensor, fill) -> tf.Tensor:
    return tf.pad(images, [[0, 0], [1, 1], [1, 1]] + [[0, 0]] * (images.shape.rank - 3), constant_values=fill)


@xla_unit
def _source(images, fill_value, layout: str):
    """The fill-padded source every engine reads: a one-pixel border of ``fill_value``, so no tap needs a bounds check.

    uint8 with 1-4 channels (:func:`_packable`): int32 packed pixels ``[B, H + 2, W + 2]`` (``layout="grid"``),
    flattened (``"flat"``), or flattened int64 pairs of each pixel and its right neighbour (``"pairs"``,
    followed by ``W + 2`` more, so a tap moved down by a rounded-up weight stays in range).
    Other images: ``[B, H + 2, W + 2, C]`` in the compute dtype (``"grid"``) or ``[B * (H + 2) * (W + 2), C]``.
    """
    if not _packable(images):
        values = _utils.to_compute(images)
        padded = _pad_one(values, tf.cast(_fill_value_for(images.dtype, fill_value), values.dtype))
        return padded if layout == "grid" else tf.reshape(padded, [-1, images.shape[-1]])
    channels = images.shape[-1]
    if channels < 4:
        images = tf.pad(images, [[0, 0], [0, 0], [0, 0], [0, 4 - channels]])
    fill = tf.bitcast(tf.fill([4], tf.cast(fill_value, tf.uint8)), tf.int32)
    padded = _pad_one(tf.bitcast(images, tf.int32), fill)
    if layout == "grid":
        return padded
    flat = tf.reshape(padded, [-1])
    if layout == "flat":
        return flat
    right = tf.concat([flat[1:], flat[:1]], axis=0)
    low = tf.bitwise.bitwise_and(tf.cast(flat, tf.int64), 0xFFFFFFFF)
    pairs = tf.bitwise.bitwise_or(low, tf.bitwise.left_shift(tf.cast(right, tf.int64), 32))
    return tf.pad(pairs, [[0, images.shape[2] + 2]])


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


def _split_weights(weights: tf.Tensor) -> tuple[tf.Tensor, tf.Tensor]:
    """``(wx, wy)`` in 1/256 steps from the uint16 ``wx | wy << 8`` of :func:`_taps_from_coordinates`."""
    weights = tf.cast(weights, tf.int32)
    return tf.bitwise.bitwise_and(weights, _FIXED_ONE - 1), tf.bitwise.right_shift(weights, 8)


@xla_unit
def _blend_packed(pairs, index, weights, padded_width: int):
    """Bilinear blend of packed uint8 pixels: two int64 gathers and integer arithmetic per output pixel."""
    wx, wy = _split_weights(weights)
    a, b = _split_pair(tf.gather(pairs, index))
    c, d = _split_pair(tf.gather(pairs, index + padded_width))
    return _bilinear_packed(a, b, c, d, wx, wy)


@xla_unit
def _blend_packed_flat(flat, index, weights, padded_width: int):
    """:func:`_blend_packed` reading the flat packed source: four int32 gathers instead of two int64
    ones, from a source of half the bytes (the banded path for large images). A tap moved one pixel by
    a weight rounded up to 256/256 may read past the last pixel with weight 0: XLA clamps the index."""
    wx, wy = _split_weights(weights)
    a, b = tf.gather(flat, index), tf.gather(flat, index + 1)
    c, d = tf.gather(flat, index + padded_width), tf.gather(flat, index + padded_width + 1)
    return _bilinear_packed(a, b, c, d, wx, wy)


def _bilinear_packed(a, b, c, d, wx, wy) -> tf.Tensor:
    """Fixed-point bilinear blend of packed pixels: top-left ``a``, top-right ``b``, bottom ``c``, ``d``."""
    (al, ah), (bl, bh), (cl, ch), (dl, dh) = (_split_lanes(v) for v in (a, b, c, d))
    top_l, top_h = _lerp_lanes(al, bl, wx), _lerp_lanes(ah, bh, wx)
    bottom_l, bottom_h = _lerp_lanes(cl, dl, wx), _lerp_lanes(ch, dh, wx)
    low, high = _lerp_lanes(top_l, bottom_l, wy), _lerp_lanes(top_h, bottom_h, wy)
    return tf.bitwise.bitwise_or(low, tf.bitwise.left_shift(high, 8))


@xla_unit
def _gather_packed(flat, index):
    return tf.gather(flat, index)


@xla_unit
def _unpack_channels(packed, channels: int):
    return tf.bitcast(packed, tf.uint8)[..., :channels]


@xla_unit
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


@xla_unit
def _gather_float(source, index, dtype: tf.DType):
    return tf.cast(tf.gather(source, index), dtype)


def _packable(images: tf.Tensor) -> bool:
    channels = images.shape[-1]
    return images.dtype == tf.uint8 and channels is not None and 1 <= channels <= 4


def _affine_engine(images, matrices, interpolation: str, fill_mode: str, fill_value) -> tf.Tensor:
    """Affine matrices (six entries read): one tap code per output pixel, packed fixed point for uint8."""
    return _resample(
        images,
        lambda taps, *band: _affine_taps(images, matrices, fill_mode, taps, *band),
        interpolation,
        fill_value,
    )


def _projective_engine(images, matrices, interpolation: str, fill_mode: str, fill_value) -> tf.Tensor:
    """Any matrices (all nine entries read): per-pixel source coordinates, then the affine engine's taps and blend."""
    return _resample(
        images,
        lambda taps, *band: _projective_taps(images, matrices, fill_mode, taps, *band),
        interpolation,
        fill_value,
    )


def _resample(images, taps_for, interpolation: str, fill_value) -> tf.Tensor:
    """Gather and blend with the taps ``taps_for(kind)`` computes: packed fixed point for uint8, else float.

    ``taps_for(kind, start, rows)`` computes the taps of the output rows ``start .. start + rows``:
    large images (:func:`band_rows`) are resampled band by band (:func:`_resample_bands`).
    """
    nearest = interpolation == "nearest"
    rows = band_rows(images.shape[1], images.shape[2])
    if rows is not None:
        return _resample_bands(images, taps_for, nearest, fill_value, rows)
    pairs = _packable(images) and not nearest
    source = _source(images, fill_value, "pairs" if pairs else "flat")
    return _gather_and_blend(images, source, taps_for, nearest, pairs)


def _resample_bands(images, taps_for, nearest: bool, fill_value, rows: int, multiple: int = 1) -> tf.Tensor:
    """:func:`_resample` one band of ``rows`` output rows at a time: the fill-padded source is built once
    (uint8: flat packed pixels, half the bytes of the pair layout), taps, blend and unpacking per band."""
    source = _source(images, fill_value, "flat")

    def band(start: int) -> tf.Tensor:
        start = tf.constant(start, tf.int32)

        def band_taps(kind: str):
            return taps_for(kind, start, rows)

        return _gather_and_blend(images, source, band_taps, nearest, pairs=False)

    return in_bands(band, images.shape[1], rows, multiple)


def _stored(taps_for):
    return lambda kind: materialize(taps_for(kind))


def _gather_and_blend(images, source, taps_for, nearest: bool, pairs: bool) -> tf.Tensor:
    """The output pixels ``taps_for(kind)`` point at in ``source`` (:func:`_source`; packed uint8 in the
    ``"pairs"`` layout if ``pairs``, else ``"flat"``), in the images' dtype."""
    padded_width = images.shape[2] + 2
    # Stored once inside one XLA program: fused, the taps were recomputed in every gather (3x slower).
    taps_for = _stored(taps_for)
    if _packable(images):
        if nearest:
            packed = _gather_packed(source, taps_for("nearest"))
        else:
            blend = _blend_packed if pairs else _blend_packed_flat
            packed = blend(source, *taps_for("fixed"), padded_width)
        return _unpack_channels(packed, images.shape[-1])
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

    Coordinates outside the image follow ``fill_mode`` (see :func:`map_coordinates_to_range`:
    ``"reflect"``: ``d c b a | a b c d``; ``"wrap"``: periodic, like ``np.roll``; ``"nearest"``;
    ``"constant"``: ``fill_value``). The same result as :func:`sample` within ±1 on uint8 (fixed-point
    weights) and 1e-3 on floats, at a fraction of the cost: uint8 images with up to four channels are
    packed and blended in fixed point, other dtypes in float32. The output has the input's spatial size.
    When the height, width or channels are unknown at trace time, :func:`sample`'s resampler reads them
    (one XLA unit).

    Example:
    >>> img = tf.reshape(tf.range(6, dtype=tf.float32), [1, 2, 3, 1])
    >>> x, y = tf.fill([1, 2, 3], 0.5), tf.zeros([1, 2, 3])
    >>> remap(img, x, y)[0, 0, 0, 0].numpy().item()
    0.5
    """
    interpolation, fill_mode, images, x, y, single = _coordinate_args(images, x, y, interpolation, fill_mode)
    if x.shape.rank != 3 or y.shape.rank != 3:
        raise ValueError(f"`x` and `y` must be [batch, height, width], got {x.shape} and {y.shape}.")
    if None in images.shape[1:]:
        fill = _fill_value_for(images.dtype, fill_value)
        out = xla_unit(_sample_batch, relax_shapes=True)(images, x, y, interpolation, fill_mode, fill)
        return _utils.from_batch(out, single)
    out = _resample(
        images,
        lambda taps, *band: _coordinate_taps(images, x, y, fill_mode, taps, *band),
        interpolation,
        fill_value,
    )
    return _utils.from_batch(out, single)


def remap_rows(
    images,
    coordinates,
    interpolation: str = "bilinear",
    fill_mode: str = "reflect",
    fill_value: float = 0.0,
    multiple: int = 1,
) -> tf.Tensor:
    """:func:`remap` by coordinates made on demand: ``coordinates(start, rows)`` returns ``(x, y)``, each
    ``[B, rows, W]``, for the output rows ``start .. start + rows`` (``start``: an int32 scalar tensor, a
    multiple of ``multiple``; rows past the bottom are allowed and dropped), or for all rows when both
    are None. Large images are remapped band by band, so the coordinates exist for one band at a time.

    Example:
    >>> img = tf.reshape(tf.range(6, dtype=tf.float32), [1, 2, 3, 1])
    >>> def shifted(start, rows):
    ...     return tf.fill([1, 2, 3], 0.5), tf.zeros([1, 2, 3])
    >>> remap_rows(img, shifted)[0, 0, 0, 0].numpy().item()
    0.5
    """
    images, single = _utils.to_batch(images)
    height, width = images.shape[1], images.shape[2]
    rows = band_rows(height, width, multiple) if images.shape[-1] is not None else None
    if rows is None:
        x, y = coordinates(None, None)
        if single:
            x, y = x[0], y[0]
        return _utils.from_batch(remap(images, x, y, interpolation, fill_mode, fill_value), single)
    interpolation = _utils.check_choice("interpolation", interpolation, INTERPOLATIONS)
    fill_mode = _utils.check_choice("fill_mode", fill_mode, FILL_MODES)

    def taps_for(taps, start, count):
        x, y = coordinates(start, count)
        return _coordinate_taps(images, x, y, fill_mode, taps)

    out = _resample_bands(images, taps_for, interpolation == "nearest", fill_value, rows, multiple)
    return _utils.from_batch(out, single)


def _warp_dynamic(images, matrices, interpolation, fill_mode, fill_value):
    """Unknown height/width at trace time: the reference resampler."""
    transforms = check_per_sample(matrix_to_transform(matrices), tf.shape(images)[0], "transforms", (8,))
    return _resample_projective(images, transforms, interpolation, fill_mode, fill_value)


#
# A translation has the same fractional offset at every pixel of a sample, so a bilinear shift is an
# integer crop (rows, then columns, of the fill-padded source) followed by a 2x2 stencil with
# per-sample constant weights. Every tap is folded by the fill mode on its own, which for
# "reflect" and "nearest" gives the same result as folding the coordinate (TF's kernel).


@xla_unit
def _shift_taps(images, dx, dy, fill_mode: str, nearest: bool):
    """Row/column indices into the fill-padded source and the fractional weights of a per-sample shift."""
    height, width = images.shape[1], images.shape[2]
    extra = 0 if nearest else 1

    def axis_taps(shift, length):
        start = tf.floor(0.5 - shift) if nearest else tf.floor(-shift)
        coords = start[:, tf.newaxis] + tf.range(length + extra, dtype=tf.float32)[tf.newaxis, :]
        folded = map_coordinates_to_range(coords, length, fill_mode)
        return tf.cast(folded, tf.int32) + 1, -shift - start

    rows, fy = axis_taps(dy, height)
    cols, fx = axis_taps(dx, width)
    return rows, cols, tf.stack([fx, fy], axis=-1)


@xla_unit
def _crop_rows_cols(source, rows, cols):
    return gather_rows_cols(source, rows, cols)


@xla_unit
def _crop_cols_rows(source, rows, cols):
    return gather_cols_rows(source, rows, cols)


@xla_unit
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


@xla_unit
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
    return _utils.from_batch(_shift_engine(images, dx, dy, interpolation, fill_mode, fill_value), single)


def _shift_engine(images, dx, dy, interpolation: str, fill_mode: str, fill_value) -> tf.Tensor:
    nearest = interpolation == "nearest"
    rows, cols, weights = materialize(_shift_taps(images, dx, dy, fill_mode, nearest))

    def stencil(crop):
        if _packable(images):
            return _unpack_channels(crop if nearest else _stencil_packed(crop, weights), images.shape[-1])
        return tf.cast(crop, images.dtype) if nearest else _stencil_float(crop, weights, images.dtype)

    count = _separable_band_rows(images)
    if count is None:  # no reference to the source is kept: it is freed once cropped
        return stencil(_crop_cols_rows(_source(images, fill_value, "grid"), rows, cols))
    source = _source(images, fill_value, "grid")
    extra = 0 if nearest else 1  # a bilinear output row also reads the next source row
    return in_bands(
        lambda start: stencil(_crop_rows_cols(source, rows[:, start : start + count + extra], cols)),
        images.shape[1],
        count,
    )


def _translation_engine(images, matrices, interpolation: str, fill_mode: str, fill_value) -> tf.Tensor:
    """Translation matrices (only the offsets read): :func:`shift`."""
    batch = tf.shape(images)[0]
    dx = tf.broadcast_to(-matrices[:, 0, 2], [batch])
    dy = tf.broadcast_to(-matrices[:, 1, 2], [batch])
    return _shift_engine(images, dx, dy, interpolation, fill_mode, fill_value)


# When a matrix neither rotates nor shears, every output row reads the same two source rows and
# every output column the same two source columns. So: gather whole rows (memcpy-like) and blend
# them vertically, then gather columns within those rows and blend horizontally. Fill-mode folding
# happens on [B, H] and [B, W] coordinate vectors instead of [B, H, W] grids.


@xla_unit
def _axis_taps(images, matrices, fill_mode: str, nearest: bool):
    """Padded-source row/column indices ``[B, H]``, ``[B, W]`` and float weights for an axis-aligned map."""
    height, width = images.shape[1], images.shape[2]
    m = tf.reshape(matrices, [-1, 9])
    x = m[:, 0:1] * tf.range(width, dtype=tf.float32)[tf.newaxis] + m[:, 2:3]
    y = m[:, 4:5] * tf.range(height, dtype=tf.float32)[tf.newaxis] + m[:, 5:6]
    cols, wx = _first_taps(x, width, fill_mode, nearest)
    rows, wy = _first_taps(y, height, fill_mode, nearest)
    return rows, cols, wx, wy


def _fixed(weights: tf.Tensor) -> tf.Tensor:
    return tf.cast(weights * _FIXED_ONE + 0.5, tf.int32)


@xla_unit
def _blend_rows_packed(source, rows, wy):
    """Vertical pass: ``source[b, rows] * (1 - wy) + source[b, rows + 1] * wy`` on packed pixels."""
    top = tf.gather(source, rows, axis=1, batch_dims=1)
    bottom = tf.gather(source, rows + 1, axis=1, batch_dims=1)
    w = _fixed(wy)[:, :, tf.newaxis]
    (tl, th), (bl, bh) = _split_lanes(top), _split_lanes(bottom)
    return tf.bitwise.bitwise_or(_lerp_lanes(tl, bl, w), tf.bitwise.left_shift(_lerp_lanes(th, bh, w), 8))


@xla_unit
def _blend_cols_packed(rows, cols, wx):
    """Horizontal pass: one int64 gather of (pixel, right neighbour) per output pixel, then blend."""
    low = tf.bitwise.bitwise_and(tf.cast(rows[..., :-1], tf.int64), 0xFFFFFFFF)
    pairs = tf.bitwise.bitwise_or(low, tf.bitwise.left_shift(tf.cast(rows[..., 1:], tf.int64), 32))
    left, right = _split_pair(gather_cols(pairs, cols))
    w = _fixed(wx)[:, tf.newaxis, :]
    (ll, lh), (rl, rh) = _split_lanes(left), _split_lanes(right)
    return tf.bitwise.bitwise_or(_lerp_lanes(ll, rl, w), tf.bitwise.left_shift(_lerp_lanes(lh, rh, w), 8))


@xla_unit
def _blend_axes_float(source, rows, cols, wx, wy, dtype: tf.DType):
    wx = tf.cast(wx, source.dtype)[:, tf.newaxis, :, tf.newaxis]
    wy = tf.cast(wy, source.dtype)[:, :, tf.newaxis, tf.newaxis]
    top = tf.gather(source, rows, axis=1, batch_dims=1)
    bottom = tf.gather(source, rows + 1, axis=1, batch_dims=1)
    vertical = source_lerp(top, bottom, wy)
    left, right = gather_cols(vertical, cols), gather_cols(vertical, cols + 1)
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
    >>> from keras_aug.ops.geometry import zoom_matrix
    >>> img = tf.reshape(tf.range(16, dtype=tf.float32), [1, 4, 4, 1])
    >>> out = warp_axis_aligned(img, zoom_matrix([2.0], [2.0], 4, 4), fill_mode="nearest")
    >>> out[0, :, 0, 0].numpy().tolist()
    [3.75, 5.75, 7.75, 9.75]
    """
    return warp(images, matrices, interpolation, fill_mode, fill_value, kind="scale")


def _axis_aligned_engine(images, matrices, interpolation: str, fill_mode: str, fill_value) -> tf.Tensor:
    """Scale + translation matrices (entries 0, 2, 4, 5 read): separable, rows then columns."""
    nearest = interpolation == "nearest"
    rows, cols, wx, wy = materialize(_axis_taps(images, matrices, fill_mode, nearest))
    source = _source(images, fill_value, "grid")

    def scaled(rows, wy):
        if _packable(images):
            if nearest:
                packed = _crop_rows_cols(source, rows, cols)
            else:
                packed = _blend_cols_packed(materialize(_blend_rows_packed(source, rows, wy)), cols, wx)
            return _unpack_channels(packed, images.shape[-1])
        if nearest:
            return tf.cast(_crop_rows_cols(source, rows, cols), images.dtype)
        return _blend_axes_float(source, rows, cols, wx, wy, images.dtype)

    count = _separable_band_rows(images)
    if count is None:
        return scaled(rows, wy)
    return in_bands(
        lambda start: scaled(rows[:, start : start + count], wy[:, start : start + count]),
        images.shape[1],
        count,
    )


# ----------------------------------------------------------------------------------------------
# Choosing the engine by the matrices' kind
# ----------------------------------------------------------------------------------------------

_ENGINES = {
    "translation": _translation_engine,
    "scale": _axis_aligned_engine,
    "affine": _affine_engine,
    "projective": _projective_engine,
}


def warp(
    images,
    matrices,
    interpolation: str = "bilinear",
    fill_mode: str = "reflect",
    fill_value: float = 0.0,
    kind: str = "affine",
) -> tf.Tensor:
    """Warp ``images`` by ``[B, 3, 3]`` output→input matrices with the fastest engine for their kind.

    Same geometry and fill modes as :func:`transform`, built for throughput: uint8 images blend in
    fixed point with 8-bit weights (within ±1 of :func:`transform`), other dtypes in float32. Compiled
    with XLA internally, so it is fast in ``tf.data`` too.

    ``kind`` is the kind the caller expects (see :data:`~keras_aug.ops.geometry.matrices.KINDS`):
    ``"translation"`` uses :func:`shift`'s engine, ``"scale"`` the separable one of
    :func:`warp_axis_aligned`, ``"affine"`` (the default) one 2-D gather per tap, ``"projective"`` the
    same taps from per-pixel projective coordinates (pixels where the denominator is 0 or a coordinate
    is not finite get the fill value, as in :func:`transform`). The matrices are checked against it
    (:func:`~keras_aug.ops.geometry.matrices.kind_index`): a batch beyond the expected kind takes the
    engine of its own kind, so e.g. a projective matrix is never warped as affine; an expectation that
    is too general only costs speed.

    Example:
    >>> img = tf.reshape(tf.range(4, dtype=tf.float32), [1, 2, 2, 1])
    >>> warp(img, translation_matrix([1.0], [0.0]), fill_mode="constant")[0, :, :, 0].numpy().tolist()
    [[0.0, 0.0], [0.0, 2.0]]
    """
    interpolation = _utils.check_choice("interpolation", interpolation, INTERPOLATIONS)
    fill_mode = _utils.check_choice("fill_mode", fill_mode, FILL_MODES)
    kind = _utils.check_choice("kind", kind, KINDS)
    images, single = _utils.to_batch(images)
    matrices = tf.convert_to_tensor(matrices, tf.float32)
    if None in images.shape[1:]:
        out = _warp_dynamic(images, matrices, interpolation, fill_mode, fill_value)
        return _utils.from_batch(out, single)
    first = KINDS.index(kind)
    engines = [
        functools.partial(_ENGINES[k], images, matrices, interpolation, fill_mode, fill_value)
        for k in KINDS[first:]
    ]
    needed = kind_index(matrices) if len(engines) > 1 else first
    if isinstance(needed, int):
        out = engines[max(needed - first, 0)]()
    else:
        out = tf.switch_case(tf.maximum(needed - first, 0), engines)
    return _utils.from_batch(out, single)
