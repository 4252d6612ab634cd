"""Datasets for the zoo: ``load(source, ...)`` returns a ready `tf.data.Dataset`.

Sources:
* ``"digits"``: the embedded offline default, 1797 real 8x8 handwritten digits
  (UCI, as shipped by scikit-learn), resized; splits ``train``/``test``/``all``.
* a folder of png/jpg/bmp/gif images (nested or flat; one sub-folder per class
  gives labels).
* any `tensorflow-datasets` name (``mnist``, ``cifar10``, ``celeb_a``, ...).
* two domains, as unpaired batches ``(images_a, images_b)`` (CoupledGAN):
  ``"digits+edges"``, ``"digits+negative"`` (disjoint halves, the second
  transformed) or ``"A|B"`` for two sources; see `load_two_domains`.
* image-to-image data: `load_paired` (pix2pix's ``(inputs, targets)``) and
  `load_unpaired` (CycleGAN's ``(images_a, images_b)``, trainA/trainB layout).

Images are float32 in [-1, 1], shape ``[batch, H, W, C]``; where the source has
labels the elements are ``(images, labels)`` with int32 labels.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Sequence

import tensorflow as tf

from keras_gan_zoo.data.digits import DIGITS_SPLITS, digits_arrays, load_digits
from keras_gan_zoo.data.folder import load_folder
from keras_gan_zoo.data.images import looks_like_path
from keras_gan_zoo.data.paired import load_paired
from keras_gan_zoo.data.tfds_source import load_tfds
from keras_gan_zoo.data.transforms import DOMAIN_TRANSFORMS, domain_transform
from keras_gan_zoo.data.two_domains import load_two_domains, parse_two_domains
from keras_gan_zoo.data.unpaired import load_unpaired

__all__ = [
    "DOMAIN_TRANSFORMS",
    "domain_transform",
    "load_two_domains",
    "parse_two_domains",
    "DIGITS_SPLITS",
    "digits_arrays",
    "load",
    "load_digits",
    "load_folder",
    "load_paired",
    "load_tfds",
    "load_unpaired",
]


def load(
    source: str | os.PathLike = "digits",
    image_size: int | Sequence[int] | None = None,
    channels: int | None = None,
    batch_size: int = 64,
    split: str = "train",
    shuffle: bool = True,
    seed: int | None = None,
    data_dir: str | None = None,
    drop_remainder: bool = False,
    with_labels: bool | None = None,
) -> tf.data.Dataset:
    """A shuffled, batched, prefetched dataset of images in [-1, 1].

    Args:
        source: ``"digits"``, a folder path, or a TFDS name (``"mnist"``,
            ``"cycle_gan/horse2zebra"``...).
        image_size: ``(H, W)`` or an int for square images; ``None`` keeps the
            source's size (28 for digits).
        channels: 1 or 3 to convert; ``None`` keeps the source's channels.
        batch_size: examples per batch.
        split: ``"train"``, ``"test"``, ... (TFDS split syntax for TFDS).
        shuffle, seed: shuffle each epoch, reproducibly for a seed.
        data_dir: TFDS data directory.
        drop_remainder: drop a last partial batch (static shapes, as TPUs need).
        with_labels: ``True`` requires labels (error if the source has none),
            ``False`` drops them, ``None`` keeps them where present.
    """
    source = os.fspath(source)
    two_domains = None if Path(source).expanduser().exists() else parse_two_domains(source)
    if two_domains is not None:
        if with_labels:
            raise ValueError(f"Two-domain source {source!r} has no labels (it yields image pairs).")
        return load_two_domains(*two_domains, image_size=image_size, channels=channels,
                                batch_size=batch_size, split=split, shuffle=shuffle, seed=seed,
                                data_dir=data_dir, drop_remainder=drop_remainder)
    if source == "digits":
        return load_digits(image_size=image_size, channels=channels, batch_size=batch_size,
                           split=split, shuffle=shuffle, seed=seed,
                           drop_remainder=drop_remainder, with_labels=with_labels)
    if Path(source).expanduser().exists() or looks_like_path(source):
        return load_folder(source, image_size=image_size, channels=channels,
                           batch_size=batch_size, shuffle=shuffle, seed=seed,
                           drop_remainder=drop_remainder, with_labels=with_labels)
    return load_tfds(source, image_size=image_size, channels=channels, batch_size=batch_size,
                     split=split, shuffle=shuffle, seed=seed, data_dir=data_dir,
                     drop_remainder=drop_remainder, with_labels=with_labels)
