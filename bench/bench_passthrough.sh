#!/bin/sh
# bench_passthrough.sh - how fast records pass through mspipe tools, next to
# a plain C cat (bench/ccat.c: same 1 MiB I/O block, same 1 MiB pipe size),
# measured in the same run on the same page-cached file.
#
# Two shapes of data from mssynth: "hour" (1 h at 20 sps: 72000-sample
# records, 576 KB) and "window" (2000-sample records, 16 KB).  Each is run
# as 1 stage (tool < file > /dev/null) and 3 stages (tool < file | tool |
# tool > /dev/null); each timing is the best of BENCH_REPS runs, with mscat
# and ccat runs interleaved so that machine noise hits both.
#
#   BENCH_GB    gigabytes per data file (default 1)
#   BENCH_REPS  repetitions (default 3)
#   BENCH_TMP   where the data files go (default /tmp; they are removed)
set -eu
cd "$(dirname "$0")/.."
BIN="${MSPIPE_BIN:-$PWD/bin}"
GB="${BENCH_GB:-1}"
REPS="${BENCH_REPS:-3}"
W="$(mktemp -d "${BENCH_TMP:-/tmp}/mspipe-bench.XXXXXX")"
trap 'rm -rf "$W"' EXIT INT TERM
cc -O2 -o "$W/ccat" bench/ccat.c
CCAT="$W/ccat"
MSCAT="$BIN/mscat"

# run a shell command; print "wall cpu" seconds (cpu: user + sys of the
# whole pipeline, which sh waits for)
timed() {
	/usr/bin/time -f "%e %U %S" -o "$W/t" sh -c "$1"
	awk '{ printf "%s %.3f\n", $1, $2 + $3 }' "$W/t"
}

# best (least) wall and cpu times of two commands over REPS interleaved runs
best_pair() { # CMD_A CMD_B -> "wall_a cpu_a wall_b cpu_b"
	best="999999 999999 999999 999999"
	i=0
	while [ "$i" -lt "$REPS" ]; do
		best="$(echo "$best $(timed "$1") $(timed "$2")" | awk '{
			printf "%s %s %s %s\n", ($5 < $1 ? $5 : $1), ($6 < $2 ? $6 : $2), ($7 < $3 ? $7 : $3), ($8 < $4 ? $8 : $4) }')"
		i=$((i + 1))
	done
	echo "$best"
}

echo "bench_passthrough: $GB GB per shape, best of $REPS; $(nproc) cores; load $(cut -d' ' -f1-3 /proc/loadavg)"
printf '%-7s %-6s %10s %8s %10s %10s %10s %7s %9s %9s %7s\n' shape stages bytes records \
	"mscat GB/s" "records/s" "ccat GB/s" ratio "mscat cpu" "ccat cpu" "cpu%"
for shape in hour window; do
	if [ "$shape" = hour ]; then npts=72000; else npts=2000; fi
	recbytes=$((npts * 8 + 700))
	count=$(awk -v g="$GB" -v r="$recbytes" 'BEGIN { printf "%d", g * 1e9 / r }')
	f="$W/$shape.msp"
	"$BIN/mssynth" --stream --count "$count" --npts "$npts" --noise 1 > "$f"
	bytes=$(stat -c %s "$f")
	cat "$f" > /dev/null # into the page cache
	for stages in 1 3; do
		if [ "$stages" = 1 ]; then
			a="$MSCAT < '$f' > /dev/null"
			b="$CCAT < '$f' > /dev/null"
		else
			a="$MSCAT < '$f' | $MSCAT | $MSCAT > /dev/null"
			b="$CCAT < '$f' | $CCAT | $CCAT > /dev/null"
		fi
		set -- $(best_pair "$a" "$b")
		awk -v s="$shape" -v st="$stages" -v by="$bytes" -v n="$count" -v ta="$1" -v ca="$2" \
		    -v tb="$3" -v cb="$4" 'BEGIN {
			printf "%-7s %-6s %10d %8d %10.2f %10.0f %10.2f %6.0f%% %8.2fs %8.2fs %6.0f%%\n", s, st, by, n,
			       by / ta / 1e9, n / ta, by / tb / 1e9, 100 * tb / ta, ca, cb, 100 * cb / ca }'
	done
	if [ -x /usr/bin/time ]; then
		rss=$( { /usr/bin/time -v "$MSCAT" < "$f" > /dev/null; } 2>&1 | awk -F': ' '/Maximum resident/ {print $2}')
		echo "  peak RSS of one mscat stage ($shape): $rss KB"
	fi
	rm -f "$f"
done
echo "ratio = ccat wall time / mscat wall time (100% = as fast as a plain cat; target >= 80%)"
echo "cpu% = ccat cpu seconds / mscat cpu seconds (user + sys of all stages; robust on a loaded machine)"
