"""``python -m keras_aug demo``: a labeled grid of every augmentation applied to a bundled photo.

Works offline: the image ships with the package (see ``assets/CREDITS.txt``) and the labels are drawn
with a built-in pixel font.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable
from importlib import resources

import numpy as np
import tensorflow as tf

from keras_aug import layers
from keras_aug._font import render_text

Row = tuple[str, Callable[[tf.Tensor], tf.Tensor]]


def sample_image(name: str = "astronaut.png") -> tf.Tensor:
    """A bundled sample image as a uint8 ``[H, W, C]`` tensor (``astronaut.png`` RGB, ``camera.png`` gray).

    Example:
    >>> sample_image().shape
    TensorShape([192, 192, 3])
    """
    data = resources.files("keras_aug").joinpath("assets", name).read_bytes()
    return tf.io.decode_png(data)


def _layer_row(label: str, layer) -> Row:
    return label, lambda batch: layer(batch, training=True)


def _optional_layer(name: str, *args, **kwargs):
    cls = getattr(layers, name, None)
    return None if cls is None else cls(*args, **kwargs)


def default_rows(seed: int = 0) -> list[Row]:
    """The augmentations shown in the demo grid, one row each."""
    rows = [
        _layer_row("FLIP", layers.RandomFlip(seed=seed)),
        _layer_row("TRANSLATE", layers.RandomTranslation(0.2, 0.2, seed=seed)),
        _layer_row("PAD-CROP 24", layers.RandomPadCrop(24, seed=seed)),
        _layer_row("ROTATE 180", layers.RandomRotation(0.5, seed=seed)),
        _layer_row("ZOOM", layers.RandomZoom(0.4, seed=seed)),
        _layer_row(
            "AFFINE", layers.RandomAffine(degrees=25, translate=0.1, scale=(0.8, 1.2), shear=10, seed=seed)
        ),
    ]
    optional = [
        ("BRIGHT/CONTRAST", "RandomBrightnessContrast", (), {"brightness_limit": 0.3, "contrast_limit": 0.3}),
        ("GAMMA", "RandomGamma", (), {}),
        ("CLAHE", "RandomCLAHE", (), {"clip_limit": (1, 6)}),
        ("EQUALIZE", "Equalize", (), {}),
        ("CUTOUT", "RandomCutout", (), {}),
        ("ELASTIC", "RandomElasticTransform", (), {"alpha": 40.0, "sigma": 5.0}),
    ]
    for label, name, args, kwargs in optional:
        layer = _optional_layer(name, *args, seed=seed, p=1.0, **kwargs)
        if layer is not None:
            rows.append(_layer_row(label, layer))
    return rows


def _to_rgb_uint8(images: tf.Tensor) -> np.ndarray:
    images = tf.convert_to_tensor(images)
    if images.dtype != tf.uint8:
        images = tf.cast(tf.clip_by_value(tf.round(tf.cast(images, tf.float32)), 0, 255), tf.uint8)
    if images.shape[-1] == 1:
        images = tf.repeat(images, 3, axis=-1)
    return images.numpy()


def render_grid(image: tf.Tensor, rows: list[Row], samples: int = 5, margin: int = 4) -> np.ndarray:
    """Grid: one row per augmentation (original first, then ``samples`` draws), label at the left.

    Example:
    >>> grid = render_grid(tf.zeros([8, 8, 3], tf.uint8), [("ID", lambda b: b)], samples=2)
    >>> grid.shape[2]
    3
    """
    image = tf.convert_to_tensor(image)
    height, width = int(image.shape[0]), int(image.shape[1])
    labels = [render_text(label, scale=2) for label, _ in rows]
    label_width = max(label.shape[1] for label in labels) + 2 * margin
    cell_w, cell_h = width + margin, height + margin
    grid = np.full(
        (len(rows) * cell_h + margin, label_width + (samples + 1) * cell_w + margin, 3), 255, np.uint8
    )
    batch = tf.repeat(image[tf.newaxis], samples, axis=0)
    for r, ((_, augment), label) in enumerate(zip(rows, labels, strict=True)):
        top = margin + r * cell_h
        text_top = top + (height - label.shape[0]) // 2
        grid[text_top : text_top + label.shape[0], margin : margin + label.shape[1]][label] = 0
        tiles = [_to_rgb_uint8(image[tf.newaxis])[0], *_to_rgb_uint8(augment(batch))]
        for c, tile in enumerate(tiles):
            left = label_width + c * cell_w
            grid[top : top + height, left : left + width] = tile
    return grid


def write_demo(
    out: str = "keras_aug_demo.png", samples: int = 5, seed: int = 0, size: int | None = None
) -> str:
    """Render the demo grid of the bundled astronaut photo and write it as a PNG; returns the path.

    ``size`` resizes the photo (square) first, e.g. for a small picture in the docs.

    Example:
    >>> write_demo("/tmp/demo.png", samples=2)  # doctest: +SKIP
    '/tmp/demo.png'
    """
    image = sample_image()
    if size is not None:
        image = tf.cast(tf.round(tf.image.resize(image, (size, size), antialias=True)), tf.uint8)
    grid = render_grid(image, default_rows(seed), samples=samples)
    tf.io.write_file(out, tf.io.encode_png(grid))
    return out


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m keras_aug", description="keras_aug command line")
    commands = parser.add_subparsers(dest="command", required=True)
    demo = commands.add_parser("demo", help="write a labeled grid of augmentations of a bundled image")
    demo.add_argument("--out", default="keras_aug_demo.png", help="output PNG path (default: %(default)s)")
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
    path = write_demo(args.out, args.samples, args.seed, args.size)
    print(f"wrote {path}")
