#!/bin/sh
# bench_io.sh - the two ends of a chain:
#   msread Msamples/s next to a bare libmseed decode loop over the same files
#   (bench/mseed_decode.c, built here; target: msread >= 90% of it), and next
#   to the same loop that also converts to float64 and writes the samples
#   (the least any reader that hands float64 records on must do);
#   mssave documents/s and MB/s (binary and miniSEED);
#   file opens per 1000 records, input sorted by dir,dfile and shuffled.
# Data: BENCH_COPIES (default 100) copies of the real waveform files of
# ../shared/data, each copy in its own directory, in the page cache.
# CPU time and peak RSS from /usr/bin/time.  Figures only; nothing is asserted.
set -eu
REPO=$(cd "$(dirname "$0")/.." && pwd)
BIN=${MSPIPE_BIN:-$REPO/bin}
DATA=${MSPIPE_DATA:-$REPO/../shared/data}
COPIES=${BENCH_COPIES:-100}
PY=/usr/bin/python3
if [ ! -d "$DATA/waveforms" ]; then
	echo "bench_io: no $DATA/waveforms, skipped"
	exit 0
fi
T=$(mktemp -d "${TMPDIR:-/tmp}/bench_io.XXXXXX")
trap 'rm -rf "$T"' EXIT INT TERM
export MSPIPE_DB="$T/bench.db"

cc -O2 -o "$T/mseed_decode" "$REPO/bench/mseed_decode.c" -lmseed
i=1
while [ "$i" -le "$COPIES" ]; do
	mkdir -p "$T/data/$i"
	cp "$DATA"/waveforms/*.mseed "$T/data/$i/"
	i=$((i + 1))
done
find "$T/data" -type f -name '*.mseed' | sort > "$T/files"
cat $(cat "$T/files") > /dev/null
$PY "$REPO/tests/lib/wfdocs.py" $(cat "$T/files") > "$T/sorted.jsonl"
$PY -c 'import random, sys; l = open(sys.argv[1]).readlines(); random.seed(1); random.shuffle(l); sys.stdout.writelines(l)' \
	"$T/sorted.jsonl" > "$T/shuffled.jsonl"
NDOC=$(wc -l < "$T/sorted.jsonl")
set -- $("$T/mseed_decode" $(cat "$T/files"))
NSAMP=$1
NREC=$2
MB=$(du -cb $(cat "$T/files") | tail -1 | awk '{printf "%.1f", $1 / 1e6}')

# best of 5: CPU seconds (user + system: the machine is shared, so elapsed
# time carries other processes' load) and peak RSS (KiB) of CMD
best() {
	b=
	for k in 1 2 3 4 5; do
		/usr/bin/time -f "%U %S %M %e" -o "$T/time" sh -c "exec $1" > "$T/out" 2> "$T/err" || {
			echo "bench_io: failed: $1"
			cat "$T/err"
			exit 1
		}
		read -r us sy rss wall < "$T/time"
		el=$(awk -v u="$us" -v s="$sy" 'BEGIN { t = u + s; if (t < 0.005) t = 0.005; print t }')
		if [ -z "$b" ] || awk -v a="$el" -v b="$b" 'BEGIN { exit !(a < b) }'; then
			b=$el
			r=$rss
			w=$wall
		fi
	done
	echo "$b $r $w"
}

echo "bench_io: $COPIES copies, $(wc -l < "$T/files") files, $MB MB, $NREC miniSEED records, $NSAMP samples, $NDOC wf documents"
set -- $(best "'$T/mseed_decode' $(cat "$T/files" | tr '\n' ' ')")
base=$1
printf "%-44s %6.2f s CPU %8.1f Msamples/s %7.1f MB peak RSS\n" "libmseed decode loop (baseline)" "$1" \
	"$(awk -v n="$NSAMP" -v e="$1" 'BEGIN { print n / e / 1e6 }')" "$(awk -v k="$2" 'BEGIN { print k / 1024 }')"
set -- $(best "'$T/mseed_decode' -w $(cat "$T/files" | tr '\n' ' ') > /dev/null")
base_w=$1
printf "%-44s %6.2f s CPU %8.1f Msamples/s %7.1f MB peak RSS\n" "libmseed decode + float64 + write (baseline 2)" "$1" \
	"$(awk -v n="$NSAMP" -v e="$1" 'BEGIN { print n / e / 1e6 }')" "$(awk -v k="$2" 'BEGIN { print k / 1024 }')"
set -- $(best "'$BIN/msread' '$T/sorted.jsonl' > /dev/null")
printf "%-44s %6.2f s CPU %8.1f Msamples/s %7.1f MB peak RSS  (%.0f%% of the baseline)\n" \
	"msread > /dev/null (records written)" "$1" \
	"$(awk -v n="$NSAMP" -v e="$1" 'BEGIN { print n / e / 1e6 }')" "$(awk -v k="$2" 'BEGIN { print k / 1024 }')" \
	"$(awk -v a="$base" -v e="$1" 'BEGIN { print 100 * a / e }')"
printf "%-44s %.0f%% of baseline 2\n" "" "$(awk -v a="$base_w" -v e="$1" 'BEGIN { print 100 * a / e }')"

for order in sorted shuffled; do
	"$BIN/msread" -v "$T/$order.jsonl" 2> "$T/err" > /dev/null
	opens=$(sed -n 's/.* \([0-9]*\) file opens$/\1/p' "$T/err")
	printf "%-44s %6d opens for %d documents: %.1f opens per 1000 records\n" \
		"msread, input $order by dir,dfile" "$opens" "$NDOC" \
		"$(awk -v o="$opens" -v n="$NDOC" 'BEGIN { print 1000 * o / n }')"
done

# mssave: the records of the sorted read, saved in binary and in miniSEED
"$BIN/msread" "$T/sorted.jsonl" > "$T/records"
RMB=$(awk -v n="$NSAMP" 'BEGIN { printf "%.1f", n * 8 / 1e6 }')
n=0
for fmt in binary mseed; do
	n=$((n + 1))
	set -- $(best "'$BIN/mssave' -q --tag b$fmt\$\$ --format $fmt --dir '$T/wf' < '$T/records'")
	printf "%-44s %6.2f s CPU %8.0f documents/s %6.1f MB/s of samples %7.1f MB peak RSS; elapsed %.2f s (with fsyncs): %.0f documents/s\n" \
		"mssave --format $fmt ($NDOC records)" "$1" \
		"$(awk -v n="$NDOC" -v e="$1" 'BEGIN { print n / e }')" \
		"$(awk -v m="$RMB" -v e="$1" 'BEGIN { print m / e }')" "$(awk -v k="$2" 'BEGIN { print k / 1024 }')" \
		"$3" "$(awk -v n="$NDOC" -v e="$3" 'BEGIN { if (e < 0.01) e = 0.01; print n / e }')"
done
