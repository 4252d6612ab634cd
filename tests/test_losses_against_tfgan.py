"""Adversarial losses against TF-GAN 2.1.0's losses_impl.py; regularisers against analytic values.

TF-GAN's ``losses_impl.py`` is loaded by file path from the ``tensorflow-gan``
wheel (``tests/tfgan_wheel.py``); those tests are skipped when it cannot be had.
"""

from __future__ import annotations

import types

import keras
import numpy as np
import pytest
import tensorflow as tf

from keras_gan_zoo import losses, regularizers
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
    fake = tf.constant(random_logits(shape, seed=2)[1])
    with tf.GradientTape(persistent=True) as tape:
        tape.watch(fake)
        ours = tf.reduce_mean(losses.minimax_generator_loss(fake))
        theirs = tfgan.minimax_generator_loss(fake)
    # TF-GAN adds the real-side term at logit 1: log sigmoid(1) = -softplus(-1).
    np.testing.assert_allclose(float(ours - theirs), np.log1p(np.exp(-1.0)), rtol=1e-6)
    np.testing.assert_allclose(tape.gradient(ours, fake), tape.gradient(theirs, fake),
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
    one_hot = tf.one_hot(np.arange(8) % 10, 10)
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


# ---------------------------------------------------------------- regularisers
IMAGE_SHAPE = (3, 4, 4, 2)


def linear_discriminator(weights):
    """D(x) = <w, x>: input gradient w everywhere."""
    return lambda images: tf.reduce_sum(images * weights, axis=[1, 2, 3])[:, None]


def images(seed):
    rng = np.random.default_rng(seed)
    return [tf.constant(rng.normal(size=IMAGE_SHAPE).astype(np.float32)) for _ in range(2)]


def test_gradient_penalty_of_a_linear_critic_and_its_gradient_are_analytic():
    real, fake = images(0)
    w = tf.Variable(np.random.default_rng(1).normal(size=IMAGE_SHAPE[1:]).astype(np.float32))
    norm = float(tf.norm(w))
    with tf.GradientTape() as tape:
        penalty = regularizers.wasserstein_gradient_penalty(
            linear_discriminator(w), real, fake, seed=tf.constant([1, 2]), weight=10.0)
        mean = tf.reduce_mean(penalty)
    np.testing.assert_allclose(penalty, [10.0 * (norm - 1.0) ** 2] * 3, rtol=1e-5)
    # d/dw lambda (||w|| - 1)^2 = 2 lambda (||w|| - 1) w / ||w||: double backprop through the tape.
    np.testing.assert_allclose(tape.gradient(mean, w), 20.0 * (norm - 1.0) * w.numpy() / norm,
                               rtol=1e-4, atol=1e-6)


def test_gradient_penalty_interpolates_with_the_seeded_uniform_weights():
    real, fake = images(2)
    quadratic = lambda x: 0.5 * tf.reduce_sum(tf.square(x), axis=[1, 2, 3])  # noqa: E731  grad = x
    seed = tf.constant([3, 4])
    mix = tf.random.stateless_uniform([3], seed).numpy()
    interpolates = mix[:, None, None, None] * real + (1 - mix[:, None, None, None]) * fake
    want = 2.0 * (np.linalg.norm(np.reshape(interpolates, (3, -1)), axis=1) - 1.0) ** 2
    np.testing.assert_allclose(regularizers.wasserstein_gradient_penalty(
        quadratic, real, fake, seed=seed, weight=2.0), want, rtol=1e-5)
    np.testing.assert_allclose(regularizers.wasserstein_gradient_penalty(
        quadratic, real, fake, interpolation_weights=mix, weight=2.0), want, rtol=1e-5)
    with pytest.raises(ValueError, match="exactly one of seed"):
        regularizers.wasserstein_gradient_penalty(quadratic, real, fake)


def test_r1_penalty_of_a_linear_discriminator_and_its_gradient_are_analytic():
    real, _ = images(3)
    w = tf.Variable(np.random.default_rng(4).normal(size=IMAGE_SHAPE[1:]).astype(np.float32))
    with tf.GradientTape() as tape:
        penalty = regularizers.r1_gradient_penalty(linear_discriminator(w), real, gamma=4.0)
        mean = tf.reduce_mean(penalty)
    np.testing.assert_allclose(penalty, [2.0 * float(tf.reduce_sum(w * w))] * 3, rtol=1e-5)
    np.testing.assert_allclose(tape.gradient(mean, w), 4.0 * w.numpy(), rtol=1e-5)


def test_gradient_penalty_on_two_replicas_is_the_single_device_one(mirrored_strategy):
    with mirrored_strategy.scope():
        critic = keras.Sequential([keras.Input(IMAGE_SHAPE[1:]), keras.layers.Conv2D(3, 3),
                                   keras.layers.Activation("tanh"), keras.layers.Flatten(),
                                   keras.layers.Dense(1)])
    rng = np.random.default_rng(5)
    real, fake = (rng.normal(size=(6, *IMAGE_SHAPE[1:])).astype(np.float32) for _ in range(2))
    seed = tf.constant([7, 8])

    def replica_seed(replica_id):
        return tf.random.experimental.stateless_fold_in(seed, replica_id)

    def per_replica(context):
        i = context.replica_id_in_sync_group
        return real[3 * i:3 * i + 3], fake[3 * i:3 * i + 3]

    real_parts = mirrored_strategy.experimental_distribute_values_from_function(
        lambda c: per_replica(c)[0])
    fake_parts = mirrored_strategy.experimental_distribute_values_from_function(
        lambda c: per_replica(c)[1])

    @tf.function
    def step(real_part, fake_part):
        replica_id = tf.distribute.get_replica_context().replica_id_in_sync_group
        return regularizers.wasserstein_gradient_penalty(
            lambda x: critic(x, training=True), real_part, fake_part,
            seed=replica_seed(tf.cast(replica_id, tf.int32)))

    parts = mirrored_strategy.run(step, args=(real_parts, fake_parts))
    distributed = np.concatenate(mirrored_strategy.experimental_local_results(parts))
    mix = tf.concat([tf.random.stateless_uniform([3], replica_seed(i)) for i in range(2)], 0)
    single = regularizers.wasserstein_gradient_penalty(
        critic, real, fake, interpolation_weights=mix)
    assert distributed.shape == (6,) and np.all(distributed > 0)
    np.testing.assert_allclose(distributed, single, rtol=1e-5)


def test_clip_weights_clips_every_replica_copy(mirrored_strategy):
    with mirrored_strategy.scope():
        layer = keras.layers.Dense(2)
        layer.build((None, 3))
        layer.kernel.assign(np.linspace(-1.0, 1.0, 6, dtype=np.float32).reshape(3, 2))
    mirrored_strategy.run(tf.function(lambda: regularizers.clip_weights(layer.weights, 0.01)))
    for copy in mirrored_strategy.experimental_local_results(layer.kernel.value):
        np.testing.assert_allclose(copy, np.clip(np.linspace(-1, 1, 6).reshape(3, 2), -0.01, 0.01))
    with pytest.raises(ValueError, match="positive"):
        regularizers.clip_weights(layer.weights, 0.0)
