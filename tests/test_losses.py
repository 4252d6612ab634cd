import numpy as np
import pytest
from keras import ops

from keras_gan_zoo import losses


def _sigmoid(x):
    return 1.0 / (1.0 + np.exp(-x))


LOGITS_REAL = np.array([[2.0], [-1.0], [0.5]], np.float32)
LOGITS_FAKE = np.array([[-3.0], [0.2], [1.5]], np.float32)


def test_minimax_discriminator_loss_matches_formula():
    got = ops.convert_to_numpy(losses.minimax_discriminator_loss(LOGITS_REAL, LOGITS_FAKE))
    want = -np.log(_sigmoid(LOGITS_REAL)) - np.log(1 - _sigmoid(LOGITS_FAKE))
    np.testing.assert_allclose(got, want[:, 0], rtol=1e-5)


def test_one_sided_label_smoothing_changes_only_the_real_term():
    smoothed = ops.convert_to_numpy(
        losses.minimax_discriminator_loss(LOGITS_REAL, LOGITS_FAKE, real_target=0.9))
    d_real = _sigmoid(LOGITS_REAL[:, 0])
    want = -(0.9 * np.log(d_real) + 0.1 * np.log(1 - d_real)) - np.log(1 - _sigmoid(LOGITS_FAKE[:, 0]))
    np.testing.assert_allclose(smoothed, want, rtol=1e-5)


def test_generator_losses_match_formulas():
    d_fake = _sigmoid(LOGITS_FAKE[:, 0])
    np.testing.assert_allclose(
        ops.convert_to_numpy(losses.non_saturating_generator_loss(LOGITS_FAKE)),
        -np.log(d_fake), rtol=1e-5)
    np.testing.assert_allclose(ops.convert_to_numpy(losses.minimax_generator_loss(LOGITS_FAKE)),
                               np.log(1 - d_fake), rtol=1e-5)


def test_losses_are_exact_where_the_naive_formula_underflows():
    very_fake = np.array([[-200.0]], np.float32)
    value = ops.convert_to_numpy(losses.non_saturating_generator_loss(very_fake))
    np.testing.assert_allclose(value, [200.0], rtol=1e-5)


def test_least_squares_and_l1_are_per_example_over_spatial_outputs():
    real = np.ones((2, 4, 4, 1), np.float32) * np.array([1.0, 0.0]).reshape(2, 1, 1, 1)
    fake = np.zeros((2, 4, 4, 1), np.float32)
    np.testing.assert_allclose(
        ops.convert_to_numpy(losses.least_squares_discriminator_loss(real, fake)), [0.0, 0.5])
    np.testing.assert_allclose(
        ops.convert_to_numpy(losses.least_squares_generator_loss(fake)), [0.5, 0.5])
    np.testing.assert_allclose(
        ops.convert_to_numpy(losses.mean_absolute_error(real, fake)), [1.0, 0.0])


def test_unknown_generator_loss_lists_the_choices():
    with pytest.raises(ValueError, match="minimax"):
        losses.generator_loss_by_name("wasserstein")
