#!/usr/bin/env bash
# slurm-sweep.sh -- an fgattn sweep on a Slurm cluster: one shard per task
# of a job array, then a merge job that starts when every shard succeeded.
#
#   experiments/slurm-sweep.sh submit CONFIG OUTDIR [N]
#
# submits (from a folder that every node sees; N defaults to 8)
#
#   sbatch --array=1-N slurm-sweep.sh shard CONFIG OUTDIR N
#   sbatch --dependency=afterok:ARRAYJOB slurm-sweep.sh merge CONFIG OUTDIR N
#
# Task I runs `fgattn sweep CONFIG --shard I/N -o OUTDIR.shards/I': the
# cells of shard I, split by the sweep's cost model so that the shards take
# about the same time; the merge joins the N folders into OUTDIR, the files
# a one-process run writes (timing columns aside), and exits 1 naming the
# shards that lack cells.  A shard that was killed (time limit, node lost)
# resumes where it stopped: resubmit its task alone,
#   sbatch --array=3 experiments/slurm-sweep.sh shard CONFIG OUTDIR N
# then the merge.  Each shard computes one cell at a time with
# SLURM_CPUS_PER_TASK threads (OMP_NUM_THREADS), as one process with
# --jobs 1 would: with --jobs > 1 the last bits of some errors would differ
# from a one-process run.  FGATTN names the program (default: fgattn on the
# PATH); change the #SBATCH lines below to your cluster's limits.
#
# Without Slurm, GNU parallel does the same on the cores of one machine, or
# over ssh on several (-S host1,host2, a folder they share):
#
#   parallel fgattn sweep CONFIG --shard {}/4 -o OUT.shards/{} --quiet ::: 1 2 3 4 &&
#     fgattn sweep --merge -o OUT OUT.shards/1 OUT.shards/2 OUT.shards/3 OUT.shards/4
#
# With MPI, fgattn-mpi sweep runs the whole grid as one job over its ranks.
#
#SBATCH --job-name=fgattn-sweep
#SBATCH --cpus-per-task=2
#SBATCH --time=24:00:00
#SBATCH --output=fgattn-sweep-%A_%a.log
set -eu

fgattn=${FGATTN:-fgattn}
usage () {
  echo "usage: $0 submit CONFIG OUTDIR [N] | shard CONFIG OUTDIR N | merge CONFIG OUTDIR N" >&2
  exit 2
}
[ $# -ge 3 ] || usage
mode=$1 config=$2 outdir=$3 n=${4:-8}
case $n in ''|*[!0-9]*|0*) echo "$0: N must be a whole number from 1: '$n'" >&2; exit 2 ;; esac

case $mode in
  submit)
    self=$(readlink -f "$0")
    # the configuration by its full path: the jobs may start in another folder
    [ -e "$config" ] && config=$(readlink -f "$config")
    outdir=$(readlink -m "$outdir")
    array=$(sbatch --parsable --array=1-"$n" "$self" shard "$config" "$outdir" "$n")
    array=${array%%;*}
    merge=$(sbatch --parsable --dependency=afterok:"$array" --job-name=fgattn-merge \
              "$self" merge "$config" "$outdir" "$n")
    echo "shards: job $array (array 1-$n, into $outdir.shards/); merge: job ${merge%%;*}"
    ;;
  shard)
    i=${SLURM_ARRAY_TASK_ID:?shard: run as a task of a Slurm job array (sbatch --array=1-N)}
    export OMP_NUM_THREADS=${SLURM_CPUS_PER_TASK:-${OMP_NUM_THREADS:-1}}
    mkdir -p "$outdir.shards"
    exec "$fgattn" sweep "$config" --shard "$i/$n" -o "$outdir.shards/$i" --jobs 1
    ;;
  merge)
    shards=()
    for ((i = 1; i <= n; i++)); do shards+=("$outdir.shards/$i"); done
    exec "$fgattn" sweep --merge -o "$outdir" "${shards[@]}"
    ;;
  *) usage ;;
esac
