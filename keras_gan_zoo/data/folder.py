"""A folder of image files (png, jpg, bmp, gif; nested or flat) as a source."""

from __future__ import annotations

from pathlib import Path
from typing import Sequence

import tensorflow as tf

from keras_gan_zoo.data import images as image_ops
from keras_gan_zoo.data.pipeline import Examples
from keras_gan_zoo.pixels import to_model_range

IMAGE_EXTENSIONS = (".png", ".jpg", ".jpeg", ".bmp", ".gif")
_SIGNATURES = {
    ".png": (b"\x89PNG\r\n\x1a\n",),
    ".jpg": (b"\xff\xd8\xff",),
    ".jpeg": (b"\xff\xd8\xff",),
    ".bmp": (b"BM",),
    ".gif": (b"GIF87a", b"GIF89a"),
}


def list_images(folder: str | Path) -> list[Path]:
    """Image files below ``folder`` (recursively, sorted), checked to exist and be readable.

    Raises FileNotFoundError for a missing folder and ValueError for a folder
    without images or a file that is not the image its name says (named).
    """
    root = Path(folder).expanduser()
    if not root.is_dir():
        raise FileNotFoundError(
            f"Data folder {str(folder)!r} does not exist (or is not a folder). Pass a folder "
            f"of {'/'.join(e[1:] for e in IMAGE_EXTENSIONS)} images, 'digits' for the "
            "built-in offline digits, or a tensorflow-datasets name such as 'mnist'."
        )
    files = sorted(p for p in root.rglob("*") if p.is_file() and p.suffix.lower() in IMAGE_EXTENSIONS)
    if not files:
        raise ValueError(
            f"Data folder {str(folder)!r} contains no images (looked for "
            f"{', '.join('*' + e for e in IMAGE_EXTENSIONS)} in it and its sub-folders)."
        )
    for path in files:
        check_image_file(path)
    return files


def check_image_file(path: Path) -> None:
    """Raise ValueError naming ``path`` if it cannot be read or is not the image its suffix says."""
    try:
        with open(path, "rb") as f:
            head = f.read(8)
    except OSError as error:
        raise ValueError(f"Cannot read image file {str(path)!r}: {error}.") from None
    if not any(head.startswith(sig) for sig in _SIGNATURES[path.suffix.lower()]):
        raise ValueError(
            f"Image file {str(path)!r} is not a valid {path.suffix.lstrip('.').upper()} image "
            "(empty, truncated or another format); remove or replace it."
        )


def folder_labels(root: Path, files: list[Path]) -> tuple[list[int], list[str]] | None:
    """Labels from class sub-folders (``root/<class>/<image>``), or None if the layout is flat."""
    parents = [p.parent for p in files]
    if any(parent.parent != root for parent in parents):
        return None
    class_names = sorted({parent.name for parent in parents})
    if len(class_names) < 2:
        return None
    index = {name: i for i, name in enumerate(class_names)}
    return [index[parent.name] for parent in parents], class_names


def decode_image(path: tf.Tensor, size: tuple[int, int] | None, channels: int | None) -> tf.Tensor:
    """Read, decode (any of png/jpg/bmp/gif), convert channels, resize; float32 [0, 255]."""
    # Decode as RGB (every format supports it), then convert: BMP cannot decode to 1 channel.
    image = tf.io.decode_image(tf.io.read_file(path), channels=3, expand_animations=False)
    image.set_shape([None, None, 3])
    return image_ops.resize(image_ops.convert_channels(image, channels), size)


def examples(folder: str | Path, image_size: int | Sequence[int] | None = None,
             channels: int | None = None) -> Examples:
    """The images of a folder (``channels=None`` means RGB), with labels if there is one
    sub-folder per class."""
    image_ops.check_channels(channels)
    size = image_ops.as_size(image_size)
    root = Path(folder).expanduser()
    files = list_images(root)
    labels = folder_labels(root, files)
    labelled = labels is not None
    columns = [str(p) for p in files], labels[0] if labelled else [0] * len(files)

    def decode(path, label):
        image = to_model_range(decode_image(path, size, channels))
        return (image, tf.cast(label, tf.int32)) if labelled else image

    return Examples(tf.data.Dataset.from_tensor_slices(columns), decode,
                    shuffle_buffer=len(files), labelled=labelled)
