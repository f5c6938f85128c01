#!/usr/bin/env bash
# The speed issue's GPU measurements in one run, for a session that is lent a GPU (the device
# tool runs it in the repository root; results land in $OUT, or ./gpu-results without it).
# Not yet run on a GPU: no session so far had one. Budget: about 10 minutes on one H100.
#   bash benchmarks/gpu_session.sh     (CLIPS=40 LOAD_CLIPS=200 BEAM_CLIPS=16: a CPU smoke run)
set -euo pipefail
OUT="${OUT:-gpu-results}"
mkdir -p "$OUT"
PY="${PYTHON:-python}"
CLIPS="${CLIPS:-2000}" LOAD_CLIPS="${LOAD_CLIPS:-3000}" BEAM_CLIPS="${BEAM_CLIPS:-256}"
export PYTHONPATH=src
nvidia-smi > "$OUT/nvidia-smi.txt" 2>&1 || true
# V2 training: naive vs sign2text defaults (whole random batches on a GPU) ...
$PY benchmarks/train_throughput.py --clips "$CLIPS" --repeats 2 --json "$OUT/train_default.json" \
    | tee "$OUT/train_default.txt"
# ... and the FINDINGS fast path: bucketed batches under a 32k padded-frame budget.
$PY benchmarks/train_throughput.py --clips "$CLIPS" --repeats 2 --json "$OUT/train_budget.json" \
    --set train.bucketing=true --set train.batch_frames=32768 --set train.batch_size=4096 \
    --set train.micro_frames=1000000 | tee "$OUT/train_budget.txt"
$PY benchmarks/data_loading.py --clips "$LOAD_CLIPS" --workers 8 --json "$OUT/loading.json" \
    | tee "$OUT/loading.txt"
$PY benchmarks/beam_decoding.py --clips "$BEAM_CLIPS" --batch-size 64 --json "$OUT/beam.json" \
    | tee "$OUT/beam.txt"
# Last, as it may take minutes to compile: does torch.compile pay on the GPU?
$PY benchmarks/compile_check.py --warmup "${COMPILE_WARMUP:-8}" --steps "${COMPILE_STEPS:-20}" \
    --batch 32 --json "$OUT/compile.json" | tee "$OUT/compile.txt"
