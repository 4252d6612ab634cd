"""`BaseGAN`: what every zoo entry shares, whatever its generator takes.

The zoo has two families, each a subclass of `BaseGAN`:

* noise-to-image entries (`models.noise_to_image.NoiseToImageGAN`: GAN, DCGAN,
  CGAN, InfoGAN, CoupledGAN, EBGAN): G maps noise z to images, trained by
  Goodfellow et al.'s Algorithm 1 and its hooks;
* image-to-image entries (`models.image_to_image.ImageToImageGAN`: pix2pix,
  CycleGAN): G maps images to images.

`BaseGAN` holds the rest: the config common to all (``image_shape``, Adam's
``learning_rate``, ``beta_1``, ``beta_2``, ``seed``), the optimizers (one per side, built
in :meth:`compile` inside the strategy scope, loss-scaled under ``mixed_float16``; by
default Adam at the side's ``g_learning_rate`` / ``d_learning_rate``, null:
``learning_rate``: the TTUR of Heusel et al. 2017) and their serialisation, and the
hooks entries use so that a custom ``train_step`` is right on either Keras backend and
under any distribution: :meth:`minimize`, :meth:`replica_loss`, :meth:`report` and
:meth:`_next_seed` (`keras_gan_zoo.engine`: ``tf.GradientTape`` and `tf.distribute` on
TensorFlow, a stateless step on JAX). An entry's ``train_step`` is written once, as if
stateful; on JAX, `__init_subclass__` makes it the stateless step `fit` calls. The constructor's arguments are checked before any layer is built
(`registry.check_arguments`), the exported signatures' inputs in the graph (`serving`).
"""

from __future__ import annotations

import random
from typing import TYPE_CHECKING, Any, Callable, ClassVar, Mapping, Sequence

import keras

from keras_gan_zoo import distribute, engine, inputs, registry, serving
from keras_gan_zoo.distribute import needs_custom_loop
from keras_gan_zoo.guards import guard_divergence
from keras_gan_zoo.signals import MonitorSignals
from keras_gan_zoo.step_logs import report_step
from keras_gan_zoo.training import distributed_fit

if TYPE_CHECKING:
    import tensorflow as tf

Endpoint = tuple[Callable[..., Any], Sequence["tf.TensorSpec"]]


class BaseGAN(keras.Model):
    """Base class of the zoo's GANs (a `keras.Model` with a custom ``train_step``).

    Subclasses build their networks in ``__init__``, define ``train_step``,
    ``call``, ``sample_grid`` and ``serving_endpoints``, and add their
    arguments to ``get_config``. Every constructor argument has a default:
    the constructors' signatures are the entries' defaults (see `registry`).
    The arguments of every construction are checked before ``__init__`` runs
    (`check_arguments`: unknown keys, and values against `config_checks`).

    Args:
        image_shape: ``(height, width, channels)`` of the generated images, in [-1, 1].
        learning_rate, beta_1, beta_2: Adam defaults used by `compile` when no
            optimizer is passed.
        g_learning_rate, d_learning_rate: the generator's and the discriminator's
            rates when they differ (TTUR, Heusel et al. 2017, "GANs Trained by a
            Two Time-Scale Update Rule ..."); ``None``: ``learning_rate``.
        seed: seed of the training randomness; ``None`` picks one at random.
    """

    #: Paper reference, shown by ``keras-gan-zoo list`` and in docstrings.
    paper: ClassVar[str] = ""
    #: Names of the `keras.metrics.Mean` trackers the entry reports.
    metric_names: ClassVar[tuple[str, ...]] = ("d_loss", "g_loss")
    #: The attributes holding the entry's optimizers, made by `compile` (InfoGAN adds ``q_optimizer``).
    optimizer_names: ClassVar[tuple[str, ...]] = ("g_optimizer", "d_optimizer")
    #: Ranges of serving inputs by name, checked by `export` (image-to-image: ``image`` in [0, 1]).
    serving_ranges: ClassVar[Mapping[str, inputs.Range]] = {}
    #: Arguments of a base class that the entry does not use (EBGAN: ``label_smoothing``):
    #: not among its `constructor_defaults`, rejected when passed.
    excluded_arguments: ClassVar[frozenset[str]] = frozenset()
    #: Arguments the entry took once, by name -> the fix (GAN's ``generator_loss``): a value
    #: is refused with the fix; ``null``, as configs saved then hold it, is dropped.
    retired_arguments: ClassVar[Mapping[str, str]] = {}
    #: Column titles of the `sample_grid` picture, in groups set apart by a wider gap
    #: (pix2pix: ``(("input", "output", "target"),)``); empty: no titles.
    grid_titles: ClassVar[tuple[tuple[str, ...], ...]] = ()
    #: How the entry is sampled for evaluation and sample grids: ``"generate"`` (noise to
    #: images, ``generate(num_samples=, seed=)``) or ``"translate"`` (held-out inputs
    #: translated, ``translate(images)``: the image-to-image entries).
    evaluation_sampling: ClassVar[str] = "generate"

    def __init_subclass__(cls, **kwargs: Any) -> None:
        # An entry's ``train_step(self, data)`` as `fit` calls it on the active backend
        # (on JAX: ``train_step(state, data)``; `engine.train_step`).
        super().__init_subclass__(**kwargs)
        if "train_step" in cls.__dict__:
            cls.train_step = engine.train_step(cls.__dict__["train_step"])

    def __new__(cls, *args: Any, **kwargs: Any) -> "BaseGAN":
        # Every way of making an entry (`registry.build`, `from_config`, ``DCGAN(...)``)
        # goes through here: the arguments are checked before any layer is built.
        cls.check_arguments(registry.named_arguments(cls, args, kwargs))
        return super().__new__(cls, *args, **kwargs)

    def __setattr__(self, name: str, value: Any) -> None:
        # Keras' JAX `fit` puts every variable's value in ``_jax_state`` after each step (for a
        # callback that syncs it), and `keras.Layer.__setattr__` walks that dict to track what
        # it holds: arrays only, nothing to track. Stored untracked (the MLP GAN on CPU, same
        # process: Keras' own `fit` 6.06 -> 5.90 ms a step, the loop 5.66; the zoo's `fit`,
        # with its callbacks, 0.8% faster; medians of 6 and 8 runs).
        if name == "_jax_state":
            object.__setattr__(self, name, value)
        else:
            super().__setattr__(name, value)

    def __init__(
        self,
        image_shape: Sequence[int] = (28, 28, 1),
        learning_rate: float = 2e-4,
        g_learning_rate: float | None = None,
        d_learning_rate: float | None = None,
        beta_1: float = 0.5,
        beta_2: float = 0.999,
        seed: int | None = None,
        **kwargs: Any,
    ) -> None:
        for key in self.retired_arguments:
            kwargs.pop(key, None)  # null (`check_arguments` refuses a value)
        super().__init__(**kwargs)
        self.image_shape = tuple(int(d) for d in image_shape)
        self.learning_rate = float(learning_rate)
        self.g_learning_rate = None if g_learning_rate is None else float(g_learning_rate)
        self.d_learning_rate = None if d_learning_rate is None else float(d_learning_rate)
        self.beta_1 = float(beta_1)
        self.beta_2 = float(beta_2)
        self.seed = seed
        self._random_seed = int(seed) if seed is not None else random.randrange(2**31)
        self._random_draws = 0
        self.trackers = {name: keras.metrics.Mean(name=name) for name in self.metric_names}
        # The networks are functional models, built when the entry creates them.
        self.built = True

    # ------------------------------------------------------------------ config
    #: Every constructor argument and its default; a ValueError naming the key for an
    #: argument the entry does not take or a value out of its range (`registry`).
    constructor_defaults = classmethod(registry.constructor_defaults)
    check_arguments = classmethod(registry.check_arguments)

    def get_config(self) -> dict[str, Any]:
        return {
            **super().get_config(),
            "image_shape": list(self.image_shape),
            "learning_rate": self.learning_rate,
            "g_learning_rate": self.g_learning_rate,
            "d_learning_rate": self.d_learning_rate,
            "beta_1": self.beta_1,
            "beta_2": self.beta_2,
            "seed": self.seed,
        }

    @classmethod
    def from_config(cls, config: Mapping[str, Any]) -> "BaseGAN":
        config = dict(config)
        config.pop("trainable", None)
        config.pop("dtype", None)
        for key in cls.excluded_arguments:  # written by versions that still listed it
            config.pop(key, None)
        return cls(**config)

    # ----------------------------------------------------------------- compile
    @property
    def networks(self) -> dict[str, keras.Model]:
        """The entry's trainable networks, by name (``generator``, ``discriminator``, ...)."""
        return {"generator": self.generator, "discriminator": self.discriminator}

    def side_learning_rate(self, side: str) -> float:
        """The default optimizer's rate for ``side`` ``"g"`` or ``"d"``: ``g_learning_rate``
        or ``d_learning_rate``, or ``learning_rate`` where that is ``None``."""
        rate = {"g": self.g_learning_rate, "d": self.d_learning_rate}[side]
        return self.learning_rate if rate is None else rate

    def default_optimizer(self, learning_rate: float | None = None) -> keras.optimizers.Optimizer:
        """Adam with the entry's betas and ``learning_rate`` (default: the configured one)."""
        rate = self.learning_rate if learning_rate is None else learning_rate
        return keras.optimizers.Adam(rate, beta_1=self.beta_1, beta_2=self.beta_2)

    def compile(
        self,
        g_optimizer: keras.optimizers.Optimizer | None = None,
        d_optimizer: keras.optimizers.Optimizer | None = None,
        **kwargs: Any,
    ) -> None:
        """Configure training: one optimizer per network (defaults: the entry's Adam, at
        `side_learning_rate`).

        Call it inside ``strategy.scope()`` when training distributed. Other
        keyword arguments (``steps_per_execution``, ``run_eagerly``, ...) go to
        `keras.Model.compile`.
        """
        if "optimizer" in kwargs or "loss" in kwargs:
            raise ValueError(
                f"{type(self).__name__}.compile takes g_optimizer= and d_optimizer= "
                "(one per network) and computes its own losses; remove optimizer=/loss=."
            )
        super().compile(optimizer=None, **kwargs)
        #: Each optimizer's learning rate when compiled, by attribute name: the start of a
        #: schedule (`schedules.LinearDecay`), kept in the compile config so that a resumed
        #: run (rebuilt and compiled, or loaded from ``.keras``) follows the same schedule.
        self.initial_learning_rates: dict[str, float] = {}
        g_variables, d_variables = self.optimizer_variables()
        self.g_optimizer = self._prepare_optimizer(
            g_optimizer, g_variables, "g_optimizer", self.side_learning_rate("g"))
        self.d_optimizer = self._prepare_optimizer(
            d_optimizer, d_variables, "d_optimizer", self.side_learning_rate("d"))
        self.group_optimizers()

    def group_optimizers(self) -> None:
        """``model.optimizer`` as `fit` needs it on the active backend: on JAX, the entry's
        optimizers (`optimizer_names`) as one `keras.optimizers.MultiOptimizer`, so that
        `fit`'s state carries all their variables; ``None`` on TensorFlow (`engine`). An entry
        that makes optimizers of its own in `compile` calls it again after them."""
        optimizers = [getattr(self, name) for name in self.optimizer_names
                      if getattr(self, name, None) is not None]
        self.optimizer = engine.group_optimizers(
            optimizers, [optimizer._trainable_variables for optimizer in optimizers])

    def optimizer_variables(self) -> tuple[list[keras.Variable], list[keras.Variable]]:
        """The variables ``g_optimizer`` and ``d_optimizer`` update. Entries with several
        networks per side override it (CycleGAN: both generators, both discriminators)."""
        return self.generator.trainable_variables, self.discriminator.trainable_variables

    def _prepare_optimizer(
        self, optimizer: keras.optimizers.Optimizer | None, variables: Sequence[keras.Variable],
        name: str, learning_rate: float | None = None,
    ) -> keras.optimizers.Optimizer:
        """``optimizer`` (default: the entry's Adam at ``learning_rate``) for ``variables``,
        built and loss-scaled (`distribute.prepare_optimizer`); its rate is recorded in
        ``initial_learning_rates[name]``."""
        if optimizer is None:
            optimizer = self.default_optimizer(learning_rate)
        optimizer = keras.optimizers.get(optimizer)
        self.initial_learning_rates[name] = float(keras.ops.convert_to_numpy(optimizer.learning_rate))
        return distribute.prepare_optimizer(optimizer, variables, self.dtype_policy.name)

    def get_compile_config(self) -> dict[str, Any] | None:
        if not getattr(self, "compiled", False):
            return None
        return {
            **{name: keras.optimizers.serialize(getattr(self, name))
               for name in self.optimizer_names},
            "initial_learning_rates": dict(self.initial_learning_rates),
        }

    def compile_from_config(self, config: Mapping[str, Any]) -> None:
        self.compile(**{name: keras.optimizers.deserialize(config[name])
                        for name in self.optimizer_names})
        # The optimizers were saved with their current (maybe decayed) rates.
        self.initial_learning_rates.update(config.get("initial_learning_rates", {}))

    # ---------------------------------------------------------- training rules
    #: The replica's share of a global-batch mean, of a batch-averaged loss, and one
    #: optimizer update: `distribute`'s rules, as methods for the entries' train steps.
    #: `engine.minimize`: ``self.minimize(objective, (optimizer, variables), ...)`` updates
    #: each ``variables`` down the gradient of its loss in ``objective()``'s ``(losses, logs)``.
    minimize = staticmethod(engine.minimize)
    replica_loss = staticmethod(engine.replica_loss)
    replica_share = staticmethod(engine.replica_share)

    def _next_seed(self) -> Any:
        """A fresh stateless seed, distinct per step, per draw and (under `tf.distribute`)
        per replica (`engine.step_seed`)."""
        self._random_draws += 1
        return engine.step_seed(self._random_seed, self._random_draws,
                                self.g_optimizer.iterations + self.d_optimizer.iterations)

    def discriminator_logits(self, images: Any, training: bool) -> Any:
        """D's logits for ``images``, in float32 (also under mixed precision)."""
        return keras.ops.cast(self.discriminator(images, training=training), "float32")

    # ------------------------------------------------------- checks, reporting
    def check_image_shape(
        self, shape: Sequence[int | None], what: str = "images",
        expected: Sequence[int] | None = None,
    ) -> None:
        """Raise a ValueError naming the fix if ``shape`` (no batch axis) is not ``expected``
        (default ``image_shape``; `inputs.check_image_shape`)."""
        inputs.check_image_shape(shape, self.image_shape if expected is None else expected,
                                 type(self), what)

    def report(self, **values: tf.Tensor) -> dict[str, tf.Tensor]:
        """Update the trackers with per-example values (the global-batch mean whatever the
        number of replicas) and return every result, plus ``loss`` (`step_logs.report_step`)."""
        return report_step(self.trackers, self._loss_tracker, values)

    # ------------------------------------------------------------------- data
    def load_dataset(self, source: str = "digits", batch_size: int = 64, split: str = "train",
                     seed: int | None = None, **kwargs: Any) -> tf.data.Dataset:
        """Training data in the form ``train_step`` expects, at the model's image size and
        channels (`keras_gan_zoo.data.load`; entries with other data override it)."""
        from keras_gan_zoo import data

        height, width, channels = self.image_shape
        return data.load(source, image_size=(height, width), channels=channels,
                         batch_size=batch_size, split=split, seed=seed, **kwargs)

    def monitor_signals(self) -> MonitorSignals:
        """What `monitor.TrainingMonitor` may read of this entry's logs (`signals.MonitorSignals`):
        nothing by default, so no rule is judged on values the entry does not log."""
        return MonitorSignals()

    def training_callbacks(self) -> list[keras.callbacks.Callback]:
        """Callbacks the paper's training schedule needs (CycleGAN: learning-rate decay);
        `keras-gan-zoo train` adds them. None by default."""
        return []

    def fit(self, x: Any = None, y: Any = None, **kwargs: Any) -> keras.callbacks.History:
        """`keras.Model.fit`; under ``MultiWorkerMirroredStrategy``, where Keras 3's own
        `fit` fails (keras-team/keras#20585), the same call runs
        `keras_gan_zoo.training.distributed_fit`. A NaN or infinite logged value stops it by
        the next check, every 50 batches and at each epoch end, before anything is written
        (`callbacks.StopOnNonFinite`; pass ``StopOnNonFinite(keys=())`` to turn it off).
        Images outside the model range [-1, 1] in the first batch (uint8, [0, 255], [0, 1])
        are refused (`inputs.check_training_images`; ``check_input_range=False`` skips it)."""
        if kwargs.pop("check_input_range", True):
            x = inputs.check_training_images(x, type(self).__name__)
        kwargs["callbacks"] = guard_divergence(kwargs.get("callbacks"))
        if engine.BACKEND == "tensorflow" and needs_custom_loop(self.distribute_strategy):
            if y is not None:
                raise ValueError("GANs take no targets: pass the dataset as x only.")
            return distributed_fit(self, x, **kwargs)
        with engine.values_kept(self):  # JAX: a failed first step keeps the weights
            return super().fit(x, y, **kwargs)

    # --------------------------------------------------------------- inference
    def sample_grid(self, num_samples: int = 64, seed: int = 0) -> tuple[Any, int]:
        """Images in [0, 1] for a picture of the model (chosen by ``seed``) and its
        number of rows; `callbacks` and the CLI draw it."""
        raise NotImplementedError(f"{type(self).__name__} must define sample_grid.")

    # ------------------------------------------------------------------ export
    def serving_endpoints(self) -> dict[str, Endpoint]:
        """Signatures for `export`: name -> (function, input specs). The specs'
        names become the signature's input keys; functions return dicts whose
        keys become its output keys."""
        raise NotImplementedError(f"{type(self).__name__} must define serving_endpoints.")

    def export(self, filepath: str, format: str = "tf_saved_model", verbose: bool = True, **kwargs: Any) -> None:
        """Write a TensorFlow SavedModel with the entry's serving signatures.

        Every input of every signature is checked in the graph (`serving.checked_endpoint`:
        sizes, finite values, the `serving_ranges`); works on a model that was trained,
        loaded or never trained. For TF Serving use ``<base>/<model_name>/<version>``.
        """
        if format != "tf_saved_model":
            raise ValueError(f"Only format='tf_saved_model' is supported, got {format!r}.")
        serving.write_signatures(self, filepath, verbose=verbose)
