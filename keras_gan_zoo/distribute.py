"""Choosing a `tf.distribute` strategy and a precision policy by name (CLI and Python)."""

from __future__ import annotations

import os

import keras
import tensorflow as tf

STRATEGIES = ("auto", "one_device", "mirrored", "multi_worker", "tpu")
PRECISIONS = {"off": "float32", "float16": "mixed_float16", "bfloat16": "mixed_bfloat16"}


def make_strategy(name: str = "auto", tpu: str | None = None) -> tf.distribute.Strategy:
    """A strategy by name.

    * ``auto``: ``multi_worker`` if ``TF_CONFIG`` or SLURM describes a cluster, ``mirrored``
      with several GPUs, else the default (one device).
    * ``one_device``: the first GPU, else the CPU.
    * ``mirrored``: every local GPU (or the CPU).
    * ``multi_worker``: `MultiWorkerMirroredStrategy`; the cluster comes from ``TF_CONFIG``,
      or from SLURM's variables (``SlurmClusterResolver``) when run under ``srun``.
    * ``tpu``: `TPUStrategy` on the TPU named by ``tpu`` (``None``: the local/Colab/TPU-VM one).
    """
    if name not in STRATEGIES:
        raise ValueError(f"Unknown strategy {name!r}; choose one of {', '.join(STRATEGIES)}.")
    # Physical, not logical: listing logical devices would initialise the runtime, and
    # MultiWorkerMirroredStrategy must be created before that.
    gpus = tf.config.list_physical_devices("GPU")
    if name == "auto":
        if os.environ.get("TF_CONFIG") or int(os.environ.get("SLURM_NTASKS", "1")) > 1:
            name = "multi_worker"
        elif len(gpus) > 1:
            name = "mirrored"
        else:
            return tf.distribute.get_strategy()
    if name == "one_device":
        return tf.distribute.OneDeviceStrategy("/gpu:0" if gpus else "/cpu:0")
    if name == "mirrored":
        return tf.distribute.MirroredStrategy()
    if name == "multi_worker":
        resolver = None
        if not os.environ.get("TF_CONFIG") and "SLURM_JOB_ID" in os.environ:
            resolver = tf.distribute.cluster_resolver.SlurmClusterResolver()
        return tf.distribute.MultiWorkerMirroredStrategy(cluster_resolver=resolver)
    try:
        resolver = tf.distribute.cluster_resolver.TPUClusterResolver(tpu=tpu or "")
        tf.config.experimental_connect_to_cluster(resolver)
        tf.tpu.experimental.initialize_tpu_system(resolver)
    except (ValueError, tf.errors.OpError, RuntimeError) as error:
        raise ValueError(
            f"--strategy tpu: no TPU could be reached ({type(error).__name__}: {error}). Run on "
            "a TPU VM or Colab TPU runtime, or pass the TPU's name or grpc:// address."
        ) from None
    return tf.distribute.TPUStrategy(resolver)


def needs_static_shapes(strategy: tf.distribute.Strategy) -> bool:
    """TPUs compile for fixed shapes: datasets need ``drop_remainder=True``."""
    return isinstance(strategy, (tf.distribute.TPUStrategy,))


def set_precision(mode: str = "off") -> str:
    """Set Keras' global dtype policy: ``off`` (float32), ``float16`` or ``bfloat16`` (mixed).

    Call it *before* building a model. Under ``float16`` the entries wrap their
    optimizers in `LossScaleOptimizer`; discriminator logits and losses stay float32.
    Returns the policy's name.
    """
    if mode not in PRECISIONS:
        raise ValueError(f"Unknown mixed precision {mode!r}; choose one of {', '.join(PRECISIONS)}.")
    keras.mixed_precision.set_dtype_policy(PRECISIONS[mode])
    return PRECISIONS[mode]
