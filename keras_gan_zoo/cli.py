"""``keras-gan-zoo``: list, train, sample, compare, evaluate and export zoo entries.

A thin layer over the Python API: every command parses its arguments and
calls `train`, `sample_grid`, `plotting.compare_runs`, `callbacks.export_saved_model`
or `metrics.Evaluator`.
A user's mistake is one ``error:`` line (exit 2), never a traceback.
"""

from __future__ import annotations

import argparse
import inspect
import os
import re
import sys
import tempfile
import traceback
import warnings
from pathlib import Path
from typing import Any, Mapping, Sequence

EXIT_CODES = """exit codes:
  0  done (or nothing to do: the run had already finished)
  1  an unexpected error: a bug of keras-gan-zoo, shown with its traceback; please report it
  2  a mistake in the command, its files or its data: one 'error:' line says what and the fix
  3  training failed: a loss became NaN/inf, or the monitor named a --stop-on diagnosis;
     the run's checkpoints keep the last good epoch and nothing was exported
  130 interrupted (Ctrl-C): run the same command again to resume from the last epoch"""

RERUNS = """re-running: the output folder remembers its run (run.json). The same command on a
finished run says so and changes nothing; a larger --epochs continues it (weights, optimizer
state, epoch count, history and loss curves go on) and exports the next SavedModel version;
after a crash it resumes from backup/; a run whose export was cut short exports it.
--overwrite removes what run.json says the run wrote and starts afresh (or use a new
--output). A run of another entry or config, a run still training there, or a folder of
run-like files without run.json is refused, naming the fix. A NaN/inf loss,
or a --stop-on diagnosis, stops the run at once: it exits 3 and is not exported."""


def parse_overrides(pairs: Sequence[str]) -> dict[str, Any]:
    """``["latent_dim=64", "image_shape=[32,32,3]"]`` -> ``{"latent_dim": 64, "image_shape": [32, 32, 3]}``.

    Values are read as YAML, so numbers, lists, booleans and ``null`` work; ``1e30``
    (text to YAML 1.1, which wants ``1.0e+30``) is read as a number too.
    """
    import re

    import yaml

    from keras_gan_zoo.yaml_text import load_yaml

    overrides: dict[str, Any] = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        if not sep or not key:
            raise ValueError(f"--set expects key=value, got {pair!r}.")
        try:
            parsed = load_yaml(value)
        except yaml.YAMLError as error:
            problem = str(error).splitlines()[0]
            raise ValueError(f"--set {pair}: the value of {key.strip()} is not valid YAML "
                             f"({problem}); quote lists, e.g. --set \"image_shape=[32,32,3]\".") from None
        if isinstance(parsed, str) and re.fullmatch(r"[-+]?(\d+\.?\d*|\.\d+)[eE][-+]?\d+", parsed):
            parsed = float(parsed)
        overrides[key.strip()] = parsed
    return overrides


def check_override_types(name: str, overrides: Mapping[str, Any]) -> None:
    """Reject a ``--set`` value that YAML read as text for a key whose constructor argument
    takes a number, a list or a flag (``latent_dim=abc``), naming the key, what it takes
    (its annotation) and its default. Ranges and shapes are checked by `build`."""
    from keras_gan_zoo.registry import entry_class, load_config

    document = load_config(name)
    cls = entry_class(document["entry"])
    for key, value in overrides.items():
        if not isinstance(value, str) or key not in document["config"]:
            continue  # `build` names unknown keys
        default = document["config"][key]
        annotation = next((str(klass.__init__.__annotations__.get(key, "")) for klass in cls.__mro__
                          if key in inspect.signature(klass.__init__).parameters), "")
        if "str" in annotation or "Any" in annotation or isinstance(default, str) or (
                not annotation and default is None):
            continue  # it takes text, or nothing says what it takes
        raise ValueError(f"--set {key}={value}: {key} takes {annotation or type(default).__name__} "
                         f"(default {default!r}), not the text {value!r}.")


def whole_number(option: str, text: str | None) -> int | None:
    """The value of ``option`` as an int (``None`` stays ``None``), or a ValueError that
    names the option (one error line, where argparse's ``type=int`` prints two)."""
    from keras_gan_zoo.config_checks import whole_number as checked

    return None if text is None else checked(text, option, least=None, text=True)


def _load_model(args: argparse.Namespace):
    """The entry of ``--checkpoint FILE`` or ``--preset NAME`` (its generator(s) only)."""
    if args.preset is not None and args.checkpoint is not None:
        raise ValueError("Pass --checkpoint FILE or --preset NAME, not both.")
    if args.preset is not None:
        from keras_gan_zoo.presets import from_preset

        return from_preset(args.preset, fine_tune=False)
    if args.checkpoint is None:
        raise ValueError("Pass --checkpoint FILE (a .keras file that 'keras-gan-zoo train' "
                         "wrote) or --preset NAME ('keras-gan-zoo list --presets').")
    from keras_gan_zoo.models.saved import load_entry

    return load_entry(args.checkpoint)


def _add_model_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--checkpoint", default=None, help=".keras file written by train")
    parser.add_argument("--preset", default=None, metavar="NAME|DIR|URL",
                        help="a preset instead of a checkpoint: a name ('keras-gan-zoo list "
                             "--presets'), a preset directory, or an https:// archive URL "
                             "ending in #sha256=HEX")


def command_list(args: argparse.Namespace) -> int:
    import keras_gan_zoo as zoo

    if args.recipes:
        print_recipes()
        return 0
    if args.presets:
        print_presets()
        return 0
    for name in zoo.available():
        print(f"{name:12s} {zoo.entry_class(name).paper}")
    return 0


def print_recipes() -> None:
    """The shipped recipes as a table: name, entry, dataset, image size, schedule, paper figure."""
    from keras_gan_zoo.recipes import available_recipes, load_recipe

    rows = [("name", "entry", "dataset", "image size", "schedule", "paper figure")]
    for recipe in map(load_recipe, available_recipes()):
        rows.append((recipe.name, recipe.entry, f"{recipe.source} ({recipe.split})",
                     "x".join(map(str, recipe.image_shape)), recipe.schedule_text(),
                     recipe.paper_text()))
    print_table(rows)


def print_table(rows: Sequence[Sequence[str]]) -> None:
    """``rows`` (the first: the header) as aligned columns, the last one left ragged."""
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]) - 1)]
    for row in rows:
        print("  ".join(cell.ljust(width) for cell, width in zip(row, widths)) + "  " + row[-1])


def print_presets() -> None:
    """The shipped presets as a table (`presets.Preset.describe`)."""
    from keras_gan_zoo.presets import preset_table

    rows = preset_table()
    sizes = [row.pop("bytes") for row in rows]
    if not rows:
        print("No presets are shipped with this installation.")
        return
    header = list(rows[0])
    print_table([header] + [[str(row[key]) for key in header] for row in rows])
    print(f"{len(rows)} presets, {sum(sizes):,} bytes in all")


def command_preset(args: argparse.Namespace) -> int:
    from keras_gan_zoo.presets import read_preset, save_preset

    path = save_preset(args.run_folder, args.out_dir, name=args.name, recipe=args.recipe,
                       fine_tunable=args.fine_tunable, optimizer_state=args.optimizer_state)
    preset = read_preset(path)
    print(f"Wrote preset {preset.name} to {path} ({preset.size() / 1e6:.2f} MB; "
          f"{preset.figure_text()}; fine-tunable: {'yes' if preset.fine_tunable else 'no'}). "
          f"Use it: keras-gan-zoo sample --preset {path}")
    return 0


def command_train(args: argparse.Namespace) -> int:
    from keras_gan_zoo.run.plan import make_plan
    from keras_gan_zoo.run.runner import run_plan

    if args.name is None and args.recipe is None and args.from_preset is None:
        raise ValueError("name a zoo entry (e.g. 'keras-gan-zoo train dcgan') or a recipe "
                         "(--recipe NAME; 'keras-gan-zoo list --recipes' lists them).")
    if args.stop_on.strip() and args.no_monitor:
        raise ValueError("--stop-on needs the training monitor, which --no-monitor turns off: "
                         "drop one of the two.")
    overrides = parse_overrides(args.set)
    evaluation = {"eval_metrics": args.eval_metrics,
                  "eval_samples": whole_number("--eval-samples", args.eval_samples),
                  "eval_extractor": (args.inception_weights if args.inception_weights and
                                     args.eval_extractor in (None, "inception_v3")
                                     else args.eval_extractor)}
    evaluation = {key: value for key, value in evaluation.items() if value is not None}
    plan = make_plan(args.name, recipe=args.recipe, dataset=args.dataset, epochs=args.epochs,
                     output=args.output, overrides=overrides, batch_size=args.batch_size,
                     split=args.split, seed=args.seed, data_dir=args.data_dir,
                     strategy=args.strategy, tpu=args.tpu, mixed_precision=args.mixed_precision,
                     steps_per_execution=args.steps_per_execution,
                     steps_per_epoch=args.steps_per_epoch, overwrite=args.overwrite,
                     monitor=not args.no_monitor, stop_on=args.stop_on,
                     tensorboard=not args.no_tensorboard,
                     eval_every=whole_number("--eval-every", args.eval_every), **evaluation,
                     verbose=1 if sys.stdout.isatty() else 2, from_preset=args.from_preset)
    if args.from_preset is None:
        check_override_types(plan.recipe.base or plan.recipe.entry, overrides)
    if evaluation and args.eval_every is None and not plan.recipe.evaluation:
        raise ValueError("--eval-metrics, --eval-samples, --eval-extractor and "
                         "--inception-weights apply to evaluation during training: add "
                         "--eval-every N (every N epochs).")
    run_plan(plan)
    return 0


#: The most images ``sample`` draws into one grid (64 x 64 tiles): the samples and the grid
#: are held in memory whole (``--num 100000000`` ran out of memory inside the generator).
MAX_GRID_SAMPLES = 4096


def command_sample(args: argparse.Namespace) -> int:
    from keras_gan_zoo.plotting import save_image_grid
    from keras_gan_zoo.presets import sample_images

    if args.num is not None and not 1 <= args.num <= MAX_GRID_SAMPLES:
        raise ValueError(f"--num {args.num}: a sample grid holds 1 to {MAX_GRID_SAMPLES} images "
                         "(64 x 64); for more images call the exported SavedModel or "
                         "model.generate(...) in batches.")
    model = _load_model(args)
    images, rows, titles = sample_images(
        model, args.num, args.seed, labels=args.labels, categorical=args.categorical,
        continuous=args.continuous, direction=args.direction, inputs=args.inputs)
    path = save_image_grid(images, args.output, rows, titles=titles)
    print(f"Wrote a sample grid of {type(model).__name__} to {path}")
    return 0


def diagnosis_note(first: Mapping[str, int] | None) -> str:
    """The line under a run's label in `compare`: its diagnoses and the epochs they were first
    named (``None``: an unwatched run)."""
    if first is None:
        return "not monitored (no health.json)"
    if not first:
        return "no diagnosis"
    return "diagnosis: " + ", ".join(f"{name} at epoch {epoch}" for name, epoch in first.items())


def command_compare(args: argparse.Namespace) -> int:
    from keras_gan_zoo.run.folder import RunFolder
    from keras_gan_zoo.plotting import RunPanel, compare_runs

    labels = [label.strip() for label in args.labels.split(",")] if args.labels else [
        Path(run).name for run in args.runs]
    if len(labels) != len(args.runs):
        raise ValueError(f"--labels names {len(labels)} run(s) but {len(args.runs)} were given: "
                         "pass one comma-separated label per run folder.")
    panels = []
    with tempfile.TemporaryDirectory() as scratch:  # the presets' pictures, while composed
        for run, label in zip(args.runs, labels):
            if not (Path(run) / "run.json").is_file() and _is_preset(run):
                from keras_gan_zoo.presets import preset_panel

                panels.append(preset_panel(run, scratch, label if args.labels else None))
                continue
            folder = RunFolder(run, "")
            pictures, first = folder.picture_files(), folder.first_diagnoses()
            panels.append(RunPanel(label, diagnosis_note(first), pictures, alarm=bool(first)))
        path = compare_runs(panels, args.output)
    print(f"Wrote {path}: " + "; ".join(f"{p.title}: {p.note}" for p in panels))
    return 0


def _is_preset(text: str) -> bool:
    """Whether ``compare`` should read ``text`` as a preset (a name, preset folder or URL)."""
    from keras_gan_zoo.presets import CONFIG_FILE, available_presets

    return (text in available_presets() or text.startswith(("https://", "http://"))
            or (Path(text) / CONFIG_FILE).is_file())


def command_export(args: argparse.Namespace) -> int:
    from keras_gan_zoo.run.export import export_saved_model

    model = _load_model(args)
    export_saved_model(model, args.output, overwrite=args.overwrite)
    print(f"Exported {type(model).__name__} as a SavedModel to {args.output} "
          f"(signatures: {', '.join(model.serving_endpoints())})")
    return 0


def command_evaluate(args: argparse.Namespace) -> int:
    import json

    from keras_gan_zoo import metrics

    model = _load_model(args)
    extractor = args.extractor or metrics.default_extractor(model.image_shape)
    options = ({"weights": args.inception_weights}
               if extractor.startswith("inception") and args.inception_weights else {})
    evaluator = metrics.Evaluator(args.metrics, extractor=extractor, batch_size=args.batch_size,
                                  seed=args.seed, extractor_options=options)
    sample_fn, num_samples = metrics.prepare_entry_evaluation(
        evaluator, model, args.num_samples, dataset=args.dataset, split=args.split,
        max_reference=args.max_reference, data_dir=args.data_dir)
    results = evaluator.evaluate(sample_fn, num_samples, seed=args.seed)
    origin = args.checkpoint or f"preset {args.preset}"
    print(f"{type(model).__name__} from {origin}: {results['num_samples']} samples vs "
          f"{results.get('num_reference', 0)} reference images "
          f"({evaluator.reference_description.get('reference')}), extractor {extractor}")
    print(f"{'metric':10s} {'value':>10s} {'std':>10s} {'real data':>10s}")
    for name in ("fid", "kid", "is", "msssim", "precision", "recall"):
        if name in results:
            std, real = results.get(f"{name}_std"), results.get(f"{name}_real")
            print(f"{name:10s} {results[name]:10.4f} "
                  f"{'' if std is None else f'{std:.4f}':>10s} "
                  f"{'' if real is None else f'{real:.4f}':>10s}")
    output = Path(args.output or (Path(args.checkpoint).with_suffix(".metrics.json")
                                  if args.checkpoint else f"{model.preset.name}.metrics.json"))
    output.parent.mkdir(parents=True, exist_ok=True)
    output.write_text(json.dumps({
        "checkpoint": str(args.checkpoint or ""), **({"preset": args.preset} if args.preset else {}),
        "model": type(model).__name__,
        "dataset": args.dataset, "results": results, "protocol": evaluator.describe(),
    }, indent=2) + "\n")
    print(f"Wrote {output}")
    return 0


def build_parser() -> argparse.ArgumentParser:
    from keras_gan_zoo.distribute import PRECISIONS, STRATEGIES

    from keras_gan_zoo.monitor import DIAGNOSES, losses_covered

    parser = argparse.ArgumentParser(prog="keras-gan-zoo", description=__doc__.splitlines()[0],
                                     epilog=EXIT_CODES,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    commands = parser.add_subparsers(dest="command", required=True)

    listing = commands.add_parser("list", help="list the zoo's entries (or its recipes)")
    listing.add_argument("--recipes", action="store_true",
                         help="list the recipes: name, entry, dataset, image size, schedule, "
                              "paper figure")
    listing.add_argument("--presets", action="store_true",
                         help="list the shipped presets: name, entry, image size, data, figure, "
                              "size, fine-tunable")
    listing.set_defaults(run=command_list)

    preset = commands.add_parser("preset", help="make presets: trained entries to share")
    preset_commands = preset.add_subparsers(dest="preset_command", required=True)
    save = preset_commands.add_parser(
        "save", help="turn a finished run folder into a preset directory",
        description="Write a preset directory (config.json, metadata.json, *.weights.h5) from "
                    "a finished run: its best.keras (where evaluated) or model.keras, run.json "
                    "and recipe; the figure is the run's own (best FID), or measured now.")
    save.add_argument("run_folder", metavar="RUN_FOLDER", help="a finished train run's folder")
    save.add_argument("out_dir", metavar="OUT_DIR", help="the preset directory to write (new)")
    save.add_argument("--name", default=None, help="the preset's name (default: OUT_DIR's)")
    save.add_argument("--recipe", default=None,
                      help="the run's recipe when run.json does not name it")
    save.add_argument("--fine-tunable", action="store_true",
                      help="keep the discriminator(s) too, float32 (default: the generator(s) "
                           "only, float16: sampling only, half the bytes)")
    save.add_argument("--optimizer-state", action="store_true",
                      help="with --fine-tunable: keep the optimizers' state too")
    save.set_defaults(run=command_preset)

    train = commands.add_parser(
        "train", help="train an entry; writes grids, curves, checkpoint, SavedModel",
        description="Train a zoo entry into an output folder: sample grids, loss curves, "
                    "history.csv, model.keras, backup/, run.json, health.json, tensorboard/, "
                    "best.keras (with --eval-every) and saved_model/NAME/VERSION.",
        epilog=f"{RERUNS}\n\n{EXIT_CODES}", formatter_class=argparse.RawDescriptionHelpFormatter)
    train.add_argument("name", nargs="?", default=None,
                       help="zoo entry, e.g. dcgan (see 'keras-gan-zoo list'), or the path of a "
                            "config file (the run is named after its stem); optional with "
                            "--recipe. An entry alone (no --recipe, no --dataset) trains its "
                            "offline recipe NAME_digits where there is one")
    train.add_argument("--from-preset", default=None, metavar="NAME|DIR|URL",
                       help="fine-tune a fine-tunable preset ('keras-gan-zoo list --presets'): "
                            "its entry, config and recipe, its weights at the start; run.json "
                            "records it")
    train.add_argument("--recipe", default=None, metavar="NAME|PATH",
                       help="train a recipe ('keras-gan-zoo list --recipes', or a recipe .yaml): "
                            "its config, data, batch size and schedule; the options below "
                            "override them")
    train.add_argument("--dataset", default=None,
                       help="'digits' (offline default; 'train dcgan --dataset digits' is the "
                            "paper config on the digits), a folder of images, a TFDS name, or "
                            "for two-domain entries 'digits+edges', 'digits+negative', 'dirA|dirB'")
    train.add_argument("--split", default=None, help="data split (default train)")
    train.add_argument("--data-dir", default=None, help="TFDS data directory")
    train.add_argument("--epochs", type=int, default=None,
                       help="the run's total epochs (>= 1; default: the recipe's, else 5); on an "
                            "existing run, more continue it")
    train.add_argument("--steps-per-epoch", type=int, default=None,
                       help="training steps per epoch, the data repeating (default: the recipe's, "
                            "else one pass over the data)")
    train.add_argument("--batch-size", type=int, default=None,
                       help="global batch size, per discriminator step with d_steps (k D steps "
                            "load k times as many; default: the recipe's, else the entry's; 64, "
                            "or 1 for pix2pix/CycleGAN)")
    train.add_argument("--seed", type=int, default=None, help="shuffling seed")
    train.add_argument("--set", action="append", default=[], metavar="KEY=VALUE",
                       help="override a config key, e.g. --set latent_dim=64 (repeatable)")
    train.add_argument("--output", default=None, help="output folder (default runs/NAME)")
    train.add_argument("--overwrite", action="store_true",
                       help="start afresh: remove the files the output folder's run.json says "
                            "its run wrote (nothing else)")
    train.add_argument("--stop-on", default="", metavar="NAMES",
                       help="comma-separated diagnoses of the training monitor that stop the run "
                            f"as failed (exit 3, no export): {', '.join(DIAGNOSES)}; "
                            f"{losses_covered()}")
    train.add_argument("--no-monitor", action="store_true",
                       help="do not watch the run for GAN failures (health.json); not with --stop-on")
    train.add_argument("--no-tensorboard", action="store_true",
                       help="do not write OUTPUT/tensorboard/ (each step's losses, sample grids, "
                            "diagnoses, settings; view with: tensorboard --logdir runs)")
    train.add_argument("--eval-every", default=None, metavar="N",
                       help="evaluate every N epochs (and after the last): results in history.csv "
                            "and TensorBoard; the best FID's model kept in OUTPUT/best.keras")
    train.add_argument("--eval-metrics", default=None, metavar="NAMES",
                       help="with --eval-every: comma-separated fid,kid,is,msssim,pr (default fid)")
    train.add_argument("--eval-samples", default=None, metavar="N",
                       help="with --eval-every: generated images per evaluation (default 2000)")
    train.add_argument("--eval-extractor", default=None, metavar="{digits,inception_v3}",
                       help="with --eval-every: default digits for 1-channel images up to 32 px, "
                            "else inception_v3 (its weights are downloaded once)")
    train.add_argument("--inception-weights", default=None, metavar="PATH",
                       help="with --eval-every: the file "
                            "inception_v3_weights_tf_dim_ordering_tf_kernels.h5 (offline)")
    train.add_argument("--strategy", default="auto", choices=STRATEGIES,
                       help="tf.distribute strategy; multi_worker reads TF_CONFIG (or SLURM)")
    train.add_argument("--tpu", default=None, help="TPU name or grpc:// address (--strategy tpu)")
    train.add_argument("--mixed-precision", default="off", choices=tuple(PRECISIONS),
                       help="float16 (GPU) or bfloat16 (TPU, recent CPUs) mixed precision")
    train.add_argument("--steps-per-execution", type=int, default=1,
                       help="training steps per tf.function call, >= 1 (less Python overhead)")
    train.set_defaults(run=command_train)

    sample = commands.add_parser("sample", help="write a grid of samples from a checkpoint "
                                                "or a preset")
    _add_model_options(sample)
    sample.add_argument("--num", type=int, default=None,
                        help="samples (default: the entry's; 64, or 8 examples for pix2pix/CycleGAN)")
    sample.add_argument("--seed", type=int, default=0)
    sample.add_argument("--output", default="samples.png")
    sample.add_argument("--labels", default=None, metavar="0,1,2",
                        help="CGAN: a row of --num (default 8) samples per class")
    sample.add_argument("--categorical", default=None, metavar="0,1,2",
                        help="InfoGAN: a row per category (default: all)")
    sample.add_argument("--continuous", default=None, metavar="C1,C2",
                        help="InfoGAN: the continuous codes of every image")
    sample.add_argument("--direction", default=None, choices=("a_to_b", "b_to_a"),
                        help="CycleGAN: the direction to translate")
    sample.add_argument("--inputs", nargs="+", default=None, metavar="IMAGE",
                        help="pix2pix/CycleGAN: image files or folders to translate (default: "
                             "held-out digits)")
    sample.set_defaults(run=command_sample)

    compare = commands.add_parser(
        "compare", help="a picture of runs side by side: loss curves, last samples, diagnoses",
        description="Compose runs' loss_curves.png above their latest samples/epoch_*.png, a "
                    "column per run, titled with its label and the monitor's diagnoses "
                    "(health.json: names and first epochs) or 'no diagnosis'.")
    compare.add_argument("runs", nargs="+", metavar="RUN",
                         help="run folders written by train, or presets (a name, directory "
                              "or URL): their facts and samples")
    compare.add_argument("--output", default="compare.png", help="PNG to write")
    compare.add_argument("--labels", default=None,
                         help="comma-separated column titles, one per run (default: folder names)")
    compare.set_defaults(run=command_compare)

    export = commands.add_parser("export", help="export a checkpoint or a preset as a TF "
                                                "Serving SavedModel")
    _add_model_options(export)
    export.add_argument("--output", required=True,
                        help="a new version folder, e.g. saved_models/dcgan/1 (TF Serving layout)")
    export.add_argument("--overwrite", action="store_true",
                        help="replace an existing SavedModel --output folder whole (never a "
                             "base path holding versions, nor a folder that is no SavedModel)")
    export.set_defaults(run=command_export)

    evaluate = commands.add_parser(
        "evaluate", help="FID, KID, IS, MS-SSIM, precision/recall of a checkpoint or a preset; "
                         "table + JSON")
    _add_model_options(evaluate)
    evaluate.add_argument("--dataset", default="digits",
                          help="reference data: 'digits', a folder of images, or a TFDS name")
    evaluate.add_argument("--split", default="train", help="reference split (default train)")
    evaluate.add_argument("--data-dir", default=None, help="TFDS data directory")
    evaluate.add_argument("--metrics", default="fid,kid,is,msssim,pr",
                          help="comma-separated: fid,kid,is,msssim,pr")
    evaluate.add_argument("--num-samples", type=int, default=10000)
    evaluate.add_argument("--max-reference", type=int, default=50000,
                          help="at most this many reference images")
    evaluate.add_argument("--extractor", default=None, choices=("digits", "inception_v3"),
                          help="default: digits for one-channel images up to 32 px, "
                               "else inception_v3 (as train --eval-every)")
    evaluate.add_argument("--inception-weights", default=None,
                          help="path of inception_v3_weights_tf_dim_ordering_tf_kernels.h5")
    evaluate.add_argument("--batch-size", type=int, default=500)
    evaluate.add_argument("--seed", type=int, default=0)
    evaluate.add_argument("--output", default=None,
                          help="JSON file (default: the checkpoint's name with .metrics.json, "
                               "or PRESET.metrics.json)")
    evaluate.set_defaults(run=command_evaluate)
    return parser


def _show_warning(message, category, filename, lineno, file=None, line=None) -> None:
    print(f"warning: {' '.join(str(message).split())}", file=sys.stderr)


#: Lines of a TensorFlow or Keras error message that say where, not why.
_WHERE_LINES = re.compile(r"(Graph execution error:|Detected at node|"
                          r"Exception encountered when calling|Arguments received by|"
                          r"\d+ root error\(s\) found|\d+ successful operations|"
                          r"\d+ derived errors ignored)")
#: Parts of a line that name TensorFlow's internals: ``{{function_node ...}}``, ``[[{{node x}}]]``,
#: ``[Op:...]``, ``(0) INVALID_ARGUMENT:``, a trailing ``name:``.
_INTERNALS = re.compile(r"\{\{function_node [^}]*\}\}|\[\[.*?\]\]|\[Op:[^\]]*\]|"
                        r"^\(\d+\) [A-Z_]+: *|\s+name: *$")

#: ``assertion failed: [MESSAGE] [Condition x < y did not hold element-wise:] [x (...) = ] [VALUES]``
_ASSERTION = re.compile(r"assertion failed: \[(?P<message>.*?)\] \[Condition .*?\]"
                        r"(?: \[x \(.*?\) = \] \[(?P<values>[^\]]*)\])?")


def tensorflow_reason(message: str) -> str:
    """The line of a TensorFlow error message that says why it failed, without TensorFlow's
    internals: a failure inside a ``tf.function`` starts with "Graph execution error:" and the
    stack of the node (indented), and Keras wraps a layer's error in "Exception encountered
    when calling ..."; the reason (``indices[3] = 11 is not in [0, 10)``: a label beyond a
    CGAN's classes) is the first other line."""
    for line in message.splitlines():
        if not line.strip() or line[0].isspace() or _WHERE_LINES.match(line.strip()):
            continue
        reason = " ".join(_INTERNALS.sub(" ", line.strip()).split())
        assertion = _ASSERTION.match(reason)
        if assertion:  # tf.debugging.assert_*: the message, then the values that failed it
            return f"{assertion['message']} (got {assertion['values'] or 'other values'})"
        if reason:
            return reason
    return " ".join(message.split()) or "(no message)"


def _user_error(error: BaseException) -> str | None:
    """The one line to show for a user's mistake, or ``None`` for an unexpected error.

    ValueError (bad values, names, files), OSError (files and folders, including
    FileExistsError, PermissionError and unreadable HDF5 files), TensorFlow's runtime
    errors (out of memory, undecodable data), a ValueError of a check inside a compiled
    JAX step and a TensorFlow feature used without TensorFlow installed are the user's to
    fix; everything else is a bug.
    """
    from keras_gan_zoo.tensorflow_import import TensorFlowMissing

    tf = sys.modules.get("tensorflow")
    if tf is not None and isinstance(error, tf.errors.OpError):
        return f"TensorFlow {type(error).__name__}: {tensorflow_reason(error.message or '')}"
    jax = sys.modules.get("jax")
    if jax is not None and isinstance(error, jax.errors.JaxRuntimeError):
        # A check run on the host inside a compiled JAX step (`jax.debug.callback`, e.g. the
        # dataset's labels) arrives wrapped: its own ValueError's message is the user's line.
        found = re.search(r"ValueError: (.+)", str(error))
        if found:
            return " ".join(found.group(1).split())
    if isinstance(error, (ValueError, OSError, TensorFlowMissing)):
        return " ".join(str(error).split()) or type(error).__name__
    return None


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command of ``argv``; return the exit code (see ``EXIT_CODES``).

    Set ``KERAS_GAN_ZOO_TRACEBACK=1`` to see the traceback of every error."""
    args = build_parser().parse_args(argv)
    try:
        with warnings.catch_warnings():
            warnings.showwarning = _show_warning
            return args.run(args)
    except KeyboardInterrupt:
        print("interrupted: run the same command again to resume from the last finished epoch",
              file=sys.stderr)
        return 130
    except Exception as error:  # noqa: BLE001  (sorted into user errors and bugs below)
        from keras_gan_zoo.guards import TrainingFailed

        if os.environ.get("KERAS_GAN_ZOO_TRACEBACK"):
            raise
        if isinstance(error, TrainingFailed):
            print(f"error: {' '.join(str(error).split())}", file=sys.stderr)
            return 3
        message = _user_error(error)
        if message is not None:
            print(f"error: {message}", file=sys.stderr)
            return 2
        traceback.print_exc()
        print(f"error: unexpected {type(error).__name__}: this is a bug of keras-gan-zoo; please "
              "report it with the traceback above and the command you ran.", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
