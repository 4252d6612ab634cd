"""`keras_gan_zoo.regularizers`: the gradient penalties against analytic values, and on two
replicas against one; weight clipping on every replica copy."""

from __future__ import annotations

import keras
import numpy as np
import pytest
import tensorflow as tf
from keras import ops

from keras_gan_zoo import engine, regularizers
from tests.test_losses_against_tfgan import mean_and_gradient

IMAGE_SHAPE = (3, 4, 4, 2)


def linear_discriminator(weights):
    """D(x) = <w, x>: input gradient w everywhere."""
    return lambda images: ops.sum(images * weights, axis=[1, 2, 3])[:, None]


def images(seed):
    rng = np.random.default_rng(seed)
    return [ops.convert_to_tensor(rng.normal(size=IMAGE_SHAPE).astype(np.float32))
            for _ in range(2)]


def test_gradient_penalty_of_a_linear_critic_and_its_gradient_are_analytic():
    real, fake = images(0)
    w = np.random.default_rng(1).normal(size=IMAGE_SHAPE[1:]).astype(np.float32)
    norm = float(np.linalg.norm(w))

    def penalty_of(weights):
        return regularizers.wasserstein_gradient_penalty(
            linear_discriminator(weights), real, fake, seed=engine.step_seed(1, 2, 0), weight=10.0)

    np.testing.assert_allclose(ops.convert_to_numpy(penalty_of(ops.convert_to_tensor(w))),
                               [10.0 * (norm - 1.0) ** 2] * 3, rtol=1e-5)
    # d/dw lambda (||w|| - 1)^2 = 2 lambda (||w|| - 1) w / ||w||: double backprop (the input
    # gradient differentiated with respect to the weights).
    _, gradient = mean_and_gradient(penalty_of, w)
    np.testing.assert_allclose(gradient, 20.0 * (norm - 1.0) * w / norm, rtol=1e-4, atol=1e-6)


def test_gradient_penalty_interpolates_with_the_seeded_uniform_weights():
    real, fake = images(2)
    quadratic = lambda x: 0.5 * ops.sum(ops.square(x), axis=[1, 2, 3])  # noqa: E731  grad = x
    seed = engine.step_seed(3, 4, 0)
    mix = ops.convert_to_numpy(engine.uniform([3], seed))
    interpolates = mix[:, None, None, None] * real + (1 - mix[:, None, None, None]) * fake
    want = 2.0 * (np.linalg.norm(np.reshape(interpolates, (3, -1)), axis=1) - 1.0) ** 2
    np.testing.assert_allclose(ops.convert_to_numpy(regularizers.wasserstein_gradient_penalty(
        quadratic, real, fake, seed=seed, weight=2.0)), want, rtol=1e-5)
    np.testing.assert_allclose(ops.convert_to_numpy(regularizers.wasserstein_gradient_penalty(
        quadratic, real, fake, interpolation_weights=mix, weight=2.0)), want, rtol=1e-5)
    with pytest.raises(ValueError, match="exactly one of seed"):
        regularizers.wasserstein_gradient_penalty(quadratic, real, fake)


def test_r1_penalty_of_a_linear_discriminator_and_its_gradient_are_analytic():
    real, _ = images(3)
    w = np.random.default_rng(4).normal(size=IMAGE_SHAPE[1:]).astype(np.float32)

    def penalty_of(weights):
        return regularizers.r1_gradient_penalty(linear_discriminator(weights), real, gamma=4.0)

    np.testing.assert_allclose(ops.convert_to_numpy(penalty_of(ops.convert_to_tensor(w))),
                               [2.0 * float(np.sum(w * w))] * 3, rtol=1e-5)
    _, gradient = mean_and_gradient(penalty_of, w)
    np.testing.assert_allclose(gradient, 4.0 * w, rtol=1e-5)


@pytest.mark.tensorflow_only(reason="MirroredStrategy replicas (tf.distribute); JAX "
                                    "distributes with keras.distribution.DataParallel")
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
