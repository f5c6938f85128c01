"""Hardware-dependent choices made at run time: numeric precision and attention kernels."""

from __future__ import annotations

import logging
from pathlib import Path

import torch

log = logging.getLogger(__name__)

CPU_BF16_FLAGS = ("avx512_bf16", "amx_bf16")  # CPUs whose bf16 matmuls beat fp32


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
