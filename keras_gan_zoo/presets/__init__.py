"""Presets: trained zoo entries to sample, serve and fine-tune without training first.

    import keras_gan_zoo as zoo
    zoo.available_presets()                        # ['cgan_digits', 'cyclegan_digits', ...]
    model = zoo.from_preset("dcgan_digits")        # built, weights loaded
    images = model.generate(16, seed=0)
    model = zoo.from_preset("path/to/my_preset")   # a preset directory
    model = zoo.from_preset("https://host/p.tar.gz#sha256=<64 hex digits>")  # downloaded once
    zoo.save_preset("runs/dcgan_digits", "my_preset")                     # from a finished run

as keras-hub's ``from_preset``: a preset is a directory that can be shipped, copied or
published as an archive. The zoo ships one per digits recipe here, in
``keras_gan_zoo/presets/<recipe>/`` (package data), made by ``scripts/make_presets.py``.

A preset directory::

    config.json              format, entry, its config (constructor arguments), image shape,
                             what it was trained on, the recipe (name and text)
    metadata.json            the figure the recipe's run measured (metric, value, extractor,
                             samples, seed), zoo/Keras/TensorFlow versions, the date, whether
                             it can be fine-tuned, the weights' dtype, SHA-256 and size of
                             every other file (checked on load)
    generator.weights.h5     the generator(s): every variable of the networks named
                             ``generator*`` (and the EMA generator), batch-norm statistics too
    discriminator.weights.h5 fine-tunable presets: the other networks (discriminators, Q)
    optimizer.weights.h5     optional: the optimizers' state (Adam's moments, step count)

Weight files hold the variables in the networks' own order (``v00000``, ``v00001``, ...,
each with the variable's path as its ``name`` attribute); loading checks their number and
shapes, so a preset of another architecture is refused by name. Sampling-only presets store
float16 weights (half the bytes; the figures re-measured from them are within 5% of the
float32 run's, see tests/test_presets.py); fine-tunable ones float32.

Where a preset comes from (`resolve_preset`): a shipped name, a local directory, or an
``https://`` URL of a ``.tar.gz``/``.tgz``/``.tar``/``.zip`` archive with its SHA-256
(``URL#sha256=HEX`` or ``sha256=``), downloaded once into the cache
(``$KERAS_GAN_ZOO_HOME/presets``, default ``$KERAS_HOME/keras_gan_zoo/presets``, i.e.
``~/.keras/keras_gan_zoo/presets``). The download goes to a temporary file, is checked
against the SHA-256 (a wrong hash or a truncated download is refused with the URL and both
hashes), extracted to a temporary folder, checked as a preset, then renamed into place: the
cache never holds a half-written preset. Plain ``http://`` is accepted for loopback hosts
only (127.0.0.1, ::1, localhost: local mirrors and tests).
"""

from __future__ import annotations

import dataclasses
import datetime
import difflib
import json
import os
import shutil
import tarfile
import tempfile
import urllib.error
import urllib.parse
import urllib.request
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterable, Mapping, Sequence

from keras_gan_zoo.files import sha256_of

#: Version of the preset layout written by `write_preset`; a newer one is refused by name.
FORMAT = 1
CONFIG_FILE, METADATA_FILE = "config.json", "metadata.json"
GENERATOR_FILE = "generator.weights.h5"
DISCRIMINATOR_FILE = "discriminator.weights.h5"
OPTIMIZER_FILE = "optimizer.weights.h5"
#: The keys of config.json and metadata.json this version knows.
CONFIG_KEYS = ("format", "entry", "config", "image_shape", "trained_on", "recipe")
METADATA_KEYS = ("name", "description", "figure", "fine_tunable", "weights_dtype", "versions",
                 "date", "files", "source")
ARCHIVES = (".tar.gz", ".tgz", ".tar", ".zip")
LOOPBACK_HOSTS = ("127.0.0.1", "::1", "localhost")


class PresetError(ValueError):
    """A preset that cannot be used: one line naming the preset, the problem and the fix."""


def preset_dir() -> Path:
    """Where the shipped presets live: ``keras_gan_zoo/presets/``."""
    return Path(__file__).resolve().parent


def available_presets() -> list[str]:
    """Names of the shipped presets, sorted."""
    return sorted(p.name for p in preset_dir().iterdir() if (p / CONFIG_FILE).is_file())


def cache_dir() -> Path:
    """Where downloaded presets are kept: ``$KERAS_GAN_ZOO_HOME/presets``, else Keras' cache
    (``$KERAS_HOME``, default ``~/.keras``) ``/keras_gan_zoo/presets``."""
    home = os.environ.get("KERAS_GAN_ZOO_HOME")
    if not home:
        home = os.path.join(os.environ.get("KERAS_HOME", os.path.expanduser("~/.keras")),
                            "keras_gan_zoo")
    return Path(home) / "presets"



# ------------------------------------------------------------------ reading presets
@dataclass(frozen=True)
class Preset:
    """A checked preset directory: its ``config.json`` and ``metadata.json``."""

    name: str
    path: Path
    config: dict[str, Any]
    metadata: dict[str, Any]
    #: What it was asked for by: a name, a directory or a URL.
    given: str = ""

    @property
    def entry(self) -> str:
        return str(self.config["entry"])

    @property
    def fine_tunable(self) -> bool:
        return bool(self.metadata.get("fine_tunable"))

    @property
    def recipe_name(self) -> str | None:
        return (self.config.get("recipe") or {}).get("name")

    def origin(self) -> dict[str, Any]:
        """Where a run fine-tuned from it started (``run.json``'s ``from_preset``)."""
        return {"preset": self.name, "given": self.given or str(self.path),
                "generator_sha256": self.metadata["files"][GENERATOR_FILE]["sha256"],
                "figure": self.metadata.get("figure")}

    def sampling_only(self) -> PresetError:
        """The error of fine-tuning a preset without its discriminator."""
        return PresetError(
            f"Preset {self.name}: sampling only (float16 generator, no discriminator): it "
            f"cannot be fine-tuned. Train its recipe instead (keras-gan-zoo train --recipe "
            f"{self.recipe_name or 'NAME'}), or use a fine-tunable preset (keras-gan-zoo list "
            "--presets).")

    def size(self) -> int:
        """Bytes on disk of the preset's files."""
        return sum(p.stat().st_size for p in self.path.iterdir() if p.is_file())

    def figure_text(self) -> str:
        from keras_gan_zoo.metrics.figures import figure_text

        figure = self.metadata.get("figure")
        return figure_text(figure) if figure else "-"

    def describe(self) -> dict[str, Any]:
        """What ``keras-gan-zoo list --presets`` shows of it."""
        trained_on, size = self.config.get("trained_on") or {}, self.size()
        return {"name": self.name, "entry": self.entry,
                "image size": "x".join(map(str, self.config["image_shape"])),
                "trained on": f"{trained_on.get('source', '?')} ({trained_on.get('split', '?')})",
                "figure": self.figure_text(), "size": f"{size / 1e6:.2f} MB",
                "fine-tunable": "yes" if self.fine_tunable else "no (float16, sampling only)",
                "bytes": size}


def _read_json(path: Path, lead: str) -> dict[str, Any]:
    try:
        document = json.loads(path.read_text())
    except (OSError, ValueError) as error:
        raise PresetError(f"{lead} {path.name} is not readable JSON ({type(error).__name__}); "
                          "the preset is damaged: download or copy it again.") from None
    if not isinstance(document, dict):
        raise PresetError(f"{lead} {path.name} is not a JSON object; the preset is damaged.")
    return document


def _newer_zoo(lead: str, document: Mapping[str, Any], unknown: Iterable[str], where: str) -> str:
    from keras_gan_zoo import __version__

    made_by = ((document.get("versions") or {}).get("keras_gan_zoo") if isinstance(
        document.get("versions"), dict) else None)
    made = f" (made by keras-gan-zoo {made_by})" if made_by else ""
    return (f"{lead} {where} has keys this keras-gan-zoo ({__version__}) does not know: "
            f"{sorted(unknown)}{made}; it was made by a newer version: upgrade keras-gan-zoo "
            "(pip install -U keras-gan-zoo).")


def read_preset(directory: str | os.PathLike, name: str | None = None) -> Preset:
    """Read and check a preset directory: its two JSON files, the keys this version knows,
    its format, and the SHA-256 of every file that ``metadata.json`` lists. Each problem is a
    `PresetError` naming the preset and the fix; nothing is changed."""
    path = Path(directory)
    name = name or path.name
    lead = f"Preset {name} ({path}):"
    if not path.is_dir():
        raise PresetError(f"{lead} not a directory; pass a preset name (keras-gan-zoo list "
                          "--presets), a preset directory or an https:// URL.")
    missing = [f for f in (CONFIG_FILE, METADATA_FILE) if not (path / f).is_file()]
    if missing:
        raise PresetError(f"{lead} not a preset: it has no {' or '.join(missing)}. A preset "
                          f"directory holds {CONFIG_FILE}, {METADATA_FILE} and *.weights.h5 "
                          "(make one with 'keras-gan-zoo preset save RUN_FOLDER OUT_DIR').")
    config = _read_json(path / CONFIG_FILE, lead)
    metadata = _read_json(path / METADATA_FILE, lead)
    for document, keys, file in ((config, CONFIG_KEYS, CONFIG_FILE),
                                 (metadata, METADATA_KEYS, METADATA_FILE)):
        unknown = set(document) - set(keys)
        if unknown:
            raise PresetError(_newer_zoo(lead, metadata, unknown, file))
    if not isinstance(config.get("format"), int) or config["format"] > FORMAT:
        raise PresetError(f"{lead} preset format {config.get('format')!r}, this keras-gan-zoo "
                          f"reads format {FORMAT}: upgrade keras-gan-zoo.")
    absent = [key for key in ("entry", "config", "image_shape") if key not in config]
    files = metadata.get("files")
    if absent or not isinstance(config["config"], dict) or not isinstance(files, dict):
        raise PresetError(f"{lead} {CONFIG_FILE} or {METADATA_FILE} lacks "
                          f"{absent or ['files']}; the preset is damaged.")
    if GENERATOR_FILE not in files:
        raise PresetError(f"{lead} {METADATA_FILE} lists no {GENERATOR_FILE}; the preset is damaged.")
    for file, record in files.items():
        if Path(file).name != file:
            raise PresetError(f"{lead} {METADATA_FILE} lists {file!r}, not a file name.")
        target = path / file
        if not target.is_file():
            raise PresetError(f"{lead} {file} is missing; copy or download the whole preset.")
        expected = (record or {}).get("sha256") if isinstance(record, dict) else None
        found = sha256_of(target)
        if found != expected:
            raise PresetError(f"{lead} {file} does not match its SHA-256 in {METADATA_FILE} "
                              f"(expected {expected}, found {found}): the file is corrupt, "
                              "truncated or changed; copy or download the preset again.")
    return Preset(name, path, config, metadata)


# ------------------------------------------------------------------ where presets come from
def split_url(url: str, sha256: str | None = None) -> tuple[str, str]:
    """``(url without fragment, sha256)`` of ``URL#sha256=HEX`` (or ``sha256`` given apart)."""
    base, _, fragment = url.partition("#")
    given = dict(urllib.parse.parse_qsl(fragment)).get("sha256")
    if sha256 and given and sha256.lower() != given.lower():
        raise PresetError(f"Preset URL {base}: two different SHA-256 given ({given} in the URL, "
                          f"{sha256} as sha256=); pass one.")
    digest = (sha256 or given or "").lower()
    if len(digest) != 64 or any(c not in "0123456789abcdef" for c in digest):
        raise PresetError(f"Preset URL {base}: give the archive's SHA-256 (64 hex digits), as "
                          f"{base}#sha256=HEX (Python: sha256=...), so that the download can "
                          "be checked.")
    return base, digest


def _check_url(url: str) -> None:
    parts = urllib.parse.urlsplit(url)
    if parts.scheme == "https" or (parts.scheme == "http" and parts.hostname in LOOPBACK_HOSTS):
        pass
    else:
        raise PresetError(f"Preset URL {url}: only https:// URLs are downloaded (plain http:// "
                          "for 127.0.0.1, ::1 or localhost only).")
    if not parts.path.endswith(ARCHIVES):
        raise PresetError(f"Preset URL {url}: expected an archive ending in "
                          f"{', '.join(ARCHIVES)} that holds a preset directory.")


def _download(url: str, target: Path, timeout: float = 60.0) -> tuple[int, int | None]:
    """Write ``url``'s body to ``target``; ``(bytes received, Content-Length or None)``. A
    connection that ends early keeps what came (the hash check refuses it)."""
    import http.client

    received, length = 0, None
    try:
        with urllib.request.urlopen(url, timeout=timeout) as response, open(target, "wb") as out:
            header = response.headers.get("Content-Length")
            length = int(header) if header and header.isdigit() else None
            while True:
                try:
                    block = response.read(1 << 16)
                except http.client.IncompleteRead as error:
                    out.write(error.partial)
                    received += len(error.partial)
                    break
                if not block:
                    break
                out.write(block)
                received += len(block)
    except (urllib.error.URLError, OSError, http.client.HTTPException) as error:
        reason = getattr(error, "reason", None) or error
        raise PresetError(f"Preset URL {url}: the download failed ({reason}); check the URL and "
                          "the network, then try again.") from None
    return received, length


def _extract(archive: Path, url: str, folder: Path) -> Path:
    """Extract ``archive`` into ``folder`` (no member outside it) and return the preset
    directory in it: ``folder`` itself or its one sub-folder."""
    try:
        if url.endswith(".zip"):
            with zipfile.ZipFile(archive) as bundle:
                for member in bundle.namelist():
                    if member.startswith("/") or ".." in Path(member).parts:
                        raise PresetError(f"Preset URL {url}: the archive has a member outside "
                                          f"its folder ({member}); refused.")
                bundle.extractall(folder)
        else:
            with tarfile.open(archive) as bundle:
                if hasattr(tarfile, "data_filter"):
                    bundle.extractall(folder, filter="data")
                else:  # pragma: no cover - Python < 3.11.4
                    for member in bundle.getmembers():
                        if (member.name.startswith("/") or ".." in Path(member.name).parts
                                or not (member.isfile() or member.isdir())):
                            raise PresetError(f"Preset URL {url}: unsafe archive member "
                                              f"{member.name}; refused.")
                    bundle.extractall(folder)
    except (tarfile.TarError, zipfile.BadZipFile, OSError) as error:
        raise PresetError(f"Preset URL {url}: the archive cannot be extracted "
                          f"({type(error).__name__}: {error}).") from None
    if (folder / CONFIG_FILE).is_file():
        return folder
    children = [p for p in folder.iterdir()]
    if len(children) == 1 and (children[0] / CONFIG_FILE).is_file():
        return children[0]
    raise PresetError(f"Preset URL {url}: the archive holds no preset ({CONFIG_FILE} at its top "
                      "or in its one folder).")


def fetch_preset(url: str, sha256: str | None = None) -> Preset:
    """The checked `Preset` of the archive at ``url`` (``URL#sha256=HEX``), downloaded,
    checked and extracted once into the cache (see the module docstring). A wrong hash, a
    truncated download or an archive that is not a preset raises a `PresetError` and leaves
    the cache as it was."""
    url, digest = split_url(url, sha256)
    _check_url(url)
    stem = Path(urllib.parse.urlsplit(url).path).name
    for suffix in ARCHIVES:
        stem = stem[: -len(suffix)] if stem.endswith(suffix) else stem
    cache = cache_dir()
    target = cache / f"{stem}-{digest[:16]}"
    if target.is_dir():
        return read_preset(target, stem)
    cache.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix=".download-", dir=cache) as scratch:
        archive = Path(scratch) / "archive"
        received, length = _download(url, archive)
        found = sha256_of(archive)
        if found != digest:
            size = (f"{received} bytes received of {length} announced (truncated)"
                    if length is not None and received < length else f"{received} bytes")
            raise PresetError(f"Preset URL {url}: the download's SHA-256 is {found}, expected "
                              f"{digest} ({size}); refused and not cached: check the URL and "
                              "its SHA-256, then try again.")
        extracted = _extract(archive, url, Path(scratch) / "preset")
        checked = read_preset(extracted, stem)  # refused before it reaches the cache
        try:
            os.replace(extracted, target)
        except OSError:
            if not target.is_dir():  # another process may have put it there first
                raise
    return dataclasses.replace(checked, path=target)


def resolve_preset(preset: str | os.PathLike, sha256: str | None = None) -> Preset:
    """The checked `Preset` of a shipped name, a directory or a URL (`fetch_preset`)."""
    text = os.fspath(preset)
    if text.startswith(("http://", "https://", "ftp://", "file://")):
        return dataclasses.replace(fetch_preset(text, sha256), given=text)
    path = Path(text)
    if text in available_presets():  # a shipped name wins over a folder of that name here
        return dataclasses.replace(read_preset(preset_dir() / text, text), given=text)
    if path.is_dir():
        return dataclasses.replace(read_preset(path), given=str(path.resolve()))
    if os.sep in text or "/" in text or path.exists():
        raise PresetError(f"Preset {text}: not a directory; pass a preset directory, a shipped "
                          "name (keras-gan-zoo list --presets) or an https:// URL.")
    close = difflib.get_close_matches(text, available_presets(), n=3)
    hint = f" Did you mean {', '.join(repr(c) for c in close)}?" if close else ""
    raise PresetError(f"Unknown preset {text!r}.{hint} Presets: {', '.join(available_presets())} "
                      "(keras-gan-zoo list --presets), or pass a preset directory or URL.")


# ------------------------------------------------------------------ weights
def generator_networks(model: Any) -> dict[str, Any]:
    """The networks that make images: those named ``generator*`` in ``model.networks``, and
    the moving-average generator (``generator_ema``) when the entry keeps one."""
    networks = {name: net for name, net in model.networks.items() if "generator" in name}
    if getattr(model, "ema", None) is not None and hasattr(model, "generator_ema"):
        networks["generator_ema"] = model.generator_ema
    return networks


def other_networks(model: Any) -> dict[str, Any]:
    """The rest of ``model.networks``: the discriminator(s) (and InfoGAN's Q network)."""
    return {name: net for name, net in model.networks.items() if "generator" not in name}


def _unique(variables: Iterable[Any]) -> list[Any]:
    """``variables`` without repeats (CoupledGAN's generators share layers), in order."""
    seen, kept = set(), []
    for variable in variables:
        if id(variable) not in seen:
            seen.add(id(variable))
            kept.append(variable)
    return kept


def network_variables(networks: Mapping[str, Any]) -> list[Any]:
    """Every variable (trainable or not: batch-norm statistics too) of ``networks``, in
    their order, each once."""
    return _unique(v for net in networks.values() for v in net.weights)


def optimizer_variables(model: Any) -> list[Any]:
    """The variables of the entry's optimizers (``model.optimizer_names``), in order."""
    return _unique(v for name in model.optimizer_names for v in getattr(model, name).variables)


def write_variables(path: Path, variables: Sequence[Any], dtype: str | None = None) -> None:
    """Write ``variables`` to an HDF5 file (``v00000``, ...; float ones as ``dtype``)."""
    import h5py
    import keras
    import numpy as np

    with h5py.File(path, "w") as file:
        file.attrs["count"] = len(variables)
        for index, variable in enumerate(variables):
            value = np.asarray(keras.ops.convert_to_numpy(variable))
            if dtype is not None and np.issubdtype(value.dtype, np.floating):
                value = value.astype(dtype)
            packed = {"compression": "gzip", "shuffle": True} if value.size >= 256 else {}
            dataset = file.create_dataset(f"v{index:05d}", data=value, **packed)
            dataset.attrs["name"] = str(getattr(variable, "path", getattr(variable, "name", "")))


def read_variables(path: Path, variables: Sequence[Any], lead: str, what: str) -> list[Any]:
    """The arrays of ``path`` for ``variables``, checked (their number and shapes), cast to
    each variable's dtype; nothing is assigned."""
    import h5py
    import numpy as np

    try:
        with h5py.File(path, "r") as file:
            count = int(file.attrs["count"])
            arrays = [np.asarray(file[f"v{i:05d}"]) for i in range(count)]
            names = [str(file[f"v{i:05d}"].attrs.get("name", "")) for i in range(count)]
    except (OSError, KeyError, ValueError) as error:
        raise PresetError(f"{lead} {path.name} is not a readable weights file (corrupt or "
                          f"truncated; {type(error).__name__}): copy or download the preset "
                          "again.") from None
    remake = ("the preset was made for another version of this entry's architecture: remake it "
              "(python scripts/make_presets.py --only NAME, or keras-gan-zoo preset save).")
    if count != len(variables):
        raise PresetError(f"{lead} {path.name} holds {count} arrays, but the {what} has "
                          f"{len(variables)} variables; {remake}")
    for variable, array, name in zip(variables, arrays, names):
        if tuple(array.shape) != tuple(variable.shape):
            raise PresetError(f"{lead} {path.name}: {name or 'a variable'} has shape "
                              f"{tuple(array.shape)} there, {tuple(variable.shape)} in the "
                              f"{what}; {remake}")
    return [array.astype(variable.dtype) for variable, array in zip(variables, arrays)]


def _assign(variables: Sequence[Any], arrays: Sequence[Any]) -> None:
    for variable, array in zip(variables, arrays):
        variable.assign(array)


def checked_config(preset: Preset) -> tuple[type, dict[str, Any]]:
    """``(entry class, config)`` of a preset, refused by name when this zoo does not have
    its entry or its config has keys the entry does not take (a preset of a newer zoo)."""
    from keras_gan_zoo import __version__
    from keras_gan_zoo.registry import entry_class

    lead = f"Preset {preset.name}:"
    try:
        cls = entry_class(preset.entry)
    except ValueError:
        raise PresetError(f"{lead} its entry {preset.entry!r} is not in this keras-gan-zoo "
                          f"({__version__}); upgrade keras-gan-zoo, or install the package that "
                          "registers that entry.") from None
    config = dict(preset.config["config"])
    unknown = set(config) - set(cls.constructor_defaults()) - set(cls.retired_arguments)
    if unknown:
        raise PresetError(_newer_zoo(lead, preset.metadata, unknown,
                                     f"{CONFIG_FILE}'s {preset.entry} config"))
    return cls, config


def fine_tuning(preset: str | os.PathLike, name: Any, recipe: Any, dataset: Any,
                overrides: Mapping[str, Any] | None) -> tuple[Preset, Any, Any, dict[str, Any]]:
    """`keras_gan_zoo.train`'s ``(preset, name, recipe, overrides)`` to fine-tune ``preset``:
    its entry and config (``overrides`` win), its recipe where this zoo has it (its
    schedule, batch size and data unless ``dataset`` replaces them), else the entry on
    ``dataset``. A sampling-only preset, another entry or no data is a `PresetError`."""
    from keras_gan_zoo.recipes import available_recipes
    from keras_gan_zoo.registry import entry_class

    checked = resolve_preset(preset)
    if not checked.fine_tunable:
        raise checked.sampling_only()
    _, config = checked_config(checked)
    if name is not None and entry_class(str(name)).zoo_name != checked.entry:
        raise PresetError(f"Preset {checked.name} is a {checked.entry} preset, not {name!r}: "
                          "drop the entry name.")
    if recipe is None:
        if checked.recipe_name in available_recipes():
            recipe = checked.recipe_name
        elif dataset is None:
            raise PresetError(f"Preset {checked.name}: its recipe {checked.recipe_name!r} is not "
                              "in this keras-gan-zoo; pass the data to fine-tune on (--dataset).")
        else:
            name = checked.entry
    return checked, name, recipe, {**config, **dict(overrides or {})}


def build_model(preset: Preset) -> Any:
    """The preset's entry, built from its config (not compiled, weights not loaded)."""
    cls, config = checked_config(preset)
    lead = f"Preset {preset.name}:"
    try:
        return cls.from_config(config)
    except (ValueError, TypeError) as error:
        raise PresetError(f"{lead} its config cannot build {cls.__name__} "
                          f"({' '.join(str(error).split())}).") from None


def load_into(model: Any, preset: Preset, fine_tune: bool) -> None:
    """Load the preset's generator(s) into ``model``; with ``fine_tune`` also the other
    networks and, where the preset has it, the optimizers' state (``model`` compiled).
    Everything is read and checked before any variable is assigned."""
    lead = f"Preset {preset.name}:"
    generators = network_variables(generator_networks(model))
    loads = [(generators, read_variables(preset.path / GENERATOR_FILE, generators, lead,
                                         f"{preset.entry} generator"))]
    if fine_tune:
        if not preset.fine_tunable:
            raise preset.sampling_only()
        others = network_variables(other_networks(model))
        loads.append((others, read_variables(preset.path / DISCRIMINATOR_FILE, others, lead,
                                             f"{preset.entry} discriminator")))
        if OPTIMIZER_FILE in preset.metadata["files"]:
            state = optimizer_variables(model)
            loads.append((state, read_variables(preset.path / OPTIMIZER_FILE, state, lead,
                                                f"{preset.entry} optimizers' state")))
    for variables, arrays in loads:
        _assign(variables, arrays)


def from_preset(preset: str | os.PathLike, fine_tune: bool | None = None,
                sha256: str | None = None) -> Any:
    """A zoo entry ready to use, from a preset: a shipped name (`available_presets`), a
    preset directory, or an ``https://`` archive URL with its SHA-256 (``URL#sha256=HEX``,
    or ``sha256=``; downloaded once, `fetch_preset`).

    The entry is built from the preset's config and its generator(s) loaded. ``fine_tune``:
    ``None`` (default) compiles it and loads the discriminator(s) (and the optimizers' state
    where the preset has it) when the preset carries them, as keras-hub's ``from_preset``
    loads whatever the preset has; ``True`` requires that (a sampling-only preset is
    refused); ``False`` loads the generator(s) only (sampling, evaluation, export).

    Raises:
        PresetError (a ValueError): one line naming the preset, the problem and the fix.
    """
    checked = preset if isinstance(preset, Preset) else resolve_preset(preset, sha256)
    fine_tune = checked.fine_tunable if fine_tune is None else bool(fine_tune)
    model = build_model(checked)
    if fine_tune:
        model.compile()
    load_into(model, checked, fine_tune)
    model.preset = checked
    return model


# ------------------------------------------------------------------ making presets
def _versions() -> dict[str, str | None]:
    """The versions a preset was made with (TensorFlow's ``None`` where it is not installed)."""
    import keras

    from keras_gan_zoo import __version__
    from keras_gan_zoo.tensorflow_import import optional_tensorflow

    tf = optional_tensorflow()
    return {"keras_gan_zoo": __version__, "keras": keras.__version__,
            "tensorflow": tf and tf.__version__, "backend": keras.backend.backend()}


def write_preset(model: Any, out_dir: str | os.PathLike, *, name: str | None = None,
                 recipe: Any = None, trained_on: Mapping[str, Any] | None = None,
                 figure: Mapping[str, Any] | None = None, fine_tunable: bool = False,
                 optimizer_state: bool = False, description: str = "",
                 source: Mapping[str, Any] | None = None) -> Path:
    """Write ``model`` as a preset directory ``out_dir`` (which must not hold files yet):
    written into a temporary sibling, then renamed into place.

    Args:
        recipe: the `Recipe` it was trained with (its name and text are kept), or ``None``.
        trained_on: ``{"source": ..., "split": ...}`` (default: the recipe's data).
        figure: `metrics.figures.recipe_figure`'s record, or ``None``.
        fine_tunable: keep the discriminator(s) too, all in float32; else the generator(s)
            only, in float16 (half the bytes).
        optimizer_state: with ``fine_tunable``, keep the optimizers' state (compiled models).
    """
    from keras_gan_zoo.run.folder import run_config

    out = Path(out_dir)
    if out.exists() and (not out.is_dir() or any(out.iterdir())):
        raise PresetError(f"Cannot write a preset to {out}: it exists and is not an empty "
                          "folder; choose a new OUT_DIR or remove it.")
    if optimizer_state and not (fine_tunable and getattr(model, "compiled", False)):
        raise PresetError("optimizer_state needs fine_tunable=True and a compiled model "
                          "(a run's checkpoint is).")
    if recipe is not None and trained_on is None:
        trained_on = {"source": recipe.source, "split": recipe.split}
    config = {"format": FORMAT, "entry": model.zoo_name, "config": run_config(model),
              "image_shape": list(model.image_shape), "trained_on": dict(trained_on or {}),
              "recipe": None if recipe is None else {"name": recipe.name,
                                                     "text": recipe.text()}}
    dtype = "float32" if fine_tunable else "float16"
    out.parent.mkdir(parents=True, exist_ok=True)
    scratch = Path(tempfile.mkdtemp(prefix=f".tmp-{out.name}-", dir=out.parent))
    try:
        write_variables(scratch / GENERATOR_FILE, network_variables(generator_networks(model)),
                        dtype)
        if fine_tunable:
            write_variables(scratch / DISCRIMINATOR_FILE,
                            network_variables(other_networks(model)), dtype)
            if optimizer_state:
                write_variables(scratch / OPTIMIZER_FILE, optimizer_variables(model))
        (scratch / CONFIG_FILE).write_text(json.dumps(config, indent=2) + "\n")
        files = {p.name: {"sha256": sha256_of(p), "bytes": p.stat().st_size}
                 for p in sorted(scratch.iterdir())}
        metadata = {"name": name or out.name, "description": description,
                    "figure": dict(figure) if figure else None, "fine_tunable": fine_tunable,
                    "weights_dtype": dtype, "versions": _versions(),
                    "date": datetime.datetime.now(datetime.timezone.utc).isoformat(
                        timespec="seconds"),
                    "files": files, "source": dict(source or {})}
        (scratch / METADATA_FILE).write_text(json.dumps(metadata, indent=2) + "\n")
        scratch.chmod(0o755)  # mkdtemp's 0o700 would keep an installed preset from its users
        if out.is_dir():
            out.rmdir()
        os.replace(scratch, out)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    return out


def run_recipe(folder: Any, record: Mapping[str, Any], recipe: Any = None) -> Any:
    """The `Recipe` of a run folder: ``recipe`` if given, else its ``run.json``'s, else the
    recipe its SavedModel's name says (``saved_model/<recipe>/``); ``None`` if none."""
    from keras_gan_zoo.recipes import available_recipes, load_recipe

    if recipe is not None:
        return load_recipe(recipe)
    if record.get("recipe"):
        return load_recipe(record["recipe"])
    names = [p.name for p in (folder.root / "saved_model").glob("*") if p.is_dir()]
    known = [n for n in names if n in available_recipes()]
    return load_recipe(known[0]) if len(known) == 1 else None


def save_preset(run_folder: str | os.PathLike, out_dir: str | os.PathLike,
                name: str | None = None, recipe: Any = None, fine_tunable: bool = False,
                optimizer_state: bool = False, figure: Mapping[str, Any] | None = None) -> Path:
    """Turn a finished run (``keras-gan-zoo train``'s folder) into a preset directory.

    The model is the run's ``best.keras`` where its evaluation kept one (``run.json``'s
    ``best``), else ``model.keras``. The figure recorded is the run's own: the best epoch's
    FID as its evaluation measured it; for runs evaluated by nothing, it is measured now
    (`metrics.figures.recipe_figure`: the held-out L1 of pix2pix, the held-out cycle L1 of
    CycleGAN, FID with the digits extractor, seed 0, 2000 samples, otherwise) for runs on the
    digits; none for other data. ``recipe``: the run's recipe when ``run.json`` does not name
    it.
    """
    from keras_gan_zoo.run.folder import RunFolder
    from keras_gan_zoo.models.saved import load_entry
    from keras_gan_zoo.metrics import figures

    folder = RunFolder(run_folder, "")
    record = folder.read_record()
    if record is None:
        raise PresetError(f"{folder.root} holds no run.json: pass the folder of a finished "
                          "'keras-gan-zoo train' run.")
    if record.get("status") != "finished":
        raise PresetError(f"The run in {folder.root} is {record.get('status', 'unfinished')!r}, "
                          "not finished: finish it first (run the same train command again).")
    best = record.get("best") or {}
    checkpoint = folder.root / best["checkpoint"] if best.get("checkpoint") else folder.checkpoint
    model = load_entry(checkpoint)
    chosen = run_recipe(folder, record, recipe)
    if figure is None and "fid" in best:
        evaluation = (chosen.evaluation if chosen is not None else None) or {}
        figure = {"metric": "FID", "value": float(best["fid"]), "reference": "digits:train",
                  "extractor": evaluation.get("extractor", figures.EXTRACTOR),
                  "num_samples": evaluation.get("num_samples", figures.NUM_SAMPLES),
                  "seed": figures.SEED,
                  "epoch": int(best["epoch"])}
    trained_on = None
    if record.get("dataset"):
        trained_on = {"source": record["dataset"], "split": record.get("split", "train")}
    source_data = (trained_on or {}).get("source") or (chosen.source if chosen else "")
    if figure is None and str(source_data).startswith("digits"):
        figure = figures.recipe_figure(model)  # the digits figures; other data: no figure recorded
    source = {"run": os.path.basename(os.path.abspath(folder.root)), "checkpoint": checkpoint.name,
              "epochs": record.get("epochs_done"), **({"from_preset": record["from_preset"]}
                                                        if record.get("from_preset") else {})}
    return write_preset(model, out_dir, name=name or Path(out_dir).name, recipe=chosen,
                        trained_on=trained_on, figure=figure, fine_tunable=fine_tunable,
                        optimizer_state=optimizer_state, source=source,
                        description=chosen.description if chosen is not None else "")


def preset_table() -> list[dict[str, Any]]:
    """`Preset.describe` of every shipped preset."""
    return [read_preset(preset_dir() / name, name).describe() for name in available_presets()]


# ------------------------------------------------------------------ using presets
def _option_error(option: str, model: Any, entries: str) -> ValueError:
    return ValueError(f"{option} is for {entries}, not {type(model).__name__}; drop it.")


def read_images(paths: Sequence[str | os.PathLike], shape: Sequence[int]) -> Any:
    """Image files (or folders of them), resized to ``shape`` ``(H, W, C)``, in [0, 1]."""
    import numpy as np
    from PIL import Image, UnidentifiedImageError

    files: list[Path] = []
    for given in map(Path, paths):
        if given.is_dir():
            files += sorted(p for p in given.iterdir() if p.suffix.lower() in
                            (".png", ".jpg", ".jpeg", ".bmp", ".gif"))
        elif given.is_file():
            files.append(given)
        else:
            raise ValueError(f"--inputs {given}: no such file or folder; pass image files or a "
                             "folder of them.")
    if not files:
        raise ValueError(f"--inputs {', '.join(map(str, paths))}: no images (.png, .jpg, .bmp, "
                         ".gif) there.")
    height, width, channels = (int(v) for v in shape)
    images = []
    for file in files:
        try:
            with Image.open(file) as image:
                image = image.convert("L" if channels == 1 else "RGB").resize((width, height))
                images.append(np.asarray(image, np.float32).reshape(height, width, channels) / 255)
        except (UnidentifiedImageError, OSError) as error:
            raise ValueError(f"--inputs {file}: not a readable image "
                             f"({type(error).__name__}).") from None
    return np.stack(images)


def _codes(text: str | None, kind: type, option: str) -> list[Any] | None:
    if text is None:
        return None
    try:
        return [kind(v) for v in str(text).split(",") if v.strip()]
    except ValueError:
        raise ValueError(f"{option} takes comma-separated {kind.__name__}s, e.g. 0,1,2; got "
                         f"{text!r}.") from None


def sample_images(model: Any, num_samples: int | None = None, seed: int = 0,
                  labels: str | None = None, categorical: str | None = None,
                  continuous: str | None = None, direction: str | None = None,
                  inputs: Sequence[str] | None = None) -> tuple[Any, int, tuple]:
    """``(images, rows, titles)`` of ``keras-gan-zoo sample`` with the entries' own options:
    the entry's `sample_grid` when none is given; CGAN ``labels`` (``"0,1,2"``: a row of
    ``num_samples`` (default 8) per class); InfoGAN ``categorical`` (a row per category) and
    ``continuous`` (``"0.5,-1"``: the continuous codes, the same for every image); CycleGAN
    ``direction`` (``a_to_b`` or ``b_to_a``); pix2pix/CycleGAN ``inputs`` (image files or
    folders) translated, a row ``input | output`` each."""
    import numpy as np

    from keras_gan_zoo.pixels import to_unit_range

    from keras_gan_zoo.metrics.evaluator import translates as sampled_by_translation
    from keras_gan_zoo.registry import entry_name

    name = entry_name(model)
    translates = sampled_by_translation(model)
    if labels is not None and name != "cgan":
        raise _option_error("--labels", model, "CGAN")
    if (categorical is not None or continuous is not None) and name != "infogan":
        raise _option_error("--categorical/--continuous", model, "InfoGAN")
    if direction is not None and name != "cyclegan":
        raise _option_error("--direction", model, "CycleGAN")
    if inputs and not translates:
        raise _option_error("--inputs", model, "pix2pix and CycleGAN")
    columns = 8 if num_samples is None else int(num_samples)
    if labels is not None:
        classes = _codes(labels, int, "--labels")
        z = np.tile(model.noise(columns, seed=seed), (len(classes), 1))
        return model.generate(z=z, labels=np.repeat(classes, columns)), len(classes), ()
    if categorical is not None or continuous is not None:
        categories = _codes(categorical, int, "--categorical") or list(range(model.num_categories))
        count = len(categories) * columns
        codes = _codes(continuous, float, "--continuous")
        fixed = None if codes is None else np.tile(np.asarray(codes, np.float32), (count, 1))
        z = np.tile(model.noise(columns, seed=seed), (len(categories), 1))
        return (model.generate(z=z, categorical=np.repeat(categories, columns), continuous=fixed),
                len(categories), ())
    if translates and (inputs or direction):
        direction = direction or "a_to_b"
        source = model.source_shape if direction == "a_to_b" else model.image_shape
        if inputs:
            images = read_images(inputs, source)[: num_samples or None]
        else:
            pair = [np.asarray(to_unit_range(a)) for a in model.default_sample_data()]
            pool = pair[0] if direction == "a_to_b" else pair[1]
            index = np.random.default_rng(seed).choice(len(pool), min(columns, len(pool)),
                                                       replace=False)
            images = pool[index]
        outputs = (model.translate(images, direction) if name == "cyclegan"
                   else model.translate(images))
        from keras_gan_zoo.models.image_to_image import row_grid

        grid, rows = row_grid([images, outputs])
        return grid, rows, (("input", "output"),)
    options = {} if num_samples is None else {"num_samples": num_samples}
    images, rows = model.sample_grid(seed=seed, **options)
    return images, rows, model.grid_titles


def preset_panel(preset: str | os.PathLike, folder: str | os.PathLike, label: str | None = None,
                 seed: int = 0) -> Any:
    """A `plotting.RunPanel` of a preset for ``keras-gan-zoo compare``: a card of what it
    is (entry, data, figure, versions) above its sample grid; the PNGs go to ``folder``."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from keras_gan_zoo.plotting import RunPanel, save_image_grid

    checked = preset if isinstance(preset, Preset) else resolve_preset(preset)
    model = from_preset(checked, fine_tune=False)
    folder = Path(folder)
    images, rows = model.sample_grid(seed=seed)
    grid = save_image_grid(images, folder / f"{checked.name}_samples.png", rows,
                           titles=model.grid_titles)
    facts = checked.describe()
    lines = [f"{key}: {value}" for key, value in facts.items() if key not in ("name", "bytes")]
    lines.append(f"made {checked.metadata.get('date', '?')[:10]} with keras-gan-zoo "
                 f"{(checked.metadata.get('versions') or {}).get('keras_gan_zoo', '?')}")
    fig = plt.figure(figsize=(6, 3))
    fig.text(0.03, 0.95, "\n".join(lines), va="top", family="monospace", fontsize=10)
    card = folder / f"{checked.name}_card.png"
    fig.savefig(card, dpi=100)
    plt.close(fig)
    return RunPanel(label or checked.name, f"preset: {checked.figure_text()}", (card, grid))
