"""16-bit CLAHE (uint16 / int16 gray) against OpenCV's CV_16U CLAHE, under XLA, batched, and RandomCLAHE."""

import os

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import albumentations as A
import cv2
import numpy as np
import pytest
import skimage.data
import tensorflow as tf

from keras_aug.layers.histogram import RandomCLAHE
from keras_aug.ops.histogram import clahe

_COMPILED = {}


def run(where, images, clip_limit, **static):
    """``clahe`` eagerly, under XLA or inside a tf.data map; compiled functions are shared."""
    key = (where, tuple(sorted(static.items())))
    if key not in _COMPILED:

        def call(x, c):
            return clahe(x, c, **static)

        if where == "xla":
            _COMPILED[key] = tf.function(call, jit_compile=True)
        elif where == "data":
            _COMPILED[key] = lambda x, c: next(iter(tf.data.Dataset.from_tensors((x, c)).map(call)))
        else:
            _COMPILED[key] = call
    return _COMPILED[key](tf.constant(images), tf.constant(clip_limit, tf.float32)).numpy()


def reference_clahe(image: np.ndarray, clip_limit: float, grid, bins: int) -> np.ndarray:
    """OpenCV's ``clahe.cpp`` in NumPy with ``bins`` levels (its ``histSize``), for integer levels in [0, bins).

    Checked against cv2 for 256 and 65536 bins below; it is the oracle for other level counts (12-bit).
    """
    tiles_x, tiles_y = grid
    height, width = image.shape
    padded = image
    if height % tiles_y or width % tiles_x:
        pad = ((0, tiles_y - height % tiles_y), (0, tiles_x - width % tiles_x))
        padded = np.pad(image, pad, mode="reflect")  # NumPy's reflect is OpenCV's BORDER_REFLECT_101
    tile_h, tile_w = padded.shape[0] // tiles_y, padded.shape[1] // tiles_x
    area = tile_h * tile_w
    limit = max(int(clip_limit * area / bins), 1) if clip_limit > 0 else 0
    luts = np.zeros((tiles_y, tiles_x, bins), np.int64)
    for ty in range(tiles_y):
        for tx in range(tiles_x):
            tile = padded[ty * tile_h : (ty + 1) * tile_h, tx * tile_w : (tx + 1) * tile_w]
            hist = np.bincount(tile.ravel().astype(np.int64), minlength=bins)
            if limit > 0:
                excess = int(np.maximum(hist - limit, 0).sum())
                per_bin, residual = divmod(excess, bins)
                hist = np.minimum(hist, limit) + per_bin
                if residual:
                    hist[np.arange(0, bins, max(bins // residual, 1))[:residual]] += 1
            cdf = np.cumsum(hist).astype(np.float32)
            luts[ty, tx] = np.clip(np.rint(cdf * (np.float32(bins - 1) / np.float32(area))), 0, bins - 1)
    f32 = np.float32
    ty = np.arange(height).astype(f32) * (f32(1) / f32(tile_h)) - f32(0.5)
    tx = np.arange(width).astype(f32) * (f32(1) / f32(tile_w)) - f32(0.5)
    ty1, tx1 = np.floor(ty).astype(int), np.floor(tx).astype(int)
    ya, xa = (ty - ty1).astype(f32)[:, None], (tx - tx1).astype(f32)[None, :]  # float32, as OpenCV
    ty2, tx2 = np.minimum(ty1 + 1, tiles_y - 1), np.minimum(tx1 + 1, tiles_x - 1)
    ty1, tx1 = np.maximum(ty1, 0), np.maximum(tx1, 0)
    values = image.astype(np.int64)

    def lut(rows, cols):
        return luts[rows[:, None], cols[None, :], values].astype(f32)

    top = (lut(ty1, tx1) * (f32(1) - xa)).astype(f32) + (lut(ty1, tx2) * xa).astype(f32)
    bottom = (lut(ty2, tx1) * (f32(1) - xa)).astype(f32) + (lut(ty2, tx2) * xa).astype(f32)
    result = (top * (f32(1) - ya)).astype(f32) + (bottom * ya).astype(f32)
    return np.clip(np.rint(result), 0, bins - 1).astype(np.int64)


def photos12(height: int, width: int, seed: int = 0) -> list[np.ndarray]:
    """12-bit-like X-ray stand-ins: scikit-image's bundled photos (no download) x 16 plus noise."""
    rng = np.random.default_rng(seed)
    photos = [skimage.data.camera(), skimage.data.moon(), skimage.data.brick()]  # 512 x 512 each
    crops = [p[:height, :width].astype(np.uint16) * 16 for p in photos]
    return [(c + rng.integers(0, 16, c.shape)).astype(np.uint16) for c in crops]


def random16(height: int, width: int, seed: int = 0) -> list[np.ndarray]:
    """Full-range and 14-bit noise (every scan extent), and a narrow band where clipping dominates."""
    rng = np.random.default_rng(seed)
    return [
        rng.integers(0, 65536, (height, width)).astype(np.uint16),
        rng.integers(0, 16384, (height, width)).astype(np.uint16),
        rng.integers(30000, 30100, (height, width)).astype(np.uint16),
    ]


def opencv_clahe(image: np.ndarray, clip_limit: float, grid) -> np.ndarray:
    return cv2.createCLAHE(clipLimit=float(clip_limit), tileGridSize=grid).apply(image)


def exactness(out: np.ndarray, expected: np.ndarray) -> tuple[int, float]:
    diff = np.abs(out.astype(np.int64) - expected.astype(np.int64))
    return int(diff.max()), float((diff == 0).mean())


def test_reference_matches_opencv_8_and_16_bit():
    rng = np.random.default_rng(1)
    for grid, clip in (((8, 8), 2.0), ((3, 5), 40.0), ((2, 2), 0.0)):
        for image in [*photos12(67, 101), rng.integers(0, 65536, (67, 101)).astype(np.uint16)]:
            np.testing.assert_array_equal(
                reference_clahe(image, clip, grid, 65536), opencv_clahe(image, clip, grid)
            )
        image8 = skimage.data.camera()[:67, :101]
        np.testing.assert_array_equal(
            reference_clahe(image8, clip, grid, 256), opencv_clahe(image8, clip, grid)
        )


@pytest.mark.parametrize(
    "size, grid, clip_limits",
    [
        ((512, 512), (8, 8), (2.0, 4.0)),
        ((67, 101), (8, 8), (0.0, 1.0, 4.0, 40.0, 1000.0)),
        ((67, 101), (3, 5), (1.0, 3.0, 40.0)),
    ],
)
def test_clahe16_matches_opencv_under_xla(size, grid, clip_limits):
    """Acceptance: within 1 of OpenCV and >= 99% equal, batched, under XLA; in fact bit-exact."""
    images = photos12(*size) + random16(*size)
    batch = np.stack([im for im in images for _ in clip_limits])[..., None]
    clips = np.array([c for _ in images for c in clip_limits], np.float32)
    out = run("xla", batch, clips, tile_grid_size=grid)
    assert out.dtype == np.uint16 and out.shape == batch.shape
    expected = np.stack([opencv_clahe(im, c, grid) for im, c in zip(batch[..., 0], clips, strict=True)])
    photos = len(photos12(1, 1)) * len(clip_limits)
    for name, part in (("12-bit photos", slice(0, photos)), ("random uint16", slice(photos, None))):
        max_diff, equal = exactness(out[part, ..., 0], expected[part])
        print(f"\n{size} {grid} {name}: {equal:.4%} of pixels equal to OpenCV, max diff {max_diff}")
        assert max_diff <= 1 and equal >= 0.99
    np.testing.assert_array_equal(out[..., 0], expected)


def test_clahe16_unknown_shapes_rank3_and_int16():
    spec = tf.TensorSpec([None, None, None, 1], tf.uint16)
    fn = tf.function(lambda x: clahe(x, 4.0, (4, 4)), input_signature=[spec], jit_compile=True)
    image = photos12(40, 56)[0]
    np.testing.assert_array_equal(
        fn(image[None, ..., None]).numpy()[0, ..., 0], opencv_clahe(image, 4.0, (4, 4))
    )
    # A rank-3 int16 image: the same levels shifted by 32768 (its default range is the dtype's).
    signed = (image.astype(np.int32) - 32768).astype(np.int16)
    out = clahe(signed[..., None], 4.0, (4, 4)).numpy()
    assert out.dtype == np.int16 and out.shape == (40, 56, 1)
    np.testing.assert_array_equal(out[..., 0].astype(np.int32) + 32768, opencv_clahe(image, 4.0, (4, 4)))


def test_clahe_12bit_value_range():
    """``value_range=(0, 4095)``: OpenCV's algorithm with 4096 levels, output kept in 12 bits."""
    images = photos12(64, 96, seed=3)
    clips = (2.0, 4.0, 40.0)
    batch = np.stack(images)[..., None]
    out = run("xla", batch, clips, tile_grid_size=(8, 8), value_range=(0, 4095))
    assert out.max() <= 4095
    for o, im, c in zip(out[..., 0], images, clips, strict=True):
        np.testing.assert_array_equal(o, reference_clahe(im, c, (8, 8), 4096))
    # OpenCV's own 16-bit CLAHE on the same data uses 65536 bins: it stretches 12-bit data to 16 bits.
    assert opencv_clahe(images[0], 2.0, (8, 8)).max() > 4095
    # Any integer range: levels low..high, values outside it clipped first.
    offset = run("xla", batch[:1], [3.0], tile_grid_size=(4, 4), value_range=(1000, 2999))[0, ..., 0]
    levels = np.clip(images[0].astype(np.int64), 1000, 2999) - 1000
    np.testing.assert_array_equal(offset.astype(np.int64) - 1000, reference_clahe(levels, 3.0, (4, 4), 2000))


def test_clahe_rgb_uint16_uses_8bit_lab():
    """RGB of any dtype is equalized on 8-bit Lab L (as albumentations): uint16 = uint8 result x 257."""
    rgb = skimage.data.astronaut()[:32, :48]
    expected = A.CLAHE(clip_limit=(2, 2), tile_grid_size=(8, 8), p=1.0)(image=rgb)["image"]
    out = clahe(rgb.astype(np.uint16) * 257, 2.0).numpy()
    np.testing.assert_array_equal(out, expected.astype(np.uint16) * 257)


@pytest.mark.parametrize(
    "image, value_range",
    [
        (np.zeros((8, 8, 1), np.uint16), (0, 4095.5)),
        (np.zeros((8, 8, 1), np.uint16), (-1, 4095)),
        (np.zeros((8, 8, 1), np.uint16), (0, 70000)),
        (np.zeros((8, 8, 1), np.int16), (-40000, 0)),
    ],
)
def test_clahe16_bad_value_range(image, value_range):
    with pytest.raises(ValueError, match="value_range"):
        clahe(image, 2.0, value_range=value_range)


# ---------------------------------------------------------------------------------------------- layer


@pytest.fixture(scope="module")
def layer_batch() -> np.ndarray:
    """Eight 48 x 64 uint16 images (one shape: the layer tests share their compiled programs)."""
    images = photos12(48, 64, seed=4) + random16(48, 64, seed=4) + photos12(48, 64, seed=5)[:2]
    return np.stack(images)[..., None]


def make_layer(**kwargs) -> RandomCLAHE:
    return RandomCLAHE(clip_limit=(1, 8), tile_grid_size=(4, 4), **kwargs)


def test_random_clahe_uint16_applies_opencv_with_the_drawn_clip_limits(layer_batch):
    out = make_layer(seed=5)(layer_batch).numpy()
    assert out.dtype == np.uint16
    limits = make_layer(seed=5).draw_params(tf.constant(layer_batch))["clip_limit"].numpy()
    expected = [opencv_clahe(im[..., 0], c, (4, 4)) for im, c in zip(layer_batch, limits, strict=True)]
    np.testing.assert_array_equal(out[..., 0], np.stack(expected))
    # The same draws in tf.data.
    in_data = next(iter(tf.data.Dataset.from_tensors(layer_batch).map(make_layer(seed=5))))
    np.testing.assert_array_equal(in_data.numpy(), out)


def test_random_clahe_uint16_probability(layer_batch):
    np.testing.assert_array_equal(make_layer(p=0.0)(layer_batch).numpy(), layer_batch)
    out = make_layer(p=0.5, seed=1)(layer_batch).numpy()
    changed = [not np.array_equal(o, b) for o, b in zip(out, layer_batch, strict=True)]
    assert 0 < sum(changed) < len(changed)
