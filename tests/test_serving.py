"""`keras_gan_zoo.serving`: SavedModels with an entry's signatures, inputs checked in the
graph, written the same way from either Keras backend (under JAX: the model's computation
converted with jax2tf, the checks TensorFlow ops around it)."""

import keras
import numpy as np
import pytest
import tensorflow as tf

from keras_gan_zoo import inputs, serving

LATENT = 16


class TinyEntry(keras.Model):
    """A stand-in for a zoo entry: a generator-like `keras.Sequential` (batch norm included,
    so inference uses its moving statistics) behind two serving signatures, one of them
    with a range-checked input."""

    serving_ranges = {"scale": inputs.Range(0.0, 2.0, "a brightness factor")}

    def __init__(self) -> None:
        super().__init__()
        self.generator = keras.Sequential([
            keras.Input((LATENT,)),
            keras.layers.Dense(7 * 7 * 8),
            keras.layers.Reshape((7, 7, 8)),
            keras.layers.BatchNormalization(),
            keras.layers.ReLU(),
            keras.layers.Conv2DTranspose(4, 4, strides=2, padding="same"),
            keras.layers.Conv2DTranspose(1, 4, strides=2, padding="same", activation="tanh"),
        ])
        self.generator.layers[2].moving_mean.assign(np.full(8, 0.1, np.float32))

    def call(self, z):
        return self.generator(z, training=False)

    def images(self, z):
        return (self(z) + 1.0) / 2.0

    def serving_endpoints(self):
        z = tf.TensorSpec([None, LATENT], tf.float32, name="z")
        scale = tf.TensorSpec([None, 1], tf.float32, name="scale")
        return {
            "serving_default": (lambda z: {"images": self.images(z)}, [z]),
            "scaled": (lambda z, s: {"images": self.images(z) * s[:, :, None, None],
                                     "mean": keras.ops.mean(self.images(z), axis=(1, 2, 3))},
                       [z, scale]),
        }


@pytest.fixture(scope="module")
def exported(tmp_path_factory):
    keras.utils.set_random_seed(0)
    model = TinyEntry()
    model(np.zeros((1, LATENT), np.float32))  # built, as an entry is
    path = tmp_path_factory.mktemp("serving") / "tiny"
    serving.write_signatures(model, path, verbose=False)
    return model, tf.saved_model.load(str(path))


def test_signatures_and_outputs_equal_the_models(exported):
    model, loaded = exported
    assert set(loaded.signatures) == {"serving_default", "scaled"}
    rng = np.random.default_rng(1)
    for batch in (1, 5):  # any batch size
        z = rng.normal(size=(batch, LATENT)).astype(np.float32)
        scale = rng.uniform(0.0, 2.0, size=(batch, 1)).astype(np.float32)
        images = keras.ops.convert_to_numpy(model.images(z))
        served = loaded.signatures["serving_default"](z=tf.constant(z))
        assert set(served) == {"images"}
        np.testing.assert_allclose(served["images"].numpy(), images, atol=1e-5, rtol=0)
        served = loaded.signatures["scaled"](z=tf.constant(z), scale=tf.constant(scale))
        assert set(served) == {"images", "mean"}
        np.testing.assert_allclose(served["images"].numpy(), images * scale[:, :, None, None],
                                   atol=1e-5, rtol=0)
        np.testing.assert_allclose(served["mean"].numpy(), images.mean(axis=(1, 2, 3)),
                                   atol=1e-5, rtol=0)
    assert images.shape == (5, 28, 28, 1) and images.std() > 1e-3


@pytest.mark.parametrize("z, scale, message", [
    (np.full((2, LATENT), np.nan), np.ones((2, 1)), "z must be finite"),
    (np.zeros((2, LATENT + 1)), np.ones((2, 1)), r"z must have shape \[num_samples, 16\]"),
    (np.zeros((2, LATENT)), np.full((2, 1), 3.0), r"scale must be in \[0, 2\]; a brightness"),
])
def test_bad_inputs_fail_in_the_graph_naming_the_input(exported, z, scale, message):
    _, loaded = exported
    with pytest.raises(tf.errors.InvalidArgumentError, match=message):
        loaded.signatures["scaled"](z=tf.constant(z, tf.float32),
                                    scale=tf.constant(scale, tf.float32))


@pytest.mark.jax_only(reason="jax2tf conversion of the model's computation")
def test_under_jax_the_model_runs_as_one_xla_call_module_per_signature(exported):
    """The JAX computation is serialized (StableHLO in ``XlaCallModule``), not re-traced
    into TensorFlow ops; the checks around it are ordinary TensorFlow ops."""
    _, loaded = exported
    for name in ("serving_default", "scaled"):
        graph = loaded.signatures[name].graph.as_graph_def()
        ops = {node.op for node in graph.node}
        ops |= {node.op for function in graph.library.function for node in function.node_def}
        assert "XlaCallModule" in ops and "CheckNumerics" in ops
        assert not ops & {"Conv2DBackpropInput", "MatMul", "FusedBatchNormV3"}
