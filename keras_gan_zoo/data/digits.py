"""The embedded offline default: real handwritten digits.

``digits.npz`` holds the 1797 8x8 images (values 0..16) and labels of the UCI
"Optical Recognition of Handwritten Digits" test set (Alpaydin & Kaynak 1998,
CC BY 4.0), as shipped by scikit-learn's ``load_digits``; see DIGITS_LICENSE.txt.
"""

from __future__ import annotations

import functools
from importlib import resources
from typing import Sequence

import numpy as np

from keras_gan_zoo.data import images as image_ops
from keras_gan_zoo.data.pipeline import Examples
from keras_gan_zoo.pixels import to_model_range
from keras_gan_zoo.tensorflow_import import DATA_PIPELINES, lazy_tensorflow, optional_tensorflow

tf = lazy_tensorflow(DATA_PIPELINES)

#: Fixed, disjoint splits: a seeded permutation, 80% train / 20% test.
DIGITS_SPLITS = ("train", "test", "all")
_TRAIN_FRACTION = 0.8


@functools.lru_cache(maxsize=1)
def _raw_digits() -> tuple[np.ndarray, np.ndarray]:
    with resources.files("keras_gan_zoo.data").joinpath("digits.npz").open("rb") as f:
        archive = np.load(f)
        return archive["images"], archive["labels"]


def digits_arrays(
    split: str = "train",
    image_size: int | Sequence[int] | None = 28,
    channels: int | None = 1,
) -> tuple[np.ndarray, np.ndarray]:
    """``(images, labels)`` as NumPy: float32 images in [-1, 1] ``[N, H, W, C]``, int32 labels."""
    if split not in DIGITS_SPLITS:
        raise ValueError(f"Unknown digits split {split!r}; choose one of {DIGITS_SPLITS}.")
    image_ops.check_channels(channels)
    raw, labels = _raw_digits()
    order = np.random.default_rng(0).permutation(len(raw))
    cut = int(len(raw) * _TRAIN_FRACTION)
    index = {"train": order[:cut], "test": order[cut:], "all": np.arange(len(raw))}[split]
    pixels = raw[index].astype(np.float32)[..., None] * (255.0 / 16.0)
    size = image_ops.as_size(image_size if image_size is not None else 28)
    pixels = image_ops.resize(pixels, size)
    pixels = image_ops.convert_channels(pixels, channels if channels is not None else 1)
    clip = np.clip if optional_tensorflow() is None else tf.clip_by_value  # NumPy without TensorFlow
    images = np.asarray(to_model_range(clip(pixels, 0.0, 255.0)))
    return images, labels[index].astype(np.int32)


def examples(split: str = "train", image_size: int | Sequence[int] | None = 28,
             channels: int | None = 1) -> Examples:
    """The digits as labelled examples ``(image, label)`` (`digits_arrays`)."""
    images, labels = digits_arrays(split, image_size, channels)
    return Examples(tf.data.Dataset.from_tensor_slices((images, labels)),
                    shuffle_buffer=len(images), labelled=True)
