"""Every network builder the eight entries use builds under the active Keras backend, and a
forward pass (training and inference, eager and inside a compiled `stateless_call`: ``jax.jit``
on JAX, ``tf.function`` on TensorFlow) gives finite outputs of the expected shapes."""

from __future__ import annotations

from functools import partial
from typing import Any, Callable

import keras
import numpy as np
import pytest

from keras_gan_zoo.networks import (
    code_posterior_head,
    conditional_discriminator,
    conditional_generator,
    coupled_discriminators,
    coupled_generators,
    dcgan_autoencoder,
    dcgan_discriminator,
    dcgan_discriminator_blocks,
    dcgan_generator,
    dcgan_generator_blocks,
    mlp_discriminator,
    mlp_generator,
    patchgan_discriminator,
    resnet_generator,
    unet_generator,
)
from keras_gan_zoo.networks.options import DiscriminatorOptions
from tests.networks.stateless import compiled_stateless_call, state

BATCH = 4
DIGIT = (28, 28, 1)
RGB = (32, 32, 3)
#: Every D option at once (minibatch discrimination and std, spectral norm).
ALL = DiscriminatorOptions(minibatch_discrimination=3, minibatch_stddev=True, spectral_norm=True)
LAYER_NORM = DiscriminatorOptions(layer_norm=True)


def z(dim: int = 8) -> np.ndarray:
    return np.random.default_rng(0).standard_normal((BATCH, dim)).astype(np.float32)


def images(shape: tuple[int, ...]) -> np.ndarray:
    return np.random.default_rng(1).uniform(-1, 1, (BATCH, *shape)).astype(np.float32)


LABELS = np.array([0, 3, 7, 9], np.int32)

#: name -> (build, inputs, expected output shapes without the batch axis). The entries using
#: each: gan (mlp_*), dcgan, cgan (conditional_* on MLP and DCGAN bodies), infogan (conditional
#: generator, DCGAN D with features, Q head), coupledgan, ebgan (auto-encoder), pix2pix (U-Net,
#: PatchGAN), cyclegan (ResNet, instance-norm PatchGAN).
CASES: dict[str, tuple[Callable[[], Any], Callable[[], Any], list[tuple[int, ...]]]] = {
    "mlp_generator": (lambda: mlp_generator(8, DIGIT, (16, 32)), z, [DIGIT]),
    "mlp_discriminator": (lambda: mlp_discriminator(DIGIT, (16, 8), options=ALL),
                          lambda: images(DIGIT), [(1,)]),
    "mlp_discriminator_features": (
        lambda: mlp_discriminator(DIGIT, (16, 8), return_features=True),
        lambda: images(DIGIT), [(1,), (8,)]),
    "dcgan_generator": (lambda: dcgan_generator(8, DIGIT, filters=4), z, [DIGIT]),
    "dcgan_generator_fc": (lambda: dcgan_generator(8, RGB, filters=4, hidden_units=(16,)), z,
                           [RGB]),
    "dcgan_discriminator": (lambda: dcgan_discriminator(DIGIT, filters=4),
                            lambda: images(DIGIT), [(1,)]),
    "dcgan_discriminator_all_options": (
        lambda: dcgan_discriminator(DIGIT, filters=4, hidden_units=(16,), return_features=True,
                                    options=ALL),
        lambda: images(DIGIT), [(1,), (16,)]),
    "dcgan_discriminator_layer_norm": (
        lambda: dcgan_discriminator(RGB, filters=4, options=LAYER_NORM),
        lambda: images(RGB), [(1,)]),
    "conditional_generator_mlp": (
        lambda: conditional_generator(partial(mlp_generator, image_shape=DIGIT,
                                              hidden_units=(16,)), 8, 10),
        lambda: [z(), LABELS], [DIGIT]),
    "conditional_generator_codes": (  # InfoGAN's: categorical code and continuous codes
        lambda: conditional_generator(partial(dcgan_generator, image_shape=DIGIT, filters=4,
                                              hidden_units=(16,)), 8, 10, code_dim=2,
                                      label_name="categorical"),
        lambda: [z(), LABELS, z(2)], [DIGIT]),
    "conditional_generator_embedding": (
        lambda: conditional_generator(partial(dcgan_generator, image_shape=DIGIT, filters=4),
                                      8, 10, embedding_dim=5),
        lambda: [z(), LABELS], [DIGIT]),
    "conditional_discriminator_concat_vector": (
        lambda: conditional_discriminator(partial(mlp_discriminator, hidden_units=(16,),
                                                  options=ALL), DIGIT, 10),
        lambda: [images(DIGIT), LABELS], [(1,)]),
    "conditional_discriminator_concat_maps": (
        lambda: conditional_discriminator(partial(dcgan_discriminator, filters=4), DIGIT, 10,
                                          label_mode="maps"),
        lambda: [images(DIGIT), LABELS], [(1,)]),
    "conditional_discriminator_projection_acgan": (
        lambda: conditional_discriminator(partial(dcgan_discriminator, filters=4, options=ALL),
                                          DIGIT, 10, conditioning="projection",
                                          auxiliary_classifier=True, spectral_norm=True),
        lambda: [images(DIGIT), LABELS], [(1,), (10,)]),
    "conditional_discriminator_acgan": (
        lambda: conditional_discriminator(partial(dcgan_discriminator, filters=4), DIGIT, 10,
                                          conditioning="none", auxiliary_classifier=True),
        lambda: images(DIGIT), [(1,), (10,)]),
    "code_posterior_head": (
        lambda: code_posterior_head(16, 10, 2, (8,), learn_std=True),
        lambda: z(16), {"categorical_logits": (10,), "continuous_mean": (2,),
                        "continuous_log_std": (2,)}),
    "coupled_generators": (
        lambda: coupled_generators(dcgan_generator_blocks(DIGIT, 4), 8)[0], z, [(28, 28, 2)]),
    "coupled_generator_a": (
        lambda: coupled_generators(dcgan_generator_blocks(DIGIT, 4), 8)[1][0], z, [DIGIT]),
    "coupled_discriminators": (
        lambda: coupled_discriminators(dcgan_discriminator_blocks(DIGIT, 4, options=ALL),
                                       DIGIT, private_blocks=1)[0],
        lambda: images((28, 28, 2)), [(2,)]),
    "dcgan_autoencoder": (lambda: dcgan_autoencoder(DIGIT, 4, embedding_dim=8),
                          lambda: images(DIGIT), [DIGIT, (8,)]),
    "unet_generator": (lambda: unet_generator(RGB, 3, filters=4, max_filters=8, seed=0),
                       lambda: images(RGB), [RGB]),
    "unet_generator_instance": (
        lambda: unet_generator((32, 32, 1), 3, filters=4, max_filters=8, norm="instance"),
        lambda: images((32, 32, 1)), [RGB]),
    "patchgan_70": (lambda: patchgan_discriminator((32, 32, 6), 4, 70),
                    lambda: images((32, 32, 6)), [(2, 2, 1)]),
    "patchgan_16_instance": (lambda: patchgan_discriminator(RGB, 4, 16, norm="instance"),
                             lambda: images(RGB), [(14, 14, 1)]),
    "pixelgan": (lambda: patchgan_discriminator(RGB, 4, 1, norm="none"),
                 lambda: images(RGB), [(32, 32, 1)]),
    "resnet_generator": (lambda: resnet_generator(RGB, 3, filters=4, num_blocks=2),
                         lambda: images(RGB), [RGB]),
}


def flat(outputs: Any) -> list[np.ndarray]:
    """The outputs as numpy arrays, a dict's in key order."""
    if isinstance(outputs, dict):
        outputs = [outputs[k] for k in sorted(outputs)]
    elif not isinstance(outputs, (list, tuple)):
        outputs = [outputs]
    return [keras.ops.convert_to_numpy(o) for o in outputs]


def expected_shapes(shapes: Any) -> list[tuple[int, ...]]:
    if isinstance(shapes, dict):
        shapes = [shapes[k] for k in sorted(shapes)]
    return [(BATCH, *shape) for shape in shapes]


def check(outputs: Any, shapes: Any) -> list[np.ndarray]:
    arrays = flat(outputs)
    assert [a.shape for a in arrays] == expected_shapes(shapes)
    assert all(np.isfinite(a).all() for a in arrays)
    return arrays


@pytest.mark.parametrize("name", sorted(CASES))
def test_builder_runs_eagerly_and_compiled_with_finite_outputs_of_the_right_shape(name):
    build, make_inputs, shapes = CASES[name]
    model = build()
    inputs = make_inputs()
    for training in (False, True):
        check(model(inputs, training=training), shapes)
    # The compiled stateless call: the same inference outputs; a training call returns the
    # non-trainable state it updated (batch-norm statistics, the spectral-norm u, ...).
    eager = flat(model(inputs, training=False))
    outputs, _ = compiled_stateless_call(model, training=False)(*state(model), inputs)
    for a, b in zip(check(outputs, shapes), eager):
        np.testing.assert_allclose(a, b, rtol=1e-4, atol=1e-5)
    outputs, non_trainable = compiled_stateless_call(model, training=True)(*state(model), inputs)
    check(outputs, shapes)
    assert len(non_trainable) == len(model.non_trainable_variables)
    for variable, value in zip(model.non_trainable_variables, non_trainable):
        variable.assign(value)  # concrete values: nothing leaked out of the trace
    check(model(inputs, training=False), shapes)
