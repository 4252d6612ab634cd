"""Two-domain data: unpaired batches ``(images_a, images_b)`` (CoupledGAN).

The offline default follows the MNIST experiments of Liu & Tuzel 2016
(sec. 5): domain a is digits, domain b a transformed copy of digits (edge
images, or negative images), made from a *disjoint* half of the data so that
no digit image appears in both domains and nothing tells the model which
images correspond. Spelled as a source for `keras_gan_zoo.data.load`:

* ``"digits+edges"``, ``"digits+negative"``: one source, split into two
  halves (even / odd positions), domain b the transform of the second half;
* ``"A|B"``: two sources (any the data module supports), e.g.
  ``"./photos|./paintings"``; ``"A|B+negative"`` also transforms domain b.
"""

from __future__ import annotations

import os
from typing import Sequence

import tensorflow as tf

from keras_gan_zoo.data import images as image_ops
from keras_gan_zoo.data.transforms import DOMAIN_TRANSFORMS, domain_transform


def parse_two_domains(source: str) -> tuple[str, str | None, str | None] | None:
    """``(source_a, source_b, transform_b)`` for a two-domain spelling
    (``"digits+edges"``, ``"A|B"``, ``"A|B+negative"``), else ``None``."""
    parts = source.split("|")
    if len(parts) > 2:
        return None
    transform = None
    head, plus, tail = parts[-1].rpartition("+")
    if plus and tail in DOMAIN_TRANSFORMS:
        parts[-1], transform = head, tail
    if len(parts) == 1 and transform is None:
        return None
    if not all(parts):
        raise ValueError(f"Malformed two-domain source {source!r}: empty source name.")
    return parts[0], parts[1] if len(parts) == 2 else None, transform


def _image_shape(domain: tf.data.Dataset) -> tf.TensorShape | None:
    """A domain's image shape: static if known, else that of its first image."""
    shape = domain.element_spec.shape
    if shape.is_fully_defined():
        return shape
    for image in domain.take(1):
        return image.shape
    return None


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
    """Unpaired batches ``(images_a, images_b)``, images in [-1, 1], for CoupledGAN.

    Args:
        source_a: domain a's source (any `load` source: ``"digits"``, a
            folder, a TFDS name).
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
    from keras_gan_zoo.data import load  # the dispatcher imports this module

    if source_b is None and transform_b is None:
        raise ValueError(
            "Two domains need a second source (source_b=...) or a transform of the first "
            f"(transform_b= one of {sorted(DOMAIN_TRANSFORMS)})."
        )
    transform = domain_transform(transform_b) if transform_b is not None else None
    def examples(source: str | os.PathLike) -> tf.data.Dataset:
        # Batches of one, unwrapped: unlike `unbatch`, keeps a known cardinality.
        batches = load(source, image_size=image_size, channels=channels, batch_size=1,
                       split=split, shuffle=False, data_dir=data_dir, with_labels=False)
        return batches.map(lambda images: images[0])

    if source_b is None:
        everything = examples(source_a)
        domain_a, domain_b = everything.shard(2, 0), everything.shard(2, 1)
    else:
        domain_a, domain_b = examples(source_a), examples(source_b)
    if transform is not None:
        domain_b = domain_b.map(transform, num_parallel_calls=tf.data.AUTOTUNE)
    shape_a, shape_b = _image_shape(domain_a), _image_shape(domain_b)
    if shape_a is not None and shape_b is not None and shape_a != shape_b:
        raise ValueError(
            f"The two domains have different image shapes: {source_a!r} gives "
            f"{tuple(shape_a)}, {source_b!r} gives {tuple(shape_b)}. Pass image_size=(H, W) "
            "and channels= so both are loaded at the same shape."
        )
    seed_b = None if seed is None else seed + 1
    return tf.data.Dataset.zip((
        image_ops.finish(domain_a, batch_size, shuffle, seed, drop_remainder),
        image_ops.finish(domain_b, batch_size, shuffle, seed_b, drop_remainder),
    ))
