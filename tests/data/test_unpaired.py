"""`keras_gan_zoo.data.unpaired` (CycleGAN's data): every layout, the odd inputs, the errors."""

import numpy as np
import pytest
import tensorflow as tf

import keras_gan_zoo as zoo
from keras_gan_zoo.data import digits_arrays
from keras_gan_zoo.data.unpaired import digits_domains, load_unpaired
from tests.data.test_paired import _gray, _write


# ------------------------------------------------------------ unpaired: digits
def test_digits_domains_are_disjoint_digits_and_negatives():
    a, b = digits_domains("test", 32, 1)
    digits, _ = digits_arrays("test", 32, 1)
    np.testing.assert_array_equal(a, digits[0::2])
    np.testing.assert_array_equal(b, -digits[1::2])
    assert a.mean() < -0.3 < 0.3 < b.mean()  # light ink on dark vs dark ink on light
    train_a, _ = digits_domains("train", 32, 1)
    keys = {x.tobytes() for x in train_a}
    assert not any(x.tobytes() in keys for x in a)  # held-out split


def test_load_unpaired_digits_epoch_covers_the_larger_domain():
    dataset = load_unpaired(split="test", batch_size=16, seed=0)
    a, b = next(iter(dataset))
    assert a.shape == b.shape == (16, 32, 32, 1)
    assert int(dataset.cardinality()) == int(np.ceil(180 / 16))
    pairs = [(x, y) for x, y in load_unpaired(split="test", batch_size=1, shuffle=False)]
    assert len(pairs) == 180


# ----------------------------------------------------------- unpaired: folders
def _domain_folder(folder, count, value, size=(12, 12), mode="RGB"):
    for i in range(count):
        color = value if mode == "L" else (value, value, value)
        _write(folder / f"{i}.png", size=size, mode=mode, color=color)


def test_cyclegan_layout_with_unequal_domains_non_square_and_grayscale(tmp_path):
    _domain_folder(tmp_path / "trainA", 3, 30, size=(40, 10), mode="L")
    _domain_folder(tmp_path / "trainB", 5, 220, size=(9, 17))
    _domain_folder(tmp_path / "testA", 1, 30)
    _domain_folder(tmp_path / "testB", 1, 220)
    dataset = load_unpaired(tmp_path, image_size=8, batch_size=1, seed=0)
    pairs = list(dataset)
    assert len(pairs) == 5  # as many as the larger domain; A repeats
    for a, b in pairs:
        assert a.shape == b.shape == (1, 8, 8, 3)  # gray A converted to RGB
        np.testing.assert_allclose(a.numpy(), _gray(30), atol=0.05)
        np.testing.assert_allclose(b.numpy(), _gray(220), atol=0.05)
    assert len(list(load_unpaired(tmp_path, split="test", image_size=8))) == 1
    gray = next(iter(load_unpaired(tmp_path, image_size=(6, 10), channels=1, batch_size=2)))
    assert gray[0].shape == gray[1].shape == (2, 6, 10, 1)


def test_two_explicit_folders_and_errors(tmp_path):
    _domain_folder(tmp_path / "horses", 2, 60)
    _domain_folder(tmp_path / "zebras", 4, 160)
    a, b = next(iter(load_unpaired((tmp_path / "horses", tmp_path / "zebras"), image_size=4,
                                   batch_size=4, jitter=False)))
    assert a.shape == (4, 4, 4, 3)  # the 2 horses, repeated to match the 4 zebras
    with pytest.raises(FileNotFoundError, match="trainA"):
        load_unpaired(tmp_path / "horses")
    (tmp_path / "empty" / "trainA").mkdir(parents=True)
    _domain_folder(tmp_path / "empty" / "trainB", 1, 0)
    with pytest.raises(ValueError, match="contains no images"):
        load_unpaired(tmp_path / "empty")
    with pytest.raises(ValueError, match="cycle_gan"):
        load_unpaired("not_a_cycle_gan_set")


def test_tfds_cycle_gan_mock_with_random_image_shapes():
    tfds = pytest.importorskip("tensorflow_datasets")
    with tfds.testing.mock_data(num_examples=3):
        dataset = load_unpaired("cycle_gan/horse2zebra", image_size=(24, 40), batch_size=2,
                                seed=0)
        batches = list(dataset)
    assert len(batches) == 2
    a, b = batches[0]
    assert a.shape == b.shape == (2, 24, 40, 3)
    assert -1.0 <= float(tf.reduce_min(a)) and float(tf.reduce_max(b)) <= 1.0


def test_model_load_dataset_matches_its_shapes():
    pix2pix = zoo.build("pix2pix", image_shape=[32, 32, 3], generator_filters=4,
                        discriminator_filters=4)
    x, y = next(iter(pix2pix.load_dataset(batch_size=2)))
    assert x.shape == y.shape == (2, 32, 32, 3)
    cyclegan = zoo.build("cyclegan", image_shape=[32, 32, 1], generator_filters=4,
                         discriminator_filters=4)
    a, b = next(iter(cyclegan.load_dataset(batch_size=2)))
    assert a.shape == b.shape == (2, 32, 32, 1)
