"""The zoo's own layers (`networks.layers`) on the active Keras backend, against numpy: the
same numbers on TensorFlow and JAX, eagerly, inside a `keras.StatelessScope` (how JAX's
stateless step calls D) and inside a compiled `stateless_call`."""

from __future__ import annotations

import keras
import numpy as np
import pytest

from keras_gan_zoo.networks import MinibatchDiscrimination, ReflectionPadding2D, SpectralNorm
from keras_gan_zoo.networks.dcgan import dcgan_discriminator
from keras_gan_zoo.networks.layers import (
    Conv2DTranspose,
    ReplicaDropout,
    batch_norm,
    dcgan_batch_norm,
    spectral,
)
from keras_gan_zoo.networks.options import DiscriminatorOptions
from tests.networks.stateless import compiled_stateless_call, state, value_and_gradient

to_numpy = keras.ops.convert_to_numpy


def power_iteration(w: np.ndarray, u: np.ndarray) -> tuple[np.ndarray, np.ndarray, float]:
    """Miyato et al. 2018, Algorithm 1, one iteration on ``W`` as ``[-1, out]``:
    ``(u', v, sigma)``."""
    matrix = w.reshape(-1, w.shape[-1])
    v = u @ matrix.T / np.linalg.norm(u @ matrix.T)
    new_u = v @ matrix / np.linalg.norm(v @ matrix)
    return new_u, v, float((v @ matrix @ new_u.T)[0, 0])


def test_spectral_norm_divides_by_sigma_and_updates_u_only_in_training():
    rng = np.random.default_rng(0)
    dense = keras.layers.Dense(3, bias_initializer=keras.initializers.Constant(0.5))
    layer = spectral(dense)
    x = rng.normal(size=(5, 4)).astype(np.float32)
    layer(x)
    w, b = dense.kernel.numpy().copy(), dense.bias.numpy().copy()
    u = layer.vector_u.numpy().copy()
    new_u, _, sigma = power_iteration(w, u)
    # Inference: sigma from one iteration on the stored u, which stays.
    np.testing.assert_allclose(to_numpy(layer(x)), x @ w / sigma + b, rtol=1e-5, atol=1e-6)
    np.testing.assert_array_equal(layer.vector_u.numpy(), u)
    out = to_numpy(layer(x, training=True))
    np.testing.assert_allclose(layer.vector_u.numpy(), new_u, rtol=1e-5)
    np.testing.assert_allclose(out, x @ w / sigma + b, rtol=1e-5, atol=1e-6)
    np.testing.assert_array_equal(dense.kernel.numpy(), w)  # the raw W stays the variable
    # A convolution's kernel [kh, kw, in, out] is normalised as a [kh * kw * in, out] matrix.
    conv = SpectralNorm(keras.layers.Conv2D(4, 3))
    conv(rng.normal(size=(2, 5, 5, 2)).astype(np.float32))
    kernel, u = conv.layer.kernel.numpy(), conv.vector_u.numpy()
    _, _, sigma = power_iteration(kernel, u)
    np.testing.assert_allclose(to_numpy(conv.normalized_kernel()), kernel / sigma, rtol=1e-5)


def test_spectral_norm_in_a_stateless_scope_records_u_and_reads_the_scopes_bias():
    rng = np.random.default_rng(1)
    dense = keras.layers.Dense(3)
    layer = spectral(dense)
    x = rng.normal(size=(5, 4)).astype(np.float32)
    layer(x)
    w, u = dense.kernel.numpy().copy(), layer.vector_u.numpy().copy()
    bias = np.array([1.0, -2.0, 3.0], np.float32)  # not the stored (zero) bias
    new_u, _, sigma = power_iteration(w, u)
    mapping = [(v, v.value) for v in layer.weights if v is not dense.bias] + [(dense.bias, bias)]
    with keras.StatelessScope(state_mapping=mapping) as scope:
        out = layer(x, training=True)
    np.testing.assert_allclose(to_numpy(out), x @ w / sigma + bias, rtol=1e-5, atol=1e-5)
    np.testing.assert_allclose(to_numpy(scope.get_current_value(layer.vector_u)), new_u,
                               rtol=1e-5)
    np.testing.assert_array_equal(layer.vector_u.numpy(), u)  # stored only by the caller
    np.testing.assert_array_equal(dense.bias.numpy(), 0.0)


def test_spectral_norm_gradient_reaches_the_bias_in_a_compiled_stateless_call():
    model = keras.Sequential([keras.Input((4,)), spectral(keras.layers.Dense(3))])
    x = np.random.default_rng(2).normal(size=(5, 4)).astype(np.float32)
    trainable, non_trainable = state(model)
    trainable[1] = trainable[1] + 1.0  # the bias the call is given, not the stored one
    kernel, u = (to_numpy(v) for v in (trainable[0], non_trainable[0]))
    new_u, _, sigma = power_iteration(kernel, u)
    out, (u_out,) = compiled_stateless_call(model, training=True)(trainable, non_trainable, x)
    np.testing.assert_allclose(to_numpy(out), x @ kernel / sigma + 1.0, rtol=1e-5, atol=1e-5)
    np.testing.assert_allclose(to_numpy(u_out), new_u, rtol=1e-5)


def minibatch_init(layer: MinibatchDiscrimination, x: np.ndarray
                   ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The authors' data-dependent init in numpy (improved-gan, nn.py ``MinibatchLayer``):
    the new log scale and bias, and the features of the init batch."""
    theta, log_scale = layer.theta.numpy(), layer.log_weight_scale.numpy()
    m = np.einsum("na,abc->nbc", x, theta * np.exp(log_scale) / np.sqrt((theta**2).sum(0)))
    l1 = np.abs(m[:, None] - m[None]).sum(-1) + 1e6 * np.eye(len(x))[..., None]
    nearest = 0.5 * l1.min(1).mean(0)  # the mean nearest-neighbour distance becomes 2
    features = np.exp(-l1 / nearest).sum(1)
    bias = -features.mean(0)
    return log_scale - np.log(nearest)[:, None], bias, features + bias


def test_minibatch_discrimination_init_in_a_stateless_scope_and_compiled():
    x = np.random.default_rng(3).normal(size=(6, 7)).astype(np.float32)
    layer = MinibatchDiscrimination(num_kernels=3, kernel_dim=4)
    model = keras.Sequential([keras.Input((7,)), layer])
    log_scale, bias, features = minibatch_init(layer, x)
    stored = [v.numpy().copy() for v in layer.weights]
    with keras.StatelessScope(state_mapping=[(v, v.value) for v in model.variables]) as scope:
        out = model(x, training=True)
    np.testing.assert_allclose(to_numpy(out)[:, 7:], features, rtol=1e-4, atol=1e-5)
    np.testing.assert_allclose(to_numpy(scope.get_current_value(layer.log_weight_scale)),
                               log_scale, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(to_numpy(scope.get_current_value(layer.bias)), bias,
                               rtol=1e-5, atol=1e-6)
    assert float(to_numpy(scope.get_current_value(layer.initialized))) == 1.0
    for before, variable in zip(stored, layer.weights):  # stored only by the caller
        np.testing.assert_array_equal(before, variable.numpy())
    # Compiled, the init is the same; once initialised, a training call changes nothing.
    call = compiled_stateless_call(model, training=True)
    out, (initialized,) = call(*state(model), x)
    np.testing.assert_allclose(to_numpy(out)[:, 7:], features, rtol=1e-4, atol=1e-5)
    assert float(to_numpy(initialized)) == 1.0
    model(x, training=True)
    initialised = [v.numpy().copy() for v in layer.weights]
    out, _ = call(*state(model), x[::-1])
    np.testing.assert_allclose(to_numpy(out), to_numpy(model(x[::-1])), rtol=1e-5, atol=1e-6)
    with keras.StatelessScope(state_mapping=[(v, v.value) for v in model.variables]) as scope:
        model(x[::-1], training=True)
    for before, variable in zip(initialised, layer.weights):
        np.testing.assert_allclose(to_numpy(scope.get_current_value(variable)), before,
                                   rtol=1e-6, atol=1e-7)


def test_a_discriminator_in_training_records_its_updates_in_a_stateless_scope():
    # How a stateless step calls D: every variable mapped, the updates read from the scope.
    options = DiscriminatorOptions(minibatch_discrimination=3, spectral_norm=True)
    model = dcgan_discriminator((28, 28, 1), filters=4, options=options)
    images = np.random.default_rng(4).uniform(-1, 1, (6, 28, 28, 1)).astype(np.float32)
    updated = [v for layer in model._flatten_layers() for v in (
        [layer.vector_u] if isinstance(layer, SpectralNorm) else
        [layer.log_weight_scale, layer.bias, layer.initialized]
        if isinstance(layer, MinibatchDiscrimination) else [])]
    assert len(updated) == 3 + 3  # u of two convolutions and the logit; the init's three
    before = [v.numpy().copy() for v in updated]
    with keras.StatelessScope(state_mapping=[(v, v.value) for v in model.variables]) as scope:
        logits = model(images, training=True)
    assert np.isfinite(to_numpy(logits)).all()
    for variable, old in zip(updated, before):
        new = to_numpy(scope.get_current_value(variable))
        assert np.isfinite(new).all() and not np.allclose(new, old), variable.path
        np.testing.assert_array_equal(variable.numpy(), old)
    if keras.backend.backend() == "jax":
        import jax

        with jax.checking_leaks():  # no tracer stays in a variable or a layer
            compiled_stateless_call(model, training=True)(*state(model), images)
    model(images, training=True)


@pytest.mark.parametrize("padding", [1, 3])
def test_reflection_padding_is_numpys_reflect(padding):
    x = np.random.default_rng(5).normal(size=(2, 6, 5, 3)).astype(np.float32)
    out = to_numpy(ReflectionPadding2D(padding)(x))
    pad = (padding, padding)
    np.testing.assert_array_equal(out, np.pad(x, [(0, 0), pad, pad, (0, 0)], mode="reflect"))


def test_replica_dropout_drops_in_training_only_and_draws_new_masks_each_call():
    layer = ReplicaDropout(0.5, seed=0)
    model = keras.Sequential([keras.Input((64, 32)), layer])
    x = np.ones((4, 64, 32), np.float32)
    np.testing.assert_array_equal(to_numpy(model(x)), x)
    first, second = (to_numpy(model(x, training=True)) for _ in range(2))
    for out in (first, second):
        assert set(np.unique(out)) <= {0.0, 2.0}  # kept values scaled by 1 / (1 - rate)
        assert 0.4 < (out == 0).mean() < 0.6
    assert (first != second).any()
    call = compiled_stateless_call(model, training=True)
    out, (seed_state,) = call(*state(model), x)
    assert 0.4 < (to_numpy(out) == 0).mean() < 0.6
    assert not np.array_equal(to_numpy(seed_state), layer.seed_generator.state.numpy())


def test_batch_norm_off_tensorflow_is_the_plain_layer():
    # On JAX, DataParallel runs one program over the global batch: plain batch norm's
    # statistics span it (Keras' synchronized=True exists on TensorFlow only).
    expected = keras.backend.backend() == "tensorflow"
    assert batch_norm().synchronized is expected
    assert dcgan_batch_norm().synchronized is expected
    assert batch_norm(synchronized=False).synchronized is False


@pytest.mark.tensorflow_only(reason="synchronized batch norm (all-reduced statistics over "
                                    "tf.distribute replicas) exists in Keras on TensorFlow only")
def test_batch_norm_is_synchronized_across_tf_distribute_replicas():
    layer = dcgan_batch_norm()
    assert layer.synchronized
    assert (layer.momentum, layer.epsilon) == (0.9, 1e-5)


@pytest.mark.jax_only(reason="keras.distribution.DataParallel over JAX devices (the conftest "
                             "makes two host devices)")
def test_batch_statistics_span_the_global_batch_under_data_parallel():
    # Plain batch norm, minibatch discrimination's init and minibatch std under DataParallel
    # on two devices compute what they compute on one: SPMD over the global batch.
    import jax

    assert len(jax.devices()) >= 2
    options = DiscriminatorOptions(minibatch_discrimination=3, minibatch_stddev=True)
    x = np.random.default_rng(6).uniform(-1, 1, (8, 28, 28, 1)).astype(np.float32)
    single = dcgan_discriminator((28, 28, 1), filters=4, options=options)
    logits, non_trainable = compiled_stateless_call(single, training=True)(*state(single), x)
    distribution = keras.distribution.DataParallel(devices=jax.devices()[:2])
    with distribution.scope():
        model = dcgan_discriminator((28, 28, 1), filters=4, options=options)
        model.set_weights(single.get_weights())
        sharded = jax.device_put(x, distribution.get_data_layout(x.shape).backend_layout)
        outputs = compiled_stateless_call(model, training=True)(*state(model), sharded)
    np.testing.assert_allclose(to_numpy(outputs[0]), to_numpy(logits), rtol=1e-5, atol=1e-6)
    for a, b in zip(outputs[1], non_trainable):  # moving statistics, the init's flag
        np.testing.assert_allclose(to_numpy(a), to_numpy(b), rtol=1e-5, atol=1e-6)


def transposed_pair(x: np.ndarray, dtype: str | None = None,
                    **kwargs) -> tuple[Conv2DTranspose, keras.layers.Conv2DTranspose]:
    """The zoo's `Conv2DTranspose` and Keras' with ``kwargs``, built on ``x``, same weights
    (a non-zero bias)."""
    ours = Conv2DTranspose(bias_initializer="random_normal", dtype=dtype, **kwargs)
    keras_layer = keras.layers.Conv2DTranspose(dtype=dtype, **kwargs)
    ours.build(x.shape)
    keras_layer.build(x.shape)
    keras_layer.set_weights(ours.get_weights())
    return ours, keras_layer


def outputs_and_gradients(layer: keras.layers.Layer, x: np.ndarray) -> list[np.ndarray]:
    """``layer(x)`` and the gradients of ``sum(sin(layer(x)))`` with respect to x, the kernel
    and the bias (float32)."""
    inputs = keras.Variable(x, name="inputs")

    def loss() -> object:
        y = layer(keras.ops.convert_to_tensor(inputs))
        return keras.ops.sum(keras.ops.sin(keras.ops.cast(y, "float32")))

    _, gradients = value_and_gradient(loss, [inputs, layer.kernel, layer.bias])
    return [to_numpy(keras.ops.cast(t, "float32")) for t in [layer(x), *gradients]]


@pytest.mark.parametrize("kernel_size, strides, padding, size", [
    (5, 2, "same", (7, 7)),  # DCGAN's upsampling on the digits
    (4, 2, "same", (7, 8)),  # U-Net's
    (3, 2, "same", (5, 6)),  # ResNet's
    (5, 2, "valid", (6, 5)),
    (4, 1, "valid", (5, 6)),
    (5, 1, "same", (6, 6)),
    (2, 3, "valid", (4, 5)),  # a kernel smaller than the stride: zeros between the taps
    pytest.param(1, 2, "same", (4, 5), marks=pytest.mark.jax_only(  # its adjoint crops
        reason="TensorFlow's conv2d_transpose crashes with a 1x1 kernel, stride 2, 'same'")),
])
def test_conv2d_transpose_is_keras_with_the_same_gradients(kernel_size, strides, padding, size):
    x = np.random.default_rng(0).normal(size=(3, *size, 4)).astype(np.float32)
    ours, theirs = transposed_pair(x, filters=6, kernel_size=kernel_size, strides=strides,
                                   padding=padding, activation="tanh")
    assert ours.name.startswith("conv2d_transpose")  # weight paths as Keras' layer's
    expected = outputs_and_gradients(theirs, x)
    got = outputs_and_gradients(ours, x)
    np.testing.assert_array_equal(got[0], expected[0])  # the same op forward
    for name, a, b in zip(("inputs", "kernel", "bias"), got[1:], expected[1:], strict=True):
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-5 * np.abs(b).max(), err_msg=name)


def test_conv2d_transpose_under_bfloat16_keeps_kerass_casts():
    x = np.random.default_rng(1).normal(size=(2, 7, 7, 8)).astype(np.float32)
    ours, theirs = transposed_pair(x, dtype="mixed_bfloat16", filters=4, kernel_size=5,
                                   strides=2, padding="same")
    assert ours.kernel.dtype == "float32" and ours(x).dtype == "bfloat16"
    expected = outputs_and_gradients(theirs, x)
    got = outputs_and_gradients(ours, x)
    np.testing.assert_array_equal(got[0], expected[0])
    for a, b in zip(got[1:], expected[1:], strict=True):  # bfloat16: 8 bits of mantissa
        np.testing.assert_allclose(a, b, rtol=0, atol=2e-2 * np.abs(b).max())


@pytest.mark.parametrize("kwargs", [dict(output_padding=1), dict(dilation_rate=2)])
def test_conv2d_transpose_with_keras_only_options_is_keras(kwargs):
    x = np.random.default_rng(2).normal(size=(2, 5, 5, 3)).astype(np.float32)
    strides = 1 if "dilation_rate" in kwargs else 2
    ours, theirs = transposed_pair(x, filters=2, kernel_size=3, strides=strides, **kwargs)
    for a, b in zip(outputs_and_gradients(ours, x), outputs_and_gradients(theirs, x)):
        np.testing.assert_array_equal(a, b)


def test_conv2d_transpose_round_trips_through_its_config():
    layer = Conv2DTranspose(3, 4, strides=2, padding="same", name="up")
    copy = keras.saving.deserialize_keras_object(keras.saving.serialize_keras_object(layer))
    assert type(copy) is Conv2DTranspose and copy.get_config() == layer.get_config()
