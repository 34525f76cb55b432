"""Large images: the warps computed in bands of output rows, against OpenCV, and their peak memory.

Banding starts above ``engines.BAND_PIXELS`` pixels (about 1M); the tests lower it so that a small image
(37 x 29, a size no other test uses, so no earlier trace is reused) runs through several bands, the last
one overlapping the previous band, and compare with OpenCV as the small-image tests do.
"""

import cv2
import numpy as np
import pytest
import tensorflow as tf
from conftest import MODES, run, smooth_images

from keras_aug import ops
from keras_aug.ops import elastic
from keras_aug.ops.geometry import engines

H, W = 37, 29
BORDERS = {"constant": cv2.BORDER_CONSTANT, "reflect": cv2.BORDER_REFLECT, "nearest": cv2.BORDER_REPLICATE}
CV_INTERPOLATION = {"bilinear": cv2.INTER_LINEAR, "nearest": cv2.INTER_NEAREST}
_OPENCV_5 = int(cv2.__version__.split(".")[0]) >= 5
CV2_TOLERANCE = 1 if _OPENCV_5 else 2  # as in test_warps: OpenCV 4 samples at 1/32-pixel positions
CV2_FRACTION = 0.999 if _OPENCV_5 else 0.985
# OpenCV 4's 1/32-pixel coordinates on unrounded float32 outputs of steep images: up to ~4 levels, 98.9% within 3
FLOAT_TOLERANCE = CV2_TOLERANCE if _OPENCV_5 else 3
ELASTIC_MAX_LEVELS = 2 if _OPENCV_5 else 3  # uint8 through cv2.remap's 1/32-pixel coordinates


@pytest.fixture
def small_bands(monkeypatch):
    """Bands of 10 rows (300 // 29) on 37-row images: 4 bands, the last one overlapping the third."""
    monkeypatch.setattr(engines, "BAND_PIXELS", 300)
    assert engines.band_rows(H, W) == 10


@pytest.fixture(scope="module")
def images():
    return smooth_images(3, H, W, 3, seed=11)


def _as(images: np.ndarray, dtype: str) -> np.ndarray:
    return (images.astype(np.uint16) * 257).astype(np.uint16) if dtype == "uint16" else images.astype(dtype)


def _close_to_cv2(got: np.ndarray, cv: np.ndarray, scale: float) -> float:
    """The fraction of values within the OpenCV tolerance (in 8-bit levels, ``scale`` per level)."""
    tolerance = FLOAT_TOLERANCE if got.dtype == np.float32 else CV2_TOLERANCE
    return float((np.abs(got.astype(np.float64) - cv.astype(np.float64)) <= tolerance * scale).mean())


def _matrices(kind: str, rng) -> np.ndarray:
    """Output→input matrices of the engine ``kind`` (projective: a random quad)."""
    batch = 3
    if kind == "projective":
        corners = np.array([[0, 0], [W - 1, 0], [W - 1, H - 1], [0, H - 1]], np.float64)
        quads = corners + rng.uniform(-5, 5, (batch, 4, 2))
        return ops.perspective_matrix(corners, quads).numpy()
    out = np.tile(np.eye(3, dtype=np.float32), (batch, 1, 1))
    out[:, :2, 2] = rng.uniform(-6, 6, (batch, 2))
    if kind in ("scale", "affine"):
        out[:, 0, 0], out[:, 1, 1] = rng.uniform(0.7, 1.4, (2, batch))
    if kind == "affine":
        out[:, 0, 1], out[:, 1, 0] = rng.uniform(-0.5, 0.5, (2, batch))
    return out


KINDS = ["translation", "scale", "affine", "projective"]
# Every dtype, interpolation and fill eagerly; under XLA and in tf.data (the bands inside one program or
# one graph) a subset, since each combination compiles anew.
CASES = [("eager", k, d, i, ("constant", "reflect", "nearest")) for k in KINDS
         for d in ("uint8", "uint16", "float32") for i in ("bilinear", "nearest")]  # fmt: skip
CASES += [(m, k, "uint8", "bilinear", ("constant",)) for m in MODES[1:] for k in KINDS]
CASES += [(m, "affine", "float32", "nearest", ("reflect",)) for m in MODES[1:]]


@pytest.mark.parametrize(("mode", "kind", "dtype", "interpolation", "fill_modes"), CASES)
def test_banded_warps_match_cv2(small_bands, images, mode, kind, dtype, interpolation, fill_modes):
    rng = np.random.default_rng(len(kind) + 7 * len(dtype))
    matrices = _matrices(kind, rng)
    source = _as(images, dtype)
    scale = 257.0 if dtype == "uint16" else 1.0
    for fill_mode in fill_modes:
        got = run(ops.warp, mode, source, matrices, interpolation=interpolation, fill_mode=fill_mode,
                  fill_value=9.0, kind=kind)  # fmt: skip
        assert got.dtype == source.dtype
        for i in range(3):
            cv = cv2.warpPerspective(
                source[i], matrices[i].astype(np.float64), (W, H),
                flags=CV_INTERPOLATION[interpolation] | cv2.WARP_INVERSE_MAP,
                borderMode=BORDERS[fill_mode], borderValue=(9, 9, 9),
            )  # fmt: skip
            fraction = _close_to_cv2(got[i], cv, scale)
            assert fraction >= CV2_FRACTION, (fill_mode, i, fraction)


@pytest.mark.parametrize(
    ("mode", "fill_mode"), [("eager", "constant"), ("eager", "nearest"), ("xla", "reflect")]
)
def test_banded_remap_matches_cv2(small_bands, images, mode, fill_mode):
    rng = np.random.default_rng(3)
    x = rng.uniform(-4, W + 3, (3, H, W)).astype(np.float32)
    y = rng.uniform(-4, H + 3, (3, H, W)).astype(np.float32)
    x, y = (cv2.GaussianBlur(v, (0, 0), 3.0) for v in (x, y))  # smooth maps, like an elastic field
    got = run(ops.geometry.remap, mode, images, x, y, fill_mode=fill_mode, fill_value=9.0)
    for i in range(3):
        cv = cv2.remap(
            images[i], x[i], y[i], cv2.INTER_LINEAR, borderMode=BORDERS[fill_mode], borderValue=(9,) * 3
        )
        assert _close_to_cv2(got[i], cv, 1.0) >= CV2_FRACTION


@pytest.mark.parametrize(("sigma", "mode"), [(1.5, "eager"), (4.0, "eager"), (7.0, "eager"), (4.0, "data")])
def test_banded_elastic_transform_is_cv2_remap_of_its_field(small_bands, images, sigma, mode):
    """Bands start on the noise lattice (stride floor(sigma)): 12-row bands for sigma 4, 14 for sigma 7."""
    seed = tf.constant([5, 6])
    got = run(lambda im, s: elastic.elastic_transform(im, 3 * sigma, sigma, s), mode, images, seed)
    dx, dy = (v.numpy() for v in elastic.elastic_displacement(seed, 3, H, W, 3 * sigma, sigma))
    grid_x, grid_y = np.meshgrid(np.arange(W, dtype=np.float32), np.arange(H, dtype=np.float32))
    for i in range(3):
        cv = cv2.remap(
            images[i], grid_x + dx[i], grid_y + dy[i], cv2.INTER_LINEAR, borderMode=cv2.BORDER_REFLECT
        )
        assert np.abs(got[i].astype(int) - cv.astype(int)).max() <= ELASTIC_MAX_LEVELS


@pytest.mark.parametrize("dtype", ["uint8", "float32"])
@pytest.mark.parametrize("interpolation", ["bilinear", "nearest"])
def test_banded_shift_equals_the_whole_image_shift(monkeypatch, images, dtype, interpolation):
    """The whole image crops columns first on the transposed source, a band crops rows then columns:
    the same pixels, bit for bit, for every fill mode and shifts beyond the image's size."""
    source = _as(images, dtype)
    dx, dy = [0.5, -30.25, 61.7], [-3.5, 40.2, -80.6]
    shift = lambda fill_mode: ops.shift(source, dx, dy, interpolation, fill_mode, 9.0).numpy()  # noqa: E731
    whole = {fill_mode: shift(fill_mode) for fill_mode in ("constant", "reflect", "nearest", "wrap")}
    monkeypatch.setattr(engines, "BAND_PIXELS", 300)
    for fill_mode, expected in whole.items():
        np.testing.assert_array_equal(shift(fill_mode), expected, err_msg=fill_mode)


def test_band_rows_and_in_bands_cover_every_row_once():
    assert engines.band_rows(224, 224) is None and engines.band_rows(None, 4096) is None
    assert engines.band_rows(4096, 4096) == 256 and engines.band_rows(4096, 4096, multiple=11) == 264
    for height, rows, multiple in [(37, 10, 1), (40, 10, 1), (4097, 264, 11), (50, 12, 4)]:
        starts = []

        def band(start, rows=rows, starts=starts):
            starts.append(start)
            return tf.range(start, start + rows)[tf.newaxis]

        out = engines.in_bands(band, height, rows, multiple)
        assert out.numpy()[0].tolist() == list(range(height))  # every row once, in order
        assert all(start % multiple == 0 for start in starts), starts


def test_rotation_peak_memory_is_at_most_six_times_the_image():
    """One RandomRotation call on a 2048 x 2048 RGB uint8 image, in a fresh process (about 20 s).

    ``benchmarks.memory`` resets the kernel's peak-RSS mark after a warm-up call and reads it after the
    call; before banding this was about 12x the image's bytes (576 MiB at 4096 x 4096).
    """
    memory = pytest.importorskip("benchmarks.memory")
    result = memory.measure_in_subprocess("rotation", 2048, "uint8", timeout=300)
    assert "error" not in result, result
    assert result["peak_bytes"] >= result["image_bytes"]  # the output alone is one image
    assert result["factor"] <= 6.0, result
