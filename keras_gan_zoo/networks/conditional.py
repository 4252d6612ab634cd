"""Networks with class-label or latent-code inputs (CGAN, InfoGAN) and InfoGAN's Q head.

Conditioning is by **concatenation**, as in Mirza & Osindero 2014 ("Conditional
Generative Adversarial Nets", arXiv:1411.1784, sec. 3.2): the label y, as a
one-hot vector or a learned embedding, is concatenated with the noise z at
G's input and with the image at D's input. (A popular Keras reimplementation
multiplies a label embedding element-wise into z and into the flattened image
instead; that is not the paper's model.) D's other ways to use the labels
(`conditional_discriminator`): the **projection** discriminator (Miyato &
Koyama 2018) and an **auxiliary classifier** head (AC-GAN, Odena et al. 2017).

The builders wrap the zoo's unconditional networks (`mlp_*`, `dcgan_*`) as a
*body*: they add the label/code inputs and the concatenation in front and call
``body_builder(input_dim_or_shape, name=...)`` for the rest, so the MLP and
convolutional variants share every layer definition with GAN and DCGAN.
"""

from __future__ import annotations

from functools import partial
from typing import Callable, Sequence

import keras
from keras import layers

from keras_gan_zoo.networks.dcgan import dense_block
from keras_gan_zoo.networks.layers import apply_layers, spectral, weight_init

#: ``body_builder(input_size, name=...) -> keras.Model``, e.g.
#: ``functools.partial(mlp_generator, image_shape=(28, 28, 1))``.
BodyBuilder = Callable[..., keras.Model]

LABEL_MODES = ("vector", "maps")
#: How D sees the label: concatenated at its input (the CGAN paper), projected on
#: its features (Miyato & Koyama 2018), or not at all (AC-GAN: only its class head).
CONDITIONINGS = ("concat", "projection", "none")


def label_encoder(
    num_classes: int, embedding_dim: int | None = None, name: str | None = None
) -> layers.Layer:
    """int labels ``[batch]`` -> one-hot ``[batch, num_classes]`` (``embedding_dim=None``)
    or a learned embedding ``[batch, embedding_dim]``."""
    if embedding_dim is None:
        return layers.CategoryEncoding(num_classes, output_mode="one_hot", name=name)
    return layers.Embedding(num_classes, int(embedding_dim), name=name)


def conditional_generator(
    body_builder: BodyBuilder,
    latent_dim: int,
    num_classes: int,
    embedding_dim: int | None = None,
    code_dim: int = 0,
    label_name: str = "label",
    name: str = "generator",
) -> keras.Model:
    """``[z, label]`` (and ``code`` if ``code_dim``) -> ``body(concat(z, encode(label), code))``.

    ``label`` is int32 ``[batch]``; ``code`` (InfoGAN's continuous codes) is
    float ``[batch, code_dim]``. The body is an unconditional generator built
    for the concatenated input size.
    """
    z = keras.Input((latent_dim,), name="z")
    label = keras.Input((), dtype="int32", name=label_name)
    inputs = [z, label]
    parts = [z, label_encoder(num_classes, embedding_dim, name=f"{label_name}_encoding")(label)]
    if code_dim:
        code = keras.Input((code_dim,), name="continuous")
        inputs.append(code)
        parts.append(code)
    x = layers.Concatenate(name="latent")(parts)
    body = body_builder(int(x.shape[-1]), name=f"{name}_body")
    return keras.Model(inputs, body(x), name=name)


def conditional_discriminator(
    body_builder: BodyBuilder,
    image_shape: Sequence[int],
    num_classes: int,
    embedding_dim: int | None = None,
    label_mode: str = "vector",
    conditioning: str = "concat",
    auxiliary_classifier: bool = False,
    spectral_norm: bool = False,
    name: str = "discriminator",
) -> keras.Model:
    """``[images, label]`` (``images`` with ``conditioning="none"``) -> one logit,
    and with ``auxiliary_classifier`` ``[logits, class_logits]``.

    ``conditioning``:

    * ``"concat"`` (the CGAN paper): the label joins the image at the body's
      input. ``label_mode="vector"`` (MLP): the flattened image and the label
      vector are concatenated, the body gets ``(H*W*C + E,)``; ``"maps"``
      (convolutional): the label vector is broadcast to ``E`` constant feature
      maps stacked on the image channels, the body gets ``(H, W, C + E)``.
    * ``"projection"`` (Miyato & Koyama 2018, eq. 3): the body sees the image;
      ``logit = psi(phi(x)) + <embed(y), phi(x)>`` with ``phi(x)`` the body's
      features (the input of its logit block), ``psi`` the logit block and
      ``embed`` a learned class embedding of the features' size.
    * ``"none"``: the body sees the image only (AC-GAN, with the class head).

    ``auxiliary_classifier`` (Odena et al. 2017): a linear class head on
    ``phi(x)``, ``class_logits`` ``[batch, num_classes]``. The body builder
    must take ``return_features`` for ``"projection"`` or the class head.
    ``spectral_norm`` normalises the embedding and the class head too (the body
    takes its own options).
    """
    if label_mode not in LABEL_MODES:
        raise ValueError(f"label_mode must be one of {LABEL_MODES}, got {label_mode!r}.")
    if conditioning not in CONDITIONINGS:
        raise ValueError(
            f"conditioning must be one of {CONDITIONINGS} (concat: the CGAN paper's), "
            f"got {conditioning!r}.")
    height, width, _ = (int(d) for d in image_shape)
    images = keras.Input(tuple(image_shape), name="images")
    label = keras.Input((), dtype="int32", name="label")
    x, body_input = images, tuple(image_shape)
    if conditioning == "concat":
        encoded = label_encoder(num_classes, embedding_dim, name="label_encoding")(label)
        if label_mode == "vector":
            x = layers.Concatenate(name="image_and_label")([layers.Flatten()(images), encoded])
        else:
            maps = layers.Reshape((1, 1, int(encoded.shape[-1])))(encoded)
            maps = layers.UpSampling2D((height, width), name="label_maps")(maps)
            x = layers.Concatenate(name="image_and_label")([images, maps])
        body_input = tuple(int(d) for d in x.shape[1:])
    with_features = conditioning == "projection" or auxiliary_classifier
    body = body_builder(body_input, name=f"{name}_body",
                        **({"return_features": True} if with_features else {}))
    logits, features = body(x) if with_features else (body(x), None)
    if conditioning == "projection":
        # embed(y) = one_hot(y) V, a Dense layer so that spectral norm can wrap it.
        embed = layers.Dense(int(features.shape[-1]), use_bias=False,
                             kernel_initializer=weight_init(), name="class_embedding")
        embedded = spectral(embed, spectral_norm)(label_encoder(num_classes)(label))
        logits = layers.Add(name="logits")(
            [logits, layers.Dot(axes=1, name="projection")([embedded, features])])
    outputs = logits
    if auxiliary_classifier:
        class_head = layers.Dense(num_classes, kernel_initializer=weight_init(),
                                  name="class_logits")
        outputs = [logits, spectral(class_head, spectral_norm)(features)]
    inputs = images if conditioning == "none" else [images, label]
    return keras.Model(inputs, outputs, name=name)


def code_posterior_head(
    feature_dim: int,
    num_categories: int,
    num_continuous: int,
    hidden_units: Sequence[int] = (128,),
    learn_std: bool = False,
    negative_slope: float = 0.1,
    name: str = "q_head",
) -> keras.Model:
    """InfoGAN's Q head on the discriminator's features (Chen et al. 2016, appendix C).

    features -> FC (batch norm, LeakyReLU) -> a dict of
    ``categorical_logits`` ``[batch, num_categories]`` (logits: the softmax is
    applied once, inside the cross-entropy), ``continuous_mean`` and, with
    ``learn_std``, ``continuous_log_std`` ``[batch, num_continuous]`` (the
    factored Gaussian Q(c|x); without it the std is a fixed constant).
    """
    features = keras.Input((feature_dim,), name="features")
    x = features
    for units in hidden_units:
        x = apply_layers(dense_block(units, partial(layers.LeakyReLU, negative_slope)), x)
    outputs = {
        "categorical_logits": layers.Dense(
            num_categories, kernel_initializer=weight_init(), name="categorical_logits"
        )(x)
    }
    if num_continuous:
        outputs["continuous_mean"] = layers.Dense(
            num_continuous, kernel_initializer=weight_init(), name="continuous_mean"
        )(x)
        if learn_std:
            outputs["continuous_log_std"] = layers.Dense(
                num_continuous, kernel_initializer=weight_init(), name="continuous_log_std"
            )(x)
    return keras.Model(features, outputs, name=name)
