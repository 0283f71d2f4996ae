#!/usr/bin/env bash
# plan-vs-bench.sh -- how well `fgattn plan' predicts where poly overtakes
# exact attention: the crossover measured by `fgattn bench poly' against
# plan's by counts (crossover_n) and by time (--time: crossover_time_n),
# with the a-priori radius tau d B^2 and with the data's.
#
#   experiments/plan-vs-bench.sh [FGATTN] > table.csv
#
# For d = 8 (tau = 1/d, entries of Q, K and V uniform in [-B, B]), each B of
# $BS (default "0.5 1 1.5") and each eps of $EPSS (default "1e-6 1/n"):
#   measured  bench poly's crossover, interpolated (log-log) between the
#             powers of two where poly (prepare + run) turns faster than the
#             faster exact kernel, from n = 2^7 to 2^$MAXLOG2N (default 15)
#   count_*   plan's crossover_n (operation counts)
#   time_*    plan --time's crossover_time_n (seconds, rates measured now)
#   *_apriori with R = tau d B^2; *_data with --radius data on an instance
#             drawn at the measured n (the data's radius grows slowly with n)
# and each prediction over the measured crossover.  The times are this
# machine's: run it on an idle machine (the load average is printed on
# stderr before and after).  About 5 minutes on 2 cores.
set -u
fgattn=${1:-}
if [ -z "$fgattn" ]; then
  if [ -x build/src/cli/fgattn ]; then fgattn=$PWD/build/src/cli/fgattn; else fgattn=$(command -v fgattn); fi
fi
if [ -z "$fgattn" ] || [ ! -x "$fgattn" ]; then
  echo "plan-vs-bench.sh: no fgattn program (build it, or name it)" >&2; exit 2
fi
BS=${BS:-"0.5 1 1.5"}
EPSS=${EPSS:-"1e-6 1/n"}
MAXLOG2N=${MAXLOG2N:-15}
d=8
work=$(mktemp -d /tmp/plan-vs-bench-XXXXXX)
trap 'rm -rf "$work"' EXIT
echo "load before: $(cut -d' ' -f1-3 /proc/loadavg)" >&2

# col FILE NAME: column NAME of the one data row of the CSV FILE
col () {
  awk -F, -v k="$2" 'NR == 1 { for (i = 1; i <= NF; i++) c[$i] = i; next }
    NR == 2 { print $c[k] }' "$1"
}
ratio () { awk -v a="$1" -v b="$2" 'BEGIN { if (a == "inf" || b + 0 <= 0) print "inf"; else printf "%.2f\n", a / b }'; }

echo "d,B,eps,measured,count_apriori,count_data,time_apriori,time_data,count_apriori_ratio,count_data_ratio,time_apriori_ratio,time_data_ratio,g_measured"
for B in $BS; do
  for eps in $EPSS; do
    "$fgattn" bench poly -d $d -B "$B" --eps "$eps" --min-log2n 7 --max-log2n "$MAXLOG2N" \
      --exact-limit 20 --format json -q > "$work/bench.json" || exit 1
    read -r measured g <<EOF2
$(python3 -c '
import json, sys
d = json.load(open(sys.argv[1]))
s = d["summary"]
c = s.get("crossover_n_interpolated")
rows = [r for r in d["rows"] if r["kernel"] == "poly"]
g = ""
if c:
    near = min(rows, key=lambda r: abs(r["n"] - c))
    g = near.get("g", "")
print(c if c else "inf", g)' "$work/bench.json")
EOF2
    if [ "$measured" = inf ]; then n=$((1 << MAXLOG2N)); else n=$(printf '%.0f' "$measured"); fi
    rm -rf "$work/inst"
    "$fgattn" gen -n "$n" -d $d -B "$B" --seed 1 -o "$work/inst" > /dev/null || exit 1
    "$fgattn" plan -n "$n" -d $d -B "$B" --eps "$eps" --time --format csv > "$work/a.csv" || exit 1
    "$fgattn" plan --radius data -i "$work/inst" --eps "$eps" --time --format csv \
      > "$work/b.csv" || exit 1
    ca=$(col "$work/a.csv" crossover_n); cd_=$(col "$work/b.csv" crossover_n)
    ta=$(col "$work/a.csv" crossover_time_n); td=$(col "$work/b.csv" crossover_time_n)
    echo "$d,$B,$eps,$measured,$ca,$cd_,$ta,$td,$(ratio "$ca" "$measured"),$(ratio "$cd_" "$measured"),$(ratio "$ta" "$measured"),$(ratio "$td" "$measured"),$g"
  done
done
echo "load after: $(cut -d' ' -f1-3 /proc/loadavg)" >&2
