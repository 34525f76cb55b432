#!/usr/bin/env bash
# The one command for a lent GPU machine (JAX with CUDA, torch, torchvision; no TensorFlow, no network):
#   bash benchmarks/gpu/run.sh          (from the repo root, benchmarks/gpu/out/{hlo,whl} carried along)
# Before, on a CPU machine with TensorFlow (see benchmarks/gpu/README.md):
#   PYTHONPATH=$PWD python -m benchmarks.gpu.export && bash benchmarks/gpu/fetch_wheels.sh
# Installs the carried wheels into $GPU_SITE, prints the devices, runs run_hlo (keras_aug's exported programs
# through JAX) then peers (kornia, torchvision v2, Keras 3 on JAX); results (hlo.json, peers.json, logs) go to
# $OUT (benchmarks/gpu/out/results when unset). The whole run is bounded by GPU_TOTAL_S (default 420 s): cases
# past their share are skipped and recorded so, each script is killed by `timeout` past its share.
# CPU dry run of the same script: GPU_DRY_RUN=1 bash benchmarks/gpu/run.sh (JAX on CPU, small programs, no peers).
set -u
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
G="$ROOT/benchmarks/gpu"
PY="${PY:-python3}"
export OUT="${OUT:-$G/out/results}"
mkdir -p "$OUT"
export PYTHONUNBUFFERED=1
START=$(date +%s)
TOTAL=${GPU_TOTAL_S:-420}
HLO_SHARE=${GPU_HLO_S:-200}
SITE="${GPU_SITE:-/tmp/keras_aug_gpu_site}"
WHL="${GPU_WHL_DIR:-$G/out/whl}"
FILTER='^WARNING\|^I0000\|^W0000\|^E0000\|UserWarning\|cuInit'

if [ -n "${GPU_DRY_RUN:-}" ]; then
  (cd "$ROOT" && PYTHONPATH="$ROOT" "$PY" -m benchmarks.gpu.run_hlo --dry-run) 2>&1 | tee "$OUT/run_hlo.log" | grep -v "$FILTER"
  exit "${PIPESTATUS[0]}"
fi

echo "== devices"
nvidia-smi --query-gpu=name,memory.total,clocks.max.sm,driver_version --format=csv 2>&1 | head -3
if ls "$WHL"/*.whl >/dev/null 2>&1; then
  rm -rf "$SITE"
  "$PY" -m pip install -q --no-index --no-deps --no-compile --target "$SITE" "$WHL"/*.whl 2>&1 | tail -3
  export PYTHONPATH="$SITE"
fi
export PYTHONPATH="$ROOT${PYTHONPATH:+:$PYTHONPATH}"
"$PY" -c 'import jax; print("jax", jax.__version__, jax.devices())' 2>&1 | grep -v "$FILTER" | tail -2
echo "== setup took $(( $(date +%s) - START )) s"

left() { echo $(( START + $1 - $(date +%s) )); }
export GPU_DEADLINE=$(( START + HLO_SHARE ))
T=$(left $(( HLO_SHARE + 40 )))
echo "== run_hlo (timeout ${T}s)"
(cd "$ROOT" && timeout -k 5 "$T" "$PY" -m benchmarks.gpu.run_hlo) 2>&1 | tee "$OUT/run_hlo.log" | grep -v "$FILTER"
echo "== run_hlo exit ${PIPESTATUS[0]} at $(( $(date +%s) - START )) s"

export GPU_DEADLINE=$(( START + TOTAL - 25 ))
T=$(left $(( TOTAL - 5 )))
if [ "$T" -gt 20 ]; then
  echo "== peers (timeout ${T}s)"
  (cd "$ROOT" && timeout -k 5 "$T" "$PY" -m benchmarks.gpu.peers) 2>&1 | tee "$OUT/peers.log" | grep -v "$FILTER"
  echo "== peers exit ${PIPESTATUS[0]}"
else
  echo "== peers skipped: no time left"
fi
echo "== total $(( $(date +%s) - START )) s; results in $OUT"
ls -la "$OUT"
