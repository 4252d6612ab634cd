"""`tensorflow-datasets` sources (imported lazily: TFDS is slow to import)."""

from __future__ import annotations

from typing import Sequence

import tensorflow as tf

from keras_gan_zoo.data import images as image_ops
from keras_gan_zoo.data.pipeline import Examples
from keras_gan_zoo.pixels import to_model_range


def examples(
    name: str,
    split: str = "train",
    image_size: int | Sequence[int] | None = None,
    channels: int | None = None,
    data_dir: str | None = None,
    shuffle_files: bool = False,
    image_key: str = "image",
) -> Examples:
    """A TFDS dataset's ``image`` feature (and ``label`` if it has one) as examples.

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
    labelled = "label" in features
    builder.download_and_prepare()

    def decode(example):
        image = image_ops.convert_channels(example[image_key], channels)
        image = to_model_range(image_ops.resize(image, size))
        return (image, tf.cast(example["label"], tf.int32)) if labelled else image

    return Examples(builder.as_dataset(split=split, shuffle_files=shuffle_files), decode,
                    labelled=labelled)
