"""Name -> zoo entry, built from its constructor's defaults and its preset in
``zoo_configs/<name>.yaml``.

One place for each fact:

* **Arguments and defaults**: the entry's constructor (its ``__init__``
  signatures along the class hierarchy, `BaseGAN.constructor_defaults`). The
  valid config and override keys are exactly the arguments the constructor
  takes, so an error lists no key the constructor would then reject, and a
  model rebuilt by ``keras.saving`` or made directly (``DCGAN()``) is the one
  `build` makes.
* **Presets**: a YAML file states only the values where the zoo's preset
  departs from the constructor's defaults (``config: {}`` builds the
  defaults), with the paper's settings and the reasons in its comments.
* **The paper reference**: the class attribute ``paper`` (``keras-gan-zoo
  list``, docstrings); a file does not restate it.
* **What a value may be**: `config_checks` (one rule table for every entry),
  applied to every construction (`BaseGAN.check_arguments`) and to a file's
  preset, so that a bad value names its key (and its file).

A config file::

    # CGAN: Mirza & Osindero 2014 ... (comments: the paper's settings, the reasons)
    entry: cgan
    config:                # constructor arguments that differ from the defaults
      architecture: conv
      kernel_size: 4

`load_config` returns the resolved document ``{"entry", "paper", "preset",
"config"}``: ``config`` is the defaults updated by ``preset``.
"""

from __future__ import annotations

import difflib
import inspect
from importlib import resources
from pathlib import Path
from typing import Any, Callable, Iterable, Mapping, Sequence, TypeVar

import keras
import yaml

from keras_gan_zoo import config_checks
from keras_gan_zoo.yaml_text import load_yaml

T = TypeVar("T", bound=type)

_ENTRIES: dict[str, type] = {}
_ALIASES: dict[str, str] = {}


def register(name: str, *aliases: str) -> Callable[[T], T]:
    """Class decorator: add a `BaseGAN` subclass to the zoo under ``name`` (and aliases).

    Also registers it with Keras so ``keras.models.load_model`` can rebuild it.
    """

    def decorator(cls: T) -> T:
        for key in (name, *aliases):
            if key != key.lower():
                raise ValueError(f"Zoo names are lower-case, got {key!r}.")
        keras.saving.register_keras_serializable(package="keras_gan_zoo")(cls)
        _ENTRIES[name] = cls
        cls.zoo_name = name
        for alias in aliases:
            _ALIASES[alias] = name
        return cls

    return decorator


def entry_name(model: Any) -> str:
    """The zoo name of an entry (instance or class, e.g. ``"dcgan"``), or the class name
    of a Keras model that is not a registered entry: what run records, summaries and
    messages call a model."""
    cls = model if isinstance(model, type) else type(model)
    return getattr(cls, "zoo_name", cls.__name__)


def available() -> list[str]:
    """Names of the zoo's entries (aliases not included), sorted."""
    return sorted(_ENTRIES)


def taken_by(keys: Iterable[str]) -> str:
    """For an error about ``keys`` an entry does not take: the entries that take them,
    e.g. `` (spectral_norm: an argument of cgan, dcgan)``, or ``""``."""
    notes = [f"{key}: an argument of {', '.join(names)}" for key in keys if (names := sorted(
        name for name, cls in _ENTRIES.items() if key in cls.constructor_defaults()))]
    return f" ({'; '.join(notes)})" if notes else ""


def entry_class(name: str) -> type:
    """The class registered under ``name`` or one of its aliases."""
    key = _ALIASES.get(name.lower(), name.lower())
    if key not in _ENTRIES:
        close = difflib.get_close_matches(name.lower(), list(_ENTRIES) + list(_ALIASES), n=1)
        hint = f" Did you mean {close[0]!r}?" if close else ""
        raise ValueError(
            f"Unknown zoo entry {name!r}.{hint} Available entries: {', '.join(available())}."
        )
    return _ENTRIES[key]


def config_dir() -> Path:
    """Where the zoo's YAML configs live (the repository's ``zoo_configs/``, or
    the copy installed inside the package)."""
    source_tree = Path(__file__).resolve().parent.parent / "zoo_configs"
    if source_tree.is_dir():
        return source_tree
    return Path(str(resources.files("keras_gan_zoo.zoo_configs")))


def load_config(name_or_path: str | Path) -> dict[str, Any]:
    """The resolved config of an entry name, or of a YAML path of the same form:
    ``{"entry": name, "paper": cls.paper, "preset": the file's values,
    "config": the constructor's defaults updated by the preset}``."""
    path = Path(name_or_path)
    if path.suffix not in (".yaml", ".yml"):
        cls = entry_class(str(name_or_path))
        path = config_dir() / f"{cls.zoo_name}.yaml"
    if not path.is_file():
        raise FileNotFoundError(f"Config file {path} does not exist.")
    try:
        document = load_yaml(path.read_text())
    except yaml.YAMLError as error:
        raise ValueError(f"Malformed config {path}: not valid YAML ({error}).") from None
    if not isinstance(document, dict) or not isinstance(document.get("config"), dict):
        raise ValueError(
            f"Malformed config {path}: expected a mapping with keys 'entry' and 'config' "
            f"(a mapping of constructor arguments, {{}} for the defaults)."
        )
    if "entry" not in document:
        raise ValueError(f"Malformed config {path}: missing the 'entry' key (the zoo name).")
    cls = entry_class(str(document["entry"]))
    extra = sorted(set(document) - {"entry", "config"})
    if extra:
        raise ValueError(
            f"Malformed config {path}: unknown top-level key(s) {extra}; a config has 'entry' "
            f"and 'config' only (the paper reference is {cls.__name__}.paper): remove them."
        )
    defaults = {name: _as_data(value) for name, value in cls.constructor_defaults().items()}
    preset = document["config"]
    _reject_unknown(preset, defaults, f"Malformed config {path}: {cls.__name__} does not take")
    try:  # checked again when built; here the message can name the file
        config_checks.check_config(preset, defaults)
    except ValueError as error:
        raise ValueError(f"Malformed config {path}: {error}") from None
    return {"entry": cls.zoo_name, "paper": cls.paper, "preset": dict(preset),
            "config": {**defaults, **preset}}


#: Keyword arguments `keras.Model` itself takes (``name``, ``dtype``, ...).
_KERAS_ARGUMENTS = frozenset(inspect.signature(keras.layers.Layer.__init__).parameters) - {
    "self", "kwargs"}


def constructor_defaults(cls: type) -> dict[str, Any]:
    """Every constructor argument of the entry class ``cls`` and its default, read from the
    ``__init__`` signatures along the class hierarchy (a subclass's default wins),
    without its `excluded_arguments`."""
    defaults: dict[str, Any] = {}
    for klass in cls.__mro__:
        if klass is keras.Model:
            break
        if "__init__" not in vars(klass):
            continue
        parameters = list(inspect.signature(klass.__init__).parameters.values())[1:]
        for p in parameters:
            if p.kind in (p.POSITIONAL_OR_KEYWORD, p.KEYWORD_ONLY):
                defaults.setdefault(p.name, p.default)
        if not any(p.kind is p.VAR_KEYWORD for p in parameters):
            break  # the arguments of the classes further up are not passed on
    return {name: value for name, value in defaults.items()
            if name not in cls.excluded_arguments}


def named_arguments(cls: type, args: Sequence[Any], kwargs: Mapping[str, Any]) -> dict[str, Any]:
    """``cls``'s constructor arguments by name (positional ones named by its ``__init__``)."""
    if not args:
        return dict(kwargs)
    names = [p.name for p in list(inspect.signature(cls.__init__).parameters.values())[1:]
             if p.kind is p.POSITIONAL_OR_KEYWORD]
    if len(args) > len(names):
        raise TypeError(f"{cls.__name__} takes at most {len(names)} positional arguments "
                        f"({', '.join(names)}); pass the others by name.")
    return {**dict(zip(names, args)), **kwargs}


def check_arguments(cls: type, arguments: Mapping[str, Any]) -> None:
    """Raise a ValueError naming the key for an argument the entry class ``cls`` does not
    take (or no longer takes: its `retired_arguments`, with the fix) or a value out of its
    range (`config_checks`: one rule table for every entry)."""
    retired = [key for key in cls.retired_arguments if arguments.get(key) is not None]
    if retired:
        raise ValueError(f"{cls.__name__} no longer takes {retired[0]}: "
                         f"{cls.retired_arguments[retired[0]]}.")
    defaults = cls.constructor_defaults()
    unknown = sorted(set(arguments) - set(defaults) - set(cls.retired_arguments)
                     - _KERAS_ARGUMENTS)
    if unknown:
        excluded = sorted(set(unknown) & cls.excluded_arguments)
        reason = (f" ({', '.join(excluded)}: not used by {cls.__name__}, remove it)"
                  if excluded else "")
        raise ValueError(
            f"{cls.__name__} does not take {unknown}{reason}{taken_by(unknown)}; "
            f"its arguments are: "
            f"{', '.join(sorted(defaults))}."
        )
    config_checks.check_config(
        {key: value for key, value in arguments.items() if key in defaults}, defaults)


def _reject_unknown(given: Iterable[str], valid: Iterable[str], lead: str) -> None:
    """Raise ``ValueError("<lead> [keys] (who takes them); valid keys: ...")`` for unknown keys."""
    valid = set(valid)
    unknown = sorted(set(given) - valid)
    if unknown:
        raise ValueError(f"{lead} {unknown}{taken_by(unknown)}; valid keys: {', '.join(sorted(valid))}.")


def _as_data(value: Any) -> Any:
    """A constructor default as YAML would state it (tuples as lists)."""
    return [_as_data(item) for item in value] if isinstance(value, tuple) else value


def resolve_config(name: str | Path, overrides: Mapping[str, Any], lead: str | None = None
                   ) -> tuple[str, dict[str, Any]]:
    """``(entry, config)``: the entry of ``name`` (a zoo name or a config file) and the config
    `build` constructs it with, `load_config`'s ``config`` updated by ``overrides``. A key the
    entry does not take is a ValueError starting with ``lead`` (default ``"'<name>' does not
    take the override(s)"``) that names the valid keys; a bad value names its key
    (`config_checks`)."""
    document = load_config(name)
    config = document["config"]
    cls = entry_class(document["entry"])
    check_arguments(cls, {key: value for key, value in overrides.items()
                          if key in cls.retired_arguments})  # refused with the fix
    _reject_unknown(set(overrides) - set(cls.retired_arguments), config,
                    lead or f"{str(name)!r} does not take the override(s)")
    config_checks.check_config(overrides, cls.constructor_defaults())
    return document["entry"], {**config, **overrides}


def build(name: str, **overrides: Any):
    """Build a zoo entry from its config, with ``overrides`` applied.

    Example: ``build("dcgan", image_shape=[32, 32, 3], latent_dim=128)``.
    An override must be one of the entry's constructor arguments. Build inside
    ``strategy.scope()`` for distributed training.
    """
    entry, config = resolve_config(name, overrides)
    return entry_class(entry)(**config)
