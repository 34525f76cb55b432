"""Pure, batched TF functions (no Keras), each compiling under ``tf.function(jit_compile=True)``.

The functional API, and the home of every transform: layers and ``keras_aug.data`` call these.
Images are ``[batch, height, width, channels]`` (or one ``[height, width, channels]`` image) of any
numeric dtype; outputs keep the input dtype.

Example:
>>> import keras_aug, tensorflow as tf
>>> images = tf.zeros([2, 32, 32, 3], tf.uint8)
>>> keras_aug.ops.rotate(images, [0.1, -0.2]).shape
TensorShape([2, 32, 32, 3])
"""

from keras_aug.ops import random as random
from keras_aug.ops.boxes import box_area, clip_boxes, convert_format, move_boxes, transform_boxes
from keras_aug.ops.color import (
    blend,
    brightness,
    brightness_contrast,
    contrast,
    denormalize,
    gamma,
    normalize,
    standardize,
)
from keras_aug.ops.colorspace import (
    adjust_brightness,
    adjust_contrast,
    adjust_hue,
    adjust_saturation,
    color_jitter,
    rgb_to_grayscale,
)
from keras_aug.ops.elastic import elastic_displacement, elastic_transform
from keras_aug.ops.enhance import sharpness
from keras_aug.ops.filters import gaussian_blur, gaussian_filter2d, mean_filter2d, median_filter2d
from keras_aug.ops.geometry import (
    angles_to_projective_transforms,
    center_crop,
    compose,
    compose_transforms,
    crop,
    crop_matrix,
    dense_image_warp,
    flip_left_right,
    flip_up_down,
    identity_matrix,
    interpolate_bilinear,
    matrix_to_transform,
    remap,
    resample_window,
    resize,
    resized_crop,
    rotate,
    rotation_matrix,
    sample,
    sample_resized_crop,
    shear_matrix,
    shear_x,
    shear_y,
    shift,
    transform,
    transform_to_matrix,
    translate,
    translation_matrix,
    translations_to_projective_transforms,
    warp,
    warp_axis_aligned,
    zoom_matrix,
)
from keras_aug.ops.histogram import clahe, equalize
from keras_aug.ops.mix import cutmix, cutout, fill_holes, mix_labels, mixup, prepare_labels, random_cutout
from keras_aug.ops.policies import (
    augment_policy,
    augmix,
    policy_magnitudes,
    policy_matrix,
    policy_photometric,
    warp_if_moved,
)
from keras_aug.ops.stats import mean_std
from keras_aug.ops.tone import adjust_sharpness, autocontrast, invert, posterize, solarize

__all__ = [
    "adjust_brightness",
    "adjust_contrast",
    "adjust_hue",
    "adjust_saturation",
    "adjust_sharpness",
    "angles_to_projective_transforms",
    "augment_policy",
    "augmix",
    "autocontrast",
    "blend",
    "box_area",
    "brightness",
    "brightness_contrast",
    "center_crop",
    "clahe",
    "clip_boxes",
    "color_jitter",
    "compose",
    "compose_transforms",
    "contrast",
    "convert_format",
    "crop",
    "crop_matrix",
    "cutmix",
    "cutout",
    "denormalize",
    "dense_image_warp",
    "elastic_displacement",
    "elastic_transform",
    "equalize",
    "fill_holes",
    "flip_left_right",
    "flip_up_down",
    "gamma",
    "gaussian_blur",
    "gaussian_filter2d",
    "identity_matrix",
    "interpolate_bilinear",
    "invert",
    "matrix_to_transform",
    "mean_filter2d",
    "mean_std",
    "median_filter2d",
    "mix_labels",
    "mixup",
    "move_boxes",
    "normalize",
    "policy_magnitudes",
    "policy_matrix",
    "policy_photometric",
    "posterize",
    "prepare_labels",
    "random",
    "random_cutout",
    "remap",
    "resample_window",
    "resize",
    "resized_crop",
    "rgb_to_grayscale",
    "rotate",
    "rotation_matrix",
    "sample",
    "sample_resized_crop",
    "sharpness",
    "shear_matrix",
    "shear_x",
    "shear_y",
    "shift",
    "solarize",
    "standardize",
    "transform",
    "transform_boxes",
    "transform_to_matrix",
    "translate",
    "translation_matrix",
    "translations_to_projective_transforms",
    "warp",
    "warp_axis_aligned",
    "warp_if_moved",
    "zoom_matrix",
]
