"""GAN losses as pure functions, one formula each, in TF-GAN's conventions.

Every function returns a **per-example** loss of shape ``[batch]`` (spatial
outputs such as PatchGAN logits are averaged over their non-batch axes).
Reduction over the *global* batch, which is what makes a step on N replicas
equal a step on one, is done once in :meth:`BaseGAN.replica_loss`.

The adversarial losses carry TF-GAN's names
(``tensorflow_gan/python/losses/losses_impl.py``, 2.1.0) and the mean of their
per-example values is TF-GAN's loss (default weights and reduction), except
`minimax_generator_loss`, which drops TF-GAN's constant term. They are
**per-example separable** (example i's value depends on example i only), so
a step on N replicas equals a step on one, except the ones in
`BATCH_LEVEL_LOSSES` (the relativistic average losses), which compare each
example with the mean over *this replica's* batch.

Discriminator outputs are logits (no sigmoid in the networks), so the
cross-entropies are computed from the logits (``keras.ops.binary_crossentropy``
with ``from_logits=True``: TensorFlow's ``sigmoid_cross_entropy_with_logits``,
JAX's ``log_sigmoid``), which is exact where ``log(sigmoid(x))`` would underflow.
Written in `keras.ops`, so they run on the TensorFlow and JAX backends alike.
"""

from __future__ import annotations

import math
from typing import Any, Callable, NamedTuple

from keras import ops

__all__ = [
    "per_example_mean",
    "minimax_discriminator_loss",
    "minimax_generator_loss",
    "non_saturating_generator_loss",
    "modified_discriminator_loss",
    "modified_generator_loss",
    "wasserstein_discriminator_loss",
    "wasserstein_generator_loss",
    "wasserstein_hinge_discriminator_loss",
    "wasserstein_hinge_generator_loss",
    "least_squares_discriminator_loss",
    "least_squares_generator_loss",
    "relativistic_discriminator_loss",
    "relativistic_generator_loss",
    "acgan_discriminator_loss",
    "acgan_generator_loss",
    "mean_absolute_error",
    "categorical_mutual_information",
    "gaussian_mutual_information",
    "reconstruction_energy",
    "margin_discriminator_loss",
    "pulling_away_term",
    "generator_loss_by_name",
    "AdversarialLoss",
    "ADVERSARIAL_LOSSES",
    "BATCH_LEVEL_LOSSES",
    "GENERATOR_NEEDS_REAL_LOGITS",
    "adversarial_losses",
]


def per_example_mean(values: Any) -> Any:
    """Mean over every axis but the first: ``[batch, ...] -> [batch]``."""
    values = ops.convert_to_tensor(values)
    if len(values.shape) == 1:
        return values
    return ops.mean(ops.reshape(values, (ops.shape(values)[0], -1)), axis=1)


def _float(values: Any) -> Any:
    return ops.cast(values, "float32")


def _bce(logits: Any, target: float) -> Any:
    logits = _float(logits)
    labels = ops.full_like(logits, target, dtype="float32")
    return per_example_mean(ops.binary_crossentropy(labels, logits, from_logits=True))


def minimax_discriminator_loss(
    real_logits: Any, fake_logits: Any, real_target: float = 1.0
) -> Any:
    """Discriminator loss of Goodfellow et al. 2014, eq. 1, as a minimisation.

    ``L_D = -[t log D(x) + (1 - t) log(1 - D(x))] - log(1 - D(G(z)))``

    ``t`` is the real target: 1.0, or 0.9 for one-sided label smoothing
    (Salimans et al. 2016, "Improved Techniques for Training GANs", sec. 3.4),
    which smooths only the real side. ``real_logits`` and ``fake_logits`` must
    have the same batch size (one real and one fake per example).

    Same as TF-GAN's ``minimax_discriminator_loss`` and
    ``modified_discriminator_loss`` (one function there too). Their
    ``label_smoothing=s`` smooths towards 1/2, ``t = 1 - s/2``: TF-GAN's
    default ``s = 0.25`` is ``t = 0.875``, and this zoo's ``label_smoothing``
    config ``l`` (``t = 1 - l``) is TF-GAN's ``s = 2 l``.
    """
    return _bce(real_logits, real_target) + _bce(fake_logits, 0.0)


modified_discriminator_loss = minimax_discriminator_loss


def minimax_generator_loss(fake_logits: Any) -> Any:
    """Generator loss of the minimax game (Goodfellow et al. 2014, eq. 1).

    ``L_G = log(1 - D(G(z)))``; it saturates when D rejects the samples early
    in training, which is why the paper recommends the non-saturating loss.

    TF-GAN's ``minimax_generator_loss`` is ``-minimax_discriminator_loss`` with
    the real logits set to 1, i.e. this loss plus the constant
    ``log sigmoid(1) = -softplus(-1) ~ -0.3133``: same gradients, values
    lower by ``softplus(-1)``.
    """
    return -_bce(fake_logits, 0.0)


def non_saturating_generator_loss(fake_logits: Any) -> Any:
    """Non-saturating generator loss (Goodfellow et al. 2014, sec. 3).

    ``L_G = -log D(G(z))``: same fixed point as the minimax loss, stronger
    gradients early in training. Used by DCGAN and most later GANs.
    TF-GAN's ``modified_generator_loss`` (whose ``label_smoothing`` defaults to 0).
    """
    return _bce(fake_logits, 1.0)


modified_generator_loss = non_saturating_generator_loss


def wasserstein_discriminator_loss(real_logits: Any, fake_logits: Any) -> Any:
    """WGAN critic loss (Arjovsky, Chintala & Bottou 2017, Algorithm 1).

    ``L_D = D(G(z)) - D(x)``: the critic maximises the estimate of the
    Wasserstein-1 distance; meaningful only for a (roughly) 1-Lipschitz
    critic, see `keras_gan_zoo.regularizers`. No label smoothing (no labels).
    """
    return per_example_mean(_float(fake_logits)) - per_example_mean(_float(real_logits))


def wasserstein_generator_loss(fake_logits: Any) -> Any:
    """WGAN generator loss (Arjovsky, Chintala & Bottou 2017, Algorithm 1): ``L_G = -D(G(z))``.

    Also the generator side of the hinge loss (`wasserstein_hinge_generator_loss`).
    """
    return -per_example_mean(_float(fake_logits))


wasserstein_hinge_generator_loss = wasserstein_generator_loss


def wasserstein_hinge_discriminator_loss(
    real_logits: Any, fake_logits: Any
) -> Any:
    """Hinge discriminator loss (Lim & Ye 2017, Geometric GAN; Miyato et al. 2018, SN-GAN).

    ``L_D = max(0, 1 - D(x)) + max(0, 1 + D(G(z)))``; the generator loss is
    ``-D(G(z))``. No label smoothing (the margins play that role).
    """
    return per_example_mean(ops.relu(1.0 - _float(real_logits))) + per_example_mean(
        ops.relu(1.0 + _float(fake_logits))
    )


def least_squares_discriminator_loss(
    real_outputs: Any,
    fake_outputs: Any,
    real_target: float = 1.0,
    fake_target: float = 0.0,
) -> Any:
    """Least-squares discriminator loss (Mao et al. 2017, LSGAN, eq. 2).

    ``L_D = 1/2 (D(x) - b)^2 + 1/2 (D(G(z)) - a)^2`` with ``b = real_target``,
    ``a = fake_target``. ``real_target`` below 1 smooths the real side like
    the cross-entropy losses do (TF-GAN: ``real_label``, ``fake_label``).
    """
    real = _float(real_outputs)
    fake = _float(fake_outputs)
    return 0.5 * per_example_mean(ops.square(real - real_target)) + 0.5 * per_example_mean(
        ops.square(fake - fake_target)
    )


def least_squares_generator_loss(fake_outputs: Any, real_target: float = 1.0) -> Any:
    """Least-squares generator loss (Mao et al. 2017, LSGAN, eq. 2, c = real_target).

    ``L_G = 1/2 (D(G(z)) - c)^2`` (TF-GAN: ``real_label``).
    """
    return 0.5 * per_example_mean(ops.square(_float(fake_outputs) - real_target))


def _relativistic_average(
    real_logits: Any, fake_logits: Any, real_target: float
) -> Any:
    real = _float(real_logits)
    fake = _float(fake_logits)
    return _bce(real - ops.mean(fake), real_target) + _bce(
        fake - ops.mean(real), 1.0 - real_target
    )


def relativistic_discriminator_loss(
    real_logits: Any, fake_logits: Any
) -> Any:
    """Relativistic average discriminator loss (Jolicoeur-Martineau 2018, "The relativistic
    discriminator", RaSGAN).

    ``L_D = -log sigmoid(C(x) - E C(G(z))) - log(1 - sigmoid(C(G(z)) - E C(x)))``

    **Batch-level**: each example is compared with the mean logit of the
    *other* side over the whole batch (all spatial positions), so example
    i's value depends on the batch, and under a distribution strategy the
    mean is this replica's (a step on N replicas is not a step on one).
    No label smoothing.
    """
    return _relativistic_average(real_logits, fake_logits, 1.0)


def relativistic_generator_loss(real_logits: Any, fake_logits: Any) -> Any:
    """Relativistic average generator loss (Jolicoeur-Martineau 2018, "The relativistic
    discriminator", RaSGAN).

    ``L_G = -log(1 - sigmoid(C(x) - E C(G(z)))) - log sigmoid(C(G(z)) - E C(x))``

    The discriminator loss with the sides swapped: it needs D's logits on a
    real batch too. **Batch-level** like `relativistic_discriminator_loss`.
    """
    return _relativistic_average(real_logits, fake_logits, 0.0)


def _softmax_cross_entropy(
    one_hot_labels: Any, logits: Any, label_smoothing: float = 0.0
) -> Any:
    labels = _float(one_hot_labels)
    num_classes = ops.cast(ops.shape(labels)[-1], "float32")
    labels = labels * (1.0 - label_smoothing) + label_smoothing / num_classes
    return per_example_mean(ops.categorical_crossentropy(labels, _float(logits), from_logits=True))


def acgan_discriminator_loss(
    real_class_logits: Any,
    fake_class_logits: Any,
    one_hot_labels: Any,
    label_smoothing: float = 0.0,
) -> Any:
    """AC-GAN's class term for the discriminator (Odena, Olah & Shlens 2017, L_C).

    ``L = CE(c, Q(x)) + CE(c, Q(G(z, c)))`` with ``one_hot_labels`` ``[batch, K]``
    (``keras.ops.one_hot``); add it to a real/fake loss. ``label_smoothing``
    (real side only, as TF-GAN) mixes the one-hot targets with the uniform
    distribution: ``c (1 - s) + s / K``.
    """
    return _softmax_cross_entropy(one_hot_labels, fake_class_logits) + _softmax_cross_entropy(
        one_hot_labels, real_class_logits, label_smoothing
    )


def acgan_generator_loss(fake_class_logits: Any, one_hot_labels: Any) -> Any:
    """AC-GAN's class term for the generator (Odena, Olah & Shlens 2017, L_C).

    ``L = CE(c, Q(G(z, c)))``, ``one_hot_labels`` ``[batch, K]``; add it to a real/fake loss.
    """
    return _softmax_cross_entropy(one_hot_labels, fake_class_logits)


def mean_absolute_error(x: Any, y: Any) -> Any:
    """Per-example L1 distance ``mean |x - y|`` (pix2pix's L1 term, CycleGAN's cycle loss)."""
    return per_example_mean(ops.abs(_float(x) - _float(y)))


def categorical_mutual_information(codes: Any, logits: Any) -> Any:
    """Variational lower bound on I(c; G(z, c)) for a uniform categorical code, in nats
    (Chen et al. 2016, InfoGAN, Lemma 5.1, eq. 4).

    ``L_I = H(c) + E log Q(c | x) = ln K - CE(c, softmax(logits))``

    ``codes`` are the int category indices ``[batch]`` the fakes were generated
    from, ``logits`` Q's unnormalised scores ``[batch, K]`` (one softmax, inside
    the cross-entropy). ``L_I <= H(c) = ln K`` (2.30 nats for K = 10).
    """
    logits = _float(logits)
    num_categories = ops.cast(ops.shape(logits)[-1], "float32")
    cross_entropy = ops.sparse_categorical_crossentropy(
        ops.cast(codes, "int32"), logits, from_logits=True
    )
    return ops.log(num_categories) - cross_entropy


def gaussian_mutual_information(
    codes: Any,
    mean: Any,
    log_std: Any,
    low: float = -1.0,
    high: float = 1.0,
) -> Any:
    """Variational lower bound on I(c; G(z, c)) for continuous codes c ~ U(low, high)^d,
    with Q(c | x) a factored Gaussian, in nats (Chen et al. 2016, InfoGAN, sec. 5-6).

    ``L_I = sum_j [ ln(high - low) + log N(c_j; mean_j, exp(log_std_j)^2) ]``

    ``log_std`` broadcasts against ``mean`` (pass a constant for a fixed std).
    Returns ``[batch]``; with a learned std it is not bounded above.
    """
    codes = _float(codes)
    mean = _float(mean)
    log_std = _float(log_std) + ops.zeros_like(mean)
    log_likelihood = (
        -0.5 * ops.square((codes - mean) * ops.exp(-log_std))
        - log_std
        - 0.5 * math.log(2.0 * math.pi)
    )
    return ops.sum(log_likelihood + math.log(high - low), axis=-1)


def reconstruction_energy(images: Any, reconstructions: Any) -> Any:
    """EBGAN's energy: per-example mean squared reconstruction error of the
    auto-encoder discriminator (Zhao, Mathieu & LeCun 2016, sec. 2.3).

    ``D(x) = mean (Dec(Enc(x)) - x)^2`` (the paper writes the norm; the mean
    square keeps the margin independent of the image size).
    """
    images = _float(images)
    return per_example_mean(ops.square(_float(reconstructions) - images))


def margin_discriminator_loss(
    real_energy: Any, fake_energy: Any, margin: float
) -> Any:
    """EBGAN discriminator loss (Zhao, Mathieu & LeCun 2016, eq. 1).

    ``L_D = D(x) + max(0, m - D(G(z)))``: low energy for data, energy at
    least ``m`` for samples (fakes above the margin give no gradient).
    The generator loss is ``L_G = D(G(z))`` (eq. 2), plus `pulling_away_term`.
    """
    real_energy = _float(real_energy)
    return real_energy + ops.relu(float(margin) - _float(fake_energy))


def pulling_away_term(embeddings: Any, epsilon: float = 1e-12) -> Any:
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
    embeddings = _float(embeddings)
    embeddings = ops.reshape(embeddings, (ops.shape(embeddings)[0], -1))
    # x / sqrt(max(|x|^2, epsilon)), as tf.math.l2_normalize.
    squared_norms = ops.sum(ops.square(embeddings), axis=1, keepdims=True)
    unit = embeddings * ops.rsqrt(ops.maximum(squared_norms, epsilon))
    squared_cosines = ops.square(ops.matmul(unit, ops.transpose(unit)))
    diagonal = ops.diagonal(squared_cosines)
    off_diagonal = ops.sum(squared_cosines) - ops.sum(diagonal)
    n = ops.cast(ops.shape(embeddings)[0], "float32")
    return ops.divide_no_nan(off_diagonal, n * (n - 1.0))


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


class AdversarialLoss(NamedTuple):
    """The two losses of one ``adversarial_loss`` config value, with uniform signatures.

    ``discriminator(real_logits, fake_logits) -> [batch]`` and
    ``generator(fake_logits, real_logits=None) -> [batch]``; ``real_logits``
    is used (and required) by the losses in `GENERATOR_NEEDS_REAL_LOGITS` only.
    """

    discriminator: Callable[[Any, Any], Any]
    generator: Callable[..., Any]


_ADVERSARIAL_LOSSES = {
    "minimax": (minimax_discriminator_loss, minimax_generator_loss),
    "non_saturating": (minimax_discriminator_loss, non_saturating_generator_loss),
    "wasserstein": (wasserstein_discriminator_loss, wasserstein_generator_loss),
    "least_squares": (least_squares_discriminator_loss, least_squares_generator_loss),
    "hinge": (wasserstein_hinge_discriminator_loss, wasserstein_hinge_generator_loss),
    "relativistic": (relativistic_discriminator_loss, relativistic_generator_loss),
}

#: The values of the ``adversarial_loss`` config key.
ADVERSARIAL_LOSSES = tuple(_ADVERSARIAL_LOSSES)
#: Not per-example separable: the value of example i depends on this replica's batch.
BATCH_LEVEL_LOSSES = frozenset({"relativistic"})
#: Their generator loss needs D's logits on a real batch as well as on the fakes.
GENERATOR_NEEDS_REAL_LOGITS = frozenset({"relativistic"})
_SMOOTHABLE = ("minimax", "non_saturating", "least_squares")


def adversarial_losses(name: str, real_target: float = 1.0) -> AdversarialLoss:
    """The discriminator and generator losses for ``adversarial_loss: <name>``.

    ``name`` is one of `ADVERSARIAL_LOSSES`: ``minimax`` and ``non_saturating``
    (Goodfellow et al. 2014; same D loss, G loss ``log(1 - D(G(z)))`` or
    ``-log D(G(z))``), ``wasserstein``, ``least_squares``, ``hinge``,
    ``relativistic`` (relativistic average, batch-level). ``real_target``
    below 1 is one-sided label smoothing, bound into the D loss; only the
    minimax, non-saturating and least-squares losses have a real target.

        d_loss, g_loss = adversarial_losses("hinge")
        per_example = d_loss(real_logits, fake_logits)
    """
    if name not in _ADVERSARIAL_LOSSES:
        raise ValueError(
            f"Unknown adversarial_loss {name!r}; choose one of {list(ADVERSARIAL_LOSSES)}."
        )
    if real_target != 1.0 and name not in _SMOOTHABLE:
        raise ValueError(
            f"adversarial_loss {name!r} has no real target to smooth (real_target="
            f"{real_target}); set label_smoothing to 0, or use one of {list(_SMOOTHABLE)}."
        )
    discriminator_loss, generator_loss = _ADVERSARIAL_LOSSES[name]

    def discriminator(real_logits: Any, fake_logits: Any) -> Any:
        if name in _SMOOTHABLE:
            return discriminator_loss(real_logits, fake_logits, real_target=real_target)
        return discriminator_loss(real_logits, fake_logits)

    def generator(fake_logits: Any, real_logits: Any | None = None) -> Any:
        if name not in GENERATOR_NEEDS_REAL_LOGITS:
            return generator_loss(fake_logits)
        if real_logits is None:
            raise ValueError(
                f"The {name} generator loss compares fakes with reals: pass "
                "real_logits, D's logits on a real batch, too."
            )
        return generator_loss(real_logits, fake_logits)

    discriminator.__doc__ = discriminator_loss.__doc__
    generator.__doc__ = generator_loss.__doc__
    return AdversarialLoss(discriminator, generator)
