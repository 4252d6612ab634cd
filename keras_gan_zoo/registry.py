"""Name -> zoo entry, built from its config in ``zoo_configs/<name>.yaml``.

A config file is data, with the paper named at the top::

    entry: dcgan
    paper: Radford, Metz & Chintala 2015, arXiv:1511.06434
    config:            # the entry's constructor arguments
      image_shape: [28, 28, 1]
      latent_dim: 100
"""

from __future__ import annotations

import difflib
import inspect
from importlib import resources
from pathlib import Path
from typing import Any, Callable, TypeVar

import keras
import yaml

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


def available() -> list[str]:
    """Names of the zoo's entries (aliases not included), sorted."""
    return sorted(_ENTRIES)


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
    """The parsed config file of an entry name, or of a YAML path of the same form."""
    path = Path(name_or_path)
    if path.suffix not in (".yaml", ".yml"):
        cls = entry_class(str(name_or_path))
        path = config_dir() / f"{cls.zoo_name}.yaml"
    if not path.is_file():
        raise FileNotFoundError(f"Config file {path} does not exist.")
    try:
        document = yaml.safe_load(path.read_text())
    except yaml.YAMLError as error:
        raise ValueError(f"Malformed config {path}: not valid YAML ({error}).") from None
    if not isinstance(document, dict) or not isinstance(document.get("config"), dict):
        raise ValueError(
            f"Malformed config {path}: expected a mapping with keys 'entry', 'paper' and "
            f"'config' (a mapping of constructor arguments)."
        )
    if "entry" not in document:
        raise ValueError(f"Malformed config {path}: missing the 'entry' key (the zoo name).")
    cls = entry_class(str(document["entry"]))
    accepted = _constructor_arguments(cls)
    unknown = sorted(set(document["config"]) - accepted)
    if unknown:
        raise ValueError(
            f"Malformed config {path}: {cls.__name__} does not take {unknown}; "
            f"valid keys: {', '.join(sorted(accepted))}."
        )
    return document


def _constructor_arguments(cls: type) -> set[str]:
    names: set[str] = set()
    for klass in cls.__mro__:
        if klass is keras.Model:
            break
        if "__init__" in vars(klass):
            params = inspect.signature(klass.__init__).parameters.values()
            names |= {p.name for p in params if p.kind is p.KEYWORD_ONLY or (
                p.kind is p.POSITIONAL_OR_KEYWORD and p.name != "self")}
    return names


def build(name: str, **overrides: Any):
    """Build a zoo entry from its config, with ``overrides`` applied.

    Example: ``build("dcgan", image_shape=[32, 32, 3], latent_dim=128)``.
    An override must be a key of the entry's config. Build inside
    ``strategy.scope()`` for distributed training.
    """
    document = load_config(name)
    config = dict(document["config"])
    unknown = sorted(set(overrides) - set(config))
    if unknown:
        raise ValueError(
            f"Unknown override(s) {unknown} for {name!r}; valid keys: {', '.join(sorted(config))}."
        )
    config.update(overrides)
    cls = entry_class(str(document["entry"]))
    return cls(**config)
