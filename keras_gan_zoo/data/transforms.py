"""Image transforms of the sources: domain transforms (edges, negatives) and random jitter.

The domain transforms make a second domain of the digits (Liu & Tuzel 2016,
sec. 5: edge and negative images); pix2pix's random jitter (Isola et al.
2017, sec. 6.2) augments photos for pix2pix and CycleGAN.
"""

from __future__ import annotations

from typing import Callable, NamedTuple, Sequence

import numpy as np

from keras_gan_zoo.data import images as image_ops
from keras_gan_zoo.pixels import to_model_range, to_unit_range
from keras_gan_zoo.tensorflow_import import DATA_PIPELINES, lazy_tensorflow

tf = lazy_tensorflow(DATA_PIPELINES)

#: pix2pix's jitter: images loaded at 286 px and randomly cropped to 256.
JITTER_SCALE = 286 / 256


# ---------------------------------------------------------- domain transforms
def negative(images: tf.Tensor) -> tf.Tensor:
    """Negative image (``1 - x`` in [0, 1]; ``-x`` in the model range [-1, 1])."""
    return -tf.cast(images, tf.float32)


def edges(images: tf.Tensor, width: int = 3, gain: float = 2.0) -> tf.Tensor:
    """Edge image: the outlines of the strokes, in [-1, 1].

    The morphological gradient (dilation minus erosion over a ``width`` x
    ``width`` window) of the image in [0, 1], times ``gain`` and clipped to
    [0, 1]: the soft-edged up-sampled digits get bright outlines of about
    ``width`` pixels. Takes ``[H, W, C]`` or ``[N, H, W, C]``.
    """
    images = tf.cast(images, tf.float32)
    batched = images if images.shape.rank == 4 else images[None]
    unit = to_unit_range(batched)
    dilation = tf.nn.max_pool2d(unit, width, 1, "SAME")
    erosion = -tf.nn.max_pool2d(-unit, width, 1, "SAME")
    result = to_model_range(tf.clip_by_value((dilation - erosion) * gain, 0.0, 1.0), maximum=1.0)
    return result if images.shape.rank == 4 else result[0]


#: Domain transforms by name, for ``transform_b`` and the ``"source+name"`` spelling.
DOMAIN_TRANSFORMS: dict[str, Callable[[tf.Tensor], tf.Tensor]] = {
    "edges": edges,
    "negative": negative,
}


def domain_transform(name: str) -> Callable[[tf.Tensor], tf.Tensor]:
    """The transform called ``name`` (``"edges"`` or ``"negative"``)."""
    try:
        return DOMAIN_TRANSFORMS[name]
    except KeyError:
        raise ValueError(
            f"Unknown domain transform {name!r}; choose one of {sorted(DOMAIN_TRANSFORMS)}."
        ) from None


# --------------------------------------------------------------- random jitter
class Augmentation(NamedTuple):
    """Random jitter: resize by ``scale`` (1: none), random crop back, left-right flip if ``flip``."""

    scale: float
    flip: bool


def augmentation(jitter: bool | None, flip: bool | None, photos: bool) -> Augmentation | None:
    """The random augmentation asked for, or None for none. Defaults: jitter and flip on
    for photos (folders, TFDS), off for the digits (flipping digits changes them)."""
    jitter = photos if jitter is None else bool(jitter)
    flip = jitter if flip is None else bool(flip)
    return Augmentation(JITTER_SCALE if jitter else 1.0, flip) if jitter or flip else None


def random_jitter(images: Sequence[tf.Tensor], seed: tf.Tensor, size: tuple[int, int] | None,
                  flip: bool, scale: float = JITTER_SCALE) -> list[tf.Tensor]:
    """pix2pix's random jitter, applied alike to each ``[H, W, C]`` image of ``images`` (a pair
    moves together): resize to ``scale`` times ``size`` (default: the first image's size), crop
    back to ``size`` at a random place, flip left-right with probability 0.5 if ``flip``
    (``scale=1``: flip only). ``seed`` is a stateless seed ``[2]``."""
    target = tf.constant(size, tf.int32) if size is not None else tf.shape(images[0])[:2]
    larger = tf.cast(tf.round(tf.cast(target, tf.float32) * scale), tf.int32)
    stacked = tf.concat([image_ops.resize(image, larger) for image in images], axis=-1)
    crop_seed, flip_seed = tf.unstack(tf.random.experimental.stateless_split(seed, 2))
    stacked = tf.image.stateless_random_crop(
        stacked, tf.concat([target, tf.shape(stacked)[2:]], axis=0), seed=crop_seed)
    if flip:
        stacked = tf.image.stateless_random_flip_left_right(stacked, seed=flip_seed)
    ends = np.cumsum([image.shape[-1] for image in images])
    return [stacked[..., end - image.shape[-1] : end] for image, end in zip(images, ends)]


def jittered(dataset: tf.data.Dataset, augment: Augmentation | None,
             size: tuple[int, int] | None, seed: int | None) -> tf.data.Dataset:
    """``dataset`` (of images or of image pairs, which move together) with `random_jitter` to
    ``size``: fresh random draws each pass, reproducible for an int ``seed``. No-op for
    ``augment=None``."""
    if augment is None:
        return dataset
    seeds = tf.data.Dataset.random(seed=seed, rerandomize_each_iteration=True)
    seeds = seeds.batch(2, drop_remainder=True)

    def jitter(example, pair_seed):
        images = example if isinstance(example, tuple) else (example,)
        images = random_jitter(images, tf.cast(pair_seed, tf.int32), size, augment.flip,
                               augment.scale)
        return tuple(images) if isinstance(example, tuple) else images[0]

    return tf.data.Dataset.zip((dataset, seeds)).map(jitter, num_parallel_calls=tf.data.AUTOTUNE)
