"""``keras-gan-zoo``: list, train, sample, evaluate and export zoo entries.

A thin layer over the Python API: every command parses its arguments and
calls `train`, `sample_grid`, `export` or `metrics.Evaluator`.
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
    from keras_gan_zoo.runner import train

    train(args.name, dataset=args.dataset, epochs=args.epochs, output=args.output,
          overrides=parse_overrides(args.set), batch_size=args.batch_size, split=args.split,
          seed=args.seed, data_dir=args.data_dir, strategy=args.strategy, tpu=args.tpu,
          mixed_precision=args.mixed_precision, steps_per_execution=args.steps_per_execution,
          verbose=1 if sys.stdout.isatty() else 2)
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


def command_evaluate(args: argparse.Namespace) -> int:
    import json

    from keras_gan_zoo import metrics

    model = _load_checkpoint(args.checkpoint)
    extractor = args.extractor or ("digits" if args.dataset == "digits" else "inception_v3")
    options = ({"weights": args.inception_weights}
               if extractor.startswith("inception") and args.inception_weights else {})
    evaluator = metrics.Evaluator(args.metrics, extractor=extractor, batch_size=args.batch_size,
                                  seed=args.seed, extractor_options=options)
    sample_fn, num_samples = metrics.prepare_entry_evaluation(
        evaluator, model, args.num_samples, dataset=args.dataset, split=args.split,
        max_reference=args.max_reference, data_dir=args.data_dir)
    results = evaluator.evaluate(sample_fn, num_samples, seed=args.seed)
    print(f"{type(model).__name__} from {args.checkpoint}: {results['num_samples']} samples vs "
          f"{results.get('num_reference', 0)} reference images "
          f"({evaluator.reference_description.get('reference')}), extractor {extractor}")
    print(f"{'metric':10s} {'value':>10s} {'std':>10s} {'real data':>10s}")
    for name in ("fid", "kid", "is", "msssim", "precision", "recall"):
        if name in results:
            std, real = results.get(f"{name}_std"), results.get(f"{name}_real")
            print(f"{name:10s} {results[name]:10.4f} "
                  f"{'' if std is None else f'{std:.4f}':>10s} "
                  f"{'' if real is None else f'{real:.4f}':>10s}")
    output = Path(args.output or Path(args.checkpoint).with_suffix(".metrics.json"))
    output.parent.mkdir(parents=True, exist_ok=True)
    output.write_text(json.dumps({
        "checkpoint": str(args.checkpoint), "model": type(model).__name__,
        "dataset": args.dataset, "results": results, "protocol": evaluator.describe(),
    }, indent=2) + "\n")
    print(f"Wrote {output}")
    return 0


def build_parser() -> argparse.ArgumentParser:
    from keras_gan_zoo.distribute import PRECISIONS, STRATEGIES

    parser = argparse.ArgumentParser(prog="keras-gan-zoo", description=__doc__.splitlines()[0])
    commands = parser.add_subparsers(dest="command", required=True)

    commands.add_parser("list", help="list the zoo's entries").set_defaults(run=command_list)

    train = commands.add_parser("train", help="train an entry; writes grids, curves, checkpoint, SavedModel")
    train.add_argument("name", help="zoo entry, e.g. dcgan (see 'keras-gan-zoo list')")
    train.add_argument("--dataset", default="digits",
                       help="'digits' (offline default), a folder of images, a TFDS name, or for "
                            "two-domain entries 'digits+edges', 'digits+negative', 'dirA|dirB'")
    train.add_argument("--split", default="train")
    train.add_argument("--data-dir", default=None, help="TFDS data directory")
    train.add_argument("--epochs", type=int, default=5)
    train.add_argument("--batch-size", type=int, default=None,
                       help="global batch size (default: the entry's; 64, or 1 for pix2pix/CycleGAN)")
    train.add_argument("--seed", type=int, default=None, help="shuffling seed")
    train.add_argument("--set", action="append", default=[], metavar="KEY=VALUE",
                       help="override a config key, e.g. --set latent_dim=64 (repeatable)")
    train.add_argument("--output", default=None, help="output folder (default runs/NAME)")
    train.add_argument("--strategy", default="auto", choices=STRATEGIES,
                       help="tf.distribute strategy; multi_worker reads TF_CONFIG (or SLURM)")
    train.add_argument("--tpu", default=None, help="TPU name or grpc:// address (--strategy tpu)")
    train.add_argument("--mixed-precision", default="off", choices=tuple(PRECISIONS),
                       help="float16 (GPU) or bfloat16 (TPU, recent CPUs) mixed precision")
    train.add_argument("--steps-per-execution", type=int, default=1,
                       help="training steps per tf.function call (less Python overhead)")
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

    evaluate = commands.add_parser(
        "evaluate", help="FID, KID, IS, MS-SSIM, precision/recall of a checkpoint; table + JSON")
    evaluate.add_argument("--checkpoint", required=True, help=".keras file written by train")
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
                          help="default: digits for --dataset digits, else inception_v3")
    evaluate.add_argument("--inception-weights", default=None,
                          help="path of inception_v3_weights_tf_dim_ordering_tf_kernels.h5")
    evaluate.add_argument("--batch-size", type=int, default=500)
    evaluate.add_argument("--seed", type=int, default=0)
    evaluate.add_argument("--output", default=None,
                          help="JSON file (default: the checkpoint's name with .metrics.json)")
    evaluate.set_defaults(run=command_evaluate)
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
