#!/usr/bin/env bash
# Download the wheels peers.py needs on the GPU machine (which has JAX, torch and torchvision but no network)
# into benchmarks/gpu/out/whl (git-ignored; carried with benchmarks/gpu/out). Run where pip reaches its index.
# GPU_PYTHON_VERSION: the GPU machine's Python (default 3.12).
set -euo pipefail
D="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/out/whl"
mkdir -p "$D"
for spec in keras==3.15.1 kornia==0.9.0 kornia_rs==0.2.0 namex==0.1.0 optree==0.20.0 flatbuffers; do
  python3 -m pip download -q --no-deps --only-binary=:all: --python-version "${GPU_PYTHON_VERSION:-3.12}" \
    --implementation cp --platform manylinux_2_28_x86_64 --platform manylinux_2_27_x86_64 \
    --platform manylinux_2_17_x86_64 --platform manylinux2014_x86_64 -d "$D" "$spec"
done
du -sh "$D"; ls "$D"
