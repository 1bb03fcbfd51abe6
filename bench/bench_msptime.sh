#!/bin/sh
# bench_msptime.sh - throughput of msptime (records/s) next to the
# pass-through mscat on the same stream, in the same run.  Records carry 100
# samples and random source/receiver coordinates (bench/msptime_gen.c); the
# events come in runs of consecutive records as a query sorted by event
# gives them.  Cases: 1000 events (a new source depth every 100 records),
# --phase P,S, and the worst case of a new depth on every record.
# Figures: elapsed seconds (best of BENCH_REPEAT), records/s on that, CPU
# seconds (user+sys, /usr/bin/time: steadier on a shared machine) and
# records per CPU second, ratio to mscat (on CPU), peak RSS.
# BENCH_RECORDS (50000; the every-record-a-new-depth case uses a tenth) and
# BENCH_REPEAT (3) set the size.  Figures only;
# nothing is asserted.
set -eu
REPO=$(cd "$(dirname "$0")/.." && pwd)
BIN=${MSPIPE_BIN:-$REPO/bin}
BUILD=${MSPIPE_BUILD:-$REPO/build}
N=${BENCH_RECORDS:-50000}
REPEAT=${BENCH_REPEAT:-3}
T=$(mktemp -d "${TMPDIR:-/tmp}/bench_msptime.XXXXXX")
trap 'rm -rf "$T"' EXIT INT TERM

PKGS="libmongoc-1.0 libbson-1.0 libxml-2.0 cairo fftw3 sqlite3 mseed"
cc -O2 -std=gnu11 -D_GNU_SOURCE -I"$REPO/include" $(pkg-config --cflags $PKGS) -o "$T/gen" \
	"$REPO/bench/msptime_gen.c" "$BUILD/libmspipe.a" $(pkg-config --libs $PKGS) -lfftw3_threads -lpthread -lm
"$T/gen" "$N" $((N / 100)) 100 > "$T/in"
NE=$((N / 10))
"$T/gen" "$NE" "$NE" 100 > "$T/every"
MB=$(du -b "$T/in" | awk '{printf "%.0f", $1 / 1e6}')
echo "bench_msptime: $N records x 100 samples ($MB MB of stream), random source-receiver pairs"
printf '%-46s %8s %10s %8s %12s %8s %10s\n' case seconds records/s cpu_s records/cpu_s vs_cat peak_RSS_kB

base=""
run() {
	label=$1
	input=$2
	nrec=$3
	shift 3
	best=""
	bestcpu=""
	i=0
	while [ "$i" -lt "$REPEAT" ]; do
		t0=$(date +%s%N)
		/usr/bin/time -f "%M %U %S" -o "$T/time" "$@" < "$input" > /dev/null 2> "$T/err" || {
			echo "bench_msptime: $label failed:"
			cat "$T/err"
			return 1
		}
		t1=$(date +%s%N)
		el=$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.3f", (b - a) / 1e9 }')
		read -r rss us ss < "$T/time"
		cpu=$(awk -v u="$us" -v s="$ss" 'BEGIN { printf "%.2f", u + s }')
		best=$(awk -v a="$el" -v b="$best" 'BEGIN { print ((b == "" || a < b) ? a : b) }')
		bestcpu=$(awk -v a="$cpu" -v b="$bestcpu" 'BEGIN { print ((b == "" || a < b) ? a : b) }')
		i=$((i + 1))
	done
	rate=$(awk -v s="$nrec" -v t="$best" 'BEGIN { printf "%.0f", (t > 0 ? s / t : 0) }')
	crate=$(awk -v s="$nrec" -v t="$bestcpu" 'BEGIN { printf "%.0f", (t > 0 ? s / t : 0) }')
	[ -n "$base" ] || base=$crate
	ratio=$(awk -v r="$crate" -v b="$base" 'BEGIN { printf "%.3f", (b > 0 ? r / b : 0) }')
	printf '%-46s %8s %10s %8s %12s %8s %10s\n' "$label" "$best" "$rate" "$bestcpu" "$crate" "$ratio" "$rss"
}

run "mscat (pass-through)" "$T/in" "$N" "$BIN/mscat"
run "msptime (P; new depth every 100 records)" "$T/in" "$N" "$BIN/msptime"
run "msptime --phase P,S" "$T/in" "$N" "$BIN/msptime" --phase P,S
run "msptime --model ak135" "$T/in" "$N" "$BIN/msptime" --model ak135
run "msptime (P; a new depth on every record)" "$T/every" "$NE" "$BIN/msptime"
