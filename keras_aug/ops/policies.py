"""The policy augmentations' ops: torchvision's operation tables, applied with ONE warp per call.

RandAugment, TrivialAugmentWide, AutoAugment and AugMix pick, per sample, a few operations from one
table (``OPS``) with a magnitude each. Run naively (every operation on the whole batch, one kept per
sample) a policy costs the sum of its branches. Here a call costs:

- **one warp**: every geometric operation a sample drew (``ShearX``, ``ShearY``, ``TranslateX``,
  ``TranslateY``, ``Rotate``) is a 3x3 matrix; a sample's matrices compose into one (:func:`policy_matrix`,
  the identity for a sample that drew none) and the samples that move are resampled once
  (:func:`warp_if_moved`);
- **each photometric operation at most once** (:func:`policy_photometric`): the parameters of a sample's
  draws of one operation combine into one per-sample parameter (brightness factors multiply, ...) and the
  operation runs once, on the samples that drew it; an operation no sample drew is skipped (``tf.cond``).

"On the samples that drew it" (:func:`_on_samples`): eagerly and in ``tf.data`` those samples are gathered
into a sub-batch padded up to a multiple of a quarter of the batch (so each op compiles for at most four
batch sizes), processed and scattered back, so an operation costs what was drawn, not the whole batch
(RandAugment's 2 of 14 operations: about 1/4 of the batch per operation at batch 32). Inside an XLA
program (``jit_compile=True``), where shapes must be static, it runs on the whole batch and one
per-sample select keeps its result.

Order: a sample's photometric operations run first, in the fixed order of ``PHOTOMETRIC_OPS``, then its
composed geometry. torchvision applies them in the order drawn; the results differ only where a
photometric operation follows a geometric one, and then only in the filled border (e.g. an ``Invert``
after a ``Rotate`` inverts torchvision's black corners, here they stay ``fill_value``) and, for the
operations that read image statistics (``Contrast``, ``AutoContrast``, ``Equalize``), by the statistics of
those corners. A sample that draws the same photometric operation twice gets it once with the combined
parameter: factors multiply (``Brightness``, ``Color``, ``Contrast``: exact up to the clipping and
rounding in between; ``Sharpness``: close), ``Posterize`` keeps the fewer bits, ``Solarize`` the lower
threshold, ``AutoContrast`` and ``Equalize`` run once, two ``Invert`` cancel.

Magnitudes are in torchvision's units (``torchvision.transforms.autoaugment._apply_op``): shear as the
tangent (sheared about the top-left corner, as the original AutoAugment and torchvision's
``center=[0, 0]``), translation in pixels (truncated toward zero, torchvision's ``int(magnitude)``),
rotation in degrees counter-clockwise about the centre, ``Brightness``/``Color``/``Contrast``/``Sharpness``
as ``factor - 1``, ``Posterize`` in bits, ``Solarize`` as the threshold's fraction of ``value_range``
(torchvision.transforms.v2's form: ``1.0`` is the top of the range).
"""

from __future__ import annotations

import dataclasses
import math

import numpy as np
import tensorflow as tf

from keras_aug.ops import _utils, geometry, select
from keras_aug.ops.color import ValueRange
from keras_aug.ops.xla import xla_unit
from keras_aug.validation import check_choice, check_number, resolve_value_range

#: Every operation a policy can draw, by torchvision's name; an op id is an index into this tuple.
OPS = (
    "Identity",
    "ShearX",
    "ShearY",
    "TranslateX",
    "TranslateY",
    "Rotate",
    "Brightness",
    "Color",
    "Contrast",
    "Sharpness",
    "Posterize",
    "Solarize",
    "AutoContrast",
    "Equalize",
    "Invert",
)
GEOMETRIC_OPS = OPS[1:6]
#: Also the order in which a sample's photometric operations run.
PHOTOMETRIC_OPS = OPS[6:]
_FACTOR_OPS = ("Brightness", "Color", "Contrast", "Sharpness")


@dataclasses.dataclass(frozen=True)
class OpSpec:
    """One row of an augmentation space: the magnitude of operation ``name`` at a level in ``[0, 1]``.

    Level ``l`` (torchvision's bin ``b`` of ``n`` is ``l = b / (n - 1)``) gives ``l * maximum`` (times the
    image ``side`` in pixels when ``side`` is ``"width"`` or ``"height"``); ``Posterize`` gives ``bits -
    round(l * maximum)``, ``Solarize`` ``1 - l``; operations without a magnitude give 0. ``signed``
    operations get a random sign.
    """

    name: str
    maximum: float = 0.0
    signed: bool = False
    side: str | None = None
    bits: int = 8


def _space(*specs: OpSpec) -> tuple[OpSpec, ...]:
    return specs


def _enhance(maximum: float) -> tuple[OpSpec, ...]:
    return tuple(OpSpec(name, maximum, True) for name in _FACTOR_OPS)


def _geometric(shear: float, translate: float, rotate: float, side: bool) -> tuple[OpSpec, ...]:
    return (
        OpSpec("ShearX", shear, True),
        OpSpec("ShearY", shear, True),
        OpSpec("TranslateX", translate, True, "width" if side else None),
        OpSpec("TranslateY", translate, True, "height" if side else None),
        OpSpec("Rotate", rotate, True),
    )


_STATISTICS = (OpSpec("Solarize"), OpSpec("AutoContrast"), OpSpec("Equalize"))

#: torchvision's ``_augmentation_space`` tables (``torchvision/transforms/autoaugment.py``), by policy.
SPACES = {
    # RandAugment: 14 operations, 31 bins by default.
    "rand_augment": (
        OpSpec("Identity"),
        *_geometric(0.3, 150.0 / 331.0, 30.0, side=True),
        *_enhance(0.9),
        OpSpec("Posterize", 4.0),
        *_STATISTICS,
    ),
    # AutoAugment: RandAugment's table without Identity, with Invert; 10 bins.
    "auto_augment": (
        *_geometric(0.3, 150.0 / 331.0, 30.0, side=True),
        *_enhance(0.9),
        OpSpec("Posterize", 4.0),
        *_STATISTICS,
        OpSpec("Invert"),
    ),
    # TrivialAugmentWide: the wide ranges, 31 bins.
    "trivial_augment_wide": (
        OpSpec("Identity"),
        *_geometric(0.99, 32.0, 135.0, side=False),
        *_enhance(0.99),
        OpSpec("Posterize", 6.0),
        *_STATISTICS,
    ),
    # AugMix (all_ops=False): 10 bins, posterize from 4 bits, translation up to a third of the side.
    "aug_mix": (
        *_geometric(0.3, 1.0 / 3.0, 30.0, side=True),
        OpSpec("Posterize", 4.0, bits=4),
        *_STATISTICS,
    ),
    # AugMix (all_ops=True): also Brightness, Color, Contrast and Sharpness.
    "aug_mix_all": (
        *_geometric(0.3, 1.0 / 3.0, 30.0, side=True),
        OpSpec("Posterize", 4.0, bits=4),
        *_STATISTICS,
        *_enhance(0.9),
    ),
}


#: AutoAugment's learned sub-policies (torchvision's ``AutoAugment._get_policies``): pairs of
#: ``(operation, probability, magnitude bin of 10 or None)``.
AUTO_AUGMENT_POLICIES = {
    "imagenet": (
        (("Posterize", 0.4, 8), ("Rotate", 0.6, 9)),
        (("Solarize", 0.6, 5), ("AutoContrast", 0.6, None)),
        (("Equalize", 0.8, None), ("Equalize", 0.6, None)),
        (("Posterize", 0.6, 7), ("Posterize", 0.6, 6)),
        (("Equalize", 0.4, None), ("Solarize", 0.2, 4)),
        (("Equalize", 0.4, None), ("Rotate", 0.8, 8)),
        (("Solarize", 0.6, 3), ("Equalize", 0.6, None)),
        (("Posterize", 0.8, 5), ("Equalize", 1.0, None)),
        (("Rotate", 0.2, 3), ("Solarize", 0.6, 8)),
        (("Equalize", 0.6, None), ("Posterize", 0.4, 6)),
        (("Rotate", 0.8, 8), ("Color", 0.4, 0)),
        (("Rotate", 0.4, 9), ("Equalize", 0.6, None)),
        (("Equalize", 0.0, None), ("Equalize", 0.8, None)),
        (("Invert", 0.6, None), ("Equalize", 1.0, None)),
        (("Color", 0.6, 4), ("Contrast", 1.0, 8)),
        (("Rotate", 0.8, 8), ("Color", 1.0, 2)),
        (("Color", 0.8, 8), ("Solarize", 0.8, 7)),
        (("Sharpness", 0.4, 7), ("Invert", 0.6, None)),
        (("ShearX", 0.6, 5), ("Equalize", 1.0, None)),
        (("Color", 0.4, 0), ("Equalize", 0.6, None)),
        (("Equalize", 0.4, None), ("Solarize", 0.2, 4)),
        (("Solarize", 0.6, 5), ("AutoContrast", 0.6, None)),
        (("Invert", 0.6, None), ("Equalize", 1.0, None)),
        (("Color", 0.6, 4), ("Contrast", 1.0, 8)),
        (("Equalize", 0.8, None), ("Equalize", 0.6, None)),
    ),
    "cifar10": (
        (("Invert", 0.1, None), ("Contrast", 0.2, 6)),
        (("Rotate", 0.7, 2), ("TranslateX", 0.3, 9)),
        (("Sharpness", 0.8, 1), ("Sharpness", 0.9, 3)),
        (("ShearY", 0.5, 8), ("TranslateY", 0.7, 9)),
        (("AutoContrast", 0.5, None), ("Equalize", 0.9, None)),
        (("ShearY", 0.2, 7), ("Posterize", 0.3, 7)),
        (("Color", 0.4, 3), ("Brightness", 0.6, 7)),
        (("Sharpness", 0.3, 9), ("Brightness", 0.7, 9)),
        (("Equalize", 0.6, None), ("Equalize", 0.5, None)),
        (("Contrast", 0.6, 7), ("Sharpness", 0.6, 5)),
        (("Color", 0.7, 7), ("TranslateX", 0.5, 8)),
        (("Equalize", 0.3, None), ("AutoContrast", 0.4, None)),
        (("TranslateY", 0.4, 3), ("Sharpness", 0.2, 6)),
        (("Brightness", 0.9, 6), ("Color", 0.2, 8)),
        (("Solarize", 0.5, 2), ("Invert", 0.0, None)),
        (("Equalize", 0.2, None), ("AutoContrast", 0.6, None)),
        (("Equalize", 0.2, None), ("Equalize", 0.6, None)),
        (("Color", 0.9, 9), ("Equalize", 0.6, None)),
        (("AutoContrast", 0.8, None), ("Solarize", 0.2, 8)),
        (("Brightness", 0.1, 3), ("Color", 0.7, 0)),
        (("Solarize", 0.4, 5), ("AutoContrast", 0.9, None)),
        (("TranslateY", 0.9, 9), ("TranslateY", 0.7, 9)),
        (("AutoContrast", 0.9, None), ("Solarize", 0.8, 3)),
        (("Equalize", 0.8, None), ("Invert", 0.1, None)),
        (("TranslateY", 0.7, 9), ("AutoContrast", 0.9, None)),
    ),
    "svhn": (
        (("ShearX", 0.9, 4), ("Invert", 0.2, None)),
        (("ShearY", 0.9, 8), ("Invert", 0.7, None)),
        (("Equalize", 0.6, None), ("Solarize", 0.6, 6)),
        (("Invert", 0.9, None), ("Equalize", 0.6, None)),
        (("Equalize", 0.6, None), ("Rotate", 0.9, 3)),
        (("ShearX", 0.9, 4), ("AutoContrast", 0.8, None)),
        (("ShearY", 0.9, 8), ("Invert", 0.4, None)),
        (("ShearY", 0.9, 5), ("Solarize", 0.2, 6)),
        (("Invert", 0.9, None), ("AutoContrast", 0.8, None)),
        (("Equalize", 0.6, None), ("Rotate", 0.9, 3)),
        (("ShearX", 0.9, 4), ("Solarize", 0.3, 3)),
        (("ShearY", 0.8, 8), ("Invert", 0.7, None)),
        (("Equalize", 0.9, None), ("TranslateY", 0.6, 6)),
        (("Invert", 0.9, None), ("Equalize", 0.6, None)),
        (("Contrast", 0.3, 3), ("Rotate", 0.8, 4)),
        (("Invert", 0.8, None), ("TranslateY", 0.0, 2)),
        (("ShearY", 0.7, 6), ("Solarize", 0.4, 8)),
        (("Invert", 0.6, None), ("Rotate", 0.8, 4)),
        (("ShearY", 0.3, 7), ("TranslateX", 0.9, 3)),
        (("ShearX", 0.1, 6), ("Invert", 0.6, None)),
        (("Solarize", 0.7, 2), ("TranslateY", 0.6, 7)),
        (("ShearY", 0.8, 4), ("Invert", 0.8, None)),
        (("ShearX", 0.7, 9), ("TranslateY", 0.8, 3)),
        (("ShearY", 0.8, 5), ("AutoContrast", 0.7, None)),
        (("ShearX", 0.7, 2), ("Invert", 0.1, None)),
    ),
}


def auto_augment_arrays(policy: str) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``AUTO_AUGMENT_POLICIES[policy]`` as arrays ``[P, 2]``: op ids, probabilities, bins (``None`` → 0).

    Example:
    >>> ops, probs, bins = auto_augment_arrays("imagenet")
    >>> OPS[ops[0, 1]], float(probs[0, 1]), int(bins[0, 1])
    ('Rotate', 0.6000000238418579, 9)
    """
    table = AUTO_AUGMENT_POLICIES[check_choice("policy", policy, AUTO_AUGMENT_POLICIES)]
    ops = np.array([[OPS.index(name) for name, _, _ in pair] for pair in table], np.int32)
    probs = np.array([[p for _, p, _ in pair] for pair in table], np.float32)
    bins = np.array([[b or 0 for _, _, b in pair] for pair in table], np.int32)
    return ops, probs, bins


def space_op_ids(space: str) -> tuple[int, ...]:
    """The op ids (indices into :data:`OPS`) of ``space``'s operations, in the table's order.

    Example:
    >>> [OPS[i] for i in space_op_ids("aug_mix")][:3]
    ['ShearX', 'ShearY', 'TranslateX']
    """
    return tuple(OPS.index(spec.name) for spec in SPACES[check_choice("space", space, SPACES)])


def magnitude_table(space: str, num_bins: int, height: int, width: int) -> dict:
    """torchvision's ``_augmentation_space(num_bins, (height, width))`` as NumPy: ``{name: (magnitudes, signed)}``.

    ``magnitudes`` is a float32 array ``[num_bins]`` (0-d ``0.0`` for operations without one); ``Solarize``
    is the threshold's fraction of the range (torchvision.transforms.v2; the v1 tables hold ``255`` times it).

    Example:
    >>> magnitude_table("rand_augment", 31, 224, 224)["Rotate"][0][[0, 9, 30]].tolist()
    [0.0, 9.0, 30.0]
    """
    check_number(num_bins, "num_bins", 2, integer=True)
    levels = np.arange(num_bins, dtype=np.float64) / (num_bins - 1)
    table = {}
    for spec in SPACES[check_choice("space", space, SPACES)]:
        values = _levels_to_magnitudes(spec, levels, height, width)
        table[spec.name] = (values, spec.signed)
    return table


def _levels_to_magnitudes(spec: OpSpec, levels: np.ndarray, height: int, width: int) -> np.ndarray:
    if spec.name == "Posterize":
        return (spec.bits - np.round(levels * spec.maximum)).astype(np.float32)
    if spec.name == "Solarize":
        return (1.0 - levels).astype(np.float32)
    if spec.maximum == 0.0:
        return np.float32(0.0)
    side = {"width": width, "height": height, None: 1}[spec.side]
    return (levels * spec.maximum * side).astype(np.float32)


def _space_arrays(space: str) -> dict:
    """Per op id (``[len(OPS)]``): maximum, signed, side code (0 none, 1 width, 2 height) and bits."""
    arrays = {
        "maximum": np.zeros(len(OPS), np.float32),
        "signed": np.zeros(len(OPS), bool),
        "side": np.zeros(len(OPS), np.int32),
        "bits": np.full(len(OPS), 8.0, np.float32),
    }
    for spec in SPACES[space]:
        op = OPS.index(spec.name)
        arrays["maximum"][op] = spec.maximum
        arrays["signed"][op] = spec.signed
        arrays["side"][op] = {None: 0, "width": 1, "height": 2}[spec.side]
        arrays["bits"][op] = spec.bits
    return arrays


def policy_magnitudes(space: str, ops, levels, signs, height, width) -> tf.Tensor:
    """Magnitudes (torchvision's units, see the module docstring) of op ids ``ops`` at ``levels`` in ``[0, 1]``.

    ``ops``: int ``[B, N]`` indices into :data:`OPS`; ``levels``: float ``[B, N]`` (bin ``b`` of ``n`` is
    ``b / (n - 1)``); ``signs``: ``[B, N]`` of ``+1``/``-1``, used for the space's signed operations.

    Example:
    >>> rotate = OPS.index("Rotate")
    >>> policy_magnitudes("rand_augment", [[rotate]], [[0.5]], [[-1.0]], 32, 32).numpy().tolist()
    [[-15.0]]
    """
    arrays = _space_arrays(check_choice("space", space, SPACES))
    ops = tf.convert_to_tensor(ops, tf.int32)
    levels = tf.convert_to_tensor(levels, tf.float32)
    signs = tf.cast(signs, tf.float32)
    maximum = tf.gather(arrays["maximum"], ops)
    side_code = tf.gather(arrays["side"], ops)
    side = tf.where(
        side_code == 1,
        tf.cast(width, tf.float32),
        tf.where(side_code == 2, tf.cast(height, tf.float32), 1.0),
    )
    linear = levels * maximum * side
    posterize = tf.gather(arrays["bits"], ops) - tf.round(levels * maximum)
    magnitudes = tf.where(
        tf.equal(ops, OPS.index("Posterize")),
        posterize,
        tf.where(tf.equal(ops, OPS.index("Solarize")), 1.0 - levels, linear),
    )
    return tf.where(tf.gather(arrays["signed"], ops), magnitudes * signs, magnitudes)


def _pick(ops: tf.Tensor, magnitudes: tf.Tensor, name: str, neutral: float = 0.0) -> tf.Tensor:
    return tf.where(tf.equal(ops, OPS.index(name)), magnitudes, neutral)


def _corner_shear(shear_x: tf.Tensor, shear_y: tf.Tensor) -> tf.Tensor:
    """Output→input shear about the top-left image corner (pixel edge, index ``-0.5``): PIL's
    ``(1, shear_x, 0, shear_y, 1, 0)`` affine data, which AutoAugment and torchvision use."""
    one, zero = tf.ones_like(shear_x), tf.zeros_like(shear_x)
    rows = [one, shear_x, 0.5 * shear_x, shear_y, one, 0.5 * shear_y, zero, zero, one]
    return tf.reshape(tf.stack(rows, axis=-1), [-1, 3, 3])


def _truncate(values: tf.Tensor) -> tf.Tensor:
    """Toward zero, as Python's ``int()`` (torchvision translates by ``int(magnitude)`` pixels)."""
    return tf.sign(values) * tf.floor(tf.abs(values))


def _slot_matrix(ops: tf.Tensor, magnitudes: tf.Tensor, height, width) -> tf.Tensor:
    """The output→input matrix of one drawn operation per sample (identity unless it is geometric)."""
    angle = _pick(ops, magnitudes, "Rotate") * (math.pi / 180.0)
    dx = _truncate(_pick(ops, magnitudes, "TranslateX"))
    dy = _truncate(_pick(ops, magnitudes, "TranslateY"))
    return geometry.compose(
        geometry.rotation_matrix(angle, height, width),
        _corner_shear(_pick(ops, magnitudes, "ShearX"), _pick(ops, magnitudes, "ShearY")),
        geometry.translation_matrix(dx, dy),
    )


def _check_slots(ops, magnitudes) -> tuple[tf.Tensor, tf.Tensor]:
    ops = tf.convert_to_tensor(ops, tf.int32)
    magnitudes = tf.convert_to_tensor(magnitudes, tf.float32)
    if ops.shape.rank != 2 or magnitudes.shape.rank != 2 or ops.shape[1] is None:
        raise ValueError(
            f"`ops` and `magnitudes` must be [batch, slots] with a known number of slots, got shapes "
            f"{ops.shape} and {magnitudes.shape}."
        )
    return ops, magnitudes


def policy_matrix(ops, magnitudes, height, width) -> tf.Tensor:
    """One output→input matrix ``[B, 3, 3]`` per sample: its geometric draws composed in the order drawn.

    ``ops`` int ``[B, N]`` (indices into :data:`OPS`) and ``magnitudes`` ``[B, N]`` (torchvision's units);
    non-geometric slots are the identity. Warping once with this matrix equals warping once per
    geometric operation, in order, up to the intermediate resampling that it saves.

    Example:
    >>> m = policy_matrix([[OPS.index("TranslateX"), OPS.index("Brightness")]], [[3.7, 0.5]], 8, 8)
    >>> m[0, 0].numpy().tolist()
    [1.0, 0.0, -3.0]
    """
    ops, magnitudes = _check_slots(ops, magnitudes)
    slots = [_slot_matrix(ops[:, j], magnitudes[:, j], height, width) for j in range(ops.shape[1])]
    return geometry.compose(*slots)


def _drew(ops: tf.Tensor, name: str) -> tf.Tensor:
    return tf.reduce_any(tf.equal(ops, OPS.index(name)), axis=1)


def _combined_parameter(ops: tf.Tensor, magnitudes: tf.Tensor, name: str) -> tf.Tensor | None:
    """One per-sample ``[B]`` parameter for all of a sample's draws of ``name`` (module docstring)."""
    if name in _FACTOR_OPS:
        return tf.reduce_prod(_pick(ops, 1.0 + magnitudes, name, 1.0), axis=1)
    if name == "Posterize":
        return tf.reduce_min(_pick(ops, magnitudes, name, 8.0), axis=1)
    if name == "Solarize":
        return tf.reduce_min(_pick(ops, magnitudes, name, 1.0), axis=1)
    return None


def _photometric_fn(name: str):
    """``fn(images, parameter, value_range)`` for photometric operation ``name`` (torchvision's functional)."""
    from keras_aug import (
        ops as kops,  # the package's public functions (imported here: this module is one of them)
    )

    return {
        "Brightness": lambda x, f, r: kops.adjust_brightness(x, f, value_range=r),
        "Color": lambda x, f, r: kops.adjust_saturation(x, f, value_range=r),
        "Contrast": lambda x, f, r: kops.adjust_contrast(x, f, value_range=r),
        "Sharpness": lambda x, f, r: kops.adjust_sharpness(x, f, value_range=r),
        "Posterize": lambda x, bits, r: kops.posterize(x, tf.cast(bits, tf.int32), value_range=r),
        "Solarize": lambda x, t, r: kops.solarize(x, r[0] + t * (r[1] - r[0]), value_range=r),
        "AutoContrast": lambda x, _, r: kops.autocontrast(x, value_range=r),
        "Equalize": lambda x, _, r: kops.equalize(x, mode="pil", value_range=r),
        "Invert": lambda x, _, r: kops.invert(x, value_range=r),
    }[name]


def _dynamic_shapes_allowed() -> bool:
    """True eagerly and in plain graphs (``tf.data``); False inside an XLA program, where every shape
    must be static (then the samples are selected after running on the whole batch)."""
    if tf.executing_eagerly():
        return True
    try:
        from tensorflow.python.ops import control_flow_util  # TF's own test of an XLA context
    except ImportError:  # pragma: no cover (a TF without it: take the static path, correct everywhere)
        return False
    return not control_flow_util.GraphOrParentsInXlaContext(tf.compat.v1.get_default_graph())


def _on_samples(fn, images: tf.Tensor, take: tf.Tensor, *per_sample) -> tf.Tensor:
    """``fn(images, *per_sample)`` for the samples where ``take`` is True, the others unchanged.

    Outside XLA the taken samples are gathered into a sub-batch padded to a multiple of a quarter of the
    batch (so each op compiles for at most four batch sizes) and scattered back: the op costs what was
    drawn, not the whole batch. Inside XLA (static shapes) ``fn`` runs on the whole batch and one
    per-sample select keeps its result for the taken samples. Skipped (``tf.cond``) when none is taken.
    """

    def on_sub_batch():
        index = tf.cast(tf.where(take)[:, 0], tf.int32)
        count = tf.size(index)
        batch = tf.shape(images)[0]
        quarter = tf.maximum((batch + 3) // 4, 1)
        size = tf.minimum((count + quarter - 1) // quarter * quarter, batch)
        padded = tf.concat([index, tf.fill([size - count], index[0])], axis=0)
        gathered = [tf.gather(t, padded) for t in (images, *per_sample)]
        out = fn(*gathered)[:count]
        return tf.tensor_scatter_nd_update(images, index[:, tf.newaxis], out)

    def on_batch():
        return select.select_samples(take, fn(images, *per_sample), images)

    apply = on_sub_batch if _dynamic_shapes_allowed() else on_batch
    return tf.cond(tf.reduce_any(take), apply, lambda: images)


def _apply_where_drawn(name: str, images: tf.Tensor, drew: tf.Tensor, parameter, value_range) -> tf.Tensor:
    """``name`` applied to the samples that drew it only (:func:`_on_samples`)."""
    fn = _photometric_fn(name)
    if parameter is None:
        return _on_samples(lambda x: fn(x, None, value_range), images, drew)
    return _on_samples(lambda x, q: fn(x, q, value_range), images, drew, parameter)


def policy_photometric(images, ops, magnitudes, value_range: ValueRange | None = None) -> tf.Tensor:
    """Each sample's photometric draws, every photometric operation run at most once on the batch.

    Operations run in the order of :data:`PHOTOMETRIC_OPS`; a sample's repeated draws of one operation
    combine (module docstring). Cost: for each operation at least one sample drew, one pass over those
    samples (a sub-batch; under XLA over the batch, plus a per-sample select).

    Example:
    >>> images = tf.fill([2, 4, 4, 3], tf.constant(200, tf.uint8))
    >>> out = policy_photometric(images, [[OPS.index("Invert")], [0]], [[0.0], [0.0]])
    >>> out[:, 0, 0, 0].numpy().tolist()
    [55, 200]
    """
    images, single = _utils.to_batch(_utils.check_images(images))
    ops, magnitudes = _check_slots(ops, magnitudes)
    value_range = resolve_value_range(value_range, images.dtype)
    for name in PHOTOMETRIC_OPS:
        drew = _drew(ops, name)
        if name == "Invert":  # two inversions cancel
            count = tf.reduce_sum(tf.cast(tf.equal(ops, OPS.index(name)), tf.int32), axis=1)
            drew = tf.equal(count % 2, 1)
        parameter = _combined_parameter(ops, magnitudes, name)
        images = _apply_where_drawn(name, images, drew, parameter, value_range)
    return _utils.from_batch(images, single)


def warp_if_moved(
    images,
    matrices,
    interpolation: str = "nearest",
    fill_mode: str = "constant",
    fill_value: float = 0.0,
) -> tf.Tensor:
    """:func:`keras_aug.ops.warp` (kind ``"affine"``) of the samples whose matrix is not the identity.

    Outside XLA only those samples are warped (a sub-batch); under XLA the whole batch is warped and
    the others selected back; skipped when every matrix is the identity.

    Example:
    >>> images = tf.ones([2, 4, 4, 1])
    >>> bool(tf.reduce_all(warp_if_moved(images, tf.eye(3, batch_shape=[2])) == images))
    True
    """
    images = tf.convert_to_tensor(images)
    matrices = tf.convert_to_tensor(matrices, tf.float32)
    moved = tf.reduce_any(tf.not_equal(tf.reshape(matrices, [-1, 9]), tf.reshape(tf.eye(3), [9])), axis=1)

    def warp(x, m):
        return geometry.warp(x, m, interpolation, fill_mode, fill_value, kind="affine")

    return _on_samples(warp, images, moved, matrices)


def augment_policy(
    images,
    ops,
    magnitudes,
    interpolation: str = "nearest",
    fill_mode: str = "constant",
    fill_value: float = 0.0,
    value_range: ValueRange | None = None,
) -> tf.Tensor:
    """Apply each sample's drawn operations: photometric ones (each at most once), then one warp.

    ``ops``: int ``[B, N]`` indices into :data:`OPS` (``0``, ``"Identity"``, for an empty slot);
    ``magnitudes``: ``[B, N]`` in torchvision's units (module docstring; see :func:`policy_magnitudes`).
    Cost of one call: one warp of the samples that move and, per photometric operation that some sample
    drew, one pass over the samples that drew it (module docstring; under XLA: over the batch + a select).

    Example:
    >>> images = tf.zeros([2, 8, 8, 3], tf.uint8)
    >>> ops = [[OPS.index("Rotate"), OPS.index("Posterize")], [OPS.index("Identity")] * 2]
    >>> augment_policy(images, ops, [[30.0, 4.0], [0.0, 0.0]]).shape
    TensorShape([2, 8, 8, 3])
    """
    images, single = _utils.to_batch(_utils.check_images(images))
    ops, magnitudes = _check_slots(ops, magnitudes)
    shape = tf.shape(images)
    matrix = policy_matrix(ops, magnitudes, shape[1], shape[2])
    out = policy_photometric(images, ops, magnitudes, value_range)
    out = warp_if_moved(out, matrix, interpolation, fill_mode, fill_value)
    return _utils.from_batch(out, single)


@xla_unit
def _mix(images, chains, weights, original_weight, low: float, high: float):
    """``original_weight * images + sum_k weights[:, k] * chains[k]`` in float, clipped, in the images' dtype
    (``chains``: a list of batches shaped like ``images``)."""
    work = _utils.to_compute(images)
    dtype = work.dtype
    mixed = tf.reshape(tf.cast(original_weight, dtype), [-1, 1, 1, 1]) * work
    for k, chain in enumerate(chains):
        mixed += tf.reshape(tf.cast(weights[:, k], dtype), [-1, 1, 1, 1]) * _utils.to_compute(chain)
    return _utils.from_compute(tf.clip_by_value(mixed, low, high), images.dtype)


def augmix(
    images,
    ops,
    magnitudes,
    chain_weights,
    original_weight,
    interpolation: str = "bilinear",
    fill_mode: str = "reflect",
    fill_value: float = 0.0,
    value_range: ValueRange | None = None,
) -> tf.Tensor:
    """AugMix's mixing of ``K`` chains of drawn operations with the original image, per sample.

    ``ops``/``magnitudes``: ``[K, B, depth]`` (chain ``k`` of sample ``b``; see :func:`augment_policy`);
    ``chain_weights`` ``[B, K]`` and ``original_weight`` ``[B]``: ``out = original_weight * x + sum_k
    chain_weights[:, k] * chain_k(x)`` (AugMix's ``m * x + (1 - m) * sum_k w_k chain_k(x)`` with the
    ``(1 - m)`` folded into ``chain_weights``), clipped to ``value_range`` and returned in the images' dtype.
    Cost of one call: the ``K`` chains are stacked into one batch of ``K * B`` images, so each photometric
    operation runs at most once (on the stacked images that drew it); then one warp per chain (of its
    images that move: a warp's scratch grows with its batch, and ``K`` times the batch's crossed glibc's
    32 MB mmap threshold at 32 × 224² × 3) and one mixing pass.

    Example:
    >>> images = tf.fill([2, 8, 8, 3], tf.constant(100, tf.uint8))
    >>> ops = tf.zeros([3, 2, 2], tf.int32)  # identity chains
    >>> out = augmix(images, ops, tf.zeros([3, 2, 2]), tf.fill([2, 3], 0.2), [0.4, 0.4])
    >>> int(out[0, 0, 0, 0])
    100
    """
    images, single = _utils.to_batch(_utils.check_images(images))
    ops = tf.convert_to_tensor(ops, tf.int32)
    magnitudes = tf.convert_to_tensor(magnitudes, tf.float32)
    if ops.shape.rank != 3 or ops.shape[0] is None or ops.shape[2] is None:
        raise ValueError(
            f"`ops` must be [chains, batch, depth] with known chains and depth, got {ops.shape}."
        )
    chains, depth = ops.shape[0], ops.shape[2]
    ops, magnitudes = _check_slots(tf.reshape(ops, [-1, depth]), tf.reshape(magnitudes, [-1, depth]))
    shape = tf.shape(images)
    matrices = tf.reshape(policy_matrix(ops, magnitudes, shape[1], shape[2]), [chains, -1, 3, 3])
    stacked = tf.concat([images] * chains, axis=0)  # (tf.tile has no uint16 kernel on CPU)
    stacked = policy_photometric(stacked, ops, magnitudes, value_range)
    stacked = tf.reshape(stacked, tf.concat([[chains], shape], axis=0))
    augmented = [
        warp_if_moved(stacked[k], matrices[k], interpolation, fill_mode, fill_value) for k in range(chains)
    ]
    low, high = resolve_value_range(value_range, images.dtype)
    out = _mix(
        images,
        augmented,
        tf.convert_to_tensor(chain_weights, tf.float32),
        tf.convert_to_tensor(original_weight, tf.float32),
        low,
        high,
    )
    return _utils.from_batch(out, single)
