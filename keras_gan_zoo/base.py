"""`BaseGAN`: what every zoo entry shares, whatever its generator takes.

The zoo has two families, each a subclass of `BaseGAN`:

* noise-to-image entries (`models.noise_to_image.NoiseToImageGAN`: GAN, DCGAN,
  CGAN, InfoGAN, CoupledGAN, EBGAN): G maps noise z to images, trained by
  Goodfellow et al.'s Algorithm 1 and its hooks;
* image-to-image entries (`models.image_to_image.ImageToImageGAN`: pix2pix,
  CycleGAN): G maps images to images.

`BaseGAN` holds the rest: the config common to all (``image_shape``, Adam's
``learning_rate``, ``beta_1``, ``beta_2``, ``seed``), the optimizers and their
serialisation, the reporting and export, and the rules that make a custom
``train_step`` correct under any ``tf.distribute`` strategy, once:

* **Loss reduction** (:meth:`replica_loss`): per-example losses are summed and
  divided by the *global* number of examples (all-reduced over replicas, so an
  uneven last batch weighs every example the same) inside the ``GradientTape``; the
  optimizer sums gradients over replicas, so one step on N replicas equals one
  step on one replica with the same global batch.
* **Logging** (:meth:`report`): `keras.metrics.Mean` trackers receive the
  per-example losses, so the logged value is the true global-batch mean (not
  1/N of it) whatever the number of replicas.
* **Randomness** (:meth:`_next_seed`): stateless seeds that fold in the step
  and the replica id, so replicas draw differently and a run is reproducible
  from its ``seed``.
* **Optimizers**: one per side, built explicitly in :meth:`compile` (inside
  the strategy scope), wrapped in a `LossScaleOptimizer` under ``mixed_float16``;
  by default Adam with the side's ``g_learning_rate`` / ``d_learning_rate``
  (null: ``learning_rate``; the two time-scale update rule, TTUR, of
  Heusel et al. 2017).

It also checks what users pass: the constructor's arguments (`config_checks`,
before any layer is built) and every input of the exported serving signatures
(`inputs.assert_input`: sizes, finiteness, ranges).
"""

from __future__ import annotations

import inspect
import random
from typing import Any, Callable, ClassVar, Iterable, Mapping, Sequence

import keras
import tensorflow as tf

from keras_gan_zoo import config_checks, inputs, losses, registry
from keras_gan_zoo.callbacks import guard_divergence
from keras_gan_zoo.distribute import fold_in_replica, global_count, needs_custom_loop
from keras_gan_zoo.signals import MonitorSignals
from keras_gan_zoo.training import distributed_fit

Endpoint = tuple[Callable[..., Any], Sequence[tf.TensorSpec]]

#: Keyword arguments `keras.Model` itself takes (``name``, ``dtype``, ...).
_KERAS_ARGUMENTS = frozenset(inspect.signature(keras.layers.Layer.__init__).parameters) - {
    "self", "kwargs"}


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

    def __new__(cls, *args: Any, **kwargs: Any) -> "BaseGAN":
        # Every way of making an entry (`registry.build`, `from_config`, ``DCGAN(...)``)
        # goes through here: the arguments are checked before any layer is built.
        cls.check_arguments(cls.named_arguments(args, kwargs))
        return super().__new__(cls, *args, **kwargs)

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
    @classmethod
    def constructor_defaults(cls) -> dict[str, Any]:
        """Every constructor argument of the entry and its default, read from the
        ``__init__`` signatures along the class hierarchy (a subclass's default wins),
        without the `excluded_arguments`."""
        defaults: dict[str, Any] = {}
        for klass in cls.__mro__:
            if klass is keras.Model:
                break
            if "__init__" not in vars(klass):
                continue
            parameters = list(inspect.signature(klass.__init__).parameters.values())[1:]
            for p in parameters:
                if p.kind in (p.POSITIONAL_OR_KEYWORD, p.KEYWORD_ONLY):
                    defaults.setdefault(p.name, p.default)
            if not any(p.kind is p.VAR_KEYWORD for p in parameters):
                break  # the arguments of the classes further up are not passed on
        return {name: value for name, value in defaults.items()
                if name not in cls.excluded_arguments}

    @classmethod
    def named_arguments(cls, args: Sequence[Any], kwargs: Mapping[str, Any]) -> dict[str, Any]:
        """Constructor arguments by name (positional ones named by the entry's ``__init__``)."""
        if not args:
            return dict(kwargs)
        names = [p.name for p in list(inspect.signature(cls.__init__).parameters.values())[1:]
                 if p.kind is p.POSITIONAL_OR_KEYWORD]
        if len(args) > len(names):
            raise TypeError(f"{cls.__name__} takes at most {len(names)} positional arguments "
                            f"({', '.join(names)}); pass the others by name.")
        return {**dict(zip(names, args)), **kwargs}

    @classmethod
    def check_arguments(cls, arguments: Mapping[str, Any]) -> None:
        """Raise a ValueError naming the key for an argument the entry does not take or a
        value out of its range (`config_checks`: one rule table for every entry)."""
        retired = [key for key in cls.retired_arguments if arguments.get(key) is not None]
        if retired:
            raise ValueError(f"{cls.__name__} no longer takes {retired[0]}: "
                             f"{cls.retired_arguments[retired[0]]}.")
        defaults = cls.constructor_defaults()
        unknown = sorted(set(arguments) - set(defaults) - set(cls.retired_arguments)
                         - _KERAS_ARGUMENTS)
        if unknown:
            excluded = sorted(set(unknown) & cls.excluded_arguments)
            reason = (f" ({', '.join(excluded)}: not used by {cls.__name__}, remove it)"
                      if excluded else "")
            raise ValueError(
                f"{cls.__name__} does not take {unknown}{reason}{registry.taken_by(unknown)}; "
                f"its arguments are: "
                f"{', '.join(sorted(defaults))}."
            )
        config_checks.check_config(
            {key: value for key, value in arguments.items() if key in defaults}, defaults)

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
        #: schedule (`callbacks.LinearDecay`), kept in the compile config so that a resumed
        #: run (rebuilt and compiled, or loaded from ``.keras``) follows the same schedule.
        self.initial_learning_rates: dict[str, float] = {}
        g_variables, d_variables = self.optimizer_variables()
        self.g_optimizer = self._prepare_optimizer(
            g_optimizer, g_variables, "g_optimizer", self.side_learning_rate("g"))
        self.d_optimizer = self._prepare_optimizer(
            d_optimizer, d_variables, "d_optimizer", self.side_learning_rate("d"))

    def optimizer_variables(self) -> tuple[list[keras.Variable], list[keras.Variable]]:
        """The variables ``g_optimizer`` and ``d_optimizer`` update. Entries with several
        networks per side override it (CycleGAN: both generators, both discriminators)."""
        return self.generator.trainable_variables, self.discriminator.trainable_variables

    def _prepare_optimizer(
        self, optimizer: keras.optimizers.Optimizer | None, variables: Sequence[keras.Variable],
        name: str, learning_rate: float | None = None,
    ) -> keras.optimizers.Optimizer:
        """``optimizer`` (default: the entry's Adam at ``learning_rate``) for ``variables``,
        built, loss-scaled under ``mixed_float16``; its rate is recorded in
        ``initial_learning_rates[name]``."""
        if optimizer is None:
            optimizer = self.default_optimizer(learning_rate)
        optimizer = keras.optimizers.get(optimizer)
        self.initial_learning_rates[name] = float(keras.ops.convert_to_numpy(optimizer.learning_rate))
        if self.dtype_policy.name == "mixed_float16" and not isinstance(
            optimizer, keras.optimizers.LossScaleOptimizer
        ):
            optimizer = keras.optimizers.LossScaleOptimizer(optimizer)
        # Built here, inside the caller's strategy scope: `fit` only builds
        # `self.optimizer`, and an unbuilt one fails under MirroredStrategy.
        optimizer.build(list(variables))
        return optimizer

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
    @staticmethod
    def num_replicas() -> int:
        """Replicas taking part in the current step (1 outside a strategy)."""
        return tf.distribute.get_strategy().num_replicas_in_sync

    def replica_loss(
        self, per_example: tf.Tensor, optimizer: keras.optimizers.Optimizer | None = None
    ) -> tf.Tensor:
        """This replica's share of the global-batch mean of ``per_example``.

        ``sum(per_example) / examples in the global batch`` (`distribute.global_count`,
        right also when the last batch splits unevenly over replicas); call it inside the
        tape. With an optimizer, the result is also scaled for mixed precision.
        """
        per_example = tf.cast(losses.per_example_mean(per_example), tf.float32)
        loss = tf.math.divide_no_nan(tf.reduce_sum(per_example), global_count(per_example))
        return optimizer.scale_loss(loss) if optimizer is not None else loss

    def replica_share(self, batch_loss: tf.Tensor, batch: tf.Tensor) -> tf.Tensor:
        """This replica's share of a loss already averaged over its batch ``batch``
        (e.g. EBGAN's pulling-away term): ``batch_loss x its examples / global examples``,
        ``batch_loss / num_replicas`` when the replicas hold equal shares."""
        share = tf.math.divide_no_nan(tf.cast(tf.shape(batch)[0], tf.float32), global_count(batch))
        return tf.cast(batch_loss, tf.float32) * share

    @staticmethod
    def apply_gradients(
        tape: tf.GradientTape,
        loss: tf.Tensor,
        optimizer: keras.optimizers.Optimizer,
        variables: Iterable[tf.Variable],
    ) -> None:
        """One optimizer update of ``variables`` from ``loss`` recorded on ``tape``."""
        variables = list(variables)
        gradients = tape.gradient(loss, variables)
        optimizer.apply_gradients(zip(gradients, variables))

    def _next_seed(self) -> tf.Tensor:
        """A fresh stateless seed, distinct per step, per draw and per replica."""
        self._random_draws += 1
        step = tf.cast(self.g_optimizer.iterations + self.d_optimizer.iterations, tf.int32)
        seed = tf.constant([self._random_seed % (2**31), self._random_draws], tf.int32)
        return fold_in_replica(tf.random.experimental.stateless_fold_in(seed, step))

    def discriminator_logits(self, images: Any, training: bool) -> tf.Tensor:
        """D's logits for ``images``, in float32 (also under mixed precision)."""
        return tf.cast(self.discriminator(images, training=training), tf.float32)

    # ------------------------------------------------------- checks, reporting
    def check_image_shape(
        self, shape: Sequence[int | None], what: str = "images",
        expected: Sequence[int] | None = None,
    ) -> None:
        """Raise a ValueError naming the fix if ``shape`` (no batch axis) is not ``expected``
        (default ``image_shape``; image-to-image entries also check their input shape)."""
        shape = tuple(shape)
        expected = self.image_shape if expected is None else tuple(expected)
        if len(shape) != 3 or any(
            s is not None and s != e for s, e in zip(shape, expected)
        ):
            h, w, c = expected
            raise ValueError(
                f"{what} have shape {shape} but this {type(self).__name__} was built for "
                f"image_shape {expected}. Load the data with "
                f"image_size=({h}, {w}), channels={c}, or build the model for your data, "
                f"e.g. build({type(self).zoo_name!r}, image_shape=[H, W, C])."
            )

    def report(self, **values: tf.Tensor) -> dict[str, tf.Tensor]:
        """Update the trackers with per-example values and return every tracker's result,
        plus ``loss``: the sum of the ``*_loss`` values, so that Keras callbacks that read
        ``logs["loss"]`` (`keras.callbacks.TerminateOnNaN`) see a non-finite step. It is a
        health signal, not an objective: the networks minimise their own losses."""
        for name, value in values.items():
            self.trackers[name].update_state(tf.cast(value, tf.float32))
        results = {name: tracker.result() for name, tracker in self.trackers.items()}
        step_loss = tf.add_n([tf.reduce_mean(tf.cast(value, tf.float32))
                              for name, value in values.items() if name.endswith("loss")])
        if self._loss_tracker is None:  # not compiled (e.g. a bare train_step call)
            results["loss"] = step_loss
        else:  # Keras' own "loss" tracker, so the epoch's logs and history carry its mean
            self._loss_tracker.update_state(step_loss)
            results["loss"] = self._loss_tracker.result()
        return results

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
        `keras_gan_zoo.training.distributed_fit`. A NaN or infinite logged value stops it at
        once (`callbacks.StopOnNonFinite`; pass ``StopOnNonFinite(keys=())`` to turn it off).
        Images outside the model range [-1, 1] in the first batch (uint8, [0, 255], [0, 1])
        are refused (`inputs.check_training_images`; ``check_input_range=False`` skips it)."""
        if kwargs.pop("check_input_range", True):
            x = inputs.check_training_images(x, type(self).__name__)
        kwargs["callbacks"] = guard_divergence(kwargs.get("callbacks"))
        if needs_custom_loop(self.distribute_strategy):
            if y is not None:
                raise ValueError("GANs take no targets: pass the dataset as x only.")
            return distributed_fit(self, x, **kwargs)
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

        Every input of every signature is checked in the graph (`checked_endpoint`):
        its sizes, finite values and, for the inputs in `serving_ranges`, its range; a
        bad input fails with a message naming it. A float64 input to a float32
        signature is rejected by TensorFlow before the graph runs: cast it to float32.
        Works on a model that was trained, loaded from ``.keras`` or never
        trained. For TF Serving use ``<base>/<model_name>/<version>`` as path.
        """
        if format != "tf_saved_model":
            raise ValueError(f"Only format='tf_saved_model' is supported, got {format!r}.")
        archive = keras.export.ExportArchive()
        archive.track(self)
        for name, (function, input_signature) in self.serving_endpoints().items():
            archive.add_endpoint(name, self.checked_endpoint(function, input_signature),
                                 input_signature=input_signature)
        archive.write_out(str(filepath), verbose=verbose)

    def checked_endpoint(self, function: Callable[..., Any], specs: Sequence[tf.TensorSpec]
                         ) -> Callable[..., Any]:
        """``function`` with each input checked against its spec (`inputs.assert_input`:
        sizes, finiteness, the range in `serving_ranges`) before it runs."""
        def endpoint(*tensors: tf.Tensor) -> Any:
            return function(*(
                inputs.assert_input(tensor, spec.name, spec.shape[1:],
                                    self.serving_ranges.get(spec.name))
                for tensor, spec in zip(tensors, specs)))
        return endpoint
