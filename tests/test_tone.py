"""Tone ops (torchvision.transforms.v2.functional names) against PIL ImageOps / ImageEnhance and OpenCV.

torchvision follows PIL for these functions: ``invert`` (``ImageOps.invert``), ``solarize(threshold)``
(``ImageOps.solarize``: values ``>= threshold`` inverted), ``posterize(bits)`` (``ImageOps.posterize``:
``x & ~(2**(8 - bits) - 1)``; floats: ``floor(x * 2**bits).clamp(0, 2**bits - 1) / 2**bits``, from
torchvision's ``posterize_image``), ``autocontrast`` (``ImageOps.autocontrast``, cutoff 0; PIL and
torchvision truncate, we round), ``adjust_sharpness`` (``ImageEnhance.Sharpness``), ``gaussian_blur``
(torchvision: kernel ``exp(-d**2 / (2 sigma**2))`` normalized, default sigma ``0.15 k + 0.35``,
``kernel_size`` as ``(width, height)``, reflect padding = OpenCV's ``BORDER_REFLECT_101``).
``equalize(mode="pil")`` is tested against ``ImageOps.equalize`` in test_histogram.py.
"""

import os

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import cv2
import numpy as np
import pytest
import tensorflow as tf
from conftest import MODES, run
from PIL import Image, ImageEnhance, ImageOps

from keras_aug import ops


def pil(fn, image: np.ndarray) -> np.ndarray:
    return np.asarray(fn(Image.fromarray(image)))


def uint8_images(batch=4, height=17, width=23, channels=3, seed=0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    images = rng.integers(0, 256, (batch, height, width, channels)).astype(np.uint8)
    images[1:2] = np.clip(images[1:2], 40, 180)  # not spanning the full range (autocontrast)
    return images


@pytest.mark.parametrize("mode", MODES)
def test_invert_solarize_posterize_match_pil_per_sample(mode):
    images = uint8_images()
    np.testing.assert_array_equal(run(ops.invert, mode, images), [pil(ImageOps.invert, im) for im in images])
    thresholds = np.array([0, 64, 128, 256], np.float32)
    out = run(ops.solarize, mode, images, thresholds)
    for image, threshold, result in zip(images, thresholds, out, strict=True):
        np.testing.assert_array_equal(
            result, pil(lambda im, t=int(threshold): ImageOps.solarize(im, t), image)
        )
    bits = np.array([1, 3, 6, 8], np.int32)
    out = run(ops.posterize, mode, images, bits)
    assert out.dtype == np.uint8
    for image, b, result in zip(images, bits, out, strict=True):
        np.testing.assert_array_equal(result, pil(lambda im, b=int(b): ImageOps.posterize(im, b), image))


@pytest.mark.parametrize("mode", MODES)
def test_autocontrast_within_one_of_pil_and_exact_to_formula(mode):
    images = uint8_images()
    images[2, ..., 1] = 77  # a constant channel stays as it is
    out = run(ops.autocontrast, mode, images)
    expected = np.stack([pil(ImageOps.autocontrast, im) for im in images])
    assert np.abs(out.astype(int) - expected).max() <= 1  # PIL truncates, we round
    x = images.astype(np.float64)
    low, high = x.min(axis=(1, 2), keepdims=True), x.max(axis=(1, 2), keepdims=True)
    formula = np.where(high > low, (x - low) * 255 / np.maximum(high - low, 1), x)
    np.testing.assert_array_equal(out, np.round(formula))  # half to even, as tf.round
    np.testing.assert_array_equal(out[2, ..., 1], 77)


@pytest.mark.parametrize("mode", MODES)
def test_adjust_sharpness_is_pil_sharpness(mode):
    images = uint8_images()
    factors = np.array([0.0, 0.5, 1.0, 2.0], np.float32)
    out = run(ops.adjust_sharpness, mode, images, factors)
    for image, factor, result in zip(images, factors, out, strict=True):
        expected = pil(lambda im, f=float(factor): ImageEnhance.Sharpness(im).enhance(f), image)
        assert np.abs(result.astype(int) - expected).max() <= (0 if factor in (0.0, 1.0, 2.0) else 1)


def test_float_images_in_value_range():
    rng = np.random.default_rng(1)
    x = rng.random((2, 6, 7, 3)).astype(np.float32)
    unit = {"value_range": (0, 1)}
    np.testing.assert_allclose(ops.invert(x, **unit).numpy(), 1 - x)
    np.testing.assert_allclose(
        ops.solarize(x, [0.5, 2.0], **unit).numpy()[0], np.where(x[0] >= 0.5, 1 - x[0], x[0])
    )
    np.testing.assert_array_equal(ops.solarize(x, [0.5, 2.0], **unit).numpy()[1], x[1])
    # torchvision's float posterize: floor(x * 2**bits) clamped to the top level, / 2**bits
    expected = np.clip(np.floor(x * 8), 0, 7) / 8
    np.testing.assert_allclose(ops.posterize(x, 3, **unit).numpy(), expected)
    np.testing.assert_allclose(ops.posterize(x * 255, 3).numpy(), expected * 255, rtol=1e-6)
    low, high = x.min(axis=(1, 2), keepdims=True), x.max(axis=(1, 2), keepdims=True)
    np.testing.assert_allclose(ops.autocontrast(x, **unit).numpy(), (x - low) / (high - low), atol=1e-6)
    assert ops.invert(x.astype(np.float64), **unit).dtype == tf.float64


def test_uint16_and_12_bit_posterize_use_the_bit_mask():
    rng = np.random.default_rng(2)
    x = rng.integers(0, 65536, (2, 5, 5, 1)).astype(np.uint16)
    np.testing.assert_array_equal(ops.posterize(x, 4).numpy(), x & 0xF000)
    twelve = (x >> 4).astype(np.uint16)
    np.testing.assert_array_equal(ops.posterize(twelve, 4, value_range=(0, 4095)).numpy(), twelve & 0xF00)
    np.testing.assert_array_equal(ops.posterize(x, 16).numpy(), x)  # bits >= value bits: unchanged
    np.testing.assert_array_equal(ops.posterize(x, 0).numpy(), 0)
    np.testing.assert_array_equal(ops.invert(x).numpy(), 65535 - x)


def test_solarize_addition_is_added_then_clipped():
    x = np.array([[[[10], [100], [250]]]], np.uint8)
    out = ops.solarize(x, 128, addition=20.0).numpy().ravel().tolist()
    assert out == [30, 120, 0]  # 270 clipped to 255, then inverted


def blur_5x7(images, sigma):
    return ops.gaussian_blur(images, (5, 7), sigma)


@pytest.mark.parametrize("mode", MODES)
def test_gaussian_blur_matches_opencv_reflect_101(mode):
    rng = np.random.default_rng(3)
    images = rng.uniform(0, 255, (4, 19, 13, 3)).astype(np.float32)
    sigma = np.array([[0.7, 1.3], [2.0, 0.5], [1.0, 1.0], [3.0, 2.5]], np.float32)
    out = run(blur_5x7, mode, images, sigma)
    for image, (sx, sy), result in zip(images, sigma, out, strict=True):
        expected = cv2.GaussianBlur(
            image, (5, 7), sigmaX=float(sx), sigmaY=float(sy), borderType=cv2.BORDER_REFLECT_101
        )
        np.testing.assert_allclose(result, expected, atol=2e-4)


def test_gaussian_blur_default_sigma_uint8_and_large_kernels():
    images = uint8_images(batch=2, height=9, width=11)
    out = ops.gaussian_blur(images, 5).numpy()
    assert out.dtype == np.uint8
    for image, result in zip(images, out, strict=True):
        # torchvision's default sigma 0.15 k + 0.35 (OpenCV's formula for sigma 0, without its small-kernel tables)
        exact = cv2.GaussianBlur(image.astype(np.float32), (5, 5), 1.1, borderType=cv2.BORDER_REFLECT_101)
        assert np.abs(result - exact).max() <= 0.5 + 1e-3  # rounded to nearest
        assert (
            np.abs(result.astype(int) - cv2.GaussianBlur(image, (5, 5), 1.1)).max() <= 1
        )  # cv2's fixed point
    # a kernel wider than the image still reflects (d c b | a b c d, repeated)
    tiny = uint8_images(batch=1, height=3, width=4).astype(np.float32)
    expected = cv2.GaussianBlur(tiny[0], (9, 9), 2.0, borderType=cv2.BORDER_REFLECT_101)
    np.testing.assert_allclose(ops.gaussian_blur(tiny, 9, 2.0).numpy()[0], expected, atol=2e-4)
    one = ops.gaussian_blur(tf.constant(tiny[0]), 3, tf.constant(1.0))  # one image, a scalar tensor sigma
    assert one.shape == tiny.shape[1:]


def test_python_scalars_scalar_tensors_and_vectors_agree():
    images = uint8_images()
    for fn, value in ((ops.solarize, 100), (ops.posterize, 3), (ops.adjust_sharpness, 1.5)):
        a = fn(images, value).numpy()
        np.testing.assert_array_equal(a, fn(images, tf.constant(value)).numpy())
        np.testing.assert_array_equal(a, fn(images, tf.fill([4], tf.constant(value))).numpy())
    a = ops.gaussian_blur(images, 3, 1.2).numpy()
    np.testing.assert_array_equal(a, ops.gaussian_blur(images, 3, tf.constant([1.2] * 4)).numpy())
    np.testing.assert_array_equal(a, ops.gaussian_blur(images, 3, (1.2, 1.2)).numpy())


def test_unknown_shapes_under_xla():
    spec = tf.TensorSpec([None, None, None, 3], tf.uint8)
    bits = tf.TensorSpec([None], tf.int32)
    fns = {
        "posterize": tf.function(
            lambda x, b: ops.posterize(x, b), input_signature=[spec, bits], jit_compile=True
        ),
        "blur": tf.function(
            lambda x, b: ops.gaussian_blur(x, 3, tf.cast(b, tf.float32)),
            input_signature=[spec, bits],
            jit_compile=True,
        ),
        "auto": tf.function(lambda x, b: ops.autocontrast(x), input_signature=[spec, bits], jit_compile=True),
    }
    images = uint8_images(batch=2, height=8, width=6)
    for fn in fns.values():
        assert fn(images, tf.constant([2, 3])).shape == images.shape


@pytest.mark.parametrize(
    "call, name",
    [
        (lambda x: ops.solarize(x, float("nan")), "threshold"),
        (lambda x: ops.posterize(x, 2.5), "bits"),
        (lambda x: ops.posterize(x, -1), "bits"),
        (lambda x: ops.adjust_sharpness(x, float("inf")), "factor"),
        (lambda x: ops.gaussian_blur(x, 4), "kernel_size"),
        (lambda x: ops.gaussian_blur(x, (3, 0)), "kernel_size"),
        (lambda x: ops.gaussian_blur(x, 3, 0.0), "sigma"),
        (lambda x: ops.gaussian_blur(x, 3, (1.0, float("nan"))), "sigma"),
        (lambda x: ops.invert(x, value_range=(1, 0)), "value_range"),
        (lambda x: ops.solarize(x, [1.0, 2.0, 3.0]), "threshold"),
    ],
)
def test_bad_arguments_name_the_argument(call, name):
    with pytest.raises(ValueError, match=name):
        call(uint8_images(batch=2, height=4, width=4))
