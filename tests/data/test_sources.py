import re
from pathlib import Path

import numpy as np
import pytest
import requests
import tensorflow as tf
from PIL import Image

import keras_gan_zoo as zoo
from keras_gan_zoo.data import digits_arrays
from tests.cli_capture import run_cli, tiny_gan_args

REPO = Path(__file__).resolve().parents[2]
NETWORK_DOWN = "network disabled by the test"


def test_digits_are_real_scaled_and_split_without_overlap():
    train_x, train_y = digits_arrays("train")
    test_x, test_y = digits_arrays("test")
    assert train_x.shape == (1437, 28, 28, 1) and test_x.shape == (360, 28, 28, 1)
    assert train_x.min() == pytest.approx(-1.0) and 0.9 < train_x.max() <= 1.0
    assert set(np.unique(train_y)) == set(range(10)) == set(np.unique(test_y))
    # No image of one split appears in the other.
    train_keys = {x.tobytes() for x in train_x}
    assert not any(x.tobytes() in train_keys for x in test_x)


def test_digits_dataset_batches_resizes_and_converts():
    dataset = zoo.data.load("digits", image_size=32, channels=3, batch_size=16, seed=0)
    images, labels = next(iter(dataset))
    assert images.shape == (16, 32, 32, 3) and images.dtype == tf.float32
    assert labels.dtype == tf.int32
    assert -1.0 <= float(tf.reduce_min(images)) and float(tf.reduce_max(images)) <= 1.0
    only_images = next(iter(zoo.data.load("digits", batch_size=4, with_labels=False)))
    assert only_images.shape == (4, 28, 28, 1)


def test_unknown_digits_split_is_named():
    with pytest.raises(ValueError, match="Unknown digits split 'validation'"):
        zoo.data.load("digits", split="validation")


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


def test_tfds_source_offline_with_mock_data():
    import tensorflow_datasets as tfds

    with tfds.testing.mock_data(num_examples=20):
        dataset = zoo.data.load("mnist", image_size=28, channels=1, batch_size=8, split="train")
        images, labels = next(iter(dataset))
    assert images.shape == (8, 28, 28, 1) and labels.shape == (8,)
    assert float(tf.reduce_min(images)) >= -1.0 and float(tf.reduce_max(images)) <= 1.0


def test_tfds_images_of_random_shape_are_resized_and_converted():
    import tensorflow_datasets as tfds

    with tfds.testing.mock_data(num_examples=6):
        images, _ = next(iter(zoo.data.load("cifar10", image_size=(16, 12), channels=1,
                                            batch_size=6)))
    assert images.shape == (6, 16, 12, 1)


def test_unknown_source_is_explained():
    with pytest.raises(ValueError, match="Unknown data source 'no_such_dataset_xyz'"):
        zoo.data.load("no_such_dataset_xyz")


@pytest.fixture
def offline(monkeypatch):
    """No network: every HTTP(S) request fails at once (TFDS downloads with ``requests``)."""

    def refuse(*args, **kwargs):
        raise requests.exceptions.ConnectionError(NETWORK_DOWN)

    monkeypatch.setattr(requests.adapters.HTTPAdapter, "send", refuse)


def test_tfds_prepares_datasets_with_the_declared_dependencies(offline, tmp_path):
    import tensorflow_datasets as tfds

    with pytest.raises(Exception) as info:  # offline: the network, not a missing module
        tfds.builder("mnist", data_dir=str(tmp_path)).download_and_prepare()
    assert not isinstance(info.value, ImportError) and NETWORK_DOWN in str(info.value)
    declared = (REPO / "setup.cfg").read_text() + (REPO / "pyproject.toml").read_text()
    assert re.search(r"importlib[-_]resources", declared, re.I)


def test_offline_tfds_source_says_it_could_not_download_and_names_data_dir(offline, tmp_path):
    with pytest.raises(Exception) as info:
        zoo.data.load("mnist", data_dir=str(tmp_path / "tfds"))
    message = str(info.value)
    assert re.search(r"download", message, re.I) and re.search(r"data[-_]dir", message), message
    result = run_cli("train", "gan", "--dataset", "mnist", "--data-dir", tmp_path / "tfds",
                     "--epochs", "1", "--output", tmp_path / "run", *tiny_gan_args())
    result.assert_user_error("--data-dir")
