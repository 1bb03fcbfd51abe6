#!/bin/sh
# bench_chain.sh - the whole chain as users run it, in figures (issue: the chain).
#
#  1. Full chain throughput (traces/s, Msamples/s) on two shapes, 1-hour 20 sps
#     traces and 2000-sample windows, at -j1 and -j2 (GNU parallel over
#     partitions): msquery | msread | msdetrend | msfilter | mswindow | mssnr | mssave,
#     miniSEED decoding and saving (fsync, SQLite commit) counted; the fixed cost of a
#     run (the same command selecting no trace) and the steady-state rates without it.
#  2. The same work written with NumPy/SciPy (scipy.signal.detrend, butter + sosfilt,
#     slicing, mssnr's multitaper SNR and band search with scipy's dpss and scipy.fft)
#     and with ObsPy (Trace.detrend, filter, trim, the same SNR), 2 processes each, on
#     the same samples, decoding not counted; the ratios (also without the multitaper
#     SNR on both sides).  That both do the same work is checked first: the band edges
#     of 300 traces, NumPy's against mssnr's.  And MsPASS's own algorithms
#     (mspasspy 2.4.3 built from PyPI's source by scripts/mspass.sh, tried once:
#     signals.detrend and filter, window.WindowData, snr.arrival_snr on TimeSeries
#     objects), 2 processes, the same samples; its band edges against mssnr's first.
#  3. The pipe limit: the chain's time next to as many pass-through stages (mscat)
#     moving the same bytes through the same pipes: bare (file to /dev/null), and with
#     the chain's own ends (msquery | msread ... mssave) and window kept, each stage
#     that computes replaced by mscat.
#  4. Peak RSS of every process of the chain for 1k and 100k traces (flat: ratio):
#     the stream tools on a synthetic stream; msquery | msread | mssave on an index
#     at 1k, 10k and 100k (flat: the same figure at all three).
#  5. Start-up cost per process, and cost per partition.
#  6. Where the CPU goes: each process of one -j1 pipeline timed (CPU seconds, us a
#     trace); why -j2 adds little on 2 cores: -j1 and -j2 pinned to one core
#     (taskset) next to the same on both cores (the parallel speed-up); the disk's
#     share (the saved bytes written and fdatasync'd alone).
# Prints figures; asserts nothing.  Env: BENCH_LONG (1-hour traces, default 600),
# BENCH_SHORT (2000-sample windows, default 30000), BENCH_RSS_BIG (default 100000),
# BENCH_MSPASS=0 leaves MsPASS out (its first build takes minutes).
set -e
cd "$(dirname "$0")/.."
REPO=$PWD
BIN=${MSPIPE_BIN:-$PWD/bin}
PATH="$BIN:$PATH"
export PATH
PY=/usr/bin/python3
NLONG=${BENCH_LONG:-600}
NSHORT=${BENCH_SHORT:-30000}
NBIG=${BENCH_RSS_BIG:-100000}
W=$(mktemp -d "${TMPDIR:-/tmp}/bench_chain.XXXXXX")
trap 'rm -rf "$W"' EXIT
export PARALLEL_HOME="$W/.parallel"

now() { date +%s.%N; }
el() { echo "$2 - $1" | bc -l; }

# make_set NAME TRACES NPTS PRE: a miniSEED data set (3 components a station) and its index
make_set() {
	mssynth --dataset "$W/$1" --stations $(($2 / 3)) --npts "$3" --pre "$4" --seed 1 \
		--dist-min 30 --dist-max 90 > /dev/null
	MSPIPE_DB="$W/$1.db" msindex "$W/$1" > /dev/null
	find "$W/$1/waveforms" -type f -exec cat {} + > /dev/null   # page cache
}

# chain SET PARTS JOBS TAG W1 W2 NEND [snr]: wall time of the chain over PARTS partitions
chain() {
	set_=$1 parts=$2 jobs=$3 tag=$4 w1=$5 w2=$6 nend=$7 snr=${8:-snr}
	# mswindow moves starttime to the window's start: SNR windows are relative to that
	S="| mssnr --ref starttime --noise 1,$(echo "$nend - $w1" | bc) --signal $(echo "$nend - $w1" | bc),$(echo "$w2 - $w1 - 1" | bc) --keep-null --metrics none"
	[ "$snr" = nosnr ] && S=""
	q=""
	[ -n "${FILTER:-}" ] && q="'$FILTER'"
	mid="msdetrend --type linear | msfilter --bandpass 0.05,2 \
	 | mswindow --ref starttime $w1 $w2 --short truncate $S"
	# the pass-through twin (the pipe limit): mscat for each stage that computes
	[ -n "${TWIN:-}" ] && mid="mscat | mscat | mswindow --ref starttime $w1 $w2 --short truncate ${S:+| mscat}"
	cmd="msquery wf_miniseed $q --sort dir,dfile --partition {}/$parts | msread | $mid | mssave --tag $tag -q"
	# SLOTPIN: each job's pipeline on one core of its own (job slot k on core
	# k-1), as a batch system that gives each task one CPU would run it
	[ -n "${SLOTPIN:-}" ] && cmd="taskset -cp \$(({%} - 1)) \$\$ > /dev/null && $cmd"
	# every run starts with no sample files of earlier runs (their dirty pages
	# would be written back during this one)
	rm -rf "$W/wf"
	a=$(now)
	MSPIPE_DB="$W/$set_.db" MSPIPE_WFDIR="$W/wf" /usr/bin/time -f "%U %S" -o "$W/cpu.$tag" \
		$PIN parallel -j"$jobs" --halt now,fail=1 "$cmd" ::: $(seq 1 "$parts")
	b=$(now)
	el "$a" "$b"
}

# rate N SECONDS: traces a second
rate() { echo "$1 / $2" | bc -l; }

# agree FILE K: how many of the first K lines of FILE (a reference's band edges)
# equal mssnr's in $W/ms.edges, and how many of those K have a band
agree() {
	a=$(head -n "$2" "$W/ms.edges" | paste -d'|' "$1" - | awk -F'|' '$1 == $2 { a++ } END { print a + 0 }')
	echo "$a of $2 traces ($(head -n "$2" "$W/ms.edges" | grep -vc none || true) with a band)"
}

# pychain LABEL PYTHON MODE: chain_py.py's MODE (it prints: traces wall-seconds
# cpu-seconds) with the multitaper SNR and without, two lines against mspipe -j2;
# leaves py_t and py_c, the wall and CPU seconds with the SNR
pychain() {
	r=$($2 bench/chain_py.py "$3" "$W/$name.msp" 2 0.05 2 "$w1" "$w2" "$nend" mt)
	py_t=$(echo "$r" | cut -d' ' -f2) py_c=$(echo "$r" | cut -d' ' -f3)
	r=$($2 bench/chain_py.py "$3" "$W/$name.msp" 2 0.05 2 "$w1" "$w2" "$nend")
	py0=$(echo "$r" | cut -d' ' -f2)
	printf '   %-20s %7.2f s  %8.0f traces/s  %6.1f Msamples/s   mspipe -j2 is %.2fx  (multitaper SNR in both)\n' "$1, 2 procs" "$py_t" "$(rate "$ntr" "$py_t")" "$(echo "$ns / $py_t / 1000000" | bc -l)" "$(echo "$py_t / $t2" | bc -l)"
	printf '   %-20s %7.2f s  %8.0f traces/s  %6.1f Msamples/s   mspipe -j2 without mssnr is %.2fx\n' "$1, no MT" "$py0" "$(rate "$ntr" "$py0")" "$(echo "$ns / $py0 / 1000000" | bc -l)" "$(echo "$py0 / $t2n" | bc -l)"
}

shape() {
	name=$1 n=$2 npts=$3 pre=$4 w1=$5 w2=$6 nend=$7
	make_set "$name" "$n" "$npts" "$pre"
	ntr=$(MSPIPE_DB="$W/$name.db" msquery --count wf_miniseed)
	ns=$((ntr * npts))
	echo "== shape $name: $ntr traces x $npts samples ($(echo "scale=1; $ns / 1000000" | bc) M samples), window $w1..$w2 s; load average $(cut -d" " -f1-3 /proc/loadavg)"
	t1=$(chain "$name" 1 1 "${name}j1" "$w1" "$w2" "$nend")
	t2=$(chain "$name" 2 2 "${name}j2" "$w1" "$w2" "$nend")
	t2n=$(chain "$name" 2 2 "${name}j2n" "$w1" "$w2" "$nend" nosnr)
	# the fixed cost of a run: the same command selecting no trace (GNU parallel,
	# every process's start-up, opening the database, the sample file, the commit)
	f1=$(FILTER='{"sta":"-"}' chain "$name" 1 1 "${name}f1" "$w1" "$w2" "$nend")
	f2=$(FILTER='{"sta":"-"}' chain "$name" 2 2 "${name}f2" "$w1" "$w2" "$nend")
	saved=$(MSPIPE_DB="$W/$name.db" msquery --count wf_TimeSeries "{\"data_tag\":\"${name}j2\"}")
	echo "   (records saved by the -j2 run: $saved of $ntr; the rest buried with a reason)"
	cores=$(awk -v w="$t1" '{printf "%.2f", ($1 + $2) / w}' "$W/cpu.${name}j1")
	cores2=$(awk -v w="$t2" '{printf "%.2f", ($1 + $2) / w}' "$W/cpu.${name}j2")
	printf '   mspipe -j1           %7.2f s  %8.0f traces/s  %6.1f Msamples/s   (%s cores busy)\n' "$t1" "$(rate "$ntr" "$t1")" "$(echo "$ns / $t1 / 1000000" | bc -l)" "$cores"
	printf '   mspipe -j2           %7.2f s  %8.0f traces/s  %6.1f Msamples/s   (%s cores busy) -j2/-j1 %.2fx\n' "$t2" "$(rate "$ntr" "$t2")" "$(echo "$ns / $t2 / 1000000" | bc -l)" "$cores2" "$(echo "$t1 / $t2" | bc -l)"
	printf '   mspipe -j2, no mssnr %7.2f s  %8.0f traces/s  %6.1f Msamples/s\n' "$t2n" "$(rate "$ntr" "$t2n")" "$(echo "$ns / $t2n / 1000000" | bc -l)"
	s1=$(echo "$t1 - $f1" | bc -l) s2=$(echo "$t2 - $f2" | bc -l)
	printf '   fixed cost of a run (the same command selecting no trace): -j1 %.2f s, -j2 %.2f s;\n' "$f1" "$f2"
	printf '   without it (steady state): -j1 %.0f traces/s, -j2 %.0f traces/s (%.1f Msamples/s), -j2/-j1 %.2fx\n' "$(rate "$ntr" "$s1")" "$(rate "$ntr" "$s2")" "$(echo "$ns / $s2 / 1000000" | bc -l)" "$(echo "$s1 / $s2" | bc -l)"
	# parallel speed-up: the same runs pinned to one core (taskset -c 0)
	if command -v taskset > /dev/null; then
		t1p=$(PIN="taskset -c 0" chain "$name" 1 1 "${name}j1p" "$w1" "$w2" "$nend")
		t2p=$(PIN="taskset -c 0" chain "$name" 2 2 "${name}j2p" "$w1" "$w2" "$nend")
		printf '   on one core (taskset -c 0): -j1 %.2f s, -j2 %.2f s; the second core speeds -j1 up %.2fx, -j2 %.2fx\n' "$t1p" "$t2p" "$(echo "$t1p / $t1" | bc -l)" "$(echo "$t2p / $t2" | bc -l)"
		printf '   (two cores over one at -j2 is the parallel speed-up; -j2 over -j1 can be at most\n'
		printf '   2 / %s = %.2fx here, since one -j1 pipeline already runs its stages on both cores)\n' "$cores" "$(echo "2 / $cores" | bc -l)"
		# partitions when each job gets one core: -j2, job k's pipeline on core
		# k-1, against -j1 on core 0 (the same as t1p's run)
		t2s=$(SLOTPIN=1 chain "$name" 2 2 "${name}j2s" "$w1" "$w2" "$nend")
		printf '   one core a job (job k pinned to core k-1): -j2 %.2f s, %.2fx the -j1 run on one core\n' "$t2s" "$(echo "$t1p / $t2s" | bc -l)"
	fi
	stages "$name" "$w1" "$w2" "$nend" "$ntr"
	# the same samples for the Python chains (decoded by mspipe, not timed)
	MSPIPE_DB="$W/$name.db" msquery wf_miniseed --sort dir,dfile | MSPIPE_DB="$W/$name.db" msread > "$W/$name.msp"
	# the Python chain does mssnr's work: the band edges agree trace by trace
	k=$((ntr < 300 ? ntr : 300))
	$PY bench/chain_py.py edges "$W/$name.msp" $k 0.05 2 "$w1" "$w2" "$nend" > "$W/py.edges"
	ne=$(echo "$nend - $w1" | bc); se=$(echo "$w2 - $w1 - 1" | bc)
	MSPIPE_DB="$W/$name.db" msquery wf_miniseed --sort dir,dfile --limit $k | MSPIPE_DB="$W/$name.db" msread \
	  | msdetrend --type linear | msfilter --bandpass 0.05,2 | mswindow --ref starttime "$w1" "$w2" --short truncate \
	  | mssnr --ref starttime --noise "1,$ne" --signal "$ne,$se" --keep-null --metrics none | msinfo \
	  | $PY -c 'import sys, json
for l in sys.stdin:
    p = json.loads(l)["metadata"].get("Parrival") or {}
    print("%.9g %.9g" % (p["low_f_band_edge"], p["high_f_band_edge"]) if "low_f_band_edge" in p else "none")' > "$W/ms.edges"
	echo "   the NumPy/SciPy chain's band edges equal mssnr's (9 digits) on $(agree "$W/py.edges" $k)"
	pychain NumPy/SciPy "$PY" numpy
	tn=$py_t tnc=$py_c
	printf '   steady state (NumPy'"'"'s time has no start-up: its pool is warmed up before the clock): mspipe -j2 is %.2fx\n' "$(echo "$tn / $s2" | bc -l)"
	# CPU seconds a trace, the measure a loaded machine distorts least
	c2=$(awk '{print $1 + $2}' "$W/cpu.${name}j2")
	printf '   CPU a trace: mspipe -j2 %.0f us (decoding, saving, GNU parallel counted), NumPy/SciPy %.0f us: %.2fx\n' "$(echo "$c2 * 1000000 / $ntr" | bc -l)" "$(echo "$tnc * 1000000 / $ntr" | bc -l)" "$(echo "$tnc / $c2" | bc -l)"
	if OBSPY=$(sh scripts/pyref.sh 2>/dev/null); then
		r=$($OBSPY bench/chain_py.py obspy "$W/$name.msp" 2 0.05 2 "$w1" "$w2" "$nend" mt)
		to=$(echo "$r" | cut -d' ' -f2)
		printf '   ObsPy, 2 procs       %7.2f s  %8.0f traces/s  %6.1f Msamples/s   mspipe -j2 is %.2fx  (multitaper SNR in both)\n' "$to" "$(rate "$ntr" "$to")" "$(echo "$ns / $to / 1000000" | bc -l)" "$(echo "$to / $t2" | bc -l)"
	else
		echo "   ObsPy: not available (scripts/pyref.sh could not install it)"
	fi
	if [ -n "$MSPASS" ]; then
		# MsPASS's edges cost ~0.5 s a 1-hour trace: fewer of those
		km=$((npts > 10000 && k > 100 ? 100 : k))
		$MSPASS bench/chain_py.py mspass-edges "$W/$name.msp" $km 0.05 2 "$w1" "$w2" "$nend" > "$W/mspass.edges"
		echo "   MsPASS's band edges (arrival_snr's Parrival) equal mssnr's (9 digits) on $(agree "$W/mspass.edges" $km)"
		pychain MsPASS "$MSPASS" mspass
		printf '   CPU a trace: MsPASS %.0f us (mspipe -j2 %.0f us)\n' "$(echo "$py_c * 1000000 / $ntr" | bc -l)" "$(echo "$c2 * 1000000 / $ntr" | bc -l)"
	else
		echo "   MsPASS: $MSPASS_WHY"
	fi
	# the pipe limit.  (a) the bare pipes: the decoded stream through as many
	# pass-through stages as the chain has pipes after msread, file to /dev/null,
	# against the -j1 chain without mssnr.  (b) the chain with its own ends
	# (msquery | msread ... mssave: the database, the disk) and its window (so
	# the same bytes reach the disk), the stages that compute (msdetrend,
	# msfilter, mssnr) replaced by mscat: the -j1 chain's time if computing
	# cost nothing, with and without mssnr.
	a=$(now)
	mscat < "$W/$name.msp" | mscat | mscat | mscat | mscat > /dev/null
	b=$(now)
	tp=$(el "$a" "$b")
	# chain and twin alternate, three rounds: the machine's drift between two
	# runs far apart in time does not enter a ratio
	rm -f "$W/pl"
	for round in 1 2 3; do
		te=$(TWIN=1 chain "$name" 1 1 "${name}twin0r$round" "$w1" "$w2" "$nend" nosnr)
		tc=$(chain "$name" 1 1 "${name}piper$round" "$w1" "$w2" "$nend" nosnr)
		tes=$(TWIN=1 chain "$name" 1 1 "${name}twin1r$round" "$w1" "$w2" "$nend")
		tcs=$(chain "$name" 1 1 "${name}pipesr$round" "$w1" "$w2" "$nend")
		echo "$te $tc $tes $tcs" >> "$W/pl"
	done
	# pl COLUMN: "median (min-max)" of the ratio chain/twin over the rounds
	pl() { awk -v c="$1" '{ printf "%.4f\n", $(c + 1) / $c }' "$W/pl" | sort -n | tr '\n' ' ' | awk '{ printf "%.2fx (%.2f-%.2f)", $2, $1, $3 }'; }
	tc=$(awk '{ print $2 }' "$W/pl" | sort -n | sed -n 2p)
	te=$(awk '{ print $1 }' "$W/pl" | sort -n | sed -n 2p)
	tes=$(awk '{ print $3 }' "$W/pl" | sort -n | sed -n 2p)
	tcs=$(awk '{ print $4 }' "$W/pl" | sort -n | sed -n 2p)
	printf '   pipe limit: the -j1 chain without mssnr %.2f s is %.2fx of 5 bare mscat stages (%.2f s);\n' "$tc" "$(echo "$tc / $tp" | bc -l)" "$tp"
	printf '   with the same ends and window, mscat for each stage that computes (3 rounds, chain and\n'
	printf '   twin alternating, median and range): %s without mssnr (%.2f s and %.2f s),\n' "$(pl 1)" "$tc" "$te"
	printf '   %s with it (the -j1 chain %.2f s, its pass-through twin %.2f s)\n' "$(pl 3)" "$tcs" "$tes"
	# the disk's floor under any chain that saves: the bytes the -j1 run saved,
	# written and fdatasync'd alone
	bytes=$(cat "$W"/wf/"${name}pipesr3"-* 2>/dev/null | wc -c)
	a=$(now)
	dd if=/dev/zero of="$W/ddtest" bs=1M count=$((bytes / 1048576 + 1)) conv=fdatasync 2> /dev/null
	b=$(now)
	rm -f "$W/ddtest"
	td=$(el "$a" "$b")
	printf '   disk: the %.1f MB the chain saves take %.2f s to write and fdatasync alone (%.2fx the 5 mscat stages)\n' "$(echo "$bytes / 1000000" | bc -l)" "$td" "$(echo "$td / $tp" | bc -l)"
}

# stages SET W1 W2 NEND NTR: one -j1 pipeline with every process timed
stages() {
	set_=$1 w1=$2 w2=$3 nend=$4 ntr=$5
	ne=$(echo "$nend - $w1" | bc); se=$(echo "$w2 - $w1 - 1" | bc)
	T="/usr/bin/time -f %U+%S -o $W/st"
	a=$(now)
	MSPIPE_DB="$W/$set_.db" MSPIPE_WFDIR="$W/wf" sh -c "$T.1 msquery wf_miniseed --sort dir,dfile \
	  | $T.2 msread | $T.3 msdetrend --type linear | $T.4 msfilter --bandpass 0.05,2 \
	  | $T.5 mswindow --ref starttime $w1 $w2 --short truncate \
	  | $T.6 mssnr --ref starttime --noise 1,$ne --signal $ne,$se --keep-null --metrics none \
	  | $T.7 mssave --tag ${set_}st -q -v 2> $W/st.save"
	b=$(now)
	tot=0 i=1 line="" big=0 bigname=""
	for st in msquery msread msdetrend msfilter mswindow mssnr mssave; do
		c=$(echo "$(cat "$W/st.$i")" | bc -l)
		tot=$(echo "$tot + $c" | bc -l)
		if [ "$(echo "$c > $big" | bc -l)" = 1 ]; then big=$c bigname=$st; fi
		line="$line $(printf '%s %.2f s %.0f us' "$st" "$c" "$(echo "$c * 1000000 / $ntr" | bc -l)"),"
		i=$((i + 1))
	done
	printf '   CPU per process (one -j1 pipeline, a trace):%s\n' "${line%,}" | fold -s -w 100 | sed '2,$s/^/     /'
	printf '   CPU in all %.2f s = %.0f us a trace, wall %.2f s: %.2f cores busy\n' "$tot" "$(echo "$tot * 1000000 / $ntr" | bc -l)" "$(el "$a" "$b")" "$(echo "$tot / ($b - $a)" | bc -l)"
	printf '   mssave stood still %s s of that waiting for fdatasync (%s)\n' "$(sed -n 's/.*(\([0-9.]*\) s waited for).*/\1/p' "$W/st.save")" "$(sed -n 's/.* \([0-9]* batches, [0-9]* fsyncs\).*/\1/p' "$W/st.save")"
	# a pipeline runs no faster than its busiest process: with that process at a
	# fraction f of the CPU, one pipeline can keep up to 1/f cores busy
	printf '   the busiest process, %s, is %.0f%% of the CPU: one pipeline can keep up to %.2f cores busy,\n' "$bigname" "$(echo "$big * 100 / $tot" | bc -l)" "$(echo "$tot / $big" | bc -l)"
	printf '   so on %d cores -j2 can gain at most %.2fx over -j1 (perfect overlap assumed)\n' "$(nproc)" "$(awk -v c="$(echo "$tot / $big" | bc -l)" -v p="$(nproc)" 'BEGIN { a = c < p ? c : p; b = 2 * c < p ? 2 * c : p; print b / a }')"
}

# MsPASS (mspasspy) in build/mspassvenv: built once (minutes), before any timing
MSPASS="" MSPASS_WHY=""
if [ "${BENCH_MSPASS:-1}" = 0 ]; then
	MSPASS_WHY="left out (BENCH_MSPASS=0)"
elif ! MSPASS=$(sh scripts/mspass.sh 2> "$W/mspass.err"); then
	MSPASS=""
	MSPASS_WHY="not available: $(tail -n 1 "$W/mspass.err")"
fi
echo "######## the chain: $(nproc) cores, load average $(cut -d" " -f1-3 /proc/loadavg)"
shape long "$NLONG" 72000 1800 1600 2200 1795
shape short "$NSHORT" 2000 50 10 90 45

echo "== peak RSS per process: 1000 vs $NBIG traces of 2000 samples (mssynth | chain > /dev/null)"
rss() {
	n=$1
	mssynth --stream -n "$n" --npts 2000 --dt 0.05 --ptime-offset 50 > "$W/rss.msp" 2>/dev/null || return 1
	for t in "msdetrend --type linear" "msfilter --bandpass 0.05,2" "mswindow --ref synth_ptime -40 40" \
	         "mssnr --ref synth_ptime --noise -40,-5 --signal -5,40 --keep-null --metrics none" \
	         "msstack --key sta"; do
		/usr/bin/time -f "%M" -o "$W/t" $t < "$W/rss.msp" > /dev/null
		printf '%s=%s ' "${t%% *}" "$(cat "$W/t")"
	done
	rm -f "$W/rss.msp"
}
small=$(rss 1000)
big=$(rss "$NBIG")
for kv in $small; do
	k=${kv%%=*}; a=${kv#*=}
	b=$(echo "$big" | tr ' ' '\n' | grep "^$k=" | cut -d= -f2)
	printf '   %-10s %7s KiB (1k)  %7s KiB (%dk)  ratio %.3f\n' "$k" "$a" "$b" $((NBIG / 1000)) "$(echo "$b / $a" | bc -l)"
done

# the processes that talk to the database: msquery, msread and mssave of a chain
# over the first 1000, 10000 and all $NBIG traces of an indexed data set.  What
# they cache has a fixed size that 1000 records already fill (SQLite's page
# cache, 512 KiB; mssave's Bloom filter, 1 MiB, and the documents of two
# batches; mssave appends records to its file while a batch's fdatasync runs
# instead of holding their bytes in memory): flat memory shows as equal
# figures at 1k, 10k and $NBIG.
echo "== peak RSS of the database ends: 1k, 10k and $NBIG traces (msquery | msread | mssave)"
make_set rss "$NBIG" 2000 50
dbrss() {
	T="/usr/bin/time -f %M -o $W/r"
	MSPIPE_DB="$W/rss.db" MSPIPE_WFDIR="$W/wfrss" sh -c "$T.1 msquery wf_miniseed --sort dir,dfile --limit $1 \
	  | $T.2 msread | $T.3 mssave --tag rss$1 -q"
	echo "msquery=$(cat "$W/r.1") msread=$(cat "$W/r.2") mssave=$(cat "$W/r.3")"
	rm -rf "$W/wfrss"
}
small=$(dbrss 1000)
mid=$(dbrss 10000)
big=$(dbrss "$NBIG")
for kv in $small; do
	k=${kv%%=*}; a=${kv#*=}
	m=$(echo "$mid" | tr ' ' '\n' | grep "^$k=" | cut -d= -f2)
	b=$(echo "$big" | tr ' ' '\n' | grep "^$k=" | cut -d= -f2)
	printf '   %-10s %7s KiB (1k) %7s KiB (10k) %7s KiB (%dk)  ratios %.3f (1k to %dk), %.3f (10k to %dk)\n' \
		"$k" "$a" "$m" "$b" $((NBIG / 1000)) "$(echo "$b / $a" | bc -l)" $((NBIG / 1000)) "$(echo "$b / $m" | bc -l)" $((NBIG / 1000))
done
rm -rf "$W/rss" "$W/rss.db"

echo "== start-up cost"
mssynth --stream -n 0 > "$W/empty.msp"
a=$(now)
for i in $(seq 1 200); do msdetrend < "$W/empty.msp" > /dev/null; done
b=$(now)
printf '   one process (msdetrend on an empty stream): %.2f ms\n' "$(echo "($b - $a) * 1000 / 200" | bc -l)"
a=$(now)
for i in $(seq 1 50); do MSPIPE_DB="$W/short.db" msquery --count wf_miniseed > /dev/null; done
b=$(now)
printf '   msquery opening the database and counting: %.2f ms\n' "$(echo "($b - $a) * 1000 / 50" | bc -l)"
for parts in 1 8 64; do
	t=$(chain short "$parts" 2 "p$parts" 10 90 45 nosnr)
	eval "t_$parts=$t"
	printf '   %3d partitions of the short set at -j2: %.2f s (%.1f ms a partition)\n' "$parts" "$t" "$(echo "$t * 1000 / $parts" | bc -l)"
done
ntr=$(MSPIPE_DB="$W/short.db" msquery --count wf_miniseed)
extra=$(echo "($t_64 - $t_1) / 63" | bc -l)
per_trace=$(echo "$t_1 / $ntr" | bc -l)
printf '   each extra partition costs %.1f ms (start-up of its processes, opening the database,\n' "$(echo "$extra * 1000" | bc -l)"
printf '   the sample file and its fsync, the commit); a trace costs %.3f ms, so a partition of\n' "$(echo "$per_trace * 1000" | bc -l)"
printf '   %.0f traces or more keeps that overhead under 10%%\n' "$(echo "$extra / $per_trace * 10" | bc -l)"
