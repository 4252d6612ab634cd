"""`keras_gan_zoo.augment`: DiffAugment's policies (Zhao et al. 2020) against the authors' code."""

import numpy as np
import pytest
import tensorflow as tf

from keras_gan_zoo import augment


def test_diff_augment_policies_follow_the_authors_code():
    images = np.zeros((1, 28, 28, 1), np.float32)
    images[0, 10, 12, 0] = 1.0
    # Shift up to int(28 / 8 + 0.5) = 4 pixels: a draw in bin 5 of 9 is +1 (row i <- row i + 1).
    shifted = augment.translation(tf.constant(images), tf.constant([[5.5 / 9, 2.5 / 9]]))
    assert np.argwhere(shifted.numpy()[0, ..., 0]).tolist() == [[9, 14]]
    # Cutout: a 14 x 14 square; the offset draw in bin 14 of 29 starts it at row/column 7.
    ones = tf.ones((1, 28, 28, 1))
    cut = augment.cutout(ones, tf.constant([[14.5 / 29, 14.5 / 29]])).numpy()[0, ..., 0]
    assert cut.sum() == 28 * 28 - 14 * 14 and cut[7:21, 7:21].sum() == 0
    colour = tf.random.uniform((2, 4, 4, 3), -1, 1)
    np.testing.assert_allclose(augment.color(colour, tf.fill((2, 3), 0.5)), colour, atol=1e-6)
    brighter = augment.color(colour, tf.constant([[1.0, 0.5, 0.5]] * 2))
    np.testing.assert_allclose(brighter, colour + 0.5, atol=1e-6)


@pytest.mark.parametrize("policies", ["translation,cutout,color", "cutout,color,translation",
                                      "color,translation,cutout"])
def test_diff_augment_applies_the_authors_order_whatever_order_is_named(policies):
    # The authors' policy is color,translation,cutout: colour after cutout would shift
    # the zeroed square (brightness adds to it), which D could then tell apart.
    images = tf.random.uniform((3, 28, 28, 1), -1, 1, seed=1)
    draws = tf.random.uniform((3, augment.num_draws(policies)), seed=2)
    expected = augment.cutout(augment.translation(augment.color(
        images, draws[:, 0:3]), draws[:, 3:5]), draws[:, 5:7])
    np.testing.assert_allclose(augment.diff_augment(images, policies, draws), expected, atol=1e-6)
    cut = augment.diff_augment(tf.ones((1, 28, 28, 1)), policies,
                               tf.constant([[0.9, 0.5, 0.5, 0.5, 0.5, 14.5 / 29, 14.5 / 29]]))
    assert float(tf.reduce_sum(tf.cast(cut == 0.0, tf.float32))) == 14 * 14
