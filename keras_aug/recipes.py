"""Ready-made augmentation pipelines for common cases, built from keras_aug layers.

Each recipe returns a :class:`~keras_aug.layers.compose.Pipeline`: a Keras layer to ``dataset.map``
(before or after ``batch()``) or to put at the front of a model (identity at inference). Every step
draws its parameters per sample, takes dict inputs with ``"segmentation_masks"`` (moved with the
image), compiles under XLA and serializes to ``.keras``. Pass ``seed`` for reproducible runs; every
step then gets its own seed derived from it.

MixUp and CutMix mix *pairs* of samples, so they belong after ``dataset.batch()`` and are not part
of the per-sample recipes: add :class:`keras_aug.data.MixBatches` (timm-style, one of the two per
batch) as the last map of the pipeline::

    augment = keras_aug.recipes.classification(seed=0)
    dataset = (
        dataset.batch(64)
        .map(augment, num_parallel_calls=tf.data.AUTOTUNE)
        .map(keras_aug.data.MixBatches(mixup_alpha=0.2, cutmix_alpha=1.0, num_classes=10, seed=0))
    )

or ``keras_aug.data.mix_batches(dataset.batch(64).map(augment), num_classes=10, seed=0)``, whose
``i``-th batch is mixed the same way on every run. Labels then come out as float one-hot targets, so
train with ``CategoricalCrossentropy``.
"""

from __future__ import annotations

from keras_aug.data.mix import MixBatches
from keras_aug.layers.color import RandomBrightnessContrast, RandomGamma
from keras_aug.layers.compose import OneOf, Pipeline
from keras_aug.layers.crops import RandomResizedCrop
from keras_aug.layers.elastic import RandomElasticTransform
from keras_aug.layers.geometric import RandomAffine, RandomFlip
from keras_aug.layers.histogram import RandomCLAHE
from keras_aug.layers.policies import AugMix, AutoAugment, RandAugment, TrivialAugmentWide
from keras_aug.layers.tone import RandomErasing
from keras_aug.validation import check_choice, check_optional_value_range, check_probability, check_seed


def _seeds(seed: int | None, count: int) -> list:
    seed = check_seed(seed)
    if seed is None:
        return [None] * count
    return [seed + 7919 * i for i in range(count)]  # distinct per step, stable for a given seed


def medical_gray(
    degrees=10.0,
    translate=0.05,
    scale=(0.9, 1.1),
    brightness_limit=0.1,
    contrast_limit=0.1,
    brightness_contrast_p: float = 0.5,
    clahe_clip_limit=(1.0, 3.0),
    clahe_tile_grid_size=(8, 8),
    clahe_p: float = 0.5,
    elastic_alpha=(0.0, 30.0),
    elastic_sigma: float = 5.0,
    elastic_p: float = 0.25,
    fill_mode: str = "constant",
    value_range=None,
    seed: int | None = None,
    name: str = "medical_gray",
) -> Pipeline:
    """A gray-image recipe (X-ray, CT slice, microscopy): mild geometry, elastic, CLAHE, brightness/contrast.

    Steps, each per sample: ``RandomAffine`` (rotation ``±degrees``, shift, zoom ``scale``; one resample),
    ``RandomElasticTransform`` with probability ``elastic_p`` (tissue-like deformation; ``alpha`` in
    pixels·sigma, see its docstring), ``RandomCLAHE`` with probability ``clahe_p`` (OpenCV's CLAHE with a
    clip limit drawn from ``clahe_clip_limit``), then ``RandomBrightnessContrast`` with probability
    ``brightness_contrast_p`` (exposure differences between scanners). Geometry uses
    ``fill_mode="constant"`` with the range's low end (black) by default, since mirrored anatomy is
    implausible. Segmentation masks in dict inputs follow the geometry (nearest, filled with 0).

    Inputs: ``[B, H, W, 1]`` (or RGB ``[B, H, W, 3]``) uint8 or uint16 images at full depth, or floats
    with ``value_range`` (e.g. ``(0, 1)``). ``value_range=None`` (default) means each image dtype's own
    range (0-255 for uint8, 0-65535 for uint16, ``(0, 255)`` for floats, the package's one rule); pass
    ``(0, 4095)`` for 12-bit data stored in uint16. Pass ``0`` (or ``p=0``) to switch a step's effect off.

    Example:
    >>> import tensorflow as tf
    >>> augment = medical_gray(seed=0)
    >>> augment(tf.zeros([2, 64, 64, 1], tf.uint8)).shape
    TensorShape([2, 64, 64, 1])
    """
    seeds = _seeds(seed, 4)
    value_range = check_optional_value_range(value_range)
    low = 0.0 if value_range is None else value_range[0]
    return Pipeline(
        [
            RandomAffine(
                degrees=degrees,
                translate=translate,
                scale=scale,
                fill_mode=fill_mode,
                fill_value=low,
                seed=seeds[0],
            ),
            RandomElasticTransform(
                alpha=elastic_alpha,
                sigma=elastic_sigma,
                fill_mode=fill_mode,
                fill_value=low,
                p=elastic_p,
                seed=seeds[1],
            ),
            RandomCLAHE(
                clip_limit=clahe_clip_limit,
                tile_grid_size=clahe_tile_grid_size,
                value_range=value_range,
                p=clahe_p,
                seed=seeds[2],
            ),
            RandomBrightnessContrast(
                brightness_limit=brightness_limit,
                contrast_limit=contrast_limit,
                p=brightness_contrast_p,
                value_range=value_range,
                seed=seeds[3],
            ),
        ],
        name=name,
    )


def classification(
    flip: str | None = "horizontal",
    degrees=15.0,
    translate=0.1,
    scale=(0.8, 1.2),
    shear=0.0,
    brightness_limit=0.2,
    contrast_limit=0.2,
    gamma_limit=(80, 120),
    color_p: float = 0.8,
    fill_mode: str = "reflect",
    value_range=None,
    seed: int | None = None,
    name: str = "classification",
) -> Pipeline:
    """A natural-image classification recipe: flip, one affine warp, then one colour change.

    Steps, each per sample: ``RandomFlip(flip)`` (``None`` to skip; ``"horizontal"`` flips half of the
    samples), ``RandomAffine`` (rotation, shift, zoom, shear in one resample), then with probability
    ``color_p`` one of ``RandomBrightnessContrast`` or ``RandomGamma`` (``OneOf``, equal weights).
    Add CutMix/MixUp after batching with :class:`keras_aug.data.MixBatches` (see the module docstring).

    Inputs: RGB (or gray) uint8 or uint16 images, or floats with ``value_range`` (e.g. ``(0, 1)``);
    ``None`` (default) means the dtype's range for 8/16-bit integers and ``(0, 255)`` for floats.

    Example:
    >>> import tensorflow as tf
    >>> augment = classification(seed=0)
    >>> augment(tf.zeros([4, 32, 32, 3], tf.uint8)).shape
    TensorShape([4, 32, 32, 3])
    """
    seeds = _seeds(seed, 5)
    steps = [] if flip is None else [RandomFlip(flip, seed=seeds[0])]
    steps.append(
        RandomAffine(
            degrees=degrees, translate=translate, scale=scale, shear=shear, fill_mode=fill_mode, seed=seeds[1]
        )
    )
    steps.append(
        OneOf(
            [
                RandomBrightnessContrast(
                    brightness_limit, contrast_limit, p=1.0, value_range=value_range, seed=seeds[2]
                ),
                RandomGamma(gamma_limit, p=1.0, value_range=value_range, seed=seeds[3]),
            ],
            p=color_p,
            seed=seeds[4],
        )
    )
    return Pipeline(steps, name=name)


#: torchvision's ``--auto-augment`` choices (``references/classification/presets.py``).
IMAGENET_POLICIES = ("ta_wide", "ra", "augmix", "imagenet", "cifar10", "svhn")


def _imagenet_policy(policy: str, ra_magnitude: int, augmix_severity: int, value_range, seed):
    """The presets' policy layer: bilinear, filled with 0 (torchvision's reference passes no ``fill``)."""
    common = {"interpolation": "bilinear", "fill_mode": "constant", "value_range": value_range, "seed": seed}
    if policy == "ta_wide":
        return TrivialAugmentWide(**common)
    if policy == "ra":
        return RandAugment(magnitude=ra_magnitude, **common)
    if policy == "augmix":
        return AugMix(severity=augmix_severity, **common)
    return AutoAugment(policy, **common)


def imagenet(
    size: int = 224,
    scale=(0.08, 1.0),
    ratio=(3.0 / 4.0, 4.0 / 3.0),
    hflip_prob: float = 0.5,
    policy: str | None = "ta_wide",
    ra_magnitude: int = 9,
    augmix_severity: int = 3,
    random_erase_prob: float = 0.1,
    erase_fill_value=0.0,
    value_range=None,
    seed: int | None = None,
    name: str = "imagenet",
) -> Pipeline:
    """torchvision's classification training recipe (``references/classification/presets.py``), per sample.

    Steps: ``RandomResizedCrop(size, size, scale, ratio)`` (bilinear), a horizontal flip with probability
    ``hflip_prob``, the ``policy`` (torchvision's ``--auto-augment`` names: ``"ta_wide"``
    TrivialAugmentWide, ``"ra"`` RandAugment with ``magnitude=ra_magnitude``, ``"augmix"`` AugMix with
    ``severity=augmix_severity``, or an AutoAugment policy ``"imagenet"``/``"cifar10"``/``"svhn"``; ``None``
    skips it), then ``RandomErasing`` with probability ``random_erase_prob`` (Keras' rectangle sampling,
    filled with ``erase_fill_value``; torchvision erases normalized images with 0, the mean colour: pass
    e.g. ``(124, 116, 104)`` for uint8 ImageNet images). The defaults are torchvision's
    current ImageNet recipe (``--auto-augment ta_wide --random-erase 0.1``, with ``--mixup-alpha 0.2
    --cutmix-alpha 1.0 --label-smoothing 0.1``: :func:`imagenet_mix`). Images of any size come out
    ``size x size``; normalize in the model (or with ``keras_aug.layers.Normalization``). Mix after
    batching::

        dataset = (
            dataset.batch(128)
            .map(keras_aug.recipes.imagenet(seed=0), num_parallel_calls=tf.data.AUTOTUNE)
            .map(keras_aug.recipes.imagenet_mix(num_classes=1000, seed=0))
        )

    Example:
    >>> import tensorflow as tf
    >>> augment = imagenet(size=32, seed=0)
    >>> augment(tf.zeros([2, 48, 40, 3], tf.uint8)).shape
    TensorShape([2, 32, 32, 3])
    """
    seeds = _seeds(seed, 4)
    value_range = check_optional_value_range(value_range)
    steps = [RandomResizedCrop(size, size, scale=scale, ratio=ratio, seed=seeds[0])]
    if check_probability(hflip_prob, "hflip_prob") > 0.0:
        steps.append(RandomFlip("horizontal", p=hflip_prob, seed=seeds[1]))
    if policy is not None:
        policy = check_choice("policy", policy, IMAGENET_POLICIES)
        steps.append(_imagenet_policy(policy, ra_magnitude, augmix_severity, value_range, seeds[2]))
    if check_probability(random_erase_prob, "random_erase_prob") > 0.0:
        erasing = RandomErasing(
            factor=(1.0, 1.0),
            fill_value=erase_fill_value,
            value_range=value_range,
            p=random_erase_prob,
            seed=seeds[3],
        )
        steps.append(erasing)
    return Pipeline(steps, name=name)


def imagenet_mix(
    num_classes: int,
    mixup_alpha: float = 0.2,
    cutmix_alpha: float = 1.0,
    label_smoothing: float = 0.1,
    seed: int | None = None,
) -> MixBatches:
    """The recipe's batch step: MixUp or CutMix per batch (torchvision's ``RandomChoice([MixUp, CutMix])``).

    Map it after ``batch()`` and after :func:`imagenet`; labels (class ids) become smoothed one-hot targets,
    so train with ``CategoricalCrossentropy``.

    Example:
    >>> import tensorflow as tf
    >>> images, targets = imagenet_mix(num_classes=10, seed=0)(tf.zeros([4, 8, 8, 3]), tf.constant([0, 1, 2, 3]))
    >>> targets.shape
    TensorShape([4, 10])
    """
    return MixBatches(
        mixup_alpha=mixup_alpha,
        cutmix_alpha=cutmix_alpha,
        num_classes=num_classes,
        label_smoothing=label_smoothing,
        seed=seed,
    )
