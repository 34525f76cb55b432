"""Color ops and layers against NumPy formulas written here, albumentations and Keras 3's own layers."""

import os

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import albumentations as A
import numpy as np
import pytest
import tensorflow as tf
from conftest import requires_keras

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


@pytest.mark.parametrize("mode", MODES)
def test_apply_lut_and_gamma_lut(mode):
    x = images_u8()
    tables = np.random.default_rng(7).integers(0, 256, (4, 256), dtype=np.uint8)
    out = run(color.apply_lut, mode, x, tables)
    np.testing.assert_array_equal(out, np.take_along_axis(tables, x.reshape(4, -1), axis=1).reshape(x.shape))
    g = np.array([0.4, 1.0, 1.7, 3.0], np.float32)
    lut = run(color.gamma_lut, mode, g, value_range=(16, 235))
    levels = np.arange(256, dtype=np.float64)
    expected = 16 + 219 * np.clip((levels - 16) / 219, 0, 1)[None] ** g[:, None].astype(np.float64)
    assert_matches(lut, expected, np.uint8, (16, 235))


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
    twelve_bit = np.random.default_rng(1).integers(0, 4096, (2, 8, 8, 1)).astype(np.uint16)
    out = color.contrast(twelve_bit, [0.5, 1.5], value_range=(0, 4095)).numpy()
    mean = twelve_bit.astype(np.float64).mean(axis=(1, 2), keepdims=True)
    assert_matches(out, (twelve_bit - mean) * col([0.5, 1.5]) + mean, np.uint16, (0, 4095))
    out = color.gamma(twelve_bit, [0.5, 2.0], value_range=(0, 4095)).numpy()
    assert_matches(out, 4095 * (twelve_bit / 4095.0) ** col([0.5, 2.0]), np.uint16, (0, 4095))
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
        (lambda: color.apply_lut(images_f32(), np.arange(256)), "uint8"),
        (lambda: color.apply_lut(images_u8(), np.arange(255)), "tables"),
    ],
)
def test_bad_arguments_raise_value_error(call, match):
    with pytest.raises(ValueError, match=match):
        call()


def test_uint8_fixed_point_matches_exact_rounding_on_every_level():
    levels = np.tile(np.arange(256, dtype=np.uint8).reshape(1, 16, 16, 1), (600, 1, 1, 1))
    rng = np.random.default_rng(5)
    alpha = rng.uniform(-16, 16, 600).astype(np.float32)
    beta = rng.uniform(-300, 300, 600).astype(np.float32)
    alpha[:100], beta[:100] = np.round(alpha[:100] * 4) / 4, np.round(beta[:100] * 2) / 2  # exact ties
    out = color.brightness_contrast(levels, alpha, beta).numpy().astype(np.int64)
    exact = levels * col(alpha) + col(beta)
    half_up = np.clip(np.floor(exact + 0.5), 0, 255)
    near_half = np.abs(exact - np.floor(exact) - 0.5) < 1e-5
    assert np.all((out == half_up) | near_half)


# ------------------------------------------------------------------------------------------------ layers

import keras  # noqa: E402

from keras_aug.layers import color as layers  # noqa: E402

LAYERS = {
    "brightness": lambda **kw: layers.RandomBrightness(0.3, **kw),
    "contrast": lambda **kw: layers.RandomContrast((0.4, 0.6), **kw),
    "brightness_contrast": lambda **kw: layers.RandomBrightnessContrast(0.25, 0.3, p=1.0, **kw),
    "gamma": lambda **kw: layers.RandomGamma((60, 150), p=1.0, **kw),
}


def seed():
    return tf.constant([11, 22], tf.int32)


def params_of(layer, images):
    images = tf.convert_to_tensor(images)
    params = layer.get_params(images.shape[0], images, seed())
    return {k: v.numpy() for k, v in params.items()}, {**params, "apply": tf.ones([images.shape[0]], tf.bool)}


@requires_keras("RandomBrightness", "transform_images")
def test_random_brightness_matches_keras_transform():
    ours, keras_layer = layers.RandomBrightness((-0.4, 0.5)), keras.layers.RandomBrightness((-0.4, 0.5))
    x = images_u8().astype(np.float32)
    params, tensors = params_of(ours, x)
    expected = keras_layer.transform_images(
        tf.constant(x), {"rgb_delta": col(params["delta"]).astype(np.float32)}
    )
    np.testing.assert_allclose(
        ours.augment_images(tf.constant(x), tensors).numpy(), expected.numpy(), atol=1e-4
    )
    assert np.all(np.abs(params["delta"]) <= 0.5 * 255)


@requires_keras("RandomContrast", "transform_images")
@pytest.mark.parametrize("channels", [1, 3])
def test_random_contrast_matches_keras_transform(channels):
    ours, keras_layer = layers.RandomContrast((0.4, 0.6)), keras.layers.RandomContrast((0.4, 0.6))
    x = images_u8((4, 32, 48, channels)).astype(np.float32)
    params, tensors = params_of(ours, x)
    factor = col(params["factor"]).astype(np.float32)
    expected = keras_layer.transform_images(tf.constant(x), {"contrast_factor": factor})
    np.testing.assert_allclose(
        ours.augment_images(tf.constant(x), tensors).numpy(), expected.numpy(), atol=1e-3
    )


def test_factor_draws_cover_the_documented_ranges():
    big = tf.zeros([4000, 1, 1, 1])
    cases = [
        (layers.RandomBrightness(0.2), "delta", (-0.2 * 255, 0.2 * 255)),
        (layers.RandomBrightness((-0.1, 0.3), value_range=(0, 1)), "delta", (-0.1, 0.3)),
        (layers.RandomContrast(0.2), "factor", (0.8, 1.2)),  # Keras' documented meaning
        (layers.RandomContrast((0.5, 1.5)), "factor", (0.5, 2.5)),
        (layers.RandomBrightnessContrast(0.1, (-0.5, 0.2)), "alpha", (0.5, 1.2)),
        (layers.RandomBrightnessContrast(0.1, (-0.5, 0.2)), "beta", (-25.5, 25.5)),
        (layers.RandomGamma((80, 120)), "gamma", (0.8, 1.2)),
        (layers.RandomGamma(150), "gamma", (0.01, 1.5)),  # albumentations: a number g means (1, g) percent
    ]
    for layer, key, (low, high) in cases:
        values = layer.get_params(4000, big, seed())[key].numpy()
        span = high - low
        assert low - 1e-5 <= values.min() < low + 0.01 * span, (layer, key)
        assert high - 0.01 * span < values.max() <= high + 1e-5, (layer, key)


def test_random_brightness_contrast_matches_albumentations_per_sample():
    transform = A.RandomBrightnessContrast(p=1.0)
    for by_max in (True, False):
        layer = layers.RandomBrightnessContrast(0.3, 0.3, brightness_by_max=by_max, p=1.0)
        x = images_u8(seed=4)
        params, tensors = params_of(layer, x)
        u = params["beta"] / (255.0 if by_max else x.reshape(4, -1).mean(axis=1))
        assert np.all(np.abs(u) <= 0.3 + 1e-6) and np.all(np.abs(params["alpha"] - 1) <= 0.3 + 1e-6)
        out = layer.augment_images(tf.constant(x), tensors).numpy()
        for i in range(4):
            reference = transform.apply(x[i], alpha=float(params["alpha"][i]), beta=float(params["beta"][i]))
            assert np.abs(out[i].astype(int) - reference).max() <= 1  # albumentations truncates, we round


@pytest.mark.parametrize("mode", ["eager", "xla", "data"])
def test_brightness_by_mean_is_the_numpy_mean_in_every_mode(mode):
    # brightness_by_max=False: beta = limit * each image's mean (in XLA programs a folded reduction)
    x = images_f32(shape=(3, 37, 53, 3), seed=5)
    layer = layers.RandomBrightnessContrast((0.2, 0.2), (0.0, 0.0), False, value_range=(0, 2), p=1.0)
    run = {
        "eager": lambda t: layer(t, training=True),
        "xla": tf.function(lambda t: layer(t, training=True), jit_compile=True),
        "data": lambda t: next(iter(tf.data.Dataset.from_tensors(t).map(lambda b: layer(b, training=True)))),
    }[mode]
    out = run(tf.constant(x)).numpy()
    expected = x + 0.2 * x.astype(np.float64).mean(axis=(1, 2, 3), keepdims=True)
    np.testing.assert_allclose(out, expected, rtol=0, atol=1e-6)


def test_ensure_safe_range_matches_albumentations():
    from albumentations.augmentations.pixel import functional as fpixel

    layer = layers.RandomBrightnessContrast(0.6, 0.9, ensure_safe_range=True)
    unsafe = layers.RandomBrightnessContrast(0.6, 0.9)
    x = tf.zeros([64, 2, 2, 1], tf.uint8)
    safe_params = layer.get_params(64, x, seed())
    raw = unsafe.get_params(64, x, seed())
    for i in range(64):
        alpha, beta = fpixel.get_safe_brightness_contrast_params(
            float(raw["alpha"][i]), float(raw["beta"][i]), 255
        )
        np.testing.assert_allclose(
            [safe_params["alpha"][i], safe_params["beta"][i]], [alpha, beta], rtol=1e-5
        )


def test_random_gamma_matches_albumentations_per_sample():
    transform = A.RandomGamma(p=1.0)
    layer = layers.RandomGamma((50, 200), value_range=(0, 1), p=1.0)
    x = images_f32()
    params, tensors = params_of(layer, x)
    out = layer.augment_images(tf.constant(x), tensors).numpy()
    for i in range(4):
        np.testing.assert_allclose(out[i], transform.apply(x[i], gamma=float(params["gamma"][i])), atol=1e-5)


@pytest.fixture(scope="module")
def uint8_batch():
    return images_u8(seed=9)


@pytest.mark.parametrize("name", list(LAYERS))
def test_layer_eager_xla_and_tf_data_agree_for_a_seed(name, uint8_batch):
    make = LAYERS[name]
    eager = make(seed=5)(uint8_batch).numpy()
    layer = make(seed=5)
    xla = tf.function(lambda x: layer(x, training=True), jit_compile=True)(tf.constant(uint8_batch)).numpy()
    data_layer = make(seed=5)
    ds = tf.data.Dataset.from_tensors(uint8_batch).map(lambda x: data_layer(x, training=True))
    in_data = next(iter(ds)).numpy()
    assert eager.dtype == np.uint8 and eager.shape == uint8_batch.shape
    np.testing.assert_array_equal(eager, xla)
    np.testing.assert_array_equal(eager, in_data)
    assert not np.array_equal(eager, uint8_batch)
    # samples get different parameters: per-sample mean shifts differ
    shifts = (eager.astype(float) - uint8_batch).mean(axis=(1, 2, 3))
    assert len(np.unique(np.round(shifts, 3))) == 4
    assert not np.array_equal(make(seed=6)(uint8_batch).numpy(), eager)


@pytest.mark.parametrize("name", list(LAYERS))
def test_layer_float_input_keeps_dtype_and_range(name):
    layer = LAYERS[name](value_range=(0, 1), seed=1)
    x = images_f32()
    out = layer(x).numpy()
    assert out.dtype == np.float32 and out.min() >= 0.0 and out.max() <= 1.0
    single = layer(x[0]).numpy()
    assert single.shape == x[0].shape


@pytest.mark.parametrize("name", list(LAYERS))
def test_layer_unknown_shapes_and_dict_inputs(name):
    layer = LAYERS[name](seed=2)
    spec = tf.TensorSpec([None, None, None, 3], tf.uint8)
    fn = tf.function(lambda x: layer(x, training=True), input_signature=[spec])
    out = fn(images_u8((2, 17, 23, 3)))
    assert out.shape == (2, 17, 23, 3) and out.dtype == tf.uint8
    data = {
        "images": tf.constant(images_u8((2, 8, 8, 3))),
        "segmentation_masks": tf.ones((2, 8, 8, 1), tf.int32),
        "labels": tf.constant([0, 1]),
    }
    out = layer(data)
    np.testing.assert_array_equal(out["segmentation_masks"], data["segmentation_masks"])
    np.testing.assert_array_equal(out["labels"], [0, 1])


@pytest.mark.parametrize("name", list(LAYERS))
def test_layer_config_round_trip_and_inference_identity(name, tmp_path, uint8_batch):
    layer = LAYERS[name](seed=3)
    clone = type(layer).from_config(layer.get_config())
    assert clone.get_config() == layer.get_config()
    np.testing.assert_array_equal(clone(uint8_batch).numpy(), LAYERS[name](seed=3)(uint8_batch).numpy())
    model = keras.Sequential([keras.Input((32, 48, 3), dtype="uint8"), layer])
    np.testing.assert_array_equal(model(uint8_batch, training=False).numpy(), uint8_batch)
    path = str(tmp_path / "model.keras")
    model.save(path)
    loaded = keras.models.load_model(path)
    assert loaded.layers[-1].get_config() == layer.get_config()
    np.testing.assert_array_equal(loaded.predict(uint8_batch, verbose=0), uint8_batch)


def test_positional_arguments_follow_keras_and_albumentations():
    assert layers.RandomBrightness(0.2, (0, 1), 42).seed == 42
    assert layers.RandomContrast(0.2, (0, 1), 42).seed == 42
    assert layers.RandomBrightnessContrast(0.1, 0.1, True, False, 0.3).p == 0.3
    assert layers.RandomGamma((80, 120), 0.3).p == 0.3


def test_probability_leaves_other_samples_untouched():
    x = images_f32((64, 4, 4, 3))
    out = layers.RandomBrightnessContrast(0.3, 0.3, value_range=(0, 1), seed=0)(x).numpy()  # default p=0.5
    same = np.all(out == x, axis=(1, 2, 3))
    assert 16 < same.sum() < 48
    assert layers.RandomBrightnessContrast().p == 0.5 and layers.RandomContrast(0.1).p == 1.0


@pytest.mark.parametrize(
    "make,match",
    [
        (lambda: layers.RandomBrightness(1.5), "factor"),
        (lambda: layers.RandomBrightness((0.1, 0.2, 0.3)), "factor"),
        (lambda: layers.RandomBrightness("0.2"), "factor"),
        (lambda: layers.RandomContrast(-0.1), "factor"),
        (lambda: layers.RandomContrast((1.5, 2.0)), "factor"),
        (lambda: layers.RandomContrast(0.2, value_range=(1, 0)), "value_range"),
        (lambda: layers.RandomBrightnessContrast(contrast_limit=(-1.5, 0.2)), "contrast_limit"),
        (lambda: layers.RandomBrightnessContrast(brightness_by_max=1), "brightness_by_max"),
        (lambda: layers.RandomGamma((0, 120)), "gamma_limit"),
        (lambda: layers.RandomGamma(p=2.0), "p"),
    ],
)
def test_layer_bad_arguments_raise_value_error(make, match):
    with pytest.raises(ValueError, match=match):
        make()
