"""``keras-gan-zoo``: list, train, sample and export zoo entries.

A thin layer over the Python API: every command parses its arguments and
calls `build`, `data.load`, `fit`, `sample_grid` or `export`.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any, Sequence


def parse_overrides(pairs: Sequence[str]) -> dict[str, Any]:
    """``["latent_dim=64", "image_shape=[32,32,3]"]`` -> ``{"latent_dim": 64, "image_shape": [32, 32, 3]}``.

    Values are read as YAML, so numbers, lists, booleans and ``null`` work.
    """
    import yaml

    overrides: dict[str, Any] = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        if not sep or not key:
            raise SystemExit(f"error: --set expects key=value, got {pair!r}.")
        overrides[key.strip()] = yaml.safe_load(value)
    return overrides


def _load_checkpoint(path: str):
    import keras

    import keras_gan_zoo  # noqa: F401  (registers the entries with Keras)

    if not Path(path).is_file():
        raise SystemExit(
            f"error: checkpoint {path!r} does not exist; pass the .keras file that "
            "'keras-gan-zoo train' wrote (e.g. runs/dcgan/model.keras)."
        )
    return keras.models.load_model(path)


def command_list(args: argparse.Namespace) -> int:
    import keras_gan_zoo as zoo

    for name in zoo.available():
        print(f"{name:12s} {zoo.entry_class(name).paper}")
    return 0


def command_train(args: argparse.Namespace) -> int:
    import keras

    import keras_gan_zoo as zoo
    from keras_gan_zoo.callbacks import LossPlot, SampleGrid, chief_callbacks

    output = Path(args.output or Path("runs") / args.name)
    output.mkdir(parents=True, exist_ok=True)
    model = zoo.build(args.name, **parse_overrides(args.set))
    model.compile()
    height, width, channels = model.image_shape
    dataset = zoo.data.load(args.dataset, image_size=(height, width), channels=channels,
                            batch_size=args.batch_size, split=args.split,
                            data_dir=args.data_dir, seed=args.seed)
    callbacks = [
        SampleGrid(output / "samples"),
        LossPlot(output / "loss_curves.png", title=f"{args.name} on {args.dataset}"),
        *chief_callbacks(output, args.name),
    ]
    print(f"Training {args.name} ({type(model).__name__}) on {args.dataset!r} for "
          f"{args.epochs} epochs; writing to {output}/")
    model.fit(dataset, epochs=args.epochs, callbacks=callbacks, shuffle=False,
              verbose=1 if sys.stdout.isatty() else 2)
    print(f"Sample grids:  {output / 'samples'}/epoch_*.png")
    print(f"Loss curves:   {output / 'loss_curves.png'}")
    print(f"Checkpoint:    {output / 'model.keras'}")
    print(f"SavedModel:    {output / 'saved_model' / args.name / '1'}")
    return 0


def command_sample(args: argparse.Namespace) -> int:
    from keras_gan_zoo.plotting import save_image_grid

    model = _load_checkpoint(args.checkpoint)
    images, rows = model.sample_grid(num_samples=args.num, seed=args.seed)
    path = save_image_grid(images, args.output, rows)
    print(f"Wrote {len(images)} samples of {type(model).__name__} to {path}")
    return 0


def command_export(args: argparse.Namespace) -> int:
    model = _load_checkpoint(args.checkpoint)
    model.export(args.output, verbose=False)
    print(f"Exported {type(model).__name__} as a SavedModel to {args.output} "
          f"(signatures: {', '.join(model.serving_endpoints())})")
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="keras-gan-zoo", description=__doc__.splitlines()[0])
    commands = parser.add_subparsers(dest="command", required=True)

    commands.add_parser("list", help="list the zoo's entries").set_defaults(run=command_list)

    train = commands.add_parser("train", help="train an entry; writes grids, curves, checkpoint, SavedModel")
    train.add_argument("name", help="zoo entry, e.g. dcgan (see 'keras-gan-zoo list')")
    train.add_argument("--dataset", default="digits",
                       help="'digits' (offline default), a folder of images, or a TFDS name")
    train.add_argument("--split", default="train")
    train.add_argument("--data-dir", default=None, help="TFDS data directory")
    train.add_argument("--epochs", type=int, default=5)
    train.add_argument("--batch-size", type=int, default=64)
    train.add_argument("--seed", type=int, default=None, help="shuffling seed")
    train.add_argument("--set", action="append", default=[], metavar="KEY=VALUE",
                       help="override a config key, e.g. --set latent_dim=64 (repeatable)")
    train.add_argument("--output", default=None, help="output folder (default runs/NAME)")
    train.set_defaults(run=command_train)

    sample = commands.add_parser("sample", help="write a grid of samples from a checkpoint")
    sample.add_argument("--checkpoint", required=True, help=".keras file written by train")
    sample.add_argument("--num", type=int, default=64)
    sample.add_argument("--seed", type=int, default=0)
    sample.add_argument("--output", default="samples.png")
    sample.set_defaults(run=command_sample)

    export = commands.add_parser("export", help="export a checkpoint as a TF Serving SavedModel")
    export.add_argument("--checkpoint", required=True, help=".keras file written by train")
    export.add_argument("--output", required=True, help="e.g. saved_models/dcgan/1")
    export.set_defaults(run=command_export)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return args.run(args)
    except (ValueError, FileNotFoundError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
