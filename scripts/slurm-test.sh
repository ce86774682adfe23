#!/usr/bin/env bash
# Integration test of `simulate sweep --slurm` on a throwaway single-node Slurm cluster
# (../shared/SLURM.md): installs slurmctld, slurmd, slurm-client and munge only when missing,
# starts munged, slurmctld and slurmd as plain processes with a private configuration in a
# temporary folder, submits a 4-shard sweep with --slurm (array job + dependent merge job), waits
# for the merge, and checks that the merged runs.csv equals the same sweep run locally. Every
# daemon is stopped by PID on exit. Needs root (the daemons run as root).
#   bash scripts/slurm-test.sh            (uses the debug build; SIMULATE_BIN overrides)
set -euo pipefail
cd "$(dirname "$0")/.."

if ! command -v slurmctld >/dev/null || ! command -v munged >/dev/null || ! command -v sbatch >/dev/null; then
  echo "installing slurmctld slurmd slurm-client munge" >&2
  export DEBIAN_FRONTEND=noninteractive
  apt-get install -y -q --no-install-recommends slurmctld slurmd slurm-client munge >/dev/null 2>&1 || {
    apt-get update -qq >&2
    apt-get install -y -q --no-install-recommends slurmctld slurmd slurm-client munge >/dev/null
  }
fi

bin="${SIMULATE_BIN:-}"
if [ -z "$bin" ]; then
  swift build --product simulate >&2
  bin="$(swift build --show-bin-path)/simulate"
fi

S=$(mktemp -d); chmod 755 "$S"; mkdir -p "$S"/{ctld,d,work}   # munged wants o+x on its socket's folder
export SLURM_CONF=$S/slurm.conf
cat >"$SLURM_CONF" <<EOF
ClusterName=ci
SlurmctldHost=localhost
SlurmUser=root
AuthType=auth/munge
CredType=cred/munge
AuthInfo=socket=$S/munge.sock
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/none
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
SchedulerParameters=batch_sched_delay=0,sched_min_interval=0
ReturnToService=2
MailProg=/bin/true
StateSaveLocation=$S/ctld
SlurmdSpoolDir=$S/d
SlurmctldPidFile=$S/slurmctld.pid
SlurmdPidFile=$S/slurmd.pid
SlurmctldLogFile=$S/slurmctld.log
SlurmdLogFile=$S/slurmd.log
NodeName=localhost NodeAddr=127.0.0.1 CPUs=2 Sockets=1 CoresPerSocket=2 ThreadsPerCore=1 RealMemory=1000
PartitionName=debug Nodes=ALL Default=YES MaxTime=INFINITE State=UP
EOF

PIDS=()   # stopped in reverse order: slurmd, slurmctld, munged
stop() {
  scancel --quiet --user=root 2>/dev/null || true
  for ((i=${#PIDS[@]}-1; i>=0; i--)); do
    p=${PIDS[i]}
    kill "$p" 2>/dev/null || continue
    for _ in $(seq 60); do kill -0 "$p" 2>/dev/null || break; sleep 0.25; done
  done
  rm -rf "$S"
}
trap stop EXIT

mungekey --create --keyfile="$S/munge.key"
munged -F --socket="$S/munge.sock" --key-file="$S/munge.key" --pid-file="$S/munged.pid" \
  --log-file="$S/munged.log" --seed-file="$S/munged.seed" >/dev/null 2>&1 & PIDS+=($!)
for _ in $(seq 40); do [ -S "$S/munge.sock" ] && break; sleep 0.25; done
slurmctld -D -f "$SLURM_CONF" >"$S/ctld.out" 2>&1 & PIDS+=($!)
slurmd -D -f "$SLURM_CONF" -N localhost >"$S/d.out" 2>&1 & PIDS+=($!)
for _ in $(seq 60); do [ "$(sinfo -h -o %T 2>/dev/null)" = idle ] && break; sleep 0.5; done
[ "$(sinfo -h -o %T 2>/dev/null)" = idle ] || { echo "slurm did not come up"; tail "$S"/*.log "$S"/*.out; exit 1; }

# --- the test: the same sweep locally and as a 4-task array job plus a merge job.
W=$S/work
cat >"$W/decay.yaml" <<'EOF'
model: decay
parameters:
  k: 1
nodes:
  x:
    initial: 1
    rate: -k * x
EOF
sweep=(decay.yaml --param k=log:0.01:10:200 --param x=list:1,2 --t-end 5 --metric 'final(x)' --metric 'auc(x)'
       --seed 11 --no-wall-time --quiet)
(cd "$W" && "$bin" sweep "${sweep[@]}" -o local)
jobs=$(cd "$W" && "$bin" sweep "${sweep[@]}" --slurm --array 4 -o cluster)
merge_job=${jobs##* }
echo "submitted: array and merge jobs $jobs" >&2
for _ in $(seq 600); do
  [ -z "$(squeue -h -j "$merge_job" 2>/dev/null)" ] && break
  sleep 0.25
done
if [ ! -f "$W/cluster/runs.csv" ]; then
  echo "FAILED: the merge job wrote no runs.csv"
  scontrol -o show job "$merge_job" || true
  tail -n 20 "$W"/cluster/slurm/*.log 2>/dev/null || true
  exit 1
fi
# The shard column says where a run ran; everything else must be equal.
if ! cmp <(cut -d, -f1,3- "$W/local/runs.csv") <(cut -d, -f1,3- "$W/cluster/runs.csv"); then
  echo "FAILED: the merged runs.csv differs from the local sweep"
  diff <(cut -d, -f1,3- "$W/local/runs.csv") <(cut -d, -f1,3- "$W/cluster/runs.csv") | head
  exit 1
fi
shards=$(cut -d, -f2 "$W/cluster/runs.csv" | tail -n +2 | sort -u | tr '\n' ' ')
[ "$shards" = "0 1 2 3 " ] || { echo "FAILED: expected rows from shards 0-3, got: $shards"; exit 1; }
rows=$(($(wc -l <"$W/cluster/runs.csv") - 1))
echo "slurm: 4 shards of $rows runs merged by job $merge_job equal the local sweep" >&2
echo "slurm-test: passed"
