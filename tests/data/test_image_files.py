"""Image files checked when a folder is indexed (`keras_gan_zoo.data.image_files`): the size
TensorFlow decodes, and a named error for what TensorFlow's decoder would fail on mid-epoch."""

import io

import numpy as np
import pytest
import tensorflow as tf
from PIL import Image

from keras_gan_zoo.data.image_files import read_image_size

PIXELS = np.random.default_rng(0).integers(0, 256, (37, 53, 3), dtype=np.uint8)  # odd, non-square


def encoded(fmt: str, mode: str = "RGB", **options) -> bytes:
    buffer = io.BytesIO()
    Image.fromarray(PIXELS).convert(mode).save(buffer, fmt, **options)
    return buffer.getvalue()


def animated_gif() -> bytes:
    frames = [Image.fromarray(np.roll(PIXELS, i, axis=0)).convert("P") for i in range(3)]
    buffer = io.BytesIO()
    frames[0].save(buffer, "GIF", save_all=True, append_images=frames[1:])
    return buffer.getvalue()


WHOLE = {
    "png-rgb": (".png", lambda: encoded("PNG")),
    "png-palette": (".png", lambda: encoded("PNG", "P")),
    "png-rgba": (".png", lambda: encoded("PNG", "RGBA")),
    "jpeg": (".jpg", lambda: encoded("JPEG")),
    "jpeg-progressive-gray": (".jpeg", lambda: encoded("JPEG", "L", progressive=True)),
    "jpeg-with-trailing-data": (".jpg", lambda: encoded("JPEG") + b"trailer" * 1000),
    "gif": (".gif", lambda: encoded("GIF", "P")),
    "gif-animated": (".gif", animated_gif),
    "bmp-24": (".bmp", lambda: encoded("BMP")),
    "bmp-32": (".bmp", lambda: encoded("BMP", "RGBA")),
    "bmp-gray": (".bmp", lambda: encoded("BMP", "L")),
}


@pytest.mark.parametrize("name", WHOLE)
def test_whole_images_give_the_size_tensorflow_decodes(tmp_path, name):
    suffix, make = WHOLE[name]
    path = tmp_path / f"image{suffix}"
    path.write_bytes(make())
    decoded = tf.io.decode_image(path.read_bytes(), channels=3, expand_animations=False)
    assert read_image_size(path) == tuple(decoded.shape[:2]) == (37, 53)


@pytest.mark.parametrize("name", ["png-rgb", "jpeg", "jpeg-progressive-gray", "gif", "gif-animated",
                                  "bmp-24"])
@pytest.mark.parametrize("keep", [0.5, -1, -2])
def test_a_truncated_image_is_named_where_the_decoder_would_fail(tmp_path, name, keep):
    suffix, make = WHOLE[name]
    data = make()
    data = data[: int(len(data) * keep)] if keep > 0 else data[:keep]
    path = tmp_path / f"cut{suffix}"
    path.write_bytes(data)
    try:
        tf.io.decode_image(data, channels=3, expand_animations=False)
    except tf.errors.InvalidArgumentError:
        with pytest.raises(ValueError, match=rf"cut\{suffix}.* not a valid .*(truncated|bytes)"):
            read_image_size(path)
    else:  # e.g. a GIF without its trailer byte, or an animation cut after its first frame
        assert read_image_size(path) == (37, 53)


def test_zero_filled_png_after_its_signature_is_named(tmp_path):
    path = tmp_path / "zeros.png"
    path.write_bytes(encoded("PNG")[:8] + bytes(200))
    with pytest.raises(ValueError, match=r"zeros\.png.* not a valid PNG"):
        read_image_size(path)


@pytest.mark.parametrize("mode, reason", [("1", "bits per pixel"), ("P", "colour indices")])
def test_bmp_that_tensorflow_misreads_or_cannot_read_is_named(tmp_path, mode, reason):
    path = tmp_path / "odd.bmp"
    path.write_bytes(encoded("BMP", mode))
    with pytest.raises(ValueError, match=rf"odd\.bmp.*{reason}.*convert it"):
        read_image_size(path)
