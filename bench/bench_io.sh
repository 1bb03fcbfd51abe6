#!/bin/sh
# bench_io.sh - the two ends of a chain:
#   msread Msamples/s next to a bare libmseed decode loop over the same files
#   (bench/mseed_decode.c, built here; target: msread >= 90% of it), and next
#   to the same loop that also converts to float64 and writes the samples
#   (the least any reader that hands float64 records on must do);
#   mssave documents/s and MB/s (binary and miniSEED);
#   file opens per 1000 records, input sorted by dir,dfile and shuffled.
# Like with like: the wf documents msread reads cover every byte of the files
# the loop decodes (checked and printed), so both decode the same records and
# the same samples; Msamples/s count the decoded samples on both sides (msread
# also writes the samples it fills into gaps, which the loop has not).
# Two data sets, each in the page cache:
#   real: BENCH_COPIES (default 100) copies of the real waveform files of
#     ../shared/data (Steim1/Steim2, 512/4096-byte records, both byte
#     orders), each copy in its own directory;
#   synthetic: `mssynth --dataset` with BENCH_SYN_STATIONS (default 30)
#     three-component stations of BENCH_SYN_NPTS (default 1000000) samples,
#     noise 1000 counts rms (Steim2, 4096-byte records): larger, so its CPU
#     times are well above /usr/bin/time's 10 ms resolution.
# Each timed run goes BENCH_REPEAT times (default 4) over its set (the file
# list, and the documents, repeated: nothing more on disk), so the real set
# too takes well over /usr/bin/time's 10 ms resolution.
# CPU time (user + system, best of 5) and peak RSS from /usr/bin/time.
# Figures only; nothing is asserted.
set -eu
REPO=$(cd "$(dirname "$0")/.." && pwd)
BIN=${MSPIPE_BIN:-$REPO/bin}
DATA=${MSPIPE_DATA:-$REPO/../shared/data}
COPIES=${BENCH_COPIES:-100}
SYN_STATIONS=${BENCH_SYN_STATIONS:-30}
SYN_NPTS=${BENCH_SYN_NPTS:-1000000}
REPEAT=${BENCH_REPEAT:-4}
PY=/usr/bin/python3
if [ ! -d "$DATA/waveforms" ]; then
	echo "bench_io: no $DATA/waveforms, skipped"
	exit 0
fi
T=$(mktemp -d "${TMPDIR:-/tmp}/bench_io.XXXXXX")
trap 'rm -rf "$T"' EXIT INT TERM
export MSPIPE_DB="$T/bench.db"

cc -O2 -o "$T/mseed_decode" "$REPO/bench/mseed_decode.c" -lmseed

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

# decode NAME FILELIST DOCS: the baselines and msread on one data set
decode() {
	name=$1
	files=$2
	docs=$3
	cat $(cat "$files") > /dev/null
	set -- $("$T/mseed_decode" $(cat "$files"))
	nsamp=$1
	nrec=$2
	fbytes=$(cat $(cat "$files") | wc -c)
	# the documents cover every byte of the files: the same records, the same samples
	set -- $($PY -c 'import json, sys
nb = npts = 0
for l in open(sys.argv[1]):
    d = json.loads(l)
    nb += d["nbytes"]
    npts += d["npts"]
print(nb, npts)' "$docs")
	dbytes=$1
	dnpts=$2
	echo "bench_io [$name]: $(wc -l < "$files") files, $(awk -v b="$fbytes" 'BEGIN { printf "%.1f", b / 1e6 }') MB," \
		"$nrec miniSEED records, $nsamp samples decoded; $(wc -l < "$docs") wf documents covering" \
		"$dbytes of the $fbytes bytes, $dnpts samples written (gap fill included); each run $REPEAT times over them"
	: > "$T/rfiles"
	: > "$T/rdocs"
	k=0
	while [ "$k" -lt "$REPEAT" ]; do
		cat "$files" >> "$T/rfiles"
		cat "$docs" >> "$T/rdocs"
		k=$((k + 1))
	done
	list="@$T/rfiles"
	nsamp=$((nsamp * REPEAT))
	set -- $(best "'$T/mseed_decode' $list")
	base=$1
	printf "  %-46s %6.2f s CPU %8.1f Msamples/s %7.1f MB peak RSS\n" "libmseed decode loop (baseline)" "$1" \
		"$(awk -v n="$nsamp" -v e="$1" 'BEGIN { print n / e / 1e6 }')" "$(awk -v k="$2" 'BEGIN { print k / 1024 }')"
	set -- $(best "'$T/mseed_decode' -w $list > /dev/null")
	base_w=$1
	printf "  %-46s %6.2f s CPU %8.1f Msamples/s %7.1f MB peak RSS\n" "libmseed decode + float64 + write (baseline 2)" "$1" \
		"$(awk -v n="$nsamp" -v e="$1" 'BEGIN { print n / e / 1e6 }')" "$(awk -v k="$2" 'BEGIN { print k / 1024 }')"
	set -- $(best "'$BIN/msread' '$T/rdocs' > /dev/null")
	printf "  %-46s %6.2f s CPU %8.1f Msamples/s %7.1f MB peak RSS\n" \
		"msread > /dev/null (records written)" "$1" \
		"$(awk -v n="$nsamp" -v e="$1" 'BEGIN { print n / e / 1e6 }')" "$(awk -v k="$2" 'BEGIN { print k / 1024 }')"
	printf "  %-46s %.0f%% of the baseline (target 90%%), %.0f%% of baseline 2\n" "msread speed [$name]:" \
		"$(awk -v a="$base" -v e="$1" 'BEGIN { print 100 * a / e }')" \
		"$(awk -v a="$base_w" -v e="$1" 'BEGIN { print 100 * a / e }')"
}

# the real data set
i=1
while [ "$i" -le "$COPIES" ]; do
	mkdir -p "$T/data/$i"
	cp "$DATA"/waveforms/*.mseed "$T/data/$i/"
	i=$((i + 1))
done
find "$T/data" -type f -name '*.mseed' | sort > "$T/files"
$PY "$REPO/tests/lib/wfdocs.py" $(cat "$T/files") > "$T/sorted.jsonl"
$PY -c 'import random, sys; l = open(sys.argv[1]).readlines(); random.seed(1); random.shuffle(l); sys.stdout.writelines(l)' \
	"$T/sorted.jsonl" > "$T/shuffled.jsonl"
NDOC=$(wc -l < "$T/sorted.jsonl")
decode "real, $COPIES copies" "$T/files" "$T/sorted.jsonl"

# the synthetic data set
"$BIN/mssynth" --dataset "$T/syn" --stations "$SYN_STATIONS" --npts "$SYN_NPTS" --noise 1000 > /dev/null
find "$T/syn/waveforms" -type f -name '*.mseed' | sort > "$T/synfiles"
$PY "$REPO/tests/lib/wfdocs.py" $(cat "$T/synfiles") > "$T/syn.jsonl"
decode "synthetic, $SYN_STATIONS stations x 3 x $SYN_NPTS samples" "$T/synfiles" "$T/syn.jsonl"
rm -rf "$T/syn"

for order in sorted shuffled; do
	"$BIN/msread" -v "$T/$order.jsonl" 2> "$T/err" > /dev/null
	opens=$(sed -n 's/.* \([0-9]*\) file opens$/\1/p' "$T/err")
	printf "%-48s %6d opens for %d documents: %.1f opens per 1000 records\n" \
		"msread [real], input $order by dir,dfile" "$opens" "$NDOC" \
		"$(awk -v o="$opens" -v n="$NDOC" 'BEGIN { print 1000 * o / n }')"
done

# mssave: the records of the sorted read, saved in binary and in miniSEED
"$BIN/msread" "$T/sorted.jsonl" > "$T/records"
NSAMP=$("$T/mseed_decode" $(cat "$T/files") | cut -d' ' -f1)
RMB=$(awk -v n="$NSAMP" 'BEGIN { printf "%.1f", n * 8 / 1e6 }')
n=0
for fmt in binary mseed; do
	n=$((n + 1))
	set -- $(best "'$BIN/mssave' -q --tag b$fmt\$\$ --format $fmt --dir '$T/wf' < '$T/records'")
	printf "%-48s %6.2f s CPU %8.0f documents/s %6.1f MB/s of samples %7.1f MB peak RSS; elapsed %.2f s (with fsyncs): %.0f documents/s\n" \
		"mssave --format $fmt ($NDOC records)" "$1" \
		"$(awk -v n="$NDOC" -v e="$1" 'BEGIN { print n / e }')" \
		"$(awk -v m="$RMB" -v e="$1" 'BEGIN { print m / e }')" "$(awk -v k="$2" 'BEGIN { print k / 1024 }')" \
		"$3" "$(awk -v n="$NDOC" -v e="$3" 'BEGIN { if (e < 0.01) e = 0.01; print n / e }')"
done
