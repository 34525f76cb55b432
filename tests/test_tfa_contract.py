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
