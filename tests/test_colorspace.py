"""Colour-space ops and layers against outside oracles.

Oracles: PIL (``Image.convert("L")``, ``ImageEnhance.Brightness/Contrast/Color``, which torchvision's
``adjust_brightness/contrast/saturation`` follow), scikit-image's ``rgb2hsv``/``hsv2rgb`` for the hue
rotation, and the NumPy transcription of torchvision.transforms.v2.functional's float formulas:
``adjust_brightness = clamp(f * x)``, ``adjust_saturation = blend(x, gray(x), f)``,
``adjust_contrast = blend(x, mean(gray(x)), f)`` with ``blend(a, b, r) = clamp(r * a + (1 - r) * b)``.
PIL rounds the gray image (and the contrast mean) to integers and truncates the final blend, and we
round once at the end, so uint8 results are compared within one level (see the module docstring of
``keras_aug.ops.colorspace`` for the bound); the float formulas are compared to 1e-4.
"""

from __future__ import annotations

import keras
import numpy as np
import pytest
import tensorflow as tf
from PIL import Image, ImageEnhance
from skimage import color as skcolor

from keras_aug import layers, ops
from tests.conftest import MODES, requires_keras, run, smooth_images

LUMA = np.array([0.299, 0.587, 0.114])


def _images(batch=3, size=12, seed=0):
    return smooth_images(batch, size, size, 3, seed=seed)


def _pil(images, enhance):
    return np.stack([np.asarray(enhance(Image.fromarray(image))) for image in images])


def _within_one(actual, expected):
    diff = np.abs(actual.astype(int) - expected.astype(int))
    assert diff.max() <= 1, diff.max()


# -- ops vs PIL ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("mode", MODES)
def test_rgb_to_grayscale_matches_pil_l(mode):
    images = _images()
    out = run(ops.rgb_to_grayscale, mode, images)
    expected = _pil(images, lambda im: im.convert("L"))[..., None]
    assert out.shape == expected.shape and out.dtype == np.uint8
    _within_one(out, expected)
    exact = np.round(images.astype(np.float64) @ LUMA)[..., None]
    assert np.abs(out - exact).max() <= 1 and np.mean(out == exact) > 0.99


def test_rgb_to_grayscale_three_channels_and_gray_input():
    images = _images(2)
    three = ops.rgb_to_grayscale(images, num_output_channels=3).numpy()
    assert three.shape == images.shape and (three == three[..., :1]).all()
    gray = images[..., :1]
    np.testing.assert_array_equal(ops.rgb_to_grayscale(gray).numpy(), gray)
    np.testing.assert_array_equal(ops.rgb_to_grayscale(gray, 3).numpy(), np.repeat(gray, 3, -1))
    with pytest.raises(ValueError, match="num_output_channels"):
        ops.rgb_to_grayscale(images, 2)
    with pytest.raises(ValueError, match="channels"):
        ops.rgb_to_grayscale(np.zeros([1, 2, 2, 4], np.uint8))


FACTORS = np.array([0.0, 0.6, 1.7])


@pytest.mark.parametrize(
    "op, enhance",
    [
        (ops.adjust_brightness, ImageEnhance.Brightness),
        (ops.adjust_contrast, ImageEnhance.Contrast),
        (ops.adjust_saturation, ImageEnhance.Color),
    ],
    ids=["brightness", "contrast", "saturation"],
)
@pytest.mark.parametrize("mode", MODES)
def test_enhance_ops_match_pil_per_sample(op, enhance, mode):
    images = _images(len(FACTORS))
    out = run(op, mode, images, FACTORS.astype(np.float32))
    expected = np.stack(
        [np.asarray(enhance(Image.fromarray(im)).enhance(f)) for im, f in zip(images, FACTORS, strict=True)]
    )
    assert out.dtype == np.uint8
    _within_one(out, expected)


def _torchvision_float(name, x, factor):
    """torchvision.transforms.v2.functional's float formulas (images in [0, 1]), in float64."""
    gray = (x @ LUMA)[..., None]
    factor = np.reshape(factor, [-1, 1, 1, 1])
    if name == "brightness":
        other = np.zeros_like(x)
    elif name == "saturation":
        other = gray
    else:
        other = gray.mean(axis=(1, 2, 3), keepdims=True)
    return np.clip(factor * x + (1 - factor) * other, 0.0, 1.0)


@pytest.mark.parametrize("name", ["brightness", "contrast", "saturation"])
def test_float_ops_match_torchvision_formulas(name):
    x = _images(len(FACTORS)).astype(np.float32) / 255.0
    op = getattr(ops, f"adjust_{name}")
    out = op(x, FACTORS, value_range=(0, 1)).numpy()
    assert out.dtype == np.float32
    np.testing.assert_allclose(out, _torchvision_float(name, x.astype(np.float64), FACTORS), atol=1e-5)


def test_uint8_contrast_and_saturation_round_the_exact_formula():
    images = _images(len(FACTORS))
    for name in ("contrast", "saturation"):
        exact = _torchvision_float(name, images / 255.0, FACTORS) * 255.0
        out = getattr(ops, f"adjust_{name}")(images, FACTORS).numpy()
        assert np.abs(out - exact).max() <= 0.5 + 1e-3


# -- hue ----------------------------------------------------------------------------------------------


def _skimage_hue(x, hue):
    """HSV rotation with scikit-image (float RGB in [0, 1])."""
    hsv = skcolor.rgb2hsv(x)
    hsv[..., 0] = np.mod(hsv[..., 0] + hue, 1.0)
    return skcolor.hsv2rgb(hsv)


HUES = np.array([-0.5, -0.13, 0.0, 0.27, 0.5])


@pytest.mark.parametrize("mode", MODES)
def test_adjust_hue_matches_skimage_hsv_rotation(mode):
    x = _images(len(HUES), seed=3).astype(np.float32) / 255.0
    out = run(ops.adjust_hue, mode, x, HUES.astype(np.float32), value_range=(0, 1))
    expected = np.stack([_skimage_hue(im.astype(np.float64), h) for im, h in zip(x, HUES, strict=True)])
    np.testing.assert_allclose(out, expected, atol=2e-5)
    np.testing.assert_array_equal(out[2], x[2])  # hue 0 is exact


def test_adjust_hue_uint8_and_primary_colours():
    images = _images(len(HUES), seed=4)
    out = ops.adjust_hue(images, HUES).numpy()
    expected = np.stack([_skimage_hue(im / 255.0, h) * 255.0 for im, h in zip(images, HUES, strict=True)])
    assert out.dtype == np.uint8 and np.abs(out - expected).max() <= 0.5 + 1e-3
    red = np.array([[[[255, 0, 0]]]], np.uint8)
    assert ops.adjust_hue(red, 1 / 3).numpy().ravel().tolist() == [0, 255, 0]
    assert ops.adjust_hue(red, -1 / 3).numpy().ravel().tolist() == [0, 0, 255]
    assert ops.adjust_hue(red, 0.5).numpy().ravel().tolist() == [0, 255, 255]


def test_adjust_hue_value_range_maps_to_unit():
    x = _images(2, seed=5).astype(np.float32) / 127.5 - 1.0
    out = ops.adjust_hue(x, 0.2, value_range=(-1, 1)).numpy()
    expected = np.stack([_skimage_hue((im + 1.0) / 2.0, 0.2) * 2.0 - 1.0 for im in x.astype(np.float64)])
    np.testing.assert_allclose(out, expected, atol=5e-5)


# -- shared contract ----------------------------------------------------------------------------------


@pytest.mark.parametrize("dtype", [np.uint8, np.uint16, np.float32, np.float64])
def test_neutral_factors_are_exact_and_dtype_is_kept(dtype):
    images = _images(2).astype(dtype)
    if dtype == np.uint16:
        images = images * np.uint16(257)
    for op, neutral in [
        (ops.adjust_brightness, 1.0),
        (ops.adjust_contrast, 1.0),
        (ops.adjust_saturation, 1.0),
        (ops.adjust_hue, 0.0),
    ]:
        out = op(images, neutral).numpy()
        assert out.dtype == dtype
        np.testing.assert_array_equal(out, images)
    out = ops.color_jitter(images, 0.0, 1.0, 1.0, 0.0).numpy()
    np.testing.assert_array_equal(out, images)


def test_uint16_keeps_full_depth():
    images = (_images(2).astype(np.uint16) * 257 + 3).astype(np.uint16)
    out = ops.adjust_saturation(images, 0.5).numpy()
    exact = _torchvision_float("saturation", images / 65535.0, 0.5) * 65535.0
    assert out.dtype == np.uint16 and np.abs(out - exact).max() <= 0.5 + 1e-2


def test_gray_images():
    gray = _images(2)[..., :1]
    for op, factor in [(ops.adjust_saturation, 0.3), (ops.adjust_hue, 0.3)]:
        np.testing.assert_array_equal(op(gray, factor).numpy(), gray)
    mean = gray.reshape(2, -1).mean(1)[:, None, None, None]
    np.testing.assert_allclose(
        ops.adjust_contrast(gray, 0.0).numpy(), np.round(np.broadcast_to(mean, gray.shape))
    )
    np.testing.assert_array_equal(ops.adjust_brightness(gray, 0.0).numpy(), 0 * gray)


def test_bad_factors_name_the_argument():
    images = _images(1)
    for op, name, bad in [
        (ops.adjust_brightness, "brightness_factor", -0.1),
        (ops.adjust_contrast, "contrast_factor", float("nan")),
        (ops.adjust_saturation, "saturation_factor", float("inf")),
        (ops.adjust_hue, "hue_factor", 0.6),
    ]:
        with pytest.raises(ValueError, match=name):
            op(images, bad)
    with pytest.raises(ValueError, match="hue_factor"):
        ops.adjust_hue(images, [[0.1]])


def test_color_jitter_is_the_keras_chain():
    """Brightness (+delta), per-channel contrast, saturation, hue: each step in NumPy, in that order."""
    x = _images(3, seed=6).astype(np.float64)
    delta, contrast, saturation, hue = [-20.0, 0.0, 30.0], [0.5, 1.2, 1.0], [1.5, 0.2, 1.0], [0.1, -0.3, 0.0]
    step = np.clip(x + np.reshape(delta, [-1, 1, 1, 1]), 0, 255)
    mean = step.mean(axis=(1, 2), keepdims=True)
    c = np.reshape(contrast, [-1, 1, 1, 1])
    step = np.clip(c * step + (1 - c) * mean, 0, 255)
    s = np.reshape(saturation, [-1, 1, 1, 1])
    step = np.clip(s * step + (1 - s) * (step @ LUMA)[..., None], 0, 255)
    step = np.stack([_skimage_hue(im / 255.0, h) * 255.0 for im, h in zip(step, hue, strict=True)])
    out = ops.color_jitter(x.astype(np.float32), delta, contrast, saturation, hue).numpy()
    np.testing.assert_allclose(out, step, atol=5e-3)


@pytest.mark.parametrize("mode", ["xla", "data"])
def test_ops_under_unknown_shapes(mode):
    spec = tf.TensorSpec([None, None, None, 3], tf.uint8)
    images = _images(2)
    for op, factor in [
        (ops.adjust_brightness, 1.3),
        (ops.adjust_contrast, 0.7),
        (ops.adjust_saturation, 0.4),
        (ops.adjust_hue, 0.2),
        (ops.rgb_to_grayscale, 3),
    ]:
        fn = tf.function(
            lambda x, op=op, factor=factor: op(x, factor), input_signature=[spec], jit_compile=mode == "xla"
        )
        np.testing.assert_array_equal(fn(images).numpy(), op(images, factor).numpy())


# -- layers -------------------------------------------------------------------------------------------

LAYERS = {
    "RandomHue": lambda **kw: layers.RandomHue((0.2, 0.6), **kw),
    "RandomSaturation": lambda **kw: layers.RandomSaturation((0.1, 0.9), **kw),
    "RandomColorDegeneration": lambda **kw: layers.RandomColorDegeneration((0.3, 1.0), **kw),
    "RandomColorJitter": lambda **kw: layers.RandomColorJitter(
        kw.pop("value_range", None), 0.2, 0.3, (0.2, 0.8), 0.3, **kw
    ),
    "RandomGrayscale": lambda **kw: layers.RandomGrayscale(1.0, **kw),
}


def _seed():
    return tf.constant([3, 4], tf.int32)


def _params(layer, images):
    params = layer.get_params(images.shape[0], tf.constant(images), _seed())
    return {k: v.numpy() for k, v in params.items()}, {**params, "apply": tf.ones([images.shape[0]], tf.bool)}


@requires_keras("RandomHue", "transform_images")
def test_random_hue_matches_keras_transform_and_skimage():
    x = _images(6, seed=7).astype(np.float32)
    ours = layers.RandomHue((0.2, 0.8))
    params, tensors = _params(ours, x)
    hue = params["hue"]
    assert (
        np.all((np.abs(hue) >= 0.1 - 1e-6) & (np.abs(hue) <= 0.4 + 1e-6))
        and len(np.unique(np.sign(hue))) == 2
    )
    out = ours.augment_images(tf.constant(x), tensors).numpy()
    expected = keras.layers.RandomHue((0.2, 0.8)).transform_images(tf.constant(x), {"factor": hue})
    np.testing.assert_allclose(out, expected.numpy(), atol=1e-2)
    sk = np.stack(
        [_skimage_hue(im / 255.0, h) * 255.0 for im, h in zip(x.astype(np.float64), hue, strict=True)]
    )
    np.testing.assert_allclose(out, sk, atol=5e-3)


def test_random_saturation_keras_mapping_and_pil():
    images = _images(4)
    np.testing.assert_array_equal(layers.RandomSaturation((0.5, 0.5))(images).numpy(), images)
    gray = layers.RandomSaturation((0.0, 0.0))(images).numpy()
    _within_one(gray, np.repeat(_pil(images, lambda im: im.convert("L"))[..., None], 3, -1))
    doubled = layers.RandomSaturation((2 / 3, 2 / 3))(images).numpy()  # f / (1 - f) = 2
    _within_one(doubled, _pil(images, lambda im: ImageEnhance.Color(im).enhance(2.0)))
    draws = layers.RandomSaturation(0.6).get_params(2000, tf.zeros([2000, 1, 1, 3]), _seed())["saturation"]
    assert 0.0 <= draws.numpy().min() < 0.01 and 1.45 < draws.numpy().max() <= 1.5 + 1e-5  # f in [0, 0.6]


@requires_keras("RandomColorDegeneration", "transform_images")
def test_random_color_degeneration_matches_keras_and_pil():
    images = _images(4)
    half = layers.RandomColorDegeneration((0.5, 0.5))(images).numpy()
    _within_one(half, _pil(images, lambda im: ImageEnhance.Color(im).enhance(0.5)))
    x = images.astype(np.float32)
    ours = layers.RandomColorDegeneration(0.9)
    params, tensors = _params(ours, x)
    amount = (1.0 - params["saturation"]).reshape(-1, 1, 1, 1).astype(np.float32)
    expected = keras.layers.RandomColorDegeneration(0.9).transform_images(tf.constant(x), {"factor": amount})
    # Keras' luma weighs red 0.2989 (ours 0.299): at most 0.001 * 255 apart
    np.testing.assert_allclose(
        ours.augment_images(tf.constant(x), tensors).numpy(), expected.numpy(), atol=0.3
    )


@pytest.mark.parametrize("mode", ["xla", "data"])
def test_random_grayscale_with_factor_one_is_pil_gray_in_a_program_and_in_tf_data(mode):
    # in an XLA program its all-zero saturation is read as data-dependent (keras_aug.ops.xla.unfolded)
    images = _images(4)
    layer = layers.RandomGrayscale(1.0)
    if mode == "xla":
        out = tf.function(lambda x: layer(x, training=True), jit_compile=True)(tf.constant(images))
    else:
        out = next(iter(tf.data.Dataset.from_tensors(images).map(lambda x: layer(x, training=True))))
    _within_one(out.numpy(), np.repeat(_pil(images, lambda im: im.convert("L"))[..., None], 3, -1))


@requires_keras("RandomGrayscale", "transform_images")
def test_random_grayscale_matches_keras_and_pil():
    images = _images(4)
    out = layers.RandomGrayscale(1.0)(images).numpy()
    assert out.shape == images.shape and out.dtype == np.uint8
    _within_one(out, np.repeat(_pil(images, lambda im: im.convert("L"))[..., None], 3, -1))
    keras_out = keras.layers.RandomGrayscale(1.0).transform_images(
        tf.constant(images, tf.float32), tf.ones([4, 1, 1, 1], tf.bool)
    )
    np.testing.assert_allclose(out, keras_out.numpy(), atol=1.0)
    many = _images(64, 4)
    half = layers.RandomGrayscale(seed=0)(many).numpy()  # Keras' default factor 0.5
    converted = np.all(half == half[..., :1], axis=(1, 2, 3))
    untouched = np.all(half == many, axis=(1, 2, 3))
    assert np.all(converted | untouched) and 16 < converted.sum() < 48
    np.testing.assert_array_equal(layers.RandomGrayscale(0.0)(many).numpy(), many)
    gray = many[..., :1]
    np.testing.assert_array_equal(layers.RandomGrayscale(1.0)(gray).numpy(), gray)


def test_random_color_jitter_is_keras_order_with_per_sample_draws():
    x = _images(4, seed=8).astype(np.float64)
    layer = layers.RandomColorJitter((0, 255), 0.3, 0.4, (0.2, 0.8), 0.5)
    params, tensors = _params(layer, x.astype(np.float32))
    for key, (low, high) in {
        "delta": (-0.3 * 255, 0.3 * 255),
        "contrast": (0.6, 1.4),
        "saturation": (0.25, 4.0),
        "hue": (-0.25, 0.25),
    }.items():
        assert (
            np.all((params[key] >= low - 1e-4) & (params[key] <= high + 1e-4)) and len(set(params[key])) == 4
        )
    step = np.clip(x + params["delta"].reshape(-1, 1, 1, 1), 0, 255)
    c = params["contrast"].reshape(-1, 1, 1, 1)
    step = np.clip(c * step + (1 - c) * step.mean(axis=(1, 2), keepdims=True), 0, 255)
    s = params["saturation"].reshape(-1, 1, 1, 1)
    step = np.clip(s * step + (1 - s) * (step @ LUMA)[..., None], 0, 255)
    step = np.stack([_skimage_hue(im / 255.0, h) * 255.0 for im, h in zip(step, params["hue"], strict=True)])
    out = layer.augment_images(tf.constant(x, tf.float32), tensors).numpy()
    np.testing.assert_allclose(out, step, atol=1e-2)


@requires_keras("RandomColorJitter", "transform_images")
def test_random_color_jitter_brightness_matches_keras():
    x = _images(2).astype(np.float32)
    keras_out = keras.layers.RandomColorJitter(brightness_factor=(0.1, 0.1), seed=1)(x).numpy()
    ours = layers.RandomColorJitter(brightness_factor=(0.1, 0.1), seed=1)(x).numpy()
    np.testing.assert_allclose(ours, keras_out, atol=1e-4)


def test_random_color_jitter_gray_images_and_neutral():
    gray = _images(2)[..., :1]
    out = layers.RandomColorJitter(saturation_factor=(0.0, 0.0), hue_factor=0.5, seed=1)(gray).numpy()
    np.testing.assert_array_equal(out, gray)
    images = _images(2)
    np.testing.assert_array_equal(layers.RandomColorJitter(seed=1)(images).numpy(), images)


@pytest.fixture(scope="module")
def uint8_batch():
    return _images(4, 16, seed=9)


@pytest.mark.parametrize("name", list(LAYERS))
def test_layer_eager_xla_and_tf_data_agree(name, uint8_batch):
    make = LAYERS[name]
    eager = make(seed=5)(uint8_batch).numpy()
    layer = make(seed=5)
    xla = tf.function(lambda x: layer(x, training=True), jit_compile=True)(tf.constant(uint8_batch)).numpy()
    data_layer = make(seed=5)
    in_data = next(iter(tf.data.Dataset.from_tensors(uint8_batch).map(lambda x: data_layer(x)))).numpy()
    assert eager.dtype == np.uint8 and eager.shape == uint8_batch.shape
    np.testing.assert_array_equal(eager, xla)
    np.testing.assert_array_equal(eager, in_data)
    assert not np.array_equal(eager, uint8_batch)


@pytest.mark.parametrize("name", list(LAYERS))
def test_layer_float_input_unknown_shapes_and_config(name, uint8_batch, tmp_path):
    make = LAYERS[name]
    kwargs = {} if name == "RandomGrayscale" else {"value_range": (0, 1)}
    x = uint8_batch.astype(np.float32) / 255.0
    out = make(seed=1, **kwargs)(x).numpy()
    assert out.dtype == np.float32 and out.min() >= 0.0 and out.max() <= 1.0
    layer = make(seed=2)
    spec = tf.TensorSpec([None, None, None, 3], tf.uint8)
    fn = tf.function(lambda t: layer(t, training=True), input_signature=[spec], jit_compile=True)
    assert fn(uint8_batch).shape == uint8_batch.shape
    layer = make(seed=3)
    clone = type(layer).from_config(layer.get_config())
    assert clone.get_config() == layer.get_config()
    np.testing.assert_array_equal(clone(uint8_batch).numpy(), make(seed=3)(uint8_batch).numpy())
    model = keras.Sequential([keras.Input((16, 16, 3), dtype="uint8"), layer])
    np.testing.assert_array_equal(model(uint8_batch, training=False).numpy(), uint8_batch)
    path = str(tmp_path / "model.keras")
    model.save(path)
    loaded = keras.models.load_model(path)
    assert loaded.layers[-1].get_config() == layer.get_config()


def test_layers_in_a_jit_compiled_model(uint8_batch):
    model = keras.Sequential(
        [
            keras.Input((16, 16, 3)),
            # every layer also runs under jit_compile in test_layer_eager_xla_and_tf_data_agree
            LAYERS["RandomColorJitter"](seed=1),
            LAYERS["RandomGrayscale"](seed=2),
            keras.layers.Flatten(),
            keras.layers.Dense(1),
        ]
    )
    model.compile(loss="mse", jit_compile=True)
    model.train_on_batch(uint8_batch.astype(np.float32), np.zeros([4, 1], np.float32))
    assert model.jit_compile is True


def test_keras_positional_arguments_and_bad_arguments():
    assert layers.RandomHue(0.2, (0, 1), None, 42).seed == 42
    assert layers.RandomSaturation(0.2, (0, 1), None, 42).seed == 42
    assert layers.RandomGrayscale(0.3, None, 42).seed == 42
    assert layers.RandomColorJitter((0, 1), 0.1, 0.1, 0.1, 0.1, 42).seed == 42
    for make, match in [
        (lambda: layers.RandomHue(1.5), "factor"),
        (lambda: layers.RandomHue(-0.1), "factor"),
        (lambda: layers.RandomSaturation((0.2, 1.2)), "factor"),
        (lambda: layers.RandomColorDegeneration(float("nan")), "factor"),
        (lambda: layers.RandomGrayscale(1.5), "factor"),
        (lambda: layers.RandomColorJitter(brightness_factor=2.0), "brightness_factor"),
        (lambda: layers.RandomColorJitter(contrast_factor=(1.5, 2.0)), "contrast_factor"),
        (lambda: layers.RandomColorJitter(saturation_factor=-0.5), "saturation_factor"),
        (lambda: layers.RandomColorJitter(hue_factor=float("inf")), "hue_factor"),
        (lambda: layers.RandomColorJitter(value_range=(1, 0)), "value_range"),
    ]:
        with pytest.raises(ValueError, match=match):
            make()
