"""`keras_gan_zoo.data.digits`: the embedded digits, their splits and their dataset."""

import numpy as np
import pytest
import tensorflow as tf

import keras_gan_zoo as zoo
from keras_gan_zoo.data import digits_arrays


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
