"""DistributedDataParallel: 2 gloo processes on CPU make the same updates as 1 process on the joint
batch, accumulated over 2 micro-batches or taken whole (each record draws the same time and noise)."""
import os
import socket

import pytest
import torch
import torch.multiprocessing as mp
from synth import make_store

from seisdiff.engine.checkpoint import load_checkpoint
from seisdiff.engine.config import DataConfig, ModelConfig, TrainConfig
from seisdiff.engine.model import UNet1d
from seisdiff.engine.train import train


def _config(grad_accum: int) -> TrainConfig:
    return TrainConfig(model=ModelConfig(channels=(8, 16), down_factors=(4,), groups=4, emb_dim=32, heads=2),
                       data=DataConfig(val_fraction=0.25), batch_size=4, grad_accum=grad_accum, epochs=1,
                       warmup_steps=1, lr=1e-3, diagnostics_every=100, progress=False)


def _worker(rank: int, world_size: int, port: int, store: str, out: str) -> None:
    os.environ.update(MASTER_ADDR="127.0.0.1", MASTER_PORT=str(port), RANK=str(rank), LOCAL_RANK=str(rank),
                      WORLD_SIZE=str(world_size))
    torch.set_num_threads(1)
    train(_config(grad_accum=1), store, out, device="cpu", log=lambda *a: None)
    # its checkpoint is written (atomically) and the group destroyed; leave without the interpreter's
    # teardown, where gloo's threads can abort the process ("terminate called without an active
    # exception", SIGABRT: seen once in CI on 2026-12-02 after a run that had finished)
    os._exit(0)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_two_gloo_processes_match_one_process_on_the_joint_batch(tmp_path):
    store = make_store(tmp_path / "s.zarr", n=12, length=256)
    mp.spawn(_worker, args=(2, _free_port(), str(store.path), str(tmp_path / "ddp")), nprocs=2, join=True)
    train(_config(grad_accum=2), store.path, tmp_path / "single", device="cpu", log=lambda *a: None)
    ddp, single = load_checkpoint(tmp_path / "ddp" / "last.pt"), load_checkpoint(tmp_path / "single" / "last.pt")
    assert ddp["step"] == single["step"] == 2
    torch.manual_seed(_config(1).seed)                               # the initial weights train() starts from
    initial = UNet1d(_config(1).model).state_dict()
    for name, value in single["model"].items():
        torch.testing.assert_close(ddp["model"][name], value, rtol=1e-4, atol=1e-6, msg=name)
    assert not torch.equal(single["model"]["stem.weight"], initial["stem.weight"])   # the steps did update
    for name, value in single["optimizer"]["state"].items():
        torch.testing.assert_close(ddp["optimizer"]["state"][name]["exp_avg"], value["exp_avg"], rtol=1e-4, atol=1e-7)
    # one batch of 4 (grad_accum 1): before, each micro-batch had its own seed and the weights differed
    train(_config(grad_accum=1), store.path, tmp_path / "whole", device="cpu", log=lambda *a: None)
    whole = load_checkpoint(tmp_path / "whole" / "last.pt")
    for name, value in whole["model"].items():
        torch.testing.assert_close(ddp["model"][name], value, rtol=1e-4, atol=1e-6, msg=name)

