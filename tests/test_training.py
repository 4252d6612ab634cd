"""MultiWorkerMirroredStrategy with two worker processes on loopback ports."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

pytestmark = [pytest.mark.distributed,
              pytest.mark.tensorflow_only(reason="MultiWorkerMirroredStrategy is tf.distribute")]

ROOT = Path(__file__).resolve().parent.parent


def free_ports(n: int) -> list[int]:
    sockets = [socket.socket() for _ in range(n)]
    for s in sockets:
        s.bind(("localhost", 0))
    ports = [s.getsockname()[1] for s in sockets]
    for s in sockets:
        s.close()
    return ports


def start_workers(output: Path, mode: str, epochs: int = 2) -> list[subprocess.Popen]:
    ports = free_ports(2)
    cluster = {"worker": [f"localhost:{p}" for p in ports]}
    workers = []
    for index in range(2):
        env = dict(os.environ, TF_CONFIG=json.dumps({"cluster": cluster,
                                                     "task": {"type": "worker", "index": index}}),
                   EPOCHS=str(epochs), CUDA_VISIBLE_DEVICES="")
        log = open(output / f"worker_{index}.log", "w")
        workers.append(subprocess.Popen([sys.executable, "-m", "tests.multi_worker_job",
                                         str(output), mode], cwd=ROOT, env=env,
                                        stdout=log, stderr=subprocess.STDOUT))
    return workers


#: Hang guards, not performance limits: on a shared, loaded machine two TensorFlow workers
#: can take minutes to start and train (CI's own limit is 90 minutes).
HANG_GUARD = 600


def wait_all(workers: list[subprocess.Popen], timeout: float = HANG_GUARD) -> list[int | None]:
    deadline = time.monotonic() + timeout
    codes = []
    for worker in workers:
        try:
            codes.append(worker.wait(max(1.0, deadline - time.monotonic())))
        except subprocess.TimeoutExpired:
            codes.append(None)
    for worker in workers:  # never leave a process behind
        if worker.poll() is None:
            worker.kill()
            worker.wait()
    return codes


def test_two_workers_train_to_identical_weights_and_only_the_chief_writes(tmp_path):
    codes = wait_all(start_workers(tmp_path, "train"))
    logs = "\n".join((tmp_path / f"worker_{i}.log").read_text()[-3000:] for i in range(2))
    assert codes == [0, 0], logs
    weights = [np.load(tmp_path / f"worker_{i}.npz") for i in range(2)]
    for key in weights[0].files:
        np.testing.assert_array_equal(weights[0][key], weights[1][key])
    histories = [json.loads((tmp_path / f"worker_{i}.json").read_text()) for i in range(2)]
    assert histories[0] == histories[1]
    for key, values in histories[0].items():
        assert len(values) == 2 and np.all(np.isfinite(values)), key
    # True-scale losses: a D loss near 2 ln 2 ~ 1.4 at the start, not halved.
    assert histories[0]["d_loss"][0] > 0.7
    run = tmp_path / "run_0"  # worker 0 is the chief
    assert (run / "model.keras").is_file() and (run / "saved_model" / "dcgan" / "1").is_dir()
    assert (run / "samples" / "epoch_002.png").is_file() and (run / "history.csv").is_file()
    assert (run / "loss_curves.png").is_file()
    other = tmp_path / "run_1"
    assert not other.exists() or not any(p.is_file() for p in other.rglob("*"))


@pytest.mark.slow
def test_a_killed_worker_gives_a_clear_error_and_a_restart_resumes(tmp_path):
    workers = start_workers(tmp_path, "train_slow", epochs=4)
    backup = tmp_path / "run" / "backup" / "training_metadata.json"
    deadline = time.monotonic() + HANG_GUARD
    while not backup.exists() and time.monotonic() < deadline and workers[0].poll() is None:
        time.sleep(0.5)
    assert backup.exists(), (tmp_path / "worker_0.log").read_text()[-3000:]
    workers[1].send_signal(signal.SIGKILL)
    start = time.monotonic()
    codes = wait_all(workers)
    survivor_log = (tmp_path / "worker_0.log").read_text()
    assert codes[0] not in (0, None), "the surviving worker hung or finished without its peer"
    assert "A peer of this multi-worker job failed" in survivor_log, survivor_log[-3000:]
    print(f"\nsurvivor stopped {time.monotonic() - start:.0f} s after its peer was killed")
    resumed_from = json.loads(backup.read_text())["epoch"]
    assert resumed_from >= 1

    codes = wait_all(start_workers(tmp_path, "train_slow", epochs=4))
    assert codes == [0, 0], (tmp_path / "worker_0.log").read_text()[-3000:]
    log = (tmp_path / "worker_0.log").read_text()
    assert "epoch 1 begins" not in log and f"epoch {resumed_from + 1} begins" in log, log[-2000:]
    history = json.loads((tmp_path / "worker_0.json").read_text())
    assert len(history["d_loss"]) == 4 - resumed_from


def test_one_step_on_two_workers_equals_one_step_on_one_replica(tmp_path):
    import keras
    import tensorflow as tf

    import keras_gan_zoo as zoo
    from tests.fixed_noise import fixed_noise

    model = zoo.build("gan", generator_units=[32, 64], discriminator_units=[64, 32], seed=0)
    weights = model.get_weights()
    rng = np.random.default_rng(0)
    real = rng.uniform(-1, 1, (8, 28, 28, 1)).astype(np.float32)
    noise = rng.standard_normal((8, model.latent_dim)).astype(np.float32)
    np.savez(tmp_path / "given.npz", real=real, noise=noise, **{f"w{i}": w for i, w in enumerate(weights)})

    model.compile(g_optimizer=keras.optimizers.SGD(0.5), d_optimizer=keras.optimizers.SGD(0.5))
    fixed_noise(model, noise)
    reference = model.fit(tf.data.Dataset.from_tensor_slices(real).batch(8), epochs=1, verbose=0)

    codes = wait_all(start_workers(tmp_path, "one_step"))
    assert codes == [0, 0], (tmp_path / "worker_0.log").read_text()[-3000:]
    for index in range(2):
        got = np.load(tmp_path / f"worker_{index}.npz")
        for i, want in enumerate(model.get_weights()):
            np.testing.assert_allclose(got[f"arr_{i}"], want, atol=2e-5, rtol=1e-4)
        history = json.loads((tmp_path / f"worker_{index}.json").read_text())
        for key, values in reference.history.items():
            assert history[key][0] == pytest.approx(values[0], rel=1e-4), key
