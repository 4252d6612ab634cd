"""`RunFolder`: the files of a training run, its record (``run.json``), its lock, and where
a re-run starts (`resume_point`: afresh, from its backup, from its checkpoint, or nothing
to do).

Every file a run resumes from is written under a temporary name and renamed into place
(`files.replacing`): a run killed at any moment leaves the previous file or the new one.
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
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Iterable, Iterator, Mapping

import keras

from keras_gan_zoo import inputs
from keras_gan_zoo.distribute import is_chief, model_strategy
from keras_gan_zoo.files import checkpoint_note, write_text
from keras_gan_zoo.registry import entry_name
from keras_gan_zoo.run.export import export_saved_model, next_version, versions


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
        version = version or next_version(self.saved_models)
        exported = export_saved_model(model, self.saved_models / str(version))
        self.write_record(status="finished", export=exported.relative_to(self.root).as_posix())
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

    def start_health(self) -> None:
        """An empty list of diagnoses in ``health.json`` (a watched run), unless it has one."""
        if not self.health.exists():
            self.root.mkdir(parents=True, exist_ok=True)
            write_text(self.health, "[]\n")

    def add_diagnosis(self, record: Mapping[str, Any]) -> None:
        """Append a `monitor.Diagnosis` (as a dict) to ``health.json``, atomically: a kill
        during the write keeps the previous list."""
        records = [*(self.read_health() or []), dict(record)]
        self.root.mkdir(parents=True, exist_ok=True)
        write_text(self.health, json.dumps(records, indent=2) + "\n")

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
    except inputs.UNREADABLE_KERAS_FILE as error:
        raise inputs.unreadable_keras_file(str(path), error, other_model=True) from None


def check_same_run(record: Mapping[str, Any], model: keras.Model, folder: RunFolder) -> None:
    """Raise a ValueError with the fix if ``folder``'s run (``record``) is of another entry or
    config than ``model``."""
    entry, config = entry_name(model), run_config(model)
    before = record.get("config") or {}
    if record.get("entry") == entry and before == config:
        return
    if record.get("entry") != entry:
        difference = f"of {record.get('entry')!r}, not {entry!r}"
    else:
        keys = sorted(k for k in set(before) | set(config) if before.get(k) != config.get(k))
        changes = "; ".join(f"{k}: {before.get(k)!r} there, {config.get(k)!r} now" for k in keys)
        difference = f"of {entry!r} with another config ({changes})"
    what = "the backup/ of an unfinished run" if any(folder.backup.glob("*")) else "a run"
    raise ValueError(f"{folder.root} holds {what} {difference}. Pass --overwrite "
                     "(overwrite=True) to start afresh there, or choose a new --output.")


def run_entries(monitor: bool, tensorboard: bool, best: bool) -> list[str]:
    """The `RunFolder.ENTRIES` a `train` run writes: with ``monitor`` ``health.json``, with
    ``tensorboard`` ``tensorboard/``, with ``best`` (evaluated by FID) ``best.keras``."""
    optional = {"health.json": monitor, "tensorboard": tensorboard, "best.keras": best}
    return [name for name in RunFolder.ENTRIES if optional.get(name, True)]


def resume_point(model: keras.Model, folder: RunFolder, epochs: int,
                 overwrite: bool = False, entries: Iterable[str] = RunFolder.ENTRIES
                 ) -> int | None:
    """Where a run of ``model`` in ``folder`` starts: 0 (afresh), or the epoch it resumes
    from (its backup) or continues from (its checkpoint, ``model.keras``), whose weights
    and optimizer state are loaded into ``model``; ``None`` if it already finished
    ``epochs`` epochs. A start of ``epochs`` or more with the run's planned epochs done but
    its export missing is for `train` to finish (`RunFolder.finish`). Raises a ValueError
    naming the file and the fix when the folder holds another run, files that no run record
    accounts for (a run writing ``entries`` would write over them), or nothing readable to
    go on from."""
    record = folder.read_record(check=not overwrite)
    folder.check_claim(record, entries)
    if overwrite or record is None:
        return 0
    check_same_run(record, model, folder)
    folder.check_files(repair=is_chief(model_strategy(model)))
    done = record["epochs_done"]
    if record.get("status") == "finished" and epochs <= done:
        return None if folder.exported(record) else _load_checkpoint(model, folder, done)
    try:
        epoch = _restore_backup(model, folder, done)
    except ValueError as error:
        if not done or not folder.checkpoint.is_file():
            raise ValueError(f"{error} Pass --overwrite (overwrite=True) to start afresh.") from None
        warnings.warn(f"{error} Continuing from {folder.checkpoint} (epoch {done}) instead.",
                      RuntimeWarning, stacklevel=2)
        epoch = None
    if epoch is not None:
        return epoch
    return _load_checkpoint(model, folder, done) if done else 0


def _load_checkpoint(model: keras.Model, folder: RunFolder, done: int) -> int:
    """Load ``model.keras`` into ``model``; the epoch it holds: its own note where that is
    one epoch past the record's ``done`` (a kill came between the two writes), else ``done``."""
    try:
        load_state(model, folder.checkpoint)
    except ValueError as error:
        raise ValueError(f"{error} It holds the run's {done} finished epoch(s); pass "
                         "--overwrite (overwrite=True) to start afresh.") from None
    held = (checkpoint_note(folder.checkpoint) or {}).get("epoch")
    return held if held == done + 1 else done


def _restore_backup(model: keras.Model, folder: RunFolder, done: int) -> int | None:
    """Load the backup into ``model`` and return its epoch (``None``: no backup). Its
    ``epoch`` must be the record's ``done`` or one less (a kill between the two writes),
    else a ValueError names the file and the field."""
    epoch = backup_epoch(folder.backup)
    if epoch is not None and not done - 1 <= epoch <= done:
        raise ValueError(f"The backup's {folder.backup / 'training_metadata.json'} says epoch "
                         f"{epoch}, but {folder.record.name} says {done} finished epoch(s) "
                         "(epochs_done), so the backup is not this run's last state.")
    if epoch is not None:
        load_state(model, folder.backup / "latest.weights.h5")
    return epoch
