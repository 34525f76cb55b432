"""Projective and shear warps against outside oracles: OpenCV, Keras 3's own ops, torchvision's formulas.

torchvision is not installed; its definitions are transcribed here from
``torchvision/transforms/v2/functional/_geometry.py``:

- ``_get_perspective_coeffs(startpoints, endpoints)``: the 8 coefficients mapping each endpoint to its
  startpoint (output→input), applied by ``_perspective_grid`` at pixel corners (``x + 0.5``) and read back
  by ``grid_sample(align_corners=False)`` (``- 0.5``).
- ``_get_inverse_affine_matrix(center, angle, translate, scale, shear)``: ``RSS = R(a) S(s) SHy(sy) SHx(sx)``
  with ``a = cos(rot - sy) / cos(sy)``, ``b = -cos(rot - sy) tan(sx) / cos(sy) - sin(rot)``,
  ``c = sin(rot - sy) / cos(sy)``, ``d = -sin(rot - sy) tan(sx) / cos(sy) + cos(rot)``, inverse
  ``[d, -b, 0, -c, a, 0] / s``, then ``+= RSS⁻¹ (-center - translate) + center``; ``affine_image`` passes
  ``center - size / 2`` and ``_affine_grid`` centres the pixel grid (``i - (n - 1) / 2``).
"""

import math

import cv2
import keras
import numpy as np
import pytest
import tensorflow as tf
from conftest import MODES, requires_keras, run, smooth_images

import keras_aug
from keras_aug import ops
from keras_aug.layers import RandomPerspective, RandomShear

H, W = 24, 31
BORDERS = {"constant": cv2.BORDER_CONSTANT, "reflect": cv2.BORDER_REFLECT, "nearest": cv2.BORDER_REPLICATE}
CV_INTERPOLATION = {"bilinear": cv2.INTER_LINEAR, "nearest": cv2.INTER_NEAREST}


#: OpenCV 4's warps sample at fixed-point positions (1/32 pixel, ``INTER_BITS = 5``) and differ at the
#: border; OpenCV 5 agrees with our float positions within 1 level on 99.9% of values, OpenCV 4 (the
#: lowest-versions CI job) within 2 levels on 98.5%.
_OPENCV_5 = int(cv2.__version__.split(".")[0]) >= 5
CV2_TOLERANCE = 1 if _OPENCV_5 else 2
CV2_FRACTION = 0.999 if _OPENCV_5 else 0.985


def close_to_cv2(got: np.ndarray, cv: np.ndarray) -> float:
    """The fraction of ``got``'s values within :data:`CV2_TOLERANCE` levels of OpenCV's ``cv``."""
    return float((np.abs(got.astype(int) - cv.astype(int)) <= CV2_TOLERANCE).mean())


@pytest.fixture(scope="module")
def images():
    return smooth_images(4, H, W, 3, seed=5)


def corners(height=H, width=W):
    return np.array([[0, 0], [width - 1, 0], [width - 1, height - 1], [0, height - 1]], np.float64)


def random_quads(rng, batch, spread=6.0):
    return corners() + rng.uniform(-spread, spread, (batch, 4, 2))


# ------------------------------------------------------------------------------------------------
# perspective_matrix and the projective engine
# ------------------------------------------------------------------------------------------------


def test_perspective_matrix_matches_cv2_get_perspective_transform(rng):
    start, end = random_quads(rng, 5), random_quads(rng, 5)
    got = ops.perspective_matrix(start, end).numpy()
    for i in range(5):
        # cv2's matrix maps its src to its dst; ours maps the output (end) points to the input (start).
        cv = cv2.getPerspectiveTransform(end[i].astype(np.float32), start[i].astype(np.float32))
        np.testing.assert_allclose(got[i], cv / cv[2, 2], rtol=1e-5, atol=1e-5)
    shared = ops.perspective_matrix(corners(), end).numpy()  # [4, 2] broadcasts against [B, 4, 2]
    np.testing.assert_allclose(
        shared, ops.perspective_matrix(np.repeat(corners()[None], 5, 0), end), atol=1e-6
    )


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("interpolation", ["bilinear", "nearest"])
@pytest.mark.parametrize("fill_mode", ["constant", "reflect", "nearest"])
def test_projective_warp_matches_cv2_warp_perspective(images, mode, interpolation, fill_mode):
    rng = np.random.default_rng(len(mode) + 10 * len(fill_mode) + len(interpolation))
    matrices = ops.perspective_matrix(corners(), random_quads(rng, 4)).numpy()
    got = run(ops.warp, mode, images, matrices, interpolation=interpolation, fill_mode=fill_mode,
              fill_value=9.0, kind="projective")  # fmt: skip
    for i in range(4):
        cv = cv2.warpPerspective(
            images[i], matrices[i], (W, H),
            flags=CV_INTERPOLATION[interpolation] | cv2.WARP_INVERSE_MAP,
            borderMode=BORDERS[fill_mode], borderValue=(9, 9, 9),
        )  # fmt: skip
        assert close_to_cv2(got[i], cv) >= CV2_FRACTION, (i, close_to_cv2(got[i], cv))


@pytest.mark.parametrize("interpolation", ["bilinear", "nearest"])
@pytest.mark.parametrize("fill_mode", ["constant", "reflect", "wrap", "nearest"])
def test_projective_engine_matches_the_reference_resampler(images, interpolation, fill_mode):
    rng = np.random.default_rng(3)
    matrices = ops.perspective_matrix(corners(), random_quads(rng, 4, spread=9.0))
    transforms = ops.matrix_to_transform(matrices)
    for dtype in (np.uint8, np.float32):
        x = images.astype(dtype)
        fast = ops.warp(x, matrices, interpolation, fill_mode, 4.0, kind="projective").numpy()
        exact = ops.transform(x, transforms, interpolation, fill_mode=fill_mode, fill_value=4.0).numpy()
        diff = np.abs(fast.astype(np.float64) - exact)
        if interpolation == "nearest":
            assert (diff > 0).mean() < 1e-3  # only ties at .5 may round apart (float32 vs the kernel's order)
        else:
            assert diff.max() <= (1.0 if dtype == np.uint8 else 2e-3)  # float32 rounding at 0..255


def test_projective_pixels_beyond_the_horizon_and_non_finite_matrices_read_the_fill(images):
    # k = 1 - x / 10 is 0 on column 10 and negative past it; the reference resampler is the oracle there.
    horizon = np.array([[1, 0, 0], [0, 1, 0], [-0.1, 0, 1]], np.float32)
    nan = np.full([3, 3], np.nan, np.float32)
    matrices = np.stack([horizon, nan, np.eye(3, dtype=np.float32), horizon])
    for fill_mode in ("reflect", "constant"):
        fast = ops.warp(images, matrices, "nearest", fill_mode, 7.0, kind="projective").numpy()
        exact = ops.transform(images, ops.matrix_to_transform(matrices), "nearest", fill_mode=fill_mode,
                              fill_value=7.0).numpy()  # fmt: skip
        assert (fast[[0, 3], :, 10] == 7).all() and (fast[1] == 7).all()
        np.testing.assert_array_equal(fast[2], images[2])
        assert (fast != exact).mean() < 1e-3


def test_projective_matrices_take_the_projective_engine_and_affine_ones_are_unchanged(images):
    rotation = ops.rotation_matrix([0.3] * 4, H, W)
    np.testing.assert_array_equal(
        ops.warp(images, rotation, kind="projective"), ops.warp(images, rotation, kind="affine")
    )


# ------------------------------------------------------------------------------------------------
# ops.perspective and ops.affine: torchvision's semantics
# ------------------------------------------------------------------------------------------------


def _shift_half(matrix):
    """A matrix on pixel corners (torchvision, PIL) as one on pixel centres: ``T(-1/2) M T(1/2)``."""
    t = np.array([[1, 0, 0.5], [0, 1, 0.5], [0, 0, 1]])
    return np.linalg.inv(t) @ matrix @ t


def test_perspective_matches_torchvision_definition_through_cv2(images, rng):
    start = corners() + rng.uniform(-1, 1, (4, 2))
    ends = random_quads(rng, 4, spread=5.0)
    got = ops.perspective(images, start, ends, "bilinear", fill=3).numpy()
    for i in range(4):
        coeffs = cv2.getPerspectiveTransform(ends[i].astype(np.float32), start.astype(np.float32))
        cv = cv2.warpPerspective(
            images[i], _shift_half(coeffs), (W, H), flags=cv2.INTER_LINEAR | cv2.WARP_INVERSE_MAP,
            borderMode=cv2.BORDER_CONSTANT, borderValue=(3, 3, 3),
        )  # fmt: skip
        assert close_to_cv2(got[i], cv) >= CV2_FRACTION, (i, close_to_cv2(got[i], cv))


def test_perspective_hand_computed_shift_and_per_sample_points():
    img = np.arange(16, dtype=np.float32).reshape(1, 4, 4, 1).repeat(2, axis=0)
    square = corners(4, 4)
    moved = [square, square + np.array([1.0, 0.0])]  # sample 0 unchanged, sample 1 one pixel right
    out = ops.perspective(img, square, np.stack(moved), "nearest").numpy()[..., 0]
    np.testing.assert_array_equal(out[0], img[0, ..., 0])
    np.testing.assert_array_equal(out[1], np.pad(img[1, :, :3, 0], [[0, 0], [1, 0]]))
    single = ops.perspective(img[0], square, square + np.array([0.0, 1.0]), "nearest").numpy()[..., 0]
    np.testing.assert_array_equal(single, np.pad(img[0, :3, :, 0], [[1, 0], [0, 0]]))


def torchvision_inverse_affine(center, angle, translate, scale, shear):
    """torchvision's ``_get_inverse_affine_matrix`` (transcribed; see the module docstring)."""
    rot, sx, sy = math.radians(angle), math.radians(shear[0]), math.radians(shear[1])
    cx, cy = center
    tx, ty = translate
    a = math.cos(rot - sy) / math.cos(sy)
    b = -math.cos(rot - sy) * math.tan(sx) / math.cos(sy) - math.sin(rot)
    c = math.sin(rot - sy) / math.cos(sy)
    d = -math.sin(rot - sy) * math.tan(sx) / math.cos(sy) + math.cos(rot)
    m = [v / scale for v in (d, -b, 0.0, -c, a, 0.0)]
    m[2] += m[0] * (-cx - tx) + m[1] * (-cy - ty)
    m[5] += m[3] * (-cx - tx) + m[4] * (-cy - ty)
    m[2] += cx
    m[5] += cy
    return np.array([m[:3], m[3:], [0, 0, 1]])


def torchvision_affine_on_centres(height, width, angle, translate, scale, shear, center=None):
    """The same map on keras_aug's pixel centres: ``affine_image`` passes ``center - size / 2`` and
    ``_affine_grid`` measures pixels from the image centre."""
    centre = np.array([(width - 1) / 2, (height - 1) / 2])
    c = [0.0, 0.0] if center is None else [center[0] - width / 2, center[1] - height / 2]
    m = torchvision_inverse_affine(c, angle, translate, scale, shear)
    to_centre = np.array([[1, 0, -centre[0]], [0, 1, -centre[1]], [0, 0, 1]])
    return np.linalg.inv(to_centre) @ m @ to_centre


AFFINE_CASES = [
    (30.0, (2.0, -3.0), 1.2, (10.0, 0.0), None),
    (-75.0, (0.0, 4.5), 0.8, (-5.0, 12.0), None),
    (140.0, (-6.0, 1.0), 1.0, (0.0, -20.0), (5.0, 7.0)),
    (0.0, (0.0, 0.0), 1.0, (0.0, 0.0), None),
]


def test_affine_matrix_matches_torchvision_inverse_affine_matrix():
    for angle, translate, scale, shear, center in AFFINE_CASES:
        got = ops.affine_matrix(angle, translate, scale, shear, H, W, center).numpy()[0]
        expected = torchvision_affine_on_centres(H, W, angle, translate, scale, shear, center)
        np.testing.assert_allclose(got, expected, atol=1e-4)


def test_affine_hand_computed_points():
    # A quarter turn clockwise about the centre: np.rot90 with k=-1; an integer translate: a shift.
    img = np.arange(25, dtype=np.float32).reshape(1, 5, 5, 1)
    np.testing.assert_array_equal(
        ops.affine(img, 90.0, [0, 0], 1.0, 0.0)[0, ..., 0], np.rot90(img[0, ..., 0], -1)
    )
    shifted = ops.affine(img, 0.0, [2, 1], 1.0, 0.0)[0, ..., 0].numpy()
    np.testing.assert_array_equal(shifted, np.pad(img[0, :4, :3, 0], [[1, 0], [2, 0]]))
    # Scale 2 about the corner (0, 0): output pixel centre (3, 1) is the edge point (3.5, 1.5), which reads
    # the edge point (1.75, 0.75), i.e. pixel centre (1.25, 0.25): bilinear 0.75 * 1.25 ... by hand:
    # rows 0/1 cols 1/2 of 5 * row + col: 1.25 + 5 * 0.25 = 2.5.
    zoomed = ops.affine(img, 0.0, [0, 0], 2.0, 0.0, "bilinear", center=[0.0, 0.0])[0, ..., 0].numpy()
    assert zoomed[1, 3] == pytest.approx(2.5)
    # A 45° x-shear about the centre moves row y by -(y - 2) pixels: row 0 reads two columns to the left.
    sheared = ops.affine(img, 0.0, [0, 0], 1.0, 45.0)[0, ..., 0].numpy()
    np.testing.assert_array_equal(sheared[0, 2:], img[0, 0, :3, 0])
    np.testing.assert_array_equal(sheared[2], img[0, 2, :, 0])


@pytest.mark.parametrize("mode", MODES)
def test_affine_per_sample_parameters_match_cv2_warp_affine(images, mode):
    angles = [c[0] for c in AFFINE_CASES]
    translates = [c[1] for c in AFFINE_CASES]
    scales = [c[2] for c in AFFINE_CASES]
    shears = [c[3] for c in AFFINE_CASES]
    got = run(ops.affine, mode, images, angles, translates, scales, shears, interpolation="bilinear", fill=5)
    for i in range(4):
        m = torchvision_affine_on_centres(H, W, angles[i], translates[i], scales[i], shears[i])
        cv = cv2.warpAffine(
            images[i], m[:2], (W, H), flags=cv2.INTER_LINEAR | cv2.WARP_INVERSE_MAP,
            borderMode=cv2.BORDER_CONSTANT, borderValue=(5, 5, 5),
        )  # fmt: skip
        assert close_to_cv2(got[i], cv) >= CV2_FRACTION, (i, close_to_cv2(got[i], cv))


def test_torchvision_functions_refuse_bad_arguments_by_name(images):
    with pytest.raises(ValueError, match="startpoints"):
        ops.perspective(images, corners()[:3], corners())
    with pytest.raises(ValueError, match="endpoints"):
        ops.perspective(images, corners(), np.full([4, 2], np.nan))
    with pytest.raises(ValueError, match="interpolation"):
        ops.perspective(images, corners(), corners(), "cubic")
    with pytest.raises(ValueError, match="fill"):
        ops.affine(images, 0.0, [0, 0], 1.0, 0.0, fill=float("nan"))
    with pytest.raises(ValueError, match="scale"):
        ops.affine(images, 0.0, [0, 0], 0.0, 0.0)
    with pytest.raises(ValueError, match="shear"):
        ops.affine(images, 0.0, [0, 0], 1.0, [1.0, 2.0, 3.0])
    with pytest.raises(ValueError, match="translate"):
        ops.affine(images, 0.0, [0, 0, 0], 1.0, 0.0)
    with pytest.raises(ValueError, match="angle"):
        ops.affine(images, [1.0, 2.0], [0, 0], 1.0, 0.0)


# ------------------------------------------------------------------------------------------------
# The layers: Keras 3.15's arguments and distributions
# ------------------------------------------------------------------------------------------------


def _matrices(layer, images):
    return layer.draw_params(tf.convert_to_tensor(images))["matrix"].numpy().astype(np.float64)


def test_random_perspective_moves_corners_like_keras():
    """Keras: end = start + start * U(-scale/2, scale/2) per coordinate, start = the four corner centres."""
    layer = RandomPerspective(factor=(1.0, 1.0), scale=0.4, seed=3)
    x = np.zeros([64, H, W, 1], np.uint8)
    start = np.array([[0, 0], [W - 1, 0], [0, H - 1], [W - 1, H - 1]], np.float64)
    ratios = []
    for m in _matrices(layer, x):
        moved = cv2.perspectiveTransform(start[None], np.linalg.inv(m))[0]  # input corner → output point
        ratio = (moved - start)[start != 0] / start[start != 0]
        np.testing.assert_allclose(moved[start == 0], 0.0, atol=1e-3)
        ratios.append(ratio)
    ratios = np.concatenate(ratios)
    assert np.abs(ratios).max() <= 0.2 + 1e-4 and np.abs(ratios).max() > 0.18
    assert abs(ratios.mean()) < 0.03


def test_random_perspective_factor_is_keras_probability_range():
    x = np.zeros([400, 2, 2, 1], np.uint8)
    for factor, p, expected in ((1.0, 1.0, 0.5), ((0.2, 0.6), 1.0, 0.4), ((1.0, 1.0), 0.5, 0.5)):
        layer = RandomPerspective(factor=factor, scale=0.5, p=p, seed=1)
        warped = ~np.all(np.isclose(_matrices(layer, x), np.eye(3)), axis=(1, 2))
        assert abs(warped.mean() - expected) < 0.08, factor


@pytest.mark.skipif(
    not hasattr(keras.ops.image, "perspective_transform"),
    reason=f"Keras {keras.__version__} has no perspective_transform",
)
@pytest.mark.parametrize("dtype", [np.uint8, np.float32])
def test_random_perspective_warps_like_keras_perspective_transform(images, rng, dtype):
    """Keras' own op (TF's projective kernel) on the corner points our layer's matrix moves."""
    start = np.array([[0, 0], [W - 1, 0], [0, H - 1], [W - 1, H - 1]], np.float32)
    end = (start + start * rng.uniform(-0.25, 0.25, (4, 4, 2))).astype(np.float32)
    x = images.astype(dtype)
    theirs = keras.ops.image.perspective_transform(x.astype(np.float32), start[None].repeat(4, 0), end)
    ours = ops.warp(x, ops.perspective_matrix(start, end), fill_mode="constant", kind="projective")
    theirs = np.asarray(theirs, np.float64)
    diff = np.abs(np.asarray(ours, np.float64) - (np.round(theirs) if dtype == np.uint8 else theirs))
    # Keras solves its 8x8 system in float32 (we in float64): coordinates differ by ~1e-5 pixel.
    assert diff.max() <= (1.0 if dtype == np.uint8 else 1e-2)


def test_keras_perspective_basic_case():
    """Keras' test_random_perspective_basic: corners (3, 3) squeezed to (1, 1) on a 4x4 image of ones."""
    start = [[0.0, 0.0], [3.0, 0.0], [0.0, 3.0], [3.0, 3.0]]
    end = [[0.0, 0.0], [1.0, 0.0], [0.0, 1.0], [1.0, 1.0]]
    out = ops.warp(np.ones([1, 4, 4, 1]), ops.perspective_matrix(start, end), fill_mode="constant")
    expected = np.zeros([4, 4])
    expected[:2, :2] = 1.0
    np.testing.assert_allclose(out[0, ..., 0], expected, atol=1e-4)


def test_random_shear_matrix_and_warp_are_keras():
    """Keras: output→input [[1, sx, 0], [sy, 1, 0]], |s| ~ U(factor) times one random sign per sample."""
    layer = RandomShear(x_factor=(0.1, 0.3), y_factor=(0.0, 0.2), seed=5)
    m = _matrices(layer, np.zeros([200, H, W, 1], np.uint8))
    np.testing.assert_array_equal(m[:, [0, 1, 2, 2, 2], [0, 1, 0, 1, 2]], np.ones([200, 5]) * [1, 1, 0, 0, 1])
    np.testing.assert_array_equal(m[:, :2, 2], 0.0)
    sx, sy = m[:, 0, 1], m[:, 1, 0]
    assert (np.abs(sx) >= 0.1 - 1e-6).all() and (np.abs(sx) <= 0.3 + 1e-6).all()
    assert (np.abs(sy) <= 0.2 + 1e-6).all()
    assert (np.sign(sx) * np.sign(sy) >= 0).all()
    assert 0.35 < (sx > 0).mean() < 0.65


@pytest.mark.parametrize("fill_mode", ["reflect", "constant"])
def test_random_shear_images_are_keras_affine_transform(images, fill_mode):
    layer = RandomShear(x_factor=(0.3, 0.3), y_factor=(0.1, 0.1), fill_mode=fill_mode, seed=0)
    x = images.astype(np.float32)
    out = layer(x).numpy()
    matched = np.zeros(4, bool)
    for sign in (1.0, -1.0):  # Keras' random sign, shared by x and y
        t = np.array([[1, 0.3 * sign, 0, 0.1 * sign, 1, 0, 0, 0]], np.float32).repeat(4, 0)
        theirs = keras.ops.image.affine_transform(x, t, fill_mode=fill_mode).numpy()
        matched |= np.abs(out - theirs).max(axis=(1, 2, 3)) < 1e-2
    assert matched.all()


def test_layers_move_boxes_with_the_image_matrix():
    """Box corners through cv2.perspectiveTransform (the inverse of the output→input matrix), clipped."""
    box = np.array([[[4.0, 3.0, 14.0, 12.0]]], np.float32).repeat(8, 0)
    data = {
        "images": np.zeros([8, H, W, 3], np.uint8),
        "bounding_boxes": {"boxes": box, "labels": np.ones([8, 1])},
    }
    for layer in (
        RandomPerspective(factor=(1, 1), scale=0.6, seed=2, bounding_box_format="xyxy"),
        RandomShear(0.4, 0.4, seed=2, bounding_box_format="xyxy"),
    ):
        m = _matrices(layer, data["images"])
        layer = type(layer).from_config(layer.get_config())  # same seed, same draws
        got = layer(data)["bounding_boxes"]["boxes"].numpy()[:, 0]
        for i in range(8):
            x1, y1, x2, y2 = box[i, 0]
            pts = np.array([[x1, y1], [x2, y1], [x2, y2], [x1, y2]]) - 0.5  # edges → centres
            moved = cv2.perspectiveTransform(pts[None], np.linalg.inv(m[i]))[0] + 0.5
            expected = np.clip([*moved.min(0), *moved.max(0)], 0, [W, H, W, H])
            np.testing.assert_allclose(got[i], expected, atol=1e-3)


@pytest.mark.parametrize(
    "build,argument",
    [
        (lambda: RandomPerspective(factor=1.5), "factor"),
        (lambda: RandomPerspective(factor=(0.2, float("nan"))), "factor"),
        (lambda: RandomPerspective(scale=-0.1), "scale"),
        (lambda: RandomPerspective(scale=1.5), "scale"),
        (lambda: RandomPerspective(interpolation="bicubic"), "interpolation"),
        (lambda: RandomShear(x_factor=-0.2), "x_factor"),
        (lambda: RandomShear(y_factor=(0.1, 1.2)), "y_factor"),
        (lambda: RandomShear(x_factor=float("inf")), "x_factor"),
        (lambda: RandomShear(fill_mode="mirror"), "fill_mode"),
    ],
)
def test_layers_refuse_bad_arguments_by_name(build, argument):
    with pytest.raises(ValueError, match=argument):
        build()


@requires_keras("RandomPerspective")
@requires_keras("RandomShear")
def test_defaults_and_names_follow_keras():
    import inspect

    for ours, theirs in (
        (RandomPerspective, keras.layers.RandomPerspective),
        (RandomShear, keras.layers.RandomShear),
    ):
        keras_args = inspect.signature(theirs.__init__).parameters
        our_args = inspect.signature(ours.__init__).parameters
        for name, parameter in keras_args.items():
            if name in ("self", "kwargs", "seed", "data_format"):
                continue
            assert name in our_args, (ours.__name__, name)
            assert our_args[name].default == parameter.default, (ours.__name__, name)
    assert RandomPerspective().fill_mode == "constant" and RandomShear().fill_mode == "reflect"
    assert keras_aug.layers.RandomShear(0.0, 0.0, seed=0)(np.ones([2, 4, 4, 1], np.uint8)).numpy().min() == 1
