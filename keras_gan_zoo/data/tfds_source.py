"""`tensorflow-datasets` sources (imported lazily: TFDS is slow to import)."""

from __future__ import annotations

import contextlib
import sys
import urllib.error
from typing import Sequence

import requests

from keras_gan_zoo.data import images as image_ops
from keras_gan_zoo.data.pipeline import Examples
from keras_gan_zoo.pixels import to_model_range
from keras_gan_zoo.tensorflow_import import DATA_PIPELINES, lazy_tensorflow

tf = lazy_tensorflow(DATA_PIPELINES)

#: What a download raises without a network (TFDS downloads with ``requests``).
NETWORK_ERRORS = (requests.exceptions.RequestException, ConnectionError, TimeoutError,
                  urllib.error.URLError)


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
    try:
        # TFDS's progress bars go to stdout, as Keras' progress bar does: stderr is kept for
        # errors (offline, the CLI prints one line there).
        with contextlib.redirect_stderr(sys.stdout):
            builder.download_and_prepare()
    except (*NETWORK_ERRORS, tfds.download.DownloadError) as error:
        raise ValueError(
            f"Could not download TFDS dataset {name!r} ({type(error).__name__}: "
            f"{_first_line(error)}), and it is not prepared in "
            f"{data_dir or tfds.core.constants.DATA_DIR!r}. Prepare it where there is a network "
            f"(`tfds build {name}`) and pass that data folder with --data-dir (data_dir= in Python)."
        ) from error

    def decode(example):
        image = image_ops.convert_channels(example[image_key], channels)
        image = to_model_range(image_ops.resize(image, size))
        return (image, tf.cast(example["label"], tf.int32)) if labelled else image

    return Examples(builder.as_dataset(split=split, shuffle_files=shuffle_files), decode,
                    labelled=labelled)


def _first_line(error: BaseException, limit: int = 200) -> str:
    """The first line of an error's message, at most ``limit`` characters (for one-line errors)."""
    return (str(error).strip().splitlines() or [""])[0][:limit]
