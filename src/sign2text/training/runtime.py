"""Hardware-dependent choices made at run time: numeric precision and attention kernels."""

from __future__ import annotations

import logging
from pathlib import Path

import torch

log = logging.getLogger(__name__)

CPU_BF16_FLAGS = ("avx512_bf16", "amx_bf16")  # CPUs whose bf16 matmuls beat fp32
CPU_MICRO_FRAMES = 2048  # padded frames per part of a batch on a CPU (BENCHMARKS.md)


def cpu_has_fast_bf16(cpuinfo: Path = Path("/proc/cpuinfo")) -> bool:
    """Whether this CPU multiplies bf16 in hardware (AVX512-BF16 or AMX)."""
    try:
        text = cpuinfo.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return False
    flags = set()
    for line in text.splitlines():
        if line.startswith("flags"):
            flags.update(line.partition(":")[2].split())
            break
    return any(flag in flags for flag in CPU_BF16_FLAGS)


def resolve_precision(precision: str, accelerator: str = "auto") -> str:
    """`precision` with "auto" replaced by what is fastest here without changing the results
    beyond noise: bf16-mixed on a CUDA GPU with bf16 and on a CPU with bf16 hardware (measured
    in BENCHMARKS.md), otherwise 32-true."""
    if precision != "auto":
        return precision
    on_gpu = accelerator in ("auto", "gpu", "cuda") and torch.cuda.is_available()
    if on_gpu:
        return "bf16-mixed" if torch.cuda.is_bf16_supported() else "32-true"
    return "bf16-mixed" if cpu_has_fast_bf16() else "32-true"


def resolve_micro_frames(micro_frames: int, on_gpu: bool) -> int:
    """`train.micro_frames` with 0 (auto) replaced: parts of CPU_MICRO_FRAMES padded frames on
    a CPU, where compute grows with the frames run and padding is waste; whole batches on a
    GPU, where steps of this size are bound by kernel launches (../shared/FINDINGS.md) and
    more, smaller parts would cost more than the padding they save. The result 0 means whole
    batches."""
    if micro_frames > 0:
        return micro_frames
    return 0 if on_gpu else CPU_MICRO_FRAMES


def configure_kernels() -> None:
    """On CUDA: TF32 matmuls, and no cuDNN attention.

    With a new sequence length in almost every batch, cuDNN's attention backend (PyTorch's
    first choice for bf16 on Hopper) builds a new execution plan per shape, which made bf16
    training about 10x slower than fp32 (`../shared/FINDINGS.md`); the memory-efficient and
    flash kernels have no such cost.
    """
    if torch.cuda.is_available():
        torch.backends.cuda.enable_cudnn_sdp(False)
        torch.set_float32_matmul_precision("high")
