"""Training speed of every entry on each Keras backend: `fit()` against a plain compiled loop.

For each entry, its offline recipe's networks (``<entry>_digits``, at the recipe's image size)
train on one in-memory batch, repeated; per backend (TensorFlow, JAX, each in a process of its
own):

* ``fit``: `model.fit` over ``--steps`` batches, with the zoo's default callbacks (the
  divergence guard) and no progress bar;
* ``loop``: the same ``train_step`` in a bare compiled loop (``tf.function`` on TensorFlow;
  on JAX, `jax.jit` of the stateless step with the state donated, as `fit` does), reading
  the same dataset as `fit`, a batch per step, the way keras.io's "Writing a training loop
  from scratch" guides do (on JAX, each batch as NumPy arrays). Also printed: the loop over
  one batch converted once (on the device, where there is one), which leaves out the cost
  of reading data that `fit` cannot avoid.

`fit` reads the batch from a ``tf.data`` dataset; where TensorFlow is not installed (a JAX
machine), from a `keras.utils.PyDataset` of the NumPy batch (the JAX half runs there too:
``KERAS_BACKEND=jax python benchmarks/backends.py --backends jax``).

Each run trains ``--steps`` steps, or more where those would take less than ``--min-seconds``
(estimated from the warm-up): the MLP GAN's 20 steps take 0.13 s, in which the machine's other
work moved its ``fit/loop`` between 0.88 and 0.97 from run to run.

Images/second count the examples of each dataset batch (``--batch-size`` x ``d_steps``), timed
from the second step (execution) to the state back in the variables: the first step's one-off
work (creating the dataset's iterator; `fit`'s check of the first batch's range) is left out
of these and of ``fit/loop``, and kept in the ratio "from the first step". Each is the best of
``--repeats`` alternating runs (fit, loop, loop on one batch, fit ...), after one warm-up
run each (compilation). ``fit/loop`` is the median over the repeats of each pair's ratio
(a fit run against the loop run right after it), not the ratio of the two bests: on a machine
shared with other jobs, the best fit and the best loop can come from differently loaded
moments. (DCGAN's bests once gave fit/loop 1.64 on both backends; fit and the loop run the
same step the same number of times, advance the same step counter, and spent the same CPU
time, 1.58 s for 20 JAX steps, in 1.52 s and 0.92 s of wall time: the machine's load, not
the step.) Goal: ``fit`` within 5% of the loop (``fit/loop`` >= 0.95).

    python benchmarks/backends.py [--entries dcgan cgan] [--backends tensorflow jax]
                                  [--batch-size 64] [--steps 30] [--min-seconds 1]
                                  [--repeats 3]
                                  [--mixed-precision bfloat16] [--steps-per-execution 1]
"""

from __future__ import annotations

import argparse
import json
import math
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
ENTRIES = ("gan", "dcgan", "cgan", "infogan", "coupledgan", "ebgan", "pix2pix", "cyclegan")


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--entries", nargs="+", default=list(ENTRIES), choices=ENTRIES)
    parser.add_argument("--backends", nargs="+", default=["tensorflow", "jax"],
                        choices=["tensorflow", "jax"])
    parser.add_argument("--batch-size", type=int, default=64)
    parser.add_argument("--steps", type=int, default=30,
                        help="steps a run, at least (see --min-seconds)")
    parser.add_argument("--min-seconds", type=float, default=1.0,
                        help="more steps for an entry whose --steps take less than this many "
                             "seconds (estimated from its warm-up): short runs measure the "
                             "machine's moments more than the step")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--mixed-precision", default="off", choices=["off", "bfloat16"])
    parser.add_argument("--steps-per-execution", type=int, default=1,
                        help="fit's steps per compiled call (keras.Model.compile's option): "
                             "Keras' per-step work in fit (reading the dataset, callbacks) "
                             "once per this many steps")
    parser.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    return parser.parse_args(argv)


# ---------------------------------------------------------------- one backend (worker)
def _fit_seconds(model: Any, dataset: Any) -> tuple[float, float]:
    """The seconds of `fit` over ``dataset``: from its first step's start, and from its second
    step's (execution's) start, both to its end (the state back in the variables)."""
    import keras

    class Timer(keras.callbacks.Callback):
        async_safe = True  # reads no logs: fit need not wait for each step's (JAX)
        batches = 0
        starts: list[float]

        def on_train_begin(self, logs: Any = None) -> None:
            self.starts = []

        def on_train_batch_begin(self, batch: int, logs: Any = None) -> None:
            self.starts.append(time.perf_counter())

        def on_train_batch_end(self, batch: int, logs: Any = None) -> None:
            self.batches = max(self.batches, batch + 1)

        def on_train_end(self, logs: Any = None) -> None:
            self.end = time.perf_counter()

    timer = Timer()
    model.fit(dataset, epochs=1, verbose=0, callbacks=[timer])
    if timer.batches != len(dataset):  # fit stopped early: its time is not `steps` steps'
        raise RuntimeError(f"fit ran {timer.batches} of {len(dataset)} steps")
    return timer.end - timer.starts[0], timer.end - timer.starts[1]


def _repeated(batch: Any, steps: int) -> Any:
    """``steps`` times ``batch``, as `fit` reads it: a `tf.data.Dataset`, or without
    TensorFlow a `keras.utils.PyDataset`."""
    import keras

    from keras_gan_zoo.tensorflow_import import optional_tensorflow

    tf = optional_tensorflow()
    if tf is None:
        element = batch if isinstance(batch, tuple) else (batch,)  # (x,) or (x, y)

        class Repeated(keras.utils.PyDataset):
            def __len__(self) -> int:
                return steps

            def __getitem__(self, index: int) -> Any:
                return element

        return Repeated()
    return tf.data.Dataset.from_tensors(batch).repeat(steps)


def _batches(dataset: Any) -> Any:
    """The batches of ``dataset`` (`_repeated`) as a hand-written loop reads them: the
    `tf.data` elements themselves on TensorFlow; on JAX, NumPy arrays (keras.io's "Writing a
    training loop from scratch in JAX"), from ``as_numpy_iterator`` or the `PyDataset`."""
    import keras

    if keras.backend.backend() == "tensorflow":
        return iter(dataset)
    if isinstance(dataset, keras.utils.PyDataset):
        return (dataset[index] for index in range(len(dataset)))
    return dataset.as_numpy_iterator()


def _loop(model: Any, batch: Any) -> Any:
    """A function ``run(steps, resident=False)`` running ``steps`` steps of
    ``model.train_step`` in a bare compiled loop (compiled once for both kinds of run) and
    returning the seconds it took from its first step's start and from its second's (as
    `_fit_seconds`): over the batches of the dataset `fit` reads (`_repeated`, `_batches`), or
    with ``resident`` over ``batch`` alone, converted once (on the device, where there is one)."""
    import keras

    def batches(steps: int, resident: bool) -> Any:
        return ([data] * steps if resident else _batches(_repeated(batch, steps)))

    if keras.backend.backend() == "tensorflow":
        import tensorflow as tf

        step = tf.function(model.train_step)
        data = tf.nest.map_structure(tf.constant, batch)

        def run(steps: int, resident: bool = False) -> tuple[float, float]:
            starts = []
            for element in _timed(batches(steps, resident), starts):
                logs = step(element)
            float(logs["loss"])  # wait for the last step
            end = time.perf_counter()
            return end - starts[0], end - starts[1]
        return run

    import jax

    step = jax.jit(model.train_step, donate_argnums=0)
    data = jax.tree_util.tree_map(jax.numpy.asarray, batch)
    groups = (model.trainable_variables, model.non_trainable_variables,
              model.optimizer.variables, model.metrics_variables)

    def run(steps: int, resident: bool = False) -> tuple[float, float]:
        state = tuple([v.value for v in group] for group in groups)
        starts = []
        for element in _timed(batches(steps, resident), starts):
            logs, state = step(state, element)
        for group, values in zip(groups, state):  # the state back in the variables, as fit
            for variable, value in zip(group, values):
                variable.assign(value)
        jax.block_until_ready(logs)
        end = time.perf_counter()
        return end - starts[0], end - starts[1]
    return run


def _timed(items: Any, starts: list[float]) -> Any:
    """``items``, appending to ``starts`` the time each step starts (before its batch is
    read, as `fit`'s ``on_train_batch_begin``)."""
    iterator = iter(items)
    while True:
        starts.append(time.perf_counter())
        try:
            yield next(iterator)
        except StopIteration:
            return


def worker(args: argparse.Namespace) -> None:
    import keras

    import keras_gan_zoo as zoo
    from keras_gan_zoo import distribute

    distribute.set_precision(args.mixed_precision)
    for entry in args.entries:
        model = zoo.load_recipe(f"{entry}_digits").build(seed=0)
        model.compile(steps_per_execution=args.steps_per_execution)
        examples = args.batch_size * getattr(model, "d_steps", 1)
        batch = model.example_batch(examples, seed=0)
        loop = _loop(model, batch)
        _fit_seconds(model, _repeated(batch, 2 * args.steps_per_execution))  # compile
        loop(2)
        step_seconds = loop(3, resident=True)[1] / 2  # its second and third steps
        spe = args.steps_per_execution
        steps = max(args.steps, math.ceil(args.min_seconds / step_seconds / spe) * spe)
        runs: dict[str, list[tuple[float, float]]] = {"fit": [], "loop": [], "resident": []}
        for _ in range(args.repeats):
            runs["fit"].append(_fit_seconds(model, _repeated(batch, steps)))
            runs["loop"].append(loop(steps))
            runs["resident"].append(loop(steps, resident=True))
        # Steady state: from the second step (fit: execution), after the first's one-off work.
        timed = {"fit": (steps, steps - spe), "loop": (steps, steps - 1),
                 "resident": (steps, steps - 1)}
        result = {"entry": entry, "backend": keras.backend.backend(), "steps": steps}
        for name, seconds in runs.items():
            result[name] = examples * timed[name][1] / min(s for _, s in seconds)
        for key, loop_name, steady in (("ratio", "loop", True), ("whole_ratio", "loop", False),
                                       ("resident_ratio", "resident", True)):
            result[key] = _median_ratio(runs["fit"], timed["fit"][steady],
                                        runs[loop_name], timed[loop_name][steady], steady)
        print(json.dumps(result), flush=True)


def _median_ratio(fits: list[tuple[float, float]], fit_steps: int,
                  loops: list[tuple[float, float]], loop_steps: int, steady: bool) -> float:
    """The median over the repeats of a fit run's steps/second over the loop run's after
    it, timed from the second step (``steady``) or the first."""
    return statistics.median((fit_steps / fit[steady]) / (loop_steps / loop[steady])
                             for fit, loop in zip(fits, loops))


# --------------------------------------------------------------------------- main
def main(argv: list[str] | None = None) -> None:
    args = parse_args(argv)
    if args.steps < 2 * args.steps_per_execution:
        sys.exit("error: --steps must be at least twice --steps-per-execution (the timings "
                 "start at the second execution).")
    if args.worker:
        return worker(args)
    forwarded = [a for a in (argv if argv is not None else sys.argv[1:])
                 if a not in ("--backends",) and a not in args.backends]
    results: dict[tuple[str, str], dict[str, float]] = {}
    for backend in args.backends:
        env = {**os.environ, "KERAS_BACKEND": backend, "TF_CPP_MIN_LOG_LEVEL": "3",
               "PYTHONPATH": f"{ROOT}{os.pathsep}{os.environ.get('PYTHONPATH', '')}"}
        process = subprocess.Popen([sys.executable, __file__, "--worker", *forwarded], env=env,
                                   stdout=subprocess.PIPE, text=True)
        for line in process.stdout:
            if line.startswith("{"):
                result = json.loads(line)
                results[result["entry"], backend] = result
                print(f"{result['entry']:>10} {backend:>10}, {result['steps']:4d} steps: "
                      f"fit {result['fit']:8.0f} img/s, "
                      f"loop {result['loop']:8.0f} img/s, fit/loop {result['ratio']:.2f} "
                      f"(from the first step {result['whole_ratio']:.2f}); loop on one "
                      f"converted batch {result['resident']:8.0f} img/s, fit/that "
                      f"{result['resident_ratio']:.2f}",
                      flush=True)
        if process.wait() != 0:
            sys.exit(f"error: the {backend} worker failed (exit {process.returncode}).")
    print(f"\nbatch {args.batch_size}, at least {args.steps} steps and {args.min_seconds:g} s a "
          f"run, best of {args.repeats}, "
          f"precision {args.mixed_precision}, steps per execution {args.steps_per_execution}; "
          "images/second")
    print("| entry | " + " | ".join(f"{b} fit | {b} loop | {b} fit/loop" for b in args.backends) + " |")
    print("|---" * (1 + 3 * len(args.backends)) + "|")
    for entry in args.entries:
        cells = []
        for backend in args.backends:
            r = results.get((entry, backend))
            cells += ([f"{r['fit']:.0f}", f"{r['loop']:.0f}", f"{r['ratio']:.2f}"]
                      if r else ["-", "-", "-"])
        print(f"| {entry} | " + " | ".join(cells) + " |")


if __name__ == "__main__":
    main()
