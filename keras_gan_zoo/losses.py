"""GAN losses as pure functions, one formula each, in TF-GAN's conventions.

Every function returns a **per-example** loss of shape ``[batch]`` (spatial
outputs such as PatchGAN logits are averaged over their non-batch axes).
Reduction over the *global* batch, which is what makes a step on N replicas
equal a step on one, is done once in :meth:`BaseGAN.replica_loss`.

Discriminator outputs are logits (no sigmoid in the networks), so the
cross-entropies are computed with ``sigmoid_cross_entropy_with_logits``,
which is exact where ``log(sigmoid(x))`` would underflow.
"""

from __future__ import annotations

import tensorflow as tf

__all__ = [
    "per_example_mean",
    "minimax_discriminator_loss",
    "minimax_generator_loss",
    "non_saturating_generator_loss",
    "least_squares_discriminator_loss",
    "least_squares_generator_loss",
    "mean_absolute_error",
    "generator_loss_by_name",
]


def per_example_mean(values: tf.Tensor) -> tf.Tensor:
    """Mean over every axis but the first: ``[batch, ...] -> [batch]``."""
    values = tf.convert_to_tensor(values)
    if values.shape.rank == 1:
        return values
    return tf.reduce_mean(tf.reshape(values, [tf.shape(values)[0], -1]), axis=1)


def _bce(logits: tf.Tensor, target: float) -> tf.Tensor:
    logits = tf.cast(logits, tf.float32)
    labels = tf.fill(tf.shape(logits), tf.constant(target, tf.float32))
    return per_example_mean(tf.nn.sigmoid_cross_entropy_with_logits(labels=labels, logits=logits))


def minimax_discriminator_loss(
    real_logits: tf.Tensor, fake_logits: tf.Tensor, real_target: float = 1.0
) -> tf.Tensor:
    """Discriminator loss of Goodfellow et al. 2014, eq. 1, as a minimisation.

    ``L_D = -[t log D(x) + (1 - t) log(1 - D(x))] - log(1 - D(G(z)))``

    ``t`` is the real target: 1.0, or 0.9 for one-sided label smoothing
    (Salimans et al. 2016, "Improved Techniques for Training GANs", sec. 3.4),
    which smooths only the real side. ``real_logits`` and ``fake_logits`` must
    have the same batch size (one real and one fake per example).
    """
    return _bce(real_logits, real_target) + _bce(fake_logits, 0.0)


def minimax_generator_loss(fake_logits: tf.Tensor) -> tf.Tensor:
    """Generator loss of the minimax game (Goodfellow et al. 2014, eq. 1).

    ``L_G = log(1 - D(G(z)))``; it saturates when D rejects the samples early
    in training, which is why the paper recommends the non-saturating loss.
    """
    return -_bce(fake_logits, 0.0)


def non_saturating_generator_loss(fake_logits: tf.Tensor) -> tf.Tensor:
    """Non-saturating generator loss (Goodfellow et al. 2014, sec. 3).

    ``L_G = -log D(G(z))``: same fixed point as the minimax loss, stronger
    gradients early in training. Used by DCGAN and most later GANs.
    """
    return _bce(fake_logits, 1.0)


def least_squares_discriminator_loss(
    real_outputs: tf.Tensor, fake_outputs: tf.Tensor, real_target: float = 1.0
) -> tf.Tensor:
    """Least-squares discriminator loss (Mao et al. 2017, LSGAN, eq. 2 with a=0, b=1).

    ``L_D = 1/2 (D(x) - b)^2 + 1/2 D(G(z))^2``
    """
    real = tf.cast(real_outputs, tf.float32)
    fake = tf.cast(fake_outputs, tf.float32)
    return 0.5 * per_example_mean(tf.square(real - real_target)) + 0.5 * per_example_mean(
        tf.square(fake)
    )


def least_squares_generator_loss(fake_outputs: tf.Tensor) -> tf.Tensor:
    """Least-squares generator loss (Mao et al. 2017, LSGAN, eq. 2 with c=1).

    ``L_G = 1/2 (D(G(z)) - 1)^2``
    """
    return 0.5 * per_example_mean(tf.square(tf.cast(fake_outputs, tf.float32) - 1.0))


def mean_absolute_error(x: tf.Tensor, y: tf.Tensor) -> tf.Tensor:
    """Per-example L1 distance ``mean |x - y|`` (pix2pix's L1 term, CycleGAN's cycle loss)."""
    return per_example_mean(tf.abs(tf.cast(x, tf.float32) - tf.cast(y, tf.float32)))


_GENERATOR_LOSSES = {
    "non_saturating": non_saturating_generator_loss,
    "minimax": minimax_generator_loss,
}


def generator_loss_by_name(name: str):
    """The generator loss for a config value: ``"non_saturating"`` or ``"minimax"``."""
    try:
        return _GENERATOR_LOSSES[name]
    except KeyError:
        raise ValueError(
            f"Unknown generator_loss {name!r}; choose one of {sorted(_GENERATOR_LOSSES)}."
        ) from None
