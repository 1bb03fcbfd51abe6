#!/usr/bin/env bats
# benchref.bats - the benchmark's references do the work mspipe does.
# bench_chain.sh reports mspipe's chain against the same chain written with
# NumPy/SciPy (bench/chain_py.py).  A ratio means something only if both sides
# compute the same thing: here the Python chain's band edges (detrend, sosfilt,
# window, multitaper spectra, EstimateBandwidth) must equal mssnr's trace by
# trace, and a one-sample change of a window must show (the check can fail).

load lib/common

# edges STREAM: mspipe's band edges for each record, "none" without a band
ms_edges() {
	msdetrend --type linear < "$1" | msfilter --bandpass 0.05,2 \
	  | mswindow --ref starttime 10 90 --short truncate \
	  | mssnr --ref starttime --noise "$2" --signal 35,79 --keep-null --metrics none | msinfo \
	  | $PY -c 'import sys, json
for l in sys.stdin:
    p = json.loads(l)["metadata"].get("Parrival") or {}
    print("%.9g %.9g" % (p["low_f_band_edge"], p["high_f_band_edge"]) if "low_f_band_edge" in p else "none")'
}

@test "benchref: the NumPy/SciPy chain finds mssnr's band edges on every trace" {
	$PY -c 'import numpy, scipy' 2> /dev/null || skip "python3-numpy and python3-scipy are not installed"
	# noise amplitudes from 0.5 to 8 against a P of 10: bands of every width, and none
	for s in 1 2 3 4 5; do
		mssynth --stream -n 12 --npts 2000 --dt 0.05 --ptime-offset 50 --seed "$s" \
			--noise "$(echo "0.5 * 2 ^ ($s - 1)" | bc)"
	done | mscat > "$TMP/in.msp"
	$PY "$REPO/bench/chain_py.py" edges "$TMP/in.msp" 60 0.05 2 10 90 45 > "$TMP/py"
	ms_edges "$TMP/in.msp" 1,35 > "$TMP/ms"
	[ "$(wc -l < "$TMP/py")" -eq 60 ]
	[ "$(wc -l < "$TMP/ms")" -eq 60 ]
	run diff "$TMP/py" "$TMP/ms"
	[ "$status" -eq 0 ]
	# both outcomes occur, so the comparison covers the band search and its refusal
	grep -q none "$TMP/ms"
	[ "$(grep -vc none "$TMP/ms")" -ge 10 ]
	# a noise window one sample shorter gives other edges: the check is sharp
	ms_edges "$TMP/in.msp" 1.05,35 > "$TMP/ms2"
	! diff -q "$TMP/py" "$TMP/ms2" > /dev/null || false
}

@test "benchref: MsPASS's own algorithms (mspasspy) find mssnr's band edges on every trace" {
	# only where scripts/mspass.sh has built the venv (the benchmark does): the
	# tests never build it
	MPY="$REPO/build/mspassvenv/bin/python"
	[ -x "$MPY" ] && "$MPY" -c 'import mspasspy.algorithms.snr' 2> /dev/null ||
		skip "build/mspassvenv (scripts/mspass.sh) is not there"
	for s in 1 2 3 4 5; do
		mssynth --stream -n 12 --npts 2000 --dt 0.05 --ptime-offset 50 --seed "$s" \
			--noise "$(echo "0.5 * 2 ^ ($s - 1)" | bc)"
	done | mscat > "$TMP/in.msp"
	"$MPY" "$REPO/bench/chain_py.py" mspass-edges "$TMP/in.msp" 60 0.05 2 10 90 45 > "$TMP/mspass"
	ms_edges "$TMP/in.msp" 1,35 > "$TMP/ms"
	[ "$(wc -l < "$TMP/mspass")" -eq 60 ]
	run diff "$TMP/mspass" "$TMP/ms"
	[ "$status" -eq 0 ]
	grep -q none "$TMP/ms"
	[ "$(grep -vc none "$TMP/ms")" -ge 10 ]
	# the timed mode runs too, on the same records
	run "$MPY" "$REPO/bench/chain_py.py" mspass "$TMP/in.msp" 2 0.05 2 10 90 45 mt
	[ "$status" -eq 0 ]
	[ "${output%% *}" = 60 ]
}
