#!/usr/bin/env bash
# readme-figures.sh -- regenerates every figure README.md quotes, with the
# machine and its load, into notebooks-data/readme/.
#
#   experiments/readme-figures.sh [--long] [FGATTN]
#
# FGATTN is the program (default: build/src/cli/fgattn, else fgattn on
# PATH).  Run from the top of the source tree.  Without --long it takes a
# few minutes: the tour (every command of README's "A tour", run as
# written and timed), the exact methods against the certified truth, the
# bench exact and bench poly figures, the scaling fits and the asymptotic
# table.  --long adds the timed demo and hardness runs, bench lowrank and
# bench rank (about an hour on 2 cores).
#
# Timings depend on the machine and its load: machine.md records both (the
# load average before and after each step), so a figure can be judged.
# OpenBLAS 0.3.21 misreads some AVX-512 CPUs as "Prescott" and runs DGEMM
# several times too slowly; machine.md records the BLAS core in use.
set -u
long=0
if [ "${1:-}" = --long ]; then long=1; shift; fi
fgattn=${1:-}
if [ -z "$fgattn" ]; then
  if [ -x build/src/cli/fgattn ]; then fgattn=$PWD/build/src/cli/fgattn; else fgattn=$(command -v fgattn); fi
fi
if [ -z "$fgattn" ] || [ ! -x "$fgattn" ]; then
  echo "readme-figures.sh: no fgattn program (build it, or name it)" >&2; exit 2
fi
if [ ! -f README.md ] || [ ! -d experiments ]; then
  echo "readme-figures.sh: run it from the top of the source tree" >&2; exit 2
fi
case $fgattn in /*) ;; *) fgattn=$PWD/$fgattn ;; esac
top=$PWD
out=$top/notebooks-data/readme
tmp=$(mktemp -d "$top/notebooks-data/.readme-XXXXXX")
work=$(mktemp -d /tmp/fgattn-readme-XXXXXX)
trap 'rm -rf "$tmp" "$work"' EXIT
export FGATTN_DATADIR=$top

load () { cut -d' ' -f1-3 /proc/loadavg; }
now () { date +%s.%N; }
secs () { awk -v a="$1" -v b="$2" 'BEGIN {printf "%.2f", b - a}'; }

# step NAME CMD...: runs CMD in the work folder, its stdout into NAME.txt,
# and a line of machine.md with its time and the load before and after.
step () {
  local name=$1; shift
  local l0 t0 t1 st
  l0=$(load); t0=$(now)
  (cd "$work" && "$@") > "$tmp/$name.txt" 2> "$tmp/$name.err"
  st=$?; t1=$(now)
  echo "| $name | $st | $(secs "$t0" "$t1") | $l0 | $(load) |" >> "$tmp/steps.md"
  [ -s "$tmp/$name.err" ] || rm -f "$tmp/$name.err"
  return $st
}

{
  echo "# The machine of README's figures"
  echo
  echo "- date: $(date -u '+%Y-%m-%d %H:%M UTC')"
  echo "- fgattn: $("$fgattn" --version) (commit $(git rev-parse --short HEAD 2>/dev/null || echo '?'))"
  echo "- CPU: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ *//'), $(nproc) cores"
  echo "- memory: $(awk '/MemTotal/ {printf "%.1f GiB", $2 / 1048576}' /proc/meminfo)"
  echo "- OPENBLAS_CORETYPE: ${OPENBLAS_CORETYPE:-(unset)}"
  echo "- load average (1, 5, 15 min) at the start: $(load)"
  echo
  echo "Every step, its exit status, its wall seconds and the load before and after:"
  echo
  echo "| step | status | seconds | load before | load after |"
  echo "|---|---:|---:|---|---|"
} > "$tmp/machine.md"
: > "$tmp/steps.md"

# --- the tour: every command of README's "A tour", as written, timed --------
awk '/^## A tour/ {t = 1; next} /^## / {t = 0} t && /^    fgattn / {sub(/^    /, ""); print}' \
  README.md > "$work/tour.cmds"
{
  echo "| command | status | seconds |"
  echo "|---|---:|---:|"
} > "$tmp/tour.md"
PATH=$(dirname "$fgattn"):$PATH
while IFS= read -r line; do
  cmd=${line%%#*}
  cmd=${cmd%"${cmd##*[![:space:]]}"}
  # A command stated at over 2 minutes ("# 16 min") runs with --long only.
  stated=$(printf '%s\n' "${line#"$cmd"}" \
    | sed -n 's/.*[^0-9.]\([0-9][0-9.]*\) *\(s\|min\)\b.*/\1 \2/p' | head -1 \
    | awk '{print ($2 == "min") ? $1 * 60 : $1}')
  if [ $long -eq 0 ] && [ -n "$stated" ] && awk -v s="$stated" 'BEGIN {exit !(s > 120)}'; then
    echo "| \`$cmd\` | not run (stated over 2 min; --long runs it) | |" >> "$tmp/tour.md"
    continue
  fi
  t0=$(now)
  (cd "$work" && bash -c "$cmd") > /dev/null 2> "$work/tour.err" < /dev/null
  st=$?
  echo "| \`$cmd\` | $st | $(secs "$t0" "$(now)") |" >> "$tmp/tour.md"
  if [ $st -ne 0 ]; then
    echo "readme-figures.sh: tour command failed ($st): $cmd" >&2
    head -3 "$work/tour.err" >&2
  fi
done < "$work/tour.cmds"

# --- the exact methods against the certified truth --------------------------
exact_table () {
  "$fgattn" gen -n 512 -d 16 -B 3 --seed 1 -o r512 > /dev/null || return 1
  "$fgattn" truth -i r512 -o r512-truth.npy > /dev/null || return 1
  printf '%-24s %10s %12s %12s %10s\n' method seconds max_abs rel_fro max_ulps
  for algo in naive stream blas mpfr; do
    "$fgattn" run -i r512 --method "exact:algo=$algo" -o "r512-$algo.npy" \
      --stats "r512-$algo.json" > /dev/null || return 1
    local s
    s=$(sed -n 's/.*"wall_seconds": *\([0-9.e+-]*\).*/\1/p' "r512-$algo.json" | head -1)
    "$fgattn" compare r512-truth.npy "r512-$algo.npy" --format csv \
      | awk -F, -v m="exact:algo=$algo" -v s="$s" '
          NR == 1 {for (i = 1; i <= NF; i++) c[$i] = i; next}
          {printf "%-24s %10.4f %12.3g %12.3g %10s\n", m, s, $c["max_abs"], $c["rel_fro"], $c["max_ulps"]}'
  done
}
step exact exact_table

step bench-exact "$fgattn" bench exact --quick
step bench-poly "$fgattn" bench poly --max-log2n 16
step scaling-window "$fgattn" scaling --mech window -w 64 -n 1024,2048,4096,8192
step scaling-vanilla "$fgattn" scaling --mech vanilla -n 512,1024,2048,4096
step plan-table "$fgattn" plan --table --law '1;(ln n)^(1/4);sqrt(ln n)' --beta 0.5,1 --n-step 8
if [ $long -eq 1 ]; then
  step demo "$fgattn" demo -o demo --quiet
  step hardness "$fgattn" hardness -o hardness --quiet
  step bench-lowrank "$fgattn" bench lowrank --warmup 0 --runs 1
  step bench-rank "$fgattn" bench rank -n 65536 -d 16 --warmup 0 --runs 1
fi

{
  cat "$tmp/steps.md"
  echo
  echo "- load average at the end: $(load)"
} >> "$tmp/machine.md"
rm -f "$tmp/steps.md"
# Keep the figures of the long steps from an earlier --long run.
if [ $long -eq 0 ] && [ -d "$out" ]; then
  for f in demo hardness bench-lowrank bench-rank; do
    [ -e "$out/$f.txt" ] && cp "$out/$f.txt" "$tmp/"
  done
fi
rm -rf "$out.old"
[ -d "$out" ] && mv "$out" "$out.old"
mv "$tmp" "$out" && rm -rf "$out.old"
chmod 755 "$out"
echo "readme-figures.sh: wrote $out"
