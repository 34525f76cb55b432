"""Normalization and its streaming statistics against NumPy over the concatenated data."""

import keras
import numpy as np
import pytest
import tensorflow as tf

from keras_aug.layers.color import Normalization
from keras_aug.ops import stats


def numpy_stats(images):
    flat = np.asarray(images, np.float64).reshape(-1, np.shape(images)[-1])
    return flat.mean(axis=0), flat.std(axis=0)


def assert_stats(mean, std, images, rtol=1e-5):
    expected_mean, expected_std = numpy_stats(images)
    np.testing.assert_allclose(mean, expected_mean, rtol=rtol)
    np.testing.assert_allclose(std, expected_std, rtol=rtol)


@pytest.fixture(scope="module")
def large_mean_images():
    """12,000 small float32 images around 10,000 with a spread of a few units: E[x^2] - E[x]^2 in float32
    would lose every digit here."""
    rng = np.random.default_rng(0)
    offsets = np.array([10_000.0, 20_000.0, 5.0], np.float32)
    return (offsets + rng.normal(0, [2.0, 0.5, 3.0], size=(12_000, 4, 4, 3))).astype(np.float32)


def test_large_mean_over_ten_thousand_unbatched_images(large_mean_images):
    ds = tf.data.Dataset.from_tensor_slices(large_mean_images)
    assert_stats(*stats.mean_std(ds), large_mean_images)


def test_large_mean_batched_with_unknown_length_and_ragged_last_batch(large_mean_images):
    ds = tf.data.Dataset.from_tensor_slices(large_mean_images).batch(97).filter(lambda x: True)
    assert ds.cardinality() == tf.data.UNKNOWN_CARDINALITY
    assert_stats(*stats.mean_std(ds), large_mean_images)


def test_uint8_dataset_of_ten_thousand_images_with_labels():
    rng = np.random.default_rng(1)
    images = rng.integers(180, 256, size=(10_240, 6, 6, 3), dtype=np.uint8)
    ds = tf.data.Dataset.from_tensor_slices((images, np.zeros(len(images)))).batch(256)
    assert_stats(*stats.mean_std(ds), images)


def test_generator_dataset_of_dicts_with_varying_sizes():
    rng = np.random.default_rng(2)
    parts = [rng.uniform(0, 1, size=(n, 5 + n, 7, 1)).astype(np.float32) for n in (1, 3, 2, 5)]

    def gen():
        for part in parts:
            yield {"images": part, "labels": np.zeros(len(part))}

    spec = {
        "images": tf.TensorSpec([None, None, 7, 1], tf.float32),
        "labels": tf.TensorSpec([None], tf.float64),
    }
    ds = tf.data.Dataset.from_generator(gen, output_signature=spec)
    all_pixels = np.concatenate([p.reshape(-1, 1) for p in parts])
    assert_stats(*stats.mean_std(ds), all_pixels)


def test_arrays_and_steps():
    rng = np.random.default_rng(3)
    images = rng.integers(0, 256, size=(600, 5, 5, 3), dtype=np.uint8)
    assert_stats(*stats.mean_std(images), images)
    assert_stats(*stats.mean_std(images[0]), images[0])
    ds = tf.data.Dataset.from_tensor_slices(images).batch(100)
    assert_stats(*stats.mean_std(ds, steps=2), images[:200])


def test_merge_moments_matches_numpy_on_uneven_parts():
    rng = np.random.default_rng(4)
    a, b = rng.normal(3, 2, (10, 2)), rng.normal(-1, 5, (3, 2))
    merged = stats.merge_moments(stats.channel_moments(a), stats.channel_moments(b))
    both = np.concatenate([a, b])
    np.testing.assert_allclose(merged.mean, both.mean(0), rtol=1e-12)
    np.testing.assert_allclose(merged.m2 / merged.count, both.var(0), rtol=1e-12)


def test_bad_data_raises_value_error():
    with pytest.raises(ValueError, match="data"):
        stats.mean_std("images")
    with pytest.raises(ValueError, match="no pixels"):
        stats.mean_std(tf.data.Dataset.from_tensor_slices(np.zeros((0, 2, 2, 3), np.float32)))
    with pytest.raises(ValueError, match="steps"):
        stats.mean_std(np.zeros((1, 2, 2, 3)), steps=0)


# ------------------------------------------------------------------------------------------------ layer


@pytest.fixture(scope="module")
def images():
    return np.random.default_rng(5).integers(0, 256, size=(4, 32, 48, 3), dtype=np.uint8)


def test_adapt_then_normalize_everywhere(images):
    layer = Normalization()
    layer.adapt(tf.data.Dataset.from_tensor_slices(images).batch(3))
    mean, std = numpy_stats(images)
    np.testing.assert_allclose(np.ravel(layer.mean), mean, rtol=1e-6)  # Keras' shape: [1, 1, 1, C]
    expected = (images - mean) / std
    np.testing.assert_allclose(layer(images).numpy(), expected, atol=1e-5)
    np.testing.assert_allclose(
        layer(images, training=False).numpy(), expected, atol=1e-5
    )  # not an augmentation
    xla = tf.function(lambda x: layer(x), jit_compile=True)
    np.testing.assert_allclose(xla(images).numpy(), expected, atol=1e-5)
    in_data = next(iter(tf.data.Dataset.from_tensors(images).map(layer)))
    np.testing.assert_allclose(in_data.numpy(), expected, atol=1e-5)
    unknown = tf.function(layer, input_signature=[tf.TensorSpec([None, None, None, 3], tf.uint8)])
    np.testing.assert_allclose(unknown(images[:2, :5]).numpy(), expected[:2, :5], atol=1e-5)
    # statistics are weights: adapting again reaches functions traced before
    layer.adapt(images[:1])
    np.testing.assert_allclose(
        xla(images).numpy(), (images - numpy_stats(images[:1])[0]) / numpy_stats(images[:1])[1], atol=1e-4
    )


def test_given_stats_invert_variance_and_dicts(images):
    mean, std = [120.0, 110.0, 100.0], [60.0, 50.0, 40.0]
    z = Normalization(mean, std)(images).numpy()
    np.testing.assert_allclose(z, (images - np.array(mean)) / np.array(std), atol=1e-5)
    back = Normalization(mean, std, invert=True)(z).numpy()
    np.testing.assert_allclose(back, images, atol=1e-3)
    by_variance = Normalization(mean, variance=np.square(std).tolist())(images).numpy()
    np.testing.assert_allclose(by_variance, z, atol=1e-6)
    scalar = Normalization(127.5, 127.5)(images[..., :1]).numpy()
    np.testing.assert_allclose(scalar, images[..., :1] / 127.5 - 1.0, atol=1e-6)
    out = Normalization(mean, std)({"images": images, "labels": np.arange(4)})
    np.testing.assert_allclose(out["images"].numpy(), z, atol=1e-6)
    np.testing.assert_array_equal(out["labels"], np.arange(4))
    np.testing.assert_allclose(Normalization(mean, std)(images.astype(np.float32)).numpy(), z, atol=1e-5)


def test_first_call_inside_tf_data_or_xla(images):
    expected = (images - 127.5) / 64.0
    ds = tf.data.Dataset.from_tensors(images).map(Normalization(127.5, 64.0), num_parallel_calls=2)
    np.testing.assert_allclose(next(iter(ds)).numpy(), expected, atol=1e-6)
    xla = tf.function(Normalization(127.5, 64.0), jit_compile=True)
    np.testing.assert_allclose(xla(images).numpy(), expected, atol=1e-6)


def test_saved_model_keeps_adapted_stats(images, tmp_path):
    layer = Normalization()
    layer.adapt(images)
    config = layer.get_config()
    assert np.allclose(config["mean"], numpy_stats(images)[0]) and np.allclose(
        config["std"], numpy_stats(images)[1]
    )
    clone = Normalization.from_config(config)
    np.testing.assert_allclose(clone(images).numpy(), layer(images).numpy(), atol=1e-6)
    model = keras.Sequential([keras.Input((32, 48, 3), dtype="uint8"), layer])
    path = str(tmp_path / "norm.keras")
    model.save(path)
    loaded = keras.models.load_model(path)
    np.testing.assert_allclose(loaded.predict(images, verbose=0), layer(images).numpy(), atol=1e-6)


def test_use_before_adapt_and_bad_arguments(images):
    with pytest.raises(ValueError, match="adapt"):
        Normalization()(images)
    with pytest.raises(ValueError, match="both"):
        Normalization(mean=[1.0, 2.0, 3.0])
    with pytest.raises(ValueError, match="std"):
        Normalization(mean=0.0, std=[1.0, 0.0])
    with pytest.raises(ValueError, match="mean"):
        Normalization(mean=[[1.0]], std=1.0)
    with pytest.raises(ValueError, match="channels"):
        Normalization(mean=[1.0, 2.0], std=[1.0, 1.0])(images)
    with pytest.raises(ValueError, match="channels"):
        layer = Normalization(0.0, 1.0)
        layer(images)
        layer.adapt(images[..., :1])
    with pytest.raises(ValueError, match="invert"):
        Normalization(0.0, 1.0, invert="yes")
