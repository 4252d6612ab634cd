"""Recipes: a whole training setup as data, ``zoo_configs/recipes/<name>.yaml``.

A config (`registry`) says how an entry is built; a recipe says how it is trained: the
entry and its config overrides, the data, the global batch size, the schedule, the
learning-rate schedule, the evaluation to run and the figure the paper reports. The zoo
ships the papers' setups at the papers' sizes (``gan_mnist``, ``cyclegan_horse2zebra``,
...) and CPU-sized offline ones on the embedded digits (``<entry>_digits``). Copy a file,
change it, and pass its path wherever a recipe name goes::

    # CycleGAN on horse2zebra (Zhu et al. 2017, sec. 4 and appendix 7.1)
    entry: cyclegan
    description: Horses <-> zebras, 256 x 256, the paper's setup.
    config: {image_shape: [256, 256, 3]}   # overrides of the entry's config (constructor args)
    data:                                  # model.load_dataset's arguments
      source: cycle_gan/horse2zebra        # 'digits', a folder, a TFDS name, 'A|B', ...
      split: train
    batch_size: 1                          # global, per D step (d_steps)
    schedule: {epochs: 200}                # or {steps: N, steps_per_epoch: M}
    learning_rate_schedule: {name: linear_decay, constant_lr_fraction: 0.5}   # or null
    evaluation: {metrics: [fid], extractor: inception_v3, every: 10, num_samples: 1000}
    paper: null                            # or {metric: ..., value: ..., source: ...}

Image size and channels are the config's ``image_shape`` (one place for each fact): the
entry loads its data at its own shape. In Python::

    import keras_gan_zoo as zoo
    recipe = zoo.load_recipe("dcgan_digits")
    model, dataset, fit_kwargs = recipe.prepare()
    model.fit(dataset, **fit_kwargs)
    zoo.train(recipe="dcgan_digits")                  # the same, into a run folder

and ``keras-gan-zoo train --recipe NAME|PATH``, ``keras-gan-zoo list --recipes``.
"""

from __future__ import annotations

import difflib
import math
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Mapping

import keras
import yaml

from keras_gan_zoo.config_checks import check_value, whole_number
from keras_gan_zoo.schedules import LinearDecay
from keras_gan_zoo.distribute import needs_static_shapes
from keras_gan_zoo.metrics.evaluator import parse_metrics
from keras_gan_zoo.metrics.extractors import EXTRACTORS
from keras_gan_zoo.registry import build, config_dir, entry_class, load_config, resolve_config
from keras_gan_zoo.yaml_text import load_yaml
from keras_gan_zoo.tensorflow_import import lazy_tensorflow

tf = lazy_tensorflow("a recipe's tf.data dataset")

#: Top-level keys of a recipe file: required, then optional.
REQUIRED_KEYS = ("entry", "config", "data", "batch_size", "schedule")
OPTIONAL_KEYS = ("description", "learning_rate_schedule", "evaluation", "paper")
#: ``data`` keys: where the examples come from, then `load_dataset` options of some entries
#: (pix2pix/CycleGAN: ``direction``, ``jitter``, ``flip``).
DATA_KEYS = ("source", "split", "direction", "jitter", "flip")
#: Learning-rate schedules by name -> their options (`schedules.LinearDecay`).
#: ``constant_lr_fraction`` is the key CycleGAN's config gives the same schedule.
LEARNING_RATE_SCHEDULES = {"constant": (), "linear_decay": ("constant_lr_fraction",)}
EVALUATION_KEYS = ("metrics", "extractor", "every", "num_samples")
PAPER_KEYS = ("metric", "value", "source")
#: Generator steps per epoch of a ``steps`` schedule without ``steps_per_epoch``.
DEFAULT_STEPS_PER_EPOCH = 500


def recipe_dir() -> Path:
    """Where the zoo's recipes live: ``zoo_configs/recipes/``."""
    return config_dir() / "recipes"


def available_recipes() -> list[str]:
    """Names of the shipped recipes, sorted."""
    return sorted(path.stem for path in recipe_dir().glob("*.yaml"))


def digits_recipe_name(entry: str) -> str:
    """The CPU-sized offline recipe of an entry: ``<entry>_digits``."""
    return f"{entry_class(entry).zoo_name}_digits"


@dataclass(frozen=True)
class Recipe:
    """A checked recipe file (see the module docstring); `load_recipe` makes one."""

    name: str
    path: Path | None
    entry: str
    config: dict[str, Any]
    data: dict[str, Any]
    batch_size: int | None
    schedule: dict[str, int]
    description: str = ""
    learning_rate_schedule: dict[str, Any] | None = None
    #: ``{"metrics", "extractor", "every", "num_samples"}`` or None: what to evaluate during
    #: training (`evaluation_arguments` gives them as `keras_gan_zoo.train`'s ``eval_*`` arguments).
    evaluation: dict[str, Any] | None = None
    paper: dict[str, Any] | None = None
    resolved: dict[str, Any] = field(default_factory=dict, repr=False)
    #: The config the entry starts from for `for_entry`: an entry name or a config file
    #: (`registry.build`); ``None`` for a recipe file (its ``config`` over the entry's).
    base: str | None = None

    @classmethod
    def for_entry(cls, name: str | os.PathLike, source: str | os.PathLike = "digits",
                  split: str = "train", epochs: int = 5) -> Recipe:
        """A plain run of entry ``name`` (or of a config file) as a recipe: the entry's own
        config, ``source``'s ``split``, the entry's batch size (``batch_size=None``: its
        `load_dataset`'s default) and its own training callbacks, for ``epochs``. Its
        ``path`` is ``None``: no recipe file, so a run records no ``recipe``."""
        base = os.fspath(name)
        stem = Path(base).stem if Path(base).suffix in (".yaml", ".yml") else base
        return cls(name=stem, path=None, entry=load_config(base)["entry"],
                   config={}, data={"source": os.fspath(source), "split": split},
                   batch_size=None, schedule={"epochs": epochs}, base=base)

    # ------------------------------------------------------------------ what it says
    @property
    def file_name(self) -> str | None:
        """The recipe's name where it is a recipe file (what ``run.json`` records), else None."""
        return self.name if self.path is not None else None

    def text(self) -> str | None:
        """The recipe file's text (shown in TensorBoard), ``None`` for `for_entry`."""
        return self.path.read_text() if self.path is not None else None

    @property
    def source(self) -> str:
        return str(self.data["source"])

    @property
    def split(self) -> str:
        return str(self.data.get("split", "train"))

    @property
    def image_shape(self) -> tuple[int, ...]:
        return tuple(self.resolved["image_shape"])

    @property
    def epochs(self) -> int:
        """Epochs of `fit`: the schedule's, or its steps in epochs of ``steps_per_epoch``."""
        if "epochs" in self.schedule:
            return self.schedule["epochs"]
        return math.ceil(self.schedule["steps"] / self.steps_per_epoch)

    @property
    def steps_per_epoch(self) -> int | None:
        """Steps of an epoch of a ``steps`` schedule (the data repeat); None: one pass."""
        if "steps" not in self.schedule:
            return None
        return self.schedule.get("steps_per_epoch", min(self.schedule["steps"],
                                                        DEFAULT_STEPS_PER_EPOCH))

    def schedule_text(self) -> str:
        """``"40 epochs"`` or ``"5000 steps"``."""
        return (f"{self.schedule['epochs']} epochs" if "epochs" in self.schedule
                else f"{self.schedule['steps']} steps")

    def paper_text(self) -> str:
        """``"<metric> <value> (<source>)"`` or ``"-"``."""
        if not self.paper:
            return "-"
        return f"{self.paper['metric']} {self.paper['value']} ({self.paper['source']})"

    # ---------------------------------------------------------------- what it makes
    def build(self, **overrides: Any) -> keras.Model:
        """The entry, built from its config, the recipe's ``config`` and ``overrides``."""
        if self.base is not None:
            return build(self.base, **{**self.config, **overrides})
        _, config = resolve_config(self.entry, {**self.config, **overrides},
                                   f"Recipe {self.name}: {self.entry!r} does not take")
        return entry_class(self.entry)(**config)

    def load_data(self, model: keras.Model, data_dir: str | None = None,
                  seed: int | None = None, drop_remainder: bool = False,
                  repeat: bool | None = None, **changes: Any) -> tf.data.Dataset:
        """``model.load_dataset`` with the recipe's data and batch size (``changes``:
        ``source``, ``split``, ``batch_size`` or data options to use instead; a batch size of
        ``None``: the entry's default), repeated with ``repeat`` (default: for a ``steps``
        schedule), as epochs of a set number of steps need."""
        options = {**self.data, "batch_size": self.batch_size, **changes}
        if options["batch_size"] is None:
            del options["batch_size"]
        dataset = model.load_dataset(options.pop("source"), split=options.pop("split", "train"),
                                     seed=seed, data_dir=data_dir,
                                     drop_remainder=drop_remainder, **options)
        repeat = bool(self.steps_per_epoch) if repeat is None else repeat
        if repeat and dataset.cardinality() != tf.data.INFINITE_CARDINALITY:
            return dataset.repeat()
        return dataset

    def schedule_callbacks(self, model: keras.Model) -> list[keras.callbacks.Callback]:
        """The entry's training callbacks (``model.training_callbacks()``), with the recipe's
        learning-rate schedule in place of the entry's own (`schedules.LinearDecay`)."""
        entry_callbacks = model.training_callbacks()
        if self.learning_rate_schedule is None:
            return entry_callbacks
        kept = [c for c in entry_callbacks if not isinstance(c, LinearDecay)]
        if self.learning_rate_schedule["name"] == "linear_decay":
            kept.append(LinearDecay(
                self.learning_rate_schedule.get("constant_lr_fraction", 0.5)))
        return kept

    def fit_kwargs(self, model: keras.Model) -> dict[str, Any]:
        """`fit`'s ``epochs``, ``steps_per_epoch`` (``steps`` schedules) and ``callbacks``."""
        kwargs: dict[str, Any] = {"epochs": self.epochs,
                                  "callbacks": self.schedule_callbacks(model)}
        if self.steps_per_epoch:
            kwargs["steps_per_epoch"] = self.steps_per_epoch
        return kwargs

    def prepare(self, strategy: tf.distribute.Strategy | None = None, data_dir: str | None = None,
                seed: int | None = None) -> tuple[keras.Model, tf.data.Dataset, dict[str, Any]]:
        """``(model, dataset, fit_kwargs)``: the entry built and compiled (in ``strategy``'s
        scope if given), its data, and ``model.fit(dataset, **fit_kwargs)``'s arguments."""
        strategy = strategy or tf.distribute.get_strategy()
        with strategy.scope():
            model = self.build()
            model.compile()
        dataset = self.load_data(model, data_dir=data_dir, seed=seed,
                                 drop_remainder=needs_static_shapes(strategy))
        return model, dataset, self.fit_kwargs(model)

    def evaluation_arguments(self) -> dict[str, Any]:
        """The recipe's evaluation as `keras_gan_zoo.train`'s ``eval_every``, ``eval_metrics``,
        ``eval_samples`` and ``eval_extractor`` (empty without one)."""
        if not self.evaluation:
            return {}
        names = {"every": "eval_every", "metrics": "eval_metrics",
                 "num_samples": "eval_samples", "extractor": "eval_extractor"}
        return {names[key]: value for key, value in self.evaluation.items()}


# ---------------------------------------------------------------------- loading
def recipe_path(name_or_path: str | Path) -> Path:
    """The file of a recipe name (``dcgan_digits``) or path (``my_recipe.yaml``)."""
    path = Path(name_or_path)
    if path.suffix in (".yaml", ".yml"):
        if not path.is_file():
            raise FileNotFoundError(f"Recipe file {path} does not exist.")
        return path
    path = recipe_dir() / f"{name_or_path}.yaml"
    if not path.is_file():
        close = difflib.get_close_matches(str(name_or_path), available_recipes(), n=1)
        hint = f" Did you mean {close[0]!r}?" if close else ""
        raise ValueError(f"Unknown recipe {str(name_or_path)!r}.{hint} Recipes: "
                         f"{', '.join(available_recipes())} (keras-gan-zoo list --recipes), "
                         "or pass the path of a recipe .yaml file.")
    return path


def load_recipe(name_or_path: str | Path | Recipe) -> Recipe:
    """Read and check a recipe (a shipped name or a YAML path): each mistake is a
    ValueError that names the file, the key and the fix."""
    if isinstance(name_or_path, Recipe):
        return name_or_path
    path = recipe_path(name_or_path)
    lead = f"Recipe {path}:"
    try:
        document = load_yaml(path.read_text())
    except yaml.YAMLError as error:
        raise ValueError(f"{lead} not valid YAML ({error}).") from None
    if not isinstance(document, dict):
        raise ValueError(f"{lead} expected a mapping with keys {', '.join(REQUIRED_KEYS)}.")
    _check_keys(document, REQUIRED_KEYS, OPTIONAL_KEYS, lead, "a recipe")
    if not isinstance(document["config"], dict):
        raise ValueError(f"{lead} 'config' must be a mapping of the entry's config keys "
                         "({} for the entry's config as it is).")
    try:
        entry = entry_class(str(document["entry"])).zoo_name
    except ValueError as error:
        raise ValueError(f"{lead} entry: {error}") from None
    try:
        _, resolved = resolve_config(entry, document["config"], f"{entry!r} does not take")
    except ValueError as error:
        raise ValueError(f"{lead} config: {error}") from None
    return Recipe(
        name=path.stem, path=path, entry=entry, config=dict(document["config"]),
        data=_checked_data(document["data"], lead), resolved=resolved,
        batch_size=_whole(document["batch_size"], "batch_size", lead),
        schedule=_checked_schedule(document["schedule"], lead),
        description=str(document.get("description") or ""),
        learning_rate_schedule=_checked_learning_rate(document.get("learning_rate_schedule"), lead),
        evaluation=_checked_evaluation(document.get("evaluation"), lead),
        paper=_checked_paper(document.get("paper"), lead))


def _check_keys(mapping: Mapping[str, Any], required: tuple[str, ...], optional: tuple[str, ...],
                lead: str, what: str) -> None:
    unknown = sorted(set(mapping) - set(required) - set(optional))
    if unknown:
        raise ValueError(f"{lead} unknown key(s) {unknown} in {what}; valid keys: "
                         f"{', '.join(required + optional)}. Remove or rename them.")
    missing = [key for key in required if key not in mapping]
    if missing:
        raise ValueError(f"{lead} {what} needs the key(s) {missing} (see "
                         f"{recipe_dir() / 'dcgan_digits.yaml'} for an example).")


def _whole(value: Any, key: str, lead: str) -> int:
    return whole_number(value, f"{lead} {key}", 1)


def _mapping(value: Any, key: str, lead: str) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise ValueError(f"{lead} '{key}' must be a mapping, got {value!r}.")
    return dict(value)


def _checked_data(data: Any, lead: str) -> dict[str, Any]:
    data = _mapping(data, "data", lead)
    if "image_size" in data or "channels" in data:
        raise ValueError(f"{lead} data.image_size / data.channels: the image size and channels "
                         "are the entry's config.image_shape (e.g. config: {image_shape: "
                         "[64, 64, 3]}); move them there.")
    _check_keys(data, ("source",), DATA_KEYS[1:], f"{lead} data:", "'data'")
    return data


def _checked_schedule(schedule: Any, lead: str) -> dict[str, int]:
    schedule = _mapping(schedule, "schedule", lead)
    kinds = [key for key in ("epochs", "steps") if key in schedule]
    if len(kinds) != 1:
        raise ValueError(f"{lead} schedule must give either 'epochs' or 'steps' (one of them), "
                         f"got {schedule!r}.")
    _check_keys(schedule, (), ("epochs", "steps", "steps_per_epoch"), f"{lead} schedule:",
                "'schedule'")
    if "steps_per_epoch" in schedule and "steps" not in schedule:
        raise ValueError(f"{lead} schedule.steps_per_epoch goes with 'steps', not 'epochs'.")
    return {key: _whole(value, f"schedule.{key}", lead) for key, value in schedule.items()}


def _checked_learning_rate(schedule: Any, lead: str) -> dict[str, Any] | None:
    if schedule is None:
        return None
    schedule = _mapping(schedule, "learning_rate_schedule", lead)
    name = schedule.get("name")
    if name not in LEARNING_RATE_SCHEDULES:
        raise ValueError(f"{lead} learning_rate_schedule.name must be one of "
                         f"{', '.join(LEARNING_RATE_SCHEDULES)}, got {name!r}.")
    if "constant_fraction" in schedule:
        raise ValueError(f"{lead} learning_rate_schedule.constant_fraction is now "
                         "constant_lr_fraction (the key of CycleGAN's config): rename it.")
    _check_keys(schedule, ("name",), LEARNING_RATE_SCHEDULES[name],
                f"{lead} learning_rate_schedule:", f"a {name} schedule")
    if "constant_lr_fraction" in schedule:
        try:
            check_value("constant_lr_fraction", schedule["constant_lr_fraction"], 0.5)
        except ValueError as error:
            raise ValueError(f"{lead} learning_rate_schedule.{error}") from None
    return schedule


def _checked_evaluation(evaluation: Any, lead: str) -> dict[str, Any] | None:
    if evaluation is None:
        return None
    evaluation = _mapping(evaluation, "evaluation", lead)
    _check_keys(evaluation, ("metrics",), EVALUATION_KEYS[1:], f"{lead} evaluation:", "'evaluation'")
    evaluation["metrics"] = list(parse_metrics(evaluation["metrics"],
                                               f"{lead} evaluation.metrics"))
    if evaluation.get("extractor", "digits") not in EXTRACTORS:
        raise ValueError(f"{lead} evaluation.extractor must be one of {', '.join(EXTRACTORS)}, "
                         f"got {evaluation['extractor']!r}.")
    for key in ("every", "num_samples"):
        if key in evaluation:
            _whole(evaluation[key], f"evaluation.{key}", lead)
    return evaluation


def _checked_paper(paper: Any, lead: str) -> dict[str, Any] | None:
    if paper is None:
        return None
    paper = _mapping(paper, "paper", lead)
    _check_keys(paper, PAPER_KEYS, (), f"{lead} paper:", "'paper' (or null when the paper "
                "reports no figure for this setup)")
    return paper
