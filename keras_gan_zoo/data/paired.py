"""Paired image-to-image data (pix2pix): datasets of ``(inputs, targets)`` in [-1, 1].

Sources (``load_paired(source, ...)``):

* ``"digits"`` (the offline default): the target is a digit of the embedded
  digits set, the input the outline of its strokes (edge image), in the
  spirit of pix2pix's edges->photo tasks. ``split="test"`` is the held-out
  digits test split, which training never sees.
* a folder of side-by-side ``A|B`` images (left half A, right half B), about
  twice as wide as tall (anything else is an error): the layout of the public
  pix2pix archives (``facades/train/1.jpg``, ...). With a ``<folder>/<split>``
  sub-folder, that one is used.
* two folders with matching file names, as ``(folder_a, folder_b)`` or a
  folder holding ``A/`` and ``B/`` (each optionally with ``<split>/`` inside,
  the layout pix2pix's ``combine_A_and_B.py`` reads). Files pair by their path
  relative to the folder, without the extension (``x.png`` pairs ``x.jpg``);
  a file without a partner is an error that names it.

``direction="b_to_a"`` swaps input and target (e.g. facades labels -> photos).
Random jitter (pix2pix sec. 6.2: resize up by 286/256, random crop back,
random horizontal flip) is applied to input and target alike, and is on by
default for folders (photos) and off for the digits (flipping digits would
change the target domain).
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Sequence

import numpy as np
from keras import ops

from keras_gan_zoo.data import images as image_ops
from keras_gan_zoo.data.digits import digits_arrays
from keras_gan_zoo.data.folder import ImageFile, decode_image, list_images, warn_if_upscaled
from keras_gan_zoo.data.pipeline import Examples, batch
from keras_gan_zoo.data.transforms import augmentation, edges, jittered
from keras_gan_zoo.pixels import to_model_range
from keras_gan_zoo.tensorflow_import import DATA_PIPELINES, lazy_tensorflow

tf = lazy_tensorflow(DATA_PIPELINES)

DIRECTIONS = ("a_to_b", "b_to_a")
#: A side-by-side ``A|B`` image is about twice as wide as tall: its width / height lies here.
SIDE_BY_SIDE_RATIOS = (1.8, 2.5)


# --------------------------------------------------------------- shared helpers
def split_folder(folder: str | os.PathLike, split: str) -> Path:
    """``folder/split`` if that sub-folder exists (the public archives' layout), else ``folder``."""
    root = Path(folder).expanduser()
    return root / split if (root / split).is_dir() else root


def offline_size(image_size: int | Sequence[int] | None) -> tuple[int, int]:
    """The digits' size: ``image_size``, or 32 (the U-Net and ResNet want multiples of 4 and of 2**n)."""
    return image_ops.as_size(image_size) or (32, 32)


# ------------------------------------------------------------------ the digits
def digits_pairs(
    split: str = "train", image_size: int | Sequence[int] | None = 32, channels: int | None = 1
) -> tuple[np.ndarray, np.ndarray]:
    """The offline paired default as NumPy ``(edges, digits)``, float32 in [-1, 1]: the input
    is the outline of the digit's strokes (`transforms.edges`), the target the digit."""
    targets, _ = digits_arrays(split, offline_size(image_size), channels)
    return ops.convert_to_numpy(edges(targets)), targets


# -------------------------------------------------------------------- folders
def _stem_index(folder: Path) -> dict[str, ImageFile]:
    index: dict[str, ImageFile] = {}
    for image in list_images(folder):
        key = image.path.relative_to(folder).with_suffix("").as_posix()
        if key in index:
            raise ValueError(
                f"Two images in {str(folder)!r} have the name {key!r} ({index[key].path.name} and "
                f"{image.path.name}); file names (without extension) must be unique to pair them."
            )
        index[key] = image
    return index


def matching_images(folder_a: str | os.PathLike, folder_b: str | os.PathLike
                    ) -> list[tuple[ImageFile, ImageFile]]:
    """``(a, b)`` images of two folders paired by name; ValueError naming a file without partner."""
    folder_a, folder_b = Path(folder_a).expanduser(), Path(folder_b).expanduser()
    index_a, index_b = _stem_index(folder_a), _stem_index(folder_b)
    for index, other_folder in ((index_a, folder_b), (index_b, folder_a)):
        other = index_b if index is index_a else index_a
        missing = sorted(set(index) - set(other))
        if missing:
            raise ValueError(
                f"Image {str(index[missing[0]].path)!r} has no partner in {str(other_folder)!r} "
                f"(expected {missing[0]}.<png|jpg|...> there)"
                + (f"; {len(missing) - 1} more unpaired." if len(missing) > 1 else ".")
            )
    return [(index_a[key], index_b[key]) for key in sorted(index_a)]


def matching_files(folder_a: str | os.PathLike, folder_b: str | os.PathLike) -> list[tuple[str, str]]:
    """``(a, b)`` paths of two folders paired by name (`matching_images`)."""
    return [(str(a.path), str(b.path)) for a, b in matching_images(folder_a, folder_b)]


def check_side_by_side(images: list[ImageFile], folder: Path) -> None:
    """ValueError, showing the two paired layouts, if an image of ``folder`` is not about
    twice as wide as tall (`SIDE_BY_SIDE_RATIOS`): it cannot be an ``A|B`` pair."""
    low, high = SIDE_BY_SIDE_RATIOS
    odd = [image for image in images if not low <= image.size[1] / image.size[0] <= high]
    if odd:
        (height, width), more = odd[0].size, len(odd) - 1
        raise ValueError(
            f"Image {str(odd[0].path)!r} is {height} x {width} (height x width), not a "
            "side-by-side pair" + (f" (nor are {more} more)" if more else "") + ". A paired "
            "(pix2pix) folder holds either side-by-side A|B images, about twice as wide as tall "
            "(the input on the left, the target on the right, e.g. 256 x 512), or the inputs in "
            f"{folder / 'A'}/ and the targets in {folder / 'B'}/ under matching file names."
        )


def paired_layout(source: str | os.PathLike | Sequence[str | os.PathLike], split: str
                  ) -> tuple[list[ImageFile], list[ImageFile] | None]:
    """``(images_a, images_b)`` of a two-folder source, or ``(side_by_side_images, None)``."""
    if isinstance(source, (tuple, list)):
        if len(source) != 2:
            raise ValueError(f"Pass two folders (folder_a, folder_b), got {len(source)}.")
        folder_a, folder_b = (split_folder(folder, split) for folder in source)
    else:
        root = Path(source).expanduser()
        if not ((root / "A").is_dir() and (root / "B").is_dir()):
            images = list_images(split_folder(root, split))
            check_side_by_side(images, root)
            return images, None
        folder_a, folder_b = split_folder(root / "A", split), split_folder(root / "B", split)
    pairs = matching_images(folder_a, folder_b)
    return [a for a, _ in pairs], [b for _, b in pairs]


def split_side_by_side(image: tf.Tensor) -> tuple[tf.Tensor, tf.Tensor]:
    """``A|B`` -> ``(A, B)``: left and right halves (an odd last column is dropped)."""
    half = tf.shape(image)[1] // 2
    return image[:, :half], image[:, half : 2 * half]


def folder_pairs(source: str | os.PathLike | Sequence[str | os.PathLike], split: str,
                 channels: int | None, size: tuple[int, int] | None, resize: bool = True
                 ) -> Examples:
    """``(a, b)`` examples of a folder source (`paired_layout`), resized to ``size`` (``None``:
    b to a's size) unless ``resize=False`` (for the jitter, which resizes from the source).
    Warns if the images (the halves of side-by-side ones) are much smaller than ``size``."""
    images_a, images_b = paired_layout(source, split)
    if images_b is None:
        warn_if_upscaled([(h, w // 2) for h, w in (a.size for a in images_a)], size, source)
    else:
        warn_if_upscaled([image.size for image in images_a + images_b], size, source)

    def decode(*paths):
        if images_b is None:
            a, b = split_side_by_side(decode_image(paths[0], None, channels))
        else:
            a, b = (decode_image(path, None, channels) for path in paths)
        if resize:
            a = image_ops.resize(a, size)
            b = image_ops.resize(b, size or tf.shape(a)[:2])
        return to_model_range(a), to_model_range(b)

    paths_a = [str(a.path) for a in images_a]
    paths = paths_a if images_b is None else (paths_a, [str(b.path) for b in images_b])
    return Examples(tf.data.Dataset.from_tensor_slices(paths), decode,
                    shuffle_buffer=len(images_a))


def load_paired(
    source: str | os.PathLike | Sequence[str | os.PathLike] = "digits",
    image_size: int | Sequence[int] | None = None,
    channels: int | None = None,
    batch_size: int = 1,
    split: str = "train",
    direction: str = "a_to_b",
    jitter: bool | None = None,
    flip: bool | None = None,
    shuffle: bool = True,
    seed: int | None = None,
    drop_remainder: bool = False,
) -> tf.data.Dataset:
    """A batched dataset of ``(inputs, targets)``, float32 in [-1, 1] (see the module docstring).

    Args:
        source: ``"digits"``, a folder of side-by-side images, a folder with
            ``A/`` and ``B/``, or a pair of folders.
        image_size: ``(H, W)`` or an int; ``None`` keeps the source's size
            (32 for the digits).
        channels: 1 or 3; ``None`` means 1 for the digits and RGB for folders.
        batch_size: examples per batch (the paper uses 1).
        split: ``"train"``/``"test"`` for the digits; the sub-folder used if
            present for folders (``train``, ``val``, ``test``).
        direction: ``"a_to_b"`` (input A, target B) or ``"b_to_a"``.
        jitter, flip: random jitter and horizontal flip; ``None`` means on
            for folders and off for the digits.
        shuffle, seed: shuffle each epoch; the seed also makes jitter reproducible.
    """
    if direction not in DIRECTIONS:
        raise ValueError(f"direction must be one of {DIRECTIONS}, got {direction!r}.")
    image_ops.check_channels(channels)
    size = image_ops.as_size(image_size)
    is_digits = isinstance(source, str) and source == "digits"
    augment = augmentation(jitter, flip, photos=not is_digits)
    if is_digits:
        size = offline_size(size)
        inputs, targets = digits_pairs(split, size, channels)
        pairs = Examples(tf.data.Dataset.from_tensor_slices((inputs, targets)),
                         shuffle_buffer=len(inputs))
    else:
        pairs = folder_pairs(source, split, channels, size, resize=augment is None)
    if direction == "b_to_a":
        pairs = pairs.map(lambda a, b: (b, a))
    return batch(jittered(pairs.dataset(shuffle, seed), augment, size, seed), batch_size,
                 drop_remainder)
