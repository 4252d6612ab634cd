"""The training engine (`keras_gan_zoo.engine`): the backend it picks, the JAX step under
`fit` and under `keras.distribution.DataParallel`, and the backends it refuses."""

from __future__ import annotations

import os
import re
import subprocess
import sys

import keras
import numpy as np
import pytest

import keras_gan_zoo as zoo
from keras_gan_zoo import engine

SMALL = dict(generator_filters=8, discriminator_filters=8, latent_dim=8, image_shape=(16, 16, 1))


def test_the_engine_is_the_active_backends():
    assert engine.BACKEND == keras.backend.backend()
    assert engine.SYNCHRONIZED_BATCH_NORM is (engine.BACKEND == "tensorflow")


def test_an_unsupported_backend_is_refused_in_one_line_naming_the_supported_ones():
    # numpy stands for torch here (torch is not installed on CI); both take the same path.
    done = subprocess.run([sys.executable, "-c", "import keras_gan_zoo"], capture_output=True,
                          text=True, env={**os.environ, "KERAS_BACKEND": "numpy"}, timeout=300)
    assert done.returncode != 0
    last = done.stderr.strip().splitlines()[-1]
    assert last.startswith("ImportError: keras_gan_zoo runs on the Keras backends tensorflow and jax")
    assert "KERAS_BACKEND=jax" in last


def test_fit_and_direct_steps_train_alike():
    """`fit` (compiled) and ``train_step`` called step by step (eager) give the same weights:
    the step is the same function of the state on either backend. (A step's draws are
    numbered as they are traced: `fit` traces once, so each eager step starts from 0.)"""
    batch = zoo.build("dcgan", seed=0, **SMALL).example_batch(8)
    weights = {}
    for how in ("fit", "direct"):
        keras.utils.set_random_seed(0)
        model = zoo.build("dcgan", seed=0, **SMALL)
        model.compile()
        if how == "fit":
            model.fit(batch, batch_size=4, epochs=1, shuffle=False, verbose=0)
        else:
            for start in (0, 4):
                model._random_draws = 0
                model.train_step(batch[start:start + 4])
        assert int(model.g_optimizer.iterations) == int(model.d_optimizer.iterations) == 2
        weights[how] = model.get_weights()
    for fitted, direct in zip(weights["fit"], weights["direct"]):
        np.testing.assert_allclose(fitted, direct, atol=1e-5)


@pytest.mark.jax_only(reason="keras.distribution.DataParallel over JAX devices")
@pytest.mark.distributed
def test_a_step_on_two_devices_equals_a_step_on_one():
    import jax

    devices = jax.devices()
    assert len(devices) >= 2, "tests/conftest.py asks XLA for two host devices"
    batch = zoo.build("dcgan", seed=0, **SMALL).example_batch(8)
    weights = {}
    for count in (1, 2):
        distribution = keras.distribution.DataParallel(devices=devices[:count])
        with distribution.scope():
            keras.utils.set_random_seed(0)
            model = zoo.build("dcgan", seed=0, **SMALL)
            model.compile()
            model.fit(batch, batch_size=8, epochs=1, shuffle=False, verbose=0)
        weights[count] = model.get_weights()
    for one, two in zip(weights[1], weights[2]):
        np.testing.assert_allclose(one, two, atol=1e-5)


def test_a_fit_that_fails_in_its_first_step_keeps_the_weights():
    """On JAX, Keras' `fit` detaches the variables' values while training; a first step that
    raises left none (every later call failed with a TypeError). The model stays usable."""
    model = zoo.build("dcgan", seed=0, **SMALL)
    model.compile()
    before = model.get_weights()
    wrong = np.zeros((4, 8, 8, 1), "float32")  # not image_shape
    with pytest.raises(ValueError):
        model.fit(wrong, batch_size=4, epochs=1, verbose=0, check_input_range=False)
    for kept, original in zip(model.get_weights(), before):
        np.testing.assert_array_equal(kept, original)
    model.fit(model.example_batch(4), batch_size=4, epochs=1, verbose=0)  # trains on
    assert int(model.g_optimizer.iterations) == 1


def _transposed_conv_loss(conv_transpose):
    """``sum(sin(conv_transpose(x, K)))`` for a transposed convolution ``conv_transpose``."""
    return lambda x, kernel: keras.ops.sum(keras.ops.sin(conv_transpose(x, kernel)))


@pytest.mark.jax_only(reason="the gradient JAX derives for conv_transpose")
def test_conv_transposes_gradient_has_no_input_dilated_convolution():
    """JAX's own gradient of the kernel of ``conv_transpose`` is a convolution with an input
    (lhs) dilation, slow on XLA:CPU; `engine.conv_transpose`'s gradients are strided
    convolutions, with the same values."""
    import jax

    rng = np.random.default_rng(0)
    x = rng.normal(size=(2, 7, 6, 8)).astype(np.float32)
    kernel = rng.normal(size=(5, 5, 4, 8)).astype(np.float32)
    ours = _transposed_conv_loss(lambda x, k: engine.conv_transpose(x, k, (2, 2), "same"))
    keras_own = _transposed_conv_loss(
        lambda x, k: keras.ops.conv_transpose(x, k, strides=2, padding="same"))

    def input_dilated_convolutions(function):  # in the program of function(x, kernel)
        program = str(jax.make_jaxpr(function)(x, kernel))
        dilations = re.findall(r"lhs_dilation=\((\d+), (\d+)\)", program)
        return sum(max(map(int, d)) > 1 for d in dilations)

    # The forward pass is one (fast); Keras' gradient adds another, ours none.
    assert input_dilated_convolutions(ours) == 1
    assert input_dilated_convolutions(jax.grad(keras_own, (0, 1))) == 2
    assert input_dilated_convolutions(jax.grad(ours, (0, 1))) == 1
    for a, b in zip(jax.grad(ours, (0, 1))(x, kernel), jax.grad(keras_own, (0, 1))(x, kernel)):
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-5 * np.abs(b).max())


@pytest.mark.jax_only(reason="the padding of the convolution behind JAX's conv_transpose gradient")
@pytest.mark.parametrize("kernel_size, stride, padding", [
    (3, 1, "same"), (4, 2, "same"), (1, 2, "same"), (3, 3, "same"),
    (5, 2, "valid"), (2, 3, "valid"), (4, 1, "valid")])
def test_conv_transpose_equals_keras_for_each_size_stride_and_padding(kernel_size, stride, padding):
    """Values and both gradients equal Keras' op for even and odd kernels, kernels smaller
    than the stride, and either padding (the adjoint convolution's padding is computed here)."""
    import jax

    rng = np.random.default_rng(kernel_size * 10 + stride)
    x = rng.normal(size=(2, 5, 4, 3)).astype(np.float32)
    kernel = rng.normal(size=(kernel_size, kernel_size, 2, 3)).astype(np.float32)
    ours = _transposed_conv_loss(
        lambda x, k: engine.conv_transpose(x, k, (stride, stride), padding))
    keras_own = _transposed_conv_loss(
        lambda x, k: keras.ops.conv_transpose(x, k, strides=stride, padding=padding))
    np.testing.assert_allclose(ours(x, kernel), keras_own(x, kernel), rtol=1e-5)
    for a, b in zip(jax.grad(ours, (0, 1))(x, kernel), jax.grad(keras_own, (0, 1))(x, kernel)):
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-5 * np.abs(b).max())


@pytest.mark.jax_only(reason="a custom JAX gradient differentiated again")
def test_conv_transposes_gradient_is_differentiable_again():
    """A penalty on the input gradient (double backpropagation through a network with a
    transposed convolution) has the same gradient as through Keras' op."""
    import jax

    rng = np.random.default_rng(1)
    x = rng.normal(size=(2, 5, 5, 3)).astype(np.float32)
    kernel = rng.normal(size=(4, 4, 2, 3)).astype(np.float32)

    def penalty(conv_transpose):
        loss = _transposed_conv_loss(conv_transpose)
        return lambda k: keras.ops.sum(keras.ops.square(jax.grad(loss)(x, k)))

    ours = jax.grad(penalty(lambda x, k: engine.conv_transpose(x, k, (2, 2), "same")))(kernel)
    expected = jax.grad(penalty(
        lambda x, k: keras.ops.conv_transpose(x, k, strides=2, padding="same")))(kernel)
    np.testing.assert_allclose(ours, expected, rtol=1e-5, atol=1e-5 * np.abs(expected).max())
