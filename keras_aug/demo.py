"""``python -m keras_aug demo``: labeled grids of every augmentation applied to a bundled photo.

Works offline: the images ship with the package (see ``assets/CREDITS.txt``) and the labels are drawn
with a built-in pixel font. The rows are grouped into pictures of at most :data:`MAX_ROWS` rows: the first
shows the seed techniques (geometry, warps, photometric, CLAHE, cutout), the next ones crops, colour, mixing,
tone and the automatic policies. Every row draws with ``p=1`` (and factors that always apply), so each
sample shows its layer's effect; the draws are deterministic for a given ``--seed``.
"""

from __future__ import annotations

import argparse
import os
from collections.abc import Callable
from importlib import resources
from typing import NamedTuple

import numpy as np
import tensorflow as tf

from keras_aug import layers
from keras_aug._font import render_text

#: rows per picture; the catalogue is split into more pictures rather than one tall one
MAX_ROWS = 14


class Row(NamedTuple):
    """One grid row: ``augment`` maps a uint8 batch to a batch of the same image size.

    ``layers`` names the keras_aug layers the row shows; ``source`` (optional) prepares the row's input,
    shown in the first column (e.g. a dimmed photo for ``AutoContrast``).

    Example:
    >>> Row("ID", lambda batch: batch).layers
    ()
    """

    label: str
    augment: Callable[[tf.Tensor], tf.Tensor]
    layers: tuple = ()
    source: Callable[[tf.Tensor], tf.Tensor] | None = None


def sample_image(name: str = "astronaut.png") -> tf.Tensor:
    """A bundled sample image as a uint8 ``[H, W, C]`` tensor (``astronaut.png`` RGB, ``camera.png`` gray).

    Example:
    >>> sample_image().shape
    TensorShape([192, 192, 3])
    """
    data = resources.files("keras_aug").joinpath("assets", name).read_bytes()
    return tf.io.decode_png(data)


def _resize(images: tf.Tensor, height: int, width: int) -> tf.Tensor:
    resized = tf.image.resize(images, (height, width), antialias=True)
    return tf.cast(tf.clip_by_value(tf.round(resized), 0, 255), tf.uint8)


def _layer_row(label: str, *chain, source=None) -> Row:
    """A row applying ``chain``'s layers in order (the last ones may resize back to the tile size)."""

    def augment(batch):
        for layer in chain:
            batch = layer(batch, training=True)
        return batch

    return Row(label, augment, tuple(chain), source)


def _crop_row(label: str, layer) -> Row:
    """A size-changing layer, its output resized back to the input's size so that the tiles align."""

    def augment(batch):
        height, width = int(batch.shape[1]), int(batch.shape[2])
        return _resize(layer(batch, training=True), height, width)

    return Row(label, augment, (layer,))


def _mix_row(label: str, layer) -> Row:
    """MixUp / CutMix: the photo mixed with the bundled camera photo (dummy labels 0 and 1).

    The batch holds ``3 * samples`` of each picture; the samples whose labels came out most mixed are
    shown, so every tile mixes the two pictures.
    """

    def augment(batch):
        n, height, width = int(batch.shape[0]), int(batch.shape[1]), int(batch.shape[2])
        camera = tf.repeat(_resize(sample_image("camera.png")[tf.newaxis], height, width), 3, axis=-1)
        images = tf.concat([tf.repeat(batch, 3, axis=0), tf.repeat(camera, 3 * n, axis=0)], axis=0)
        labels = tf.repeat(tf.constant([0, 1]), 3 * n)
        mixed, targets = layer((images, labels), training=True)
        order = tf.argsort(tf.abs(targets[:, 1] - 0.5))[:n]
        return tf.gather(mixed, order)

    return Row(label, augment, (layer,))


def _dimmed(batch: tf.Tensor) -> tf.Tensor:
    """A low-contrast version (values squeezed into [64, 160]) for the auto-contrast row."""
    return tf.cast(tf.cast(batch, tf.int32) * 3 // 8 + 64, tf.uint8)


def seed_rows(seed: int = 0) -> list[Row]:
    """The first picture: geometry, warps, photometric, CLAHE / equalize, cutout.

    Example:
    >>> [row.label for row in seed_rows()][:2]
    ['FLIP', 'TRANSLATE']
    """
    return [
        _layer_row("FLIP", layers.RandomFlip(seed=seed)),
        _layer_row("TRANSLATE", layers.RandomTranslation(0.2, 0.2, seed=seed)),
        _layer_row("PAD-CROP 24", layers.RandomPadCrop(24, seed=seed)),
        _layer_row("ROTATE 180", layers.RandomRotation(0.5, seed=seed)),
        _layer_row("ZOOM", layers.RandomZoom(0.4, seed=seed)),
        _layer_row(
            "AFFINE", layers.RandomAffine(degrees=25, translate=0.1, scale=(0.8, 1.2), shear=10, seed=seed)
        ),
        _layer_row("PERSPECTIVE", layers.RandomPerspective(factor=(1.0, 1.0), scale=0.6, seed=seed)),
        _layer_row("SHEAR", layers.RandomShear(x_factor=(0.2, 0.4), y_factor=(0.1, 0.2), seed=seed)),
        _layer_row(
            "ELASTIC", layers.RandomElasticTransform(alpha=(120.0, 200.0), sigma=8.0, seed=seed, p=1.0)
        ),
        _layer_row(
            "BRIGHT/CONTRAST",
            layers.RandomBrightnessContrast(brightness_limit=0.3, contrast_limit=0.3, seed=seed, p=1.0),
        ),
        _layer_row("GAMMA", layers.RandomGamma((40, 250), seed=seed, p=1.0)),
        _layer_row("CLAHE", layers.RandomCLAHE(clip_limit=(2, 8), seed=seed, p=1.0)),
        _layer_row("EQUALIZE", layers.Equalize(seed=seed, p=1.0)),
        _layer_row("CUTOUT", layers.RandomCutout((2, 3), (0.15, 0.3), (0.15, 0.3), seed=seed, p=1.0)),
    ]


def crop_colour_rows(seed: int = 0, size: tuple[int, int] = (192, 192)) -> list[Row]:
    """The second picture: crops and resizes of ``size`` images (shown at that size), colour, mixing.

    Example:
    >>> [row.label for row in crop_colour_rows()][0]
    'RANDOM CROP 1/2'
    """
    height, width = size
    return [
        _crop_row("RANDOM CROP 1/2", layers.RandomCrop(height // 2, width // 2, seed=seed)),
        _crop_row("CENTER CROP 1/2", layers.CenterCrop(height // 2, width // 2)),
        _crop_row("RESIZED CROP", layers.RandomResizedCrop(height, width, scale=(0.1, 0.5), seed=seed)),
        _crop_row(
            "RESIZE 1/6 NEAREST",
            layers.Resizing(max(height // 6, 1), max(width // 6, 1), interpolation="nearest"),
        ),
        _layer_row("BRIGHTNESS", layers.RandomBrightness((-0.5, 0.5), seed=seed)),
        _layer_row("CONTRAST", layers.RandomContrast((0.8, 1.5), seed=seed)),
        _layer_row("HUE", layers.RandomHue((0.3, 1.0), seed=seed)),
        _layer_row("SATURATION +", layers.RandomSaturation((0.75, 0.9), seed=seed)),
        _layer_row(
            "COLOR JITTER",
            layers.RandomColorJitter(
                brightness_factor=0.2,
                contrast_factor=0.4,
                saturation_factor=(0.2, 0.8),
                hue_factor=(0.2, 0.5),
                seed=seed,
            ),
        ),
        _layer_row("COLOR DEGENERATE", layers.RandomColorDegeneration((0.6, 1.0), seed=seed)),
        _layer_row("GRAYSCALE", layers.RandomGrayscale(1.0, seed=seed)),
        _mix_row("MIXUP", layers.MixUp(alpha=4.0, num_classes=2, seed=seed)),
        _mix_row("CUTMIX", layers.CutMix(alpha=2.0, num_classes=2, seed=seed)),
    ]


def tone_policy_rows(seed: int = 0) -> list[Row]:
    """The third picture: tone (Keras' names), blur / sharpen, erasing and the automatic policies.

    Example:
    >>> [row.label for row in tone_policy_rows()][-1]
    'AUGMIX'
    """
    return [
        _layer_row("AUTO CONTRAST", layers.AutoContrast(seed=seed), source=_dimmed),
        _layer_row("EQUALIZATION", layers.Equalization(seed=seed)),
        _layer_row(
            "CLAHE (KERAS)",
            layers.ContrastLimitedAdaptiveHistogramEqualization(clip_limit=8.0, tile_grid_size=(4, 4)),
        ),
        _layer_row("INVERT", layers.RandomInvert(factor=(1.0, 1.0), seed=seed)),
        _layer_row("POSTERIZE 1-3 BITS", layers.RandomPosterization((1, 3), seed=seed)),
        _layer_row("SOLARIZE", layers.Solarization(threshold_factor=(0.3, 0.7), seed=seed)),
        _layer_row("SHARPEN", layers.RandomSharpness((0.9, 1.0), seed=seed)),
        _layer_row(
            "GAUSSIAN BLUR", layers.RandomGaussianBlur((1.0, 1.0), kernel_size=9, sigma=(1.5, 3.0), seed=seed)
        ),
        _layer_row("ERASING", layers.RandomErasing((1.0, 1.0), scale=(0.1, 0.3), seed=seed)),
        _layer_row("RANDAUGMENT", layers.RandAugment(num_ops=2, factor=(0.5, 1.0), seed=seed)),
        _layer_row("TRIVIALAUGMENT", layers.TrivialAugmentWide(seed=seed)),
        _layer_row("AUTOAUGMENT", layers.AutoAugment(seed=seed)),
        _layer_row("AUGMIX", layers.AugMix(factor=1.0, seed=seed)),
    ]


def demo_pages(seed: int = 0, size: tuple[int, int] = (192, 192)) -> list[list[Row]]:
    """The demo's pictures for ``size`` (height, width) images, each a list of at most :data:`MAX_ROWS` rows.

    Example:
    >>> [len(page) for page in demo_pages()]
    [14, 13, 13]
    """
    return [seed_rows(seed), crop_colour_rows(seed, size), tone_policy_rows(seed)]


def default_rows(seed: int = 0, size: tuple[int, int] = (192, 192)) -> list[Row]:
    """Every row of the demo, all pictures in order.

    Example:
    >>> default_rows()[0].label
    'FLIP'
    """
    return [row for page in demo_pages(seed, size) for row in page]


def _to_rgb_uint8(images: tf.Tensor) -> np.ndarray:
    images = tf.convert_to_tensor(images)
    if images.dtype != tf.uint8:
        images = tf.cast(tf.clip_by_value(tf.round(tf.cast(images, tf.float32)), 0, 255), tf.uint8)
    if images.shape[-1] == 1:
        images = tf.repeat(images, 3, axis=-1)
    return images.numpy()


def _row_tiles(image: tf.Tensor, row: Row, samples: int) -> np.ndarray:
    """The row's input followed by ``samples`` augmented draws, as uint8 RGB ``[samples + 1, H, W, 3]``."""
    source = image[tf.newaxis] if row.source is None else row.source(image[tf.newaxis])
    tiles = _to_rgb_uint8(row.augment(tf.repeat(source, samples, axis=0)))
    if tiles.shape[1:3] != tuple(image.shape[:2]):
        raise ValueError(f"row {row.label!r} gives {tiles.shape[1:3]} tiles, not {tuple(image.shape[:2])}")
    return np.concatenate([_to_rgb_uint8(source), tiles])


def render_grid(image: tf.Tensor, rows: list, samples: int = 5, margin: int = 4) -> np.ndarray:
    """Grid: one row per augmentation (its input first, then ``samples`` draws), label at the left.

    ``rows``: :class:`Row` s or ``(label, augment)`` pairs.

    Example:
    >>> grid = render_grid(tf.zeros([8, 8, 3], tf.uint8), [("ID", lambda b: b)], samples=2)
    >>> grid.shape
    (16, 62, 3)
    """
    image = tf.convert_to_tensor(image)
    rows = [Row(*row) for row in rows]
    height, width = int(image.shape[0]), int(image.shape[1])
    labels = [render_text(row.label, scale=2) for row in rows]
    label_width = max(label.shape[1] for label in labels) + 2 * margin
    cell_w, cell_h = width + margin, height + margin
    grid = np.full(
        (len(rows) * cell_h + margin, label_width + (samples + 1) * cell_w + margin, 3), 255, np.uint8
    )
    for r, (row, label) in enumerate(zip(rows, labels, strict=True)):
        top = margin + r * cell_h
        text_top = top + (height - label.shape[0]) // 2
        grid[text_top : text_top + label.shape[0], margin : margin + label.shape[1]][label] = 0
        for c, tile in enumerate(_row_tiles(image, row, samples)):
            left = label_width + c * cell_w
            grid[top : top + height, left : left + width] = tile
    return grid


def page_paths(out: str, pages: int) -> list[str]:
    """``out`` for the first picture, then ``<stem>_2<ext>``, ``<stem>_3<ext>``... next to it.

    Example:
    >>> page_paths("/tmp/demo.png", 3)
    ['/tmp/demo.png', '/tmp/demo_2.png', '/tmp/demo_3.png']
    """
    stem, ext = os.path.splitext(out)
    return [out] + [f"{stem}_{k}{ext or '.png'}" for k in range(2, pages + 1)]


def write_demo(
    out: str = "keras_aug_demo.png", samples: int = 5, seed: int = 0, size: int | None = None
) -> list[str]:
    """Render the demo grids of the bundled astronaut photo and write them as PNGs; returns the paths.

    ``out`` is the first picture (the seed techniques); the others go next to it (:func:`page_paths`).
    ``size`` resizes the photo (square) first, e.g. for a small picture in the docs.

    Example:
    >>> write_demo("/tmp/demo.png", samples=2)  # doctest: +SKIP
    ['/tmp/demo.png', '/tmp/demo_2.png', '/tmp/demo_3.png']
    """
    image = sample_image()
    if size is not None:
        image = _resize(image, size, size)
    pages = demo_pages(seed, (int(image.shape[0]), int(image.shape[1])))
    paths = page_paths(out, len(pages))
    for path, rows in zip(paths, pages, strict=True):
        tf.io.write_file(path, tf.io.encode_png(render_grid(image, rows, samples=samples)))
    return paths


def main(argv: list[str] | None = None) -> None:
    """The ``python -m keras_aug`` command line.

    Example:
    >>> main(["demo", "--out", "/tmp/demo.png", "--samples", "1", "--size", "32"])  # doctest: +SKIP
    wrote /tmp/demo.png
    wrote /tmp/demo_2.png
    wrote /tmp/demo_3.png
    """
    parser = argparse.ArgumentParser(prog="python -m keras_aug", description="keras_aug command line")
    commands = parser.add_subparsers(dest="command", required=True)
    demo = commands.add_parser("demo", help="write labeled grids of augmentations of a bundled image")
    demo.add_argument(
        "--out",
        default="keras_aug_demo.png",
        help="first PNG (default: %(default)s); the others are written next to it as <stem>_2.png, ...",
    )
    demo.add_argument(
        "--samples", type=int, default=5, help="augmented samples per row (default: %(default)s)"
    )
    demo.add_argument("--seed", type=int, default=0)
    demo.add_argument("--size", type=int, default=None, help="resize the photo to SIZE x SIZE first")
    args = parser.parse_args(argv)
    if args.samples < 1:
        parser.error("--samples must be at least 1")
    if args.size is not None and args.size < 16:
        parser.error("--size must be at least 16")
    tf.get_logger().setLevel("ERROR")  # the many rows retrace a few warps: TensorFlow's warning is noise here
    for path in write_demo(args.out, args.samples, args.seed, args.size):
        print(f"wrote {path}")
