"""Keras callbacks that write what people look at and keep a run safe: sample grids, loss
curves, history, atomic checkpoints and backups, versioned exports, the divergence guard;
and `RunFolder`, where a training run keeps them.

Every file a run resumes from is written under a temporary name and renamed into place
(`replacing`): a run killed at any moment leaves the previous file or the new one.
"""

from __future__ import annotations

import contextlib
import csv
import json
import math
import os
import shutil
import socket
import warnings
import zipfile
from collections import defaultdict
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Iterable, Iterator, Mapping

import keras

from keras_gan_zoo.distribute import is_chief
from keras_gan_zoo.files import NOTE, checkpoint_note, replacing, save_checkpoint, write_text  # noqa: F401
from keras_gan_zoo.guards import Diverged, StopOnNonFinite, TrainingFailed, guard_divergence  # noqa: F401
from keras_gan_zoo.schedules import LinearDecay  # noqa: F401
from keras_gan_zoo.plotting import save_loss_curves, save_sample_grid
from keras_gan_zoo.step_logs import StepValues


def versions(base: str | os.PathLike) -> list[int]:
    """The version numbers (numeric sub-folders) of a TF Serving base path, sorted."""
    base = Path(base)
    if not base.is_dir():
        return []
    return sorted(int(p.name) for p in base.iterdir() if p.is_dir() and p.name.isdigit())


def export_saved_model(model: keras.Model, target: str | os.PathLike,
                       overwrite: bool = False) -> Path:
    """``model.export(target)``, never over an existing export unless ``overwrite``: then a
    SavedModel folder (one version, holding ``saved_model.pb``) is replaced whole. A TF
    Serving base path that holds versions, or a non-empty folder that is not a SavedModel,
    is never replaced. The SavedModel is written beside ``target`` and renamed into place,
    so ``target`` never holds a partial export or the files of two."""
    target = Path(target)
    if target.exists() and not target.is_dir():
        raise ValueError(f"Cannot export to {target}: it is a file; pass a folder such as "
                         "saved_models/NAME/1.")
    if target.is_dir() and any(target.iterdir()):
        held = [v for v in versions(target) if (target / str(v) / "saved_model.pb").is_file()]
        if held:
            raise ValueError(
                f"{target} is a TF Serving base path holding version(s) "
                f"{', '.join(map(str, held))}, so it is not replaced: export a new version "
                f"into {target / str(max(versions(target)) + 1)}.")
        if not (target / "saved_model.pb").is_file():
            raise ValueError(
                f"{target} holds files but is not a SavedModel (no saved_model.pb in it), so "
                "it is not replaced: export to a new or empty folder such as "
                "saved_models/NAME/1.")
        if not overwrite:
            free = max(versions(target.parent), default=0) + 1
            raise ValueError(
                f"{target} already holds a SavedModel: pass --overwrite (overwrite=True) to "
                f"replace it whole, or export to a free version folder such as "
                f"{target.parent / str(free)}.")
    temporary, old = (target.with_name(f".{kind}-{target.name}") for kind in ("tmp", "old"))
    for leftover in (temporary, old):
        shutil.rmtree(leftover, ignore_errors=True)
    target.parent.mkdir(parents=True, exist_ok=True)
    try:
        model.export(str(temporary), verbose=False)
        if target.exists():
            os.replace(target, old)
        os.replace(temporary, target)
    finally:
        for leftover in (temporary, old):
            shutil.rmtree(leftover, ignore_errors=True)
    return target


def run_config(model: keras.Model) -> dict[str, Any]:
    """A zoo entry's constructor arguments as JSON values (``get_config()`` without Keras'
    name, trainable flag and dtype policy): runs with equal configs can share a backup."""
    config = {k: v for k, v in model.get_config().items() if k not in ("name", "trainable", "dtype")}
    return json.loads(json.dumps(config, default=str))


def _json_or_none(path: Path) -> Any:
    """The JSON value in ``path``, or ``None`` if it is not valid JSON (the caller names
    the file and the fix)."""
    try:
        return json.loads(path.read_text())
    except ValueError:
        return None


#: The values ``status`` takes in ``run.json``.
STATUSES = ("running", "finished", "diverged", "stopped")


def _whole(value: Any, least: int) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value >= least


def _number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _process_start(pid: int) -> str | None:
    """When process ``pid`` started (``/proc/PID/stat``'s field 22; ``None`` where there is
    no ``/proc``): a lock's pid reused by a later process is told apart by it."""
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[19]
    except (OSError, IndexError):
        return None


def _running(holder: dict[str, Any]) -> bool:
    """Whether the process of a lock of this host (``holder``) still runs."""
    pid = holder["pid"]
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # another user's process
        pass
    started = holder.get("started")
    return started is None or _process_start(pid) in (None, started)


class RunFolder:
    """The files of a training run of entry ``name`` under ``root`` (``keras-gan-zoo train``).

    ``run.json`` says what the folder holds: the entry and its config, the epochs asked for
    and done, the status (``running``, ``finished``, ``diverged`` or ``stopped``), so
    a re-run knows whether to resume, continue, finish its export, do nothing or refuse
    (`keras_gan_zoo.train`); the `ENTRIES` the run wrote (``files``: ``--overwrite`` removes
    these and nothing else), the SavedModel of a finished run (``export``: a run is finished
    once it exists) and, when the run is evaluated, the ``best`` epoch so far (kept in
    ``best.keras``, whose own note wins if a kill came between the two writes).
    A running run holds ``.run.lock`` (`lock`), so two runs never share a folder.
    """

    #: What a run may write into its folder (a run's record lists those it wrote).
    ENTRIES = ("samples", "loss_curves.png", "loss_curves.jsonl", "history.csv", "model.keras",
               "best.keras", "backup", "saved_model", "health.json", "tensorboard", "run.json")

    def __init__(self, root: str | os.PathLike, name: str) -> None:
        self.root, self.name = Path(root), name
        self.samples = self.root / "samples"                # sample grids, epoch_XXX.png
        self.loss_curves = self.root / "loss_curves.png"    # its data: loss_curves.jsonl
        self.history = self.root / "history.csv"            # a row of logs per epoch
        self.checkpoint = self.root / "model.keras"         # after the last finished epoch
        self.best = self.root / "best.keras"                # the best evaluated epoch (run.json)
        self.backup = self.root / "backup"                  # BackupAndRestore: a restart resumes
        self.saved_models = self.root / "saved_model" / name  # TF Serving's base path
        self.health = self.root / "health.json"             # the TrainingMonitor's diagnoses
        self.tensorboard = self.root / "tensorboard"        # TensorBoard's events files
        self.record = self.root / "run.json"                # what the folder holds
        self.lock_file = self.root / ".run.lock"            # held while a run writes

    @property
    def saved_model(self) -> Path:
        """The newest export, ``saved_model/<name>/<version>`` (version 1 before any)."""
        return self.saved_models / str(max(versions(self.saved_models), default=1))

    def run_files(self) -> list[str]:
        """The names of the `ENTRIES` (and temporary files) in the folder."""
        if not self.root.is_dir():
            return []
        return sorted(p.name for p in self.root.iterdir()
                      if p.name in self.ENTRIES or p.name.startswith(".tmp-"))

    # ------------------------------------------------------------ one run at a time
    @contextlib.contextmanager
    def lock(self) -> Iterator[None]:
        """Hold the folder for one run: ``.run.lock`` names this process (pid, host, since
        when); a second run gets a ValueError naming the holder. A lock left by a killed
        process of this host (its pid gone, or reused by a later process) is taken over.
        Released on exit; a folder this call created is removed again if left empty."""
        created = not self.root.exists()
        self.root.mkdir(parents=True, exist_ok=True)
        claim = {"pid": os.getpid(), "host": socket.gethostname(),
                 "since": datetime.now(timezone.utc).isoformat(timespec="seconds"),
                 "started": _process_start(os.getpid())}
        mine = self.lock_file.with_name(f"{self.lock_file.name}.{os.getpid()}")
        mine.write_text(json.dumps(claim))
        try:
            for _ in range(3):
                try:
                    os.link(mine, self.lock_file)  # atomic, and only if there is none
                    break
                except FileExistsError:
                    self._take_stale_lock()
            else:
                raise ValueError(f"{self.root} is in use by another run (its {self.lock_file} "
                                 "keeps coming back): choose another --output.")
        finally:
            mine.unlink()
        try:
            yield
        finally:
            with contextlib.suppress(OSError, ValueError):
                if json.loads(self.lock_file.read_text()).get("pid") == os.getpid():
                    self.lock_file.unlink()
            if created and not any(self.root.iterdir()):
                self.root.rmdir()

    def _take_stale_lock(self) -> None:
        """Remove ``.run.lock`` if its process is gone; else a ValueError naming it."""
        try:
            holder = json.loads(self.lock_file.read_text())
        except FileNotFoundError:
            return  # released meanwhile
        except ValueError:
            holder = None
        if not isinstance(holder, dict) or not _whole(holder.get("pid"), 1):
            raise ValueError(f"{self.lock_file} is unreadable, so whether a run is writing to "
                             f"{self.root} is unknown: if none is, remove {self.lock_file}.")
        who = (f"pid {holder['pid']} on {holder.get('host')}, since "
               f"{holder.get('since')}")
        if holder.get("host") != socket.gethostname():
            raise ValueError(f"{self.root} is in use by a run on another host ({who}): wait for "
                             f"it to end, or choose another --output; if that process is gone, "
                             f"remove {self.lock_file}.")
        if _running(holder):
            raise ValueError(f"{self.root} is in use by a running train ({who}): wait for it to "
                             "end, or choose another --output.")
        with contextlib.suppress(FileNotFoundError):
            self.lock_file.unlink()  # a killed run's lock

    # ---------------------------------------------------------- what the run wrote
    def written(self, record: dict[str, Any] | None) -> list[str]:
        """The `ENTRIES` that ``record`` (``run.json``) says its run wrote; a record of an
        earlier version (no ``files``) accounts for every entry in the folder."""
        if record is None:
            return []
        files = record.get("files")
        if files is None:
            return [name for name in self.run_files() if name in self.ENTRIES]
        return [name for name in files if name in self.ENTRIES]

    def check_claim(self, record: dict[str, Any] | None, entries: Iterable[str]) -> None:
        """Raise a ValueError if a run writing ``entries`` would write into files that no run
        record accounts for: any of the `ENTRIES` in a folder without ``run.json`` (a user's
        ``backup/``, ``samples/``, ... with ``--output .``), or one of ``entries`` that the
        folder's record does not list."""
        present = [name for name in self.run_files() if name in self.ENTRIES]
        if record is None:
            if present:
                shown = ", ".join(f"{n}/" if (self.root / n).is_dir() else n for n in present)
                raise ValueError(
                    f"{self.root} holds {shown} but no run record (run.json), so they are not "
                    "files of a keras-gan-zoo run (or of one too old to tell) and a run will not "
                    "write over them: choose a new --output (a new or empty folder).")
            return
        foreign = sorted(set(present) & set(entries) - set(self.written(record)))
        if foreign:
            raise ValueError(
                f"{self.root} holds {', '.join(foreign)}, which its run record (run.json, "
                "'files') does not list as its run's, so a run will not write over them: move "
                "them elsewhere, or choose a new --output.")

    def claim(self, entries: Iterable[str], **changes: Any) -> None:
        """Record (``files`` in ``run.json``) that this run writes ``entries`` too, with
        ``changes`` (the entry, config, ... of the run), before it writes any of them."""
        record = self.read_record(check=False)
        files = set(self.written(record)) | set(entries) | {self.record.name}
        self.write_record(files=[name for name in self.ENTRIES if name in files], **changes)

    def clear(self) -> None:
        """Remove the files the folder's run record says its run wrote (and their temporary
        files); anything else in the folder stays. Without a record, nothing is removed."""
        names = set(self.written(self.read_record(check=False)))
        for name in self.run_files():
            if name in names or name.startswith(".tmp-") and name[5:] in names:
                path = self.root / name
                if path.is_dir():
                    shutil.rmtree(path)
                else:
                    path.unlink()

    def check_writable(self) -> None:
        """Raise a ValueError naming the obstacle if the folder cannot be created or written."""
        if self.root.exists() and not self.root.is_dir():
            raise ValueError(f"The output {self.root} is a file, not a folder: choose a folder "
                             f"(default runs/{self.name}).")
        existing = self.root
        while not existing.exists():
            existing = existing.parent
        if not existing.is_dir():
            raise ValueError(f"Cannot create the output folder {self.root}: {existing} is a file.")
        if not os.access(existing, os.W_OK | os.X_OK):
            raise ValueError(f"Cannot write into the output folder {self.root}: {existing} is "
                             "not writable (permission denied); choose another folder.")

    # ------------------------------------------------------------------ the record
    def read_record(self, check: bool = True) -> dict[str, Any] | None:
        """``run.json`` as a dict, or ``None`` if there is none. A ValueError names the file,
        the field and the fix when it is not JSON or (``check``) a field is of the wrong
        type or the fields contradict each other (a hand edit)."""
        if not self.record.is_file():
            return None
        record = _json_or_none(self.record)
        if not isinstance(record, dict):
            raise ValueError(f"{self.record} is not readable JSON, so what this folder holds is "
                             "unknown: restore it, or choose a new --output.")
        files = record.get("files", [])
        problem = self._record_problem(record) if check else None
        if problem is None and not (isinstance(files, list)
                                    and all(isinstance(name, str) for name in files)):
            problem = f"files is {files!r}, not a list of file names"
        if problem is None:
            return record
        raise ValueError(f"{self.record}: {problem}. Correct it (as the run wrote it), pass "
                         "--overwrite to start afresh, or choose a new --output.")

    def _record_problem(self, record: dict[str, Any]) -> str | None:
        done, epochs, best = record.get("epochs_done"), record.get("epochs"), record.get("best")
        if not isinstance(record.get("entry"), str):
            return f"entry is {record.get('entry')!r}, not the name of a zoo entry"
        if not isinstance(record.get("config", {}), dict):
            return f"config is {record.get('config')!r}, not a mapping of the entry's config"
        if not _whole(done, 0):
            return f"epochs_done is {done!r}, not a whole number of at least 0"
        if epochs is not None and not _whole(epochs, 1):
            return f"epochs is {epochs!r}, not a whole number of at least 1"
        if record.get("status", "running") not in STATUSES:
            return f"status is {record.get('status')!r}, not one of {', '.join(STATUSES)}"
        if epochs is not None and done > epochs:
            return (f"epochs_done ({done}) is more than epochs ({epochs}), the epochs asked "
                    f"for; set epochs_done to the rows of {self.history.name}")
        if best is not None and not (isinstance(best, dict) and _whole(best.get("epoch"), 1)
                                     and all(_number(v) for k, v in best.items()
                                             if k not in ("epoch", "checkpoint", "extractor"))):
            return f"best is {best!r}, not {{\"epoch\": E, \"fid\": value, ...}}"
        if not isinstance(record.get("export", ""), str):
            return f"export is {record.get('export')!r}, not a folder name"
        return None

    def write_record(self, **changes: Any) -> None:
        """Update ``run.json`` with ``changes``, atomically (call it on the chief only)."""
        record = {"entry": self.name, "epochs_done": 0, **(self.read_record(check=False) or {}),
                  **changes}
        self.root.mkdir(parents=True, exist_ok=True)
        write_text(self.record, json.dumps(record, indent=2) + "\n")

    def exported(self, record: dict[str, Any]) -> bool:
        """Whether the export of ``record``'s finished run exists (``export``: its folder;
        a record of an earlier version, without it: any version under ``saved_model/``)."""
        if record.get("status") != "finished":
            return False
        if "export" not in record:
            return any((self.saved_models / str(v) / "saved_model.pb").is_file()
                       for v in versions(self.saved_models))
        return (self.root / record["export"] / "saved_model.pb").is_file()

    def finish(self, model: keras.Model, version: int | None = None) -> Path:
        """End a run whose epochs are all done: export ``model`` to the next free version of
        ``saved_model/<name>/`` (or ``version``), then record ``finished`` with the export
        (one write: a kill before it leaves the run to be finished by a re-run), then remove
        the backup. Returns the SavedModel's folder."""
        version = version or max(versions(self.saved_models), default=0) + 1
        exported = export_saved_model(model, self.saved_models / str(version))
        self.write_record(status="finished", export=f"saved_model/{self.name}/{version}")
        shutil.rmtree(self.backup, ignore_errors=True)
        return exported

    def read_best(self, repair: bool = True) -> dict[str, Any] | None:
        """The run's best evaluated epoch (``{"epoch": E, "fid": F, ...}``), or ``None``.

        ``best.keras`` is written first, with its epoch and value inside (`save_checkpoint`),
        then ``run.json``: where a kill came between the two, the checkpoint's own note wins
        (a warning says so) and, with ``repair`` (the chief), ``run.json`` is corrected."""
        record = self.read_record() or {}
        best = record.get("best")
        note = checkpoint_note(self.best) if self.best.is_file() else None
        if note is None or not _whole(note.get("epoch"), 1) or (
                best is not None and best.get("epoch") == note["epoch"]):
            return best
        best = {**note, "checkpoint": self.best.name}
        warnings.warn(f"{self.best} holds epoch {note['epoch']}'s model but {self.record.name} "
                      f"said {record.get('best')!r} (a kill came between their writes): "
                      f"{self.record.name} now follows {self.best.name}.", RuntimeWarning,
                      stacklevel=2)
        if repair:
            self.write_record(best=best)
        return best

    # -------------------------------------------------------------- the other files
    def check_files(self, repair: bool = True) -> None:
        """Read every file a re-run goes on from (``history.csv``, ``loss_curves.jsonl``,
        ``health.json``), so a hand edit or a damaged file is named before training starts:
        a ValueError names the file, the field and the fix; a line of ``loss_curves.jsonl``
        cut short by a kill is dropped with a warning (``repair``, the chief: from the file)."""
        self.read_history()
        read_loss_records(self.loss_curves.with_suffix(".jsonl"), repair=repair)
        self.read_health()

    def read_history(self) -> dict[str, list[float]]:
        """``history.csv`` as `keras.callbacks.History` keeps it (name -> a value per epoch);
        a ValueError names the row, the column and the value that is not a number."""
        if not self.history.is_file():
            return {}
        with open(self.history, newline="") as file:
            rows = list(csv.DictReader(file))
        names = [name for name in (rows[0] if rows else {}) if name is not None]
        values: dict[str, list[float]] = {name: [] for name in names if name != "epoch"}
        for number, row in enumerate(rows, start=2):
            for name in names:
                cell = row.get(name)
                try:
                    value = math.nan if cell in (None, "", "NA") else float(cell)
                except ValueError:
                    value = None
                if value is None or name == "epoch" and not (cell or "").isdigit():
                    raise ValueError(
                        f"{self.history}, line {number}: {name} is {cell!r}, not "
                        f"{'an epoch number' if name == 'epoch' else 'a number'}; correct it "
                        "(the run's value: see TensorBoard or loss_curves.jsonl), or pass "
                        "--overwrite to start afresh.")
                if name != "epoch":
                    values[name].append(value)
        return values

    def latest_samples(self) -> Path | None:
        """The last epoch's sample grid, ``samples/epoch_XXX.png`` (``None`` before any)."""
        grids = [(int(p.stem.split("_")[1]), p) for p in self.samples.glob("epoch_*.png")
                 if p.stem.split("_")[1].isdigit()]
        return max(grids)[1] if grids else None

    def read_health(self) -> list[dict[str, Any]] | None:
        """The monitor's diagnoses (``health.json``), or ``None`` for an unwatched run; a
        ValueError names the entry and field that are not what the monitor writes."""
        if not self.health.is_file():
            return None
        records = _json_or_none(self.health)
        fix = ("restore it, or remove it (the diagnoses so far are lost; the monitor starts "
               "a new list)")
        if not isinstance(records, list):
            raise ValueError(f"{self.health} is not a JSON list of diagnoses (the "
                             f"TrainingMonitor writes it): {fix}.")
        for number, record in enumerate(records, start=1):
            if not isinstance(record, dict):
                problem = f"is {record!r}, not a diagnosis"
            elif not isinstance(record.get("name"), str):
                problem = f"has name {record.get('name')!r}, not a diagnosis name"
            elif not _whole(record.get("epoch"), 0):
                problem = f"has epoch {record.get('epoch')!r}, not an epoch number"
            else:
                continue
            raise ValueError(f"{self.health}: diagnosis {number} {problem}: {fix}.")
        return records

    def first_diagnoses(self) -> dict[str, int] | None:
        """Each diagnosis of ``health.json`` with the epoch it was first named (``None``:
        an unwatched run)."""
        records = self.read_health()
        if records is None:
            return None
        first: dict[str, int] = {}
        for record in records:
            first.setdefault(record["name"], record["epoch"])
        return first

    def picture_files(self) -> tuple[Path, Path]:
        """``(loss_curves.png, the latest sample grid)``; a ValueError names the missing one
        and how to make the run."""
        latest = self.latest_samples()
        if not self.root.is_dir():
            problem = "it does not exist"
        elif not self.loss_curves.is_file():
            problem = f"it has no {self.loss_curves.name}"
        elif latest is None:
            problem = f"it has no sample grid {self.samples.name}/epoch_*.png"
        else:
            return self.loss_curves, latest
        raise ValueError(f"{self.root} is not a run folder: {problem}; make a run with "
                         f"'keras-gan-zoo train NAME --output {self.root}'.")

    def __repr__(self) -> str:
        return f"RunFolder({str(self.root)!r}, {self.name!r})"


class SampleGrid(keras.callbacks.Callback):
    """Write the model's sample grid (from fixed noise) to ``directory/epoch_XXX.png``.

    Uses the entry's own ``sample_grid`` (a class per row for CGAN, pairs for
    CoupledGAN, an example per row for pix2pix, ...; ``num_samples=None``: the entry's
    default), so progress on the same noise can be compared across epochs.
    """

    def __init__(self, directory: str | os.PathLike, num_samples: int | None = None, seed: int = 0,
                 every: int = 1) -> None:
        super().__init__()
        self.directory = Path(directory)
        self.num_samples, self.seed, self.every = num_samples, seed, max(1, int(every))
        self.last_path: Path | None = None

    def on_epoch_end(self, epoch: int, logs: dict[str, Any] | None = None) -> None:
        if (epoch + 1) % self.every or not is_chief(self.model.distribute_strategy):
            return
        path = self.directory / f"epoch_{epoch + 1:03d}.png"
        path.parent.mkdir(parents=True, exist_ok=True)
        with replacing(path) as temporary:  # a kill keeps the previous grid or the new one
            save_sample_grid(self.model, temporary, self.num_samples, self.seed)
        self.last_path = path


class LossPlot(keras.callbacks.Callback):
    """Plot every logged loss/metric of every training step to ``path`` after each epoch
    (so a crash loses nothing already trained): each step's own value, recovered from the
    running epoch means Keras logs (`step_logs.StepValues`: no sawtooth restarting every
    epoch), with a moving average over it, against the global step (`plotting.save_loss_curves`).

    The values also go to ``path`` with the suffix ``.jsonl``, a line per epoch
    (``{"epoch": E, "steps": [...], "values": {name: [...]}, "means": {name: ...}}``,
    ``epoch`` counted from 0, ``steps`` the global steps): a new `LossPlot` whose first
    epoch is ``E`` (a resumed or continued run) starts from the epochs before ``E`` found
    there, so the plot covers the whole run.
    """

    def __init__(self, path: str | os.PathLike, title: str = "") -> None:
        super().__init__()
        self.path, self.title = Path(path), title
        self.data_path = self.path.with_suffix(".jsonl")
        self.steps: list[int] = []                                  # global step of each value
        self.values: dict[str, list[float]] = defaultdict(list)     # name -> a value per step
        self.epoch_ends: list[int] = []                             # the step each epoch ended at
        self._recovery = StepValues()
        self._epoch_steps: list[int] = []
        self._epoch_values: dict[str, list[float]] = defaultdict(list)
        self._resume = False

    def on_train_begin(self, logs: dict[str, Any] | None = None) -> None:
        self._recovery.start(self.model)
        self._resume = not self.epoch_ends  # a new plot: take what earlier sessions wrote

    def on_epoch_begin(self, epoch: int, logs: dict[str, Any] | None = None) -> None:
        self._recovery.start_epoch()
        self._epoch_steps, self._epoch_values = [], defaultdict(list)
        if self._resume:
            self._resume = False
            self._load_epochs_before(epoch)

    def _load_epochs_before(self, epoch: int) -> None:
        if not self.data_path.is_file():
            return
        kept = []
        for line, record in read_loss_records(self.data_path):
            if record["epoch"] < epoch:
                kept.append(line)
                self._add(*_step_record(record, self.steps[-1] if self.steps else 0))
        if is_chief(self.model.distribute_strategy):
            write_text(self.data_path, "".join(f"{line}\n" for line in kept))

    def _add(self, steps: list[int], values: dict[str, list[float]]) -> None:
        self.steps.extend(steps)
        for name, series in values.items():
            self.values[name].extend(series)
        if steps:
            self.epoch_ends.append(steps[-1])

    def on_train_batch_end(self, batch: int, logs: dict[str, Any] | None = None) -> None:
        _, values = self._recovery.update(batch, logs)
        self._epoch_steps.append(self._recovery.step)
        for name, value in values.items():
            self._epoch_values[name].append(value)

    def on_epoch_end(self, epoch: int, logs: dict[str, Any] | None = None) -> None:
        self._add(self._epoch_steps, self._epoch_values)
        if is_chief(self.model.distribute_strategy):
            means = {name: float(logs[name]) for name in self._epoch_values if name in (logs or {})}
            self.data_path.parent.mkdir(parents=True, exist_ok=True)
            with open(self.data_path, "a") as file:
                record = {"epoch": epoch, "steps": self._epoch_steps,
                          "values": self._epoch_values, "means": means}
                file.write(json.dumps(record) + "\n")
            save_loss_curves(self.steps, self.values, self.path, self.title, self.epoch_ends)


def _loss_record_problem(record: Any) -> str | None:
    """What is wrong with a line of ``loss_curves.jsonl`` (``None``: nothing)."""
    if not isinstance(record, dict) or not _whole(record.get("epoch"), 0):
        shown = record.get("epoch") if isinstance(record, dict) else record
        return f"epoch is {shown!r}, not an epoch number"
    if "values" in record:
        steps, values = record.get("steps"), record["values"]
        if not isinstance(steps, list) or not all(_whole(step, 0) for step in steps):
            return f"steps is {steps!r}, not a list of step numbers"
        named = "values"
    else:
        values, named = record.get("batches", {}), "batches"
    if not isinstance(values, dict) or not all(
            isinstance(series, list) and all(_number(v) for v in series)
            for series in values.values()):
        return f"{named} is not a mapping of names to lists of numbers"
    return None


def read_loss_records(path: str | os.PathLike, repair: bool = False
                      ) -> list[tuple[str, dict[str, Any]]]:
    """The lines of a `LossPlot`'s ``loss_curves.jsonl``, each with its record. A last line
    cut short by a kill is dropped with a warning (``repair``: and the file rewritten
    without it); any other line that is not what `LossPlot` writes is a ValueError naming
    the file, the line, the field and the fix."""
    path = Path(path)
    if not path.is_file():
        return []
    lines = path.read_text().splitlines()
    kept = []
    for number, line in enumerate(lines, start=1):
        try:
            record = json.loads(line)
        except ValueError:
            if number < len(lines):
                raise ValueError(f"{path}, line {number}: not JSON (a hand edit?); correct or "
                                 "delete that line (the loss plot loses that epoch).") from None
            warnings.warn(f"{path}, line {number}: cut short (a kill during its write); "
                          "dropped it, the loss plot goes on without it.", RuntimeWarning,
                          stacklevel=2)
            if repair:
                write_text(path, "".join(f"{kept_line}\n" for kept_line, _ in kept))
            break
        problem = _loss_record_problem(record)
        if problem is not None:
            raise ValueError(f"{path}, line {number}: {problem}; correct or delete that line "
                             "(the loss plot loses that epoch), or pass --overwrite to start "
                             "afresh.")
        kept.append((line, record))
    return kept


def _step_record(record: dict[str, Any], last_step: int
                 ) -> tuple[list[int], dict[str, list[float]]]:
    """``(steps, values)`` of a line of ``loss_curves.jsonl``; a line of an older version
    (``batches``: Keras' running means, one per step) is converted to each step's values."""
    if "values" in record:
        return list(record["steps"]), record["values"]
    recovery, steps, values = StepValues(), [], defaultdict(list)
    recovery.step = last_step
    batches = record.get("batches", {})
    for batch in range(max(map(len, batches.values()), default=0)):
        _, step_values = recovery.update(batch, {name: series[batch] for name, series in
                                                 batches.items() if batch < len(series)})
        steps.append(recovery.step)
        for name, value in step_values.items():
            values[name].append(value)
    return steps, values


class HistoryCSV(keras.callbacks.Callback):
    """``path``: a row of epoch logs per epoch (``epoch``, then the names), as
    `keras.callbacks.CSVLogger` writes it; rewritten atomically by the chief each epoch.

    Rows of this epoch or later (left by an interrupted session that is being resumed) are
    replaced, so the epoch column counts up through resumes and continuations. Columns
    that hold no value (the ``val_*`` columns of ``NA`` that `keras.callbacks.CSVLogger`
    adds for a run without validation data, in folders of earlier versions) are dropped.
    """

    def __init__(self, path: str | os.PathLike) -> None:
        super().__init__()
        self.path = Path(path)

    def on_epoch_end(self, epoch: int, logs: dict[str, Any] | None = None) -> None:
        if not is_chief(self.model.distribute_strategy):
            return
        fields, rows = ["epoch"], []
        if self.path.is_file():
            with open(self.path, newline="") as file:
                reader = csv.DictReader(file)
                fields = list(reader.fieldnames or fields)
                rows = [row for row in reader
                        if (row.get("epoch") or "").isdigit() and int(row["epoch"]) < epoch]
        logs = {name: float(value) for name, value in (logs or {}).items()}
        fields = [name for name in fields if name == "epoch" or name in logs
                  or any(row.get(name) not in (None, "", "NA") for row in rows)]
        fields += [name for name in sorted(logs) if name not in fields]
        with replacing(self.path) as temporary:
            with open(temporary, "w", newline="") as file:
                writer = csv.DictWriter(file, fields, restval="", extrasaction="ignore")
                writer.writeheader()
                writer.writerows([*rows, {"epoch": epoch, **logs}])


class Checkpoint(keras.callbacks.Callback):
    """``model.save(path)`` (a ``.keras`` file) after every epoch, by the chief, atomically
    and with the epoch it holds inside (`save_checkpoint`): a kill during the write leaves
    the previous checkpoint."""

    def __init__(self, path: str | os.PathLike) -> None:
        super().__init__()
        self.path = Path(path)

    def on_epoch_end(self, epoch: int, logs: dict[str, Any] | None = None) -> None:
        if is_chief(self.model.distribute_strategy):
            save_checkpoint(self.model, self.path, {"epoch": epoch + 1})


class RunRecord(keras.callbacks.Callback):
    """Keep a `RunFolder`'s ``run.json`` (the chief only): the entry, its config and the
    epochs asked for at the start, the epochs done after each epoch, ``finished`` at the end
    (``finish=False``: left to the `ServingExport` of the folder, which records it with
    the export). With ``evaluation`` (a `metrics.EvaluationCallback` listed before it), also
    its best epoch so far: ``"best": {"epoch": E, "fid": value, "checkpoint": "best.keras"}``.
    ``extra``: more of what the run is, written at the start (`keras_gan_zoo.train`: its
    recipe, dataset and split, and the preset it was fine-tuned from)."""

    def __init__(self, folder: RunFolder, evaluation: Any = None,
                 extra: Mapping[str, Any] | None = None, finish: bool = True) -> None:
        super().__init__()
        self.folder, self.evaluation, self.extra = folder, evaluation, dict(extra or {})
        self.finish = finish

    def _write(self, **changes: Any) -> None:
        if is_chief(self.model.distribute_strategy):
            self.folder.write_record(**changes)

    def on_train_begin(self, logs: dict[str, Any] | None = None) -> None:
        self._write(entry=getattr(self.model, "zoo_name", type(self.model).__name__),
                    config=run_config(self.model), epochs=self.params.get("epochs"),
                    status="running", **self.extra)

    def on_epoch_end(self, epoch: int, logs: dict[str, Any] | None = None) -> None:
        best = self.evaluation
        if best is not None and best.best_epoch == epoch + 1 and best.best_checkpoint is not None:
            self._write(epochs_done=epoch + 1, best={"epoch": epoch + 1, best.monitor: best.best,
                                                     "checkpoint": best.best_checkpoint.name,
                                                     **best.protocol()})
        else:
            self._write(epochs_done=epoch + 1)

    def on_train_end(self, logs: dict[str, Any] | None = None) -> None:
        if self.finish:
            self._write(status="finished")


def backup_epoch(backup_dir: str | os.PathLike) -> int | None:
    """The epoch a `BackupAndRestore` backup in ``backup_dir`` resumes from; ``None`` if there
    is no backup. A ValueError names the file when one of its two files is missing or
    ``training_metadata.json`` is unreadable."""
    backup_dir = Path(backup_dir)
    weights, metadata = backup_dir / "latest.weights.h5", backup_dir / "training_metadata.json"
    if not weights.exists() and not metadata.exists():
        return None
    if not weights.exists():
        raise ValueError(f"The backup's weights {weights} are missing.")
    if not metadata.exists():
        raise ValueError(f"The backup's {metadata} is missing, so the epoch to resume from is unknown.")
    try:
        epoch = json.loads(metadata.read_text())["epoch"]
    except (ValueError, KeyError, TypeError):
        epoch = None
    if not _whole(epoch, 0):
        raise ValueError(f"The backup's {metadata} is unreadable (no epoch in it), so the epoch "
                         "to resume from is unknown.")
    return epoch


def load_state(model: keras.Model, path: str | os.PathLike) -> None:
    """``model.load_weights(path)`` (a ``.keras`` or ``.weights.h5`` file: weights and optimizer
    state); a ValueError names ``path`` when it is not a readable file of this model."""
    try:
        model.load_weights(str(path))
    except (OSError, ValueError, KeyError, EOFError, zipfile.BadZipFile) as error:
        detail = " ".join(str(error).split())[:160]
        raise ValueError(f"{path} is not a readable Keras file of this model (truncated, corrupt "
                         f"or of another model; {type(error).__name__}: {detail}).") from None


class BackupAndRestore(keras.callbacks.BackupAndRestore):
    """`keras.callbacks.BackupAndRestore` for any strategy: every worker restores the
    last backup when training starts (run the same command again after a crash), and
    only the chief writes it and deletes it at the end. On a cluster, ``backup_dir`` must
    be shared storage. Writes are atomic (a kill during one leaves the previous backup)
    and an unreadable backup is named. ``restore=False`` only writes (`keras_gan_zoo.train`
    restores a run itself)."""

    def __init__(self, backup_dir: str | os.PathLike, save_freq: str | int = "epoch",
                 restore: bool = True) -> None:
        super().__init__(os.fspath(backup_dir), save_freq=save_freq)
        self.restore = restore

    def on_train_begin(self, logs: dict[str, Any] | None = None) -> None:
        if not self.restore:
            return
        try:
            epoch = backup_epoch(self.backup_dir)
            if epoch is not None:
                load_state(self.model, self._weights_path)
                self.model._initial_epoch = epoch  # where Keras' fit starts, as Keras' own callback sets it
        except ValueError as error:
            raise ValueError(f"{error} Delete {self.backup_dir} to train afresh.") from None

    def _save_model(self) -> None:
        if not is_chief(self.model.distribute_strategy):
            return
        os.makedirs(self.backup_dir, exist_ok=True)
        with replacing(self._weights_path) as temporary:
            self.model.save_weights(str(temporary), overwrite=True)
        write_text(self._training_metadata_path,
                   json.dumps({"epoch": self._current_epoch, "batch": self._last_batch_seen}))

    def on_train_end(self, logs: dict[str, Any] | None = None) -> None:
        if is_chief(self.model.distribute_strategy):
            super().on_train_end(logs)


class ServingExport(keras.callbacks.Callback):
    """Export a SavedModel at the end of training into TF Serving's ``<base>/<name>/<version>``
    layout: the next free version (or ``version``), never over an existing export. A run
    stopped by `TrainingFailed` does not reach the end, so it is not exported. With
    ``folder`` (a `RunFolder`; ``directory`` is then its ``saved_models``), the run is
    recorded ``finished`` once its export exists and its backup removed (`RunFolder.finish`)."""

    def __init__(self, directory: str | os.PathLike, version: int | None = None,
                 folder: RunFolder | None = None) -> None:
        super().__init__()
        self.directory = Path(directory)
        self.version = None if version is None else int(version)
        self.folder = folder
        self.exported_to: Path | None = None

    def on_train_end(self, logs: dict[str, Any] | None = None) -> None:
        if not is_chief(self.model.distribute_strategy):
            return
        if self.folder is not None:
            self.exported_to = self.folder.finish(self.model, self.version)
            return
        version = self.version or max(versions(self.directory), default=0) + 1
        self.exported_to = export_saved_model(self.model, self.directory / str(version))


class ChiefOnly(keras.callbacks.Callback):
    """Run ``callback`` on the chief only (for callbacks that write files, such as
    `keras.callbacks.ModelCheckpoint` or `CSVLogger`, under a multi-worker strategy)."""

    def __init__(self, callback: keras.callbacks.Callback) -> None:
        super().__init__()
        self.callback = callback
        for hook in ("on_train_begin", "on_train_end", "on_epoch_begin", "on_epoch_end",
                     "on_train_batch_begin", "on_train_batch_end"):
            setattr(self, hook, self._forward(hook))

    def _forward(self, hook: str):
        def forward(*args: Any, **kwargs: Any) -> None:
            if is_chief(self.model.distribute_strategy):
                getattr(self.callback, hook)(*args, **kwargs)
        return forward

    def set_model(self, model: keras.Model) -> None:
        super().set_model(model)
        self.callback.set_model(model)

    def set_params(self, params: dict[str, Any]) -> None:
        super().set_params(params)
        self.callback.set_params(params)


def chief_callbacks(directory: str | os.PathLike, name: str, restore: bool = True,
                    evaluation: Any = None, record: Mapping[str, Any] | None = None
                    ) -> list[keras.callbacks.Callback]:
    """The callbacks `keras-gan-zoo train` uses to keep a run safe, written by the chief only
    into `RunFolder` ``(directory, name)``: ``history.csv``, ``model.keras`` and ``run.json``
    (with ``evaluation``'s best epoch, see `RunRecord`) every epoch, ``backup/`` (resume
    after a crash; ``restore`` as in `BackupAndRestore`) and, at the end, a SavedModel in
    the next free version of ``saved_model/<name>/``. The run is recorded ``finished``
    only once that export exists, and the backup removed after that, so a kill during the
    export leaves a run that a re-run finishes (`RunFolder.finish`); ``record``:
    `RunRecord`'s ``extra``."""
    folder = RunFolder(directory, name)
    if is_chief():
        folder.root.mkdir(parents=True, exist_ok=True)
    return [
        HistoryCSV(folder.history),
        Checkpoint(folder.checkpoint),
        RunRecord(folder, evaluation, record, finish=False),
        ServingExport(folder.saved_models, folder=folder),
        BackupAndRestore(folder.backup, restore=restore),
    ]


