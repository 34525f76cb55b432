"""CLAHE and histogram equalization against OpenCV, albumentations and PIL, eagerly, under XLA and in tf.data."""

import os

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import albumentations as A
import cv2
import numpy as np
import pytest
import skimage.data
import tensorflow as tf
from conftest import requires_keras
from PIL import Image, ImageOps

from keras_aug.ops import histogram
from keras_aug.ops.histogram import clahe, equalize

MODES = ("eager", "xla", "data")
_COMPILED = {}


def run(op, where, *tensors, **static):
    """Run ``op(*tensors, **static)`` eagerly, under XLA or inside a tf.data map; compiled fns are shared."""
    tensors = tuple(tf.convert_to_tensor(t) for t in tensors)
    key = (op, where, tuple(sorted(static.items())))
    if key not in _COMPILED:
        _COMPILED[key] = _make(op, where, static)
    return _COMPILED[key](*tensors).numpy()


def _make(op, where, static):
    def call(*tensors):
        return op(*tensors, **static)

    if where == "eager":
        return call
    if where == "xla":
        return tf.function(call, jit_compile=True)
    return lambda *tensors: next(iter(tf.data.Dataset.from_tensors(tensors).map(call)))


def gray_images(height: int, width: int) -> list[np.ndarray]:
    """Real photos (scikit-image's bundled files, no download) and random images, cropped to size."""
    rng = np.random.default_rng(height * 1000 + width)
    photos = [skimage.data.camera(), skimage.data.moon(), skimage.data.coins(), skimage.data.page()]
    crops = [p[7 : 7 + height, 11 : 11 + width] for p in photos]
    noise = rng.integers(0, 256, (height, width), dtype=np.uint8)
    dull = rng.integers(100, 116, (height, width), dtype=np.uint8)  # low contrast: clipping matters
    return [*crops, noise, dull]


def rgb_images(height: int, width: int) -> list[np.ndarray]:
    rng = np.random.default_rng(height + width)
    photos = [skimage.data.astronaut(), skimage.data.coffee(), skimage.data.chelsea()]
    return [p[5 : 5 + height, 9 : 9 + width] for p in photos] + [
        rng.integers(0, 256, (height, width, 3), np.uint8)
    ]


def opencv_clahe(image: np.ndarray, clip_limit: float, grid) -> np.ndarray:
    return cv2.createCLAHE(clipLimit=clip_limit, tileGridSize=grid).apply(image)


def report_exactness(out: np.ndarray, expected: np.ndarray) -> tuple[int, float]:
    diff = np.abs(out.astype(np.int64) - expected.astype(np.int64))
    return int(diff.max()), float((diff == 0).mean())


# ---------------------------------------------------------------------------------------------- CLAHE, gray

CLIP_LIMITS = (1.0, 2.0, 4.0, 40.0)
# (height, width): divisible by every grid, by neither side, and by one side only.
SIZES = ((64, 96), (67, 101), (64, 101))


@pytest.mark.parametrize(
    "size, grid", [(s, g) for s in SIZES for g in ((2, 2), (8, 8), (16, 16))] + [((67, 101), (3, 5))]
)
def test_clahe_gray_matches_opencv_under_xla(size, grid):
    """Acceptance: every pixel within 1 of OpenCV and >= 99% equal; in fact bit-exact."""
    images = gray_images(*size)
    batch = np.stack([im for im in images for _ in CLIP_LIMITS])[..., None]
    clips = np.array([c for _ in images for c in CLIP_LIMITS], np.float32)
    out = run(clahe, "xla", batch, clips, tile_grid_size=grid)
    expected = np.stack(
        [opencv_clahe(im, float(c), grid) for im, c in zip(batch[..., 0], clips, strict=True)]
    )
    max_diff, equal = report_exactness(out[..., 0], expected)
    assert max_diff <= 1 and equal >= 0.99, (max_diff, equal)
    np.testing.assert_array_equal(out[..., 0], expected)


@pytest.mark.parametrize("mode", ["eager", "data"])
def test_clahe_gray_eager_and_in_tf_data(mode):
    image = gray_images(67, 101)[0]
    out = run(clahe, mode, image[None, ..., None], 2.0, tile_grid_size=(8, 8))
    np.testing.assert_array_equal(out[0, ..., 0], opencv_clahe(image, 2.0, (8, 8)))


def test_clahe_no_clipping_and_rank3():
    image = gray_images(64, 96)[1]
    out = clahe(image[..., None], clip_limit=0.0, tile_grid_size=(4, 4))
    assert out.shape == (64, 96, 1) and out.dtype == tf.uint8
    np.testing.assert_array_equal(out.numpy()[..., 0], opencv_clahe(image, 0.0, (4, 4)))


@pytest.mark.parametrize("size, grid", [((300, 400), (2, 2)), ((2050, 2048), (1, 1))])
@pytest.mark.parametrize("clip_limit", [0.0, 4.0])
def test_clahe_large_tiles_and_full_bins_match_opencv(size, grid, clip_limit):
    # Tile areas of 30,000 and 4.2M pixels (the running counts switch to wider operands at 2**11 and
    # fall back to a cumsum at 2**22), with one bin holding a whole tile (a constant image).
    photo = np.resize(skimage.data.camera(), size)
    constant = np.full(size, 77, np.uint8)
    batch = np.stack([photo, constant])[..., None]
    out = run(clahe, "xla", batch, clip_limit, tile_grid_size=grid)
    for got, image in zip(out[..., 0], batch[..., 0], strict=True):
        np.testing.assert_array_equal(got, opencv_clahe(image, clip_limit, grid))


def test_clahe_single_tile_and_tiny_image():
    image = gray_images(64, 96)[0]
    np.testing.assert_array_equal(
        clahe(image[..., None], 3.0, 1).numpy()[..., 0], opencv_clahe(image, 3.0, (1, 1))
    )
    tiny = gray_images(5, 7)[4]  # smaller than the grid: padding reflects more than once
    np.testing.assert_array_equal(
        clahe(tiny[..., None], 2.0, 8).numpy()[..., 0], opencv_clahe(tiny, 2.0, (8, 8))
    )


@pytest.mark.parametrize("jit", [False, True])
def test_clahe_unknown_shapes(jit):
    spec = tf.TensorSpec([None, None, None, 1], tf.uint8)
    fn = tf.function(lambda x: clahe(x, 4.0, (8, 8)), input_signature=[spec], jit_compile=jit)
    for size in ((64, 96), (67, 101)):
        image = gray_images(*size)[0]
        np.testing.assert_array_equal(
            fn(image[None, ..., None]).numpy()[0, ..., 0], opencv_clahe(image, 4.0, (8, 8))
        )


def test_clahe_gray_float_input():
    image = gray_images(64, 96)[0]
    as_float = image.astype(np.float32) / 255
    expected = A.CLAHE(clip_limit=(2, 2), tile_grid_size=(8, 8), p=1.0)(image=as_float)["image"]
    out = run(clahe, "xla", as_float[None, ..., None], 2.0, value_range=(0, 1))
    assert out.dtype == np.float32
    np.testing.assert_array_equal(out[0, ..., 0], expected)
    # Floats default to (0, 255), the package's one value-range rule (Keras'): the same levels, in 0..255.
    out255 = clahe(image[..., None].astype(np.float32), 2.0).numpy()[..., 0]
    np.testing.assert_allclose(out255, opencv_clahe(image, 2.0, (8, 8)), atol=1e-4)


# ---------------------------------------------------------------------------------------------- CLAHE, RGB


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("size", [(64, 96), (67, 101)])
def test_clahe_rgb_matches_albumentations(mode, size):
    """RGB: L of OpenCV's 8-bit Lab is equalized, as albumentations' ``CLAHE`` does."""
    images = rgb_images(*size)
    clip_limits = (1.0, 4.0, 40.0, 2.5)
    expected = np.stack(
        [
            A.CLAHE(clip_limit=(c, c), tile_grid_size=(8, 8), p=1.0)(image=im)["image"]
            for im, c in zip(images, clip_limits, strict=True)
        ]
    )
    out = run(clahe, mode, np.stack(images), np.array(clip_limits, np.float32))
    np.testing.assert_array_equal(out, expected)


@pytest.mark.parametrize("grid", [(2, 2), (16, 16)])
def test_clahe_rgb_grids(grid):
    image = rgb_images(64, 96)[0]
    expected = A.CLAHE(clip_limit=(4, 4), tile_grid_size=grid, p=1.0)(image=image)["image"]
    np.testing.assert_array_equal(run(clahe, "xla", image[None], 4.0, tile_grid_size=grid)[0], expected)


def test_clahe_rgb_float_input():
    image = rgb_images(64, 96)[1].astype(np.float32) / 255
    expected = A.CLAHE(clip_limit=(4, 4), p=1.0)(image=image)["image"]
    np.testing.assert_array_equal(run(clahe, "xla", image, 4.0, value_range=(0, 1)), expected)


def _all_colours() -> np.ndarray:
    codes = np.arange(2**24, dtype=np.uint32)
    return (
        np.stack([codes & 255, (codes >> 8) & 255, codes >> 16], -1).astype(np.uint8).reshape(4096, 4096, 3)
    )


def test_lab_conversion_matches_opencv_on_every_colour():
    """OpenCV's 8-bit RGB <-> Lab, rebuilt from its tables, on all 2**24 inputs each way (under XLA)."""
    colours = _all_colours()

    @tf.function(jit_compile=True)
    def forward(rgb):
        return tf.cast(tf.stack(histogram._rgb_to_lab(tf.cast(rgb, tf.int32)), -1), tf.uint8)

    @tf.function(jit_compile=True)
    def backward(lab):
        lab = tf.cast(lab, tf.int32)
        return tf.cast(histogram._lab_to_rgb(lab[..., 0], lab[..., 1], lab[..., 2]), tf.uint8)

    for rows in np.split(np.arange(4096), 4):  # 4M colours at a time keeps memory small
        chunk = colours[rows]
        np.testing.assert_array_equal(forward(chunk).numpy(), cv2.cvtColor(chunk, cv2.COLOR_RGB2LAB))
        np.testing.assert_array_equal(backward(chunk).numpy(), cv2.cvtColor(chunk, cv2.COLOR_LAB2RGB))


# ---------------------------------------------------------------------------------------------- equalize


def equalize_cases() -> list[np.ndarray]:
    rng = np.random.default_rng(3)
    return [
        gray_images(32, 48)[0],
        rng.integers(0, 256, (32, 48), dtype=np.uint8),
        np.full((32, 48), 7, np.uint8),  # one level
        np.where(rng.random((32, 48)) < 0.3, 20, 200).astype(np.uint8),  # two levels
        rng.integers(100, 103, (32, 48)).astype(np.uint8),  # PIL: step 0
        np.where(rng.random((32, 48)) < 0.9, rng.integers(0, 200, (32, 48)), 255).astype(np.uint8),
    ]


def pil_equalize(image: np.ndarray) -> np.ndarray:
    return np.asarray(ImageOps.equalize(Image.fromarray(image)))


@pytest.mark.parametrize("mode", MODES)
def test_equalize_matches_opencv_and_pil(mode):
    batch = np.stack(equalize_cases())[..., None]
    out_cv = run(equalize, mode, batch)[..., 0]
    out_pil = run(equalize, mode, batch, mode="pil")[..., 0]
    np.testing.assert_array_equal(out_cv, np.stack([cv2.equalizeHist(im) for im in batch[..., 0]]))
    np.testing.assert_array_equal(out_pil, np.stack([pil_equalize(im) for im in batch[..., 0]]))


@pytest.mark.parametrize("mode", MODES)  # RGB: one histogram scatter per channel
def test_equalize_rgb_per_channel(mode):
    image = rgb_images(32, 48)[0]
    expected_cv = np.stack([cv2.equalizeHist(image[..., c]) for c in range(3)], -1)
    np.testing.assert_array_equal(run(equalize, mode, image), expected_cv)
    np.testing.assert_array_equal(run(equalize, mode, image, mode="pil"), pil_equalize(image))
    expected_alb = A.Equalize(mode="cv", by_channels=True, p=1.0)(image=image)["image"]
    np.testing.assert_array_equal(run(equalize, mode, image), expected_alb)


def test_equalize_float_input():
    image = gray_images(32, 48)[0]
    out = equalize(image[..., None].astype(np.float32) / 255, value_range=(0, 1)).numpy()[..., 0]
    np.testing.assert_array_equal(out, cv2.equalizeHist(image).astype(np.float32) / 255)
    # Floats default to (0, 255) (the package's one value-range rule, as Keras).
    out = equalize(image[..., None].astype(np.float32)).numpy()[..., 0]
    np.testing.assert_array_equal(out, cv2.equalizeHist(image).astype(np.float32))


# ---------------------------------------------------------------------------------------------- bad input


@pytest.mark.parametrize(
    "kwargs, match",
    [
        ({"tile_grid_size": (0, 8)}, "tile_grid_size"),
        ({"tile_grid_size": "8"}, "tile_grid_size"),
        ({"tile_grid_size": (8,)}, "tile_grid_size"),
        ({"clip_limit": np.ones((2, 2))}, "clip_limit"),
        ({"value_range": (1, 0)}, "value_range"),
    ],
)
def test_clahe_bad_arguments(kwargs, match):
    with pytest.raises(ValueError, match=match):
        clahe(np.zeros((2, 16, 16, 1), np.uint8), **kwargs)


@pytest.mark.parametrize("shape", [(2, 16, 16, 2), (16, 16, 4), (16, 16)])
def test_clahe_bad_images(shape):
    with pytest.raises(ValueError, match="images"):
        clahe(np.zeros(shape, np.uint8))


def test_equalize_bad_mode():
    with pytest.raises(ValueError, match="mode"):
        equalize(np.zeros((16, 16, 1), np.uint8), mode="tfa")


# ---------------------------------------------------------------------------------------------- peers


@requires_keras("ContrastLimitedAdaptiveHistogramEqualization")
def test_keras_clahe_is_less_exact_than_ours():
    """Keras 3's CLAHE layer against OpenCV, next to ours (numbers go to the report via -s)."""
    import keras

    images = gray_images(64, 96)[:4]
    batch = np.stack(images)[..., None]
    expected = np.stack([opencv_clahe(im, 4.0, (8, 8)) for im in images])
    layer = keras.layers.ContrastLimitedAdaptiveHistogramEqualization(value_range=(0, 255), clip_limit=4.0)
    theirs = np.asarray(layer(batch.astype(np.float32)))[..., 0]
    ours = run(clahe, "xla", batch, 4.0)[..., 0]
    their_max, their_equal = report_exactness(np.clip(np.round(theirs), 0, 255), expected)
    our_max, our_equal = report_exactness(ours, expected)
    print(
        f"\nKeras 3 CLAHE: {their_equal:.1%} of pixels equal to OpenCV (max diff {their_max}); "
        f"keras_aug: {our_equal:.1%} (max diff {our_max})"
    )
    assert our_equal == 1.0 and our_equal > their_equal


# ---------------------------------------------------------------------------------------------- layers

import keras  # noqa: E402

from keras_aug.layers.histogram import Equalize, RandomCLAHE  # noqa: E402

LAYERS = {
    "clahe": lambda **kw: RandomCLAHE(clip_limit=(1, 8), tile_grid_size=(4, 4), **kw),
    "equalize": lambda **kw: Equalize(**kw),
}


@pytest.fixture(scope="module")
def batch() -> np.ndarray:
    return np.stack([*rgb_images(32, 48)[:3], rgb_images(32, 48)[0][::-1]])


def test_random_clahe_applies_opencv_with_the_drawn_clip_limits(batch):
    layer = RandomCLAHE(clip_limit=(1, 8), tile_grid_size=(4, 4), seed=3)
    gray = batch[..., :1]
    out = layer(gray).numpy()
    limits = RandomCLAHE(clip_limit=(1, 8), seed=3).draw_params(tf.constant(gray))["clip_limit"].numpy()
    assert np.all((limits >= 1) & (limits < 8)) and len(set(limits.tolist())) == len(limits)
    expected = np.stack(
        [opencv_clahe(im[..., 0], float(c), (4, 4)) for im, c in zip(gray, limits, strict=True)]
    )
    np.testing.assert_array_equal(out[..., 0], expected)


def test_equalize_layer_matches_albumentations(batch):
    expected = np.stack([A.Equalize(mode="cv", p=1.0)(image=im)["image"] for im in batch])
    np.testing.assert_array_equal(Equalize()(batch).numpy(), expected)


@pytest.mark.parametrize("name", LAYERS)
def test_layer_same_seed_same_output_eager_graph_xla_and_tf_data(batch, name):
    outputs = {
        "eager": LAYERS[name](seed=42)(batch),
        "graph": tf.function(LAYERS[name](seed=42))(batch),
        "xla": tf.function(LAYERS[name](seed=42), jit_compile=True)(batch),
        "tf.data": next(iter(tf.data.Dataset.from_tensors(batch).map(LAYERS[name](seed=42)))),
    }
    for where, out in outputs.items():
        assert out.dtype == tf.uint8 and out.shape == batch.shape, where
        np.testing.assert_array_equal(out.numpy(), outputs["eager"].numpy(), err_msg=where)
    if name == "clahe":
        assert not np.array_equal(outputs["eager"].numpy(), LAYERS[name](seed=43)(batch).numpy())


@pytest.mark.parametrize("name", LAYERS)
def test_layer_probability(batch, name):
    np.testing.assert_array_equal(LAYERS[name](p=0.0)(batch).numpy(), batch)
    out = LAYERS[name](p=0.5, seed=1)(np.concatenate([batch] * 4)).numpy()
    changed = [not np.array_equal(o, b) for o, b in zip(out, np.concatenate([batch] * 4), strict=True)]
    assert 0 < sum(changed) < len(changed)


@pytest.mark.parametrize("name", LAYERS)
def test_layer_sequential_inference_is_identity(batch, name):
    model = keras.Sequential([keras.Input((32, 48, 3), dtype="uint8"), LAYERS[name](seed=1)])
    np.testing.assert_array_equal(model(batch, training=False).numpy(), batch)
    assert not np.array_equal(model(batch, training=True).numpy(), batch)


@pytest.mark.parametrize("name", LAYERS)
def test_layer_config_and_keras_file_round_trip(batch, name, tmp_path):
    layer = LAYERS[name](seed=9, value_range=(0, 255))
    clone = type(layer).from_config(layer.get_config())
    assert clone.get_config() == layer.get_config()
    np.testing.assert_array_equal(clone(batch).numpy(), LAYERS[name](seed=9)(batch).numpy())
    model = keras.Sequential([keras.Input((32, 48, 3)), layer])
    path = str(tmp_path / f"{name}.keras")
    model.save(path)
    loaded = keras.models.load_model(path)
    assert isinstance(loaded.layers[0], type(layer)) and loaded.layers[0].get_config() == layer.get_config()
    x = batch.astype(np.float32)
    np.testing.assert_array_equal(loaded(x, training=False).numpy(), x)
    expected = LAYERS[name](seed=9)(batch).numpy().astype(np.float32)
    np.testing.assert_array_equal(loaded(x, training=True).numpy(), expected)


@pytest.mark.parametrize("name", LAYERS)
def test_layer_dtypes_ranks_masks_and_unknown_shapes(batch, name):
    layer = LAYERS[name](seed=4)
    reference = layer(batch).numpy()
    # Float [0, 1] input: the uint8 result / 255, given the same parameters (the base layer folds a
    # fingerprint of the batch into the seed, so draw them for this input).
    floats = batch.astype(np.float32) / 255
    params = LAYERS[name](seed=4).draw_params(tf.constant(floats))
    if name == "clahe":
        expected = clahe(batch, params["clip_limit"], (4, 4)).numpy()
    else:
        expected = equalize(batch).numpy()
    out = LAYERS[name](seed=4, value_range=(0, 1))(floats).numpy()
    np.testing.assert_array_equal(out, expected.astype(np.float32) / 255)
    # Float input in 0..255 with the default value_range (Keras' (0, 255)) comes back in 0..255.
    floats255 = batch.astype(np.float32)
    params = LAYERS[name](seed=4).draw_params(tf.constant(floats255))
    if name == "clahe":
        expected = clahe(batch, params["clip_limit"], (4, 4)).numpy()
    np.testing.assert_array_equal(LAYERS[name](seed=4)(floats255).numpy(), expected.astype(np.float32))
    gray = batch[..., :1]  # gray: fewer XLA units to compile per dtype
    for images in (tf.cast(gray / 255, tf.bfloat16), tf.cast(gray, tf.int32)):
        out = LAYERS[name](seed=4)(images)
        assert out.dtype == images.dtype and out.shape == gray.shape
    assert layer(gray[0]).shape == gray[0].shape
    masks = np.arange(4 * 32 * 48).reshape(4, 32, 48, 1) % 7
    out = LAYERS[name](seed=4)({"images": batch, "segmentation_masks": masks, "labels": np.arange(4)})
    np.testing.assert_array_equal(out["segmentation_masks"], masks)
    np.testing.assert_array_equal(out["labels"], np.arange(4))
    spec = tf.TensorSpec([None, None, None, 3], tf.uint8)
    fn = tf.function(LAYERS[name](seed=4), input_signature=[spec])
    np.testing.assert_array_equal(fn(batch).numpy(), reference)


@pytest.mark.parametrize(
    "build, argument",
    [
        (lambda: RandomCLAHE(clip_limit=0.5), "clip_limit"),
        (lambda: RandomCLAHE(clip_limit=(-1, 2)), "clip_limit"),
        (lambda: RandomCLAHE(clip_limit=(1, float("nan"))), "clip_limit"),
        (lambda: RandomCLAHE(clip_limit="4"), "clip_limit"),
        (lambda: RandomCLAHE(tile_grid_size=(8, 0)), "tile_grid_size"),
        (lambda: RandomCLAHE(value_range=(1, 1)), "value_range"),
        (lambda: RandomCLAHE(p=2.0), "p"),
        (lambda: Equalize(mode="tfa"), "mode"),
    ],
)
def test_layer_bad_arguments(build, argument):
    with pytest.raises(ValueError, match=argument):
        build()


def test_layer_reversed_clip_limit_pair_is_sorted():
    # One rule for every range argument: a (lower, upper) pair is sorted, as Keras sorts factor pairs.
    assert RandomCLAHE(clip_limit=(4, 2)).clip_limit == (2.0, 4.0)


def test_random_clahe_bad_channels():
    with pytest.raises(ValueError, match="channels"):
        RandomCLAHE()(np.zeros((2, 16, 16, 4), np.uint8))
