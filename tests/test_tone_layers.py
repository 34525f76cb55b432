"""Tone layers with Keras 3's names: against Keras 3.15's own layers (deterministic settings), OpenCV and
PIL; eagerly, under XLA (also inside a jit-compiled model), in tf.data, in Sequential (training=False is
the identity; Rescaling always applies, as Keras'), through get_config and a .keras file."""

import os

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import cv2
import keras
import numpy as np
import pytest
import tensorflow as tf
from conftest import requires_keras
from PIL import Image, ImageOps

from keras_aug import layers


def images_u8(shape=(4, 16, 20, 3), seed=0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    images = rng.integers(0, 256, shape).astype(np.uint8)
    for i in range(shape[0]):  # no sample spans the full range (autocontrast changes each)
        images[i] = np.clip(images[i], 10 + i % 7, 240 - i % 5)
    return images


#: every new augmentation layer, with arguments that change every sample
LAYERS = {
    "AutoContrast": lambda **kw: layers.AutoContrast(**kw),
    "Equalization": lambda **kw: layers.Equalization(**kw),
    "RandomInvert": lambda **kw: layers.RandomInvert(factor=(1, 1), **kw),
    "RandomPosterization": lambda **kw: layers.RandomPosterization((1, 4), **kw),
    "Solarization": lambda **kw: layers.Solarization((0.0, 0.3), (0.3, 0.7), **kw),
    "RandomSharpness": lambda **kw: layers.RandomSharpness((0.0, 1.0), **kw),
    "RandomGaussianBlur": lambda **kw: layers.RandomGaussianBlur((1, 1), 5, (0.5, 2.0), **kw),
    "RandomErasing": lambda **kw: layers.RandomErasing((1, 1), (0.1, 0.3), **kw),
    "ContrastLimitedAdaptiveHistogramEqualization": (
        lambda **kw: layers.ContrastLimitedAdaptiveHistogramEqualization(
            clip_limit=2.0, tile_grid_size=(2, 4), **kw
        )
    ),
}


@pytest.mark.parametrize("name", list(LAYERS))
def test_eager_xla_and_tf_data_agree_for_a_seed(name):
    batch = images_u8()
    eager = LAYERS[name](seed=5)(batch).numpy()
    layer = LAYERS[name](seed=5)
    xla = tf.function(lambda x: layer(x, training=True), jit_compile=True)(tf.constant(batch)).numpy()
    data_layer = LAYERS[name](seed=5)
    in_data = next(
        iter(tf.data.Dataset.from_tensors(batch).map(lambda x: data_layer(x, training=True)))
    ).numpy()
    assert eager.dtype == np.uint8 and eager.shape == batch.shape
    np.testing.assert_array_equal(eager, xla)
    np.testing.assert_array_equal(eager, in_data)
    assert all(not np.array_equal(e, b) for e, b in zip(eager, batch, strict=True))


@pytest.mark.parametrize("name", list(LAYERS))
def test_float_inputs_keep_dtype_and_range(name):
    x = images_u8(seed=1).astype(np.float32) / 255
    out = LAYERS[name](value_range=(0, 1), seed=1)(x).numpy()
    assert out.dtype == np.float32 and out.min() >= 0.0 and out.max() <= 1.0
    assert not np.array_equal(out, x)


@pytest.mark.parametrize("name", list(LAYERS))
def test_config_round_trip_keras_file_and_inference_identity(name, tmp_path):
    batch = images_u8((2, 16, 16, 3), seed=2)
    layer = LAYERS[name](seed=3)
    clone = type(layer).from_config(layer.get_config())
    assert clone.get_config() == layer.get_config()
    np.testing.assert_array_equal(clone(batch).numpy(), LAYERS[name](seed=3)(batch).numpy())
    model = keras.Sequential([keras.Input((16, 16, 3), dtype="uint8"), layer])
    np.testing.assert_array_equal(model(batch, training=False).numpy(), batch)
    path = str(tmp_path / "model.keras")
    model.save(path)
    loaded = keras.models.load_model(path)
    assert loaded.layers[-1].get_config() == layer.get_config()
    np.testing.assert_array_equal(loaded.predict(batch, verbose=0), batch)


def test_layers_inside_a_jit_compiled_model():
    inputs = keras.Input((16, 16, 3))
    x = inputs
    for name in ("AutoContrast", "RandomInvert", "RandomPosterization", "Solarization", "RandomSharpness"):
        x = LAYERS[name](seed=1)(x)
    for name in ("RandomGaussianBlur", "RandomErasing", "Equalization"):
        x = LAYERS[name](seed=1)(x)
    x = layers.Rescaling(1 / 255)(x)
    outputs = keras.layers.Dense(2)(keras.layers.GlobalAveragePooling2D()(x))
    model = keras.Model(inputs, outputs)
    model.compile(optimizer="sgd", loss="mse", jit_compile=True)
    data = images_u8((8, 16, 16, 3), seed=4).astype(np.float32)
    history = model.fit(data, np.zeros((8, 2)), batch_size=4, epochs=1, verbose=0)
    assert np.isfinite(history.history["loss"][0])


# -- against Keras 3 and the oracles -----------------------------------------------------------------


@requires_keras("AutoContrast")
def test_auto_contrast_matches_keras_and_pil():
    batch = images_u8()
    ours = layers.AutoContrast()(batch).numpy()
    theirs = keras.layers.AutoContrast()(batch.astype(np.float32)).numpy()
    assert np.abs(ours - theirs).max() <= 0.5 + 1e-3  # Keras keeps float32, we round
    pil = np.stack([np.asarray(ImageOps.autocontrast(Image.fromarray(im))) for im in batch])
    assert np.abs(ours.astype(int) - pil).max() <= 1  # PIL truncates


@requires_keras("Equalization")
def test_equalization_matches_keras_and_opencv():
    batch = images_u8((2, 16, 20, 1))
    batch[1] = batch[1] // 4 + 100  # a narrow histogram
    ours = layers.Equalization()(batch).numpy()
    np.testing.assert_array_equal(ours[..., 0], [cv2.equalizeHist(im[..., 0]) for im in batch])
    # Keras equalizes each channel over the whole batch's histogram: compare image by image
    np.testing.assert_array_equal(ours, [keras.layers.Equalization()(im[None]).numpy()[0] for im in batch])
    pil = layers.Equalization(mode="pil")(batch).numpy()[..., 0]
    np.testing.assert_array_equal(
        pil, [np.asarray(ImageOps.equalize(Image.fromarray(im[..., 0]))) for im in batch]
    )


@requires_keras("RandomInvert")
def test_invert_posterize_solarize_match_keras():
    batch = images_u8()
    x = batch.astype(np.float32)
    pairs = [
        (layers.RandomInvert(factor=(1, 1)), keras.layers.RandomInvert(factor=(1, 1))),
        (layers.RandomPosterization((3, 3)), keras.layers.RandomPosterization(factor=(3, 3))),
        (layers.Solarization(), keras.layers.Solarization()),
    ]
    for ours, theirs in pairs:
        np.testing.assert_array_equal(ours(batch).numpy(), theirs(x).numpy())


def test_solarization_threshold_and_addition():
    batch = images_u8()
    out = layers.Solarization(addition_factor=(0.1, 0.1), threshold_factor=(0.5, 0.5))(batch).numpy()
    shifted = np.clip(batch.astype(int) + 25.5, 0, 255)
    expected = np.round(np.where(shifted >= 127.5, 255 - shifted, shifted))
    assert np.abs(out - expected).max() <= 0.5 + 1e-3


@requires_keras("RandomSharpness")
def test_sharpness_and_blur_match_keras_inside_the_border():
    x = images_u8().astype(np.float32)
    ours = layers.RandomSharpness((0.0, 0.0))(x).numpy()
    theirs = keras.layers.RandomSharpness((0.0, 0.0))(x).numpy()
    np.testing.assert_allclose(ours[:, 1:-1, 1:-1], theirs[:, 1:-1, 1:-1], atol=1e-3)  # Keras zero-pads
    ours = layers.RandomGaussianBlur((1, 1), 3, (0.8, 0.8))(x).numpy()
    theirs = keras.layers.RandomGaussianBlur((1, 1), 3, (0.8, 0.8))(x).numpy()
    np.testing.assert_allclose(ours[:, 1:-1, 1:-1], theirs[:, 1:-1, 1:-1], atol=1e-3)
    expected = [cv2.GaussianBlur(im, (3, 3), 0.8, borderType=cv2.BORDER_REFLECT_101) for im in x]
    np.testing.assert_allclose(ours, expected, atol=1e-3)


def test_gaussian_blur_sigmas_are_drawn_per_sample_and_axis():
    layer = layers.RandomGaussianBlur((1, 1), (3, 5), (0.5, 2.0), seed=0)
    images = tf.constant(images_u8())
    params = layer.draw_params(images)
    sigma = params["sigma"].numpy()
    assert sigma.shape == (4, 2) and len(np.unique(sigma)) == 8 and (sigma >= 0.5).all() and (sigma < 2).all()
    out = layer.augment_images(tf.cast(images, tf.float32), params).numpy()
    for image, (sx, sy), result in zip(images.numpy().astype(np.float32), sigma, out, strict=True):
        expected = cv2.GaussianBlur(
            image, (5, 3), sigmaX=float(sx), sigmaY=float(sy), borderType=cv2.BORDER_REFLECT_101
        )
        np.testing.assert_allclose(result, expected, atol=1e-3)


def test_factor_is_the_probability_of_augmenting():
    batch = np.repeat(images_u8((1, 4, 4, 3)), 400, axis=0)
    for layer in (layers.RandomInvert(seed=1), layers.RandomErasing(fill_value=0, seed=1)):
        changed = (layer(batch).numpy() != batch).any(axis=(1, 2, 3)).mean()
        assert 0.4 < changed < 0.6  # factor 1.0 draws the probability from (0, 1): 0.5 on average
    changed = (layers.RandomInvert(factor=(0.2, 0.2), p=0.5, seed=2)(batch).numpy() != batch).any(
        axis=(1, 2, 3)
    )
    assert 0.04 < changed.mean() < 0.17  # p * mean(factor) = 0.1


def test_random_erasing_follows_keras_sampling():
    batch = np.full((200, 20, 30, 3), 255, np.uint8)
    out = layers.RandomErasing((1, 1), (0.04, 0.25), fill_value=(0, 10, 20), seed=3)(batch).numpy()
    erased = (out != 255).all(axis=-1)
    np.testing.assert_array_equal((out == 255).all(axis=-1) | erased, True)
    np.testing.assert_array_equal(out[erased], np.tile([0, 10, 20], (erased.sum(), 1)))
    rows, cols = erased.any(axis=2).sum(axis=1), erased.any(axis=1).sum(axis=1)
    assert (erased.sum(axis=(1, 2)) == rows * cols).all()  # one rectangle per sample
    # sides sqrt(U(0.04, 0.25)) of the height and width: 0.2 to 0.5, rounded to pixels
    assert rows.min() >= 20 * 0.2 - 1 and rows.max() <= 20 * 0.5 + 1 and cols.min() >= 30 * 0.2 - 1
    assert cols.max() <= 30 * 0.5 + 1 and len(np.unique(rows)) > 3
    noise = layers.RandomErasing((1, 1), (0.2, 0.2), seed=1)(np.zeros((2, 16, 16, 1), np.float32)).numpy()
    assert noise.max() > 20 and noise.min() == 0.0  # N(0, 1) * 255 clipped to (0, 255)


def test_clahe_takes_keras_arguments_over_opencv():
    gray = images_u8((2, 32, 48, 1), seed=5)
    gray = cv2.GaussianBlur(gray[..., 0].transpose(1, 2, 0), (9, 9), 3).transpose(2, 0, 1)[..., None]
    out = layers.ContrastLimitedAdaptiveHistogramEqualization(clip_limit=3.0, tile_grid_size=(2, 4))(
        gray
    ).numpy()
    clahe = cv2.createCLAHE(clipLimit=3.0, tileGridSize=(4, 2))  # OpenCV: (columns, rows)
    np.testing.assert_array_equal(out[..., 0], [clahe.apply(im[..., 0]) for im in gray])
    config = layers.ContrastLimitedAdaptiveHistogramEqualization(tile_grid_size=(2, 4)).get_config()
    assert config["tile_grid_size"] == [2, 4] and config["clip_limit"] == 4.0


def test_rescaling_matches_keras_and_applies_at_inference(tmp_path):
    batch = images_u8()
    ours = layers.Rescaling(1 / 127.5, offset=-1)
    np.testing.assert_allclose(
        ours(batch).numpy(), keras.layers.Rescaling(1 / 127.5, offset=-1)(batch).numpy()
    )
    assert ours(batch).dtype == tf.float32 and ours(batch.astype(np.float64)).dtype == tf.float64
    per_channel = layers.Rescaling([1.0, 2.0, 0.5], offset=[0.0, 1.0, 2.0])(batch).numpy()
    np.testing.assert_allclose(per_channel, batch * np.array([1.0, 2.0, 0.5]) + [0.0, 1.0, 2.0])
    out = ours({"images": batch, "labels": np.arange(4)})
    np.testing.assert_array_equal(out["labels"], np.arange(4))
    model = keras.Sequential([keras.Input((16, 20, 3), dtype="uint8"), ours])
    expected = batch / 127.5 - 1
    np.testing.assert_allclose(model(batch, training=False).numpy(), expected, atol=1e-6)
    model.save(str(tmp_path / "m.keras"))
    loaded = keras.models.load_model(str(tmp_path / "m.keras"))
    np.testing.assert_allclose(loaded.predict(batch, verbose=0), expected, atol=1e-6)
    features = layers.Rescaling(2.0)(np.ones((3, 5), np.float32))  # any rank, as Keras
    np.testing.assert_array_equal(features, 2.0)


@pytest.mark.parametrize(
    "make, name",
    [
        (lambda: layers.RandomPosterization(0), "factor"),
        (lambda: layers.RandomPosterization(2.5), "factor"),
        (lambda: layers.RandomInvert(factor=1.5), "factor"),
        (lambda: layers.RandomGaussianBlur(kernel_size=4), "kernel_size"),
        (lambda: layers.RandomGaussianBlur(sigma=-1.0), "sigma"),
        (lambda: layers.RandomErasing(scale=(0.1, 2.0)), "scale"),
        (lambda: layers.RandomErasing(fill_value="x"), "fill_value"),
        (lambda: layers.Solarization(threshold_factor=2.0), "threshold_factor"),
        (lambda: layers.ContrastLimitedAdaptiveHistogramEqualization(clip_limit=-1), "clip_limit"),
        (lambda: layers.Rescaling(float("nan")), "scale"),
        (lambda: layers.Rescaling(1.0, offset=[[1.0]]), "offset"),
    ],
)
def test_bad_arguments_are_refused_by_name(make, name):
    with pytest.raises(ValueError, match=f"`{name}`"):
        make()
