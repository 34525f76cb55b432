"""Gaussian filtering and elastic distortion against scipy.ndimage, cv2.remap and NumPy references."""

import os

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import cv2
import keras
import numpy as np
import pytest
import scipy.ndimage as ndi
import tensorflow as tf
from conftest import MODES, run

from keras_aug.layers.elastic import RandomElasticTransform
from keras_aug.ops import elastic
from keras_aug.ops.filters import gaussian_filter2d


def smooth_images(batch=3, height=32, width=48, channels=3, seed=0):
    """uint8 images with photo-like smooth structure (bilinear comparisons assume moderate gradients)."""
    rng = np.random.default_rng(seed)
    coarse = rng.uniform(0, 255, (batch, height // 4 + 2, width // 4 + 2, channels)).astype(np.float32)
    fine = tf.image.resize(coarse, (height, width), method="bicubic").numpy()
    return np.clip(fine, 0, 255).astype(np.uint8)


# ----------------------------------------------------------------------------------------------
# gaussian_filter2d
# ----------------------------------------------------------------------------------------------

SCIPY_MODE = {"reflect": "mirror", "symmetric": "reflect", "constant": "constant"}


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("padding", sorted(SCIPY_MODE))
def test_gaussian_filter2d_matches_scipy(mode, padding):
    images = np.random.default_rng(0).random((2, 20, 30, 3), dtype=np.float32)
    sigma = (1.2, 2.1)  # (y, x)
    shape = tuple(2 * int(4 * s + 0.5) + 1 for s in sigma)
    out = run(
        gaussian_filter2d, mode, images, filter_shape=shape, sigma=sigma, padding=padding, constant_values=0.5
    )
    expected = ndi.gaussian_filter(images, (0, *sigma, 0), mode=SCIPY_MODE[padding], cval=0.5)
    np.testing.assert_allclose(out, expected, atol=1e-5)


def test_gaussian_filter2d_ranks_dtypes_and_even_kernels():
    rng = np.random.default_rng(1)
    gray = rng.integers(0, 256, (16, 18)).astype(np.uint8)
    out = gaussian_filter2d(gray, filter_shape=7, sigma=1.0, padding="symmetric").numpy()
    expected = ndi.gaussian_filter(gray.astype(np.float64), 1.0, mode="reflect", truncate=3.0)
    assert out.dtype == np.uint8
    assert np.abs(out.astype(int) - np.rint(expected)).max() <= 1
    # tfa's even kernels: taps at offsets -1, 0, 1, 2 (weights exp(-d^2 / 2), normalized).
    image = rng.random((1, 9, 9, 1)).astype(np.float32)
    out = gaussian_filter2d(image, filter_shape=(1, 4), sigma=1.0, padding="constant").numpy()[0, :, :, 0]
    weights = np.exp(-(np.arange(-1, 3) ** 2) / 2.0)
    weights /= weights.sum()
    padded = np.pad(image[0, :, :, 0], [(0, 0), (1, 2)])
    expected = sum(w * padded[:, k : k + 9] for k, w in enumerate(weights))
    np.testing.assert_allclose(out, expected, atol=1e-6)
    assert gaussian_filter2d(np.ones((5, 6, 2), np.float32), 3, 0.0).shape == (5, 6, 2)


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"filter_shape": 0}, "filter_shape"),
        ({"filter_shape": (3, 3, 3)}, "filter_shape"),
        ({"sigma": -1.0}, "sigma"),
        ({"padding": "wrap"}, "padding"),
    ],
)
def test_gaussian_filter2d_rejects_bad_arguments(kwargs, match):
    with pytest.raises(ValueError, match=match):
        gaussian_filter2d(np.zeros((4, 4, 1), np.float32), **kwargs)


# ----------------------------------------------------------------------------------------------
# Displacement fields
# ----------------------------------------------------------------------------------------------


@pytest.mark.parametrize("sigma", [0.7, 1.5])
def test_smoothing_on_the_pixel_lattice_matches_scipy(sigma):
    rows, cols = elastic.noise_shape(20, 30, sigma)
    radius = int(4 * sigma + 0.5)
    assert (rows, cols) == (20 + 2 * radius, 30 + 2 * radius)
    noise = np.random.default_rng(2).uniform(-1, 1, (3, rows, cols)).astype(np.float32)
    out = run(elastic.smooth_noise, "xla", noise, height=20, width=30, sigma=sigma)
    expected = ndi.gaussian_filter(noise, (0, sigma, sigma))[:, radius:-radius, radius:-radius]
    np.testing.assert_allclose(out, expected, atol=1e-6)


def expected_std(alpha, sigma):
    """Std of alpha * (G_sigma * U(-1, 1)) per pixel: alpha * sqrt(sum(G2d**2) / 3)."""
    radius = int(4 * sigma + 0.5)
    g = np.exp(-(np.arange(-radius, radius + 1) ** 2) / (2 * sigma**2))
    g /= g.sum()
    return alpha * np.sqrt((g**2).sum() ** 2 / 3.0)


@pytest.mark.parametrize("sigma", [1.5, 4.0, 9.5])
def test_displacement_statistics(sigma):
    alpha = 10.0 * sigma
    dx, dy = elastic.elastic_displacement(tf.constant([4, 2]), 48, 64, 64, alpha, sigma)
    for field in (dx.numpy(), dy.numpy()):
        std = expected_std(alpha, sigma)
        assert abs(field.mean()) < 0.1 * std
        assert field.std() == pytest.approx(std, rel=0.06)
        # As random at the border as in the middle: the noise is drawn with a margin.
        assert field[:, :, :3].std() == pytest.approx(std, rel=0.15)
        # Correlation of a Gaussian-smoothed white noise at lag d: exp(-d^2 / (4 sigma^2)).
        lag = max(1, round(sigma))
        corr = np.corrcoef(field[:, :, :-lag].ravel(), field[:, :, lag:].ravel())[0, 1]
        assert corr == pytest.approx(np.exp(-(lag**2) / (4 * sigma**2)), abs=0.04)


def test_displacement_is_deterministic_scaled_per_sample_and_the_same_under_xla():
    alpha = np.array([0.0, 1.0, 3.0], np.float32)
    eager = elastic.elastic_displacement(tf.constant([1, 1]), 3, 16, 24, alpha, 3.0)
    xla = tf.function(
        lambda a: elastic.elastic_displacement(tf.constant([1, 1]), 3, 16, 24, a, 3.0), jit_compile=True
    )
    for a, b in zip(eager, xla(alpha), strict=True):
        np.testing.assert_allclose(a.numpy(), b.numpy(), atol=1e-6)
    dx = eager[0].numpy()
    assert not dx[0].any()
    assert np.abs(dx[2]).mean() > 2.5 * np.abs(dx[1]).mean()
    other = elastic.elastic_displacement(tf.constant([1, 2]), 3, 16, 24, alpha, 3.0)[0].numpy()
    assert not np.allclose(dx[1:], other[1:])
    # elastic_coordinates is the same field added to the pixel grid (remap applies the fill mode).
    x, y = elastic.elastic_coordinates(tf.constant([1, 1]), 3, 16, 24, alpha, 3.0)
    np.testing.assert_allclose(x.numpy(), np.arange(24) + dx, atol=1e-5)
    np.testing.assert_allclose(y.numpy(), np.arange(16)[:, None] + eager[1].numpy(), atol=1e-5)


# ----------------------------------------------------------------------------------------------
# Remap by a fixed field
# ----------------------------------------------------------------------------------------------

MAP_MODE = {"reflect": "reflect", "constant": "grid-constant", "nearest": "nearest"}


def fixed_field(batch, height, width, amplitude=6.0, seed=3):
    rng = np.random.default_rng(seed)
    return tuple(
        (amplitude * ndi.gaussian_filter(rng.uniform(-1, 1, (batch, height, width)), (0, 3, 3)) * 8).astype(
            np.float32
        )
        for _ in range(2)
    )


def reference_remap(images, dx, dy, fill_mode, cval=0.0, order=1):
    rows, cols = np.meshgrid(np.arange(images.shape[1]), np.arange(images.shape[2]), indexing="ij")
    out = np.empty(images.shape, np.float64)
    for b in range(images.shape[0]):
        coords = [rows + dy[b].astype(np.float64), cols + dx[b].astype(np.float64)]
        for c in range(images.shape[3]):
            out[b, ..., c] = ndi.map_coordinates(
                images[b, ..., c].astype(np.float64), coords, order=order, mode=MAP_MODE[fill_mode], cval=cval
            )
    return out


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("fill_mode", sorted(MAP_MODE))
def test_displace_matches_scipy_map_coordinates(mode, fill_mode):
    images = smooth_images()
    dx, dy = fixed_field(3, 32, 48)
    assert np.abs(dx).max() > 4  # reaches past the borders
    out = run(elastic.displace, mode, images, dx, dy, fill_mode=fill_mode, fill_value=100.0)
    expected = reference_remap(images, dx, dy, fill_mode, cval=100.0)
    assert out.dtype == np.uint8
    assert np.abs(out.astype(int) - np.rint(expected)).max() <= 1
    if mode != "xla":
        return  # float images: one compiled path is enough
    floats = images.astype(np.float32) / 255.0
    out = run(elastic.displace, mode, floats, dx, dy, fill_mode=fill_mode, fill_value=0.5)
    np.testing.assert_allclose(out, reference_remap(floats, dx, dy, fill_mode, cval=0.5), atol=1e-4)


@pytest.mark.parametrize(
    ("fill_mode", "border"), [("reflect", cv2.BORDER_REFLECT), ("constant", cv2.BORDER_CONSTANT)]
)
def test_displace_matches_cv2_remap(fill_mode, border):
    images = smooth_images(batch=2)
    dx, dy = fixed_field(2, 32, 48, seed=5)
    out = run(elastic.displace, "xla", images, dx, dy, fill_mode=fill_mode)
    grid_x, grid_y = np.meshgrid(np.arange(48, dtype=np.float32), np.arange(32, dtype=np.float32))
    # OpenCV quantizes coordinates to 1/32 pixel, hence a tolerance of 2 on smooth images. OpenCV 4 also
    # does so next to a constant border, where the image steps from 0 to ~200: 200/64 + rounding = 4.
    tolerance = 2 if int(cv2.__version__.split(".")[0]) >= 5 or fill_mode != "constant" else 4
    for b in range(2):
        expected = cv2.remap(images[b], grid_x + dx[b], grid_y + dy[b], cv2.INTER_LINEAR, borderMode=border)
        assert np.abs(out[b].astype(int) - expected.astype(int)).max() <= tolerance


def test_displace_nearest_matches_numpy():
    images = np.random.default_rng(0).integers(0, 256, (2, 16, 20, 1)).astype(np.uint8)
    dx, dy = fixed_field(2, 16, 20, amplitude=2.0)
    out = run(elastic.displace, "xla", images, dx, dy, interpolation="nearest", fill_mode="nearest")
    rows = np.clip(np.floor(np.arange(16)[None, :, None] + dy + 0.5), 0, 15).astype(int)
    cols = np.clip(np.floor(np.arange(20)[None, None, :] + dx + 0.5), 0, 19).astype(int)
    np.testing.assert_array_equal(out[..., 0], images[np.arange(2)[:, None, None], rows, cols, 0])


@pytest.mark.parametrize("mode", [*MODES, "unknown_shape"])
def test_displace_wrap_is_periodic(mode):
    """ "wrap" is periodic (the geometric layers' convention): nearest reads np.roll-style modular indices,
    bilinear matches scipy's "grid-wrap" except within the one-pixel seam band, which reads its nearer edge."""
    images = smooth_images(batch=2, height=16, width=20)
    dx, dy = fixed_field(2, 16, 20, amplitude=16.0, seed=7)
    assert np.abs(dx).max() > 20  # past a whole period
    if mode == "unknown_shape":
        spec = [tf.TensorSpec([None, None, None, 3], tf.uint8), *[tf.TensorSpec([None, None, None])] * 2]
        fn = tf.function(lambda *a: elastic.displace(*a, fill_mode="wrap"), input_signature=spec)
        near = tf.function(
            lambda *a: elastic.displace(*a, interpolation="nearest", fill_mode="wrap"), input_signature=spec
        )
        out, out_nearest = fn(images, dx, dy).numpy(), near(images, dx, dy).numpy()
    else:
        out = run(elastic.displace, mode, images, dx, dy, fill_mode="wrap")
        out_nearest = run(elastic.displace, mode, images, dx, dy, interpolation="nearest", fill_mode="wrap")
    y = np.arange(16)[None, :, None] + dy.astype(np.float64)
    x = np.arange(20)[None, None, :] + dx.astype(np.float64)
    rows, cols = np.floor(y + 0.5).astype(int) % 16, np.floor(x + 0.5).astype(int) % 20
    np.testing.assert_array_equal(out_nearest, images[np.arange(2)[:, None, None], rows, cols])
    expected = np.empty(images.shape)
    for b in range(2):
        for c in range(3):
            expected[b, ..., c] = ndi.map_coordinates(
                images[b, ..., c].astype(np.float64), [y[b], x[b]], order=1, mode="grid-wrap"
            )
    away = (np.mod(y, 16) < 15) & (np.mod(x, 20) < 19)
    assert away.mean() > 0.8
    assert np.abs(out.astype(int) - np.rint(expected))[away].max() <= 1


def _elastic_sigma4(images, alpha, seed):
    return elastic.elastic_transform(images, alpha, 4.0, seed)


@pytest.mark.parametrize("dtype", ["uint8", "float32"])
def test_alpha_zero_is_the_identity(dtype):
    images = smooth_images().astype(dtype)
    out = run(_elastic_sigma4, "xla", images, np.float32(0.0), np.array([1, 2], np.int32))
    np.testing.assert_array_equal(out, images)
    layer = RandomElasticTransform(alpha=0.0, sigma=3.0, fill_mode="constant", fill_value=7.0)
    np.testing.assert_array_equal(layer(images).numpy(), images)


# ----------------------------------------------------------------------------------------------
# Layer
# ----------------------------------------------------------------------------------------------


def test_masks_follow_the_image_field_with_nearest_sampling():
    height, width = 24, 32
    rows, cols = np.meshgrid(
        np.arange(height, dtype=np.float32), np.arange(width, dtype=np.float32), indexing="ij"
    )
    ramps = np.broadcast_to(np.stack([cols, rows], -1), (4, height, width, 2)).copy()
    masks = (rows * width + cols).astype(np.int32)[None, ..., None].repeat(4, 0)
    layer = RandomElasticTransform(alpha=(20.0, 40.0), sigma=3.0, fill_mode="nearest", seed=8)
    out = layer({"images": ramps, "segmentation_masks": masks})
    # Bilinear sampling of a linear ramp returns the (clamped) source coordinate itself.
    x, y = out["images"].numpy()[..., 0], out["images"].numpy()[..., 1]
    assert np.abs(x - cols).max() > 1.0
    expected = np.floor(y + 0.5) * width + np.floor(x + 0.5)
    exact = (np.abs(x - np.round(x)) < 0.49) & (np.abs(y - np.round(y)) < 0.49)  # away from rounding ties
    np.testing.assert_array_equal(out["segmentation_masks"].numpy()[..., 0][exact], expected[exact])
    assert out["segmentation_masks"].dtype == tf.int32


def test_layer_xla_data_eager_agree_and_unknown_shapes():
    images = tf.constant(smooth_images(batch=4))
    outs = []
    for mode in ("eager", "xla", "data", "signature"):
        layer = RandomElasticTransform(alpha=(10.0, 30.0), sigma=3.0, seed=4)
        call = layer.__call__
        if mode == "xla":
            call = tf.function(call, jit_compile=True)
        if mode == "signature":
            call = tf.function(call, input_signature=[tf.TensorSpec([None, None, None, 3], tf.uint8)])
        if mode == "data":
            outs.append(next(iter(tf.data.Dataset.from_tensors(images).map(call))).numpy())
        else:
            outs.append(call(images).numpy())
    for out in outs[1:]:
        assert np.abs(out.astype(int) - outs[0].astype(int)).max() <= 1
    changed = np.abs(outs[0].astype(int) - images.numpy()).mean(axis=(1, 2, 3))
    assert (changed > 1).all() and len(set(np.round(changed, 3))) == 4  # every sample, each differently
    same_seed = RandomElasticTransform(alpha=(10.0, 30.0), sigma=3.0, seed=4)(images).numpy()
    np.testing.assert_array_equal(same_seed, outs[0])


@pytest.mark.parametrize("dtype", ["uint8", "float32"])
def test_layer_dtype_p_and_sequential_inference(dtype):
    images = tf.constant(smooth_images(batch=16).astype(dtype))
    out = RandomElasticTransform(alpha=30.0, sigma=3.0, p=0.5, seed=1)(images)
    assert out.dtype == images.dtype and out.shape == images.shape
    kept = np.all(out.numpy() == images.numpy(), axis=(1, 2, 3))
    assert 2 <= kept.sum() <= 14
    model = keras.Sequential([RandomElasticTransform(seed=1)])
    np.testing.assert_array_equal(model(images, training=False).numpy(), images.numpy())


def test_layer_config_and_keras_file_round_trip(tmp_path):
    layer = RandomElasticTransform(alpha=(5.0, 50.0), sigma=5.0, fill_mode="constant", fill_value=3.0, seed=2)
    assert RandomElasticTransform.from_config(layer.get_config()).get_config() == layer.get_config()
    model = keras.Sequential([keras.Input((32, 48, 3)), layer])
    model.save(tmp_path / "elastic.keras")
    loaded = keras.models.load_model(tmp_path / "elastic.keras")
    assert loaded.layers[0].get_config() == layer.get_config()


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"alpha": -1.0}, "alpha"),
        ({"alpha": (1.0, float("nan"))}, "alpha"),
        ({"alpha": (-1.0, 1.0)}, "alpha"),
        ({"sigma": 0.0}, "sigma"),
        ({"sigma": (1.0, 2.0)}, "sigma"),
        ({"fill_mode": "mirror"}, "fill_mode"),
        ({"interpolation": "bicubic"}, "interpolation"),
        ({"mask_fill_value": 0.5}, "mask_fill_value"),
    ],
)
def test_layer_rejects_bad_arguments(kwargs, match):
    with pytest.raises(ValueError, match=match):
        RandomElasticTransform(**kwargs)


def test_layer_sorts_a_reversed_alpha_pair():
    # One rule for every range argument (keras_aug.validation.check_range): pairs are sorted, as Keras does.
    assert RandomElasticTransform(alpha=(5.0, 1.0)).alpha == (1.0, 5.0)
