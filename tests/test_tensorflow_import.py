"""`tensorflow_import`: TensorFlow imported when a feature first needs it, with an error that
names the feature and the fix where it is not installed (made so here by a ``None`` in
`sys.modules`, as Python reads a blocked module); the whole zoo without TensorFlow is
`tests/test_without_tensorflow.py`."""

from __future__ import annotations

import sys

import pytest
import tensorflow as tf

from keras_gan_zoo import data, inputs, serving, training
from keras_gan_zoo.tensorflow_import import (
    TensorFlowMissing,
    lazy_tensorflow,
    optional_tensorflow,
    require_tensorflow,
    tensorflow_imported,
)


@pytest.mark.tensorflow_only(reason="under JAX the zoo's modules import TensorFlow when used")
def test_under_the_tensorflow_backend_the_modules_hold_tensorflow_itself():
    for module in (data, data.images, inputs, serving, training):
        assert module.tf is tf


def test_with_tensorflow_installed_every_way_gives_the_module():
    assert require_tensorflow("x") is tf and optional_tensorflow() is tf
    assert tensorflow_imported()
    assert lazy_tensorflow("x") is tf  # imported already (by this test)
    assert training.ROUTE_TO_CUSTOM_LOOP == (tf.distribute.MultiWorkerMirroredStrategy,)


def test_without_tensorflow_the_first_use_names_the_feature_and_the_fix(monkeypatch):
    monkeypatch.setitem(sys.modules, "tensorflow", None)
    assert not tensorflow_imported() and optional_tensorflow() is None
    stand_in = lazy_tensorflow("the frobnicator")
    with pytest.raises(TensorFlowMissing, match=r"^TensorFlow is needed for the frobnicator, "
                                                r"but it is not installed: pip install tensorflow"):
        stand_in.data.Dataset
    with pytest.raises(ImportError, match="the frobnicator"):  # an ImportError like any other
        require_tensorflow("the frobnicator")
    assert "the frobnicator" in repr(stand_in)


def test_a_missing_module_other_than_tensorflow_is_not_reported_as_tensorflow(monkeypatch):
    real_import = __import__

    def broken_import(name, *args, **kwargs):  # TensorFlow installed, a dependency of it not
        if name == "tensorflow":
            raise ModuleNotFoundError("No module named 'absl'", name="absl")
        return real_import(name, *args, **kwargs)

    monkeypatch.delitem(sys.modules, "tensorflow")
    monkeypatch.setattr("builtins.__import__", broken_import)
    with pytest.raises(ModuleNotFoundError) as raised:
        require_tensorflow("x")
    assert not isinstance(raised.value, TensorFlowMissing) and raised.value.name == "absl"
