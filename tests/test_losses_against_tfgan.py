"""Adversarial losses against TF-GAN 2.1.0's losses_impl.py.

TF-GAN's ``losses_impl.py`` is loaded by file path from the ``tensorflow-gan``
wheel (``tests/tfgan_wheel.py``); those tests are skipped when it cannot be had.
TF-GAN computes the references in TensorFlow whatever the Keras backend; ours run
on the Keras backend under test.
"""

from __future__ import annotations

import types

import keras
import numpy as np
import pytest
import tensorflow as tf
from keras import ops

from keras_gan_zoo import losses
from tests.tfgan_wheel import load_tfgan_modules

SHAPES = [(8,), (8, 1), (8, 4, 4, 1)]


@pytest.fixture(scope="module")
def tfgan(request, tmp_path_factory):
    """TF-GAN 2.1.0's losses_impl.py (``contrib_utils`` is only used by a loss not tested here)."""
    contrib = types.ModuleType("tensorflow_gan.python.contrib_utils")
    return load_tfgan_modules(request, tmp_path_factory, ["losses.losses_impl"],
                              stubs={contrib.__name__: contrib})[0]


def random_logits(shape, seed):
    rng = np.random.default_rng(seed)
    return (2.0 * rng.normal(size=shape)).astype(np.float32), \
        (2.0 * rng.normal(size=shape) - 0.5).astype(np.float32)


def mean_and_gradient(function, x):
    """``mean(function(x))`` and its gradient with respect to ``x`` on the Keras backend."""
    if keras.backend.backend() == "jax":
        import jax

        value, gradient = jax.value_and_grad(lambda v: ops.mean(function(v)))(
            ops.convert_to_tensor(x))
        return float(value), np.asarray(gradient)
    x = tf.constant(x)
    with tf.GradientTape() as tape:
        tape.watch(x)
        value = tf.reduce_mean(function(x))
    return float(value), tape.gradient(value, x).numpy()


def assert_per_example_mean(ours, theirs, batch):
    ours = np.asarray(ours)
    assert ours.shape == (batch,)
    np.testing.assert_allclose(ours.mean(), float(theirs), rtol=1e-6, atol=1e-6)


# Our function, TF-GAN's name, TF-GAN's extra keyword arguments (its defaults smooth labels).
DISCRIMINATOR_LOSSES = [
    (losses.minimax_discriminator_loss, "minimax_discriminator_loss", {"label_smoothing": 0.0}),
    (losses.modified_discriminator_loss, "modified_discriminator_loss", {"label_smoothing": 0.0}),
    (losses.wasserstein_discriminator_loss, "wasserstein_discriminator_loss", {}),
    (losses.wasserstein_hinge_discriminator_loss, "wasserstein_hinge_discriminator_loss", {}),
    (losses.least_squares_discriminator_loss, "least_squares_discriminator_loss", {}),
    (losses.relativistic_discriminator_loss, "relativistic_discriminator_loss", {}),
]
GENERATOR_LOSSES = [
    (losses.modified_generator_loss, "modified_generator_loss"),
    (losses.non_saturating_generator_loss, "modified_generator_loss"),
    (losses.wasserstein_generator_loss, "wasserstein_generator_loss"),
    (losses.wasserstein_hinge_generator_loss, "wasserstein_hinge_generator_loss"),
    (losses.least_squares_generator_loss, "least_squares_generator_loss"),
]


@pytest.mark.parametrize("shape", SHAPES, ids=str)
@pytest.mark.parametrize("ours, name, kwargs", DISCRIMINATOR_LOSSES,
                         ids=[name for _, name, _ in DISCRIMINATOR_LOSSES])
def test_discriminator_losses_average_to_tfgan(tfgan, ours, name, kwargs, shape):
    real, fake = random_logits(shape, seed=len(shape))
    assert_per_example_mean(ours(real, fake), getattr(tfgan, name)(real, fake, **kwargs), shape[0])


@pytest.mark.parametrize("shape", SHAPES, ids=str)
@pytest.mark.parametrize("ours, name", GENERATOR_LOSSES,
                         ids=[f"{ours.__name__}-{name}" for ours, name in GENERATOR_LOSSES])
def test_generator_losses_average_to_tfgan(tfgan, ours, name, shape):
    _, fake = random_logits(shape, seed=len(shape))
    assert_per_example_mean(ours(fake), getattr(tfgan, name)(fake), shape[0])


@pytest.mark.parametrize("shape", SHAPES, ids=str)
def test_relativistic_generator_loss_averages_to_tfgan(tfgan, shape):
    real, fake = random_logits(shape, seed=1)
    assert_per_example_mean(losses.relativistic_generator_loss(real, fake),
                            tfgan.relativistic_generator_loss(real, fake), shape[0])


@pytest.mark.parametrize("shape", SHAPES, ids=str)
def test_minimax_generator_loss_is_tfgans_minus_a_constant_with_the_same_gradient(tfgan, shape):
    fake = random_logits(shape, seed=2)[1]
    ours, our_gradient = mean_and_gradient(losses.minimax_generator_loss, fake)
    fake = tf.constant(fake)
    with tf.GradientTape() as tape:
        tape.watch(fake)
        theirs = tfgan.minimax_generator_loss(fake)
    # TF-GAN adds the real-side term at logit 1: log sigmoid(1) = -softplus(-1).
    np.testing.assert_allclose(ours - float(theirs), np.log1p(np.exp(-1.0)), rtol=1e-6)
    np.testing.assert_allclose(our_gradient, tape.gradient(theirs, fake),
                               rtol=1e-6, atol=1e-9)


@pytest.mark.parametrize("smoothing", [0.25, 0.2])
def test_real_target_is_tfgans_label_smoothing_towards_one_half(tfgan, smoothing):
    real, fake = random_logits((8, 4, 4, 1), seed=3)
    ours = losses.minimax_discriminator_loss(real, fake, real_target=1.0 - smoothing / 2)
    theirs = tfgan.minimax_discriminator_loss(real, fake, label_smoothing=smoothing)
    assert_per_example_mean(ours, theirs, 8)
    ours = losses.least_squares_discriminator_loss(real, fake, real_target=0.9, fake_target=0.1)
    theirs = tfgan.least_squares_discriminator_loss(real, fake, real_label=0.9, fake_label=0.1)
    assert_per_example_mean(ours, theirs, 8)
    assert_per_example_mean(losses.least_squares_generator_loss(fake, real_target=0.9),
                            tfgan.least_squares_generator_loss(fake, real_label=0.9), 8)


@pytest.mark.parametrize("smoothing", [0.0, 0.1])
def test_acgan_losses_average_to_tfgan(tfgan, smoothing):
    real, fake = random_logits((8, 10), seed=4)
    one_hot = np.eye(10, dtype=np.float32)[np.arange(8) % 10]
    assert_per_example_mean(
        losses.acgan_discriminator_loss(real, fake, one_hot, label_smoothing=smoothing),
        tfgan.acgan_discriminator_loss(real, fake, one_hot, label_smoothing=smoothing), 8)
    assert_per_example_mean(losses.acgan_generator_loss(fake, one_hot),
                            tfgan.acgan_generator_loss(fake, one_hot), 8)


# -------------------------------------------------------------------- registry
@pytest.mark.parametrize("name", losses.ADVERSARIAL_LOSSES)
def test_registry_losses_are_per_example_separable_unless_batch_level(name):
    real, fake = random_logits((8, 4, 4, 1), seed=5)
    d_loss, g_loss = losses.adversarial_losses(name)
    whole = [d_loss(real, fake), g_loss(fake, real_logits=real)]
    halves = [np.concatenate([d_loss(real[:4], fake[:4]), d_loss(real[4:], fake[4:])]),
              np.concatenate([g_loss(fake[:4], real[:4]), g_loss(fake[4:], real[4:])])]
    for value, split in zip(whole, halves):
        assert value.shape == (8,)
        separable = np.allclose(value, split, rtol=1e-6)
        assert separable == (name not in losses.BATCH_LEVEL_LOSSES)


def test_registry_binds_the_real_target_and_maps_names_to_the_loss_functions():
    real, fake = random_logits((8, 1), seed=6)
    d_loss, g_loss = losses.adversarial_losses("non_saturating", real_target=0.9)
    np.testing.assert_allclose(d_loss(real, fake),
                               losses.minimax_discriminator_loss(real, fake, real_target=0.9))
    np.testing.assert_allclose(g_loss(fake), losses.non_saturating_generator_loss(fake))
    np.testing.assert_allclose(losses.adversarial_losses("minimax").generator(fake),
                               losses.minimax_generator_loss(fake))
    hinge = losses.adversarial_losses("hinge")
    np.testing.assert_allclose(hinge.discriminator(real, fake),
                               losses.wasserstein_hinge_discriminator_loss(real, fake))
    assert losses.generator_loss_by_name("minimax") is losses.minimax_generator_loss


def test_registry_errors_name_the_fix():
    with pytest.raises(ValueError, match="least_squares.*hinge.*relativistic"):
        losses.adversarial_losses("wgan")
    with pytest.raises(ValueError, match="label_smoothing to 0"):
        losses.adversarial_losses("hinge", real_target=0.9)
    real, fake = random_logits((8, 1), seed=7)
    with pytest.raises(ValueError, match="real_logits"):
        losses.adversarial_losses("relativistic").generator(fake)
