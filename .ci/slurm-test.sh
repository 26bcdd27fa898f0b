#!/usr/bin/env bash
# End-to-end test of `tiersim sweep --emit-slurm` on a real one-node Slurm
# cluster on localhost: installs Debian's slurm-wlm and munge when missing,
# starts munged, slurmctld and slurmd from a private temp folder (their own
# config, key, socket, ports and state: nothing under /etc is written), submits
# the emitted job array for tests/it/sweeps/tiny_sweep.toml, waits for the
# array and its merge job, and checks the merged tables byte for byte against
# an unsharded local run of the same sweep.
#
# Needs root and either Slurm already installed or apt-get to install it;
# otherwise it prints `slurm test: SKIPPED (<reason>)` and exits 0.
# Run from anywhere: `bash .ci/slurm-test.sh`. Set SLURM_TEST_KEEP=1 to keep
# the temp folder after a pass.
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."
REPO=$PWD
SWEEP=$REPO/tests/it/sweeps/tiny_sweep.toml
SHARDS=3
BIN=$REPO/target/release/tiersim

TEST="slurm test"
# shellcheck source=lib.sh
. .ci/lib.sh

# --- 1. can it run here? ----------------------------------------------------
[ "$(id -u)" = 0 ] || skip "needs root to run the Slurm daemons"

have_slurm() {
    local c
    for c in munged slurmctld slurmd sbatch squeue sinfo scontrol scancel; do
        command -v "$c" >/dev/null 2>&1 || [ -x "/usr/sbin/$c" ] || return 1
    done
}
export PATH="$PATH:/usr/sbin:/sbin"

if ! have_slurm; then
    apt_install_or_skip slurm-wlm munge
    have_slurm || skip "slurm-wlm installed but its commands are missing"
fi

# --- 2. build, then bring the cluster up --------------------------------------
build_or_fail "$SWEEP"

TMP=$(mktemp -d /tmp/tiersim-slurm.XXXXXX)
chmod 0755 "$TMP"
HOST=$(hostname -s)
NCPU=$(nproc)
export SLURM_CONF=$TMP/slurm.conf
mkdir -p "$TMP/munge" "$TMP/state" "$TMP/spool" "$TMP/jobs"
chmod 0755 "$TMP/munge" # munged wants its socket folder searchable by all

# Unusual ports and a private munge socket, so that a Slurm or munge already
# running on the machine is neither used nor disturbed.
cat >"$SLURM_CONF" <<EOF
ClusterName=tiersimci
SlurmctldHost=$HOST(127.0.0.1)
SlurmctldPort=16817
SlurmdPort=16818
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
CredType=cred/munge
AuthInfo=socket=$TMP/munge/munge.socket
StateSaveLocation=$TMP/state
SlurmdSpoolDir=$TMP/spool
SlurmctldPidFile=$TMP/slurmctld.pid
SlurmdPidFile=$TMP/slurmd.pid
SlurmctldLogFile=$TMP/slurmctld.log
SlurmdLogFile=$TMP/slurmd.log
SlurmctldDebug=info
SlurmdDebug=info
PlugStackConfig=$TMP/plugstack.conf
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
MpiDefault=none
SchedulerType=sched/backfill
SchedulerParameters=kill_invalid_depend
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
AccountingStorageType=accounting_storage/none
JobAcctGatherType=jobacct_gather/none
JobCompType=jobcomp/none
ReturnToService=2
MinJobAge=600
NodeName=$HOST NodeAddr=127.0.0.1 CPUs=$NCPU RealMemory=1000 State=UNKNOWN
PartitionName=debug Nodes=$HOST Default=YES MaxTime=INFINITE State=UP
EOF
: >"$TMP/plugstack.conf"

pid_of() { [ -s "$1" ] && cat "$1" 2>/dev/null || true; }

stop_pidfile() { # stop_pidfile NAME FILE
    local pid
    pid=$(pid_of "$2")
    [ -n "$pid" ] || return 0
    kill "$pid" 2>/dev/null || return 0
    for _ in $(seq 50); do
        kill -0 "$pid" 2>/dev/null || return 0
        sleep 0.2
    done
    echo "    $1 (pid $pid) did not stop on TERM: killing it" >&2
    kill -9 "$pid" 2>/dev/null || true
}

STARTED=""
PASSED=""
cleanup() {
    local rc=$?
    set +e
    if [ -n "$STARTED" ]; then
        if [ -n "$(pid_of "$TMP/slurmctld.pid")" ]; then
            scancel --quiet --full --user=root 2>/dev/null
            for _ in $(seq 30); do
                [ -z "$(squeue -h -o %i 2>/dev/null)" ] && break
                sleep 0.5
            done
        fi
        stop_pidfile slurmd "$TMP/slurmd.pid"
        stop_pidfile slurmctld "$TMP/slurmctld.pid"
        stop_pidfile munged "$TMP/munge/munged.pid"
    fi
    if [ -n "$PASSED" ] && [ -z "${SLURM_TEST_KEEP:-}" ]; then
        rm -rf "$TMP"
    else
        echo "slurm test: files kept in $TMP"
    fi
    exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

show_logs() {
    local f
    echo "---- slurm logs ($TMP) ----"
    for f in "$TMP/munge/munged.log" "$TMP/slurmctld.log" "$TMP/slurmd.log" "$TMP"/jobs/* "$TMP"/cluster/slurm/*.log; do
        [ -f "$f" ] || continue
        echo "== $f (last 40 lines)"
        tail -n 40 "$f"
    done
    if [ -n "$(pid_of "$TMP/slurmctld.pid")" ]; then
        echo "== sinfo"; sinfo -N -l 2>&1
        echo "== squeue"; squeue 2>&1
        echo "== scontrol show job"; scontrol show job 2>&1 | grep -E 'JobId=|JobState=|Command=|WorkDir=|StdOut=|Dependency='
    fi
}
fail() {
    say "FAILED: $*"
    show_logs
    exit 1
}

t1=$(now)
mungekey --create --keyfile="$TMP/munge/munge.key" 2>/dev/null \
    || { dd if=/dev/urandom of="$TMP/munge/munge.key" bs=1 count=1024 2>/dev/null && chmod 0600 "$TMP/munge/munge.key"; }
STARTED=1
munged --force \
    --socket="$TMP/munge/munge.socket" \
    --key-file="$TMP/munge/munge.key" \
    --pid-file="$TMP/munge/munged.pid" \
    --log-file="$TMP/munge/munged.log" \
    --seed-file="$TMP/munge/munged.seed" \
    || fail "munged did not start"
slurmctld -f "$SLURM_CONF" || fail "slurmctld did not start"
slurmd -f "$SLURM_CONF" || fail "slurmd did not start"

state=""
for _ in $(seq 120); do
    state=$(sinfo -h -N -n "$HOST" -o %T 2>/dev/null || true)
    [ "$state" = idle ] && break
    sleep 0.5
done
[ "$state" = idle ] || fail "node $HOST is not idle after 60 s (state: '${state:-none}')"
say "one-node cluster up in $(($(now) - t1)) s ($HOST, $NCPU CPUs)"

# --- 3. emit the job array, submit it, wait for the array and the merge ------
t2=$(now)
"$BIN" sweep "$SWEEP" --emit-slurm --shards "$SHARDS" --out "$TMP/cluster" >"$TMP/emit.log" 2>&1 \
    || { cat "$TMP/emit.log"; fail "tiersim sweep --emit-slurm failed"; }
script=$TMP/cluster/slurm/sweep.sbatch
[ -f "$script" ] || { cat "$TMP/emit.log"; fail "--emit-slurm wrote no $script"; }

# Submit from the jobs folder: Slurm writes job output files (slurm-*.out by
# default) into the submitting folder unless the script names others.
job=$(cd "$TMP/jobs" && sbatch --parsable "$script") || fail "sbatch $script failed"
job=${job%%;*}
say "submitted job array $job ($SHARDS tasks)"

deadline=$(($(now) + 600))
while :; do
    queue=$(squeue -h -o '%i %T %r' 2>&1) || fail "squeue failed: $queue"
    [ -z "$queue" ] && break
    if grep -q DependencyNeverSatisfied <<<"$queue"; then
        fail "a job's dependency can never be satisfied (an array task failed?):
$queue"
    fi
    [ "$(now)" -lt "$deadline" ] || fail "jobs still queued after 10 min:
$queue"
    sleep 1
done

# Every job the controller still remembers must have completed with exit 0.
bad=$(scontrol show job -o 2>/dev/null | grep -v 'JobState=COMPLETED .*ExitCode=0:0' \
    | grep -oE '^JobId=[0-9]+|JobState=[A-Z_]+|ExitCode=[0-9:]+|ArrayTaskId=[0-9]+' | paste -sd' ' || true)
njobs=$(scontrol show job -o 2>/dev/null | grep -c '^JobId=' || true)
[ -z "$bad" ] || fail "jobs did not all complete: $bad"
[ "$njobs" -ge $((SHARDS + 1)) ] || fail "expected $SHARDS array tasks and a merge job, the controller saw $njobs jobs"
[ -f "$TMP/cluster/points.csv" ] || fail "no $TMP/cluster/points.csv after the merge job"
say "array and merge job ($njobs jobs) done in $(($(now) - t2)) s"

# --- 4. the same sweep, unsharded and local: same bytes ----------------------
t3=$(now)
"$BIN" sweep "$SWEEP" --out "$TMP/local" --quiet >"$TMP/local.log" 2>&1 \
    || { cat "$TMP/local.log"; fail "local tiersim sweep failed"; }
say "local unsharded run in $(($(now) - t3)) s"
for f in points.csv runs.csv scenario.toml; do
    [ -f "$TMP/local/$f" ] || fail "the local run wrote no $f"
    [ -f "$TMP/cluster/$f" ] || fail "the Slurm run wrote no $f"
    if ! cmp "$TMP/local/$f" "$TMP/cluster/$f"; then
        diff -u "$TMP/local/$f" "$TMP/cluster/$f" | head -n 40 || true
        fail "$f differs between the Slurm run and the local run"
    fi
done

PASSED=1
say "PASSED"
