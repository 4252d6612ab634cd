"""Make the shipped presets: train each digits recipe with the zoo's own `train` (as
``keras-gan-zoo train --recipe NAME --output RUNS/NAME`` does), then save the run as a preset
into ``keras_gan_zoo/presets/NAME/`` (`keras_gan_zoo.save_preset`), replacing the old one.

    python scripts/make_presets.py                       # all eight digits recipes
    python scripts/make_presets.py --only dcgan_digits   # one (e.g. after its entry changed)
    python scripts/make_presets.py --overwrite           # retrain runs that already finished

A finished run in ``RUNS/NAME`` is not trained again (the zoo's re-run rule), so an
interrupted call picks up where it stopped; ``--overwrite`` retrains. The figure recorded is
the run's own: its best FID where the recipe evaluates, else measured when saved
(`keras_gan_zoo.metrics.figures.recipe_figure`). ``dcgan_digits`` is saved fine-tunable
(float32 generator and discriminator, for ``train --from-preset``); the others
sampling-only (float16 generators). The README's first picture,
``docs/preset_dcgan_digits.png``, is redrawn from a new ``dcgan_digits`` by the command the
README shows (``keras-gan-zoo sample --preset dcgan_digits``).
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import tempfile
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import keras_gan_zoo as zoo  # noqa: E402
from keras_gan_zoo.cli import main as cli  # noqa: E402
from keras_gan_zoo.presets import preset_dir, read_preset  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
#: Presets shipped with their discriminator (float32): what `train --from-preset` starts from.
FINE_TUNABLE = ("dcgan_digits",)


def digits_recipes() -> list[str]:
    return [name for name in zoo.available_recipes() if name.endswith("_digits")]


def make_preset(name: str, runs: Path, overwrite: bool = False, seed: int | None = None) -> Path:
    """Train recipe ``name`` into ``runs/name`` (unless finished) and ship it as a preset."""
    run = zoo.train(recipe=name, output=runs / name, overwrite=overwrite, seed=seed, verbose=2)
    target = preset_dir() / name
    with tempfile.TemporaryDirectory(dir=preset_dir().parent) as scratch:
        written = zoo.save_preset(run.folder.root, Path(scratch) / name, name=name,
                                  fine_tunable=name in FINE_TUNABLE)
        old = Path(scratch) / "old"
        if target.exists():
            os.replace(target, old)
        os.replace(written, target)
        shutil.rmtree(old, ignore_errors=True)
    return target


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", default="", help="recipe names separated by , (default: all "
                                                   "digits recipes)")
    parser.add_argument("--runs", default="runs/presets", help="where the runs are kept")
    parser.add_argument("--overwrite", action="store_true", help="retrain finished runs")
    parser.add_argument("--seed", type=int, default=None, help="shuffling seed of the runs")
    args = parser.parse_args()
    names = args.only.split(",") if args.only else digits_recipes()
    for name in names:
        target = make_preset(name, Path(args.runs), args.overwrite, args.seed)
        if name == "dcgan_digits":
            cli(["sample", "--preset", name, "--output", str(ROOT / "docs" / f"preset_{name}.png")])
        preset = read_preset(target)
        print(f"{name}: {preset.figure_text()}, {preset.size()} bytes, "
              f"fine-tunable: {preset.fine_tunable}", flush=True)
    total = sum(read_preset(preset_dir() / n).size() for n in zoo.available_presets())
    print(f"all shipped presets: {total} bytes")


if __name__ == "__main__":
    main()
