"""Range and type rules of the entries' config values, by key name: one table for every entry.

`BaseGAN` checks the arguments of every construction against `RULES` before any
layer is built, so `registry.build`, ``from_config`` (``.keras`` files) and a
direct ``DCGAN(...)`` are checked alike. A bad value is a ValueError that names
the key, the value and what is accepted::

    latent_dim must be an integer >= 1, got 1.7.

A rule matches a key by its exact name or by a glob pattern (``*_filters``);
the first match wins. Besides the rules, a value must have the kind of its
constructor default: a list where the default is a list (no scalar for
``generator_units``), ``true``/``false`` where it is a bool, and ``null`` only
where the default is ``None``.

A new config key needs one line here unless a pattern already covers it
(``*_filters``, ``*_units``, ``*learning_rate``, ``*_weight``, ...). Choices
between names (``architecture``, ``norm``, ``noise``) stay with the code that
knows the names.
"""

from __future__ import annotations

import fnmatch
import math
import numbers
from dataclasses import dataclass
from typing import Any, Callable, Mapping


@dataclass(frozen=True)
class Rule:
    """What a config value must be: ``accepts(value)`` and its ``description``
    (the end of "``key`` must be ..."); ``nullable``: ``None`` is accepted too (as it
    is for every key whose default is ``None``)."""

    accepts: Callable[[Any], bool]
    description: str
    nullable: bool = False

    def or_null(self) -> "Rule":
        """The same rule, also accepting ``None``."""
        return Rule(self.accepts, self.description, nullable=True)


def as_integer(value: Any) -> int | None:
    """``value`` as an int if it is a whole number (not a bool, not 1.7), else None."""
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        return None
    if isinstance(value, numbers.Integral):
        return int(value)
    return int(value) if math.isfinite(value) and float(value).is_integer() else None


def whole_number(value: Any, name: str, least: int | None = 1, *, text: bool = False) -> int:
    """``value`` as an int, or a one-line ValueError naming ``name``: a whole number (an
    int, or a float without a fraction such as 2.0; not a bool, not 2.5) of at least
    ``least`` (no bound if None). ``text``: a string such as ``"2"`` (a command-line
    option) is read as a number first. The one check behind batch sizes, schedules,
    sample counts and the CLI's counts."""
    if text and isinstance(value, str):
        try:
            number = int(value.strip())
        except ValueError:
            number = None
    else:
        number = as_integer(value)
    if number is None or (least is not None and number < least):
        bound = "" if least is None else f" of at least {least}"
        raise ValueError(f"{name} must be a whole number{bound}, got {value!r}.")
    return number


def _number(value: Any) -> float | None:
    """``value`` as a finite float, else None. Strings that read as numbers count: YAML
    reads ``2e-4`` (no dot) as a string."""
    if isinstance(value, bool):
        return None
    if isinstance(value, str):
        try:
            value = float(value)
        except ValueError:
            return None
    if not isinstance(value, numbers.Real) or not math.isfinite(value):
        return None
    return float(value)


def integer(minimum: int | None = None) -> Rule:
    """A whole number, at least ``minimum``."""
    def accepts(value: Any) -> bool:
        n = as_integer(value)
        return n is not None and (minimum is None or n >= minimum)
    return Rule(accepts, "an integer" + ("" if minimum is None else f" >= {minimum}"))


def integers(minimum: int = 1, length: int | None = None) -> Rule:
    """A list of whole numbers, each at least ``minimum`` (``length`` of them)."""
    def accepts(value: Any) -> bool:
        return (isinstance(value, (list, tuple)) and (length is None or len(value) == length)
                and all((n := as_integer(v)) is not None and n >= minimum for v in value))
    count = f"{length} " if length else ""
    example = [28, 28, 1] if length == 3 else [256, 512]
    return Rule(accepts, f"a list of {count}integers >= {minimum} (e.g. {example})")


def number(minimum: float | None = None, maximum: float | None = None, *,
           above: float | None = None, below: float | None = None) -> Rule:
    """A finite number within the bounds (``minimum``/``maximum`` inclusive,
    ``above``/``below`` exclusive)."""
    def accepts(value: Any) -> bool:
        x = _number(value)
        return x is not None and all((
            minimum is None or x >= minimum, maximum is None or x <= maximum,
            above is None or x > above, below is None or x < below))

    one_sided = maximum is None and below is None
    if one_sided and above == 0 and minimum is None:
        return Rule(accepts, "positive and finite")
    if one_sided and minimum == 0 and above is None:
        return Rule(accepts, "non-negative and finite")
    low = (f"[{minimum:g}" if minimum is not None
           else f"({above:g}" if above is not None else "(-inf")
    high = (f"{maximum:g}]" if maximum is not None
            else f"{below:g})" if below is not None else "inf)")
    return Rule(accepts, f"a number in {low}, {high}")


#: Rules by key name or glob pattern, first match wins.
RULES: dict[str, Rule] = {
    "image_shape": integers(1, length=3),
    "input_channels": integer(1),
    "seed": integer(0),
    "latent_dim": integer(1),
    "d_steps": integer(1),
    "num_classes": integer(2),
    "num_categories": integer(2),
    "num_continuous": integer(0),
    "embedding_dim": integer(1),
    "kernel_size": integer(1),
    "receptive_field": integer(1),  # which sizes: `networks.patchgan`
    "num_residual_blocks": integer(0),
    "pool_size": integer(0),
    "*_private_blocks": integer(),
    "*_filters": integer(1),
    "*_units": integers(1),
    "*learning_rate": number(above=0),
    "beta_1": number(0, below=1),
    "beta_2": number(0, below=1),
    "label_smoothing": number(0, below=1),
    "dropout": number(0, below=1),
    "constant_lr_fraction": number(0, 1),
    "margin": number(above=0),
    "continuous_std": number(above=0).or_null(),  # null: a learned std
    "negative_slope": number(minimum=0),
    "*_weight": number(minimum=0),
    # D's options (`networks.options`); minibatch_stddev, spectral_norm and CGAN's
    # auxiliary_classifier are booleans (checked by kind), conditioning a name (CGAN).
    "minibatch_discrimination": integer(1).or_null(),  # B kernels; null: off
    # Stabilisers against training failures (null: off). Learning rates null: learning_rate (InfoGAN's g
    # default is 1e-3, so null is named). Which losses and DiffAugment policies: their code.
    "g_learning_rate": number(above=0).or_null(),
    "d_learning_rate": number(above=0).or_null(),
    "gradient_penalty": number(minimum=0),
    "r1_penalty": number(minimum=0),
    "clip_weights": number(above=0),
    "instance_noise": number(minimum=0),
    "instance_noise_steps": integer(0),  # null: over the run; 0: constant
    "ema": number(0, below=1),
    "ema_rampup": number(above=0).or_null(),  # null: no ramp-up
}


def rule_for(key: str) -> Rule | None:
    """The rule of config key ``key`` (None if no rule names it)."""
    if key in RULES:
        return RULES[key]
    return next((rule for pattern, rule in RULES.items()
                 if any(c in pattern for c in "*?[") and fnmatch.fnmatchcase(key, pattern)), None)


def check_value(key: str, value: Any, default: Any = None) -> None:
    """Raise a ValueError naming ``key`` if ``value`` breaks its rule or does not have
    the kind of its constructor ``default`` (list, bool, ``None`` allowed)."""
    rule = rule_for(key)
    nullable = default is None or (rule is not None and rule.nullable)
    if value is None:
        if nullable:
            return
        what = rule.description if rule else f"a value like the default {default!r}"
        raise ValueError(f"{key} must be {what}, got null (None).")
    if isinstance(default, bool) and not isinstance(value, bool):
        raise ValueError(f"{key} must be true or false, got {value!r}.")
    if isinstance(default, (list, tuple)) and not isinstance(value, (list, tuple)):
        what = rule.description if rule else f"a list like the default {list(default)}"
        raise ValueError(f"{key} must be {what}, got {value!r}.")
    if rule is not None and not rule.accepts(value):
        null = " or null" if nullable else ""
        raise ValueError(f"{key} must be {rule.description}{null}, got {value!r}.")


def check_config(config: Mapping[str, Any], defaults: Mapping[str, Any]) -> None:
    """`check_value` for every key of ``config``, against its default in ``defaults``."""
    for key, value in config.items():
        check_value(key, value, defaults.get(key))
