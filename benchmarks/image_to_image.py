"""Training steps/second and peak memory of pix2pix and CycleGAN at 64x64.

Each entry runs in its own process (so its peak resident memory is its own):
paper widths (64 filters; CycleGAN's 6 residual blocks at this size), RGB
64x64 images from the offline digits, the paper's batch size 1 unless
``--batch-size``. A 2-step warm-up epoch (tracing) is followed by a timed
epoch of ``--steps`` steps; the best of ``--repeats`` timed epochs is kept.

    python benchmarks/image_to_image.py [--steps 30] [--batch-size 1] [--image-size 64]
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import time

ENTRIES = ("pix2pix", "cyclegan")


def measure(name: str, image_size: int, batch_size: int, steps: int, repeats: int) -> dict:
    import keras

    import keras_gan_zoo as zoo

    class EpochTimer(keras.callbacks.Callback):
        def on_epoch_begin(self, epoch, logs=None):
            self.start = time.perf_counter()

        def on_epoch_end(self, epoch, logs=None):
            self.seconds.append(time.perf_counter() - self.start)

    model = zoo.build(name, image_shape=[image_size, image_size, 3], seed=0)
    model.compile()
    dataset = model.load_dataset(batch_size=batch_size, seed=0).take(steps + 2).cache().repeat()
    timer = EpochTimer()
    timer.seconds = []
    model.fit(dataset, epochs=1, steps_per_epoch=2, verbose=0)  # trace
    model.fit(dataset, epochs=repeats, steps_per_epoch=steps, callbacks=[timer], verbose=0)
    peak_kib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss  # KiB on Linux
    return {
        "entry": name,
        "image_size": image_size,
        "batch_size": batch_size,
        "parameters": int(sum(net.count_params() for net in model.networks.values())),
        "steps_per_second": steps / min(timer.seconds),
        "peak_rss_mib": peak_kib / 1024,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--entries", nargs="+", default=list(ENTRIES), choices=ENTRIES)
    parser.add_argument("--image-size", type=int, default=64)
    parser.add_argument("--batch-size", type=int, default=1)
    parser.add_argument("--steps", type=int, default=30)
    parser.add_argument("--repeats", type=int, default=2)
    parser.add_argument("--child", default=None, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:  # one entry, in this process; print the result as JSON
        print(json.dumps(measure(args.child, args.image_size, args.batch_size, args.steps,
                                 args.repeats)))
        return
    print(f"{'entry':10s} {'size':>5s} {'batch':>5s} {'params':>11s} {'steps/s':>8s} "
          f"{'images/s':>9s} {'peak RSS':>10s}")
    for name in args.entries:
        command = [sys.executable, __file__, "--child", name, "--image-size", str(args.image_size),
                   "--batch-size", str(args.batch_size), "--steps", str(args.steps),
                   "--repeats", str(args.repeats)]
        output = subprocess.run(command, check=True, capture_output=True, text=True).stdout
        result = json.loads(output.strip().splitlines()[-1])
        print(f"{name:10s} {result['image_size']:5d} {result['batch_size']:5d} "
              f"{result['parameters']:11,d} {result['steps_per_second']:8.2f} "
              f"{result['steps_per_second'] * result['batch_size']:9.2f} "
              f"{result['peak_rss_mib']:8.0f} MiB")


if __name__ == "__main__":
    main()
