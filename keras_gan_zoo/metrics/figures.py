"""The figure a digits recipe is judged by, measured one way everywhere (the recipes'
benchmark, preset making and the preset tests):

* noise-to-image entries: FID of ``num_samples`` samples (model.generate with the
  evaluator's per-batch seeds from ``seed``) against the digits ``train`` split, with the
  shipped digits classifier as feature extractor (`Evaluator`, `prepare_entry_evaluation`);
  CoupledGAN's domain a (digits). This is what a recipe's evaluation during training
  (`entry_evaluation`, seed 0) measures, so a run's best FID is re-measurable;
* pix2pix: held-out mean L1 (images in [0, 1]) of its outputs to the targets (digits
  ``test``; no randomness);
* CycleGAN: held-out cycle L1, the mean over both directions of ``|F(G(a)) - a|``.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from keras_gan_zoo.metrics.evaluator import Evaluator, prepare_entry_evaluation
from keras_gan_zoo.pixels import to_unit_range

#: Samples, extractor and seed of a digits recipe's FID (its ``evaluation``'s defaults).
NUM_SAMPLES = 2000
EXTRACTOR = "digits"
SEED = 0


def fid(model: Any, num_samples: int = NUM_SAMPLES, extractor: str = EXTRACTOR,
        seed: int = SEED) -> float:
    """FID of ``num_samples`` samples against the digits ``train`` split (``extractor``)."""
    evaluator = Evaluator("fid", extractor=extractor)
    sample_fn, count = prepare_entry_evaluation(evaluator, model, num_samples,
                                                max_reference=max(num_samples, 10000))
    return float(evaluator.evaluate(sample_fn, count, seed=seed)["fid"])


def held_out_l1(model: Any) -> tuple[str, float]:
    """pix2pix: mean |G(input) - target| on the held-out pairs; CycleGAN: held-out cycle L1
    (``(|F(G(a)) - a| + |G(F(b)) - b|) / 2``, Zhu et al. 2017, eq. 2)."""
    inputs, targets = (np.asarray(to_unit_range(a)) for a in model.default_sample_data())
    if model.zoo_name == "pix2pix":
        return "held-out L1", float(np.abs(model.translate(inputs) - targets).mean())
    a_again = model.translate(model.translate(inputs), "b_to_a")
    b_again = model.translate(model.translate(targets, "b_to_a"))
    return "held-out cycle L1", float((np.abs(a_again - inputs).mean()
                                       + np.abs(b_again - targets).mean()) / 2)


def recipe_figure(model: Any, num_samples: int = NUM_SAMPLES, extractor: str = EXTRACTOR,
                  seed: int = SEED) -> dict[str, Any]:
    """The figure of a digits-trained ``model`` as a record: ``metric`` (its label),
    ``value``, and how it was measured (``extractor``, ``num_samples``, ``seed``,
    ``reference``); see the module docstring."""
    if model.zoo_name in ("pix2pix", "cyclegan"):
        metric, value = held_out_l1(model)
        return {"metric": metric, "value": value, "reference": "digits:test pairs",
                "extractor": None, "num_samples": None, "seed": None}
    return {"metric": "FID", "value": fid(model, num_samples, extractor, seed),
            "reference": "digits:train", "extractor": extractor, "num_samples": num_samples,
            "seed": seed}


def figure_text(figure: dict[str, Any]) -> str:
    """``"FID 35.08 (2000 samples, digits extractor, seed 0)"`` or ``"held-out L1 0.1012"``."""
    text = f"{figure['metric']} {figure['value']:.4g}"
    if figure.get("extractor"):
        text += f" ({figure['num_samples']} samples, {figure['extractor']} extractor, seed {figure['seed']})"
    return text
