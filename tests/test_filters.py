"""mean_filter2d and median_filter2d (tfa.image semantics) against scipy.ndimage and NumPy references."""

import os

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import itertools

import numpy as np
import pytest
import scipy.ndimage as ndi
from conftest import MODES, run
from numpy.lib.stride_tricks import sliding_window_view

from keras_aug.ops import filters
from keras_aug.ops.filters import mean_filter2d, median_filter2d

# tf.pad's modes as scipy.ndimage and np.pad spell them.
SCIPY_MODE = {"reflect": "mirror", "symmetric": "reflect", "constant": "constant"}


def origin(shape):
    """scipy's origin that puts tfa's window ``[i - (n - 1) // 2, i + n // 2]`` under pixel ``i``."""
    return [0, *((n - 1) // 2 - n // 2 for n in shape), 0]


def windows(images, shape, padding, cval=0):
    """Every tfa window ``[B, H, W, C, rows * cols]`` (np.pad spells the modes like tf.pad)."""
    pads = [(0, 0), ((shape[0] - 1) // 2, shape[0] // 2), ((shape[1] - 1) // 2, shape[1] // 2), (0, 0)]
    kwargs = {"constant_values": cval} if padding == "constant" else {}
    padded = np.pad(images, pads, mode=padding, **kwargs)
    view = sliding_window_view(padded, shape, axis=(1, 2))
    return view.reshape(*view.shape[:4], -1)


# ----------------------------------------------------------------------------------------------
# mean_filter2d
# ----------------------------------------------------------------------------------------------


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("padding", sorted(SCIPY_MODE))
def test_mean_filter2d_matches_scipy_uniform_filter(mode, padding):
    images = np.random.default_rng(0).random((2, 17, 23, 3)).astype(np.float32)
    for shape in [(3, 3), (5, 4), (2, 7)] if mode == "xla" else [(5, 4)]:
        out = run(
            mean_filter2d, mode, images, filter_shape=shape, padding=padding.upper(), constant_values=0.25
        )
        expected = ndi.uniform_filter(
            images.astype(np.float64),
            (1, *shape, 1),
            mode=SCIPY_MODE[padding],
            cval=0.25,
            origin=origin(shape),
        )
        assert out.dtype == np.float32
        np.testing.assert_allclose(out, expected, atol=2e-6)


def test_mean_filter2d_rounds_integers_ranks_and_long_windows():
    rng = np.random.default_rng(1)
    images = rng.integers(0, 256, (2, 20, 31, 3)).astype(np.uint8)
    shape = (7, 13)  # 13 = 8 + 4 + 1: three power-of-two spans
    out = run(mean_filter2d, "xla", images, filter_shape=shape, padding="symmetric")
    expected = ndi.uniform_filter(
        images.astype(np.float64), (1, *shape, 1), mode="reflect", origin=origin(shape)
    )
    assert out.dtype == np.uint8
    np.testing.assert_array_equal(out, np.rint(expected))  # exact sums: ties round half to even
    gray = images[0, ..., 0].astype(np.int32)
    out = mean_filter2d(gray, 3, padding="constant", constant_values=100).numpy()
    expected = ndi.uniform_filter(gray.astype(np.float64), 3, mode="constant", cval=100)
    assert out.dtype == np.int32 and out.shape == gray.shape
    np.testing.assert_array_equal(out, np.rint(expected))
    np.testing.assert_array_equal(mean_filter2d(images[0], 1).numpy(), images[0])


# ----------------------------------------------------------------------------------------------
# median_filter2d
# ----------------------------------------------------------------------------------------------


def test_the_sorting_networks_sort_every_zero_one_input():
    # The 0-1 principle: a comparator network that sorts every 0/1 sequence sorts everything.
    for size in range(1, 13):
        bits = np.array(list(itertools.product([0, 1], repeat=size)))
        for i, j in filters.sorting_network(size):
            bits[:, i], bits[:, j] = np.minimum(bits[:, i], bits[:, j]), np.maximum(bits[:, i], bits[:, j])
        assert (np.diff(bits, axis=1) >= 0).all()
    assert len(filters._selection_network(9, (4,))) < len(filters.sorting_network(9))


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("padding", sorted(SCIPY_MODE))
def test_median_filter2d_odd_windows_match_scipy(mode, padding):
    rng = np.random.default_rng(2)
    images = rng.integers(0, 256, (2, 15, 19, 3)).astype(np.uint8)
    for shape in [(3, 3), (5, 5), (3, 7)] if mode == "xla" else [(3, 3)]:
        out = run(median_filter2d, mode, images, filter_shape=shape, padding=padding, constant_values=77)
        expected = ndi.median_filter(images, size=(1, *shape, 1), mode=SCIPY_MODE[padding], cval=77)
        assert out.dtype == np.uint8
        np.testing.assert_array_equal(out, expected)
    if mode != "xla":
        return
    floats = rng.random((1, 15, 19, 2)).astype(np.float32)
    out = run(median_filter2d, mode, floats, filter_shape=(5, 3), padding=padding, constant_values=0.5)
    expected = ndi.median_filter(floats, size=(1, 5, 3, 1), mode=SCIPY_MODE[padding], cval=0.5)
    np.testing.assert_array_equal(out, expected)


@pytest.mark.parametrize("padding", sorted(SCIPY_MODE))
def test_median_filter2d_even_windows_average_the_two_middle_values(padding):
    rng = np.random.default_rng(3)
    floats = rng.random((2, 12, 14, 2)).astype(np.float32)
    for shape in [(2, 2), (4, 3)]:
        out = run(median_filter2d, "xla", floats, filter_shape=shape, padding=padding, constant_values=0.5)
        expected = np.median(windows(floats, shape, padding, 0.5), axis=-1)
        np.testing.assert_allclose(out, expected, atol=1e-7)
    ints = rng.integers(-1000, 1000, (2, 12, 14, 1)).astype(np.int32)
    out = run(median_filter2d, "data", ints, filter_shape=(2, 4), padding=padding, constant_values=3)
    np.testing.assert_array_equal(out, np.rint(np.median(windows(ints, (2, 4), padding, 3), axis=-1)))


def test_median_filter2d_large_windows_sort_and_ranks(monkeypatch):
    rng = np.random.default_rng(4)
    image = rng.integers(0, 256, (14, 16)).astype(np.uint8)
    expected = ndi.median_filter(image, size=(13, 13), mode="mirror")
    np.testing.assert_array_equal(median_filter2d(image, 13).numpy(), expected)  # over 1,200 pairs: tf.sort
    monkeypatch.setattr(filters, "_NETWORK_MAX_COMPARATORS", 0)
    np.testing.assert_array_equal(
        median_filter2d(image[..., None], (3, 3)).numpy()[..., 0], ndi.median_filter(image, 3, mode="mirror")
    )
    assert median_filter2d(image, 1).numpy().tolist() == image.tolist()


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"filter_shape": 0}, "filter_shape"),
        ({"filter_shape": (3, 3, 3)}, "filter_shape"),
        ({"filter_shape": (3.0, 3)}, "filter_shape"),
        ({"padding": "wrap"}, "padding"),
    ],
)
@pytest.mark.parametrize("op", [mean_filter2d, median_filter2d])
def test_filters_reject_bad_arguments(op, kwargs, match):
    with pytest.raises(ValueError, match=match):
        op(np.zeros((4, 4, 1), np.float32), **kwargs)
    with pytest.raises(ValueError, match="rank"):
        op(np.zeros((1, 4, 4, 1, 1), np.float32))
