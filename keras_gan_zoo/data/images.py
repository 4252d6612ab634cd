"""Image conversions shared by the sources (one image ``[H, W, C]`` or a batch)."""

from __future__ import annotations

from typing import Sequence

from keras_gan_zoo.tensorflow_import import DATA_PIPELINES, lazy_tensorflow, optional_tensorflow

tf = lazy_tensorflow(DATA_PIPELINES)


def looks_like_path(source: object) -> bool:
    """True for sources written as paths (``./x``, ``/x``, ``~/x``), even if missing:
    they are folders, never dataset names."""
    return str(source).startswith((".", "/", "~"))


def as_size(image_size: int | Sequence[int] | None) -> tuple[int, int] | None:
    """``28 -> (28, 28)``; ``(H, W) -> (H, W)``; ``None`` stays ``None``."""
    if image_size is None:
        return None
    if isinstance(image_size, int):
        return (image_size, image_size)
    size = tuple(int(s) for s in image_size)
    if len(size) == 3:  # an image_shape was passed
        size = size[:2]
    if len(size) != 2 or min(size) < 1:
        raise ValueError(f"image_size must be an int or (height, width), got {image_size!r}.")
    return size


def check_channels(channels: int | None) -> None:
    if channels not in (None, 1, 3):
        raise ValueError(f"channels must be 1 (grayscale), 3 (RGB) or None, got {channels!r}.")


def convert_channels(image: tf.Tensor, channels: int | None) -> tf.Tensor:
    """Grayscale <-> RGB (alpha dropped) for one image ``[H, W, C]`` or a batch."""
    if channels is None:
        return image
    have = image.shape[-1]
    if have == 4:
        image, have = image[..., :3], 3
    if have == channels:
        return image
    if optional_tensorflow() is None:  # NumPy images (`digits_arrays`): Keras' ops, NumPy out
        from keras import ops

        converted = (ops.image.rgb_to_grayscale(image) if channels == 1
                     else ops.concatenate([image] * 3, axis=-1))
        return ops.convert_to_numpy(converted)
    if channels == 1:
        return tf.image.rgb_to_grayscale(image)
    return tf.image.grayscale_to_rgb(image)


def resize(image: tf.Tensor, size: tuple[int, int] | None) -> tf.Tensor:
    """Bilinear resize with antialiasing (float32 out); no-op for ``None``. Without
    TensorFlow (NumPy images: `digits_arrays`) Keras' resize, the same kernel, NumPy out."""
    if optional_tensorflow() is None:
        from keras import ops

        image = ops.cast(image, "float32")
        if size is not None:
            image = ops.image.resize(image, size, interpolation="bilinear", antialias=True)
        return ops.convert_to_numpy(image)
    image = tf.cast(image, tf.float32)
    if size is None:
        return image
    return tf.image.resize(image, size, method="bilinear", antialias=True)
