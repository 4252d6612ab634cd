"""Datasets for the zoo: ``load(source, ...)`` returns a ready `tf.data.Dataset`.

Sources:
* ``"digits"``: the embedded offline default, 1797 real 8x8 handwritten digits
  (UCI, as shipped by scikit-learn), resized; splits ``train``/``test``/``all``.
* a folder of png/jpg/bmp/gif images (nested or flat; one sub-folder per class
  gives labels). Each file's structure is checked when the folder is indexed, so a
  truncated or damaged file is named before training (`image_files`); images much
  smaller than ``image_size`` give one warning.
* any `tensorflow-datasets` name (``mnist``, ``cifar10``, ``celeb_a``, ...).
* two domains, as unpaired batches ``(images_a, images_b)`` (CoupledGAN):
  ``"digits+edges"``, ``"digits+negative"`` (disjoint halves, the second
  transformed) or ``"A|B"`` for two sources; see `load_two_domains`.
* image-to-image data: `load_paired` (pix2pix's ``(inputs, targets)``) and
  `load_unpaired` (CycleGAN's ``(images_a, images_b)``, trainA/trainB layout).

Images are float32 in [-1, 1], shape ``[batch, H, W, C]``; where the source has
labels the elements are ``(images, labels)`` with int32 labels.

Each source module gives its examples unbatched (`pipeline.Examples`);
`source_examples` picks the source, `pipeline` shuffles, batches and prefetches.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Sequence

from keras_gan_zoo.data import digits, folder, tfds_source
from keras_gan_zoo.data.digits import DIGITS_SPLITS, digits_arrays
from keras_gan_zoo.data.images import looks_like_path
from keras_gan_zoo.data.paired import load_paired
from keras_gan_zoo.data.pipeline import Examples, batch
from keras_gan_zoo.data.transforms import DOMAIN_TRANSFORMS, domain_transform
from keras_gan_zoo.data.two_domains import pair_domains, parse_two_domains, split_domains
from keras_gan_zoo.data.unpaired import load_unpaired
from keras_gan_zoo.tensorflow_import import DATA_PIPELINES, lazy_tensorflow

tf = lazy_tensorflow(DATA_PIPELINES)

__all__ = [
    "DOMAIN_TRANSFORMS",
    "domain_transform",
    "load_two_domains",
    "parse_two_domains",
    "DIGITS_SPLITS",
    "digits_arrays",
    "Examples",
    "load",
    "load_paired",
    "load_unpaired",
    "source_examples",
]


def source_examples(
    source: str | os.PathLike,
    image_size: int | Sequence[int] | None = None,
    channels: int | None = None,
    split: str = "train",
    data_dir: str | None = None,
    shuffle_files: bool = False,
) -> Examples:
    """One source's examples, unbatched: ``"digits"``, a folder, or a TFDS name (``split``,
    ``data_dir`` and ``shuffle_files`` are TFDS's; folders have no splits)."""
    source = os.fspath(source)
    if source == "digits":
        return digits.examples(split, image_size, channels)
    if Path(source).expanduser().exists() or looks_like_path(source):
        return folder.examples(source, image_size, channels)
    return tfds_source.examples(source, split, image_size, channels, data_dir, shuffle_files)


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
        source: ``"digits"``, a folder path, a TFDS name (``"mnist"``,
            ``"cycle_gan/horse2zebra"``...), or two domains (``"digits+edges"``, ``"A|B"``).
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
    examples = source_examples(source, image_size, channels, split, data_dir, shuffle_files=shuffle)
    examples = examples.select_labels(with_labels, source)
    return batch(examples.dataset(shuffle, seed), batch_size, drop_remainder)


def load_two_domains(
    source_a: str | os.PathLike = "digits",
    source_b: str | os.PathLike | None = None,
    transform_b: str | None = "edges",
    image_size: int | Sequence[int] | None = None,
    channels: int | None = None,
    batch_size: int = 64,
    split: str = "train",
    shuffle: bool = True,
    seed: int | None = None,
    data_dir: str | None = None,
    drop_remainder: bool = False,
) -> tf.data.Dataset:
    """Unpaired batches ``(images_a, images_b)``, images in [-1, 1], for CoupledGAN
    (`two_domains`).

    Args:
        source_a: domain a's source (``"digits"``, a folder, a TFDS name).
        source_b: domain b's source; ``None`` splits ``source_a`` into two
            disjoint halves (even / odd positions) and uses the second for b.
        transform_b: ``"edges"``, ``"negative"`` or ``None``, applied to
            domain b (required when ``source_b`` is ``None``).
        image_size, channels: as for `load`; give them when the two sources
            differ in size, or the shapes will not match.
        batch_size, split, shuffle, seed, data_dir, drop_remainder: as for `load`.
            Each domain is shuffled on its own, so batches are unpaired. The
            dataset ends with the shorter domain.
    """
    if source_b is None and transform_b is None:
        raise ValueError(
            "Two domains need a second source (source_b=...) or a transform of the first "
            f"(transform_b= one of {sorted(DOMAIN_TRANSFORMS)})."
        )
    transform = domain_transform(transform_b) if transform_b is not None else None

    def images(source: str | os.PathLike) -> Examples:
        return source_examples(source, image_size, channels, split, data_dir).select_labels(
            False, os.fspath(source))

    domain_a, domain_b = split_domains(
        images(source_a), None if source_b is None else images(source_b), transform)
    shape_a, shape_b = _image_shape(domain_a), _image_shape(domain_b)
    if shape_a is not None and shape_b is not None and shape_a != shape_b:
        raise ValueError(
            f"The two domains have different image shapes: {source_a!r} gives "
            f"{tuple(shape_a)}, {source_b!r} gives {tuple(shape_b)}. Pass image_size=(H, W) "
            "and channels= so both are loaded at the same shape."
        )
    return pair_domains(domain_a, domain_b, batch_size, shuffle, seed, drop_remainder)


def _image_shape(domain: Examples) -> tf.TensorShape | None:
    """A domain's image shape: static if known, else that of its first image."""
    images = domain.dataset()
    if images.element_spec.shape.is_fully_defined():
        return images.element_spec.shape
    for image in images.take(1):
        return image.shape
    return None
