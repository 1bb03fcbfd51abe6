#!/bin/sh
# bench_msindex.sh - msindex throughput (records/s, MB/s, peak RSS) next to a
# bare libmseed scan of the same files (bench/mseedscan.c, built here).
# Data set: BENCH_COPIES (default 200) copies of the 8 real waveform files of
# ../shared/data in their own directories (1633 records, 1.16 MB per copy).
# Figures only; nothing is asserted.
set -eu
REPO=$(cd "$(dirname "$0")/.." && pwd)
BIN=${MSPIPE_BIN:-$REPO/bin}
DATA=${MSPIPE_DATA:-$REPO/../shared/data}
COPIES=${BENCH_COPIES:-200}
if [ ! -d "$DATA/waveforms" ]; then
	echo "bench_msindex: no $DATA/waveforms, skipped"
	exit 0
fi
T=$(mktemp -d "${TMPDIR:-/tmp}/bench_msindex.XXXXXX")
trap 'rm -rf "$T"' EXIT INT TERM

cc -O2 -o "$T/mseedscan" "$REPO/bench/mseedscan.c" -lmseed
i=1
while [ "$i" -le "$COPIES" ]; do
	mkdir -p "$T/data/$i"
	cp "$DATA"/waveforms/*.mseed "$T/data/$i/"
	i=$((i + 1))
done
find "$T/data" -type f -name '*.mseed' | sort > "$T/files"
cat $(cat "$T/files") > /dev/null # page cache warm for every run
MB=$(du -cb $(cat "$T/files") | tail -1 | awk '{printf "%.1f", $1 / 1e6}')
NREC=$("$T/mseedscan" $(cat "$T/files") | awk '{print $1}')

# run NAME CMD...: median elapsed seconds of BENCH_RUNS runs (default 3; the
# machine is shared and noisy), median CPU seconds (user + system, steadier
# than elapsed on a loaded machine) and the largest peak RSS, from /usr/bin/time.
# A "new db" run starts from no database each time (NEWDB set).
RUNS=${BENCH_RUNS:-3}
run() {
	name=$1
	shift
	: > "$T/times"
	k=0
	while [ "$k" -lt "$RUNS" ]; do
		[ -z "${NEWDB:-}" ] || rm -f "$NEWDB" "$NEWDB-wal" "$NEWDB-shm"
		/usr/bin/time -f "%e %M %U %S" -o "$T/time" "$@" > /dev/null 2> "$T/err" || {
			echo "bench_msindex: $name failed:"
			cat "$T/err"
			return 1
		}
		cat "$T/time" >> "$T/times"
		k=$((k + 1))
	done
	el=$(sort -n "$T/times" | awk '{a[NR] = $1} END {print a[int((NR + 1) / 2)]}')
	rss=$(sort -k2 -n "$T/times" | tail -1 | awk '{print $2}')
	cpu=$(awk '{print $3 + $4}' "$T/times" | sort -n | awk '{a[NR] = $1} END {print a[int((NR + 1) / 2)]}')
	awk -v n="$name" -v e="$el" -v r="$NREC" -v mb="$MB" -v k="$rss" -v c="$cpu" 'BEGIN {
		if (e <= 0) e = 0.005
		printf "%-44s %6.2f s %9.0f records/s %7.1f MB/s  cpu %5.2f s %6.1f MB peak RSS\n", n, e, r / e, mb / e, c, k / 1024 }'
	echo "$el" > "$T/last"
}

echo "msindex benchmark ($RUNS runs each, median): $COPIES copies, $(wc -l < "$T/files") files, $NREC records, $MB MB"
run "libmseed scan, headers (baseline)" "$T/mseedscan" $(cat "$T/files")
base=$(cat "$T/last")
run "libmseed scan, samples decoded" "$T/mseedscan" -d $(cat "$T/files")
run "msindex --dry-run (scan + documents)" "$BIN/msindex" --dry-run "$T/data"
dry=$(cat "$T/last")
NEWDB="$T/bench.db" run "msindex into a new SQLite db" "$BIN/msindex" --db "$T/bench.db" "$T/data"
new=$(cat "$T/last")
run "msindex again (every segment already there)" "$BIN/msindex" --db "$T/bench.db" "$T/data"
again=$(cat "$T/last")
awk -v b="$base" -v d="$dry" -v n="$new" -v a="$again" 'BEGIN {
	if (b <= 0) b = 0.005
	printf "ratio to the libmseed header scan: dry-run %.2f, new db %.2f, re-run %.2f\n", d / b, n / b, a / b }'
echo "wf_miniseed documents: $(sqlite3 "$T/bench.db" 'select count(*) from wf_miniseed' 2>/dev/null || echo '?')"
