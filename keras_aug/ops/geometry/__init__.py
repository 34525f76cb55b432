"""Geometric ops: output→input matrices, resamplers that apply them, flips, and tfa's functions.

The package reads top-down:

- :mod:`~keras_aug.ops.geometry.matrices`: matrix builders about the image centre, composition, the
  ``[B, 8]`` transform form, and matrix kinds (translation ⊂ scale ⊂ affine ⊂ projective).
- :mod:`~keras_aug.ops.geometry.resample`: the reference resampler (TF's projective kernel's rules,
  fill modes), general and exact.
- :mod:`~keras_aug.ops.geometry.engines`: the fast warps, one per matrix kind, tuned for XLA:CPU;
  :func:`warp` picks one by the matrices' kind.
- :mod:`~keras_aug.ops.geometry.crops`: crops and resizes (torchvision's ``resize``, ``crop``,
  ``center_crop``, ``resized_crop``), whose output size differs from the input's.
- :mod:`~keras_aug.ops.geometry.flips`: per-sample flips.
- :mod:`~keras_aug.ops.geometry.tfa`: ``tfa.image``'s functions (``transform``, ``rotate``, ...).

Transforms follow ``tf.raw_ops.ImageProjectiveTransformV3`` / ``tfa.image.transform``: eight numbers
``[a0, a1, a2, b0, b1, b2, c0, c1]`` map an OUTPUT pixel ``(x, y)`` to the INPUT point
``((a0 x + a1 y + a2) / k, (b0 x + b1 y + b2) / k)`` with ``k = c0 x + c1 y + 1``; pixel centres sit on
integer coordinates. Matrices are the same maps as ``[B, 3, 3]`` tensors, so composing is a matmul.
"""

from keras_aug.ops._utils import FILL_MODES, INTERPOLATIONS
from keras_aug.ops.geometry.crops import (
    center_crop,
    crop,
    crop_matrix,
    resample_window,
    resize,
    resized_crop,
    sample_resized_crop,
)
from keras_aug.ops.geometry.engines import remap, shift, source_lerp, warp, warp_axis_aligned
from keras_aug.ops.geometry.flips import flip_left_right, flip_up_down
from keras_aug.ops.geometry.matrices import (
    compose,
    identity_matrix,
    matrix_to_transform,
    rotation_matrix,
    shear_matrix,
    transform_to_matrix,
    translation_matrix,
    zoom_matrix,
)
from keras_aug.ops.geometry.resample import map_coordinates_to_range, projective_coordinates, sample
from keras_aug.ops.geometry.tfa import (
    angles_to_projective_transforms,
    compose_transforms,
    dense_image_warp,
    interpolate_bilinear,
    rotate,
    shear_x,
    shear_y,
    transform,
    translate,
    translations_to_projective_transforms,
)

__all__ = [
    "FILL_MODES",
    "INTERPOLATIONS",
    "angles_to_projective_transforms",
    "center_crop",
    "compose",
    "compose_transforms",
    "crop",
    "crop_matrix",
    "dense_image_warp",
    "flip_left_right",
    "flip_up_down",
    "identity_matrix",
    "interpolate_bilinear",
    "map_coordinates_to_range",
    "matrix_to_transform",
    "projective_coordinates",
    "remap",
    "resample_window",
    "resize",
    "resized_crop",
    "rotate",
    "rotation_matrix",
    "sample",
    "sample_resized_crop",
    "shear_matrix",
    "shear_x",
    "shear_y",
    "shift",
    "source_lerp",
    "transform",
    "transform_to_matrix",
    "translate",
    "translation_matrix",
    "translations_to_projective_transforms",
    "warp",
    "warp_axis_aligned",
    "zoom_matrix",
]
