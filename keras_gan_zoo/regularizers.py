"""Discriminator regularisers for GANs, as pure functions.

* `clip_weights`: WGAN's weight clipping, applied to D's variables after its update;
* `wasserstein_gradient_penalty` (WGAN-GP) and `r1_gradient_penalty` (R1):
  per-example penalties ``[batch]`` on D's input gradient, to add to D's
  per-example loss before `BaseGAN.replica_loss` (which then gives the
  global-batch mean under a distribution strategy).

The gradient penalties take the discriminator as a callable ``images ->
logits`` (close over any extra inputs, e.g. CGAN's labels:
``lambda x: D([x, labels])``). They need D's gradient with respect to its
input, which ``keras.ops`` does not offer, so they are **TensorFlow-backend
specific**: the input gradient is taken with a ``tf.GradientTape`` nested
inside the caller's tape, which then differentiates the penalty with respect
to D's weights (double backprop). The value of example i depends on example
i only if D treats examples independently: no batch normalisation in D
(Gulrajani et al. use layer normalisation instead; the zoo's entries do so when
``gradient_penalty`` is on, `networks.options`).
"""

from __future__ import annotations

from typing import Callable, Iterable

import keras
import tensorflow as tf

__all__ = ["clip_weights", "wasserstein_gradient_penalty", "r1_gradient_penalty"]

Discriminator = Callable[[tf.Tensor], tf.Tensor]


def clip_weights(variables: Iterable[keras.Variable], clip_value: float) -> None:
    """WGAN weight clipping (Arjovsky, Chintala & Bottou 2017, Algorithm 1, c = 0.01).

    ``w <- clip(w, -c, c)`` for every variable: a crude way to keep the
    critic K-Lipschitz. Call it after each critic update, outside the tape.
    In a replica context each replica clips its own (identical) copy.
    """
    if clip_value <= 0:
        raise ValueError(f"clip_value must be positive (the paper uses 0.01), got {clip_value}.")
    for variable in variables:
        variable.assign(keras.ops.clip(variable, -clip_value, clip_value))


def _squared_input_gradient_norm(discriminator: Discriminator, inputs: tf.Tensor) -> tf.Tensor:
    """``||grad_x sum D(x)||^2`` per example, ``[batch]``, in float32."""
    with tf.GradientTape() as tape:
        tape.watch(inputs)
        outputs = tf.cast(discriminator(inputs), tf.float32)
    gradients = tf.cast(tape.gradient(outputs, inputs), tf.float32)
    return tf.reduce_sum(tf.reshape(tf.square(gradients), [tf.shape(gradients)[0], -1]), axis=1)


def wasserstein_gradient_penalty(
    discriminator: Discriminator,
    real: tf.Tensor,
    fake: tf.Tensor,
    seed: tf.Tensor | None = None,
    weight: float = 10.0,
    interpolation_weights: tf.Tensor | None = None,
    epsilon: float = 1e-10,
) -> tf.Tensor:
    """WGAN-GP gradient penalty (Gulrajani et al. 2017, Algorithm 1, lambda = 10), ``[batch]``.

    ``lambda (||grad D(x_hat)||_2 - 1)^2`` with ``x_hat = e x + (1 - e) G(z)``,
    ``e ~ U(0, 1)`` per example. ``e`` is drawn as
    ``tf.random.stateless_uniform([batch], seed)``: pass a seed that differs
    per step and per replica (fold in the replica id), or give the
    ``interpolation_weights`` ``e`` ``[batch]`` yourself. The norm is
    ``sqrt(sum g^2 + epsilon)``, as TF-GAN's ``wasserstein_gradient_penalty``,
    so it has a gradient where ``g = 0``. Add it to the critic's loss.
    """
    real = tf.convert_to_tensor(real)
    fake = tf.cast(fake, real.dtype)
    if (seed is None) == (interpolation_weights is None):
        raise ValueError(
            "wasserstein_gradient_penalty needs exactly one of seed (to draw the "
            "interpolation weights) and interpolation_weights."
        )
    if interpolation_weights is None:
        interpolation_weights = tf.random.stateless_uniform([tf.shape(real)[0]], seed)
    mix = tf.reshape(tf.cast(interpolation_weights, real.dtype),
                     [-1] + [1] * (real.shape.rank - 1))
    interpolates = mix * real + (1.0 - mix) * fake
    norms = tf.sqrt(_squared_input_gradient_norm(discriminator, interpolates) + epsilon)
    return weight * tf.square(norms - 1.0)


def r1_gradient_penalty(
    discriminator: Discriminator, real: tf.Tensor, gamma: float = 10.0
) -> tf.Tensor:
    """R1 penalty (Mescheder, Geiger & Nowozin 2018, eq. 9), ``[batch]``.

    ``gamma / 2 ||grad_x D(x)||^2`` on real data only: it keeps D flat on the
    data manifold, which makes training converge locally. Add it to D's loss.
    """
    return 0.5 * gamma * _squared_input_gradient_norm(discriminator, tf.convert_to_tensor(real))
