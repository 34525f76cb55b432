"""Elastic distortion (Simard et al., 2003): smoothed random displacement fields and the remap by them.

The displacement of every pixel, in pixels, along x and along y is

    alpha * (G_sigma * U)(y, x),    U ~ uniform(-1, 1) i.i.d. per pixel,

with ``G_sigma`` the normalized Gaussian of standard deviation ``sigma`` pixels truncated at
``round(4 sigma)`` (``scipy.ndimage.gaussian_filter``'s kernel). Each component has mean 0 and standard
deviation ``alpha * sqrt(sum(G**2) / 3) ~= 0.163 * alpha / sigma`` pixels (e.g. Simard's ``alpha=34,
sigma=4``: about 1.4 px), and is correlated over a few ``sigma``.

The noise is drawn with a margin around the image, so the field is as random at the border as in the
middle. For ``sigma >= 2`` it is drawn on a lattice of stride ``s = floor(sigma)`` with weights scaled by
``sqrt(s)`` per axis: that field has the same covariance to within 0.1% (the lattice ripple of a
Gaussian sampled at spacing ``sigma`` is ``~exp(-pi**2)``) at ``1 / s**2`` of the noise and ``1 / s`` of
the filtering. Smoothing is separable and evaluated per phase of the lattice, so it costs about
``2 * ceil(4 sigma / s) + 2`` multiply-adds per pixel and axis whatever ``sigma``.
"""

from __future__ import annotations

import functools
import math

import numpy as np
import tensorflow as tf

from keras_aug.ops import _utils
from keras_aug.ops import random as krandom
from keras_aug.ops.geometry import remap
from keras_aug.ops.geometry.engines import remap_rows
from keras_aug.ops.xla import materialize, xla_unit
from keras_aug.validation import check_number, check_values


def _check_sigma(sigma) -> float:
    """A Python number (it fixes the kernel size), finite and > 0."""
    return check_number(sigma, "sigma", 0.0, low_open=True)


def lattice_stride(sigma: float) -> int:
    """Spacing, in pixels, of the noise lattice used for ``sigma`` (1 means one noise value per pixel).

    Example:
    >>> lattice_stride(1.5), lattice_stride(4.0)
    (1, 4)
    """
    return max(1, math.floor(_check_sigma(sigma)))


def _lattice_weights(sigma: float, stride: int) -> tuple[np.ndarray, int]:
    """``weights[k, t]``: the weight of lattice point ``q + k`` in output pixel ``q * stride + t``.

    Lattice point ``i`` sits at pixel ``i * stride - margin``; returns ``(weights, margin)``.
    """
    radius = int(4.0 * sigma + 0.5)
    offsets = np.arange(-radius, radius + 1, dtype=np.float64)
    norm = np.exp(-(offsets**2) / (2.0 * sigma**2)).sum()
    margin = stride * -(-radius // stride)
    taps = (stride - 1 + margin + radius) // stride + 1
    distance = np.arange(stride)[None, :] + margin - stride * np.arange(taps)[:, None]
    weights = np.exp(-(distance**2) / (2.0 * sigma**2)) / norm * math.sqrt(stride)
    weights[np.abs(distance) > radius] = 0.0
    return weights.astype(np.float32), margin


def _smooth_last_axis(values: tf.Tensor, weights: np.ndarray, length) -> tf.Tensor:
    """Polyphase filter of the lattice along the last axis: ``[..., n] -> [..., length]``."""
    taps, stride = weights.shape
    blocks = -(-length // stride)
    out = 0.0
    for k in range(taps):
        out += values[..., k : k + blocks, tf.newaxis] * weights[k]
    shape = tf.concat([tf.shape(out)[:-2], [blocks * stride]], 0)
    return tf.reshape(out, shape)[..., :length]


def _smooth_second_last_axis(values: tf.Tensor, weights: np.ndarray, length) -> tf.Tensor:
    """Polyphase filter along axis -2: ``[..., n, w] -> [..., length, w]``."""
    taps, stride = weights.shape
    blocks = -(-length // stride)
    out = 0.0
    for k in range(taps):
        out += values[..., k : k + blocks, tf.newaxis, :] * weights[k][:, np.newaxis]
    shape = tf.concat([tf.shape(out)[:-3], [blocks * stride, tf.shape(out)[-1]]], 0)
    return tf.reshape(out, shape)[..., :length, :]


def noise_shape(height, width, sigma: float) -> tuple:
    """Shape ``(rows, cols)`` of the uniform noise lattice that :func:`smooth_noise` turns into ``height x width``.

    Example:
    >>> noise_shape(32, 48, 1.0)
    (40, 56)
    """
    stride = lattice_stride(sigma)
    weights, _ = _lattice_weights(float(sigma), stride)
    taps = weights.shape[0]
    return (-(-height // stride) + taps - 1, -(-width // stride) + taps - 1)


def smooth_noise(noise, height, width, sigma: float) -> tf.Tensor:
    """Gaussian-smooth a noise lattice ``[..., rows, cols]`` (see :func:`noise_shape`) to ``[..., height, width]``.

    With ``sigma < 2`` the lattice is one value per pixel with a margin of ``r = round(4 sigma)`` on each
    side, and the result equals ``scipy.ndimage.gaussian_filter(noise, sigma)[..., r:-r, r:-r]``.

    Example:
    >>> rows, cols = noise_shape(8, 8, 1.0)
    >>> smooth_noise(tf.ones([rows, cols]), 8, 8, 1.0).shape
    TensorShape([8, 8])
    """
    sigma = _check_sigma(sigma)
    weights, _ = _lattice_weights(sigma, lattice_stride(sigma))
    noise = tf.convert_to_tensor(noise, tf.float32)
    return _smooth_second_last_axis(_smooth_last_axis(noise, weights, width), weights, height)


# XLA:CPU fuses cheap producers into every consumer, so in one cluster the noise hash would be
# re-evaluated for each filter tap and the field for each gather. Each stage is its own XLA unit, which
# materializes the intermediates; inside an enclosing ``jit_compile`` function the units are inlined and
# :func:`_lattice` stores them with ``materialize`` (the warp's taps are stored by the engine).
_jit_stage = functools.partial(xla_unit, relax_shapes=True)


@_jit_stage
def _noise(seed, batch_size, height, width, sigma: float):
    """The uniform(-1, 1) noise lattice ``[B, 2, lattice_rows, lattice_cols]``."""
    rows, cols = noise_shape(height, width, sigma)
    return krandom.uniform(seed, tf.stack([batch_size, 2, rows, cols]), -1.0, 1.0)


@_jit_stage
def _smooth_rows(noise, width, sigma: float):
    """Smooth the lattice along x: ``[B, 2, lattice_rows, width]``."""
    weights, _ = _lattice_weights(sigma, lattice_stride(sigma))
    return _smooth_last_axis(noise, weights, width)


def _pixel_grid(shape):
    cols = tf.range(shape[-1], dtype=tf.float32)[tf.newaxis, tf.newaxis, :]
    rows = tf.range(shape[-2], dtype=tf.float32)[tf.newaxis, :, tf.newaxis]
    return cols, rows


@_jit_stage
def _field_from_rows(smoothed_rows, alpha, height, sigma: float):
    """Smooth along y and scale: ``(dx, dy)``, each ``[B, H, W]``."""
    weights, _ = _lattice_weights(sigma, lattice_stride(sigma))
    field = (
        _smooth_second_last_axis(smoothed_rows, weights, height)
        * alpha[:, tf.newaxis, tf.newaxis, tf.newaxis]
    )
    return field[:, 0], field[:, 1]


@_jit_stage
def _coordinates_from_rows(smoothed_rows, alpha, height, sigma: float):
    """Smooth along y, scale and add the pixel grid: the field never round-trips through memory."""
    dx, dy = _field_from_rows.python_function(smoothed_rows, alpha, height, sigma)
    cols, rows = _pixel_grid(tf.shape(dx))
    return cols + dx, rows + dy


@_jit_stage
def _band_coordinates(smoothed_rows, alpha, start, rows: int, sigma: float):
    """:func:`_coordinates_from_rows` for the output rows ``start .. start + rows`` (``start`` and ``rows``
    multiples of the lattice stride): the lattice rows they read, smoothed along y, scaled, plus the grid."""
    weights, _ = _lattice_weights(sigma, lattice_stride(sigma))
    taps, stride = weights.shape
    count = -(-rows // stride) + taps - 1
    lattice = _utils.slice_along(smoothed_rows, 2, start // stride, count)
    field = _smooth_second_last_axis(lattice, weights, rows) * alpha[:, tf.newaxis, tf.newaxis, tf.newaxis]
    cols = tf.range(tf.shape(field)[-1], dtype=tf.float32)[tf.newaxis, tf.newaxis, :]
    out_rows = tf.cast(start + tf.range(rows), tf.float32)[tf.newaxis, :, tf.newaxis]
    return cols + field[:, 0], out_rows + field[:, 1]


def _field_inputs(seed, batch_size, height, width, alpha, sigma):
    sigma = _check_sigma(sigma)
    seed = tf.convert_to_tensor(seed)
    batch_size, height, width = (tf.convert_to_tensor(v, tf.int32) for v in (batch_size, height, width))
    alpha = _utils.batch_vector(check_values(alpha, "alpha"), batch_size, name="alpha")
    return _lattice(seed, batch_size, height, width, sigma), alpha, height, sigma


def _lattice(seed, batch_size, height, width, sigma: float) -> tf.Tensor:
    # Each stage stored once inside a caller's XLA program too: fused, the noise hash would run for
    # every smoothing tap and the smoothed rows for every pixel's field (materialize).
    noise = materialize(_noise(seed, batch_size, height, width, sigma))
    return materialize(_smooth_rows(noise, width, sigma))


def elastic_displacement(seed, batch_size, height, width, alpha, sigma: float) -> tuple[tf.Tensor, tf.Tensor]:
    """Random displacement fields ``(dx, dy)``, each ``[batch_size, height, width]``, in pixels.

    ``alpha`` is a scalar or ``[batch_size]``; see the module docstring for the field's statistics.

    Example:
    >>> dx, dy = elastic_displacement(tf.constant([1, 2]), 2, 32, 48, alpha=34.0, sigma=4.0)
    >>> dx.shape
    TensorShape([2, 32, 48])
    """
    return _field_from_rows(*_field_inputs(seed, batch_size, height, width, alpha, sigma))


def elastic_coordinates(seed, batch_size, height, width, alpha, sigma: float) -> tuple[tf.Tensor, tf.Tensor]:
    """Input coordinates ``(x + dx, y + dy)`` of a random field, each ``[batch_size, height, width]``.

    The same field as :func:`elastic_displacement` for the same arguments, added to the pixel grid (not
    folded: :func:`remap` applies the fill mode). Feed it to :func:`remap` for images and masks alike.

    Example:
    >>> x, y = elastic_coordinates(tf.constant([1, 2]), 2, 32, 48, alpha=34.0, sigma=4.0)
    >>> x.shape
    TensorShape([2, 32, 48])
    """
    return _coordinates_from_rows(*_field_inputs(seed, batch_size, height, width, alpha, sigma))


def elastic_lattice(seed, batch_size, height, width, sigma: float) -> tf.Tensor:
    """The random field of :func:`elastic_coordinates` before its last pass: the noise lattice smoothed
    along x only, ``[batch_size, 2, lattice_rows, width]`` (about ``1 / lattice_stride(sigma)`` of the
    field's size). :func:`elastic_remap` finishes it band by band, so a large image never holds the
    full-resolution coordinates; masks and images remapped from one lattice move alike.

    Example:
    >>> elastic_lattice(tf.constant([1, 2]), 2, 32, 48, sigma=4.0).shape
    TensorShape([2, 2, 16, 48])
    """
    sigma = _check_sigma(sigma)
    seed = tf.convert_to_tensor(seed)
    batch_size, height, width = (tf.convert_to_tensor(v, tf.int32) for v in (batch_size, height, width))
    return _lattice(seed, batch_size, height, width, sigma)


def elastic_remap(
    images,
    lattice,
    alpha,
    sigma: float,
    interpolation: str = "bilinear",
    fill_mode: str = "reflect",
    fill_value: float = 0.0,
) -> tf.Tensor:
    """Remap ``images`` ``[B, H, W, C]`` by the field of an :func:`elastic_lattice` scaled by ``alpha``.

    One ``[H, W, C]`` image is accepted too (``lattice`` stays batched, with one sample).

    The same result as :func:`remap` with :func:`elastic_coordinates` (same seed, ``alpha`` and
    ``sigma``); images larger than :data:`~keras_aug.ops.geometry.engines.BAND_PIXELS` pixels are
    remapped in bands of rows (:func:`~keras_aug.ops.geometry.engines.remap_rows`), each band's
    coordinates finished from the lattice just before it is read.

    Example:
    >>> lattice = elastic_lattice(tf.constant([0, 1]), 2, 32, 48, sigma=4.0)
    >>> elastic_remap(tf.zeros([2, 32, 48, 3], tf.uint8), lattice, 34.0, 4.0).shape
    TensorShape([2, 32, 48, 3])
    """
    sigma = _check_sigma(sigma)
    images, single = _utils.to_batch(images)
    shape = tf.shape(images)
    alpha = _utils.batch_vector(check_values(alpha, "alpha"), shape[0], name="alpha")

    def coordinates(start, rows):
        if start is None:
            return _coordinates_from_rows(lattice, alpha, shape[1], sigma)
        return _band_coordinates(lattice, alpha, start, rows, sigma)

    stride = lattice_stride(sigma)
    out = remap_rows(images, coordinates, interpolation, fill_mode, fill_value, multiple=stride)
    return _utils.from_batch(out, single)


@_jit_stage
def _source_coordinates(dx, dy):
    cols, rows = _pixel_grid(tf.shape(dx))
    return cols + dx, rows + dy


def displace(
    images,
    dx,
    dy,
    interpolation: str = "bilinear",
    fill_mode: str = "reflect",
    fill_value: float = 0.0,
) -> tf.Tensor:
    """Resample ``images`` so that output pixel ``(y, x)`` reads input ``(y + dy, x + dx)``.

    ``dx``, ``dy`` are ``[B, H, W]`` displacements in pixels (``cv2.remap``'s maps minus the pixel grid).
    Images are read as in :func:`remap`.

    Example:
    >>> img = tf.reshape(tf.range(12.0), [1, 3, 4, 1])
    >>> displace(img, tf.ones([1, 3, 4]), tf.zeros([1, 3, 4]))[0, 0, :, 0].numpy().tolist()
    [1.0, 2.0, 3.0, 3.0]
    """
    fill_mode = _utils.check_choice("fill_mode", fill_mode, _utils.FILL_MODES)
    dx = tf.convert_to_tensor(dx, tf.float32)
    dy = tf.convert_to_tensor(dy, tf.float32)
    if dx.shape.rank not in (2, 3) or dy.shape.rank != dx.shape.rank:
        raise ValueError(f"`dx` and `dy` must be [batch, height, width], got {dx.shape} and {dy.shape}.")
    single = dx.shape.rank == 2
    if single:
        dx, dy = dx[tf.newaxis], dy[tf.newaxis]
    x, y = _source_coordinates(dx, dy)
    if single:
        x, y = x[0], y[0]
    return remap(images, x, y, interpolation, fill_mode, fill_value)


def elastic_transform(
    images,
    alpha,
    sigma: float,
    seed,
    interpolation: str = "bilinear",
    fill_mode: str = "reflect",
    fill_value: float = 0.0,
) -> tf.Tensor:
    """Elastic distortion: displace every pixel by a smoothed random field (see the module docstring).

    ``alpha`` (scalar or ``[B]``) scales the field; ``sigma`` (pixels, a Python number) sets its
    smoothness. Simard et al. used ``alpha=34, sigma=4`` (about 1.4 px RMS, ~10 px at most on 28x28 digits);
    ``alpha ~ 10 * sigma`` is a reasonable start. ``seed`` is an int ``[2]`` tensor.

    Example:
    >>> out = elastic_transform(tf.zeros([2, 32, 48, 3], tf.uint8), 34.0, 4.0, tf.constant([0, 1]))
    >>> out.shape, out.dtype
    (TensorShape([2, 32, 48, 3]), tf.uint8)
    """
    fill_mode = _utils.check_choice("fill_mode", fill_mode, _utils.FILL_MODES)
    images, single = _utils.to_batch(images)
    shape = tf.shape(images)
    lattice = elastic_lattice(seed, shape[0], shape[1], shape[2], sigma)
    out = elastic_remap(images, lattice, alpha, sigma, interpolation, fill_mode, fill_value)
    return _utils.from_batch(out, single)
