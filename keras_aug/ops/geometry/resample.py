"""The reference resampler: read images at arbitrary input coordinates, TF's projective kernel's rules.

Every pixel is gathered on its own (bounds-checked taps, float arithmetic), with
``ImageProjectiveTransformV3``'s conventions: bilinear or nearest (round half away from zero)
interpolation, the fill modes of :func:`map_coordinates_to_range`, and the kernel's float order for
projective coordinates. Slow but general (unknown shapes, any dtype, any map); the fast engines in
:mod:`keras_aug.ops.geometry.engines` are checked against it.
"""

from __future__ import annotations

import tensorflow as tf

from keras_aug.ops import _utils
from keras_aug.ops._utils import FILL_MODES, INTERPOLATIONS
from keras_aug.ops.geometry.matrices import _check_transforms


def _trunc(x: tf.Tensor) -> tf.Tensor:
    return tf.where(x < 0.0, tf.math.ceil(x), tf.math.floor(x))


def _round_half_away(x: tf.Tensor) -> tf.Tensor:
    """``std::round``: halves go away from zero (``tf.round`` rounds half to even)."""
    whole = _trunc(x)
    return whole + tf.where(tf.abs(x - whole) >= 0.5, tf.sign(x), 0.0)


def map_coordinates_to_range(coords: tf.Tensor, length, fill_mode: str) -> tf.Tensor:
    """Fold input coordinates along an axis of ``length`` pixels into the image, for ``fill_mode``.

    - ``"constant"``: clamped to ``[-1, length]``, so every outside coordinate stays outside (one pixel
      out is as far as a tap needs to go to read the fill value).
    - ``"reflect"``: ``d c b a | a b c d | d c b a`` (the edge pixel repeats).
    - ``"wrap"``: periodic with period ``length``, like ``np.roll`` and scipy's ``"grid-wrap"`` (tfa's
      documented ``a b c d | a b c d``); the seam sits half a pixel past each edge, so nearest sampling
      reads the pixel that is nearest modulo ``length``. TF's kernel instead divides by ``length - 1``:
      it reads the far edge within half a pixel of the image and stops being periodic past one length.
    - ``"nearest"``: clamped to the edge pixel.

    ``length`` may be a Python int (the fast engines) or a tensor (the reference resampler).

    Example:
    >>> map_coordinates_to_range(tf.constant([-1.0, 4.0]), 4, "reflect").numpy().tolist()
    [0.0, 3.0]
    >>> map_coordinates_to_range(tf.constant([-1.0, 4.0, 9.0]), 4, "wrap").numpy().tolist()
    [3.0, 0.0, 1.0]
    """
    fill_mode = _utils.check_choice("fill_mode", fill_mode, FILL_MODES)
    static = tf.get_static_value(length)
    size = float(static) if static is not None else tf.cast(length, tf.float32)
    if fill_mode == "constant":
        return tf.clip_by_value(coords, -1.0, size)
    if static is not None and static <= 1:
        return tf.zeros_like(coords)
    if fill_mode == "reflect":
        period = 2.0 * size
        coords = coords - period * tf.floor(coords / period)
        coords = tf.where(coords >= size, period - 1.0 - coords, coords)
    elif fill_mode == "wrap":
        coords = coords - size * tf.floor((coords + 0.5) / size)
    coords = tf.clip_by_value(coords, 0.0, size - 1.0)
    if static is None:
        coords = tf.where(size <= 1.0, tf.zeros_like(coords), coords)
    return coords


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


def _resample_projective(images, transforms, interpolation, fill_mode, fill_value, size=None):
    """Warp ``[B, H, W, C]`` images by checked ``[B, 8]`` transforms to ``size`` (default: the input's)."""
    shape = tf.shape(images)
    out_h, out_w = (shape[1], shape[2]) if size is None else size
    x, y, valid = projective_coordinates(transforms, out_h, out_w)
    fill = _fill_value_for(images.dtype, fill_value)
    out = _sample_batch(images, x, y, interpolation, fill_mode, fill)
    return tf.where(valid[..., tf.newaxis], out, tf.cast(fill, out.dtype))


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


def gather_rows_cols(images: tf.Tensor, rows: tf.Tensor, cols: tf.Tensor) -> tf.Tensor:
    """``images[b, rows[b, i], cols[b, j]]`` ``[B, h, w, ...]`` for rows ``[B, h]`` and columns ``[B, w]``:
    whole rows, then :func:`gather_cols` of them.

    Example:
    >>> img = tf.reshape(tf.range(9), [1, 3, 3])
    >>> gather_rows_cols(img, tf.constant([[2, 0]]), tf.constant([[1]]))[0].numpy().tolist()
    [[7], [1]]
    """
    return gather_cols(tf.gather(images, rows, axis=1, batch_dims=1), cols)


def gather_cols_rows(images: tf.Tensor, rows: tf.Tensor, cols: tf.Tensor) -> tf.Tensor:
    """:func:`gather_rows_cols` columns first, as rows of the transposed ``images``, so that both gathers
    copy whole contiguous rows. Inside one program XLA:CPU emits :func:`gather_cols` feeding another op
    as a loop over a flat index (3.5x slower than the same gather as a program's result); two
    transposes cost less (BENCHMARKS.md, "Translation and pad-crop fixed").

    Example:
    >>> img = tf.reshape(tf.range(9), [1, 3, 3])
    >>> gather_cols_rows(img, tf.constant([[2, 0]]), tf.constant([[1]]))[0].numpy().tolist()
    [[7], [1]]
    """
    order = [0, 2, 1, *range(3, images.shape.rank)]
    columns = tf.gather(tf.transpose(images, order), cols, axis=1, batch_dims=1)
    return tf.gather(tf.transpose(columns, order), rows, axis=1, batch_dims=1)


def gather_cols(values: tf.Tensor, cols: tf.Tensor) -> tf.Tensor:
    """``values[b, i, cols[b, j]]`` ``[B, h, w, ...]`` for ``values`` ``[B, h, W, ...]`` and ``cols`` ``[B, w]``.

    A gather along axis 1 of the ``[B * h, W, ...]`` rows: gathering along axis 2 instead, XLA:CPU
    writes a transposed result inside one program and copies it back (a crop ran 4x slower).

    Example:
    >>> gather_cols(tf.constant([[[1, 2, 3]]]), tf.constant([[2, 0]])).numpy().tolist()
    [[[3, 1]]]
    """
    shape = tf.shape(values)
    flat = tf.reshape(values, tf.concat([[-1], shape[2:]], 0))
    picked = tf.gather(flat, tf.repeat(cols, shape[1], axis=0), axis=1, batch_dims=1)
    picked = tf.reshape(picked, tf.concat([shape[:2], tf.shape(cols)[1:], shape[3:]], 0))
    picked.set_shape(values.shape[:2].concatenate(cols.shape[1:2]).concatenate(values.shape[3:]))
    return picked
