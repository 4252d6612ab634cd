"""`tensorflow-datasets` sources (imported lazily: TFDS is slow to import)."""

from __future__ import annotations

from typing import Sequence

import tensorflow as tf

from keras_gan_zoo.data import images as image_ops
from keras_gan_zoo.pixels import to_model_range


def load_tfds(
    name: str,
    image_size: int | Sequence[int] | None = None,
    channels: int | None = None,
    batch_size: int = 64,
    split: str = "train",
    shuffle: bool = True,
    seed: int | None = None,
    data_dir: str | None = None,
    drop_remainder: bool = False,
    with_labels: bool | None = None,
    image_key: str = "image",
) -> tf.data.Dataset:
    """A TFDS dataset's ``image`` feature (and ``label`` if it has one) as zoo images.

    Images of varying size (e.g. ``celeb_a`` crops, mock data) need ``image_size``.
    """
    import tensorflow_datasets as tfds

    image_ops.check_channels(channels)
    size = image_ops.as_size(image_size)
    try:
        builder = tfds.builder(name, data_dir=data_dir)
    except (tfds.core.registered.DatasetNotFoundError, ValueError) as error:
        raise ValueError(
            f"Unknown data source {name!r}: it is not 'digits', not an existing folder, and "
            f"not a tensorflow-datasets name ({error.__class__.__name__}). For your own images "
            "pass the path of an existing folder."
        ) from None
    features = builder.info.features
    if image_key not in features:
        raise ValueError(f"TFDS dataset {name!r} has no {image_key!r} feature; it has {list(features)}.")
    has_labels = "label" in features
    builder.download_and_prepare()
    dataset = builder.as_dataset(split=split, shuffle_files=shuffle)

    def convert(example):
        image = image_ops.convert_channels(example[image_key], channels)
        image = to_model_range(image_ops.resize(image, size))
        if has_labels:
            return image, tf.cast(example["label"], tf.int32)
        return image

    dataset = dataset.map(convert, num_parallel_calls=tf.data.AUTOTUNE)
    dataset = image_ops.select_labels(dataset, has_labels, with_labels, name)
    return image_ops.finish(dataset, batch_size, shuffle, seed, drop_remainder)
