#!/bin/sh
# bench_window.sh - throughput of mswindow, msator, msrtoa and msedit on
# 1-hour 20 sps traces (72000 samples), next to the pass-through mscat in
# the same run.  Figures: seconds, input Msamples/s, ratio to the
# pass-through's rate, peak RSS (/usr/bin/time).  BENCH_TRACES (600: 43.2 M
# samples, 346 MB) and BENCH_REPEAT (5) set the size.  Each tool reads a stream
# file and writes to /dev/null; the best of BENCH_REPEAT runs is kept.
# Figures only; nothing is asserted.
set -eu
REPO=$(cd "$(dirname "$0")/.." && pwd)
BIN=${MSPIPE_BIN:-$REPO/bin}
N=${BENCH_TRACES:-600}
REPEAT=${BENCH_REPEAT:-5}
T=$(mktemp -d "${TMPDIR:-/tmp}/bench_window.XXXXXX")
trap 'rm -rf "$T"' EXIT INT TERM

"$BIN/mssynth" --stream --count "$N" --npts 72000 --dt 0.05 --seed 3 > "$T/in"
"$BIN/msator" --ref synth_ptime < "$T/in" > "$T/rel"
SAMPLES=$((N * 72000))
MB=$(du -b "$T/in" | awk '{printf "%.0f", $1 / 1e6}')
echo "bench_window: $N traces x 72000 samples (1 h at 20 sps) = $SAMPLES samples, $MB MB of stream"
printf '%-50s %8s %10s %8s %10s\n' tool seconds Msamples/s vs_cat peak_RSS_kB

base=""
# run LABEL INPUT CMD...: best elapsed time of REPEAT runs (date +%s%N:
# /usr/bin/time's 10 ms steps are too coarse here), peak RSS of the last
run() {
	label=$1
	input=$2
	shift 2
	best=""
	i=0
	while [ "$i" -lt "$REPEAT" ]; do
		t0=$(date +%s%N)
		/usr/bin/time -f "%M" -o "$T/time" "$@" < "$input" > /dev/null 2> "$T/err" || {
			echo "bench_window: $label failed:"
			cat "$T/err"
			return 1
		}
		t1=$(date +%s%N)
		el=$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.3f", (b - a) / 1e9 }')
		read -r rss < "$T/time"
		best=$(awk -v a="$el" -v b="$best" 'BEGIN { print ((b == "" || a < b) ? a : b) }')
		i=$((i + 1))
	done
	rate=$(awk -v s="$SAMPLES" -v t="$best" 'BEGIN { printf "%.1f", (t > 0 ? s / t / 1e6 : 0) }')
	[ -n "$base" ] || base=$rate
	ratio=$(awk -v r="$rate" -v b="$base" 'BEGIN { printf "%.2f", (b > 0 ? r / b : 0) }')
	printf '%-50s %8s %10s %8s %10s\n' "$label" "$best" "$rate" "$ratio" "$rss"
}

run "mscat (pass-through)" "$T/in" "$BIN/mscat"
run "mswindow --ref synth_ptime -200 200" "$T/in" "$BIN/mswindow" --ref synth_ptime -200 200
run "mswindow --short pad --ref synth_ptime -2000 2000" "$T/in" "$BIN/mswindow" --short pad --ref synth_ptime -2000 2000
run "msator --ref synth_ptime" "$T/in" "$BIN/msator" --ref synth_ptime
run "msrtoa" "$T/rel" "$BIN/msrtoa"
run "msedit --set x=1 --rename synth_amp=amp" "$T/in" "$BIN/msedit" --set x=1 --rename synth_amp=amp
run "msedit --kill-if (\$or, \$regex, \$in)" "$T/in" "$BIN/msedit" --kill-if \
	'{"$or": [{"chan": {"$regex": "^HH"}}, {"npts": {"$lt": 1000}}, {"sta": {"$in": ["A", "B"]}}]}'
