"""`train`: what ``keras-gan-zoo train`` does, as one Python call.

    import keras_gan_zoo as zoo
    run = zoo.train("dcgan", epochs=5, overrides={"latent_dim": 64}, output="runs/dcgan64")
    run.model.generate(16, seed=0)
    run.history.history["g_loss"], run.exported

The steps: precision policy and strategy by name (`keras_gan_zoo.distribute`),
`build` and `compile` in the strategy's scope, where the run folder says to start
(`resume_point`: afresh, from its backup, from its checkpoint, or nothing to do), the
entry's own data (``model.load_dataset``, with static shapes where the strategy needs
them), the callbacks of a run (`run_callbacks`) and `fit`, which writes the `RunFolder`
(the chief only) and exports the next SavedModel version at the end.

A run never destroys finished work, nor files it did not write: a re-run of a finished
run does nothing (or finishes an export that was cut short), a larger ``epochs`` continues
it, ``overwrite=True`` starts afresh, removing only what ``run.json`` says the run wrote; a
folder holding run files but no ``run.json`` is refused, and one run at a time holds the
folder (`RunFolder.lock`). A run that fails (a NaN or
infinite logged value, or a ``stop_on`` diagnosis of the `TrainingMonitor`) raises
`callbacks.TrainingFailed` at once: its checkpoints keep the last good epoch and it is
not exported.
"""

from __future__ import annotations

import contextlib
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterable, Mapping

import keras
import tensorflow as tf

from keras_gan_zoo.distribute import is_chief, make_strategy, needs_static_shapes, set_precision
from keras_gan_zoo.metrics import (EvaluationCallback, FeatureExtractor, entry_evaluation,
                                   parse_metrics)
from keras_gan_zoo.monitor import TrainingMonitor, parse_stop_on
from keras_gan_zoo.recipes import Recipe, available_recipes, digits_recipe_name, load_recipe
from keras_gan_zoo.registry import build, entry_class
from keras_gan_zoo.guards import Diverged, StopOnNonFinite, TrainingFailed
from keras_gan_zoo.run.export import ServingExport
from keras_gan_zoo.run.folder import (RunFolder, load_state, resume_point, run_config,
                                      run_entries)
from keras_gan_zoo.run.tensorboard import TensorBoardLog, code_block, settings_text
from keras_gan_zoo.run.writers import LossPlot, SampleGrid, chief_callbacks


@dataclass
class TrainingRun:
    """What `train` returns: the trained entry, `fit`'s history and where the files are.

    ``initial_epoch`` is the epoch this call started from (0: afresh; the epochs done when
    the run had already finished); ``exported`` the SavedModel it wrote (``None`` when
    there was nothing to do)."""

    model: keras.Model
    history: keras.callbacks.History
    folder: RunFolder
    initial_epoch: int = 0
    exported: Path | None = None


class FailOnStopOn(keras.callbacks.Callback):
    """Count a run that a `TrainingMonitor`'s ``stop_on`` diagnosis stopped (the monitor sets
    ``model.stop_training``) as failed: raise `TrainingFailed` (listed right after the
    monitor), so that, as for divergence, no checkpoint of that epoch is written and nothing
    is exported."""

    def __init__(self, monitor: TrainingMonitor) -> None:
        super().__init__()
        self.monitor = monitor

    def _check(self, *args: Any, **kwargs: Any) -> None:
        stops = [d for d in self.monitor.diagnoses if d.name in self.monitor.stop_on]
        if stops:
            raise TrainingFailed(f"Training stopped (stop_on {stops[0].name}): {stops[0].line()}. "
                                 "Checkpoints keep the last finished epoch; nothing is exported.")

    on_train_batch_end = on_epoch_end = _check


def run_callbacks(model: keras.Model, folder: RunFolder, title: str = "",
                  monitor: TrainingMonitor | None = None, restore: bool = True,
                  evaluation: EvaluationCallback | None = None, tensorboard: bool = False,
                  texts: Mapping[str, str] | None = None,
                  schedule: list[keras.callbacks.Callback] | None = None,
                  record: Mapping[str, Any] | None = None
                  ) -> list[keras.callbacks.Callback]:
    """The callbacks of a training run, in order: the schedule (``schedule``, default the
    entry's ``model.training_callbacks()``), sample grids, the ``evaluation`` (FID & co. into
    the epoch's logs, the best checkpoint), loss curves, the monitor, with ``tensorboard`` the
    `summaries.TensorBoardLog` (``texts`` at the start), the monitor's ``stop_on`` check,
    the divergence guard, then history, checkpoint, run record (``record``: more for its
    ``run.json``), backup and export (`callbacks.chief_callbacks`), all into ``folder``. A
    failure raised before the writers keeps the last good epoch's files."""
    grid = SampleGrid(folder.samples)
    board = [TensorBoardLog(folder.tensorboard, texts, grid, monitor)] if tensorboard else []
    return [
        *(model.training_callbacks() if schedule is None else schedule),
        grid,
        *([evaluation] if evaluation is not None else []),
        LossPlot(folder.loss_curves, title=title),
        *([monitor] if monitor is not None else []),
        *board,
        *([FailOnStopOn(monitor)] if monitor is not None else []),
        StopOnNonFinite(),
        *chief_callbacks(folder.root, folder.name, restore=restore, evaluation=evaluation,
                         record=record),
    ]


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


def train(
    name: str | os.PathLike | None = None,
    dataset: str | os.PathLike | None = None,
    epochs: int | None = None,
    output: str | os.PathLike | None = None,
    overrides: Mapping[str, Any] | None = None,
    batch_size: int | None = None,
    split: str | None = None,
    seed: int | None = None,
    data_dir: str | None = None,
    strategy: str | tf.distribute.Strategy = "auto",
    tpu: str | None = None,
    mixed_precision: str = "off",
    steps_per_execution: int = 1,
    steps_per_epoch: int | None = None,
    overwrite: bool = False,
    monitor: bool = True,
    stop_on: Iterable[str] | str = (),
    tensorboard: bool = True,
    eval_every: int | None = None,
    eval_metrics: str | Iterable[str] | None = None,
    eval_samples: int | None = None,
    eval_extractor: str | FeatureExtractor | None = None,
    recipe_text: str | None = None,
    verbose: int | str = "auto",
    recipe: str | os.PathLike | Recipe | None = None,
    from_preset: str | os.PathLike | None = None,
) -> TrainingRun:
    """Train zoo entry ``name`` (or a recipe) and write a run folder (``keras-gan-zoo train``).

    The first run: with neither ``recipe`` nor ``dataset``, an entry that has an offline
    recipe ``<entry>_digits`` trains that recipe (``train("dcgan")`` is
    ``train(recipe="dcgan_digits")``, into ``runs/dcgan``), and says so first;
    ``dataset="digits"`` trains the entry's own (paper) config on the digits instead.

    Args:
        name: zoo entry (``keras_gan_zoo.available()``) or the path of a config file;
            ``overrides`` change its config keys. Optional with ``recipe``.
        dataset, split, data_dir, seed: the entry's data (``model.load_dataset``): ``digits``
            (the default without a recipe), a folder of images, a TFDS name, or two domains;
            ``seed`` shuffles it. With a recipe, ``dataset`` and ``split`` replace its data.
        epochs: the run's total epochs (at least 1; default the recipe's, else 5). In a folder
            that holds this run already: finished with ``epochs`` or more, nothing is done;
            otherwise training resumes from the backup or continues from the checkpoint.
        recipe: a recipe name (``keras_gan_zoo.available_recipes()``), path or `Recipe`: its
            config, data, batch size, schedule, learning-rate schedule and evaluation, each
            replaced by the arguments given here (``overrides`` update its config); its text
            is the ``recipe_text``.
        output: the run folder (default ``runs/<name>``, or ``runs/<recipe>``): sample grids,
            loss curves, ``history.csv``, ``model.keras``, ``best.keras``, ``backup/``,
            ``run.json``, ``health.json``, ``tensorboard/`` and ``saved_model/<name>/<version>``
            (see `callbacks.RunFolder`). Only the chief of a
            multi-worker job writes.
        batch_size: the global batch size (default: the recipe's, else the entry's); with
            ``d_steps`` k, per discriminator step: the data comes in batches of k x this
            (`NoiseToImageGAN.load_dataset`), one for each D step.
        strategy, tpu: a `tf.distribute.Strategy`, or its name for
            `distribute.make_strategy` (``auto``, ``one_device``, ``mirrored``,
            ``multi_worker``, ``tpu``).
        mixed_precision: ``off``, ``float16`` or ``bfloat16`` (`distribute.set_precision`),
            in effect during the call; the previous global policy is restored after.
        steps_per_execution: training steps per `tf.function` call (at least 1).
        steps_per_epoch: training steps per epoch, the data repeating (default: the recipe's
            for a ``steps`` schedule, else one pass over the data).
        overwrite: start afresh: the files ``output``'s ``run.json`` says its run wrote are
            removed first (nothing else; a folder of run files without one is refused).
        monitor: watch the run with a `TrainingMonitor` (diagnoses in ``health.json``,
            the training data as its reference).
        stop_on: diagnoses of the monitor that stop training (`monitor.DIAGNOSES`; the
            monitor sets ``stop_training``), a run so stopped failing (`FailOnStopOn`).
        tensorboard: write ``tensorboard/`` (`summaries.TensorBoardLog`): each step's
            logged values, the epoch logs, the sample grids, the monitor's diagnoses, the
            run's settings and ``recipe_text`` (the recipe it follows, shown as text).
        eval_every: evaluate every this many epochs (and after the last one)
            (`metrics.entry_evaluation`): ``eval_metrics`` (``fid``, ``kid``, ``is``,
            ``msssim``, ``pr``) of ``eval_samples`` generated images, against the
            training data, with ``eval_extractor`` (``digits``, ``inception_v3``, the
            path of InceptionV3's weights, or ``None``: `metrics.default_extractor`).
            Results go to the history, ``history.csv`` and TensorBoard; with FID, the best
            epoch's model to ``best.keras`` (its epoch and FID in ``run.json``). Each ``None``
            takes the recipe's ``evaluation`` (none without), then ``fid``, 2000 samples.
        verbose: `fit`'s verbosity; when not 0, also what is trained and where the files are.
        from_preset: fine-tune a fine-tunable preset (`keras_gan_zoo.from_preset`: a name,
            directory or URL): its entry and config (``overrides`` change them), its recipe
            where this zoo has it (else ``dataset`` is needed), its weights at the start;
            ``run.json`` records it under ``from_preset``.

    Raises:
        ValueError: a bad argument or a folder that cannot be used, naming the fix.
        callbacks.TrainingFailed: the run diverged or was stopped by ``stop_on``.
    """
    preset = None
    if from_preset is not None:
        from keras_gan_zoo.presets import fine_tuning

        preset, name, recipe, overrides = fine_tuning(from_preset, name, recipe, dataset,
                                                      overrides)
    recipe, by_default = choose_recipe(name, recipe, dataset)
    planned = recipe.evaluation_arguments() if recipe is not None else {}
    if recipe is not None:
        if by_default and verbose:
            print(f"Training recipe {recipe.name} ({recipe.description.rstrip('.')}; "
                  f"{recipe.path}). For the {recipe.entry} paper config instead, pass "
                  "--dataset digits (Python: dataset=\"digits\").")
        name = name if by_default else recipe.name
        epochs = recipe.epochs if epochs is None else epochs
        batch_size = recipe.batch_size if batch_size is None else batch_size
        recipe_text = recipe.path.read_text() if recipe_text is None else recipe_text
    epochs = 5 if epochs is None else epochs
    eval_every = planned.get("eval_every") if eval_every is None else eval_every
    eval_metrics = planned.get("eval_metrics", "fid") if eval_metrics is None else eval_metrics
    eval_samples = planned.get("eval_samples", 2000) if eval_samples is None else eval_samples
    eval_extractor = planned.get("eval_extractor") if eval_extractor is None else eval_extractor
    counts = [("epochs", epochs, 1), ("steps_per_execution", steps_per_execution, 1),
              ("steps_per_epoch", 1 if steps_per_epoch is None else steps_per_epoch, 1)]
    if eval_every is not None:
        counts += [("eval_every", eval_every, 1), ("eval_samples", eval_samples, 2)]
        eval_metrics = parse_metrics(eval_metrics)
    for key, value, least in counts:
        if isinstance(value, bool) or not isinstance(value, int) or value < least:
            raise ValueError(f"{key} must be a whole number of at least {least}, got {value!r}.")
    if overrides is not None and not isinstance(overrides, Mapping):
        raise ValueError(f"overrides must be a mapping of config keys to values, e.g. "
                         f"{{'latent_dim': 64}}, not a {type(overrides).__name__} ({overrides!r}); "
                         "for 'key=value' texts use keras_gan_zoo.cli.parse_overrides(...).")
    stop_on = parse_stop_on(stop_on)
    if stop_on and not monitor:
        raise ValueError(f"stop_on needs the monitor that names the diagnoses, but monitor=False: "
                         f"drop stop_on={','.join(stop_on)!r} or turn the monitor on.")
    folder = RunFolder(output or Path("runs") / run_name(name), run_name(name))
    folder.check_writable()
    entries = run_entries(monitor, tensorboard,
                          best=eval_every is not None and "fid" in eval_metrics)
    previous_policy = keras.mixed_precision.dtype_policy()
    set_precision(mixed_precision)
    held = contextlib.ExitStack()  # the folder's lock, on the chief
    try:
        if not isinstance(strategy, tf.distribute.Strategy):
            strategy = make_strategy(strategy, tpu=tpu)
        with strategy.scope():
            overrides = dict(overrides or {})
            model = recipe.build(**overrides) if recipe is not None else build(name, **overrides)
            model.compile(steps_per_execution=steps_per_execution)
        chief = is_chief(strategy)
        if chief:
            held.enter_context(folder.lock())
        start = resume_point(model, folder, epochs, overwrite, entries)
        if preset is not None and start == 0:
            from keras_gan_zoo.presets import load_into

            load_into(model, preset, fine_tune=True)
        if start is None and folder.checkpoint.is_file():
            load_state(model, folder.checkpoint)  # the finished run's model, for the caller
        if start is None or start >= epochs:
            record = folder.read_record()
            done = start if start is not None else record["epochs_done"]
            if chief and done == record.get("epochs") and not folder.exported(record):
                exported = folder.finish(model)  # its epochs are done, its export was cut short
                if verbose:
                    print(f"The run in {folder.root}/ had finished its {done} epoch(s) but not "
                          f"its export: exported it to {exported}.")
                history = keras.callbacks.History()
                history.history = folder.read_history()
                return TrainingRun(model, history, folder, initial_epoch=done, exported=exported)
            if verbose and chief:
                print(f"The run in {folder.root}/ already has {done} finished epoch(s) "
                      f"(asked for {epochs}): nothing to do. A larger --epochs continues it; "
                      "--overwrite starts it afresh.")
            history = keras.callbacks.History()
            history.history = folder.read_history()
            return TrainingRun(model, history, folder, initial_epoch=done)
        if recipe is not None:
            dataset = recipe.source if dataset is None else os.fspath(dataset)
            split = recipe.split if split is None else split
        else:
            dataset, split = os.fspath(dataset or "digits"), split or "train"
        evaluation = None if eval_every is None else entry_evaluation(
            model, eval_every, eval_metrics, eval_samples, eval_extractor, dataset, split,
            data_dir, best_checkpoint=folder.best,
            best=folder.read_best(repair=chief) if start else None,
            verbose=int(bool(verbose and chief)))
        batch = {} if batch_size is None else {"batch_size": batch_size}
        where = {"seed": seed, "data_dir": data_dir, "drop_remainder": needs_static_shapes(strategy)}
        if recipe is not None:
            data = recipe.load_data(model, **where, **batch, source=dataset, split=split)
            schedule = recipe.schedule_callbacks(model)
            steps_per_epoch = steps_per_epoch or recipe.steps_per_epoch
        else:
            data = model.load_dataset(dataset, split=split, **where, **batch)
            schedule = None
        if steps_per_epoch and data.cardinality() != tf.data.INFINITE_CARDINALITY:
            data = data.repeat()
        fit_steps = {"steps_per_epoch": steps_per_epoch} if steps_per_epoch else {}
        if chief and overwrite:
            folder.clear()
        if chief:
            folder.claim(entries, entry=getattr(model, "zoo_name", type(model).__name__),
                         config=run_config(model), epochs=epochs, status="running")
        weights = (eval_extractor if isinstance(eval_extractor, (str, os.PathLike))
                   and Path(eval_extractor).is_file() else None)  # --inception-weights PATH
        watch = TrainingMonitor(folder.root, reference=data, stop_on=stop_on,
                                inception_weights=weights) if monitor else None
        texts = {"config": settings_text(
            model, evaluation, dataset=dataset, split=split, epochs=epochs, batch_size=batch_size,
            seed=seed, strategy=type(strategy).__name__.lstrip("_"),
            mixed_precision=mixed_precision)}
        if recipe_text:
            texts["recipe"] = code_block(recipe_text)
        callbacks = run_callbacks(model, folder, title=f"{folder.name} on {dataset}",
                                  monitor=watch, restore=False, evaluation=evaluation,
                                  tensorboard=tensorboard, texts=texts, schedule=schedule,
                                  record={"recipe": recipe.name if recipe is not None else None,
                                          "dataset": dataset, "split": split,
                                          **({"from_preset": preset.origin()} if preset else {})})
        if verbose:
            how = f"continuing after epoch {start}" if start else "afresh"
            print(f"Training {folder.name} ({type(model).__name__}) on {dataset!r} for {epochs} "
                  f"epochs ({how}) with {strategy.num_replicas_in_sync} replica(s); writing to "
                  f"{folder.root}/")
        try:
            history = model.fit(data, epochs=epochs, initial_epoch=start, callbacks=callbacks,
                                shuffle=False, verbose=verbose, **fit_steps)
        except TrainingFailed as error:
            if chief:
                folder.write_record(status="diverged" if isinstance(error, Diverged) else "stopped",
                                    reason=str(error))
            raise
    finally:
        held.close()
        keras.mixed_precision.set_dtype_policy(previous_policy)
    exported = next(c.exported_to for c in callbacks if isinstance(c, ServingExport))
    if verbose and chief:
        print(f"Sample grids:  {folder.samples}/epoch_*.png")
        print(f"Loss curves:   {folder.loss_curves}")
        print(f"Checkpoint:    {folder.checkpoint}")
        if evaluation is not None and evaluation.best_epoch is not None:
            print(f"Best {evaluation.monitor.upper()}:      {folder.best} (epoch "
                  f"{evaluation.best_epoch}, {evaluation.monitor} {evaluation.best:.4g})")
        if tensorboard:
            print(f"TensorBoard:   tensorboard --logdir {folder.tensorboard}")
        print(f"SavedModel:    {exported}")
    return TrainingRun(model, history, folder, initial_epoch=start, exported=exported)
