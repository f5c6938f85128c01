from pathlib import Path

import pytest

from sign2text.training import runtime


@pytest.mark.parametrize(
    ("flags", "expected"),
    [
        ("fpu sse avx2 avx512f avx512_bf16 avx512_vnni", True),
        ("fpu sse avx2 amx_tile amx_bf16", True),
        ("fpu sse avx2 avx512f", False),
    ],
)
def test_cpu_bf16_is_read_from_the_cpu_flags(tmp_path: Path, flags: str, expected: bool) -> None:
    cpuinfo = tmp_path / "cpuinfo"
    cpuinfo.write_text(f"processor\t: 0\nmodel name\t: Some CPU\nflags\t\t: {flags}\n")
    assert runtime.cpu_has_fast_bf16(cpuinfo) is expected


def test_unreadable_cpu_information_means_no_bf16(tmp_path: Path) -> None:
    assert runtime.cpu_has_fast_bf16(tmp_path / "absent") is False


@pytest.mark.parametrize("fast", [True, False])
def test_auto_precision_follows_the_hardware(monkeypatch: pytest.MonkeyPatch, fast: bool) -> None:
    monkeypatch.setattr(runtime.torch.cuda, "is_available", lambda: False)
    monkeypatch.setattr(runtime, "cpu_has_fast_bf16", lambda: fast)
    assert runtime.resolve_precision("auto") == ("bf16-mixed" if fast else "32-true")
    assert runtime.resolve_precision("32-true") == "32-true"  # an explicit choice stays


def test_micro_frames_auto_means_parts_on_a_cpu_and_whole_batches_on_a_gpu() -> None:
    assert runtime.resolve_micro_frames(0, on_gpu=False) == runtime.CPU_MICRO_FRAMES
    assert runtime.resolve_micro_frames(0, on_gpu=True) == 0  # whole batches
    assert runtime.resolve_micro_frames(4096, on_gpu=True) == 4096  # an explicit budget stays


def test_on_cuda_cudnn_attention_goes_off_and_tf32_on(monkeypatch: pytest.MonkeyPatch) -> None:
    torch = runtime.torch
    before = (torch.backends.cuda.cudnn_sdp_enabled(), torch.get_float32_matmul_precision())
    monkeypatch.setattr(torch.cuda, "is_available", lambda: True)
    try:
        runtime.configure_kernels()
        assert not torch.backends.cuda.cudnn_sdp_enabled()
        assert torch.get_float32_matmul_precision() == "high"
    finally:
        torch.backends.cuda.enable_cudnn_sdp(before[0])
        torch.set_float32_matmul_precision(before[1])
