"""Unpaired image-to-image data (CycleGAN): datasets of ``(images_a, images_b)`` in [-1, 1].

Sources (``load_unpaired(source, ...)``):

* ``"digits"`` (the offline default): domain A is digits (light ink on dark),
  domain B is the *negatives* of other digits (dark ink on light): the digits
  at even positions of each split are A, those at odd positions B, so no B
  image is the counterpart of an A image. ``split="test"`` is the held-out digits test split.
* a folder in the layout of the public CycleGAN sets: ``trainA/``, ``trainB/``
  (``testA/``, ``testB/``); ``split`` picks ``<split>A`` and ``<split>B``.
* two folders ``(folder_a, folder_b)`` (each optionally with ``<split>/``).
* a `tensorflow-datasets` ``cycle_gan/<name>`` dataset (``horse2zebra``,
  ``monet2photo``, ...; splits ``trainA``/``trainB``/``testA``/``testB``).

The domains may have different sizes: an epoch has as many pairs as the larger
domain, the smaller one is repeated (re-shuffled each pass), as the authors'
code does. Random jitter (resize up by 286/256, random crop back, horizontal
flip) is on by default for folders and TFDS, off for the digits.
"""

from __future__ import annotations

import dataclasses
import os
from pathlib import Path
from typing import Sequence

import numpy as np
from keras import ops

from keras_gan_zoo.data import digits, folder, tfds_source
from keras_gan_zoo.data import images as image_ops
from keras_gan_zoo.data.paired import offline_size, split_folder
from keras_gan_zoo.data.pipeline import Examples
from keras_gan_zoo.data.transforms import augmentation, negative
from keras_gan_zoo.data.two_domains import pair_domains, split_domains
from keras_gan_zoo.tensorflow_import import DATA_PIPELINES, lazy_tensorflow

tf = lazy_tensorflow(DATA_PIPELINES)


def digits_domains(
    split: str = "train", image_size: int | Sequence[int] | None = 32, channels: int | None = 1
) -> tuple[np.ndarray, np.ndarray]:
    """The offline unpaired default as NumPy ``(images_a, images_b)`` in [-1, 1]: the digits at
    even positions of the split, and the negatives of those at odd positions (the halves of
    `two_domains`, CoupledGAN's ``"digits+negative"``)."""
    images, _ = digits.digits_arrays(split, offline_size(image_size), channels)
    return images[0::2], ops.convert_to_numpy(negative(images[1::2]))


def unpaired_folders(source: str | os.PathLike | Sequence[str | os.PathLike], split: str
                     ) -> tuple[Path, Path]:
    """The two folders of a folder source: ``<root>/<split>A`` and ``<root>/<split>B``, or a pair."""
    if isinstance(source, (tuple, list)):
        if len(source) != 2:
            raise ValueError(f"Pass two folders (folder_a, folder_b), got {len(source)}.")
        return split_folder(source[0], split), split_folder(source[1], split)
    root = Path(source).expanduser()
    folders = root / f"{split}A", root / f"{split}B"
    missing = [str(path) for path in folders if not path.is_dir()]
    if missing:
        raise FileNotFoundError(
            f"Unpaired folder {str(source)!r} needs sub-folders {split}A/ and {split}B/ (the "
            f"CycleGAN layout); missing: {', '.join(missing)}. Or pass two folders (a, b)."
        )
    return folders


def _tfds_domain(name: str, split: str, size: tuple[int, int] | None, channels: int | None,
                 data_dir: str | None, shuffle: bool) -> Examples:
    if not name.startswith("cycle_gan"):
        raise ValueError(
            f"Unpaired source {name!r} is not 'digits', an existing folder, or a TFDS "
            "'cycle_gan/<name>' dataset (e.g. 'cycle_gan/horse2zebra')."
        )
    domain = tfds_source.examples(name, split, size, channels or 3, data_dir, shuffle_files=shuffle)
    # Only TFDS's file order is shuffled, not the photos (as load_unpaired always did).
    return dataclasses.replace(domain.select_labels(False, name), shuffle_buffer=0)


def load_unpaired(
    source: str | os.PathLike | Sequence[str | os.PathLike] = "digits",
    image_size: int | Sequence[int] | None = None,
    channels: int | None = None,
    batch_size: int = 1,
    split: str = "train",
    jitter: bool | None = None,
    flip: bool | None = None,
    shuffle: bool = True,
    seed: int | None = None,
    data_dir: str | None = None,
    drop_remainder: bool = False,
) -> tf.data.Dataset:
    """A batched dataset of ``(images_a, images_b)``, float32 in [-1, 1] (see the module docstring).

    Args:
        source: ``"digits"``, a ``trainA/trainB`` folder, two folders, or
            ``"cycle_gan/<name>"``.
        image_size: ``(H, W)`` or an int (needed for sources of mixed sizes,
            such as TFDS mock data); ``None`` keeps the source's size (32 for
            the digits).
        channels: 1 or 3; ``None`` means 1 for the digits and RGB otherwise.
        batch_size: pairs per batch (the paper uses 1).
        split: ``"train"`` or ``"test"``.
        jitter, flip: random jitter and horizontal flip; ``None`` means on
            for folders and TFDS, off for the digits.
        shuffle, seed: shuffle each pass over each domain; the seed also
            makes the jitter reproducible.
        data_dir: TFDS data directory.
    """
    image_ops.check_channels(channels)
    size = image_ops.as_size(image_size)
    is_digits = isinstance(source, str) and source == "digits"
    augment = augmentation(jitter, flip, photos=not is_digits)
    decode_size = size if augment is None else None  # (the jitter resizes from the source size)
    if is_digits:
        size = offline_size(size)
        domains = split_domains(digits.examples(split, size, channels).select_labels(False, source),
                                transform_b=negative)
    elif (isinstance(source, (tuple, list)) or Path(source).expanduser().exists()
          or image_ops.looks_like_path(source)):
        domains = [folder.examples(path, size, channels, resize=augment is None)
                   .select_labels(False, str(path)) for path in unpaired_folders(source, split)]
    else:
        domains = [_tfds_domain(str(source), f"{split}{domain}", decode_size, channels, data_dir,
                                shuffle) for domain in "AB"]
    return pair_domains(*domains, batch_size, shuffle, seed, drop_remainder, until="longer",
                        augment=augment, size=size, same_shuffle_seed=True)
