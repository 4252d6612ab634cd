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

import math

import tensorflow as tf

__all__ = [
    "per_example_mean",
    "minimax_discriminator_loss",
    "minimax_generator_loss",
    "non_saturating_generator_loss",
    "least_squares_discriminator_loss",
    "least_squares_generator_loss",
    "mean_absolute_error",
    "categorical_mutual_information",
    "gaussian_mutual_information",
    "reconstruction_energy",
    "margin_discriminator_loss",
    "pulling_away_term",
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


def categorical_mutual_information(codes: tf.Tensor, logits: tf.Tensor) -> tf.Tensor:
    """Variational lower bound on I(c; G(z, c)) for a uniform categorical code, in nats
    (Chen et al. 2016, InfoGAN, Lemma 5.1, eq. 4).

    ``L_I = H(c) + E log Q(c | x) = ln K - CE(c, softmax(logits))``

    ``codes`` are the int category indices ``[batch]`` the fakes were generated
    from, ``logits`` Q's unnormalised scores ``[batch, K]`` (one softmax, inside
    the cross-entropy). ``L_I <= H(c) = ln K`` (2.30 nats for K = 10).
    """
    logits = tf.cast(logits, tf.float32)
    num_categories = tf.cast(tf.shape(logits)[-1], tf.float32)
    cross_entropy = tf.nn.sparse_softmax_cross_entropy_with_logits(
        labels=tf.cast(codes, tf.int32), logits=logits
    )
    return tf.math.log(num_categories) - cross_entropy


def gaussian_mutual_information(
    codes: tf.Tensor,
    mean: tf.Tensor,
    log_std: tf.Tensor,
    low: float = -1.0,
    high: float = 1.0,
) -> tf.Tensor:
    """Variational lower bound on I(c; G(z, c)) for continuous codes c ~ U(low, high)^d,
    with Q(c | x) a factored Gaussian, in nats (Chen et al. 2016, InfoGAN, sec. 5-6).

    ``L_I = sum_j [ ln(high - low) + log N(c_j; mean_j, exp(log_std_j)^2) ]``

    ``log_std`` broadcasts against ``mean`` (pass a constant for a fixed std).
    Returns ``[batch]``; with a learned std it is not bounded above.
    """
    codes = tf.cast(codes, tf.float32)
    mean = tf.cast(mean, tf.float32)
    log_std = tf.cast(log_std, tf.float32) + tf.zeros_like(mean)
    log_likelihood = (
        -0.5 * tf.square((codes - mean) * tf.exp(-log_std))
        - log_std
        - 0.5 * math.log(2.0 * math.pi)
    )
    return tf.reduce_sum(log_likelihood + math.log(high - low), axis=-1)


def reconstruction_energy(images: tf.Tensor, reconstructions: tf.Tensor) -> tf.Tensor:
    """EBGAN's energy: per-example mean squared reconstruction error of the
    auto-encoder discriminator (Zhao, Mathieu & LeCun 2016, sec. 2.3).

    ``D(x) = mean (Dec(Enc(x)) - x)^2`` (the paper writes the norm; the mean
    square keeps the margin independent of the image size).
    """
    images = tf.cast(images, tf.float32)
    return per_example_mean(tf.square(tf.cast(reconstructions, tf.float32) - images))


def margin_discriminator_loss(
    real_energy: tf.Tensor, fake_energy: tf.Tensor, margin: float
) -> tf.Tensor:
    """EBGAN discriminator loss (Zhao, Mathieu & LeCun 2016, eq. 1).

    ``L_D = D(x) + max(0, m - D(G(z)))``: low energy for data, energy at
    least ``m`` for samples (fakes above the margin give no gradient).
    The generator loss is ``L_G = D(G(z))`` (eq. 2), plus `pulling_away_term`.
    """
    real_energy = tf.cast(real_energy, tf.float32)
    return real_energy + tf.nn.relu(float(margin) - tf.cast(fake_energy, tf.float32))


def pulling_away_term(embeddings: tf.Tensor, epsilon: float = 1e-12) -> tf.Tensor:
    """EBGAN's pulling-away term (Zhao, Mathieu & LeCun 2016, eq. 6), a **batch-level** scalar.

    ``PT(S) = 1 / (N (N - 1)) * sum_{i != j} cos^2(s_i, s_j)``

    over the encoder embeddings ``s_i`` (rows of ``[N, ...]``, flattened) of
    the generated batch: it pushes samples apart, against mode collapse. The
    cosine is squared, as in the paper (some reimplementations forget it, and
    then negative cosines *lower* the term). Zero-norm embeddings count as
    orthogonal to everything (cos = 0) instead of giving NaN, and a batch of
    fewer than two examples gives 0. Under a distribution strategy, each
    replica computes it on its own batch; scale it with `BaseGAN.replica_share`.
    """
    embeddings = tf.cast(embeddings, tf.float32)
    embeddings = tf.reshape(embeddings, [tf.shape(embeddings)[0], -1])
    unit = tf.math.l2_normalize(embeddings, axis=1, epsilon=epsilon)
    squared_cosines = tf.square(tf.matmul(unit, unit, transpose_b=True))
    diagonal = tf.linalg.diag_part(squared_cosines)
    off_diagonal = tf.reduce_sum(squared_cosines) - tf.reduce_sum(diagonal)
    n = tf.cast(tf.shape(embeddings)[0], tf.float32)
    return tf.math.divide_no_nan(off_diagonal, n * (n - 1.0))


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
