"""A run's plan: the options of ``keras-gan-zoo train`` (or of `keras_gan_zoo.train`) as one
`Recipe` plus how this run goes, resolved and checked once, before anything is built.

What is trained is always a recipe: a recipe file (``--recipe``), the entry's offline
``<entry>_digits`` recipe on a first run, or the entry's own config as
`Recipe.for_entry`; the options given replace its parts (``dataset``/``split`` its data,
``batch_size`` its batch size, ``overrides`` its config, ``epochs`` and ``steps_per_epoch``
its schedule, the ``eval_*`` options its evaluation).
"""

from __future__ import annotations

import dataclasses
import os
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Iterable, Mapping

from keras_gan_zoo.config_checks import whole_number
from keras_gan_zoo.metrics import FeatureExtractor, parse_metrics
from keras_gan_zoo.monitor import parse_stop_on
from keras_gan_zoo.recipes import Recipe, available_recipes, digits_recipe_name, load_recipe
from keras_gan_zoo.registry import entry_class
from keras_gan_zoo.run.folder import run_entries

if TYPE_CHECKING:
    import tensorflow as tf


@dataclass(frozen=True)
class Plan:
    """What `run.runner.run_plan` trains, and how: ``recipe`` (entry, config with the
    overrides, data, batch size, learning-rate schedule), the run's ``name`` and ``output``
    folder, its ``epochs`` and ``steps_per_epoch``, where it runs and what it writes."""

    recipe: Recipe
    name: str
    output: Path
    epochs: int
    steps_per_epoch: int | None = None
    seed: int | None = None
    data_dir: str | None = None
    strategy: str | tf.distribute.Strategy = "auto"
    tpu: str | None = None
    mixed_precision: str = "off"
    steps_per_execution: int = 1
    overwrite: bool = False
    monitor: bool = True
    stop_on: tuple[str, ...] = ()
    tensorboard: bool = True
    eval_every: int | None = None
    eval_metrics: Any = "fid"
    eval_samples: int = 2000
    eval_extractor: str | os.PathLike | FeatureExtractor | None = None
    recipe_text: str | None = None
    verbose: int | str = "auto"
    preset: Any = None
    #: What the run says first (with ``verbose``): a recipe chosen by default, and how not to.
    announcement: str | None = None

    @property
    def best(self) -> bool:
        """Whether the run keeps ``best.keras`` (it is evaluated by FID)."""
        return self.eval_every is not None and "fid" in self.eval_metrics

    @property
    def entries(self) -> list[str]:
        """The files and folders this run writes into its folder (`run_entries`)."""
        return run_entries(self.monitor, self.tensorboard, best=self.best)

    @property
    def inception_weights(self) -> str | os.PathLike | None:
        """The InceptionV3 weights file ``--inception-weights`` gave as the extractor, if any."""
        extractor = self.eval_extractor
        return (extractor if isinstance(extractor, (str, os.PathLike))
                and Path(extractor).is_file() else None)


def run_name(name: str | os.PathLike) -> str:
    """The name of a run of ``name``: the entry, or a config file's stem (``my_gan.yaml``:
    ``my_gan``), used for the default folder ``runs/<name>`` and the export's model name."""
    path = Path(name)
    return path.stem if path.suffix in (".yaml", ".yml") else str(name)


def choose_recipe(name: str | os.PathLike | None, recipe: str | os.PathLike | Recipe | None,
                  dataset: str | os.PathLike | None) -> tuple[Recipe | None, bool]:
    """``(recipe, chosen_by_default)`` of a `train` call: the recipe asked for (checked to be
    of entry ``name`` if both are given), or, with neither a recipe nor a dataset, the entry's
    offline ``<entry>_digits`` recipe where the zoo has one (the first run: ``train("dcgan")``);
    ``(None, False)`` for the entry's own config (a dataset given, or a config file)."""
    if recipe is not None:
        recipe = load_recipe(recipe)
        if name is not None and Path(name).suffix in (".yaml", ".yml"):
            raise ValueError(f"Pass a config file ({name}) or a recipe ({recipe.name}), not both: "
                             "a recipe's 'config' holds its overrides of the entry's config.")
        if name is not None and entry_class(str(name)).zoo_name != recipe.entry:
            raise ValueError(f"Recipe {recipe.name} trains {recipe.entry!r}, not {str(name)!r}: "
                             f"drop the entry name or pass a recipe of {str(name)!r}.")
        return recipe, False
    if name is None:
        raise ValueError("Name a zoo entry (e.g. dcgan) or a recipe (recipe=..., --recipe NAME).")
    if dataset is not None or Path(name).suffix in (".yaml", ".yml"):
        return None, False
    default = digits_recipe_name(str(name))
    return (load_recipe(default), True) if default in available_recipes() else (None, False)


def make_plan(
    name: str | os.PathLike | None = None,
    dataset: str | os.PathLike | None = None,
    epochs: int | None = None,
    output: str | os.PathLike | None = None,
    overrides: Mapping[str, Any] | None = None,
    batch_size: int | None = None,
    split: str | None = None,
    steps_per_epoch: int | None = None,
    monitor: bool = True,
    stop_on: Iterable[str] | str = (),
    eval_every: int | None = None,
    eval_metrics: str | Iterable[str] | None = None,
    eval_samples: int | None = None,
    eval_extractor: str | FeatureExtractor | None = None,
    recipe_text: str | None = None,
    verbose: int | str = "auto",
    recipe: str | os.PathLike | Recipe | None = None,
    from_preset: str | os.PathLike | None = None,
    **how: Any,
) -> Plan:
    """The `Plan` of a `keras_gan_zoo.train` call (the same arguments; ``how``: ``seed``,
    ``data_dir``, ``strategy``, ``tpu``, ``mixed_precision``, ``steps_per_execution``,
    ``overwrite``, ``tensorboard``, which the plan keeps as they are). Each default is
    the recipe's, then the zoo's (5 epochs; ``fid`` of 2000 samples). A bad value is a
    ValueError naming the argument and the fix."""
    preset = None
    if from_preset is not None:
        from keras_gan_zoo.presets import fine_tuning

        preset, name, recipe, overrides = fine_tuning(from_preset, name, recipe, dataset,
                                                      overrides)
    chosen, by_default = choose_recipe(name, recipe, dataset)
    announcement = (f"Training recipe {chosen.name} ({chosen.description.rstrip('.')}; "
                    f"{chosen.path}). For the {chosen.entry} paper config instead, pass "
                    "--dataset digits (Python: dataset=\"digits\").") if by_default else None
    planned = chosen.evaluation_arguments() if chosen is not None else {}
    epochs = (chosen.epochs if chosen is not None else 5) if epochs is None else epochs
    eval_every = planned.get("eval_every") if eval_every is None else eval_every
    eval_metrics = planned.get("eval_metrics", "fid") if eval_metrics is None else eval_metrics
    eval_samples = planned.get("eval_samples", 2000) if eval_samples is None else eval_samples
    eval_extractor = planned.get("eval_extractor") if eval_extractor is None else eval_extractor
    epochs = whole_number(epochs, "epochs")
    if "steps_per_execution" in how:
        how["steps_per_execution"] = whole_number(how["steps_per_execution"],
                                                  "steps_per_execution")
    if steps_per_epoch is not None:
        steps_per_epoch = whole_number(steps_per_epoch, "steps_per_epoch")
    if eval_every is not None:
        eval_every = whole_number(eval_every, "eval_every")
        eval_samples = whole_number(eval_samples, "eval_samples", 2)
        eval_metrics = parse_metrics(eval_metrics)
    if overrides is not None and not isinstance(overrides, Mapping):
        raise ValueError(f"overrides must be a mapping of config keys to values, e.g. "
                         f"{{'latent_dim': 64}}, not a {type(overrides).__name__} ({overrides!r}); "
                         "for 'key=value' texts use keras_gan_zoo.cli.parse_overrides(...).")
    stop_on = parse_stop_on(stop_on)
    if stop_on and not monitor:
        raise ValueError(f"stop_on needs the monitor that names the diagnoses, but monitor=False: "
                         f"drop stop_on={','.join(stop_on)!r} or turn the monitor on.")
    if chosen is None:
        chosen = Recipe.for_entry(name, os.fspath(dataset or "digits"), split or "train", epochs)
    else:
        data = {**chosen.data, **({} if dataset is None else {"source": os.fspath(dataset)}),
                **({} if split is None else {"split": split})}
        chosen = dataclasses.replace(chosen, data=data)
        recipe_text = chosen.text() if recipe_text is None else recipe_text
    chosen = dataclasses.replace(
        chosen, config={**chosen.config, **dict(overrides or {})},
        batch_size=chosen.batch_size if batch_size is None else batch_size)
    name = run_name(name if by_default else chosen.name)
    return Plan(recipe=chosen, name=name, output=Path(output or Path("runs") / name),
                epochs=epochs, steps_per_epoch=steps_per_epoch or chosen.steps_per_epoch,
                monitor=monitor, stop_on=stop_on, eval_every=eval_every,
                eval_metrics=eval_metrics, eval_samples=eval_samples,
                eval_extractor=eval_extractor, recipe_text=recipe_text, verbose=verbose,
                preset=preset, announcement=announcement, **how)
