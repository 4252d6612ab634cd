"""A folder of image files (png, jpg, bmp, gif; nested or flat) as a source."""

from __future__ import annotations

import warnings
from pathlib import Path
from typing import NamedTuple, Sequence

from keras_gan_zoo.data import images as image_ops
from keras_gan_zoo.data.image_files import IMAGE_EXTENSIONS, read_image_size
from keras_gan_zoo.data.pipeline import Examples
from keras_gan_zoo.pixels import to_model_range
from keras_gan_zoo.tensorflow_import import DATA_PIPELINES, lazy_tensorflow

tf = lazy_tensorflow(DATA_PIPELINES)

#: Images more than this many times smaller than the size they are loaded at (in height or
#: width) are "much smaller": upscaling them blurs them, so `warn_if_upscaled` says so.
MAX_UPSCALE = 2.0

#: Images with more pixels than this are refused (from their headers, before decoding): the
#: loader decodes every image whole each epoch before resizing it, which took 8.8 s for one
#: 4000 x 4000 PNG on 2 busy CPU cores (`decode_image` of one file); a 12000 x 12000 one
#: stalled the loader for minutes without a word.
MAX_PIXELS = 4096 * 4096


class ImageFile(NamedTuple):
    """An image file and its ``(height, width)``, read from its header."""

    path: Path
    size: tuple[int, int]


def list_images(folder: str | Path) -> list[ImageFile]:
    """The image files below ``folder`` (recursively, sorted by path) with their sizes, each
    checked to be a whole image of its kind (`image_files.read_image_size`).

    Raises FileNotFoundError for a missing folder and ValueError for a folder
    without images or a file that is not a whole image of the kind its name says (named).
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
    images = [ImageFile(path, read_image_size(path)) for path in files]
    huge = [image for image in images if image.size[0] * image.size[1] > MAX_PIXELS]
    if huge:
        largest = max(huge, key=lambda image: image.size[0] * image.size[1])
        raise ValueError(
            f"{len(huge)} of the {len(images)} images of {str(folder)!r} have more than 4096 x "
            f"4096 pixels, the largest {str(largest.path)!r} ({largest.size[0]} x "
            f"{largest.size[1]}); the loader would decode each one whole every epoch (minutes). "
            "downscale them once first (e.g. PIL: image.thumbnail((1024, 1024)); "
            "ImageMagick: mogrify -resize '1024x1024>' FILES).")
    return images


def warn_if_upscaled(sizes: Sequence[tuple[int, int]], size: tuple[int, int] | None,
                     source: str | Path) -> None:
    """One warning, with the sizes, if some of ``sizes`` are much smaller (`MAX_UPSCALE`) than
    the ``size`` they are loaded at; ``source`` names them."""
    if size is None:
        return
    small = [s for s in sizes if s[0] * MAX_UPSCALE < size[0] or s[1] * MAX_UPSCALE < size[1]]
    if not small:
        return
    smallest = min(small, key=lambda s: s[0] * s[1])
    scale = max(size[0] / smallest[0], size[1] / smallest[1])
    warnings.warn(
        f"{len(small)} of the {len(sizes)} images of {str(source)!r} are much smaller than the "
        f"{size[0]} x {size[1]} (height x width) they are loaded at; the smallest, "
        f"{smallest[0]} x {smallest[1]}, is upscaled {scale:.1f} times, which blurs it. Use "
        "larger images, or a smaller size (image_size=; the CLI's --set image_shape=[H,W,C]).",
        stacklevel=2,
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
             channels: int | None = None, resize: bool = True) -> Examples:
    """The images of a folder (``channels=None`` means RGB), with labels if there is one
    sub-folder per class; resized to ``image_size`` unless ``resize=False`` (for the jitter,
    which resizes from the source). Warns if images are much smaller than ``image_size``."""
    image_ops.check_channels(channels)
    size = image_ops.as_size(image_size)
    root = Path(folder).expanduser()
    files = list_images(root)
    warn_if_upscaled([f.size for f in files], size, folder)
    paths = [f.path for f in files]
    labels = folder_labels(root, paths)
    labelled = labels is not None
    columns = [str(p) for p in paths], labels[0] if labelled else [0] * len(paths)
    decode_size = size if resize else None

    def decode(path, label):
        image = to_model_range(decode_image(path, decode_size, channels))
        return (image, tf.cast(label, tf.int32)) if labelled else image

    return Examples(tf.data.Dataset.from_tensor_slices(columns), decode,
                    shuffle_buffer=len(files), labelled=labelled)
