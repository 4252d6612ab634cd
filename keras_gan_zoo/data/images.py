"""Image conversions and the pipeline tail shared by every source."""

from __future__ import annotations

from typing import Sequence

import tensorflow as tf


def looks_like_path(source: object) -> bool:
    """True for sources written as paths (``./x``, ``/x``, ``~/x``), even if missing:
    they are folders, never dataset names."""
    return str(source).startswith((".", "/", "~"))


def as_size(image_size: int | Sequence[int] | None) -> tuple[int, int] | None:
    """``28 -> (28, 28)``; ``(H, W) -> (H, W)``; ``None`` stays ``None``."""
    if image_size is None:
        return None
    if isinstance(image_size, int):
        return (image_size, image_size)
    size = tuple(int(s) for s in image_size)
    if len(size) == 3:  # an image_shape was passed
        size = size[:2]
    if len(size) != 2 or min(size) < 1:
        raise ValueError(f"image_size must be an int or (height, width), got {image_size!r}.")
    return size


def check_channels(channels: int | None) -> None:
    if channels not in (None, 1, 3):
        raise ValueError(f"channels must be 1 (grayscale), 3 (RGB) or None, got {channels!r}.")


def convert_channels(image: tf.Tensor, channels: int | None) -> tf.Tensor:
    """Grayscale <-> RGB (alpha dropped) for one image ``[H, W, C]`` or a batch."""
    if channels is None:
        return image
    have = image.shape[-1]
    if have == 4:
        image, have = image[..., :3], 3
    if have == channels:
        return image
    if channels == 1:
        return tf.image.rgb_to_grayscale(image)
    return tf.image.grayscale_to_rgb(image)


def resize(image: tf.Tensor, size: tuple[int, int] | None) -> tf.Tensor:
    """Bilinear resize with antialiasing (float32 out); no-op for ``None``."""
    image = tf.cast(image, tf.float32)
    if size is None:
        return image
    return tf.image.resize(image, size, method="bilinear", antialias=True)


def finish(
    dataset: tf.data.Dataset,
    batch_size: int,
    shuffle: bool,
    seed: int | None,
    drop_remainder: bool,
    shuffle_buffer: int = 10_000,
) -> tf.data.Dataset:
    """Shuffle, batch and prefetch (shared tail of every source)."""
    if batch_size < 1:
        raise ValueError(f"batch_size must be positive, got {batch_size}.")
    if shuffle:
        dataset = dataset.shuffle(shuffle_buffer, seed=seed, reshuffle_each_iteration=True)
    return dataset.batch(batch_size, drop_remainder=drop_remainder).prefetch(tf.data.AUTOTUNE)


def select_labels(dataset: tf.data.Dataset, has_labels: bool, with_labels: bool | None,
                  source: str) -> tf.data.Dataset:
    """Keep, drop or demand the labels of an ``(image, label)`` dataset."""
    if with_labels and not has_labels:
        raise ValueError(
            f"Source {source!r} has no labels, but this use needs (image, label) pairs. "
            "Use a labelled source: 'digits', a TFDS dataset with a 'label' feature, or a "
            "folder with one sub-folder per class."
        )
    if has_labels and with_labels is False:
        return dataset.map(lambda image, label: image)
    return dataset
