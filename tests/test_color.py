"""Color ops and layers against NumPy formulas written here, albumentations and Keras 3's own layers."""

import os

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import albumentations as A
import numpy as np
import pytest
import tensorflow as tf

from keras_aug.ops import color

MODES = ("eager", "xla", "data")
_COMPILED = {}


def run(op, mode, *tensors, **static):
    """Run ``op(*tensors, **static)`` eagerly, under XLA, or inside a tf.data map; compiled fns are shared."""
    tensors = tuple(tf.convert_to_tensor(t) for t in tensors)
    fn = _COMPILED.setdefault((op, mode, tuple(sorted(static.items()))), _make(op, mode, static))
    return fn(*tensors).numpy()


def _make(op, mode, static):
    def call(*tensors):
        return op(*tensors, **static)

    if mode == "eager":
        return call
    if mode == "xla":
        return tf.function(call, jit_compile=True)
    return lambda *tensors: next(iter(tf.data.Dataset.from_tensors(tensors).map(call)))


def assert_matches(out, expected, dtype, value_range=(0, 255)):
    """Float results within 1e-5 of the range; integer ones equal to the float64 formula rounded half to even,
    except by one where the exact value is within 1e-3 of a rounding boundary (float32 arithmetic)."""
    low, high = value_range
    expected = np.clip(np.asarray(expected, np.float64), low, high)
    assert out.dtype == np.dtype(dtype)
    assert out.shape == expected.shape
    if np.dtype(dtype).kind == "f":
        np.testing.assert_allclose(out, expected, atol=1e-5 * (high - low), rtol=1e-6)
        return
    diff = np.abs(out.astype(np.int64) - np.rint(expected).astype(np.int64))
    near_half = np.abs(np.abs(expected - np.floor(expected)) - 0.5) < 1e-3
    assert diff.max() <= 1
    assert np.all((diff == 0) | near_half)


def images_u8(shape=(4, 32, 48, 3), seed=0):
    return np.random.default_rng(seed).integers(0, 256, shape, dtype=np.uint8)


def images_f32(shape=(4, 32, 48, 3), seed=0):
    return np.random.default_rng(seed).random(shape, dtype=np.float32)


def col(values):
    return np.asarray(values, np.float64).reshape(-1, 1, 1, 1)


# --------------------------------------------------------------------------------------------------- ops


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("channels", [1, 3])
def test_brightness_uint8(mode, channels):
    x = images_u8((4, 32, 48, channels))
    delta = np.array([-300.0, -20.5, 0.0, 77.3], np.float32)
    out = run(color.brightness, mode, x, delta)
    assert_matches(out, x + col(delta), np.uint8)


@pytest.mark.parametrize("mode", MODES)
def test_brightness_float_unit_range(mode):
    x = images_f32()
    delta = np.array([-0.5, -0.1, 0.2, 0.9], np.float32)
    out = run(color.brightness, mode, x, delta, value_range=(0, 1))
    assert_matches(out, x + col(delta), np.float32, (0, 1))


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("channels", [1, 3])
def test_contrast_uses_each_images_channel_mean(mode, channels):
    x = images_u8((4, 32, 48, channels))
    factor = np.array([0.0, 0.5, 1.0, 1.8], np.float32)
    out = run(color.contrast, mode, x, factor)
    mean = x.astype(np.float64).mean(axis=(1, 2), keepdims=True)
    assert_matches(out, (x - mean) * col(factor) + mean, np.uint8)


@pytest.mark.parametrize("mode", MODES)
def test_contrast_float_255_range(mode):
    x = images_f32() * 255.0
    factor = np.array([0.3, 1.0, 1.5, 2.0], np.float32)
    out = run(color.contrast, mode, x, factor, value_range=(0, 255))
    mean = x.astype(np.float64).mean(axis=(1, 2), keepdims=True)
    assert_matches(out, (x - mean) * col(factor) + mean, np.float32)


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("channels", [1, 3])
def test_brightness_contrast_formula(mode, channels):
    x = images_u8((4, 32, 48, channels))
    alpha = np.array([0.7, 1.0, 1.25, 2.0], np.float32)
    beta = np.array([30.0, -51.0, 0.0, -200.0], np.float32)
    out = run(color.brightness_contrast, mode, x, alpha, beta)
    assert_matches(out, x * col(alpha) + col(beta), np.uint8)


@pytest.mark.parametrize("alpha,beta", [(0.8, 25.5), (1.2, -51.0), (1.37, 13.3), (0.5, 0.0)])
def test_brightness_contrast_matches_albumentations(alpha, beta):
    transform = A.RandomBrightnessContrast(p=1.0)
    x = images_u8((1, 32, 48, 3), seed=3)
    out = run(color.brightness_contrast, "xla", x, [alpha], [beta])[0]
    # albumentations builds a float32 LUT and truncates it to uint8; we round, so allow one level
    reference = transform.apply(x[0], alpha=alpha, beta=beta)
    assert np.abs(out.astype(int) - reference.astype(int)).max() <= 1
    xf = x[0].astype(np.float32) / 255.0
    out_f = run(color.brightness_contrast, "xla", xf[None], [alpha], [beta / 255.0], value_range=(0, 1))[0]
    np.testing.assert_allclose(out_f, transform.apply(xf, alpha=alpha, beta=beta / 255.0), atol=1e-6)


@pytest.mark.parametrize("mode", MODES)
def test_gamma_uint8_and_float(mode):
    x = images_u8()
    g = np.array([0.3, 0.8, 1.0, 2.5], np.float32)
    out = run(color.gamma, mode, x, g)
    assert_matches(out, 255.0 * (x / 255.0) ** col(g), np.uint8)
    xf = images_f32() * 2.0 - 1.0
    out_f = run(color.gamma, mode, xf, g, value_range=(-1, 1))
    assert_matches(out_f, -1.0 + 2.0 * ((xf + 1.0) / 2.0) ** col(g), np.float32, (-1, 1))


def test_gamma_matches_albumentations_on_float():
    transform = A.RandomGamma(p=1.0)
    x = images_f32((1, 32, 48, 3))
    out = run(color.gamma, "xla", x, [1.15], value_range=(0, 1))[0]
    np.testing.assert_allclose(out, transform.apply(x[0], gamma=1.15), atol=1e-6)


@pytest.mark.parametrize("mode", MODES)
def test_blend_interpolates_and_extrapolates(mode):
    a, b = images_u8(seed=1), images_u8(seed=2)
    factor = np.array([0.0, 0.3, 1.0, 1.7], np.float32)
    out = run(color.blend, mode, a, b, factor)
    expected = a + col(factor) * (b.astype(np.float64) - a)
    assert_matches(out, expected, np.uint8)


@pytest.mark.parametrize("mode", MODES)
def test_normalize_and_denormalize(mode):
    x = images_u8()
    mean, std = np.array([120.0, 115.5, 100.0], np.float32), np.array([60.0, 58.0, 62.5], np.float32)
    z = run(color.normalize, mode, x, mean, std)
    assert z.dtype == np.float32
    np.testing.assert_allclose(z, (x - mean.astype(np.float64)) / std, atol=1e-5)
    back = run(color.denormalize, mode, z, mean, std, dtype="uint8")
    np.testing.assert_array_equal(back, x)
    back_f = run(color.denormalize, mode, z, mean, std)
    np.testing.assert_allclose(back_f, x, atol=1e-4)


def test_single_image_scalar_parameter_and_dtypes():
    x = images_u8((32, 48, 3))
    out = color.brightness(x, 10.0).numpy()
    assert out.shape == x.shape
    assert_matches(out, x + 10.0, np.uint8)
    for dtype in (tf.float16, tf.bfloat16, tf.float64, tf.int32):
        y = color.brightness_contrast(tf.cast(x, dtype), 1.1, -3.0)
        assert y.dtype == dtype
        np.testing.assert_allclose(tf.cast(y, tf.float64).numpy(), np.clip(x * 1.1 - 3.0, 0, 255), atol=1.0)
    z = color.normalize(tf.constant(x, tf.float16), 128.0, 64.0)
    assert z.dtype == tf.float16


@pytest.mark.parametrize(
    "call,match",
    [
        (lambda: color.brightness(images_u8(), 1.0, value_range=(1, 1)), "value_range"),
        (lambda: color.brightness(images_u8(), 1.0, value_range=(0, 1, 2)), "value_range"),
        (lambda: color.contrast(images_u8(), 1.0, value_range="uint8"), "value_range"),
        (lambda: color.brightness(images_u8(), np.ones([4, 2])), "delta"),
        (lambda: color.gamma(images_u8()[0, 0], 1.0), "images"),
        (lambda: color.normalize(images_u8(), np.ones([2, 3]), 1.0), "mean"),
    ],
)
def test_bad_arguments_raise_value_error(call, match):
    with pytest.raises(ValueError, match=match):
        call()
