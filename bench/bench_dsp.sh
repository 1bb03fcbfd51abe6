#!/bin/sh
# bench_dsp.sh - throughput of the DSP map tools (msdetrend, mstaper, msfilter,
# msresample) on 1-hour 20 sps traces (72000 samples), each next to a
# pass-through (mscat) in the same run, with peak RSS; msfilter's kernel next
# to scipy's sosfilt (4 sections) in the same run; FFTW planning cost,
# FFTW_ESTIMATE vs FFTW_MEASURE.  Prints figures; asserts nothing.
# Env: BENCH_RECORDS (default 100 records = 7.2 M samples, 58 MB in $TMPDIR).
set -e
cd "$(dirname "$0")/.."
BIN=${MSPIPE_BIN:-$PWD/bin}
N=${BENCH_RECORDS:-100}
W=$(mktemp -d "${TMPDIR:-/tmp}/bench_dsp.XXXXXX")
trap 'rm -rf "$W"' EXIT
NS=$((N * 72000))

"$BIN/mssynth" --stream --count "$N" --npts 72000 --dt 0.05 --seed 1 > "$W/in"
cat "$W/in" > /dev/null

# run NAME CMD...: wall time (best of 3, clock ns) and peak RSS of one stage reading $W/in.
run() {
	name=$1; shift
	best=
	for i in 1 2 3; do
		a=$(date +%s.%N)
		/usr/bin/time -f "%M" -o "$W/t" "$@" < "$W/in" > /dev/null
		b=$(date +%s.%N)
		t=$(echo "$b - $a" | bc -l); rss=$(cat "$W/t")
		if [ -z "$best" ] || [ "$(echo "$t < $best" | bc -l)" = 1 ]; then best=$t; fi
	done
	rate=$(echo "scale=1; $NS / $best / 1000000" | bc -l)
	printf '%-42s %7.3f s %8s Msamples/s  peak RSS %6s KiB\n' "$name" "$best" "$rate" "$rss"
}

echo "== DSP tools on $N records x 72000 samples (1 h at 20 sps), $NS samples"
run "mscat (pass-through)" "$BIN/mscat"
run "msdetrend --type simple" "$BIN/msdetrend" --type simple
run "msdetrend --type linear" "$BIN/msdetrend" --type linear
run "mstaper --fraction 0.05" "$BIN/mstaper" --fraction 0.05
run "msfilter --bandpass 0.01,1.5" "$BIN/msfilter" --bandpass 0.01,1.5
run "msfilter --bandpass 0.01,1.5 --zerophase" "$BIN/msfilter" --bandpass 0.01,1.5 --zerophase
run "msresample --rate 10 (decimate q=2)" "$BIN/msresample" --rate 10
XDG_CACHE_HOME="$W/cache" run "msresample --rate 8 (FFT, estimate)" "$BIN/msresample" --rate 8

echo "== filter kernel: Butterworth bandpass 0.01-1.5 Hz at 20 sps, 4 sections, 72000-sample trace"
B=build/bench
mkdir -p "$B"
cc -O2 -Iinclude bench/filter_kernel.c build/libmspipe.a -lm -o "$B/filter_kernel"
"$B/filter_kernel" 300 4 > "$W/k"
blocked=$(sed -n 's/^blocked //p' "$W/k"); literal=$(sed -n 's/^literal //p' "$W/k")
if /usr/bin/python3 -c 'import scipy' 2>/dev/null; then
	scipy=$(/usr/bin/python3 - <<'PY'
import time
import numpy as np
from scipy import signal
sos = signal.butter(4, [0.001, 0.15], btype="band", output="sos")
x = np.random.default_rng(1).standard_normal(72000)
best = 1e30
for r in range(3):
    t = time.perf_counter()
    for i in range(100):
        signal.sosfilt(sos, x)
    best = min(best, time.perf_counter() - t)
print("%.1f" % (72000 * 100 / best / 1e6))
PY
)
else
	scipy=
fi
printf 'msp_sos_apply (blocked, vectorised)   %8s Msamples/s\n' "$blocked"
printf 'literal sosfilt loop in C             %8s Msamples/s\n' "$literal"
if [ -n "$scipy" ]; then
	printf 'scipy.signal.sosfilt                  %8s Msamples/s\n' "$scipy"
	printf 'ratio blocked / scipy                 %8s\n' "$(echo "scale=2; $blocked / $scipy" | bc -l)"
else
	echo "scipy.signal.sosfilt: no /usr/bin/python3 with scipy"
fi

echo "== FFTW planning for 72000 -> 28800 (msresample --rate 8, one record)"
"$BIN/mssynth" --stream --count 1 --npts 72000 --dt 0.05 > "$W/one"
t0=$(date +%s.%N)
XDG_CACHE_HOME="$W/c1" "$BIN/msresample" --rate 8 < "$W/one" > /dev/null
t1=$(date +%s.%N)
XDG_CACHE_HOME="$W/c2" "$BIN/msresample" --rate 8 --measure < "$W/one" > /dev/null
t2=$(date +%s.%N)
XDG_CACHE_HOME="$W/c2" "$BIN/msresample" --rate 8 < "$W/one" > /dev/null
t3=$(date +%s.%N)
printf 'FFTW_ESTIMATE, one record           %8.3f s\n' "$(echo "$t1 - $t0" | bc -l)"
printf 'FFTW_MEASURE + save wisdom, one rec %8.3f s\n' "$(echo "$t2 - $t1" | bc -l)"
printf 'with saved wisdom, one record       %8.3f s\n' "$(echo "$t3 - $t2" | bc -l)"
XDG_CACHE_HOME="$W/c2" run "msresample --rate 8 (FFT, wisdom)" "$BIN/msresample" --rate 8
