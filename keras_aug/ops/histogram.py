"""Histogram ops: CLAHE with OpenCV's exact algorithm, and global histogram equalization.

Gray uint16 / int16 images get CLAHE at full depth: one histogram bin per integer of ``value_range``
(65536 for uint16, OpenCV's ``CV_16U`` algorithm). Everything else works on 256 intensity levels: uint8
images are used as they are; other dtypes are mapped to levels with ``round((x - low) * 255 / (high -
low))`` and mapped back with ``level / (255 / (high - low)) + low`` (for floats in [0, 1], passed as
``value_range=(0, 1)``, albumentations' ``from_float`` / ``to_float`` round trip). ``value_range=None``
follows the package's one rule (:func:`keras_aug.validation.resolve_value_range`): the dtype's range for
8- and 16-bit integers, ``(0, 255)`` for floats and wider integers (Keras' convention); the result stays
in that range.

Histograms are scatter-adds (one count per pixel into bins addressed by sample, tile and level), never a
one-hot over every pixel. Each op runs as XLA-compiled stages, so it is fast eagerly and in ``tf.data``,
and it compiles as one unit inside a caller's ``tf.function(jit_compile=True)``.
"""

from __future__ import annotations

import functools
import struct
from collections.abc import Sequence
from fractions import Fraction

import numpy as np
import tensorflow as tf

from keras_aug.ops._utils import compute_dtype, from_4d, from_batch, to_4d, to_batch
from keras_aug.ops.xla import materialize, stored_unit, xla_unit
from keras_aug.validation import check_choice, check_number, check_values, resolve_value_range

BINS = 256
_MAX_LEVEL = BINS - 1
_DEEP_DTYPES = (tf.uint16, tf.int16)  # gray images of these dtypes keep up to 65536 levels
ValueRange = Sequence[float]


# ------------------------------------------------------------------------------------------------
# Argument checks and level conversion
# ------------------------------------------------------------------------------------------------


def check_tile_grid_size(tile_grid_size) -> tuple[int, int]:
    """``(tiles along x, tiles along y)`` as positive Python ints (OpenCV's ``tileGridSize`` order).

    Example:
    >>> check_tile_grid_size(8), check_tile_grid_size([4, 2])
    ((8, 8), (4, 2))
    """
    if isinstance(tile_grid_size, int) and not isinstance(tile_grid_size, bool):
        tile_grid_size = (tile_grid_size, tile_grid_size)
    if (
        not isinstance(tile_grid_size, (tuple, list))
        or len(tile_grid_size) != 2
        or not all(
            isinstance(t, (int, np.integer)) and not isinstance(t, bool) and t > 0 for t in tile_grid_size
        )
    ):
        raise ValueError(
            "`tile_grid_size` must be a positive int or a pair (tiles_x, tiles_y) of positive ints, "
            f"got {tile_grid_size!r}."
        )
    return int(tile_grid_size[0]), int(tile_grid_size[1])


def _check_value_range(value_range, dtype: tf.DType) -> tuple[float, float]:
    """The package's one rule (:func:`keras_aug.validation.resolve_value_range`)."""
    return resolve_value_range(value_range, dtype)


def _check_clip_limit(clip_limit, batch_size) -> tf.Tensor:
    """``clip_limit`` as float64 ``[B]``; Python/NumPy values must be finite and >= 0 (0: no clipping).

    Tensors are not checked (their values are unknown under XLA): a negative one also means no
    clipping (OpenCV's rule) and NaN gives undefined results.
    """
    check_values(clip_limit, "clip_limit", 0.0)
    clip = tf.cast(tf.convert_to_tensor(clip_limit), tf.float64)
    if clip.shape.rank not in (None, 0, 1):
        raise ValueError(f"`clip_limit` must be a number or a [batch] vector, got shape {clip.shape}.")
    return tf.broadcast_to(clip, batch_size)


def _check_channels(images: tf.Tensor, allowed: Sequence[int] | None, op: str) -> None:
    channels = images.shape[-1]
    if channels is None:
        raise ValueError(
            f"`images` passed to {op} must have a known number of channels, got shape {images.shape}."
        )
    if allowed is not None and channels not in allowed:
        raise ValueError(
            f"`images` passed to {op} must have 1 (gray) or 3 (RGB) channels, got shape {images.shape}."
        )


def _to_levels(images: tf.Tensor, value_range: tuple[float, float], bins: int = BINS) -> tf.Tensor:
    """Images as int32 levels in [0, bins - 1]."""
    if images.dtype == tf.uint8 and value_range == (0.0, 255.0) and bins == BINS:
        return tf.cast(images, tf.int32)
    low, high = value_range
    dtype = compute_dtype(images.dtype)
    x = tf.cast(images, dtype)
    if low != 0.0:
        x = x - tf.constant(low, dtype)
    levels = tf.round(x * tf.constant((bins - 1) / (high - low), dtype))
    return tf.cast(tf.clip_by_value(levels, 0.0, float(bins - 1)), tf.int32)


def _from_levels(
    levels: tf.Tensor, dtype: tf.DType, value_range: tuple[float, float], bins: int = BINS
) -> tf.Tensor:
    """Undo :func:`_to_levels`: ``level / ((bins - 1) / (high - low)) + low`` (``level / 255`` for [0, 1]).

    A ``bins``-entry table computed in NumPy keeps the division exact: XLA would turn a division by a
    constant into a multiplication by its reciprocal, which is one ulp off for some levels.
    """
    if dtype == tf.uint8 and value_range == (0.0, 255.0) and bins == BINS:
        return tf.cast(levels, tf.uint8)
    low, high = value_range
    np_dtype = compute_dtype(dtype).as_numpy_dtype
    values = np.arange(bins).astype(np_dtype) / np_dtype((bins - 1) / (high - low)) + np_dtype(low)
    if dtype.is_integer:
        values = np.clip(np.round(values), dtype.min, dtype.max)
    return tf.gather(tf.constant(values.astype(dtype.as_numpy_dtype)), levels)


_FIXED_BITS = 30  # OpenCV's interpolation weights are multiples of 2**-25: exact as int32 * 2**-30


def _rounded_product(a: tf.Tensor, fixed_weight: tf.Tensor) -> tf.Tensor:
    """float32 ``a * fixed_weight``, rounded once, which XLA cannot fuse into a following add (FMA).

    OpenCV rounds every product to float32 before adding; XLA lets LLVM contract ``a * b + c`` into one
    fused multiply-add, which moves ~0.1% of pixels by one level. Here the product is taken in float64,
    exact for a float32 (or 8-bit integer) ``a`` times an integer weight of <= 24 significant bits, and
    rounded to float32 once. LLVM may only narrow such a product back to a float32 multiply (and then
    contract it) when it can prove both factors fit in float32, which it cannot for an int32 weight.
    """
    return tf.cast(tf.cast(a, tf.float64) * tf.cast(fixed_weight, tf.float64), tf.float32)


# ------------------------------------------------------------------------------------------------
# CLAHE on levels: tile histograms -> clipped LUTs -> bilinear interpolation between tile LUTs
# ------------------------------------------------------------------------------------------------


def _tile_shape(height, width, tiles_x: int, tiles_y: int):
    """OpenCV's tile size: exact when both sides divide, else both sides padded (bottom/right) by a tile.

    OpenCV pads ``tiles - size % tiles`` rows and columns, so a side that divides still grows by a
    whole tile once the other side does not divide. Works on Python ints and on int32 tensors.
    """
    if isinstance(height, int) and isinstance(width, int):
        divisible = height % tiles_y == 0 and width % tiles_x == 0
        extra = 0 if divisible else 1
        return height // tiles_y + extra, width // tiles_x + extra
    divisible = tf.logical_and(tf.equal(height % tiles_y, 0), tf.equal(width % tiles_x, 0))
    extra = tf.where(divisible, 0, 1)
    return height // tiles_y + extra, width // tiles_x + extra


def _reflect_101(index: tf.Tensor, size) -> tf.Tensor:
    """OpenCV's ``BORDER_REFLECT_101`` source index (``gfedcb|abcdefgh|gfedcba``), any overshoot."""
    period = tf.maximum(2 * size - 2, 1)
    index = index % period
    return tf.where(index >= size, period - index, index)


def _spatial_size(levels: tf.Tensor):
    """``(height, width)`` as Python ints when static, else int32 scalars."""
    static = levels.shape[1:3]
    dynamic = tf.shape(levels)
    return tuple(static[i] if static[i] is not None else dynamic[i + 1] for i in range(2))


def _tile_histograms(levels: tf.Tensor, tiles_x: int, tiles_y: int) -> tf.Tensor:
    """Per-tile 256-bin histograms ``[B, tiles_y * tiles_x, 256]`` of the reflect-101 padded image."""
    height, width = _spatial_size(levels)
    tile_h, tile_w = _tile_shape(height, width, tiles_x, tiles_y)
    padded_h, padded_w = tile_h * tiles_y, tile_w * tiles_x
    if not (isinstance(height, int) and isinstance(width, int) and (padded_h, padded_w) == (height, width)):
        levels = tf.gather(levels, _reflect_101(tf.range(padded_h), height), axis=1)
        levels = tf.gather(levels, _reflect_101(tf.range(padded_w), width), axis=2)
    batch = tf.shape(levels)[0]
    num_tiles = tiles_x * tiles_y
    tile_row = tf.range(padded_h) // tile_h
    tile_col = tf.range(padded_w) // tile_w
    bin_offset = (tile_row[:, None] * tiles_x + tile_col[None, :]) * BINS
    sample_offset = tf.range(batch) * (num_tiles * BINS)
    ids = levels + bin_offset[None] + sample_offset[:, None, None]
    counts = tf.math.unsorted_segment_sum(tf.ones_like(ids), ids, batch * num_tiles * BINS)
    return tf.reshape(counts, [batch, num_tiles, BINS])


def _clip_limit_counts(clip_limit: tf.Tensor, tile_area, bins: int = BINS) -> tf.Tensor:
    """OpenCV's per-bin limit ``max(int(clip_limit * tile_area / bins), 1)``; ``clip_limit <= 0``: none."""
    area = tf.cast(tile_area, tf.float64)
    limit = tf.maximum(tf.floor(clip_limit * area / bins), 1.0)
    no_clipping = area + 1.0  # more than any bin can hold
    return tf.cast(tf.where(clip_limit > 0.0, limit, no_clipping), tf.int32)


def _residual_bins(residual: tf.Tensor) -> tf.Tensor:
    """Where OpenCV puts the residual excess: one count each to bins 0, s, 2s, ... (``residual`` of them),
    ``s = max(256 // residual, 1)``.

    ``bin // s`` is taken in float32 as ``floor((bin + 0.5) / s)``, exact for bins and steps up to 256
    and ~3x faster than a per-bin integer division on XLA:CPU.

    Example:
    >>> np.flatnonzero(_residual_bins(tf.constant([3]))).tolist()
    [0, 85, 170]
    """
    step = tf.cast(tf.maximum(BINS // tf.maximum(residual, 1), 1), tf.float32)
    bins = tf.range(BINS, dtype=tf.float32)
    quotient = tf.floor((bins + 0.5) * (1.0 / step))
    return tf.logical_and(tf.equal(quotient * step, bins), quotient < tf.cast(residual, tf.float32))


def _clipped_luts(hist: tf.Tensor, clip_limit: tf.Tensor, tile_area) -> tf.Tensor:
    """Clip each histogram, redistribute the excess as OpenCV does, and turn it into a level LUT."""
    limit = _clip_limit_counts(clip_limit, tile_area)[:, None, None]
    excess = tf.reduce_sum(tf.nn.relu(hist - limit), axis=-1, keepdims=True)
    hist = tf.minimum(hist, limit)
    per_bin = excess // BINS
    residual = excess - per_bin * BINS
    hist = hist + per_bin + tf.cast(_residual_bins(residual), tf.int32)
    scale = tf.constant(float(_MAX_LEVEL), tf.float32) / tf.cast(tile_area, tf.float32)
    cdf = _running_counts(hist, tile_area)
    return tf.cast(tf.clip_by_value(tf.round(cdf * scale), 0.0, float(_MAX_LEVEL)), tf.int32)


_BLOCK = 16  # bins per block of the running sum: 256 = 16 blocks of 16
_EXACT_COUNT = 2**11  # integers below this are exact matmul operands, even as TF32 (11 significant bits)
_UPPER_ONES = np.triu(np.ones((_BLOCK, _BLOCK), np.float32))  # x @ _UPPER_ONES: running sums of 16


def _prefix_sums(values: tf.Tensor, exclusive: bool = False) -> tf.Tensor:
    """``tf.cumsum(values, axis=-1, exclusive=exclusive)`` in log2(n) shifted adds (Hillis-Steele).

    Older XLA:CPU releases (TF 2.16) lower a cumsum to a reduce-window of the whole axis, quadratic in
    its length: 65536-bin tables took 2.8 s a call (minutes at LLVM -O0); this is exact and linear-log.
    For 256-bin counts :func:`_running_counts` is faster still.
    """
    length = values.shape[-1]
    pad = [[0, 0]] * (values.shape.rank - 1)
    if exclusive:
        values = tf.pad(values[..., :-1], [*pad, [1, 0]])
    step = 1
    while step < length:
        values = values + tf.pad(values[..., :-step], [*pad, [step, 0]])
        step *= 2
    return values


def _running_counts(hist: tf.Tensor, total) -> tf.Tensor:
    """``tf.cumsum(hist, axis=-1)`` of 256-bin int32 counts summing to ``total``, as exact float32.

    XLA:CPU lowers a cumsum to a reduce-window that costs ~4 ns per output; instead each block of 16
    bins is summed by a matmul with a triangular matrix of ones (blocks of 16, and the block totals by a
    small cumsum). Operands are split into 11-bit halves, which every float32 matmul (also TF32 on
    GPUs) multiplies and accumulates exactly while ``total < 2**22``; larger or unknown totals use
    :func:`_prefix_sums`.

    Example:
    >>> _running_counts(tf.ones([1, 256], tf.int32), 256)[0, -3:].numpy().tolist()
    [254.0, 255.0, 256.0]
    """
    if not isinstance(total, int) or total >= _EXACT_COUNT**2:
        return tf.cast(_prefix_sums(hist), tf.float32)
    upper = tf.constant(_UPPER_ONES)
    blocks = tf.reshape(hist, [-1, _BLOCK])
    within = tf.matmul(tf.cast(tf.bitwise.bitwise_and(blocks, _EXACT_COUNT - 1), tf.float32), upper)
    if total >= _EXACT_COUNT:
        high = tf.cast(tf.bitwise.right_shift(blocks, 11), tf.float32)
        within = within + tf.matmul(high, upper) * float(_EXACT_COUNT)
    within = tf.reshape(within, tf.concat([tf.shape(hist)[:-1], [BINS // _BLOCK, _BLOCK]], 0))
    below = tf.cumsum(tf.cast(within[..., -1], tf.int32), axis=-1, exclusive=True)
    return tf.reshape(within + tf.cast(below, tf.float32)[..., tf.newaxis], tf.shape(hist))


def _packed_neighbour_luts(luts: tf.Tensor, tiles_x: int, tiles_y: int) -> tf.Tensor:
    """For every cell between tile centres, the 4 neighbouring LUTs packed into one int32 per level.

    ``luts`` is ``[B, tiles_y * tiles_x, 256]``. Cells run from -1 to ``tiles - 1`` on each axis (the
    border half-tiles use the clamped edge tiles, as OpenCV does); the result is
    ``[B, tiles_y + 1, tiles_x + 1, 256]`` holding ``top_left | top_right << 8 | bottom_left << 16 |
    bottom_right << 24``, so interpolation needs one gather per pixel instead of four.
    """
    cell_y, cell_x = np.arange(tiles_y + 1), np.arange(tiles_x + 1)
    top, bottom = np.maximum(cell_y - 1, 0), np.minimum(cell_y, tiles_y - 1)
    left, right = np.maximum(cell_x - 1, 0), np.minimum(cell_x, tiles_x - 1)

    def tiles(rows, cols):
        # A gather with constant indices fuses with the packing into one pass (concats did not).
        index = (rows[:, None] * tiles_x + cols[None, :]).reshape(-1).astype(np.int32)
        return tf.gather(luts, tf.constant(index), axis=1)

    shift = tf.bitwise.left_shift
    packed = tiles(top, left) | shift(tiles(top, right), 8)
    packed = packed | shift(tiles(bottom, left), 16) | shift(tiles(bottom, right), 24)
    return tf.reshape(packed, [-1, tiles_y + 1, tiles_x + 1, BINS])


def _axis_weights(size, tile):
    """Per position along one axis: the cell index (0..tiles) and OpenCV's float32 weights
    ``(w, 1 - w)`` as exact fixed-point int32 (``* 2**30``).

    OpenCV computes ``x * (1.0f / tile) - 0.5f`` in float32. The product is taken as ``x * m`` (``m``
    the 24-bit mantissa of ``1 / tile``) rounded once, then scaled by a power of two, so a contracted
    multiply-add cannot change it.
    """
    inv_tile = tf.constant(1.0, tf.float32) / tf.cast(tile, tf.float32)
    bits = tf.bitcast(inv_tile, tf.int32)
    mantissa = tf.bitwise.bitwise_or(tf.bitwise.bitwise_and(bits, 0x7FFFFF), 0x800000)
    scale = tf.bitcast(tf.bitwise.left_shift(tf.bitwise.right_shift(bits, 23) - 23, 23), tf.float32)
    coord = _rounded_product(tf.range(size), mantissa) * scale - 0.5
    first = tf.floor(coord)
    weight = coord - first
    fixed = tf.constant(2.0**_FIXED_BITS, tf.float32)
    return (
        tf.cast(first, tf.int32) + 1,
        tf.cast(weight * fixed, tf.int32),
        tf.cast((1.0 - weight) * fixed, tf.int32),
    )


def _interpolation_words(levels: tf.Tensor, packed: tf.Tensor, tiles_x: int, tiles_y: int) -> tf.Tensor:
    """Each pixel's packed 4 neighbouring LUT values (one gather per pixel)."""
    height, width = _spatial_size(levels)
    tile_h, tile_w = _tile_shape(height, width, tiles_x, tiles_y)
    cell_y = _axis_weights(height, tile_h)[0]
    cell_x = _axis_weights(width, tile_w)[0]
    batch = tf.shape(levels)[0]
    cells = (tiles_y + 1) * (tiles_x + 1)
    offset = cell_y[:, None] * ((tiles_x + 1) * BINS) + cell_x[None, :] * BINS
    sample_offset = tf.range(batch) * (cells * BINS)
    return tf.gather(tf.reshape(packed, [-1]), levels + offset[None] + sample_offset[:, None, None])


def _split_weight(fixed: tf.Tensor) -> tuple[tf.Tensor, tf.Tensor]:
    """A fixed-point weight as float32 ``high + low``, each with <= 12 significant bits.

    An 8-bit integer times either part is exact in float32, so ``l * high + l * low`` is ``l * w``
    rounded once, whether or not the multiply-add is contracted into an FMA.
    """
    weight = tf.cast(fixed, tf.float32) * tf.constant(2.0**-_FIXED_BITS, tf.float32)
    high = tf.bitcast(tf.bitwise.bitwise_and(tf.bitcast(weight, tf.int32), ~0xFFF), tf.float32)
    return high, weight - high


def _blend_words(words: tf.Tensor, tiles_x: int, tiles_y: int) -> tf.Tensor:
    """OpenCV's ``(l11 * xa1 + l12 * xa) * ya1 + (l21 * xa1 + l22 * xa) * ya``, rounded, as int32.

    Every float32 rounding step of OpenCV happens exactly once, however XLA fuses the arithmetic: the
    first products through split weights (:func:`_split_weight`), the second in float64
    (:func:`_rounded_product`, in units of ``2**-30``, which commutes with rounding).
    """
    height, width = _spatial_size(words)
    tile_h, tile_w = _tile_shape(height, width, tiles_x, tiles_y)
    _, wy, wy1 = (v[None, :, None] for v in _axis_weights(height, tile_h))
    _, wx, wx1 = _axis_weights(width, tile_w)
    (x_high, x_low), (x1_high, x1_low) = _split_weight(wx), _split_weight(wx1)
    x_high, x_low, x1_high, x1_low = (v[None, None, :] for v in (x_high, x_low, x1_high, x1_low))

    def byte(k):
        return tf.cast(tf.bitwise.bitwise_and(tf.bitwise.right_shift(words, 8 * k), 0xFF), tf.float32)

    top_left, top_right, bottom_left, bottom_right = (byte(k) for k in range(4))
    top = (top_left * x1_high + top_left * x1_low) + (top_right * x_high + top_right * x_low)
    bottom = (bottom_left * x1_high + bottom_left * x1_low) + (bottom_right * x_high + bottom_right * x_low)
    result = _rounded_product(top, wy1) + _rounded_product(bottom, wy)
    result = result * tf.constant(2.0**-_FIXED_BITS, tf.float32)
    return tf.cast(tf.clip_by_value(tf.round(result), 0.0, float(_MAX_LEVEL)), tf.int32)


def _interpolate(levels: tf.Tensor, packed: tf.Tensor, tiles_x: int, tiles_y: int) -> tf.Tensor:
    """Bilinear blend of the 4 neighbouring tile LUTs at every pixel, in OpenCV's float32 order."""
    return _blend_words(_interpolation_words(levels, packed, tiles_x, tiles_y), tiles_x, tiles_y)


def _clahe_tables(levels: tf.Tensor, clip_limit: tf.Tensor, tiles_x: int, tiles_y: int) -> tf.Tensor:
    """Stage 1: packed neighbour LUTs ``[B, tiles_y + 1, tiles_x + 1, 256]`` for ``levels`` [B, H, W]."""
    height, width = _spatial_size(levels)
    tile_h, tile_w = _tile_shape(height, width, tiles_x, tiles_y)
    hist = _tile_histograms(levels, tiles_x, tiles_y)
    luts = _clipped_luts(hist, clip_limit, tile_h * tile_w)
    return _packed_neighbour_luts(luts, tiles_x, tiles_y)


# ------------------------------------------------------------------------------------------------
# OpenCV's 8-bit RGB <-> Lab (integer path), so that RGB CLAHE matches albumentations
# ------------------------------------------------------------------------------------------------


def _f64(bits: int) -> float:
    return struct.unpack("<d", struct.pack("<Q", bits))[0]


def _matrix(*rows: Sequence[int]) -> np.ndarray:
    return np.array([[_f64(bits) for bits in row] for row in rows])


# OpenCV's constants, bit for bit (color_lab.cpp: sRGB2XYZ_D65, XYZ2sRGB_D65, D65).
_RGB_TO_XYZ = _matrix(
    (0x3FDA65A14488C60D, 0x3FD6E297396D0918, 0x3FC71819D2391D58),
    (0x3FCB38CDA6E75FF6, 0x3FE6E297396D0918, 0x3FB279AAE6C8F755),
    (0x3F93CC4AC6CDAF4B, 0x3FBE836EB4E98138, 0x3FEE68427418D691),
)
_XYZ_TO_RGB = _matrix(
    (0x4009EC804102FF8F, 0xBFF8982A9930BE0E, 0xBFDFE7FF583A53B9),
    (0xBFEF042528AE74F3, 0x3FFE040F23897204, 0x3FA546D3F9E7B80B),
    (0x3FAC7DE5082CF52C, 0xBFCA1E14BDFD2631, 0x3FF0EABEF06B3786),
)
_D65 = np.array([_f64(0x3FEE6A22B3892EE8), 1.0, _f64(0x3FF16B8950763A19)])
_CBRT_POLY = [
    _f64(b) for b in (0x4046A09E6653BA70, 0x406808F46C6116E0, 0x405DCA97439CAE14, 0x402ADD70D2827500)
]
_CBRT_POLY += [
    _f64(b) for b in (0x3FC4F15F83F55D2D, 0x402D9E20660EDB21, 0x4062FF15C0285815, 0x406510D06A8112CE)
]
_CBRT_POLY += [_f64(0x4040FECBC9E2C375)]


def _cv_cbrt(x: np.ndarray) -> np.ndarray:
    """OpenCV's softfloat ``cbrt`` for float32 x > 0 (a rational polynomial in double, mantissa truncated)."""
    bits = np.asarray(x, np.float32).view(np.uint32).astype(np.int64)
    exponent = ((bits >> 23) & 255) - 127
    shift = np.fmod(exponent, 3)
    shift = np.where(shift >= 0, shift - 3, shift)
    out_exponent = (exponent - shift) // 3 - 1
    fr = (1.0 + (bits & 0x7FFFFF) / 2.0**23) * np.exp2(shift.astype(np.float64))
    a = _CBRT_POLY
    fr = ((((a[0] * fr + a[1]) * fr + a[2]) * fr + a[3]) * fr + a[4]) / (
        (((a[5] * fr + a[6]) * fr + a[7]) * fr + a[8]) * fr + 1.0
    )
    mantissa = (fr.view(np.uint64) >> np.uint64(29)) & np.uint64(0x7FFFFF)
    out = ((out_exponent + 127).astype(np.uint64) << np.uint64(23)) | mantissa
    return np.where(bits != 0, out, 0).astype(np.uint32).view(np.float32)


def _round_to_float32(value: Fraction) -> np.float32:
    """``value`` rounded once to float32 (to nearest, ties to even), as softfloat's fused ``mulAdd``."""
    guess = np.float32(float(value))
    candidates = (np.nextafter(guess, np.float32(-np.inf)), guess, np.nextafter(guess, np.float32(np.inf)))
    return min(candidates, key=lambda c: (abs(Fraction(float(c)) - value), int(c.view(np.uint32)) & 1))


def _srgb_gamma(x: np.ndarray) -> np.ndarray:
    xd = x.astype(np.float64)
    return np.where(xd <= 809 / 20000, xd / (323 / 25), ((xd + 11 / 200) / (1 + 11 / 200)) ** (12 / 5))


def _srgb_inverse_gamma(x: np.ndarray) -> np.ndarray:
    xd = x.astype(np.float64)
    return np.where(xd <= 7827 / 2500000, xd * (323 / 25), xd ** (1 / (12 / 5)) * (1 + 11 / 200) - 11 / 200)


@functools.cache
def _lab_tables() -> dict[str, np.ndarray]:
    """OpenCV's integer Lab tables (``initLabTabs``), rebuilt in NumPy with its float32/float64 steps.

    The tests check the conversion they give against ``cv2.cvtColor`` on all 2**24 colours.
    """
    f32 = np.float32
    levels = np.arange(BINS)
    gamma = np.rint(f32(2040) * _srgb_gamma(levels.astype(f32) / f32(255)).astype(f32))
    x = (f32(1) / f32(2040)) * np.arange(3072).astype(f32)
    slope, offset = Fraction(float(f32(841) / f32(108))), Fraction(float(f32(16) / f32(116)))
    f = _cv_cbrt(x)
    low = x < f32(216) / f32(24389)
    f[low] = [_round_to_float32(Fraction(float(v)) * slope + offset) for v in x[low]]  # softfloat mulAdd
    cbrt = np.rint(f32(32768) * f)
    # L -> (y, f(y)) in 14-bit fixed point.
    low_y = np.rint((levels * 16384 * 180).astype(f32) / f32(17 * 29 * 29 * 29))
    low_fy = np.rint(f32(16384) * (f32(16) / f32(116) + (levels * 5).astype(f32) / f32(3 * 17 * 29)))
    fy = (levels * 100 * 16384).astype(f32) / f32(255 * 116) + f32(16 * 16384) / f32(116)
    high_y, high_fy = np.rint(fy * fy * fy / f32(16384 * 16384)), np.rint(fy)
    y = np.where(levels <= 20, low_y, high_y)
    fy = np.where(levels <= 20, low_fy, high_fy)
    inverse = np.arange(4096).astype(f32) * (f32(1) / f32(4096))
    inverse_gamma = np.rint(f32(255) * _srgb_inverse_gamma(inverse).astype(f32))
    to_xyz = np.rint(4096 * _RGB_TO_XYZ / _D65[:, None]).astype(np.int64)
    # Small dtypes: XLA materializes lookups that feed several values, so their width is memory traffic.
    return {
        # xyz_terms[i, c, v] = gamma(v) * to_xyz[i, c]: one lookup per term, each feeding one sum.
        "xyz_terms": (to_xyz[:, :, None] * gamma.astype(np.int64)[None, None, :]).astype(np.int32),
        "cbrt": cbrt.astype(np.uint16),
        "y_fy": (y.astype(np.int64) | (fy.astype(np.int64) << 16)).astype(np.int32),
        "inverse_gamma": inverse_gamma.astype(np.uint8),
        "to_rgb": np.rint(4096 * _XYZ_TO_RGB * _D65[None, :]).astype(np.int32),
    }


def _lookup(table: np.ndarray, index: tf.Tensor) -> tf.Tensor:
    """``table[index]`` as int32 (the table keeps its own, smaller dtype until then)."""
    return tf.cast(tf.gather(tf.constant(table), index), tf.int32)


def _rgb_to_lab(rgb: tf.Tensor) -> tuple[tf.Tensor, tf.Tensor, tf.Tensor]:
    """OpenCV's ``COLOR_RGB2LAB`` for 8-bit values: int32 ``[..., 3]`` -> (L, a, b) int32 in [0, 255].

    Nine lookups of ``gamma(v) * coefficient`` rather than three of ``gamma(v)``: each feeds one sum,
    so XLA fuses them all instead of storing linear RGB (~25% faster on CPU).
    """
    t = _lab_tables()
    channels = tf.unstack(rgb, axis=-1)

    def companded(row):  # f(X), f(Y) or f(Z) in 15-bit fixed point
        total = sum(_lookup(t["xyz_terms"][row, c], channels[c]) for c in range(3))
        return _lookup(t["cbrt"], tf.bitwise.right_shift(total + 2048, 12))

    fx, fy, fz = companded(0), companded(1), companded(2)
    lightness = tf.bitwise.right_shift(296 * fy - 1320550, 15)
    a = tf.bitwise.right_shift(500 * (fx - fy) + 4210688, 15)
    b = tf.bitwise.right_shift(200 * (fy - fz) + 4210688, 15)
    return tuple(tf.clip_by_value(v, 0, _MAX_LEVEL) for v in (lightness, a, b))


def _xz_from_f(f: tf.Tensor) -> tf.Tensor:
    """OpenCV's ``abToXZ_b``: f(t) in 14-bit fixed point -> t (inverse of the Lab companding).

    The low branch is C's truncating ``f * 108 / 841``, done in float32 (no vector integer division):
    ``|f * 108| < 2**20``, and the half offset keeps the quotient >= 0.0006 from any integer, far more
    than float32's error there (< 2e-4).
    """
    n = f * 108
    half = tf.where(n >= 0, 0.5, -0.5)
    low = tf.cast((tf.cast(n, tf.float32) + half) * (1.0 / 841.0), tf.int32) - 290
    high = tf.bitwise.right_shift(tf.bitwise.right_shift(f * f, 14) * f, 14)  # f > 3390 here
    return tf.where(f <= 3390, low, high)


def _lab_to_rgb(lightness: tf.Tensor, a: tf.Tensor, b: tf.Tensor) -> tf.Tensor:
    """OpenCV's ``COLOR_LAB2RGB`` for 8-bit values (``Lab2RGBinteger``): int32 -> RGB int32 ``[..., 3]``."""
    red, green, blue = _lab_to_rgb_channels(lightness, a, b)
    return tf.stack([red, green, blue], axis=-1)


def _lab_to_rgb_channels(lightness: tf.Tensor, a: tf.Tensor, b: tf.Tensor) -> list[tf.Tensor]:
    t = _lab_tables()
    y_fy = _lookup(t["y_fy"], lightness)
    y = tf.bitwise.bitwise_and(y_fy, 0xFFFF)
    fy = tf.bitwise.right_shift(y_fy, 16)
    a_term = tf.bitwise.right_shift(a * 268435 + 128, 13) - 4194
    b_term = tf.bitwise.right_shift(b * 41943 + 16, 9) - 10484
    x, z = _xz_from_f(fy + a_term), _xz_from_f(fy - b_term)
    # Stored: inside one XLA program the three channels' lookups each got a loop recomputing X and Z.
    x, y, z = materialize((x, y, z))
    m = t["to_rgb"]
    return [
        _lookup(
            t["inverse_gamma"],
            tf.clip_by_value(
                tf.bitwise.right_shift(x * m[i, 0] + y * m[i, 1] + z * m[i, 2] + 8192, 14), 0, 4095
            ),
        )
        for i in range(3)
    ]


def _stage_levels(images_or_levels: tf.Tensor, value_range) -> tf.Tensor:
    """Gray images ``[B, H, W, 1]`` (any dtype) or uint8 lightness ``[B, H, W]`` as int32 levels."""
    if images_or_levels.shape.rank == 4:
        return _to_levels(images_or_levels, value_range)[..., 0]
    return tf.cast(images_or_levels, tf.int32)


def _tables_stage(images_or_levels, clip_limit, *, tiles_x, tiles_y, value_range):
    return _clahe_tables(_stage_levels(images_or_levels, value_range), clip_limit, tiles_x, tiles_y)


def _words_stage(images_or_levels, packed, *, tiles_x, tiles_y, value_range):
    """Each pixel's 4 neighbouring LUT values, packed (one gather per pixel)."""
    levels = _stage_levels(images_or_levels, value_range)
    return _interpolation_words(levels, packed, tiles_x, tiles_y)


def _gray_output_stage(images, words, *, tiles_x, tiles_y, value_range):
    out = _blend_words(words, tiles_x, tiles_y)[..., tf.newaxis]
    return _from_levels(out, images.dtype, value_range)


def _rgb_lab_stage(images, *, value_range):
    """L (uint8) and ``a | b << 8`` (uint16) of every pixel."""
    lightness, a, b = _rgb_to_lab(_to_levels(images, value_range))
    return tf.cast(lightness, tf.uint8), tf.cast(a | tf.bitwise.left_shift(b, 8), tf.uint16)


def _rgb_lightness_stage(words, *, tiles_x, tiles_y):
    """Equalized L of every pixel (uint8)."""
    return tf.cast(_blend_words(words, tiles_x, tiles_y), tf.uint8)


def _rgb_convert_stage(lightness, ab):
    """Lab -> RGB, one int32 ``r | g << 8 | b << 16`` per pixel.

    Packing the pixel into one word keeps XLA converting once per pixel (a ``[..., 3]`` output would
    make it redo the conversion for every channel).
    """
    ab = tf.cast(ab, tf.int32)
    a, b = tf.bitwise.bitwise_and(ab, 0xFF), tf.bitwise.right_shift(ab, 8)
    red, green, blue = _lab_to_rgb_channels(tf.cast(lightness, tf.int32), a, b)
    return red | tf.bitwise.left_shift(green, 8) | tf.bitwise.left_shift(blue, 16)


def _rgb_output_stage(images, rgb, *, value_range):
    """Unpack the ``r | g << 8 | b << 16`` words (little-endian bytes) into the images' dtype."""
    levels = tf.cast(tf.bitcast(rgb, tf.uint8)[..., :3], tf.int32)
    return _from_levels(levels, images.dtype, value_range)


def _clahe_batch(images, clip_limit, tiles_x: int, tiles_y: int, value_range) -> tf.Tensor:
    """CLAHE of ``[B, H, W, 1 or 3]`` images as XLA units.

    Gray: LUTs | per-pixel gather | blend. RGB: Lab | LUTs | gather | blend | Lab -> RGB | unpack. As
    one program XLA:CPU runs this 1.3-2x slower: table lookups keep whole fused loops scalar, lookups
    feeding several values are stored at full width, and an RGB output makes it redo the per-pixel work
    for each channel. Separate units keep each loop short and the stored intermediates 1-2 bytes; inside
    a caller's XLA program :func:`~keras_aug.ops.xla.stored_unit` keeps those boundaries.
    """
    deep = _deep_levels(images.dtype, value_range, images.shape[-1])
    if deep is not None:
        low, bins = deep
        stage = xla_unit(_deep_stage, tiles_x=tiles_x, tiles_y=tiles_y, low=low, bins=bins)
        return stage(images, clip_limit)
    grid = {"tiles_x": tiles_x, "tiles_y": tiles_y}
    static = {**grid, "value_range": value_range}
    if images.shape[-1] == 1:
        levels = images
    else:
        levels, ab = stored_unit(_rgb_lab_stage, value_range=value_range)(images)
    packed = stored_unit(_tables_stage, **static)(levels, clip_limit)
    words = stored_unit(_words_stage, **static)(levels, packed)
    if images.shape[-1] == 1:
        return xla_unit(_gray_output_stage, **static)(images, words)
    lightness = stored_unit(_rgb_lightness_stage, **grid)(words)
    rgb = stored_unit(_rgb_convert_stage)(lightness, ab)
    return xla_unit(_rgb_output_stage, value_range=value_range)(images, rgb)


# ------------------------------------------------------------------------------------------------
# Full-depth CLAHE (uint16 / int16 gray): up to 65536 levels, OpenCV's CV_16U algorithm
# ------------------------------------------------------------------------------------------------

# Levels scanned per tile when an image's top level lies below them (the bins above hold no pixel and no
# pixel looks them up, so their LUT entries are never needed); the last extent is always all levels.
_DEEP_EXTENTS = (4096, 16384)


def _deep_levels(dtype: tf.DType, value_range: tuple[float, float], channels) -> tuple[int, int] | None:
    """``(low, bins)`` for the full-depth path (16-bit gray images), ``None`` for the 256-level path.

    The levels are the integers of ``value_range``: ``bins = high - low + 1`` (65536 for uint16's full
    range, as OpenCV's ``histSize`` for ``CV_16U``; 4096 for ``(0, 4095)``).
    """
    if dtype not in _DEEP_DTYPES or channels != 1:
        return None
    low, high = value_range
    if not (low.is_integer() and high.is_integer() and dtype.min <= low and high <= dtype.max):
        raise ValueError(
            f"`value_range` of {dtype.name} images must hold integers within the dtype's range "
            f"[{dtype.min}, {dtype.max}], got {value_range!r}."
        )
    return int(low), int(high - low) + 1


def _deep_extents(bins: int) -> list[int]:
    """The level counts a tile's LUT may be computed over (multiples of 256, the last covering ``bins``)."""
    full = -(-bins // 256) * 256
    return sorted({min(extent, full) for extent in _DEEP_EXTENTS} | {full})


def _deep_position(levels: tf.Tensor, blocks: int) -> tf.Tensor:
    """Where level ``v`` sits in a tile's ``[16, 16, blocks]`` table: ``[v % 16, v // 16 % 16, v // 256]``.

    With the lowest 4 bits on the major axis, the running sum over every 16 consecutive levels is a
    scan along the major axis, which XLA:CPU runs over whole contiguous rows (measured ~3x faster than
    the same scan along the minor axis).
    """
    low = tf.bitwise.bitwise_and(levels, 15)
    middle = tf.bitwise.bitwise_and(tf.bitwise.right_shift(levels, 4), 15)
    return (low * 16 + middle) * blocks + tf.bitwise.right_shift(levels, 8)


def _deep_tile_lut(tile: tf.Tensor, limit: tf.Tensor, area, bins: int, extent: int) -> tf.Tensor:
    """One tile's LUT (uint16 ``[extent]``, in :func:`_deep_position` order) from its levels ``[h, w]``.

    OpenCV's ``CLAHE_CalcLut_Body`` with ``histSize = bins``: the histogram clipped at ``limit``, the
    excess spread as ``excess // bins`` per bin plus one more for each of bins ``0, step, 2 * step,
    ...`` (``residual`` of them, ``step = max(bins // residual, 1)``), whose running sums are closed forms
    in ``v``; LUT ``= cvRound(float32(cdf) * ((bins - 1) / area))``. The cdf runs as three scans: within
    16 levels, within 256, across blocks of 256.
    """
    blocks = extent // 256
    ids = _deep_position(tf.reshape(tile, [-1]), blocks)
    hist = tf.math.unsorted_segment_sum(tf.ones_like(ids), ids, extent)
    clipped = tf.minimum(tf.reshape(hist, [16, 16, blocks]), limit)
    within_16 = tf.cumsum(clipped, axis=0)  # [v % 16, v // 16 % 16, v // 256]
    sums_16 = within_16[15]
    within_256 = tf.cumsum(sums_16, axis=0, exclusive=True)  # [v // 16 % 16, v // 256]
    sums_256 = tf.reduce_sum(sums_16, axis=0)
    below = tf.cumsum(sums_256, exclusive=True) + within_256  # everything below the level's 16-group
    excess = area - tf.reduce_sum(sums_256)
    per_bin = excess // bins
    residual = excess - per_bin * bins
    step = tf.maximum(bins // tf.maximum(residual, 1), 1)
    level = np.arange(extent).reshape(blocks, 16, 16).transpose(2, 1, 0).astype(np.float32)
    as_float = functools.partial(tf.cast, dtype=tf.float32)
    # Running count of the redistributed excess: per_bin * (v + 1) + min(v // step + 1, residual).
    # float32 holds these integers exactly (tiles under 2**24 pixels). v // step as floor((v + 0.5) /
    # step): the quotient is >= 0.5 / step away from any integer, more than float32's error for v < 2**17
    # even if the division became a multiplication by 1 / step (checked for every v and step in NumPy).
    spread = as_float(per_bin) * (level + 1.0) + tf.minimum(
        tf.floor((level + 0.5) / as_float(step)) + 1.0, as_float(residual)
    )
    cdf = as_float(within_16 + below[None]) + spread
    scale = tf.constant(float(bins - 1), tf.float32) / tf.cast(area, tf.float32)
    lut = tf.clip_by_value(tf.round(cdf * scale), 0.0, float(bins - 1))
    return tf.reshape(tf.cast(lut, tf.uint16), [extent])


def _deep_blend(words: tf.Tensor, tiles_x: int, tiles_y: int, bins: int) -> tf.Tensor:
    """OpenCV's float32 bilinear blend of 16-bit LUT values ``[H, W, 4]``, rounded, as int32 ``[H, W]``.

    A 16-bit value times a float32 weight needs up to 40 bits, so the split weights of the 8-bit blend
    do not apply: every product is taken exactly in float64 and rounded to float32 once
    (:func:`_rounded_product`; the first in units of ``2**-30``, the second of ``2**-60``), so XLA
    cannot fuse a multiply-add into an FMA that OpenCV does not do.
    """
    height, width = _spatial_size(words[None])
    tile_h, tile_w = _tile_shape(height, width, tiles_x, tiles_y)
    _, wy, wy1 = (v[:, None] for v in _axis_weights(height, tile_h))
    _, wx, wx1 = (v[None, :] for v in _axis_weights(width, tile_w))
    top_left, top_right, bottom_left, bottom_right = tf.unstack(tf.cast(words, tf.int32), axis=-1)
    top = _rounded_product(top_left, wx1) + _rounded_product(top_right, wx)
    bottom = _rounded_product(bottom_left, wx1) + _rounded_product(bottom_right, wx)
    result = _rounded_product(top, wy1) + _rounded_product(bottom, wy)
    result = result * tf.constant(2.0 ** (-2 * _FIXED_BITS), tf.float32)
    return tf.cast(tf.clip_by_value(tf.round(result), 0.0, float(bins - 1)), tf.int32)


def _deep_image(levels: tf.Tensor, clip_limit, tiles_x: int, tiles_y: int, bins: int, extent: int):
    """CLAHE of one image's levels ``[H, W]`` (int32 in ``[0, bins)``, all below ``extent``): uint16 ``[H, W]``.

    The tiles' LUTs are computed one tile at a time (a while loop): each 65536-bin histogram and its
    scans stay in cache (256 KiB), which ran ~3x faster under XLA:CPU than the image's 16 MiB at once.
    Then each pixel gathers its 4 neighbouring tiles' LUT values and blends them.
    """
    height, width = _spatial_size(levels[None])
    tile_h, tile_w = _tile_shape(height, width, tiles_x, tiles_y)
    padded_h, padded_w = tile_h * tiles_y, tile_w * tiles_x
    padded = levels
    if not (isinstance(height, int) and isinstance(width, int) and (padded_h, padded_w) == (height, width)):
        padded = tf.gather(padded, _reflect_101(tf.range(padded_h), height), axis=0)
        padded = tf.gather(padded, _reflect_101(tf.range(padded_w), width), axis=1)
    area = tile_h * tile_w
    limit = _clip_limit_counts(clip_limit, area, bins)
    num_tiles = tiles_x * tiles_y

    def tile_lut(k, luts):
        corner = tf.stack([k // tiles_x * tile_h, k % tiles_x * tile_w])
        tile = tf.slice(padded, corner, tf.stack([tile_h, tile_w]))
        return k + 1, luts.write(k, _deep_tile_lut(tile, limit, area, bins, extent))

    luts = tf.TensorArray(tf.uint16, size=num_tiles, element_shape=[extent])
    _, luts = tf.while_loop(lambda k, _: k < num_tiles, tile_lut, [tf.constant(0), luts])
    luts = tf.reshape(luts.stack(), [-1])

    cell_y = _axis_weights(height, tile_h)[0]
    cell_x = _axis_weights(width, tile_w)[0]
    top, bottom = tf.maximum(cell_y - 1, 0), tf.minimum(cell_y, tiles_y - 1)
    left, right = tf.maximum(cell_x - 1, 0), tf.minimum(cell_x, tiles_x - 1)
    position = _deep_position(levels, extent // 256)

    def lookup(rows, cols):
        # Row offsets first: a per-pixel offset map would be folded into an [H, W] constant.
        return tf.gather(luts, (position + (rows * tiles_x * extent)[:, None]) + (cols * extent)[None, :])

    words = tf.stack([lookup(top, left), lookup(top, right), lookup(bottom, left), lookup(bottom, right)], -1)
    return tf.cast(_deep_blend(words, tiles_x, tiles_y, bins), tf.uint16)


def _deep_stage(images, clip_limit, *, tiles_x, tiles_y, low, bins):
    """CLAHE of ``[B, H, W, 1]`` 16-bit images, one image at a time (memory bounded by one image's LUTs).

    Each image scans only the levels up to the smallest extent above its top level (exact: the bins
    above hold none of its pixels, so nothing reads their LUT entries), e.g. 4096 for 12-bit data.
    """
    extents = _deep_extents(bins)
    batch = tf.shape(images)[0]

    def one_image(i, outputs):
        # A gather, not a slice: XLA compiles the body even for an empty batch.
        image, clip = tf.gather(images, i)[..., 0], tf.gather(clip_limit, i)
        levels = tf.clip_by_value(tf.cast(image, tf.int32) - low, 0, bins - 1)
        branches = [
            functools.partial(_deep_image, levels, clip, tiles_x, tiles_y, bins, extent) for extent in extents
        ]
        if len(branches) == 1:
            out = branches[0]()
        else:
            top = tf.reduce_max(levels)
            out = tf.switch_case(tf.add_n([tf.cast(top >= e, tf.int32) for e in extents[:-1]]), branches)
        return i + 1, outputs.write(i, out)

    outputs = tf.TensorArray(tf.uint16, size=batch, element_shape=images.shape[1:3])
    _, outputs = tf.while_loop(lambda i, _: i < batch, one_image, [tf.constant(0), outputs])
    out = tf.cast(tf.cast(outputs.stack(), tf.int32) + low, images.dtype)
    return tf.reshape(out, tf.shape(images))  # also restores the static shape


# ------------------------------------------------------------------------------------------------
# Public ops
# ------------------------------------------------------------------------------------------------


def clahe(
    images,
    clip_limit=4.0,
    tile_grid_size: int | tuple[int, int] = (8, 8),
    value_range: ValueRange | None = None,
) -> tf.Tensor:
    """Contrast Limited Adaptive Histogram Equalization, bit-exact with OpenCV's ``createCLAHE().apply``.

    Gray images (1 channel) are equalized directly. RGB images (3 channels) are converted to Lab with
    OpenCV's 8-bit integer tables, L is equalized and the result converted back, exactly as
    albumentations' ``CLAHE`` does. Each tile's 256-bin histogram is clipped at
    ``max(int(clip_limit * tile_area / 256), 1)`` (``clip_limit <= 0``: no clipping), the excess spread
    over all bins (OpenCV's residual step included), and every pixel blends its 4 nearest tiles' LUTs
    bilinearly. Sizes that do not divide by the grid are padded bottom/right (reflect-101) for the
    histograms only, as OpenCV does.

    16-bit gray images (uint16, int16) keep their depth: each integer of ``value_range`` is a level,
    ``bins = high - low + 1`` of them. With uint16's full range (the default) that is OpenCV's algorithm
    for ``CV_16U`` bit for bit: 65536-bin histograms, limit ``max(int(clip_limit * tile_area / 65536),
    1)``, LUT ``cvRound(cdf * (65535.0f / tile_area))``, the float32 blend rounded to 16 bits. For 12-bit
    data stored in uint16, pass ``value_range=(0, 4095)``: the same algorithm with 4096 levels (what
    OpenCV would do with ``histSize=4096``; OpenCV itself always uses 65536 bins for 16-bit input, whose
    clip limit is then 16x smaller relative to the data and whose output spreads to 0-65535). The output
    stays in ``value_range``; values outside it are clipped to it first. RGB images of any dtype are
    equalized on L of OpenCV's 8-bit Lab, so 256 levels.

    Args:
        images: ``[B, H, W, C]`` or ``[H, W, C]`` with ``C`` 1 or 3; uint8 is used as is, gray uint16 and
            int16 at full depth, other dtypes are binned to 256 levels over ``value_range``; the result
            has the input's dtype.
        clip_limit: OpenCV's ``clipLimit``: a number >= 0 (0: no clipping), or a ``[B]`` tensor with one
            value per sample. NaN, infinite or negative Python/NumPy values raise ``ValueError``; tensor
            values cannot be checked under XLA (negative ones also mean no clipping).
        tile_grid_size: OpenCV's ``tileGridSize``: ``(tiles along x, tiles along y)``, or one int.
        value_range: ``(low, high)`` of the input values; default ``None``: the dtype's range for 8/16-bit
            integers (integers within it are required for uint16 and int16), ``(0, 255)`` for floats and
            wider integers; pass ``(0, 1)`` for floats in [0, 1].

    Memory: 8-bit levels: transient buffers of about 12 bytes per pixel for gray images (int32 histogram
    bin ids and counts for the scatter, one int32 of packed neighbouring LUT values per pixel) and about
    35 for RGB (Lab and its table lookups on top), plus the packed LUTs, ``(tiles_x + 1) * (tiles_y +
    1)`` KiB per image (81 KiB for an 8x8 grid). 16-bit: the images are processed one at a time, one
    tile's histogram at a time, never a one-hot: the image's LUTs (``tiles * bins`` uint16, 8 MiB for
    8x8 tiles and 65536 bins, 0.5 MiB for 4096), one tile's int32 histogram and scans (~1.5 MiB) and the
    image's per-pixel lookups (~8 bytes per pixel). A batch of 32 uint16 images of 512x512 (16 MiB)
    needs about 20 MiB of temporaries besides its input and output; 8 such images about 13 MiB.

    Speed (16-bit): each image only scans the levels up to its largest value (in steps of 4096, 16384,
    all), so 12-bit data in uint16 runs about as fast as OpenCV; full-range 16-bit data about 4x slower.

    Returns:
        The equalized images, same shape and dtype as ``images``.

    Example:
    >>> gray = tf.cast(tf.reshape(tf.range(64) * 2, [1, 8, 8, 1]), tf.uint8)
    >>> clahe(gray, clip_limit=2.0, tile_grid_size=(2, 2)).shape
    TensorShape([1, 8, 8, 1])
    """
    tiles_x, tiles_y = check_tile_grid_size(tile_grid_size)
    images, single = to_batch(images)
    _check_channels(images, (1, 3), "clahe")
    value_range = _check_value_range(value_range, images.dtype)
    clip = _check_clip_limit(clip_limit, tf.shape(images)[:1])
    return from_batch(_clahe_batch(images, clip, tiles_x, tiles_y, value_range), single)


def _channel_histograms(levels: tf.Tensor, bins: int = BINS) -> tf.Tensor:
    """``bins``-bin histograms ``[B, C, bins]`` of int32 levels ``[B, H, W, C]``.

    One scatter per channel: a whole RGB batch's int32 bin ids and counts (38.5 MB at 32 × 224² × 3) were
    above glibc's 32 MB mmap threshold, so every call mapped and faulted them in afresh (2.3x slower).
    """
    channels = levels.shape[-1]
    if channels is not None and channels > 1:
        return tf.concat([_channel_histograms(levels[..., c : c + 1], bins) for c in range(channels)], axis=1)
    shape = tf.shape(levels)
    batch, channels = shape[0], shape[3]
    offset = (tf.range(batch)[:, None] * channels + tf.range(channels)[None, :]) * bins
    ids = levels + offset[:, None, None, :]
    counts = tf.math.unsorted_segment_sum(tf.ones_like(ids), ids, batch * channels * bins)
    return tf.reshape(counts, [batch, channels, bins])


def _equalize_luts_cv(hist: tf.Tensor, total: tf.Tensor) -> tf.Tensor:
    """``cv2.equalizeHist``: ``round((cdf - first_count) * (bins - 1) / (total - first_count))``."""
    bins = hist.shape[-1]
    first = tf.argmax(tf.cast(hist > 0, tf.int32), axis=-1, output_type=tf.int32)
    first_count = tf.gather(hist, first, batch_dims=2)[..., None]
    rest = tf.cast(total - first_count, tf.float32)
    scale = tf.constant(float(bins - 1), tf.float32) / tf.maximum(rest, 1.0)
    lut = tf.round(tf.cast(_prefix_sums(hist) - first_count, tf.float32) * scale)
    lut = tf.cast(tf.clip_by_value(lut, 0.0, float(bins - 1)), tf.int32)
    return tf.where(rest > 0.0, lut, tf.range(bins))  # one level only: unchanged


def _equalize_luts_pil(hist: tf.Tensor, total: tf.Tensor) -> tf.Tensor:
    """``PIL.ImageOps.equalize``: ``(step // 2 + count below) // step``, ``step = (total - last_count) // (bins - 1)``."""
    bins = hist.shape[-1]
    last = bins - 1 - tf.argmax(tf.cast(hist[..., ::-1] > 0, tf.int32), axis=-1, output_type=tf.int32)
    last_count = tf.gather(hist, last, batch_dims=2)[..., None]
    step = (total - last_count) // (bins - 1)
    below = _prefix_sums(hist, exclusive=True)
    lut = tf.minimum((step // 2 + below) // tf.maximum(step, 1), bins - 1)
    return tf.where(step > 0, lut, tf.range(bins))  # step == 0 also covers one level only


def _equalize_levels(levels: tf.Tensor, mode: str, bins: int = BINS) -> tf.Tensor:
    hist = _channel_histograms(levels, bins)
    shape = tf.shape(levels)
    total = shape[1] * shape[2]
    luts = _equalize_luts_cv(hist, total) if mode == "cv" else _equalize_luts_pil(hist, total)
    luts = materialize(luts)  # fused, the cumulative sums and divisions ran once per pixel
    offset = (tf.range(shape[0])[:, None] * shape[3] + tf.range(shape[3])[None, :]) * bins
    return tf.gather(tf.reshape(luts, [-1]), levels + offset[:, None, None, :])


def _equalize_stage(images, *, mode, value_range, bins=BINS):
    levels = _equalize_levels(_to_levels(images, value_range, bins), mode, bins)
    return _from_levels(levels, images.dtype, value_range, bins)


def equalize(
    images, bins: int = BINS, *, mode: str = "cv", value_range: ValueRange | None = None
) -> tf.Tensor:
    """Global histogram equalization of each channel of each image (``tfa.image.equalize(image, bins)``).

    Two rounding conventions, both exact:

    - ``mode="cv"`` (default): ``cv2.equalizeHist`` (albumentations' ``Equalize``): the lowest level
      present maps to 0 and level ``v`` to ``round((cdf(v) - cdf(lowest)) * 255 / (pixels -
      count(lowest)))``, rounded half to even in float32.
    - ``mode="pil"``: ``PIL.ImageOps.equalize`` (also ``tfa.image.equalize`` and torchvision):
      ``(step // 2 + pixels below v) // step`` with ``step = (pixels - count(highest)) // 255``. It
      leaves images whose ``step`` is 0 unchanged and maps the highest level to about 255 rather than
      exactly 255.

    Args:
        images: ``[B, H, W, C]``, ``[H, W, C]`` or ``[H, W]`` (also of unknown rank), any channel count;
            uint8 is used as is, other dtypes are binned to ``bins`` levels over ``value_range``
            (default ``None``: the dtype's range for 8/16-bit integers, ``(0, 255)`` for floats and wider
            integers; pass ``(0, 1)`` for floats in [0, 1]) and returned in their own dtype.
        bins: the number of histogram levels ``value_range`` is quantized to (tfa's ``bins``; 255 above
            becomes ``bins - 1``). With 256, uint8 levels are the pixel values themselves.
        mode: ``"cv"`` or ``"pil"`` (keyword only).
        value_range: ``(low, high)`` of non-uint8 inputs (keyword only).

    Memory: int32 levels (4 bytes per value) and ``B * C * bins`` int32 histogram bins.

    Example:
    >>> image = tf.constant([[[10], [10], [20], [30]]], tf.uint8)
    >>> equalize(image).numpy().ravel().tolist()
    [0, 0, 128, 255]
    """
    if isinstance(bins, str):
        raise TypeError(
            f"`bins` (equalize's second argument, as in tfa) must be an int; pass mode={bins!r} by name."
        )
    bins = check_number(bins, "bins", 2, 2**24, integer=True)
    mode = check_choice("mode", mode, ("cv", "pil"))
    images, rank = to_4d(images)
    if not isinstance(rank, tf.Tensor):  # an unknown rank (tfa's TensorSpec(None)) has unknown channels
        _check_channels(images, None, "equalize")
    value_range = _check_value_range(value_range, images.dtype)
    stage = xla_unit(_equalize_stage, mode=mode, value_range=value_range, bins=bins)
    return from_4d(stage(images), rank)
