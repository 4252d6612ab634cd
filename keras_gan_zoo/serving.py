"""Writing an entry's serving signatures as a TensorFlow SavedModel (`BaseGAN.export`).

Every input of every signature is checked in the graph before the entry's function runs
(`inputs.assert_input`: its sizes, finite values and, for the inputs in the entry's
``serving_ranges``, its range), so a bad request fails with a message naming the input.
A float64 input to a float32 signature is rejected by TensorFlow before the graph runs:
cast it to float32.
"""

from __future__ import annotations

import os
from typing import Any, Callable, Mapping, Sequence

import keras
import tensorflow as tf

from keras_gan_zoo import inputs


def checked_endpoint(function: Callable[..., Any], specs: Sequence[tf.TensorSpec],
                     ranges: Mapping[str, inputs.Range]) -> Callable[..., Any]:
    """``function`` with each input checked against its spec (`inputs.assert_input`:
    sizes, finiteness, the range ``ranges`` gives its name) before it runs."""
    def endpoint(*tensors: tf.Tensor) -> Any:
        return function(*(
            inputs.assert_input(tensor, spec.name, spec.shape[1:], ranges.get(spec.name))
            for tensor, spec in zip(tensors, specs)))
    return endpoint


def write_signatures(model: Any, filepath: str | os.PathLike, verbose: bool = True) -> None:
    """Write ``model`` (a zoo entry) as a SavedModel at ``filepath`` with the signatures of
    its ``serving_endpoints()``, each input checked (`checked_endpoint`)."""
    archive = keras.export.ExportArchive()
    archive.track(model)
    for name, (function, input_signature) in model.serving_endpoints().items():
        archive.add_endpoint(name, checked_endpoint(function, input_signature,
                                                    model.serving_ranges),
                             input_signature=input_signature)
    archive.write_out(str(filepath), verbose=verbose)
