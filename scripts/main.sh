#!/usr/bin/env bash
# The main job: set up, then compile and run the built-in default RetNet
# model (examples/default-model.json, random weights from a fixed seed):
# check that the parallel, chunkwise and recurrent forms give the same
# logits, then generate tokens, printing timings.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
build_dir=${BUILD_DIR:-$root/build}
"$root/scripts/setup.sh"
bin=$build_dir/bin
model=$build_dir/default-model
prompt=$(seq -s, 1 100)

echo "==> retnet-compile init --config examples/default-model.json --seed 0 -o $model"
"$bin/retnet-compile" init --config "$root/examples/default-model.json" --seed 0 -o "$model"
echo "==> retnet-compile run --form chunkwise --check-forms (100 tokens)"
"$bin/retnet-compile" run --model "$model" --tokens "$prompt" --form chunkwise \
  --check-forms --logits "$build_dir/default-logits.npy"
echo "==> retnet-compile generate (100-token prompt, 32 new tokens)"
"$bin/retnet-compile" generate --model "$model" --prompt-tokens "$prompt" \
  --max-new-tokens 32
