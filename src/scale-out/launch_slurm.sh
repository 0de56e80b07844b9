#!/usr/bin/env bash
#SBATCH --job-name=cbs-sweep
#SBATCH --nodes=1
#SBATCH --ntasks-per-node=1
#SBATCH --gpus-per-node=8
#SBATCH --cpus-per-task=32
#SBATCH --time=24:00:00
#SBATCH --output=logs/%x-%A_%a.out
# Trains the sweep of manifest.jsonl on a SLURM cluster: one job array task per run (the task id
# is the run's manifest line), each task a torchrun over the GPUs of its node(s). Two arrays are
# submitted: the reference runs, then every other run once the references have ended (the target
# comes from them). A run whose processes die is recorded as failed, and the other tasks go on.
#
#   ./launch_slurm.sh [sbatch flags]        # e.g. --partition=gpu --nodes=2 --time=4:00:00
#   TRAIN_ARGS="--precision bf16" ./launch_slurm.sh
#
# Edit the #SBATCH lines above for your cluster. SLURM's MaxArraySize bounds the manifest lines.
set -uo pipefail
PYTHON=${PYTHON:-python3}

if [ -z "${SLURM_ARRAY_TASK_ID:-}" ]; then
  # Submission, from the package folder.
  cd "$(dirname "$0")"
  mkdir -p logs
  references=$("$PYTHON" train.py --list reference --pending | paste -sd, -) || exit 1
  others=$("$PYTHON" train.py --list sweep --pending | paste -sd, -) || exit 1
  after=()
  if [ -n "$references" ]; then
    job=$(sbatch --parsable --array="$references" --export=ALL "$@" "$0") || exit 1
    echo "reference runs: job ${job%%;*} (array $references)"
    after=(--dependency="afterany:${job%%;*}")
  fi
  if [ -n "$others" ]; then
    job=$(sbatch --parsable --array="$others" --export=ALL "${after[@]}" "$@" "$0") || exit 1
    echo "sweep runs: job ${job%%;*} (array $others)"
  fi
  exit 0
fi

# One array task: one run. SLURM runs a copy of this script, from the folder it was submitted in.
cd "$SLURM_SUBMIT_DIR"
index=$SLURM_ARRAY_TASK_ID
nodes=${SLURM_JOB_NUM_NODES:-1}
gpus=${SLURM_GPUS_ON_NODE:-$("$PYTHON" -c 'import torch; print(max(1, torch.cuda.device_count()))')}
read -r -a TORCHRUN_FLAGS <<< "$("$PYTHON" train.py --torchrun-flags)"
if [ "$nodes" -gt 1 ]; then
  head=$(scontrol show hostnames "$SLURM_JOB_NODELIST" | head -n 1)
  rendezvous=(--nnodes="$nodes" --rdzv_id="$SLURM_JOB_ID" --rdzv_backend=c10d --rdzv_endpoint="$head:$((20000 + SLURM_JOB_ID % 20000))")
else
  rendezvous=(--standalone)
fi
# shellcheck disable=SC2086 # TRAIN_ARGS is a list of flags
srun --ntasks-per-node=1 "$PYTHON" -m torch.distributed.run "${rendezvous[@]}" --nproc_per_node="$gpus" --monitor_interval 1 "${TORCHRUN_FLAGS[@]}" \
  train.py --run "$index" ${TRAIN_ARGS:-}
status=$?
if [ "$status" -ne 0 ]; then
  "$PYTHON" train.py --mark-failed --run "$index" --reason "torchrun exited with status $status (SLURM job ${SLURM_JOB_ID:-?}, task $index)"
fi
exit "$status"
