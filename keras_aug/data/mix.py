"""Batch-level MixUp / CutMix for ``tf.data``, like timm's ``Mixup``: one of the two per batch.

Use after ``dataset.batch()``: either ``mix_batches(dataset, ...)`` or ``dataset.map(MixBatches(...))``.
Elements may be ``(images, labels)`` tuples or dicts with ``"images"`` and ``"labels"`` (other keys
pass through). Labels come out as float ``[B, num_classes]`` targets on every batch, mixed or not, so the
element structure never changes.
"""

from __future__ import annotations

import keras
import numpy as np
import tensorflow as tf

from keras_aug.ops import mix, sampling
from keras_aug.ops import random as krandom
from keras_aug.validation import (
    check_label_smoothing,
    check_num_classes,
    check_number,
    check_probability,
    check_seed,
)


class MixBatches:
    """Apply MixUp or CutMix to whole batches (timm's ``Mixup`` with ``mode="batch"`` switching).

    Each batch is mixed with probability ``prob``; when both alphas are positive it gets CutMix with
    probability ``switch_prob`` and MixUp otherwise. Within a batch each sample draws its own
    ``lam ~ Beta(alpha, alpha)`` and partner (a shuffle of the batch); CutMix labels are weighted by
    the exact pasted area after clipping.

    Args:
        mixup_alpha: MixUp's Beta parameter; 0 disables MixUp.
        cutmix_alpha: CutMix's Beta parameter; 0 disables CutMix.
        prob: probability that a batch is mixed at all.
        switch_prob: probability of CutMix when both are enabled.
        num_classes: needed for sparse integer labels, which become one-hot.
        label_smoothing: applied to every batch's targets.
        seed: integer seed (``None``: random).

    Example:
    >>> ds = tf.data.Dataset.from_tensor_slices((tf.zeros([8, 4, 4, 3]), tf.range(8) % 2)).batch(4)
    >>> ds = ds.map(MixBatches(num_classes=2, seed=0))
    >>> next(iter(ds))[1].shape
    TensorShape([4, 2])
    """

    def __init__(
        self,
        mixup_alpha: float = 0.8,
        cutmix_alpha: float = 1.0,
        prob: float = 1.0,
        switch_prob: float = 0.5,
        num_classes: int | None = None,
        label_smoothing: float = 0.0,
        seed: int | None = None,
    ):
        self.mixup_alpha = check_number(mixup_alpha, "mixup_alpha", 0.0)
        self.cutmix_alpha = check_number(cutmix_alpha, "cutmix_alpha", 0.0)
        if not (self.mixup_alpha or self.cutmix_alpha):
            raise ValueError("At least one of `mixup_alpha` and `cutmix_alpha` must be > 0.")
        self.prob = check_probability(prob, "prob")
        self.switch_prob = check_probability(switch_prob, "switch_prob")
        self.num_classes = check_num_classes(num_classes)
        self.label_smoothing = check_label_smoothing(label_smoothing)
        self.seed = check_seed(seed)
        # Created here, not on the first call: that call usually happens while tf.data traces the map.
        self._seed_generator = keras.random.SeedGenerator(seed)

    @tf.autograph.experimental.do_not_convert  # plain tensor code: converting it only costs tracing time
    def __call__(self, *element):
        """Mix one batch; the seed advances on every call (``dataset.map(transform)``)."""
        batch = element[0] if len(element) == 1 else element
        return self.apply(batch, self._seed_generator.next())

    @tf.autograph.experimental.do_not_convert
    def apply(self, batch, seed):
        """Mix ``batch`` (dict or ``(images, labels)``) with an explicit int ``[2]`` ``seed``."""
        if isinstance(batch, dict):
            if "images" not in batch or "labels" not in batch:
                raise ValueError(f"Dict batches need 'images' and 'labels' keys, got {sorted(batch)}.")
            images, labels = batch["images"], batch["labels"]
        elif isinstance(batch, (tuple, list)) and len(batch) == 2:
            images, labels = batch
        else:
            raise ValueError(f"Batches must be (images, labels) tuples or dicts, got {type(batch).__name__}.")
        images = tf.convert_to_tensor(images)
        if images.shape.rank != 4:
            raise ValueError(
                f"`images` must be a batch [B, H, W, C] (use after .batch()), got shape {images.shape}."
            )
        images, labels = self._mix(images, labels, seed)
        if isinstance(batch, dict):
            return {**batch, "images": images, "labels": labels}
        return images, labels

    def _mix(self, images, labels, seed):
        targets = mix.prepare_labels(labels, self.num_classes, self.label_smoothing)
        seeds = krandom.split(seed, 7)
        shape = tf.shape(images)
        batch_size, height, width = shape[0], shape[1], shape[2]
        partner = krandom.permutation(seeds[0], batch_size)
        mixed = krandom.uniform(seeds[1], []) < self.prob
        if self.mixup_alpha and self.cutmix_alpha:
            use_cutmix = krandom.uniform(seeds[2], []) < self.switch_prob
        else:
            use_cutmix = tf.constant(self.cutmix_alpha > 0)
        keep = tf.logical_not(mixed)

        def mixup_branch():
            lam = sampling.beta(seeds[3], [batch_size], self.mixup_alpha or 1.0)
            lam = tf.where(keep, tf.ones_like(lam), lam)
            return mix.mixup(images, targets, lam, partner)

        def cutmix_branch():
            lam = sampling.beta(seeds[4], [batch_size], self.cutmix_alpha or 1.0)
            cx = krandom.uniform_int(seeds[5], [batch_size], 0, width)
            cy = krandom.uniform_int(seeds[6], [batch_size], 0, height)
            boxes = mix.cutmix_boxes(lam, cx, cy, height, width)
            boxes = tf.where(keep, tf.zeros_like(boxes), boxes)
            return mix.cutmix(images, targets, boxes, partner)

        return tf.cond(use_cutmix & mixed, cutmix_branch, mixup_branch)


def mix_batches(
    dataset: tf.data.Dataset,
    mixup_alpha: float = 0.8,
    cutmix_alpha: float = 1.0,
    prob: float = 1.0,
    switch_prob: float = 0.5,
    num_classes: int | None = None,
    label_smoothing: float = 0.0,
    seed: int | None = None,
    num_parallel_calls=tf.data.AUTOTUNE,
) -> tf.data.Dataset:
    """Map :class:`MixBatches` over a batched dataset, seeding each batch from its position.

    The ``i``-th batch always gets the same mixing for a given ``seed`` (also with parallel calls or
    tf.data service), since its seed is derived from ``(seed, i)`` rather than from shared state.

    Example:
    >>> ds = tf.data.Dataset.from_tensor_slices({"images": tf.zeros([8, 4, 4, 3]), "labels": tf.range(8) % 3})
    >>> ds = mix_batches(ds.batch(4), num_classes=3, seed=1)
    >>> next(iter(ds))["labels"].shape
    TensorShape([4, 3])
    """
    transform = MixBatches(mixup_alpha, cutmix_alpha, prob, switch_prob, num_classes, label_smoothing, seed)
    if seed is None:
        seed = int(np.random.default_rng().integers(2**31 - 1))
    base_seed = tf.constant([seed, 0x5EED], tf.int64)

    @tf.autograph.experimental.do_not_convert
    def apply(index, *element):
        batch = element[0] if len(element) == 1 else element
        return transform.apply(batch, krandom.fold_in(base_seed, index))

    return dataset.enumerate().map(apply, num_parallel_calls=num_parallel_calls)
