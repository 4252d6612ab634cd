"""The training engine: how an entry's objectives become updates, on the active Keras backend.

An entry writes each update of its paper's algorithm once, as an *objective*: a function of
no arguments, computed with `keras.ops` from the networks and the batch, that returns
``(loss, logs)``. The engine turns it into an update of the given variables:

* TensorFlow (`engine.tensorflow`): the objective runs under a ``tf.GradientTape``; the
  `tf.distribute` rules of `keras_gan_zoo.distribute` hold (losses reduced over the global
  batch, per-replica seeds), so `MirroredStrategy`, `MultiWorkerMirroredStrategy` and TPUs
  work as they did.
* JAX (`engine.jax`): the entry's ``train_step`` runs inside a `keras.StatelessScope` on
  the state `fit` passes (both optimizers' variables in it through
  `keras.optimizers.MultiOptimizer`); each objective is differentiated with
  `jax.value_and_grad` over the values of the variables it updates, and the state the step
  returns is the scope's. Distribution is `keras.distribution.DataParallel`: one program
  over the global batch, so batch statistics and loss means are the global batch's.

Both modules define the same names: `minimize`, `input_gradients`, `step_seed`, `normal`,
`uniform`, `global_count`, `conv_transpose` (the transposed convolution of the zoo's
`Conv2DTranspose`: on JAX with a faster gradient), `train_step`, `group_optimizers`,
`SYNCHRONIZED_BATCH_NORM`.
"""

from __future__ import annotations

import keras

#: The Keras backends the zoo runs on.
SUPPORTED_BACKENDS = ("tensorflow", "jax")

BACKEND = keras.backend.backend()
if BACKEND not in SUPPORTED_BACKENDS:
    raise ImportError(
        f"keras_gan_zoo runs on the Keras backends {' and '.join(SUPPORTED_BACKENDS)}, not "
        f"{BACKEND!r}: set KERAS_BACKEND=tensorflow or KERAS_BACKEND=jax.")

if BACKEND == "jax":
    from keras_gan_zoo.engine.jax import *  # noqa: F401,F403
else:
    from keras_gan_zoo.engine.tensorflow import *  # noqa: F401,F403


from typing import Any  # noqa: E402

from keras import ops  # noqa: E402

from keras_gan_zoo import losses  # noqa: E402


def replica_loss(per_example: Any, optimizer: keras.optimizers.Optimizer | None = None) -> Any:
    """This replica's share of the global-batch mean of ``per_example``: ``sum(per_example) /
    examples in the global batch`` (`global_count`; right also when the last batch splits
    unevenly over `tf.distribute` replicas; on JAX the batch is global). Computed inside the
    objective; with an optimizer, also scaled for mixed precision."""
    per_example = ops.cast(losses.per_example_mean(per_example), "float32")
    count = global_count(per_example)  # noqa: F405 (the backend's)
    loss = ops.where(count > 0, ops.sum(per_example) / ops.maximum(count, 1.0), 0.0)
    return optimizer.scale_loss(loss) if optimizer is not None else loss


def replica_share(batch_loss: Any, batch: Any) -> Any:
    """This replica's share of a loss already averaged over its batch ``batch`` (EBGAN's
    pulling-away term): ``batch_loss x its examples / global examples``."""
    count = global_count(batch)  # noqa: F405 (the backend's)
    share = ops.where(count > 0, ops.cast(ops.shape(batch)[0], "float32") / ops.maximum(count, 1.0), 0.0)
    return ops.cast(batch_loss, "float32") * share
