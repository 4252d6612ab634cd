"""What the zoo needs to know about `tf.distribute`, in one place (CLI and Python).

* choosing a strategy (`make_strategy`; under JAX the `keras.distribution` counterpart,
  `make_distribution`) and a precision policy (`set_precision`) by name;
* what a strategy asks of the data (`needs_static_shapes`: ``drop_remainder``) and of
  `fit` (`needs_custom_loop`: the workaround of `keras_gan_zoo.training`);
* who writes files (`is_chief`);
* random draws that differ per replica (`fold_in_replica`);
* the number of examples in the global batch (`global_count`), which loss reduction divides
  by: the last batch of an epoch may split unevenly over replicas.

The rules that make an entry's custom ``train_step`` right under any strategy (used
through `keras_gan_zoo.engine` on TensorFlow):

* **Loss reduction** (`engine.replica_loss`): per-example losses are summed and divided by
  the *global* number of examples (`global_count`) inside the ``GradientTape``; the
  optimizer sums gradients over replicas, so one step on N replicas equals one step on one
  replica with the same global batch.
* **Logging** (`step_logs.report_step`): `keras.metrics.Mean` trackers receive the
  per-example losses, so the logged value is the global-batch mean (not 1/N of it).
* **Randomness** (`step_seed`): stateless seeds that fold in the step and the replica id,
  so replicas draw differently and a run is reproducible from its ``seed``.
"""

from __future__ import annotations

import os
from typing import Any

import keras

from keras_gan_zoo import training
from keras_gan_zoo.tensorflow_import import lazy_tensorflow, optional_tensorflow

tf = lazy_tensorflow("tf.distribute")

STRATEGIES = ("auto", "one_device", "mirrored", "multi_worker", "tpu")
PRECISIONS = {"off": "float32", "float16": "mixed_float16", "bfloat16": "mixed_bfloat16"}


#: The strategies made so far, by request: one per request and process (see `make_strategy`).
_STRATEGIES: dict[tuple[str, str], tf.distribute.Strategy] = {}


def make_strategy(name: str = "auto", tpu: str | None = None) -> tf.distribute.Strategy:
    """A strategy by name; the same request returns the same strategy within a process.

    * ``auto``: ``multi_worker`` if ``TF_CONFIG`` or SLURM describes a cluster, ``mirrored``
      with several GPUs, else the default (one device).
    * ``one_device``: the first GPU, else the CPU.
    * ``mirrored``: every local GPU (or the CPU).
    * ``multi_worker``: `MultiWorkerMirroredStrategy`; the cluster comes from ``TF_CONFIG``,
      or from SLURM's variables (``SlurmClusterResolver``) when run under ``srun``.
    * ``tpu``: `TPUStrategy` on the TPU named by ``tpu`` (``None``: the local/Colab/TPU-VM one).

    Reusing the strategy lets several models train one after another in one process: a
    second `MirroredStrategy` breaks the collective ops of the models built under it
    (tensorflow/tensorflow#62790), a multi-worker cluster is joined once, and a TPU
    system is initialised once.
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
    request = (name, (tpu or "") if name == "tpu" else "")
    if request not in _STRATEGIES:
        _STRATEGIES[request] = _new_strategy(name, "/gpu:0" if gpus else "/cpu:0", tpu)
    return _STRATEGIES[request]


def _new_strategy(name: str, first_device: str, tpu: str | None) -> tf.distribute.Strategy:
    """A new strategy for a resolved name (not ``auto``); see `make_strategy`."""
    if name == "one_device":
        return tf.distribute.OneDeviceStrategy(first_device)
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


#: The ``--strategy`` names that are `tf.distribute` only: refused under JAX.
TF_ONLY_STRATEGIES = ("multi_worker", "tpu")


def make_distribution(name: str = "auto") -> keras.distribution.Distribution | None:
    """Under JAX, the counterpart of `make_strategy`'s ``name``: a
    `keras.distribution.DataParallel` over the local devices for ``mirrored`` (every one)
    and ``auto`` (several accelerators, as ``auto`` takes several GPUs on TensorFlow);
    ``None`` (one device) for ``one_device`` and ``auto`` otherwise. ``multi_worker`` and
    ``tpu`` are `tf.distribute` strategies: a ValueError names the alternatives."""
    if name not in STRATEGIES:
        raise ValueError(f"Unknown strategy {name!r}; choose one of {', '.join(STRATEGIES)}.")
    if name in TF_ONLY_STRATEGIES:
        raise ValueError(
            f"--strategy {name} is a tf.distribute strategy, which the Keras backend "
            f"{keras.backend.backend()!r} does not have: run with KERAS_BACKEND=tensorflow, or "
            "use --strategy mirrored (keras.distribution.DataParallel over this machine's "
            "devices).")
    devices = keras.distribution.list_devices()
    accelerators = [device for device in devices if not device.lower().startswith("cpu")]
    if name == "mirrored" or (name == "auto" and len(accelerators) > 1):
        return keras.distribution.DataParallel(devices=devices)
    return None


def replicas(strategy: tf.distribute.Strategy | None = None) -> int:
    """The number of devices a step runs on: ``strategy``'s replicas on TensorFlow, the
    devices of the active `keras.distribution` on JAX."""
    if keras.backend.backend() == "tensorflow":
        return (strategy or tf.distribute.get_strategy()).num_replicas_in_sync
    distribution = keras.distribution.distribution()
    return 1 if distribution is None else int(distribution.device_mesh.devices.size)


def fold_in_replica(seed: tf.Tensor) -> tf.Tensor:
    """The stateless seed ``seed`` (int32 ``[2]``) made distinct per replica.

    Replicas share the model's variables, hence any seed state kept in them: without
    the replica id, every replica would draw the same numbers (the same z, the same
    dropout masks). Outside a replica context (no strategy, cross-replica) the id is 0.
    """
    context = tf.distribute.get_replica_context()
    replica_id = 0 if context is None else context.replica_id_in_sync_group
    return tf.random.experimental.stateless_fold_in(seed, tf.cast(replica_id, tf.int32))


def global_count(per_example: tf.Tensor) -> tf.Tensor:
    """The number of examples of the global batch (float32), from ``per_example`` (``[batch, ...]``)
    on each replica: this replica's count, summed over the replicas in sync.

    Not ``local count x replicas``: `MirroredStrategy` (and `MultiWorkerMirroredStrategy`)
    split a partial last batch unevenly (7 examples: 4 + 3 on two replicas), and a replica's
    share of a mean must be ``sum(its losses) / examples of all replicas`` for every example
    to weigh the same, as on one replica. Measured, 15 examples at batch 8 on two replicas:
    the GAN's weights after an epoch (SGD 0.5) differ from one replica's by 2.0e-2 with the
    local count x 2, by 1.2e-7 with this one. An all-reduce of a scalar per call; none with one
    replica, or outside a replica context (cross-replica code, where no step runs).
    """
    count = tf.cast(tf.shape(per_example)[0], tf.float32)
    context = tf.distribute.get_replica_context()
    if context is None or context.num_replicas_in_sync == 1:
        return count
    return tf.stop_gradient(context.all_reduce(tf.distribute.ReduceOp.SUM, count))


def strategy_name(strategy: tf.distribute.Strategy | None = None) -> str:
    """What trains, for the run's settings: ``strategy``'s class on TensorFlow, the active
    `keras.distribution`'s on JAX (``OneDevice`` without one)."""
    if keras.backend.backend() == "tensorflow":
        return type(strategy or tf.distribute.get_strategy()).__name__.lstrip("_")
    distribution = keras.distribution.distribution()
    return "OneDevice" if distribution is None else type(distribution).__name__


def needs_static_shapes(strategy: tf.distribute.Strategy) -> bool:
    """TPUs compile for fixed shapes, and a JAX `keras.distribution` splits every batch
    evenly over its devices: datasets need ``drop_remainder=True``."""
    if keras.backend.backend() != "tensorflow":
        return replicas() > 1
    return isinstance(strategy, (tf.distribute.TPUStrategy,))


def needs_custom_loop(strategy: tf.distribute.Strategy) -> bool:
    """True if Keras' `fit` cannot run under ``strategy``, so `BaseGAN.fit` runs
    `keras_gan_zoo.training.distributed_fit` (switch: ``training.ROUTE_TO_CUSTOM_LOOP``)."""
    return isinstance(strategy, training.ROUTE_TO_CUSTOM_LOOP)


def model_strategy(model: Any) -> tf.distribute.Strategy | None:
    """``model.distribute_strategy``; ``None`` on backends whose models have none (JAX),
    which `is_chief` reads as the default strategy."""
    return getattr(model, "distribute_strategy", None)


def is_chief(strategy: tf.distribute.Strategy | None = None) -> bool:
    """False on the non-chief workers of a multi-worker strategy: only the chief writes files
    (True without TensorFlow: then there is no `tf.distribute` cluster to be a worker of)."""
    if strategy is None and optional_tensorflow() is None:
        return True
    strategy = strategy or tf.distribute.get_strategy()
    resolver = getattr(strategy, "cluster_resolver", None)
    if resolver is None or not resolver.task_type:  # outside the scope: read TF_CONFIG
        resolver = tf.distribute.cluster_resolver.TFConfigClusterResolver()
    if not resolver.task_type:
        return True
    if resolver.task_type == "chief":
        return True
    has_chief = "chief" in resolver.cluster_spec().as_dict()
    return resolver.task_type == "worker" and resolver.task_id == 0 and not has_chief


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


def step_seed(seed: int, draw: int, step: Any) -> tf.Tensor:
    """A stateless seed (int32 ``[2]``) distinct per ``seed``, ``draw`` (a count the model
    keeps), training ``step`` and replica (`fold_in_replica`)."""
    base = tf.constant([seed % (2**31), draw], tf.int32)
    return fold_in_replica(tf.random.experimental.stateless_fold_in(base, tf.cast(step, tf.int32)))


def prepare_optimizer(optimizer: Any, variables: Any, policy: str) -> keras.optimizers.Optimizer:
    """``optimizer`` built for ``variables`` here, inside the caller's strategy scope (`fit`
    only builds ``model.optimizer``, and an unbuilt one fails under `MirroredStrategy`),
    wrapped in a `LossScaleOptimizer` under the ``mixed_float16`` dtype ``policy``."""
    if policy == "mixed_float16" and not isinstance(optimizer, keras.optimizers.LossScaleOptimizer):
        optimizer = keras.optimizers.LossScaleOptimizer(optimizer)
    optimizer.build(list(variables))
    return optimizer
