"""The zoo's Keras callbacks, by the names users import: sample grids, loss curves,
history, atomic checkpoints and backups, versioned exports, the divergence guard,
`LinearDecay`, and `RunFolder`, where a training run keeps them.

They live where they belong: the run's folder and writers in `keras_gan_zoo.run`
(`run.folder`, `run.writers`, `run.export`, `run.tensorboard`), the guard in
`keras_gan_zoo.guards`, schedules in `keras_gan_zoo.schedules` and atomic file writing in
`keras_gan_zoo.files`; this module only names them together.
"""

from keras_gan_zoo.files import NOTE, checkpoint_note, replacing, save_checkpoint, write_text
from keras_gan_zoo.guards import Diverged, StopOnNonFinite, TrainingFailed, guard_divergence
from keras_gan_zoo.run.export import ServingExport, export_saved_model, versions
from keras_gan_zoo.run.folder import (STATUSES, RunFolder, backup_epoch, load_state,
                                      read_loss_records, run_config)
from keras_gan_zoo.run.tensorboard import TensorBoardLog
from keras_gan_zoo.run.writers import (BackupAndRestore, Checkpoint, HistoryCSV,
                                       LossPlot, RunRecord, SampleGrid, chief_callbacks)
from keras_gan_zoo.schedules import LinearDecay

__all__ = [
    "NOTE", "STATUSES", "BackupAndRestore", "Checkpoint", "Diverged", "HistoryCSV",
    "LinearDecay", "LossPlot", "RunFolder", "RunRecord", "SampleGrid", "ServingExport",
    "StopOnNonFinite", "TensorBoardLog", "TrainingFailed", "backup_epoch", "checkpoint_note",
    "chief_callbacks", "export_saved_model", "guard_divergence", "load_state",
    "read_loss_records", "replacing", "run_config", "save_checkpoint", "versions", "write_text",
]
