"""Writing an entry's serving signatures as a TensorFlow SavedModel (`BaseGAN.export`).

Every input of every signature is checked in the graph before the entry's function runs
(`inputs.assert_input`: its sizes, finite values and, for the inputs in the entry's
``serving_ranges``, its range), so a bad request fails with a message naming the input.
A float64 input to a float32 signature is rejected by TensorFlow before the graph runs:
cast it to float32.

Under the JAX backend, each endpoint's function (the model's computation) is converted
with jax2tf by Keras' `ExportArchive` (native serialization: one ``XlaCallModule`` op
holding the StableHLO, lowered for the platform JAX runs on at export time), and the
input checks are TensorFlow ops around it, so the SavedModel has the same signatures,
checks and outputs as under TensorFlow. An entry's endpoint functions therefore compute
with ``keras.ops`` only; what is checked about an input is declared (its `tf.TensorSpec`,
its ``serving_ranges`` entry) and checked here, TensorFlow-side, on either backend. A runtime serving it must run ``XlaCallModule``
of the calling-convention version written: JAX 0.10 writes version 10 (XlaCallModule
supports it since May 2025; TensorFlow 2.21 runs versions up to 10, see
``tensorflow.compiler.tf2xla.python.xla.call_module_maximum_supported_version()``);
``JAX_EXPORT_CALLING_CONVENTION_VERSION=9`` at export time writes version 9, which
XlaCallModule supports since October 2023 (TensorFlow 2.14 stops at version 8).
"""

from __future__ import annotations

import os
from typing import Any, Callable, Mapping, Sequence

import keras

from keras_gan_zoo import inputs
from keras_gan_zoo.tensorflow_import import EXPORT, lazy_tensorflow, require_tensorflow

tf = lazy_tensorflow(EXPORT)


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
    its ``serving_endpoints()``, each input checked (`checked_endpoint`).

    TensorFlow backend: each checked function is traced into the SavedModel. JAX backend:
    each function is first converted with jax2tf (`keras.export.ExportArchive.add_endpoint`
    of an archive tracking ``model``, whose TensorFlow copies of the weights the converted
    function reads), then the checks are wrapped around it as a `tf.function`; the archive
    written holds only these checked functions (and the weights they read)."""
    require_tensorflow(EXPORT)  # first: Keras' own error without it names no feature
    archive = keras.export.ExportArchive()
    archive.track(model)
    endpoints = model.serving_endpoints()
    if keras.backend.backend() == "jax":
        converter, archive = archive, keras.export.ExportArchive()
        for name, (function, input_signature) in endpoints.items():
            archive.add_endpoint(name, _converted(converter, model, name, function,
                                                  input_signature))
    else:
        for name, (function, input_signature) in endpoints.items():
            archive.add_endpoint(name, checked_endpoint(function, input_signature,
                                                        model.serving_ranges),
                                 input_signature=input_signature)
    archive.write_out(str(filepath), verbose=verbose)


def _converted(converter: keras.export.ExportArchive, model: Any, name: str,
               function: Callable[..., Any], input_signature: Sequence[tf.TensorSpec]) -> Any:
    """``function`` converted with jax2tf by ``converter`` (JAX backend), the input checks
    around it (`checked_endpoint`), as a traced `tf.function`. A function that computes on
    the traced values with TensorFlow ops (or NumPy) fails with an error naming the entry,
    the signature and the fix instead of JAX's bare trace error."""
    import jax

    converted = converter.add_endpoint(name, function, input_signature=input_signature)
    checked = tf.function(checked_endpoint(converted, input_signature, model.serving_ranges),
                          input_signature=input_signature, autograph=False)
    try:
        checked.get_concrete_function()  # traced (and converted), so the archive takes it as it is
        return checked
    except (jax.errors.TracerArrayConversionError, jax.errors.ConcretizationTypeError) as error:
        raise TypeError(
            f"{type(model).__name__}.serving_endpoints()[{name!r}] cannot be exported under the "
            "JAX backend: its function is converted with jax2tf, so it must compute with "
            "keras.ops only (no tf.* ops, no NumPy or Python conditions on the inputs' values); "
            "input checks belong in the input specs and serving_ranges, which the SavedModel "
            f"applies before the function ({type(error).__name__}: "
            f"{str(error).splitlines()[0]})") from error
