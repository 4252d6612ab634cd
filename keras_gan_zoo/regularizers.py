"""Discriminator regularisers for GANs, as pure functions.

* `clip_weights`: WGAN's weight clipping, applied to D's variables after its update;
* `wasserstein_gradient_penalty` (WGAN-GP) and `r1_gradient_penalty` (R1):
  per-example penalties ``[batch]`` on D's input gradient, to add to D's
  per-example loss before `BaseGAN.replica_loss` (which then gives the
  global-batch mean under a distribution strategy).

The gradient penalties take the discriminator as a callable ``images ->
logits`` (close over any extra inputs, e.g. CGAN's labels:
``lambda x: D([x, labels])``). They need D's gradient with respect to its
input, which ``keras.ops`` does not offer: the backend's engine takes it
(`engine.input_gradients`: a ``tf.GradientTape`` nested inside the update's on
TensorFlow, `jax.grad` inside `jax.vjp` on JAX), and the update then differentiates
the penalty with respect to D's weights (double backprop). The value of example i
depends on example i only if D treats examples independently: no batch normalisation
in D (Gulrajani et al. use layer normalisation instead; the zoo's entries do so when
``gradient_penalty`` is on, `networks.options`).
"""

from __future__ import annotations

from typing import Any, Callable, Iterable

import keras
from keras import ops

from keras_gan_zoo import engine

__all__ = ["clip_weights", "wasserstein_gradient_penalty", "r1_gradient_penalty"]

Tensor = Any
Discriminator = Callable[[Tensor], Tensor]


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


def _squared_input_gradient_norm(discriminator: Discriminator, inputs: Tensor) -> Tensor:
    """``||grad_x sum D(x)||^2`` per example, ``[batch]``, in float32."""
    gradients = ops.cast(engine.input_gradients(discriminator, inputs), "float32")
    return ops.sum(ops.reshape(ops.square(gradients), (ops.shape(gradients)[0], -1)), axis=1)


def wasserstein_gradient_penalty(
    discriminator: Discriminator,
    real: Tensor,
    fake: Tensor,
    seed: Tensor | None = None,
    weight: float = 10.0,
    interpolation_weights: Tensor | None = None,
    epsilon: float = 1e-10,
) -> Tensor:
    """WGAN-GP gradient penalty (Gulrajani et al. 2017, Algorithm 1, lambda = 10), ``[batch]``.

    ``lambda (||grad D(x_hat)||_2 - 1)^2`` with ``x_hat = e x + (1 - e) G(z)``,
    ``e ~ U(0, 1)`` per example. ``e`` is drawn as
    ``engine.uniform([batch], seed)`` (a stateless seed, `engine.step_seed`): pass a seed
    that differs per step and per replica, or give the
    ``interpolation_weights`` ``e`` ``[batch]`` yourself. The norm is
    ``sqrt(sum g^2 + epsilon)``, as TF-GAN's ``wasserstein_gradient_penalty``,
    so it has a gradient where ``g = 0``. Add it to the critic's loss.
    """
    real = ops.convert_to_tensor(real)
    fake = ops.cast(fake, real.dtype)
    if (seed is None) == (interpolation_weights is None):
        raise ValueError(
            "wasserstein_gradient_penalty needs exactly one of seed (to draw the "
            "interpolation weights) and interpolation_weights."
        )
    if interpolation_weights is None:
        interpolation_weights = engine.uniform([ops.shape(real)[0]], seed)
    mix = ops.reshape(ops.cast(interpolation_weights, real.dtype),
                      [-1] + [1] * (len(real.shape) - 1))
    interpolates = mix * real + (1.0 - mix) * fake
    norms = ops.sqrt(_squared_input_gradient_norm(discriminator, interpolates) + epsilon)
    return weight * ops.square(norms - 1.0)


def r1_gradient_penalty(
    discriminator: Discriminator, real: Tensor, gamma: float = 10.0
) -> Tensor:
    """R1 penalty (Mescheder, Geiger & Nowozin 2018, eq. 9), ``[batch]``.

    ``gamma / 2 ||grad_x D(x)||^2`` on real data only: it keeps D flat on the
    data manifold, which makes training converge locally. Add it to D's loss.
    """
    return 0.5 * gamma * _squared_input_gradient_norm(discriminator, ops.convert_to_tensor(real))
