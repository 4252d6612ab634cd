"""The zoo on JAX without TensorFlow (an accelerator machine with JAX and Keras only): the
package imports, every entry builds, compiles, trains on NumPy arrays, samples and round-trips
a ``.keras`` file; what is TensorFlow's alone (the `tf.data` loaders) raises one clear error
when called, never at import.

It runs in a process of its own (`WORKER`) where importing ``tensorflow`` or ``tensorflow_*``
fails as on a machine that lacks it (a `sys.meta_path` finder raising ModuleNotFoundError);
the process reports what it saw as JSON.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = [
    pytest.mark.jax_only(reason="TensorFlow's backend is TensorFlow itself"),
    # One pytest worker runs the module's subprocess (about 30 s on 2 CPU cores).
    pytest.mark.xdist_group("without_tensorflow"),
]

ROOT = Path(__file__).resolve().parent.parent

WORKER = r'''
import importlib.abc, json, os, sys


class NoTensorFlow(importlib.abc.MetaPathFinder):
    """Importing tensorflow (or a tensorflow_* package) fails as if it were not installed."""

    def find_spec(self, name, path=None, target=None):
        if name.split(".")[0] == "tensorflow" or name.startswith("tensorflow_"):
            raise ModuleNotFoundError(f"No module named {name!r}", name=name)
        return None


sys.meta_path.insert(0, NoTensorFlow())

import keras
import numpy as np

import keras_gan_zoo as zoo

report = {"backend": keras.backend.backend()}
images, labels = zoo.data.digits.digits_arrays("train", image_size=16)
report["digits"] = [list(images.shape), float(images.min()), float(images.max()),
                    str(labels.dtype)]
from tests.engine.backend_worker import ENTRIES  # every entry, small

report["built"] = sorted(type(zoo.build(name, seed=0, **ENTRIES[name])).__name__
                         for name in zoo.available())

dcgan = zoo.build("dcgan", seed=0, **ENTRIES["dcgan"])
dcgan.compile()
history = dcgan.fit(images[:32], batch_size=16, epochs=1, verbose=0)
report["dcgan_steps"] = int(keras.ops.convert_to_numpy(dcgan.g_optimizer.iterations))
report["dcgan_logs_finite"] = bool(all(np.isfinite(values[-1])
                                       for values in history.history.values()))
samples = dcgan.generate(4, seed=0)
path = os.path.join(sys.argv[1], "dcgan.keras")
dcgan.save(path)
loaded = keras.saving.load_model(path)
report["reloaded_difference"] = float(np.abs(loaded.generate(4, seed=0) - samples).max())
report["samples_shape"] = list(samples.shape)

cgan = zoo.build("cgan", seed=0, image_shape=(16, 16, 1), **ENTRIES["cgan"])
cgan.compile()
cgan.fit(images[:16], labels[:16], batch_size=16, epochs=1, verbose=0)
report["cgan_steps"] = int(keras.ops.convert_to_numpy(cgan.g_optimizer.iterations))
report["cgan_samples"] = list(cgan.generate(3, seed=0, labels=[0, 1, 2]).shape)

pix2pix = zoo.build("pix2pix", seed=0, **ENTRIES["pix2pix"])
pix2pix.compile()
pix2pix.fit(images[:16], -images[:16], batch_size=16, epochs=1, verbose=0)
report["pix2pix_steps"] = int(keras.ops.convert_to_numpy(pix2pix.g_optimizer.iterations))
report["pix2pix_samples"] = list(pix2pix.generate((images[:2] + 1) / 2).shape)

for feature, call in (("load_error", lambda: zoo.data.load("digits")),
                      ("export_error", lambda: dcgan.export(os.path.join(sys.argv[1], "1")))):
    try:
        call()
        report[feature] = None
    except ImportError as error:
        report[feature] = str(error)
report["tensorflow_imported"] = "tensorflow" in sys.modules
print("REPORT " + json.dumps(report))
'''


@pytest.fixture(scope="module")
def report(tmp_path_factory: pytest.TempPathFactory) -> dict:
    folder = tmp_path_factory.mktemp("without_tensorflow")
    env = {**os.environ, "KERAS_BACKEND": "jax", "PYTHONPATH": str(ROOT)}
    done = subprocess.run([sys.executable, "-c", WORKER, str(folder)], env=env, cwd=ROOT,
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-4000:]
    line = [line for line in done.stdout.splitlines() if line.startswith("REPORT ")][-1]
    return json.loads(line[len("REPORT "):])


def test_the_zoo_imports_and_builds_every_entry_without_tensorflow(report):
    assert report["backend"] == "jax"
    assert report["built"] == sorted(["CGAN", "CoupledGAN", "CycleGAN", "DCGAN", "EBGAN", "GAN",
                                      "InfoGAN", "Pix2Pix"])
    assert not report["tensorflow_imported"]


def test_the_digits_arrays_come_without_tensorflow(report):
    shape, low, high, label_dtype = report["digits"]
    assert shape[1:] == [16, 16, 1] and shape[0] > 1000
    assert -1.0 <= low < -0.9 and 0.9 < high <= 1.0
    assert label_dtype == "int32"


def test_dcgan_trains_samples_and_round_trips_a_keras_file_without_tensorflow(report):
    assert report["dcgan_steps"] == 2  # 32 images, batches of 16
    assert report["dcgan_logs_finite"]
    assert report["samples_shape"] == [4, 16, 16, 1]
    assert report["reloaded_difference"] < 1e-6


def test_cgan_and_pix2pix_take_a_step_on_numpy_without_tensorflow(report):
    assert report["cgan_steps"] == 1 and report["cgan_samples"] == [3, 16, 16, 1]
    assert report["pix2pix_steps"] == 1 and report["pix2pix_samples"] == [2, 16, 16, 1]


@pytest.mark.parametrize("feature, named", [("load_error", "tf.data pipelines"),
                                             ("export_error", "export")])
def test_the_tensorflow_features_say_they_need_tensorflow(report, feature, named):
    message = report[feature]
    assert message is not None, f"{feature}: it ran without TensorFlow"
    assert message.startswith("TensorFlow is needed for ") and named in message
    assert "pip install tensorflow" in message
