"""`keras_gan_zoo.data.folder`: image folders, flat, nested or with class subfolders, and
their errors."""

import numpy as np
import pytest
import tensorflow as tf
from PIL import Image

import keras_gan_zoo as zoo


def _write(path, size=(20, 12), mode="RGB", value=200):
    path.parent.mkdir(parents=True, exist_ok=True)
    Image.new(mode, size, value if mode == "L" else (value, 0, 0)).save(path)


def test_folder_of_mixed_images_nested_and_flat(tmp_path):
    _write(tmp_path / "a.png")
    _write(tmp_path / "nested" / "deeper" / "b.jpg", mode="L", size=(9, 30))
    _write(tmp_path / "c.bmp", value=0)
    images = next(iter(zoo.data.load(str(tmp_path), image_size=16, channels=1, batch_size=8,
                                     shuffle=False)))
    assert images.shape == (3, 16, 16, 1)
    assert float(tf.reduce_min(images)) >= -1.0 and float(tf.reduce_max(images)) <= 1.0


def test_folder_with_class_subfolders_gives_labels(tmp_path):
    for cls, value in (("cats", 10), ("dogs", 250)):
        for i in range(3):
            _write(tmp_path / cls / f"{i}.png", mode="L", value=value)
    images, labels = next(iter(zoo.data.load(str(tmp_path), image_size=8, channels=1,
                                             batch_size=6, seed=0)))
    # Each label goes with its own image (dark cats = 0, bright dogs = 1).
    brightness = tf.reduce_mean(images, axis=[1, 2, 3]).numpy()
    np.testing.assert_array_equal(labels.numpy(), (brightness > 0).astype(np.int32))


def test_missing_folder_names_the_folder_and_the_alternatives(tmp_path):
    missing = tmp_path / "no_such_folder"
    with pytest.raises(FileNotFoundError) as error:
        zoo.data.load(str(missing))
    assert str(missing) in str(error.value) and "'digits'" in str(error.value)


def test_empty_folder_is_an_error(tmp_path):
    (tmp_path / "notes.txt").write_text("no images here")
    with pytest.raises(ValueError, match="contains no images"):
        zoo.data.load(str(tmp_path))


def test_unreadable_image_is_named(tmp_path):
    _write(tmp_path / "good.png")
    (tmp_path / "broken.jpg").write_bytes(b"this is not a jpeg")
    with pytest.raises(ValueError, match="broken.jpg"):
        zoo.data.load(str(tmp_path))


def test_labels_required_but_absent(tmp_path):
    _write(tmp_path / "a.png")
    with pytest.raises(ValueError, match="has no labels"):
        zoo.data.load(str(tmp_path), image_size=8, with_labels=True)
