#!/usr/bin/env bash
# Trains every run of manifest.jsonl on this machine, one run after another, each run a torchrun
# over NPROC processes: the GPUs of this node, or CPU processes (gloo) where there is no GPU.
# Reference runs go first: the target of every other run comes from them. A run whose processes
# die is recorded as failed, with the exit status, and the sweep goes on. A run that already has
# a finished record is skipped, so running this again resumes the sweep.
#
#   ./launch_torchrun.sh                       # every GPU of this node per run (or 1 CPU process)
#   NPROC=4 ./launch_torchrun.sh --precision bf16 --micro-batch 16    # flags go to train.py
#
# Environment: PYTHON (default python3), NPROC, RESULTS (default results/), DATA (default data/).
set -uo pipefail
cd "$(dirname "$0")"
PYTHON=${PYTHON:-python3}
NPROC=${NPROC:-$("$PYTHON" -c 'import torch; print(max(1, torch.cuda.device_count()))')}
RESULTS=${RESULTS:-results}
DATA=${DATA:-data}
read -r -a TORCHRUN_FLAGS <<< "$("$PYTHON" train.py --torchrun-flags)"

run() {
  local index=$1
  shift
  "$PYTHON" -m torch.distributed.run --standalone --nproc_per_node="$NPROC" --monitor_interval 1 "${TORCHRUN_FLAGS[@]}" \
    train.py --run "$index" --results "$RESULTS" --data "$DATA" "$@"
  local status=$?
  if [ "$status" -ne 0 ]; then
    "$PYTHON" train.py --mark-failed --run "$index" --results "$RESULTS" --reason "torchrun exited with status $status"
  fi
}

references=$("$PYTHON" train.py --list reference --pending --results "$RESULTS") || exit 1
others=$("$PYTHON" train.py --list sweep --pending --results "$RESULTS") || exit 1
for index in $references; do run "$index" "$@"; done
for index in $others; do run "$index" "$@"; done
echo "done: the records are in $RESULTS/ (import them with: npm run cbs -- $RESULTS)"
