"""Mixed precision, strategy selection and the TPU-ready code paths, on the CPU."""

import json
import subprocess
import sys

import keras
import numpy as np
import pytest
import tensorflow as tf

import keras_gan_zoo as zoo
from keras_gan_zoo.distribute import make_strategy, needs_static_shapes, set_precision
from tests.cli_capture import child_environment


@pytest.fixture
def precision():
    yield set_precision
    set_precision("off")


@pytest.mark.parametrize("mode", ["bfloat16", "float16"])
def test_mixed_precision_trains_with_float32_logits_losses_and_outputs(mode, precision):
    precision(mode)
    model = zoo.build("dcgan", generator_filters=8, discriminator_filters=8, seed=0)
    if mode == "float16" and keras.backend.backend() == "jax":
        # float16 needs loss scaling, which the JAX engine does not do: compile says to use bfloat16.
        with pytest.raises(ValueError, match="not supported on the JAX backend.*bfloat16"):
            model.compile()
        return
    model.compile()
    assert model.generator.layers[1].compute_dtype == {"bfloat16": "bfloat16", "float16": "float16"}[mode]
    assert model.generator.layers[1].variable_dtype == "float32"
    wrapped = isinstance(model.g_optimizer, keras.optimizers.LossScaleOptimizer)
    assert wrapped == (mode == "float16") == isinstance(model.d_optimizer, keras.optimizers.LossScaleOptimizer)
    logits = model.discriminator_logits(tf.zeros((2, 28, 28, 1)), training=False)
    assert logits.dtype == tf.float32
    before = model.generate(4, seed=0)
    history = model.fit(zoo.data.load("digits", batch_size=32).take(3), epochs=1, verbose=0)
    assert all(np.isfinite(v[0]) for v in history.history.values())
    after = model.generate(4, seed=0)
    assert after.dtype == np.float32 and 0.0 <= after.min() and after.max() <= 1.0
    assert np.abs(after - before).max() > 1e-3


def test_mixed_precision_model_exports_float32_signature(tmp_path, precision):
    precision("bfloat16")
    model = zoo.build("gan", generator_units=[16], discriminator_units=[16], seed=0)
    model.export(str(tmp_path / "m"), verbose=False)
    z = model.noise(3, seed=0)
    out = tf.saved_model.load(str(tmp_path / "m")).signatures["serving_default"](z=tf.constant(z))
    assert out["images"].dtype == tf.float32
    # Equal to bfloat16's resolution (2**-8 relative): graph and eager round differently.
    assert np.abs(out["images"].numpy() - model.generate(z=z)).max() <= 4e-3


def test_strategy_names(monkeypatch):
    monkeypatch.delenv("TF_CONFIG", raising=False)
    assert make_strategy("auto") is tf.distribute.get_strategy()
    assert isinstance(make_strategy("one_device"), tf.distribute.OneDeviceStrategy)
    assert isinstance(make_strategy("mirrored"), tf.distribute.MirroredStrategy)
    with pytest.raises(ValueError, match="choose one of auto, one_device, mirrored, multi_worker, tpu"):
        make_strategy("horovod")
    with pytest.raises(ValueError, match="Unknown mixed precision 'fp8'"):
        set_precision("fp8")


def test_tpu_without_a_tpu_is_a_clear_error():
    with pytest.raises(ValueError, match="no TPU could be reached"):
        make_strategy("tpu")


@pytest.mark.tensorflow_only(reason="TPUs run through tf.distribute, and the step counter is "
                                    "read inside a tf.function graph")
def test_tpu_code_paths_static_shapes_and_graph_side_noise(mirrored_strategy):
    """What a TPU needs, checked where it can be on a CPU: fixed batch shapes, and noise
    drawn in the graph from the step counter (no Python randomness per step)."""
    assert not needs_static_shapes(mirrored_strategy)
    data = zoo.data.load("digits", batch_size=32, drop_remainder=True)
    assert data.element_spec[0].shape == (32, 28, 28, 1)
    model = zoo.build("gan", generator_units=[16], discriminator_units=[16], seed=0)
    model.compile()

    @tf.function
    def two_draws():
        first = model.sample_noise(3)
        model.d_optimizer.iterations.assign_add(1)
        return first, model.sample_noise(3)

    first, second = two_draws()
    again_first, _ = two_draws()  # same graph, a later step: different noise
    assert not np.allclose(first, second) and not np.allclose(first, again_first)


# In a subprocess: a second MirroredStrategy in this process would break the collective ops
# of the session's `mirrored_strategy` fixture for the tests that follow.
TWO_ENTRIES_UNDER_MIRRORED = """
import json
import tensorflow as tf
cpu = tf.config.list_physical_devices("CPU")[0]
tf.config.set_logical_device_configuration(cpu, [tf.config.LogicalDeviceConfiguration()] * 2)
import keras_gan_zoo as zoo
from keras_gan_zoo.distribute import make_strategy

report = {"same_strategy": make_strategy("mirrored") is make_strategy("mirrored")}
for name, options in (("gan", dict(generator_units=[16], discriminator_units=[16])),
                      ("dcgan", dict(generator_filters=4, discriminator_filters=4))):
    strategy = make_strategy("mirrored")
    report["replicas"] = strategy.num_replicas_in_sync
    with strategy.scope():
        model = zoo.build(name, latent_dim=8, seed=0, **options)
        model.compile()
    try:
        model.fit(zoo.data.load("digits", batch_size=32, seed=0).take(2), epochs=1, verbose=0)
        report[name] = "trained"
    except Exception as error:
        report[name] = (type(error).__name__ + ": " + str(error))[:400]
print(json.dumps(report))
"""


def test_two_entries_train_one_after_another_under_make_strategy_mirrored():
    done = subprocess.run([sys.executable, "-c", TWO_ENTRIES_UNDER_MIRRORED], env=child_environment(),
                          capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr[-2000:]
    report = json.loads(done.stdout.strip().splitlines()[-1])
    assert report["replicas"] == 2  # two logical CPUs: the set-up that shows the bug
    assert report["gan"] == "trained" and report["dcgan"] == "trained", report
    assert report["same_strategy"], report


@pytest.mark.jax_only(reason="keras.distribution: the JAX counterpart of the strategies")
def test_strategy_names_on_jax_map_to_keras_distributions():
    from keras_gan_zoo.distribute import make_distribution, replicas

    devices = keras.distribution.list_devices()
    assert len(devices) >= 2, "tests/conftest.py asks XLA for two host devices"
    mirrored = make_distribution("mirrored")
    assert isinstance(mirrored, keras.distribution.DataParallel)
    assert mirrored.device_mesh.devices.size == len(devices)
    assert make_distribution("one_device") is None
    assert make_distribution("auto") is None  # host devices only: no accelerators to mirror
    with mirrored.scope():
        assert replicas() == len(devices) and needs_static_shapes(None)
    assert replicas() == 1 and not needs_static_shapes(None)
    for name in ("multi_worker", "tpu"):
        with pytest.raises(ValueError, match=f"--strategy {name} is a tf.distribute strategy.*jax"
                                             ".*KERAS_BACKEND=tensorflow.*mirrored"):
            make_distribution(name)
