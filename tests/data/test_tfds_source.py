"""`keras_gan_zoo.data.tfds_source` and the choice of source by name: TFDS mock data,
images of any shape, the declared install dependencies, and the offline errors."""

import re
from pathlib import Path

import pytest
import requests
import tensorflow as tf

import keras_gan_zoo as zoo
from tests.cli_capture import run_cli, tiny_gan_args

REPO = Path(__file__).resolve().parents[2]
NETWORK_DOWN = "network disabled by the test"


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
