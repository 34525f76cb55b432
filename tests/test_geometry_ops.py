"""keras_aug.ops.geometry against outside oracles: TF's projective kernel, OpenCV, NumPy."""

import itertools
import math

import cv2
import numpy as np
import pytest
import tensorflow as tf
from conftest import smooth_images

from keras_aug.ops import geometry as g

H, W = 17, 23
FILL_MODES = ["constant", "reflect", "wrap", "nearest"]
CV2_BORDERS = {
    "constant": cv2.BORDER_CONSTANT,
    "reflect": cv2.BORDER_REFLECT,
    "nearest": cv2.BORDER_REPLICATE,
}


def tf_kernel(images, transforms, interpolation, fill_mode, fill_value=0.0, output_shape=None):
    """The oracle: TF's own ImageProjectiveTransformV3 (CPU kernel, not XLA-compilable)."""
    images = tf.convert_to_tensor(images)
    return tf.raw_ops.ImageProjectiveTransformV3(
        images=images,
        transforms=tf.convert_to_tensor(transforms, tf.float32),
        output_shape=output_shape or images.shape[1:3],
        interpolation=interpolation.upper(),
        fill_mode=fill_mode.upper(),
        fill_value=fill_value,
    ).numpy()


def random_affine(rng, batch, height=H, width=W, projective=False):
    """Rotation + anisotropic zoom + shear + translation, built by hand in NumPy (output→input)."""
    out = []
    for _ in range(batch):
        a = rng.uniform(-math.pi, math.pi)
        sx, sy = rng.uniform(0.6, 1.6, 2)
        sh = rng.uniform(-0.3, 0.3)
        cx, cy = (width - 1) / 2, (height - 1) / 2
        lin = np.array([[math.cos(a), -math.sin(a)], [math.sin(a), math.cos(a)]]) @ np.array(
            [[sx, sh], [0, sy]]
        )
        t = np.array([cx, cy]) - lin @ np.array([cx, cy]) + rng.uniform(-6, 6, 2)
        row = [lin[0, 0], lin[0, 1], t[0], lin[1, 0], lin[1, 1], t[1], 0.0, 0.0]
        if projective:
            row[6:] = rng.uniform(-0.01, 0.01, 2)
        out.append(row)
    return np.array(out, np.float32)


@pytest.fixture(scope="module")
def images():
    return smooth_images(3, H, W, 3, seed=7)


@pytest.fixture(scope="module")
def jit_transform():
    return tf.function(g.transform, jit_compile=True)


@pytest.mark.parametrize(
    "interpolation,fill_mode,projective",
    # "wrap" is periodic (test below); TF's kernel divides by len - 1 and is not periodic past one length.
    itertools.product(["nearest", "bilinear"], ["constant", "reflect", "nearest"], [False, True]),
)
def test_transform_matches_tf_kernel(images, jit_transform, interpolation, fill_mode, projective):
    rng = np.random.default_rng(hash((interpolation, fill_mode, projective)) % 2**32)
    transforms = random_affine(rng, 3, projective=projective)
    for dtype in (np.float32, np.uint8):
        x = images.astype(dtype)
        expected = tf_kernel(x.astype(np.float32), transforms, interpolation, fill_mode, 9.0)
        for run in (g.transform, jit_transform):
            got = run(x, transforms, interpolation, fill_mode=fill_mode, fill_value=9.0).numpy()
            assert got.dtype == dtype
            diff = np.abs(got.astype(np.float64) - expected)
            if interpolation == "nearest":
                assert diff.max() == 0
            elif dtype == np.uint8:
                assert diff.max() <= 0.5 + 1e-3  # we round to nearest; the float kernel is the exact value
            else:
                assert diff.max() <= 1e-3


def _round_half_away(v):
    return np.sign(v) * np.floor(np.abs(v) + 0.5)


@pytest.mark.parametrize("projective", [False, True])
def test_transform_wrap_is_periodic_like_np_roll_and_scipy_grid_wrap(images, projective):
    """tfa documents "wrap" as ``a b c d | a b c d``: nearest reads the nearest pixel modulo the size (np.roll
    for whole shifts, also past one image length); bilinear is scipy's "grid-wrap" except within the seam
    band (the last half pixel on either side of each edge reads its nearer edge)."""
    from scipy import ndimage

    rng = np.random.default_rng(11 + projective)
    transforms = random_affine(rng, 3, projective=projective)
    transforms[2] = [1, 0, 2 * W + 3, 0, 1, -H - 5, 0, 0]  # a shift by more than one image length
    x = images.astype(np.float32)
    nearest = g.transform(x, transforms, "nearest", fill_mode="wrap").numpy()
    bilinear = g.transform(x, transforms, "bilinear", fill_mode="wrap").numpy()
    np.testing.assert_array_equal(nearest[2], np.roll(x[2], (H + 5, -2 * W - 3), axis=(0, 1)))
    yy, xx = np.mgrid[0:H, 0:W].astype(np.float64)
    for i, t in enumerate(transforms.astype(np.float64)):
        k = t[6] * xx + t[7] * yy + 1.0
        sx, sy = (t[0] * xx + t[1] * yy + t[2]) / k, (t[3] * xx + t[4] * yy + t[5]) / k
        tie = (np.abs(np.abs(sx % 1.0) - 0.5) < 1e-3) | (np.abs(np.abs(sy % 1.0) - 0.5) < 1e-3)
        expected = x[i][
            np.mod(_round_half_away(sy), H).astype(int), np.mod(_round_half_away(sx), W).astype(int)
        ]
        np.testing.assert_array_equal(nearest[i][~tie], expected[~tie])
        seam = (np.mod(sx, W) > W - 1 - 1e-3) | (np.mod(sy, H) > H - 1 - 1e-3)
        assert (~seam).mean() > 0.8
        for c in range(3):
            scipy = ndimage.map_coordinates(x[i, ..., c], [sy, sx], order=1, mode="grid-wrap")
            np.testing.assert_allclose(bilinear[i, ..., c][~seam], scipy[~seam], atol=0.02)


def test_transform_uint8_within_one_of_tf_uint8_kernel(images):
    transforms = random_affine(np.random.default_rng(0), 3)
    expected = tf_kernel(images, transforms, "bilinear", "reflect")  # TF truncates where we round
    got = g.transform(images, transforms, "bilinear", fill_mode="reflect").numpy()
    assert np.abs(got.astype(int) - expected.astype(int)).max() <= 1


def test_transform_single_transform_rank3_and_output_shape(images):
    t = random_affine(np.random.default_rng(1), 1)[0]
    expected = tf_kernel(images[:1].astype(np.float32), t[None], "bilinear", "constant", output_shape=(9, 31))
    got = g.transform(images[0].astype(np.float32), t, "bilinear", output_shape=(9, 31)).numpy()
    assert got.shape == (9, 31, 3)
    np.testing.assert_allclose(got, expected[0], atol=1e-3)


@pytest.mark.parametrize("fill_mode", ["constant", "reflect", "nearest"])
def test_warp_matches_opencv_warp_affine(images, fill_mode):
    transforms = random_affine(np.random.default_rng(3), 3)
    matrices = g.transform_to_matrix(transforms)
    fast = g.warp(images, matrices, "bilinear", fill_mode, 0.0).numpy().astype(np.float64)
    exact = g.transform(images.astype(np.float32), transforms, "bilinear", fill_mode=fill_mode).numpy()
    for i in range(3):
        # WARP_INVERSE_MAP: the 2x3 matrix maps output to input, like ours.
        cv = cv2.warpAffine(
            images[i].astype(np.float32),
            transforms[i, :6].reshape(2, 3),
            (W, H),
            flags=cv2.INTER_LINEAR | cv2.WARP_INVERSE_MAP,
            borderMode=CV2_BORDERS[fill_mode],
            borderValue=0,
        )
        # OpenCV quantizes coordinates to 1/32 pixel, so compare with a gradient-sized tolerance.
        assert np.abs(exact[i] - cv).mean() < 0.6
        assert np.abs(fast[i] - cv).mean() < 0.9
    assert np.abs(fast - np.round(exact)).max() <= 1


@pytest.mark.parametrize("interpolation,fill_mode", itertools.product(["nearest", "bilinear"], FILL_MODES))
def test_fast_warp_matches_tf_kernel(images, interpolation, fill_mode):
    transforms = random_affine(np.random.default_rng(5), 3)
    matrices = g.transform_to_matrix(transforms)
    for dtype, tol in ((np.uint8, 1.0), (np.float32, 1e-3)):
        x = images.astype(dtype)
        expected = tf_kernel(x.astype(np.float32), transforms, interpolation, fill_mode, 4.0)
        if dtype == np.uint8:
            expected = np.round(expected)
        got = g.warp(x, matrices, interpolation, fill_mode, 4.0).numpy()
        assert got.dtype == dtype
        diff = np.abs(got.astype(np.float64) - expected)
        if fill_mode == "wrap":  # TF clamps at the seam; we wrap periodically (see test below)
            assert (diff > tol).mean() < 0.05
        else:
            assert diff.max() <= (0 if interpolation == "nearest" else tol)


@pytest.mark.parametrize("fill_mode", FILL_MODES)
@pytest.mark.parametrize("offset", [0.999, -0.001, 0.9985, 0.4])
def test_fast_warp_weights_that_round_to_one_read_the_next_pixel(fill_mode, offset):
    # A fraction >= 255.5/256 rounds to a whole pixel: the tap must move to the next column/row (up to
    # the fill border past the last one) with weight 0. Noise images, so any other pixel is far off.
    noise = np.random.default_rng(3).integers(0, 256, (2, H, W, 3), dtype=np.uint8)
    transforms = np.array(
        [[1, 0, offset, 0, 1, offset, 0, 0], [1, 0, offset, 0, 1, -offset, 0, 0]], np.float32
    )
    expected = np.round(tf_kernel(noise.astype(np.float32), transforms, "bilinear", fill_mode, 200.0))
    got = g.warp(noise, g.transform_to_matrix(transforms), "bilinear", fill_mode, 200.0, kind="affine")
    diff = np.abs(got.numpy().astype(np.float64) - expected)
    if fill_mode == "wrap":  # TF clamps at the seam; we wrap periodically
        diff = diff[:, 1:-1, 1:-1]
    assert diff.max() <= 1


def test_fast_warp_wrap_is_periodic_like_np_roll(images):
    got = g.warp(
        images, g.translation_matrix([3.0, -30.0, 0.0], [-2.0, 5.0, 40.0]), "nearest", "wrap"
    ).numpy()
    for i, (dx, dy) in enumerate([(3, -2), (-30, 5), (0, 40)]):
        np.testing.assert_array_equal(got[i], np.roll(images[i], (dy, dx), axis=(0, 1)))


def test_rotation_by_quarter_turns_matches_np_rot90():
    img = np.arange(5 * 5 * 2, dtype=np.uint8).reshape(1, 5, 5, 2)
    for k in (1, 2, 3):
        m = g.rotation_matrix([k * math.pi / 2], 5, 5)
        for interpolation in ("nearest", "bilinear"):
            got = g.warp(img, m, interpolation, "constant").numpy()[0]
            np.testing.assert_array_equal(got, np.rot90(img[0], k))
            exact = g.transform(img, g.matrix_to_transform(m), interpolation).numpy()[0]
            np.testing.assert_array_equal(exact, np.rot90(img[0], k))


def test_matrices_hand_computed():
    # Rotating a 3x3 image by 90° counter-clockwise: output (x=0, y=0) reads input (x=2, y=0).
    m = g.rotation_matrix([math.pi / 2], 3, 3).numpy()[0]
    np.testing.assert_allclose(m @ [0, 0, 1], [2, 0, 1], atol=1e-6)
    # Zoom in by 2 about the centre of a 5x5 image: output corner (0, 0) reads input (1, 1).
    np.testing.assert_allclose(g.zoom_matrix([2.0], [2.0], 5, 5).numpy()[0] @ [0, 0, 1], [1, 1, 1])
    # Shear along x about the centre row: the centre row stays put.
    s = g.shear_matrix([0.5], [0.0], 5, 5).numpy()[0]
    np.testing.assert_allclose(s @ [3, 2, 1], [3, 2, 1], atol=1e-6)
    np.testing.assert_allclose(s @ [3, 4, 1], [2, 4, 1], atol=1e-6)
    # compose(A, B) applies A first: translate by 1 then by 2 is a shift by 3.
    c = g.compose(g.translation_matrix([1.0], [0.0]), g.translation_matrix([2.0], [0.0]))
    np.testing.assert_allclose(c.numpy()[0] @ [5, 0, 1], [2, 0, 1])
    # transform_to_matrix inverts matrix_to_transform.
    t = random_affine(np.random.default_rng(2), 2, projective=True)
    np.testing.assert_allclose(g.matrix_to_transform(g.transform_to_matrix(t)).numpy(), t, rtol=1e-6)


def test_flips_match_numpy_per_sample(images):
    flags = np.array([True, False, True])
    lr = g.flip_left_right(images, flags).numpy()
    ud = tf.function(g.flip_up_down, jit_compile=True)(images, flags).numpy()
    for i, f in enumerate(flags):
        np.testing.assert_array_equal(lr[i], np.flip(images[i], 1) if f else images[i])
        np.testing.assert_array_equal(ud[i], np.flip(images[i], 0) if f else images[i])
    np.testing.assert_array_equal(g.flip_left_right(images[0]).numpy(), images[0, :, ::-1])


@pytest.mark.parametrize(
    "fill_mode,np_mode", [("constant", "constant"), ("reflect", "symmetric"), ("nearest", "edge")]
)
def test_integer_shift_matches_numpy_pad_and_slice(images, fill_mode, np_mode):
    dx, dy = np.array([3, -5, 0]), np.array([-2, 4, 6])
    got = g.shift(images, dx, dy, "nearest", fill_mode).numpy()
    bilinear = g.shift(images, dx, dy, "bilinear", fill_mode).numpy()
    p = 8
    kwargs = {"constant_values": 0} if np_mode == "constant" else {}
    for i in range(3):
        padded = np.pad(images[i], [(p, p), (p, p), (0, 0)], mode=np_mode, **kwargs)
        expected = padded[p - dy[i] : p - dy[i] + H, p - dx[i] : p - dx[i] + W]
        np.testing.assert_array_equal(got[i], expected)
        np.testing.assert_array_equal(bilinear[i], expected)


def test_integer_shift_wrap_matches_np_roll(images):
    got = g.shift(images, [3, -4, 30], [-2, 5, 0], "nearest", "wrap").numpy()
    for i, (dx, dy) in enumerate([(3, -2), (-4, 5), (30, 0)]):
        np.testing.assert_array_equal(got[i], np.roll(images[i], (dy, dx), axis=(0, 1)))


@pytest.mark.parametrize("fill_mode", ["constant", "reflect", "nearest"])
def test_fractional_shift_matches_tf_kernel(images, fill_mode):
    dx, dy = np.array([2.3, -7.75, 0.5], np.float32), np.array([-1.6, 3.25, 9.9], np.float32)
    transforms = np.stack([[1, 0, -x, 0, 1, -y, 0, 0] for x, y in zip(dx, dy, strict=True)]).astype(
        np.float32
    )
    for dtype, tol in ((np.uint8, 1.0), (np.float32, 1e-3)):
        x = images.astype(dtype)
        expected = tf_kernel(x.astype(np.float32), transforms, "bilinear", fill_mode, 3.0)
        got = tf.function(g.shift, jit_compile=True)(x, dx, dy, "bilinear", fill_mode, 3.0).numpy()
        assert np.abs(got - (np.round(expected) if dtype == np.uint8 else expected)).max() <= tol


@pytest.mark.parametrize(
    "dtype", [tf.uint8, tf.uint16, tf.int32, tf.float16, tf.bfloat16, tf.float32, tf.float64]
)
def test_dtypes_preserved_under_xla(images, dtype):
    x = tf.cast(images, dtype)
    m = g.transform_to_matrix(random_affine(np.random.default_rng(4), 3))
    t = g.matrix_to_transform(m)
    ops = {
        "transform": lambda a: g.transform(a, t, "bilinear"),
        "warp": lambda a: g.warp(a, m),
        "shift": lambda a: g.shift(a, [1.5, 0.0, -2.0], [0.5, 1.0, 0.0]),
        "flip": lambda a: g.flip_left_right(a, [True, False, True]),
    }
    reference = g.transform(images.astype(np.float32), t, "bilinear").numpy()
    for name, op in ops.items():
        out = tf.function(op, jit_compile=True)(x)
        assert out.dtype == dtype, name
        assert out.shape == x.shape, name
    warped = tf.cast(tf.function(ops["transform"], jit_compile=True)(x), tf.float32).numpy()
    tol = {tf.float16: 0.3, tf.bfloat16: 2.0}.get(dtype, 0.5 if dtype.is_integer else 1e-3)
    assert np.abs(warped - reference).max() <= tol


def test_uint8_rounds_and_clips():
    img = np.array([[[250], [255]]], np.uint8)[None]
    half = g.shift(img, [0.5], [0.0], fill_mode="nearest").numpy()
    assert half[0, 0, 1, 0] == 253  # (250 + 255) / 2 = 252.5 rounds up in fixed point
    exact = g.transform(img, [1, 0, -0.5, 0, 1, 0, 0, 0], "bilinear", fill_mode="nearest").numpy()
    assert exact[0, 0, 1, 0] == 252  # round half to even on the exact path, never wraps past 255


def test_unknown_batch_and_spatial_shapes(images):
    m = g.rotation_matrix([0.3, -0.2, 1.0], H, W)
    expected = g.warp(images, m).numpy()
    batch_only = tf.function(
        lambda a, mm: g.warp(a, mm),
        input_signature=[tf.TensorSpec([None, H, W, 3], tf.uint8), tf.TensorSpec(None)],
    )
    np.testing.assert_array_equal(batch_only(images, m).numpy(), expected)
    spatial = tf.function(
        lambda a, mm: g.warp(a, mm),
        input_signature=[tf.TensorSpec([None, None, None, 3], tf.uint8), tf.TensorSpec(None)],
    )
    assert np.abs(spatial(images, m).numpy().astype(int) - expected.astype(int)).max() <= 1
    ds = tf.data.Dataset.from_tensor_slices(images).batch(3).map(lambda a: g.warp(a, m))
    np.testing.assert_array_equal(next(iter(ds)).numpy(), expected)


def test_bad_arguments_name_the_argument(images):
    with pytest.raises(ValueError, match="fill_mode"):
        g.transform(images, [1, 0, 0, 0, 1, 0, 0, 0], fill_mode="mirror")
    with pytest.raises(ValueError, match="interpolation"):
        g.warp(images, g.identity_matrix(3), interpolation="bicubic")
    with pytest.raises(ValueError, match="images"):
        g.transform(images[0, 0, 0], [1, 0, 0, 0, 1, 0, 0, 0])
    with pytest.raises(ValueError, match="images"):
        g.flip_left_right(tf.constant([[["a"]]]))
    with pytest.raises(ValueError, match="transforms"):
        g.transform(images, [1, 0, 0])


@pytest.mark.parametrize("interpolation", ["nearest", "bilinear"])
@pytest.mark.parametrize("fill_mode", ["constant", "reflect", "nearest"])
def test_axis_aligned_warp_matches_tf_kernel(images, interpolation, fill_mode):
    rng = np.random.default_rng(9)
    zx, zy, dx, dy = (
        rng.uniform(0.5, 2.0, 3),
        rng.uniform(0.5, 2.0, 3),
        rng.uniform(-9, 9, 3),
        rng.uniform(-9, 9, 3),
    )
    matrices = g.compose(g.zoom_matrix(zx, zy, H, W), g.translation_matrix(dx, dy))
    transforms = g.matrix_to_transform(matrices).numpy()
    for dtype, tol in ((np.uint8, 1.0), (np.float32, 1e-3)):
        x = images.astype(dtype)
        expected = tf_kernel(x.astype(np.float32), transforms, interpolation, fill_mode, 2.0)
        if dtype == np.uint8:
            expected = np.round(expected)
        got = tf.function(g.warp_axis_aligned, jit_compile=True)(x, matrices, interpolation, fill_mode, 2.0)
        assert got.dtype == dtype
        assert np.abs(got.numpy().astype(np.float64) - expected).max() <= (
            0 if interpolation == "nearest" else tol
        )


# ------------------------------------------------------------------------------------------------
# tfa.image equivalents
# ------------------------------------------------------------------------------------------------


def test_tfa_rotate_and_translate_match_tf_kernel_and_numpy(images):
    angles = np.array([0.3, -2.0, 1.1], np.float32)
    transforms = g.angles_to_projective_transforms(angles, H, W).numpy()
    np.testing.assert_array_equal(
        g.rotate(images, angles), tf_kernel(images, transforms, "nearest", "constant")
    )
    np.testing.assert_allclose(
        transforms[0, [0, 1, 3, 4]], [math.cos(0.3), -math.sin(0.3), math.sin(0.3), math.cos(0.3)]
    )
    # tfa's offsets: x_offset = ((w-1) - (cos (w-1) - sin (h-1))) / 2, y_offset likewise.
    c, s = math.cos(0.3), math.sin(0.3)
    expected_offsets = [
        ((W - 1) - (c * (W - 1) - s * (H - 1))) / 2,
        ((H - 1) - (s * (W - 1) + c * (H - 1))) / 2,
    ]
    np.testing.assert_allclose(transforms[0, [2, 5]], expected_offsets, rtol=1e-5)
    shifted = g.translate(images, [[2, -3], [0, 0], [-5, 1]]).numpy()
    expected = np.zeros_like(images[0])
    expected[: H - 3, 2:] = images[0, 3:, : W - 2]
    np.testing.assert_array_equal(shifted[0], expected)
    np.testing.assert_array_equal(shifted[1], images[1])
    np.testing.assert_array_equal(
        g.translations_to_projective_transforms([[2.0, -3.0]]), [[1, 0, -2, 0, 1, 3, 0, 0]]
    )


def test_tfa_compose_transforms_applies_first_transform_first():
    a = g.translations_to_projective_transforms([[1.0, 0.0]])
    b = g.angles_to_projective_transforms([math.pi / 2], 5, 5)
    composed = g.compose_transforms([a, b]).numpy()
    ma, mb = g.transform_to_matrix(a).numpy()[0], g.transform_to_matrix(b).numpy()[0]
    np.testing.assert_allclose(composed[0], (ma @ mb).reshape(-1)[:8], atol=1e-6)


@pytest.mark.parametrize("op,level", [(g.shear_x, 0.3), (g.shear_y, -0.2)])
def test_tfa_shear_matches_tf_kernel_with_replace(images, op, level):
    replace = [10, 20, 30]
    got = op(images[0], level, replace).numpy()
    t = [1, level, 0, 0, 1, 0, 0, 0] if op is g.shear_x else [1, 0, 0, level, 1, 0, 0, 0]
    warped = tf_kernel(images[:1].astype(np.float32), [t], "nearest", "constant")[0]
    inside = tf_kernel(np.ones((1, H, W, 1), np.float32), [t], "nearest", "constant")[0] > 0
    expected = np.where(inside, warped, np.array(replace, np.float32))
    np.testing.assert_array_equal(got, expected)
    assert (~inside).any() and inside.any()


def test_tfa_interpolate_bilinear_and_dense_image_warp_match_scipy(images, rng):
    from scipy import ndimage

    grid = images[:1].astype(np.float32)
    points = rng.uniform(-2, [H + 1, W + 1], (1, 40, 2)).astype(np.float32)
    got = g.interpolate_bilinear(grid, points).numpy()[0]
    for c in range(3):
        expected = ndimage.map_coordinates(grid[0, ..., c], points[0].T, order=1, mode="nearest")
        np.testing.assert_allclose(got[:, c], expected, atol=1e-3)
    xy = g.interpolate_bilinear(grid, points[..., ::-1], indexing="xy").numpy()
    np.testing.assert_allclose(xy[0], got, atol=1e-4)

    flow = rng.uniform(-4, 4, (1, H, W, 2)).astype(np.float32)
    warped = tf.function(g.dense_image_warp, jit_compile=True)(grid, flow).numpy()[0]
    yy, xx = np.mgrid[0:H, 0:W].astype(np.float32)
    coords = np.stack([yy - flow[0, ..., 0], xx - flow[0, ..., 1]])
    for c in range(3):
        expected = ndimage.map_coordinates(grid[0, ..., c], coords, order=1, mode="nearest")
        np.testing.assert_allclose(warped[..., c], expected, atol=1e-3)


@pytest.mark.parametrize("fill_mode", ["constant", "reflect", "nearest"])
def test_remap_matches_tf_kernel_sampling_and_opencv(images, rng, fill_mode):
    x = rng.uniform(-6, W + 5, (3, H, W)).astype(np.float32)
    y = rng.uniform(-6, H + 5, (3, H, W)).astype(np.float32)
    for interpolation in ("nearest", "bilinear"):
        exact = g.sample(images.astype(np.float32), x, y, interpolation, fill_mode).numpy()
        fast = tf.function(g.remap, jit_compile=True)(images, x, y, interpolation, fill_mode).numpy()
        assert np.abs(fast - np.round(exact)).max() <= (0 if interpolation == "nearest" else 1)
    for i in range(3):
        cv = cv2.remap(images[i], x[i], y[i], cv2.INTER_LINEAR, borderMode=CV2_BORDERS[fill_mode])
        fast = g.remap(images[i], x[i], y[i], "bilinear", fill_mode).numpy()
        assert np.abs(fast.astype(int) - cv.astype(int)).mean() < 1.0  # OpenCV: 1/32-pixel coordinates
