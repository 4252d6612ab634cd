"""`keras_gan_zoo.serving`: SavedModels with an entry's signatures, inputs checked in the
graph, written the same way from either Keras backend (under JAX: the model's computation
converted with jax2tf, the checks TensorFlow ops around it)."""

import keras
import numpy as np
import pytest
import tensorflow as tf

import keras_gan_zoo as zoo
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


# ------------------------------------------------------------------ every entry
#: Each entry, small, and the signatures its SavedModel has on either backend:
#: signature -> ({input: (dtype, shape without the batch axis)}, {output: shape without it}).
ENTRIES = {
    "gan": (dict(generator_units=[16], discriminator_units=[16], latent_dim=8),
            {"serving_default": ({"z": ("float32", [8])}, {"images": [28, 28, 1]})}),
    "dcgan": (dict(generator_filters=4, discriminator_filters=4, latent_dim=8),
              {"serving_default": ({"z": ("float32", [8])}, {"images": [28, 28, 1]})}),
    "ebgan": (dict(generator_filters=4, discriminator_filters=4, embedding_dim=4, latent_dim=8),
              {"serving_default": ({"z": ("float32", [8])}, {"images": [28, 28, 1]})}),
    "cgan": (dict(architecture="mlp", generator_units=[16], discriminator_units=[16],
                  latent_dim=8),
             {"serving_default": ({"z": ("float32", [8]), "label": ("int32", [])},
                                  {"images": [28, 28, 1]})}),
    "infogan": (dict(latent_dim=8, generator_units=[16], generator_filters=4,
                     discriminator_units=[16], discriminator_filters=4, q_units=[8]),
                {"serving_default": ({"z": ("float32", [8]), "categorical": ("int32", []),
                                      "continuous": ("float32", [2])},
                                     {"images": [28, 28, 1]})}),
    "coupledgan": (dict(generator_filters=4, discriminator_filters=4, latent_dim=8),
                   {"serving_default": ({"z": ("float32", [8])},
                                        {"images_a": [28, 28, 1], "images_b": [28, 28, 1]})}),
    "pix2pix": (dict(image_shape=[32, 32, 1], generator_filters=4, discriminator_filters=4),
                {"serving_default": ({"image": ("float32", [32, 32, 1])},
                                     {"images": [32, 32, 1]})}),
    "cyclegan": (dict(image_shape=[32, 32, 1], generator_filters=4, discriminator_filters=4,
                      num_residual_blocks=1),
                 {name: ({"image": ("float32", [32, 32, 1])}, {"images": [32, 32, 1]})
                  for name in ("serving_default", "a_to_b", "b_to_a")}),
}


def _example(dtype: str, shape: list, rows: int, rng: np.random.Generator) -> np.ndarray:
    """A valid input: class indices 0, 1, ... for int32 inputs, values in [0, 1] otherwise
    (inside every entry's serving ranges)."""
    if dtype == "int32":
        return np.arange(rows, dtype=np.int32)
    return rng.uniform(0.0, 1.0, (rows, *shape)).astype(np.float32)


@pytest.mark.parametrize("name", sorted(ENTRIES))
def test_every_entry_exports_the_same_signatures_with_the_models_outputs(tmp_path, name):
    """Under either backend each entry's SavedModel has the signatures of the table (the
    same inputs, dtypes and outputs), serves what the model's own serving function computes
    (to 1e-5), and refuses a non-finite input naming it."""
    config, expected = ENTRIES[name]
    model = zoo.build(name, seed=0, **config)
    model.export(str(tmp_path / "saved"), verbose=False)
    loaded = tf.saved_model.load(str(tmp_path / "saved"))
    assert set(loaded.signatures) == set(expected)
    endpoints = model.serving_endpoints()
    rng = np.random.default_rng(0)
    for signature_name, (input_specs, output_shapes) in expected.items():
        signature = loaded.signatures[signature_name]
        specs = signature.structured_input_signature[1]
        assert {key: (spec.dtype.name, spec.shape.as_list()[1:]) for key, spec in specs.items()
                } == {key: (dtype, shape) for key, (dtype, shape) in input_specs.items()}
        function, input_signature = endpoints[signature_name]
        values = {key: _example(dtype, shape, 3, rng) for key, (dtype, shape) in input_specs.items()}
        # The model first, then the SavedModel: pix2pix's test-mode dropout draws its masks
        # from seed state that both hold, at the same point since the export.
        computed = function(*(keras.ops.convert_to_tensor(values[spec.name])
                              for spec in input_signature))
        served = signature(**{key: tf.constant(value) for key, value in values.items()})
        assert {key: list(value.shape[1:]) for key, value in served.items()} == output_shapes
        for key in output_shapes:
            np.testing.assert_allclose(served[key].numpy(),
                                       keras.ops.convert_to_numpy(computed[key]),
                                       atol=1e-5, rtol=0)
        first = next(key for key, (dtype, _) in input_specs.items() if dtype == "float32")
        bad = dict(values, **{first: np.full_like(values[first], np.nan)})
        with pytest.raises(tf.errors.InvalidArgumentError, match=f"{first} must be finite"):
            signature(**{key: tf.constant(value) for key, value in bad.items()})


@pytest.mark.jax_only(reason="the jax2tf conversion of a signature's function")
def test_under_jax_an_endpoint_with_tensorflow_ops_fails_naming_the_signature(tmp_path):
    model = TinyEntry()
    model(np.zeros((1, LATENT), np.float32))
    endpoints = model.serving_endpoints()
    _, specs = endpoints["scaled"]
    endpoints["scaled"] = (lambda z, s: {"images": tf.debugging.check_numerics(model.images(z), "")},
                           specs)
    model.serving_endpoints = lambda: endpoints
    with pytest.raises(TypeError, match=r"TinyEntry.serving_endpoints\(\)\['scaled'\] cannot be "
                                        r"exported under the JAX backend.*keras.ops only"):
        serving.write_signatures(model, tmp_path / "tiny", verbose=False)
