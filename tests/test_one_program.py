"""A layer inside one XLA program (a ``jit_compile=True`` model) must not recompute per pixel what the
``tf.data`` form computes once: per-sample draws and lookup tables (``keras_aug.ops.xla.materialize``)."""

import re

import numpy as np
import pytest
import tensorflow as tf

import keras_aug
from keras_aug.ops.xla import materialize, reduce_pixels, storing, unfolded

IMAGE_SHAPE = (4, 32, 32, 3)
LOWBIAS_MULTIPLIER = str(0x7FEB352D)  # a constant of keras_aug.ops.random's counter hash


def _pixel_loops(fn, images) -> list[str]:
    """The bodies of the fused computations of ``fn``'s optimized HLO that produce an image-sized result."""
    hlo = tf.function(fn, jit_compile=True).experimental_get_compiler_ir(images)(stage="optimized_hlo")
    shape = re.escape(
        f"{images.dtype.name.replace('uint', 'u').replace('float', 'f')}[{','.join(map(str, images.shape))}]"
    )
    blocks = hlo.split("\n\n")
    return [b for b in blocks if b.startswith("%fused") and re.search(rf"-> {shape}", b.split("\n")[0])]


@pytest.mark.parametrize("dtype", ["uint8", "int32", "float32", "bool"])
def test_materialize_returns_its_input_eagerly_and_in_a_program(dtype):
    values = tf.constant(np.array([[3, 0, 1], [2, 2, 255]]).astype(dtype))
    np.testing.assert_array_equal(materialize(values).numpy(), values.numpy())
    program = tf.function(materialize, jit_compile=True)
    out = program(values)
    assert out.dtype == values.dtype and out.shape == values.shape
    np.testing.assert_array_equal(out.numpy(), values.numpy())


def test_materialize_keeps_negative_zero_and_nan():
    values = tf.constant([-0.0, np.nan, 1.5])
    out = tf.function(materialize, jit_compile=True)(values).numpy()
    assert np.signbit(out[0]) and np.isnan(out[1]) and out[2] == 1.5


def test_materialize_takes_unknown_shapes():
    program = tf.function(
        materialize, jit_compile=True, input_signature=[tf.TensorSpec([None, None], tf.float32)]
    )
    np.testing.assert_array_equal(program(tf.ones([2, 5])).numpy(), np.ones([2, 5]))


def test_a_gamma_table_is_not_recomputed_for_every_pixel():
    images = tf.zeros(IMAGE_SHAPE, tf.uint8)
    layer = keras_aug.layers.RandomGamma((80, 120), p=1.0)
    loops = _pixel_loops(lambda x: layer(x, training=True), images)
    assert loops, "no image-sized fusion found: the HLO format changed"
    assert not any("exponential(" in loop or "log(" in loop for loop in loops)


@pytest.mark.parametrize(
    "make_layer",
    [
        lambda: keras_aug.layers.RandomGamma((80, 120), p=0.5),
        lambda: keras_aug.layers.RandomBrightness(0.2),
        lambda: keras_aug.layers.RandomInvert(),
    ],
)
def test_per_sample_draws_are_not_recomputed_for_every_pixel(make_layer):
    images = tf.zeros(IMAGE_SHAPE, tf.uint8)
    layer = make_layer()
    loops = _pixel_loops(lambda x: layer(x, training=True), images)
    assert loops, "no image-sized fusion found: the HLO format changed"
    assert not any(LOWBIAS_MULTIPLIER in loop for loop in loops)


@pytest.mark.parametrize("enabled", [True, False])
def test_storing_switches_materialize_on_and_off(enabled):
    values = tf.range(8, dtype=tf.float32)
    with storing(enabled):
        program = tf.function(lambda x: materialize(x * 2.0) + 1.0, jit_compile=True)
        hlo = program.experimental_get_compiler_ir(values)(stage="hlo")
        np.testing.assert_array_equal(program(values).numpy(), np.arange(8) * 2.0 + 1.0)
    assert ("sort(" in hlo) == enabled


def test_storing_restores_the_previous_setting():
    with storing(False):
        with storing(True):
            pass
        hlo = tf.function(materialize, jit_compile=True).experimental_get_compiler_ir(tf.ones([3]))(
            stage="hlo"
        )
    assert "sort(" not in hlo


@pytest.mark.parametrize("mode", ["cv", "pil"])
def test_equalize_tables_are_not_recomputed_for_every_pixel(mode):
    images = tf.zeros(IMAGE_SHAPE, tf.uint8)
    loops = _pixel_loops(lambda x: keras_aug.ops.equalize(x, mode=mode), images)
    assert loops, "no image-sized fusion found: the HLO format changed"
    assert not any("divide(" in loop for loop in loops)


@pytest.mark.parametrize("reduction", ["min", "max", "sum"])
@pytest.mark.parametrize(
    "shape", [(2, 1, 1, 1), (3, 9, 17, 3), (2, 224, 224, 3), (1, 333, 517, 2), (2, 64, 7, 1)]
)
@pytest.mark.parametrize("dtype", ["uint8", "int32"])
def test_reduce_pixels_equals_numpy(reduction, shape, dtype):
    values = np.random.default_rng(sum(shape)).integers(0, 256, shape).astype(dtype)
    # in the images' dtype, as tf.reduce_sum: uint8 sums wrap modulo 256 in any order
    expected = getattr(np, reduction)(values.astype(np.int64), axis=(1, 2), keepdims=True).astype(dtype)
    program = tf.function(lambda x: reduce_pixels(x, reduction), jit_compile=True)
    for out in (reduce_pixels(tf.constant(values), reduction), program(tf.constant(values))):
        assert out.shape == expected.shape
        np.testing.assert_array_equal(out.numpy(), expected)


@pytest.mark.parametrize("reduction", ["min", "max", "sum"])
def test_reduce_pixels_over_channels_too(reduction):
    values = np.random.default_rng(3).integers(0, 256, (3, 19, 12, 3)).astype(np.int32)
    expected = getattr(np, reduction)(values, axis=(1, 2, 3), keepdims=True)
    program = tf.function(lambda x: reduce_pixels(x, reduction, channels=True), jit_compile=True)
    for out in (reduce_pixels(tf.constant(values), reduction, channels=True), program(tf.constant(values))):
        np.testing.assert_array_equal(out.numpy(), expected)


def test_reduce_pixels_averages_floats_within_rounding():
    values = np.random.default_rng(1).random((2, 101, 203, 3)).astype(np.float32)
    program = tf.function(lambda x: reduce_pixels(x, "mean"), jit_compile=True)
    expected = values.astype(np.float64).mean(axis=(1, 2), keepdims=True)
    np.testing.assert_allclose(program(tf.constant(values)).numpy(), expected, rtol=1e-6)


def test_reduce_pixels_takes_unknown_shapes():
    program = tf.function(
        lambda x: reduce_pixels(x, "max"),
        input_signature=[tf.TensorSpec([None, None, None, 3], tf.uint8)],
        jit_compile=True,
    )
    values = np.random.default_rng(2).integers(0, 256, (2, 13, 21, 3)).astype(np.uint8)
    np.testing.assert_array_equal(
        program(tf.constant(values)).numpy(), values.max(axis=(1, 2), keepdims=True)
    )


def test_programs_for_a_gpu_keep_xla_reductions():
    images = tf.zeros([4, 64, 96, 3], tf.uint8)
    with storing(False):
        program = tf.function(lambda x: reduce_pixels(x, "sum"), jit_compile=True)
        hlo = program.experimental_get_compiler_ir(images)(stage="hlo")
    assert "4,64,96,3" in re.findall(r"reduce\(\w+\[([\d,]+)\]", hlo)


def test_reduce_pixels_reduces_no_image_sized_operand():
    # XLA:CPU emits a reduce over the two middle axes as a scalar loop per output value (4-5x slower)
    images = tf.zeros([4, 64, 96, 3], tf.uint8)
    hlo = tf.function(lambda x: reduce_pixels(x, "sum"), jit_compile=True).experimental_get_compiler_ir(
        images
    )(stage="hlo")
    reduced = re.findall(r"reduce\(\w+\[([\d,]+)\]", hlo)
    assert reduced, "no reduce found: the HLO format changed"
    assert all(np.prod([int(d) for d in dims.split(",")]) <= 4 * 8 * 8 * 3 for dims in reduced)


@pytest.mark.parametrize("first", [0.0, 3.0, np.nan, np.inf])
def test_unfolded_returns_its_values_whatever_the_data(first):
    data = tf.constant([first, 1.0])
    values = tf.constant([0.0, -2.5, 7.0])
    program = tf.function(lambda v, d: unfolded(v, d), jit_compile=True)
    for out in (unfolded(values, data), program(values, data)):
        np.testing.assert_array_equal(out.numpy(), values.numpy())


def test_grayscale_with_factor_one_reads_its_factor_in_the_pixel_loop():
    # with the 0 known, XLA:CPU compiled the same loop 2.8x slower (3.4 vs 1.2 ms for 32 x 224^2 x 3)
    images = tf.zeros(IMAGE_SHAPE, tf.uint8)
    layer = keras_aug.layers.RandomGrayscale(1.0)
    loops = _pixel_loops(lambda x: layer(x, training=True), images)
    assert loops, "no image-sized fusion found: the HLO format changed"
    assert all(len(re.findall(r"= f32\[[\d,]*\]\{[\d,]*\} parameter\(", loop)) >= 1 for loop in loops)


@pytest.mark.parametrize(
    "call, message",
    [
        (lambda: reduce_pixels(tf.zeros([1, 4, 4, 1]), "median"), "`reduction` must be one of"),
        (
            lambda: reduce_pixels(tf.zeros([4, 4, 1]), "sum"),
            "`images` must be [batch, height, width, channels]",
        ),
        (lambda: reduce_pixels(tf.zeros([1, 4, 4, 1], tf.uint8), "mean"), "needs float images"),
    ],
)
def test_reduce_pixels_names_what_is_wrong(call, message):
    with pytest.raises(ValueError, match=re.escape(message)):
        call()


def test_rgb_clahe_converts_lab_to_rgb_once_per_pixel():
    """The red, green and blue lookups share X, Y and Z. As one program on 224² images XLA:CPU gave each
    lookup its own loop, each recomputing the inverse Lab companding (``f * 108``) of X and Z: three loops
    (3 × 11 ms a batch of 32), where stored X and Z take one loop each. (On small images XLA keeps one
    loop, so the test uses the benchmark's size.)"""
    images = tf.zeros([8, 224, 224, 3], tf.uint8)
    hlo = tf.function(lambda x: keras_aug.ops.clahe(x, 4.0), jit_compile=True).experimental_get_compiler_ir(
        images
    )(stage="optimized_hlo")
    companding = [b for b in hlo.split("\n\n") if b.startswith("%fused") and "constant(108)" in b]
    assert 1 <= len(companding) <= 2, len(companding)


def test_equalize_scatters_one_channel_at_a_time():
    """A whole RGB batch's bin ids and counts in one scatter (38.5 MB at 32 × 224² × 3) crossed glibc's
    32 MB mmap threshold, so every call mapped and faulted them in afresh; per channel they stay below it."""
    images = tf.zeros([2, 16, 16, 3], tf.uint8)
    program = tf.function(lambda x: keras_aug.ops.equalize(x), jit_compile=True)
    hlo = program.experimental_get_compiler_ir(images)(
        stage="hlo"
    )  # older XLA expands scatters when optimizing
    histograms = re.findall(r"= s32\[(\d+)\]\{0\} scatter\(", hlo)
    assert histograms == ["512"] * 3, histograms  # 2 images x 256 bins, once per channel


def test_gaussian_blur_pads_the_input_before_casting_it():
    """The blur's first pass reads a reflect-padded copy of the batch, which XLA stores: as float32 it made
    the unit's scratch 39 MB at 32 × 224² × 3 (over glibc's 32 MB mmap threshold, so mapped afresh each
    call); padded as uint8 and cast in the taps' loop, 24.5 MB."""
    images = tf.zeros([2, 16, 16, 3], tf.uint8)
    program = tf.function(lambda x: keras_aug.ops.gaussian_blur(x, 5, 1.0), jit_compile=True)
    hlo = program.experimental_get_compiler_ir(images)(stage="optimized_hlo")
    stored = hlo[hlo.index("\nENTRY") :]  # the program's own instructions, not the fused loops' insides
    padded = re.findall(r"= (\w+)\[2,20,16,3\]", stored)  # 2 rows above and below
    assert padded == ["u8"], padded
