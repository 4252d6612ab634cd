"""TensorFlow, imported when a feature first uses it.

TensorFlow is the zoo's input pipelines (`tf.data`), its export (SavedModel signatures),
TensorBoard summaries and `tf.distribute`; the models, their training steps and ``.keras``
files are Keras only. So that under ``KERAS_BACKEND=jax`` the zoo imports, trains on NumPy
arrays, samples and saves on a machine without TensorFlow, a module that uses TensorFlow
holds ``tf = lazy_tensorflow("its feature")``: under the TensorFlow backend (where Keras has
imported TensorFlow already) the module itself, else a stand-in that imports TensorFlow at the
first attribute read, which raises `TensorFlowMissing` naming the feature when it is not
installed. Nothing here imports TensorFlow at import time.
"""

from __future__ import annotations

import sys
from types import ModuleType
from typing import Any

INSTALL = "pip install tensorflow"

#: The features most modules name: the data pipelines and export.
DATA_PIPELINES = "keras_gan_zoo.data's tf.data pipelines"
EXPORT = "export (SavedModel serving signatures)"


class TensorFlowMissing(ModuleNotFoundError):
    """A feature that needs TensorFlow was used where TensorFlow is not installed."""


def require_tensorflow(feature: str) -> ModuleType:
    """The `tensorflow` module; `TensorFlowMissing` naming ``feature`` when it is not
    installed (a TensorFlow that is installed but fails to import raises its own error)."""
    try:
        import tensorflow
    except ModuleNotFoundError as error:
        if (error.name or "").split(".")[0] != "tensorflow":
            raise
        raise TensorFlowMissing(
            f"TensorFlow is needed for {feature}, but it is not installed: {INSTALL} (the "
            "models, training on NumPy arrays under KERAS_BACKEND=jax, sampling and .keras "
            "files do without it).", name="tensorflow") from error
    return tensorflow


def optional_tensorflow() -> ModuleType | None:
    """The `tensorflow` module (imported now), or ``None`` where it is not installed: code
    with a path of its own for NumPy takes it only without TensorFlow, so that with
    TensorFlow nothing changes."""
    try:
        return require_tensorflow("")
    except TensorFlowMissing:
        return None


def tensorflow_imported() -> bool:
    """Whether TensorFlow is imported: when not, no value can be a TensorFlow object, so an
    ``isinstance(x, tf.Tensor)`` test behind it needs no import."""
    return sys.modules.get("tensorflow") is not None


class _LazyTensorFlow:
    """`tensorflow`'s attributes, imported at the first read (`require_tensorflow`)."""

    def __init__(self, feature: str) -> None:
        self._feature = feature

    def __getattr__(self, name: str) -> Any:
        return getattr(require_tensorflow(self._feature), name)

    def __repr__(self) -> str:
        return f"<tensorflow, imported when {self._feature} first needs it>"


def lazy_tensorflow(feature: str) -> Any:
    """``tf`` for a module whose ``feature`` (e.g. "keras_gan_zoo.data's tf.data pipelines")
    needs TensorFlow: the module when it is imported already, else a stand-in that imports it
    at the first attribute read."""
    return sys.modules.get("tensorflow") or _LazyTensorFlow(feature)
