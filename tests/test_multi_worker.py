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

pytestmark = pytest.mark.distributed

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


def wait_all(workers: list[subprocess.Popen], timeout: float) -> list[int | None]:
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
    codes = wait_all(start_workers(tmp_path, "train"), timeout=240)
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
