"""sharpness (tfa.image.sharpness) against PIL's ImageEnhance.Sharpness and a NumPy formula."""

import os

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import numpy as np
import pytest
from conftest import MODES, run
from PIL import Image, ImageEnhance

from keras_aug.ops.enhance import sharpness


def pil_sharpness(image: np.ndarray, factor: float) -> np.ndarray:
    return np.asarray(ImageEnhance.Sharpness(Image.fromarray(image)).enhance(factor))


def float_reference(images: np.ndarray, factor) -> np.ndarray:
    """PIL's formula without its rounding steps: SMOOTH inside, the border kept, then the blend."""
    x = images.astype(np.float64)
    kernel = np.array([[1, 1, 1], [1, 5, 1], [1, 1, 1]]) / 13.0
    smooth = x.copy()
    height, width = x.shape[1:3]
    smooth[:, 1:-1, 1:-1] = sum(
        kernel[i, j] * x[:, i : i + height - 2, j : j + width - 2] for i in range(3) for j in range(3)
    )
    factor = np.reshape(factor, (-1, 1, 1, 1))
    return smooth + factor * (x - smooth)


@pytest.mark.parametrize("mode", MODES)
def test_sharpness_matches_pil_per_sample(mode):
    rng = np.random.default_rng(0)
    images = rng.integers(0, 256, (5, 17, 23, 3)).astype(np.uint8)
    factors = np.array([0.0, 0.5, 1.0, 1.7, 2.0], np.float32)
    out = run(sharpness, mode, images, factors)
    assert out.dtype == np.uint8
    for image, factor, result in zip(images, factors, out, strict=True):
        expected = pil_sharpness(image, float(factor)).astype(int)
        diff = np.abs(result.astype(int) - expected)
        # PIL rounds the smoothed image and truncates the blend; we round once, at the end.
        assert diff.max() <= (0 if factor in (0.0, 1.0, 2.0) else 1)
        assert (result[0] == image[0]).all() and (result[:, -1] == image[:, -1]).all()  # border kept
    # Rounded to nearest from float32 arithmetic: within half a level (plus float32 error) of the exact value.
    np.testing.assert_allclose(out, np.clip(float_reference(images, factors), 0, 255), atol=0.5 + 1e-4)


def test_sharpness_gray_single_images_floats_and_tiny_images():
    rng = np.random.default_rng(1)
    gray = rng.integers(0, 256, (12, 9, 1)).astype(np.uint8)
    out = sharpness(gray, 3.0).numpy()[..., 0]
    # Past factor 2, PIL's rounded smooth image is off by up to |1 - factor| / 2 after the blend.
    assert np.abs(out.astype(int) - pil_sharpness(gray[..., 0], 3.0)).max() <= 2
    exact = float_reference(gray[None], 3.0)[0, ..., 0]
    assert (out[exact > 255] == 255).all() and (out[exact < 0] == 0).all() and (exact > 255).any()
    floats = rng.random((2, 8, 10, 3)).astype(np.float32)
    out = sharpness(floats, [0.3, 2.5], value_range=(0, 1)).numpy()
    assert out.dtype == np.float32
    np.testing.assert_allclose(out, np.clip(float_reference(floats, [0.3, 2.5]), 0, 1), atol=1e-6)
    deep = (gray.astype(np.uint16) * 257)[None]  # uint16 keeps its depth: clipped to 65535, not 255
    np.testing.assert_allclose(
        sharpness(deep, 3.0).numpy(), np.clip(float_reference(deep, 3.0), 0, 65535), atol=0.51
    )
    tiny = rng.integers(0, 256, (1, 2, 5, 3)).astype(np.uint8)  # all border: unchanged
    np.testing.assert_array_equal(sharpness(tiny, 0.0).numpy(), tiny)
    with pytest.raises(ValueError, match="factor"):
        sharpness(floats, np.ones((2, 2)))
    with pytest.raises(ValueError, match="value_range"):
        sharpness(floats, 1.0, value_range=(1, 0))
