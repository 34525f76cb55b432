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

import numpy as np
import pytest
import tensorflow as tf
from PIL import Image, ImageEnhance
from skimage import color as skcolor

from keras_aug import ops
from tests.conftest import MODES, run, smooth_images

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
