"""tensorflow-addons' input contract for the tfa-named ops: ``[H, W]`` / ``[H, W, C]`` / ``[B, H, W, C]``
images, also of unknown rank inside ``tf.function``; plus the edge cases tfa's own tests do not reach
(1x1 images, pads longer than the image, ``sigma=0``, ``bins``), checked against scipy / NumPy / tfa's code.

tfa's own test files run in ``tests/peers/tfa``.
"""

import numpy as np
import pytest
import scipy.ndimage as ndi
import tensorflow as tf

from keras_aug import ops

# Every tfa-named op that takes images of rank 2, 3 or 4: name -> call with the other arguments bound.
RANK_FREE_OPS = {
    "blend": lambda x: ops.blend(x, tf.zeros_like(x) + 100, 0.3),
    "sharpness": lambda x: ops.sharpness(x, 1.7),
    "equalize": lambda x: ops.equalize(x, 256, mode="pil"),
    "gaussian_filter2d": lambda x: ops.gaussian_filter2d(x, 3, 1.0),
    "mean_filter2d": lambda x: ops.mean_filter2d(x, (3, 3)),
    "median_filter2d": lambda x: ops.median_filter2d(x, (3, 3)),
    "transform": lambda x: ops.transform(x, [1.0, 0.2, -1.5, 0.1, 0.9, 0.5, 0.0, 0.0], "bilinear"),
    "rotate": lambda x: ops.rotate(x, 0.4),
    "translate": lambda x: ops.translate(x, [1.0, -2.0]),
    "shear_x": lambda x: ops.shear_x(x, 0.3, 7),
    "shear_y": lambda x: ops.shear_y(x, 0.3, 7),
}


def _image(shape, dtype=np.uint8):
    return np.random.default_rng(0).integers(0, 256, shape).astype(dtype)


@pytest.mark.parametrize("name", sorted(RANK_FREE_OPS))
def test_rank_2_and_3_images_are_one_image_of_a_batch(name):
    op = RANK_FREE_OPS[name]
    gray = _image((6, 7))
    color = _image((6, 7, 3))
    np.testing.assert_array_equal(op(gray).numpy(), op(gray[None, :, :, None]).numpy()[0, :, :, 0])
    np.testing.assert_array_equal(op(color).numpy(), op(color[None]).numpy()[0])
    assert op(gray).dtype == tf.uint8


@pytest.mark.parametrize("name", sorted(RANK_FREE_OPS))
def test_unknown_rank_inside_tf_function(name):
    op = RANK_FREE_OPS[name]
    traced = tf.function(op).get_concrete_function(tf.TensorSpec(None, tf.float32))
    for shape in [(6, 7), (6, 7, 3), (2, 6, 7, 3)]:
        image = _image(shape).astype(np.float32)
        out = traced(tf.constant(image))
        assert out.shape == shape
        np.testing.assert_allclose(out.numpy(), op(image).numpy(), atol=1e-4)


@pytest.mark.parametrize("name", sorted(RANK_FREE_OPS))
def test_other_ranks_are_refused_with_a_clear_error(name):
    with pytest.raises(ValueError, match="rank"):
        RANK_FREE_OPS[name](np.zeros((1, 4, 4, 1, 1), np.float32))


@pytest.mark.parametrize("op", [ops.gaussian_filter2d, ops.mean_filter2d, ops.median_filter2d])
def test_filters_have_tfas_get_concrete_function(op):
    fn = op.get_concrete_function(tf.TensorSpec(None, tf.float32), padding="CONSTANT", constant_values=1.0)
    for shape in [(3, 3), (3, 3, 2), (2, 3, 3, 1)]:
        np.testing.assert_array_equal(fn(tf.ones(shape)).numpy(), np.ones(shape, np.float32))


SCIPY_MODES = {"reflect": "mirror", "symmetric": "reflect", "constant": "constant"}


@pytest.mark.parametrize("padding", sorted(SCIPY_MODES))
@pytest.mark.parametrize("shape", [(1, 1), (1, 5), (2, 3), (3, 2)])
def test_filters_pad_beyond_small_images_like_scipy(shape, padding):
    """tf.pad refuses reflections longer than the image (tfa fails on 1x1 images); scipy folds on."""
    mode = SCIPY_MODES[padding]
    image = np.random.default_rng(1).uniform(0, 10, shape)
    np.testing.assert_allclose(
        ops.gaussian_filter2d(image, 9, 1.0, padding=padding).numpy(),
        ndi.gaussian_filter(image, 1.0, mode=mode, truncate=4.0),
        atol=1e-12,
    )
    np.testing.assert_allclose(
        ops.mean_filter2d(image, (5, 3), padding=padding).numpy(),
        ndi.uniform_filter(image, (5, 3), mode=mode),
        atol=1e-12,
    )
    np.testing.assert_array_equal(
        ops.median_filter2d(image, (3, 5), padding=padding).numpy(),
        ndi.median_filter(image, (3, 5), mode=mode),
    )


def test_gaussian_sigma_zero_is_identity_like_scipy():
    image = np.random.default_rng(2).uniform(0, 1, (5, 6))
    np.testing.assert_array_equal(
        ops.gaussian_filter2d(image, 5, 0.0).numpy(), ndi.gaussian_filter(image, 0.0)
    )
    np.testing.assert_allclose(
        ops.gaussian_filter2d(image, (1, 9), (0.0, 1.5)).numpy(),
        ndi.gaussian_filter(image, (0.0, 1.5), mode="mirror", truncate=4 / 1.5),
        atol=1e-12,
    )


@pytest.mark.parametrize("sigma", [float("nan"), float("inf"), -1.0, (1.0, float("nan")), (1.0, 2.0, 3.0)])
def test_gaussian_refuses_bad_sigma(sigma):
    with pytest.raises(ValueError, match="sigma"):
        ops.gaussian_filter2d(np.ones((4, 4)), 3, sigma)


@pytest.mark.parametrize("op", [ops.gaussian_filter2d, ops.mean_filter2d, ops.median_filter2d])
def test_filter_shape_none_is_a_type_error_like_tfa(op):
    with pytest.raises(TypeError, match="filter_shape"):
        op(np.ones((4, 4)), filter_shape=None)


def _tfa_scale_channel(channel: np.ndarray, bins: int) -> np.ndarray:
    """tfa's ``color_ops._scale_channel`` (PIL's equalize) transcribed to NumPy."""
    histo = np.histogram(channel, bins=bins, range=(0, bins - 1))[0]
    nonzero = histo[histo != 0]
    step = (nonzero.sum() - nonzero[-1]) // (bins - 1)
    if step == 0:
        return channel
    lut = np.clip((np.cumsum(histo) - histo + step // 2) // step, 0, bins - 1)
    return lut[channel]


@pytest.mark.parametrize("bins", [256, 4096, 65536])
def test_equalize_bins_like_tfa_on_uint16(bins):
    """uint16 levels in a ``bins``-level histogram are what tfa's ``equalize(image, bins)`` bins."""
    rng = np.random.default_rng(3)
    image = rng.integers(0, bins, (2, 300, 260, 1)).astype(np.uint16)
    value_range = (0, bins - 1)
    out = ops.equalize(image, bins, mode="pil", value_range=value_range).numpy()
    expected = np.stack([_tfa_scale_channel(im[..., 0], bins)[..., None] for im in image])
    np.testing.assert_array_equal(out, expected)


def test_equalize_takes_tfas_positional_bins_and_refuses_a_positional_mode():
    image = _image((8, 8, 3))
    np.testing.assert_array_equal(ops.equalize(image, 256).numpy(), ops.equalize(image).numpy())
    with pytest.raises(TypeError, match="mode='pil'"):
        ops.equalize(image, "pil")
    with pytest.raises(ValueError, match="bins"):
        ops.equalize(image, 1)


def tf_kernel(images, transforms, interpolation, fill_mode, fill_value=0.0):
    """TF's own ImageProjectiveTransformV3 (the kernel tfa's transform wraps)."""
    images = tf.convert_to_tensor(images, tf.float32)
    return tf.raw_ops.ImageProjectiveTransformV3(
        images=images,
        transforms=tf.convert_to_tensor(transforms, tf.float32),
        output_shape=tf.shape(images)[1:3],
        fill_value=fill_value,
        interpolation=interpolation.upper(),
        fill_mode=fill_mode.upper(),
    ).numpy()


def test_transform_defaults_and_positional_order_are_tfas():
    """``transform(images, transforms, interpolation="nearest", output_shape=None, name=None, ...)``."""
    images = _image((2, 9, 8, 3)).astype(np.float32)
    t = np.array([[1.0, 0.3, -1.2, -0.2, 1.1, 0.7, 0.0, 0.0]] * 2, np.float32)
    np.testing.assert_array_equal(
        ops.transform(images, t).numpy(), tf_kernel(images, t, "nearest", "constant")
    )
    out = ops.transform(images, t, "BILINEAR", [5, 11], "warp", fill_mode="reflect").numpy()
    assert out.shape == (2, 5, 11, 3)
    np.testing.assert_allclose(out[:, :5, :8], tf_kernel(images, t, "bilinear", "reflect")[:, :5], atol=1e-3)


@pytest.mark.parametrize("interpolation", ["nearest", "bilinear"])
@pytest.mark.parametrize("fill_mode", ["constant", "reflect", "wrap", "nearest"])
def test_non_finite_transforms_fill_like_tfs_nearest_kernel(interpolation, fill_mode):
    """TF's kernel fills NaN coordinates (nearest; bilinear gives NaN floats): samples come back filled."""
    images = _image((2, 5, 6, 1)).astype(np.float32)
    t = tf.constant([[np.nan, 0, 0, 0, 1, 0, 0, 0], [1, 0, 1, 0, 1, 0, 0, 0]], tf.float32)
    out = ops.transform(images, t, interpolation, fill_mode=fill_mode, fill_value=9.0).numpy()
    np.testing.assert_array_equal(out[0], tf_kernel(images[:1], t[:1], "nearest", fill_mode, 9.0)[0])
    np.testing.assert_allclose(
        out[1], tf_kernel(images[1:], t[1:], interpolation, fill_mode, 9.0)[0], atol=1e-4
    )


@pytest.mark.parametrize("xla", [False, True])
def test_non_finite_angles_and_translations_fill_their_samples(xla):
    images = _image((3, 6, 6, 2))
    wrap = (lambda f: tf.function(f, jit_compile=True)) if xla else (lambda f: f)
    angles = tf.constant([np.nan, 0.0, np.inf])
    rotated = wrap(lambda x, a: ops.rotate(x, a, fill_mode="reflect", fill_value=7))(images, angles).numpy()
    np.testing.assert_array_equal(rotated[[0, 2]], np.full((2, 6, 6, 2), 7, np.uint8))
    np.testing.assert_array_equal(rotated[1], images[1])
    shifts = tf.constant([[0.0, 0.0], [np.nan, 1.0], [0.0, -np.inf]])
    shifted = wrap(lambda x, t: ops.translate(x, t, fill_value=3))(images, shifts).numpy()
    np.testing.assert_array_equal(shifted[0], images[0])
    np.testing.assert_array_equal(shifted[1:], np.full((2, 6, 6, 2), 3, np.uint8))


@pytest.mark.parametrize(
    ("call", "match"),
    [
        (lambda x: ops.rotate(x, float("nan")), "`angles` must be finite"),
        (lambda x: ops.rotate(x, np.array([0.1, np.inf, 0.0])), "`angles` must be finite"),
        (lambda x: ops.translate(x, [np.nan, 1.0]), "`translations` must be finite"),
        (lambda x: ops.transform(x, [1.0, 0, 0, 0, 1, 0, 0, np.nan]), "`transforms` must be finite"),
        (lambda x: ops.rotate(x, [0.1, 0.2]), r"`angles` must have shape \[\] .* or \[3\]"),
        (lambda x: ops.translate(x, [[1.0, 2.0]] * 2), r"`translations` .* \[3, 2\]"),
        (lambda x: ops.translate(x, [1.0, 2.0, 3.0]), "`translations`"),
        (lambda x: ops.transform(x, [[1.0, 0, 0, 0, 1, 0, 0, 0]] * 2), r"`transforms` .* \[3, 8\]"),
        (lambda x: ops.transform(x, [1.0, 0, 0]), "`transforms`"),
        (lambda x: ops.transform(x, [1.0, 0, 0, 0, 1, 0, 0, 0], output_shape=[0, 4]), "`output_shape`"),
    ],
)
def test_bad_python_parameters_name_the_argument(call, match):
    with pytest.raises(ValueError, match=match):
        call(tf.zeros([3, 4, 4, 1]))


def _tfa_bilinear(grid, qy, qx):
    """tfa's interpolate_bilinear (clamped floor, clipped alphas) in float64 at points ``qy, qx`` ``[B, ...]``."""
    batch, height, width, _ = grid.shape
    fy = np.clip(np.floor(qy), 0, max(height - 2, 0)).astype(int)
    fx = np.clip(np.floor(qx), 0, max(width - 2, 0)).astype(int)
    ay = np.clip(qy - fy, 0, 1)[..., None]
    ax = np.clip(qx - fx, 0, 1)[..., None]
    b = np.arange(batch).reshape((-1,) + (1,) * (qy.ndim - 1))
    cy, cx = np.minimum(fy + 1, height - 1), np.minimum(fx + 1, width - 1)
    top = grid[b, fy, fx] + ax * (grid[b, fy, cx] - grid[b, fy, fx])
    bottom = grid[b, cy, fx] + ax * (grid[b, cy, cx] - grid[b, cy, fx])
    return top + ay * (bottom - top)


def _tfa_warp_reference(image, flow):
    """tfa's dense_image_warp: read ``image`` at ``(y - flow_y, x - flow_x)``."""
    ys, xs = np.meshgrid(np.arange(image.shape[1]), np.arange(image.shape[2]), indexing="ij")
    return _tfa_bilinear(image, ys - flow[..., 0], xs - flow[..., 1])


@pytest.mark.parametrize("image_dtype", [np.float16, np.float32, np.float64])
@pytest.mark.parametrize("flow_dtype", [np.float16, np.float32, np.float64])
def test_dense_image_warp_any_float_dtypes(image_dtype, flow_dtype):
    rng = np.random.default_rng(4)
    image = rng.normal(size=(2, 5, 7, 3))
    flow = rng.normal(size=(2, 5, 7, 2)) * 3
    image_cast, flow_cast = image.astype(image_dtype), flow.astype(flow_dtype)
    out = ops.dense_image_warp(image_cast, flow_cast)
    assert out.dtype == image_dtype
    expected = _tfa_warp_reference(image_cast.astype(np.float64), flow_cast.astype(np.float64))
    tol = 1e-2 if np.float16 in (image_dtype, flow_dtype) else 1e-5
    np.testing.assert_allclose(out.numpy().astype(np.float64), expected, atol=tol, rtol=tol)


def test_dense_image_warp_reads_one_pixel_wide_images_where_tfa_raises():
    image = np.random.default_rng(5).normal(size=(1, 4, 1, 2))
    flow = np.random.default_rng(6).normal(size=(1, 4, 1, 2))
    np.testing.assert_allclose(
        ops.dense_image_warp(image, flow).numpy(), _tfa_warp_reference(image, flow), atol=1e-6
    )


def test_interpolate_bilinear_float64_grid_and_unknown_shapes():
    grid = np.random.default_rng(7).normal(size=(2, 4, 5, 3))
    points = np.random.default_rng(8).uniform(-1, 5, (2, 6, 2))
    fn = ops.interpolate_bilinear.get_concrete_function(
        tf.TensorSpec(None, tf.float64), tf.TensorSpec(None, tf.float64)
    )
    out = fn(tf.constant(grid), tf.constant(points))
    assert out.dtype == tf.float64
    np.testing.assert_allclose(out.numpy(), _tfa_bilinear(grid, points[..., 0], points[..., 1]), atol=1e-6)
