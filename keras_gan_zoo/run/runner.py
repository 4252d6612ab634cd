"""`train`: what ``keras-gan-zoo train`` does, as one Python call.

    import keras_gan_zoo as zoo
    run = zoo.train("dcgan", epochs=5, overrides={"latent_dim": 64}, output="runs/dcgan64")
    run.model.generate(16, seed=0)
    run.history.history["g_loss"], run.exported

`train` makes a `Plan` of its arguments (`run.plan.make_plan`: always a recipe, the
entry's own config being `Recipe.for_entry`) and `run_plan` trains it in steps, one
function each: `build_and_compile` (in the strategy's scope, with the precision policy of
the plan), `where_to_start` (under the folder's lock: `resume_point` says afresh, from its
backup, from its checkpoint, or nothing to do: `nothing_left`), the data
(`Recipe.load_data`, with static shapes where the strategy needs them), `evaluation_of`,
`callbacks_of` (`run_callbacks`), `fit`, which writes the `RunFolder` (the chief only)
and exports the next SavedModel version at the end, and `report`.

A run never destroys finished work, nor files it did not write: a re-run of a finished
run does nothing (or finishes an export that was cut short), a larger ``epochs`` continues
it, ``overwrite=True`` starts afresh, removing only what ``run.json`` says the run wrote; a
folder holding run files but no ``run.json`` is refused, and one run at a time holds the
folder (`RunFolder.lock`). A run that fails (a NaN or
infinite logged value, or a ``stop_on`` diagnosis of the `TrainingMonitor`) raises
`guards.TrainingFailed` at once: its checkpoints keep the last good epoch and it is
not exported.
"""

from __future__ import annotations

import contextlib
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterable, Iterator, Mapping

import keras

from keras_gan_zoo.distribute import (is_chief, make_distribution, make_strategy, needs_static_shapes,
                                      replicas, set_precision, strategy_name)
from keras_gan_zoo.guards import Diverged, StopOnNonFinite, TrainingFailed
from keras_gan_zoo.metrics import EvaluationCallback, FeatureExtractor, entry_evaluation
from keras_gan_zoo.monitor import TrainingMonitor
from keras_gan_zoo.recipes import Recipe
from keras_gan_zoo.registry import entry_name
from keras_gan_zoo.run.export import ServingExport
from keras_gan_zoo.run.folder import RunFolder, load_state, resume_point, run_config
from keras_gan_zoo.run.plan import Plan, make_plan
from keras_gan_zoo.run.tensorboard import TensorBoardLog, code_block, settings_text
from keras_gan_zoo.run.writers import LossPlot, SampleGrid, chief_callbacks
from keras_gan_zoo.tensorflow_import import lazy_tensorflow

tf = lazy_tensorflow("keras_gan_zoo.train (keras-gan-zoo train)")


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
    """The callbacks of a training run, in order: the divergence guard (first, so that it
    checks an epoch's logs before any other callback ends the epoch), the schedule
    (``schedule``, default the entry's ``model.training_callbacks()``), sample grids, the
    ``evaluation`` (FID & co. into the epoch's logs, the best checkpoint), loss curves, the
    monitor, with ``tensorboard`` the `run.tensorboard.TensorBoardLog` (``texts`` at the
    start), the monitor's ``stop_on`` check, then history, checkpoint, run record
    (``record``: more for its ``run.json``), backup and export
    (`run.writers.chief_callbacks`), all into ``folder``. A failure raised before the
    writers keeps the last good epoch's files."""
    grid = SampleGrid(folder.samples)
    board = [TensorBoardLog(folder.tensorboard, texts, grid, monitor)] if tensorboard else []
    return [
        StopOnNonFinite(),
        *(model.training_callbacks() if schedule is None else schedule),
        grid,
        *([evaluation] if evaluation is not None else []),
        LossPlot(folder.loss_curves, title=title),
        *([monitor] if monitor is not None else []),
        *board,
        *([FailOnStopOn(monitor)] if monitor is not None else []),
        *chief_callbacks(folder.root, folder.name, restore=restore, evaluation=evaluation,
                         record=record),
    ]


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
            (see `run.folder.RunFolder`). Only the chief of a
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
        tensorboard: write ``tensorboard/`` (`run.tensorboard.TensorBoardLog`): each step's
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
        guards.TrainingFailed: the run diverged or was stopped by ``stop_on``.
    """
    return run_plan(make_plan(
        name, dataset=dataset, epochs=epochs, output=output, overrides=overrides,
        batch_size=batch_size, split=split, steps_per_epoch=steps_per_epoch, monitor=monitor,
        stop_on=stop_on, eval_every=eval_every, eval_metrics=eval_metrics,
        eval_samples=eval_samples, eval_extractor=eval_extractor, recipe_text=recipe_text,
        verbose=verbose, recipe=recipe, from_preset=from_preset, seed=seed, data_dir=data_dir,
        strategy=strategy, tpu=tpu, mixed_precision=mixed_precision,
        steps_per_execution=steps_per_execution, overwrite=overwrite, tensorboard=tensorboard))


def run_plan(plan: Plan) -> TrainingRun:
    """Train ``plan``: its steps, one function each (see the module docstring)."""
    if plan.announcement and plan.verbose:
        print(plan.announcement)
    folder = RunFolder(plan.output, plan.name)
    folder.check_writable()
    previous_policy = keras.mixed_precision.dtype_policy()
    set_precision(plan.mixed_precision)
    held = contextlib.ExitStack()  # the folder's lock, on the chief; JAX's distribution
    try:
        if keras.backend.backend() != "tensorflow":
            held.enter_context(jax_distribution(plan.strategy))
        model, strategy = build_and_compile(plan)
        chief = is_chief(strategy)
        if chief:
            held.enter_context(folder.lock())
        start = where_to_start(plan, model, folder)
        if start is None or start >= plan.epochs:
            return nothing_left(plan, model, folder, start, chief)
        evaluation = evaluation_of(plan, model, folder, start, chief)
        data = plan.recipe.load_data(model, seed=plan.seed, data_dir=plan.data_dir,
                                     drop_remainder=needs_static_shapes(strategy),
                                     repeat=bool(plan.steps_per_epoch))
        callbacks = callbacks_of(plan, model, folder, data, evaluation, strategy, chief)
        history = fit(plan, model, folder, data, callbacks, start, strategy, chief)
    finally:
        held.close()
        keras.mixed_precision.set_dtype_policy(previous_policy)
    exported = next(c.exported_to for c in callbacks if isinstance(c, ServingExport))
    report(plan, folder, evaluation, exported, chief)
    return TrainingRun(model, history, folder, initial_epoch=start, exported=exported)


@contextlib.contextmanager
def jax_distribution(strategy: str | tf.distribute.Strategy) -> Iterator[None]:
    """Under JAX, train within ``strategy``'s `keras.distribution` counterpart
    (`distribute.make_distribution`); a `tf.distribute.Strategy` is refused."""
    if not isinstance(strategy, str):
        raise ValueError(
            f"A tf.distribute strategy ({type(strategy).__name__}) cannot train under the Keras "
            f"backend {keras.backend.backend()!r}: pass its name ('auto', 'mirrored', "
            "'one_device') or run with KERAS_BACKEND=tensorflow.")
    distribution = make_distribution(strategy)
    if distribution is None:
        yield
        return
    with distribution.scope():
        yield


def build_and_compile(plan: Plan) -> tuple[keras.Model, tf.distribute.Strategy]:
    """The plan's entry, built and compiled in its strategy's scope, and the strategy
    (under JAX, TensorFlow's default one: the plan's `keras.distribution` is set by
    `run_plan`)."""
    strategy = plan.strategy
    if keras.backend.backend() != "tensorflow":
        strategy = tf.distribute.get_strategy()
    elif not isinstance(strategy, tf.distribute.Strategy):
        strategy = make_strategy(strategy, tpu=plan.tpu)
    with strategy.scope():
        model = plan.recipe.build()
        model.compile(steps_per_execution=plan.steps_per_execution)
    return model, strategy


def where_to_start(plan: Plan, model: keras.Model, folder: RunFolder) -> int | None:
    """The epoch the run starts from (`resume_point`; ``None``: it had finished), with the
    preset's weights loaded on a fresh start and a finished run's model loaded for the
    caller."""
    start = resume_point(model, folder, plan.epochs, plan.overwrite, plan.entries)
    if plan.preset is not None and start == 0:
        from keras_gan_zoo.presets import load_into

        load_into(model, plan.preset, fine_tune=True)
    if start is None and folder.checkpoint.is_file():
        load_state(model, folder.checkpoint)  # the finished run's model, for the caller
    return start


def nothing_left(plan: Plan, model: keras.Model, folder: RunFolder, start: int | None,
                 chief: bool) -> TrainingRun:
    """A run whose epochs are all done: finish its export where a kill cut it short, else
    nothing to do; either way its history as the folder holds it."""
    record = folder.read_record()
    done = start if start is not None else record["epochs_done"]
    history = keras.callbacks.History()
    if chief and done == record.get("epochs") and not folder.exported(record):
        exported = folder.finish(model)  # its epochs are done, its export was cut short
        if plan.verbose:
            print(f"The run in {folder.root}/ had finished its {done} epoch(s) but not "
                  f"its export: exported it to {exported}.")
        history.history = folder.read_history()
        return TrainingRun(model, history, folder, initial_epoch=done, exported=exported)
    if plan.verbose and chief:
        print(f"The run in {folder.root}/ already has {done} finished epoch(s) "
              f"(asked for {plan.epochs}): nothing to do. A larger --epochs continues it; "
              "--overwrite starts it afresh.")
    history.history = folder.read_history()
    return TrainingRun(model, history, folder, initial_epoch=done)


def evaluation_of(plan: Plan, model: keras.Model, folder: RunFolder, start: int,
                  chief: bool) -> EvaluationCallback | None:
    """The evaluation during training (`metrics.entry_evaluation`), ``None`` without
    ``eval_every``; a resumed run goes on from its best so far."""
    if plan.eval_every is None:
        return None
    return entry_evaluation(
        model, plan.eval_every, plan.eval_metrics, plan.eval_samples, plan.eval_extractor,
        plan.recipe.source, plan.recipe.split, plan.data_dir, best_checkpoint=folder.best,
        best=folder.read_best(repair=chief) if start else None,
        verbose=int(bool(plan.verbose and chief)))


def callbacks_of(plan: Plan, model: keras.Model, folder: RunFolder, data: tf.data.Dataset,
                 evaluation: EvaluationCallback | None, strategy: tf.distribute.Strategy,
                 chief: bool) -> list[keras.callbacks.Callback]:
    """The run's callbacks (`run_callbacks`), once the folder is claimed for this run (its
    old files cleared first with ``overwrite``)."""
    recipe = plan.recipe
    if chief and plan.overwrite:
        folder.clear()
    if chief:
        folder.claim(plan.entries, entry=entry_name(model),
                     config=run_config(model), epochs=plan.epochs, status="running")
    watch = TrainingMonitor(folder.root, reference=data, stop_on=plan.stop_on,
                            inception_weights=plan.inception_weights) if plan.monitor else None
    texts = {"config": settings_text(
        model, evaluation, dataset=recipe.source, split=recipe.split, epochs=plan.epochs,
        batch_size=recipe.batch_size, seed=plan.seed,
        strategy=strategy_name(strategy), mixed_precision=plan.mixed_precision)}
    if plan.recipe_text:
        texts["recipe"] = code_block(plan.recipe_text)
    return run_callbacks(model, folder, title=f"{folder.name} on {recipe.source}",
                         monitor=watch, restore=False, evaluation=evaluation,
                         tensorboard=plan.tensorboard, texts=texts,
                         schedule=recipe.schedule_callbacks(model),
                         record={"recipe": recipe.file_name, "dataset": recipe.source,
                                 "split": recipe.split,
                                 **({"from_preset": plan.preset.origin()} if plan.preset
                                    else {})})


def fit(plan: Plan, model: keras.Model, folder: RunFolder, data: tf.data.Dataset,
        callbacks: list[keras.callbacks.Callback], start: int,
        strategy: tf.distribute.Strategy, chief: bool) -> keras.callbacks.History:
    """`model.fit` from epoch ``start``; a failed run is recorded ``diverged`` or ``stopped``
    (with the reason) before its `TrainingFailed` goes on up."""
    if plan.verbose:
        how = f"continuing after epoch {start}" if start else "afresh"
        print(f"Training {folder.name} ({type(model).__name__}) on {plan.recipe.source!r} for "
              f"{plan.epochs} epochs ({how}) with {replicas(strategy)} replica(s); "
              f"writing to {folder.root}/")
    steps = {"steps_per_epoch": plan.steps_per_epoch} if plan.steps_per_epoch else {}
    try:
        return model.fit(data, epochs=plan.epochs, initial_epoch=start, callbacks=callbacks,
                         shuffle=False, verbose=plan.verbose, **steps)
    except TrainingFailed as error:
        if chief:
            folder.write_record(status="diverged" if isinstance(error, Diverged) else "stopped",
                                reason=str(error))
        raise


def report(plan: Plan, folder: RunFolder, evaluation: EvaluationCallback | None,
           exported: Path | None, chief: bool) -> None:
    """Where the run's files are (with ``verbose``, on the chief)."""
    if not (plan.verbose and chief):
        return
    print(f"Sample grids:  {folder.samples}/epoch_*.png")
    print(f"Loss curves:   {folder.loss_curves}")
    print(f"Checkpoint:    {folder.checkpoint}")
    if evaluation is not None and evaluation.best_epoch is not None:
        print(f"Best {evaluation.monitor.upper()}:      {folder.best} (epoch "
              f"{evaluation.best_epoch}, {evaluation.monitor} {evaluation.best:.4g})")
    if plan.tensorboard:
        print(f"TensorBoard:   tensorboard --logdir {folder.tensorboard}")
    print(f"SavedModel:    {exported}")
