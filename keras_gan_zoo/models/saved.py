"""Loading a zoo entry saved as a ``.keras`` file (what ``keras-gan-zoo train`` writes)."""

from __future__ import annotations

import os
import zipfile
from pathlib import Path

import keras

import keras_gan_zoo.models  # noqa: F401  (registers the entries with Keras)
from keras_gan_zoo.base import BaseGAN
from keras_gan_zoo.inputs import UNREADABLE_KERAS_FILE, unreadable_keras_file


def load_entry(path: str | os.PathLike) -> BaseGAN:
    """The zoo entry saved in the ``.keras`` file ``path``; a ValueError names the file and
    the fix when it is missing, unreadable, or holds a Keras model that is not a zoo entry
    (checked before any command writes a file)."""
    path = os.fspath(path)
    if not Path(path).is_file():
        raise ValueError(
            f"checkpoint {path!r} does not exist; pass the .keras file that "
            "'keras-gan-zoo train' wrote (e.g. runs/dcgan/model.keras)."
        )
    fix = "pass a .keras file that 'keras-gan-zoo train' wrote completely"
    if not zipfile.is_zipfile(path):
        raise unreadable_keras_file(f"checkpoint {path}", fix=fix)
    try:
        model = keras.models.load_model(path)
    except UNREADABLE_KERAS_FILE as error:
        raise unreadable_keras_file(f"checkpoint {path}", error, fix=fix) from None
    if not isinstance(model, BaseGAN):
        raise ValueError(f"checkpoint {path} holds a Keras {type(model).__name__}, not a zoo "
                         "entry; pass a .keras file that 'keras-gan-zoo train' wrote (e.g. "
                         "runs/dcgan/model.keras).")
    return model
