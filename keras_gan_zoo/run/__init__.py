"""The run wing: what a training run of ``keras-gan-zoo train`` is made of.

- `plan`: the command line's options as one `Recipe` (what to train, on what, how long).
- `runner`: `train`, the run as its steps (build, where to start, data, callbacks, fit, report).
- `folder`: `RunFolder`, the run's files, its record, its lock and where a re-run starts.
- `writers`: the callbacks that write the folder (grids, loss curves, history, checkpoints,
  backup, record); `export`: the SavedModel; `tensorboard`: the events files.

Nothing here is imported on ``import keras_gan_zoo.run``, so that the monitor and the
model side can use the folder without loading the runner.
"""
