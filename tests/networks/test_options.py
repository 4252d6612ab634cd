"""Discriminator options (`networks.options`, `networks.layers`): minibatch discrimination,
minibatch stddev, spectral norm, and the ways D uses the labels (projection, AC-GAN)."""

from __future__ import annotations

import keras
import numpy as np
import pytest
import tensorflow as tf

import keras_gan_zoo as zoo
from keras_gan_zoo.distribute import set_precision
from keras_gan_zoo.networks import MinibatchDiscrimination, MinibatchStdDev
from keras_gan_zoo.networks.layers import SpectralNorm, spectral
from tests.fixed_noise import fixed_noise
from tests.networks.stateless import value_and_gradient
from tests.model_steps import FEW_STEPS_EAGERLY

ALL_OPTIONS = dict(minibatch_discrimination=4, minibatch_stddev=True, spectral_norm=True)
SMALL = {
    "gan": dict(generator_units=[16], discriminator_units=[16, 8]),
    "dcgan": dict(generator_filters=4, discriminator_filters=4),
    "cgan": dict(architecture="conv", generator_filters=4, discriminator_filters=4,
                 conditioning="projection", auxiliary_classifier=True),
    "infogan": dict(generator_units=[16], discriminator_units=[16], generator_filters=4,
                    discriminator_filters=4, q_units=[8]),
    "coupledgan": dict(generator_filters=4, discriminator_filters=4),
}


def small(name: str, **overrides) -> zoo.BaseGAN:
    return zoo.build(name, seed=0, latent_dim=8, **{**SMALL[name], **overrides})


def wrapped_kernels(network: keras.Model) -> list[np.ndarray]:
    """The kernels W / sigma(W) the spectrally normalised layers compute with."""
    return [keras.ops.convert_to_numpy(layer.normalized_kernel()) for layer in
            network._flatten_layers() if isinstance(layer, SpectralNorm)]


# ------------------------------------------------------------------ layer math
def minibatch_features(layer: MinibatchDiscrimination, x: np.ndarray
                       ) -> tuple[np.ndarray, np.ndarray]:
    """The authors' MinibatchLayer (improved-gan, nn.py) in numpy: the L1 distances
    ``[i, j, b]`` (self term excluded) and the features ``sum_j exp(-l1) + b``."""
    theta, log_scale = layer.theta.numpy(), layer.log_weight_scale.numpy()
    w = theta * np.exp(log_scale) / np.sqrt((theta**2).sum(0))
    m = np.einsum("na,abc->nbc", x, w)
    l1 = np.abs(m[:, None] - m[None]).sum(-1) + 1e6 * np.eye(len(x))[..., None]
    return l1, np.exp(-l1).sum(1) + layer.bias.numpy()


def test_minibatch_discrimination_is_the_authors_layer_with_its_data_dependent_init(tmp_path):
    # Salimans et al. 2016, sec. 3.2, as their code: weight-normalised theta, a bias
    # (-1 before the init), the self term excluded; the first training call scales
    # each kernel so the mean nearest-neighbour L1 distance is 2 and centres the features.
    rng = np.random.default_rng(0)
    x = rng.normal(size=(6, 7)).astype(np.float32)
    layer = MinibatchDiscrimination(num_kernels=3, kernel_dim=4)
    out = keras.ops.convert_to_numpy(layer(x))
    np.testing.assert_allclose(layer.bias.numpy(), -1.0)
    np.testing.assert_allclose(out, np.concatenate([x, minibatch_features(layer, x)[1]], 1),
                               rtol=1e-5, atol=1e-6)
    out = keras.ops.convert_to_numpy(layer(x, training=True))  # the init batch
    l1, features = minibatch_features(layer, x)
    np.testing.assert_allclose(l1.min(1).mean(0), 2.0, rtol=1e-5)
    np.testing.assert_allclose(out[:, 7:], features, rtol=1e-4, atol=1e-5)
    np.testing.assert_allclose(features.mean(0), 0.0, atol=1e-5)
    initialised = [w.numpy().copy() for w in layer.weights]
    other = rng.normal(size=(5, 7)).astype(np.float32)
    layer(other, training=True)  # later calls use the initialised parameters
    for before, after in zip(initialised, layer.weights):
        np.testing.assert_array_equal(before, after.numpy())
    model = keras.Sequential([keras.Input((7,)), layer])
    model.save(tmp_path / "mbd.keras")
    loaded = keras.models.load_model(tmp_path / "mbd.keras")
    loaded(other, training=True)  # loaded initialised: no second init
    for before, after in zip(initialised, loaded.layers[0].weights):
        np.testing.assert_array_equal(before, after.numpy())
    assert MinibatchDiscrimination.from_config(layer.get_config()).num_kernels == 3


def test_minibatch_discrimination_loads_the_older_one_tensor_layer_with_its_features():
    # Older .keras files hold one tensor T ~ N(0, 0.05) and included the self term exp(0).
    rng = np.random.default_rng(2)
    x = rng.normal(size=(6, 7)).astype(np.float32)
    tensor = rng.normal(0, 0.05, size=(7, 12)).astype(np.float32)
    m = (x @ tensor).reshape(6, 3, 4)
    older = np.exp(-np.abs(m[:, None] - m[None]).sum(-1)).sum(1)
    layer = MinibatchDiscrimination(num_kernels=3, kernel_dim=4)
    layer.build((None, 7))
    layer.load_own_variables({"0": tensor})
    np.testing.assert_allclose(keras.ops.convert_to_numpy(layer(x))[:, 7:], older, rtol=1e-5)
    assert float(layer.initialized.numpy()) == 1.0


def test_minibatch_discrimination_initialises_on_the_first_real_batch_of_a_compiled_fit():
    model = small("dcgan", minibatch_discrimination=8)
    model.compile(g_optimizer=keras.optimizers.SGD(0.0), d_optimizer=keras.optimizers.SGD(0.0))
    images = next(iter(zoo.data.load("digits", batch_size=64)))[0].numpy()
    model.fit(tf.data.Dataset.from_tensors(images).repeat(2), verbose=0)
    layer = next(layer for layer in model.discriminator._flatten_layers()
                 if isinstance(layer, MinibatchDiscrimination))
    trunk = keras.Model(model.discriminator.input, layer.input)
    inputs = keras.ops.convert_to_numpy(trunk(images, training=True))
    l1, features = minibatch_features(layer, inputs)
    np.testing.assert_allclose(l1.min(1).mean(0), 2.0, rtol=1e-4)  # D's first call: the reals
    np.testing.assert_allclose(features.mean(0), 0.0, atol=1e-4)


@pytest.mark.parametrize("shape", [(8, 3, 3, 2), (6, 5)])
def test_minibatch_stddev_matches_the_papers_statistic(shape):
    x = np.random.default_rng(1).normal(size=shape).astype(np.float32)
    out = keras.ops.convert_to_numpy(MinibatchStdDev(group_size=4)(x))
    groups = -(-shape[0] // 4)  # example i is in group i mod groups (strided, as Karras et al.)
    flat = x.reshape(shape[0], -1)
    stat = np.array([np.sqrt(flat[i % groups::groups].var(0) + 1e-8).mean()
                     for i in range(shape[0])])
    np.testing.assert_allclose(out[..., :-1], x)
    np.testing.assert_allclose(out[..., -1], np.broadcast_to(
        stat.reshape(-1, *[1] * (len(shape) - 2)), shape[:-1]), rtol=1e-4)


def test_spectral_norm_gives_unit_largest_singular_values_and_drops_batch_norm():
    model = small("dcgan", spectral_norm=True)
    layer_types = {type(layer).__name__ for layer in model.discriminator._flatten_layers()}
    assert "BatchNormalization" not in layer_types
    images = np.random.default_rng(0).uniform(-1, 1, (4, 28, 28, 1)).astype(np.float32)
    for _ in range(50):  # one power iteration per training call: u converges to W's top vector
        model.discriminator(images, training=True)
    kernels = wrapped_kernels(model.discriminator)
    assert len(kernels) == 3  # two convolutions and the logit
    for kernel in kernels:
        sigma = np.linalg.svd(kernel.reshape(-1, kernel.shape[-1]), compute_uv=False)[0]
        assert sigma == pytest.approx(1.0, abs=0.02)


def test_spectral_norm_keeps_the_raw_kernel_and_differentiates_through_sigma():
    # Miyato et al. 2018, eq. 12: the layer uses W / sigma(W), sigma = v^T W u from one
    # power iteration (u, v held constant), and the gradient reaches W through sigma too.
    dense = keras.layers.Dense(3, use_bias=False)
    layer = spectral(dense)
    rng = np.random.default_rng(0)
    x = rng.normal(size=(5, 4)).astype(np.float32)
    g = rng.normal(size=(5, 3)).astype(np.float32)
    layer(x)
    w, u = dense.kernel.numpy().copy(), layer.vector_u.numpy().copy()
    loss, gradient = value_and_gradient(lambda: keras.ops.sum(g * layer(x, training=True)),
                                        dense.kernel, updated=[layer.vector_u])
    gradient = keras.ops.convert_to_numpy(gradient)
    np.testing.assert_array_equal(dense.kernel.numpy(), w)  # the raw W stays the variable
    v = u @ w.T / np.linalg.norm(u @ w.T)
    new_u = v @ w / np.linalg.norm(v @ w)
    np.testing.assert_allclose(layer.vector_u.numpy(), new_u, rtol=1e-5)
    sigma = float((v @ w @ new_u.T)[0, 0])
    np.testing.assert_allclose(float(loss), (g * (x @ w)).sum() / sigma, rtol=1e-5)
    expected = x.T @ g / sigma - (g * (x @ w)).sum() / sigma**2 * (v.T @ new_u)
    np.testing.assert_allclose(gradient, expected, rtol=1e-4, atol=1e-6)


@pytest.mark.parametrize("name", ["dcgan", "infogan", "coupledgan"])
def test_a_gradient_penalty_gives_d_layer_norm_instead_of_batch_norm(name):
    # Gulrajani et al. 2017, sec. 4: the penalty is per example, so the critic must not
    # mix the examples of a batch; layer norm (normalising each example over H, W and
    # C with a scale and offset per channel, as their code) replaces batch norm.
    model = small(name, adversarial_loss="wasserstein", gradient_penalty=10.0)
    norms = [layer for layer in model.discriminator._flatten_layers()
             if isinstance(layer, (keras.layers.BatchNormalization,
                                   keras.layers.GroupNormalization))]
    assert norms and all(isinstance(layer, keras.layers.GroupNormalization)
                         and layer.groups == 1 for layer in norms)
    assert "layer_norm" not in model.get_config()
    view = model.discriminator_view(*model.real_data(model.example_batch(4)))
    first = tf.nest.map_structure(lambda t: t[:1], view)
    others = model.discriminator_view(*model.real_data(model.example_batch(3, seed=5)))
    mixed = tf.nest.map_structure(lambda a, b: tf.concat([a, b], 0), first, others)
    np.testing.assert_allclose(model.discriminator_logits(view, training=True)[:1],
                               model.discriminator_logits(mixed, training=True)[:1], rtol=1e-5)


def test_projection_discriminator_logit_is_psi_plus_the_embedding_product():
    model = small("cgan", auxiliary_classifier=False)
    body = model.discriminator.get_layer("discriminator_body")
    images = np.random.default_rng(0).uniform(-1, 1, (5, 28, 28, 1)).astype(np.float32)
    labels = np.array([0, 3, 3, 7, 9], np.int32)
    psi, phi = (keras.ops.convert_to_numpy(t) for t in body(images))
    embedding = model.discriminator.get_layer("class_embedding").kernel.numpy()
    expected = psi[:, 0] + (embedding[labels] * phi).sum(1)
    logits = keras.ops.convert_to_numpy(model.discriminator([images, labels]))
    np.testing.assert_allclose(logits[:, 0], expected, rtol=1e-4, atol=1e-5)


# --------------------------------------------------------------------- AC-GAN
def test_acgan_logs_its_class_terms_and_learns_the_classes_of_real_digits():
    model = zoo.build("cgan", architecture="conv", generator_filters=8, discriminator_filters=8,
                      kernel_size=3, latent_dim=16, conditioning="none",
                      auxiliary_classifier=True, seed=0)
    model.compile()
    held_out = next(iter(zoo.data.load("digits", batch_size=256, split="test", with_labels=True)))

    def accuracy() -> float:
        _, class_logits = model.discriminator(held_out[0], training=False)
        return float(np.mean(np.argmax(class_logits, -1) == held_out[1].numpy()))

    before = accuracy()
    data = zoo.data.load("digits", batch_size=64, with_labels=True).take(40)
    history = model.fit(data, epochs=1, verbose=0).history
    assert {"d_class", "g_class"} <= set(history)
    assert np.isfinite(history["d_class"][0]) and np.isfinite(history["g_class"][0])
    assert accuracy() > max(0.5, before + 0.3)


@pytest.mark.parametrize("overrides, message", [
    (dict(conditioning="concat", auxiliary_classifier=True), "not shown the label"),
    (dict(conditioning="none"), "auxiliary_classifier: true"),
    (dict(conditioning="product"), "conditioning must be one of"),
    (dict(minibatch_discrimination=0), "minibatch_discrimination must be an integer >= 1"),
    (dict(spectral_norm="yes"), "spectral_norm must be true or false"),
])
def test_bad_label_and_option_settings_name_the_fix(overrides, message):
    with pytest.raises(ValueError, match=message):
        zoo.build("cgan", **overrides)


# --------------------------------------------------- every entry, saved, mixed
@pytest.mark.parametrize("name", sorted(SMALL))
def test_every_option_trains_and_survives_a_keras_file_round_trip(name, tmp_path):
    model = small(name, **ALL_OPTIONS)
    model.compile(run_eagerly=FEW_STEPS_EAGERLY)
    logs = model.train_on_batch(model.example_batch(8), return_dict=True)
    assert all(np.isfinite(v) for v in logs.values())
    model.save(tmp_path / "model.keras")
    loaded = keras.models.load_model(tmp_path / "model.keras")
    assert {k: loaded.get_config()[k] for k in ALL_OPTIONS} == ALL_OPTIONS
    view = model.discriminator_view(*model.real_data(model.example_batch(8, seed=1)))
    for a, b in zip(tf.nest.flatten(model.discriminator(view)),
                    tf.nest.flatten(loaded.discriminator(view))):
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("mode", ["float16", "bfloat16"])
def test_mixed_precision_step_with_every_option_keeps_float32_logits(mode):
    set_precision(mode)
    try:
        model = small("cgan", **ALL_OPTIONS)
        if mode == "float16" and keras.backend.backend() == "jax":
            # float16 needs loss scaling, which the JAX engine does not do: compile says to use
            # bfloat16.
            with pytest.raises(ValueError, match="not supported on the JAX backend.*bfloat16"):
                model.compile(run_eagerly=FEW_STEPS_EAGERLY)
            return
        model.compile(run_eagerly=FEW_STEPS_EAGERLY)
        logits, class_logits = model.discriminate(
            model.discriminator_view(*model.real_data(model.example_batch(4))), training=True)
        assert logits.dtype == class_logits.dtype == tf.float32
        logs = model.train_on_batch(model.example_batch(8), return_dict=True)
        assert all(np.isfinite(v) for v in logs.values())
    finally:
        set_precision("off")


# ------------------------------------------------------------ distribution
def one_step(strategy, weights, real, noise, **config):
    with strategy.scope():
        model = zoo.build("dcgan", seed=0, **config)
        model.set_weights(weights)
        model.compile(g_optimizer=keras.optimizers.SGD(0.5), d_optimizer=keras.optimizers.SGD(0.5),
                      run_eagerly=True)
    fixed_noise(model, noise)
    history = model.fit(tf.data.Dataset.from_tensor_slices(real).batch(8), verbose=0)
    return model, {k: v[0] for k, v in history.history.items()}


@pytest.mark.distributed
@pytest.mark.tensorflow_only(reason="MirroredStrategy replicas (tf.distribute); JAX "
                                    "distributes with keras.distribution.DataParallel")
def test_spectral_norm_step_on_two_replicas_equals_one(mirrored_strategy):
    config = dict(SMALL["dcgan"], latent_dim=8, spectral_norm=True)
    weights = zoo.build("dcgan", seed=0, **config).get_weights()
    rng = np.random.default_rng(0)
    real = rng.uniform(-1, 1, (8, 28, 28, 1)).astype(np.float32)
    noise = rng.standard_normal((8, 8)).astype(np.float32)
    single, single_logs = one_step(tf.distribute.get_strategy(), weights, real, noise, **config)
    mirrored, mirrored_logs = one_step(mirrored_strategy, weights, real, noise, **config)
    for a, b in zip(single.get_weights(), mirrored.get_weights()):
        np.testing.assert_allclose(a, b, atol=2e-5, rtol=1e-4)
    for key in ("d_loss", "g_loss"):
        assert mirrored_logs[key] == pytest.approx(single_logs[key], rel=1e-4)


@pytest.mark.distributed
@pytest.mark.tensorflow_only(reason="MirroredStrategy replicas (tf.distribute); JAX "
                                    "distributes with keras.distribution.DataParallel")
def test_minibatch_layers_train_on_per_replica_batches(mirrored_strategy):
    # Their statistics span each replica's batch: not the one-replica step, but a finite one.
    with mirrored_strategy.scope():
        model = small("gan", minibatch_discrimination=4, minibatch_stddev=True)
        model.compile(run_eagerly=True)
    data = tf.data.Dataset.from_tensor_slices(model.example_batch(16)).batch(8)
    history = model.fit(data, verbose=0).history
    assert all(np.isfinite(v[0]) for v in history.values())
    layer = next(layer for layer in model.discriminator._flatten_layers()
                 if isinstance(layer, MinibatchDiscrimination))
    assert float(layer.initialized.numpy()) == 1.0  # the init's assignments reach the replicas


@pytest.mark.parametrize("name", ["ebgan", "pix2pix", "cyclegan"])
def test_entries_without_the_options_name_the_entries_that_take_them(name):
    with pytest.raises(ValueError, match=r"spectral_norm: an argument of cgan, coupledgan, "
                                         r"dcgan, gan, infogan"):
        zoo.build(name, spectral_norm=True)
    with pytest.raises(ValueError, match=r"minibatch_stddev: an argument of cgan"):
        zoo.entry_class(name)(minibatch_stddev=True)
