#!/usr/bin/env bats
# msfilter: Butterworth filtering against scipy (sosfilt) and ObsPy (Trace.filter),
# ObsPy's Nyquist rules (kill with elog), dead records, Seismograms, bad input.
load lib/common

# The ObsPy venv (scripts/pyref.sh makes it; CI can reach PyPI).
obspy_py() {
	OBSPY="$(sh "$REPO/scripts/pyref.sh" 2>"$TMP/pip.err")" ||
		skip_or_fail "cannot set up ObsPy in build/pyvenv: $(tail -1 "$TMP/pip.err")"
}

@test "msfilter: every band, causal and zero phase, equals scipy sosfilt of scipy's design (1e-9)" {
	mssynth --stream --count 2 --npts 3000 --dt 0.05 --seed 5 > "$TMP/in"
	msinfo --samples < "$TMP/in" > "$TMP/in.j"
	for spec in "--lowpass 2" "--highpass 0.1" "--bandpass 0.05,3" "--bandstop 1,2" "--lowpass 1 --corners 7" "--bandpass 0.5,1 --corners 2"; do
		for zp in "" "--zerophase"; do
			msfilter $spec $zp < "$TMP/in" | msinfo --samples > "$TMP/out.j"
			$PY - "$TMP/in.j" "$TMP/out.j" "$spec" "$zp" <<'PY'
import json, sys
import numpy as np
from scipy import signal
ins = [json.loads(l) for l in open(sys.argv[1])]
outs = [json.loads(l) for l in open(sys.argv[2])]
spec = sys.argv[3].split(); zp = sys.argv[4] == "--zerophase"
corners = int(spec[spec.index("--corners") + 1]) if "--corners" in spec else 4
kind = spec[0][2:]; f = [float(v) for v in spec[1].split(",")]
for a, b in zip(ins, outs):
    fe = 0.5 / a["dt"]
    btype = {"lowpass": "lowpass", "highpass": "highpass", "bandpass": "band", "bandstop": "bandstop"}[kind]
    W = [v / fe for v in f] if len(f) == 2 else f[0] / fe
    sos = signal.zpk2sos(*signal.iirfilter(corners, W, btype=btype, ftype="butter", output="zpk"))
    x = np.array(a["data"])
    y = signal.sosfilt(sos, x)
    if zp:
        y = signal.sosfilt(sos, y[::-1])[::-1]
    got = np.array(b["data"])
    err = np.max(np.abs(got - y)) / np.max(np.abs(y))
    assert err < 1e-9, (spec, zp, err)
    assert b["history"][-1]["tool"] == "msfilter"
PY
		done
	done
}

@test "msfilter: equals ObsPy Trace.filter (bandpass, lowpass, highpass, bandstop; zerophase)" {
	obspy_py
	mssynth --stream --count 1 --npts 4000 --dt 0.025 --seed 9 > "$TMP/in"
	msinfo --samples < "$TMP/in" > "$TMP/in.j"
	for spec in "bandpass freqmin=0.1 freqmax=2.0" "lowpass freq=1.5" "highpass freq=0.2" "bandstop freqmin=1 freqmax=3"; do
		set -- $spec
		case $1 in
		bandpass) opt="--bandpass ${2#freqmin=},${3#freqmax=}" ;;
		bandstop) opt="--bandstop ${2#freqmin=},${3#freqmax=}" ;;
		*) opt="--$1 ${2#freq=}" ;;
		esac
		for zp in False True; do
			z=""; [ $zp = True ] && z=--zerophase
			msfilter $opt $z --corners 3 < "$TMP/in" | msinfo --samples > "$TMP/out.j"
			"$OBSPY" - "$TMP/in.j" "$TMP/out.j" "$spec" $zp <<'PY'
import json, sys
import numpy as np
from obspy import Trace
a = json.loads(open(sys.argv[1]).read()); b = json.loads(open(sys.argv[2]).read())
kind, *kv = sys.argv[3].split()
opts = {k: float(v) for k, v in (s.split("=") for s in kv)}
tr = Trace(np.array(a["data"])); tr.stats.delta = a["dt"]
tr.filter(kind, corners=3, zerophase=sys.argv[4] == "True", **opts)
err = np.max(np.abs(np.array(b["data"]) - tr.data)) / np.max(np.abs(tr.data))
assert err < 1e-9, (sys.argv[3], sys.argv[4], err)
PY
		done
	done
}

@test "msfilter: ObsPy's Nyquist rules: bandpass to Nyquist becomes highpass, others kill with elog" {
	mssynth --stream --count 1 --npts 500 --dt 0.05 > "$TMP/in"   # Nyquist 10 Hz
	msfilter --bandpass 1,12 < "$TMP/in" 2> "$TMP/err" | msinfo --samples > "$TMP/bp"
	grep -q "applying a highpass at 1 Hz" "$TMP/err"
	msfilter --highpass 1 < "$TMP/in" | msinfo --samples > "$TMP/hp"
	$PY -c 'import json,sys; a=json.load(open(sys.argv[1])); b=json.load(open(sys.argv[2])); assert a["data"]==b["data"] and a["live"]' "$TMP/bp" "$TMP/hp"
	for spec in "--highpass 12" "--highpass 10" "--lowpass 15" "--bandstop 2,11" "--bandpass 11,12"; do
		msfilter $spec < "$TMP/in" | msinfo > "$TMP/k"
		$PY - "$TMP/k" "$spec" <<'PY'
import json, sys
r = json.loads(open(sys.argv[1]).read())
assert r["live"] is False, sys.argv[2]
e = r["elog"][-1]
assert e["algorithm"] == "msfilter" and e["severity"] == "Invalid" and "Nyquist" in e["message"], e
PY
	done
}

@test "msfilter: dead records pass through byte for byte; Seismograms filter each component" {
	mssynth --stream --count 4 --npts 300 --kind seis --kill-every 2 > "$TMP/in"
	msfilter --lowpass 2 --zerophase < "$TMP/in" > "$TMP/out"
	msinfo --samples < "$TMP/in" > "$TMP/in.j"
	msinfo --samples < "$TMP/out" > "$TMP/out.j"
	$PY - "$TMP/in.j" "$TMP/out.j" <<'PY'
import json, sys
import numpy as np
from scipy import signal
ins = [json.loads(l) for l in open(sys.argv[1])]; outs = [json.loads(l) for l in open(sys.argv[2])]
assert len(ins) == len(outs) == 4
ndead = 0
for a, b in zip(ins, outs):
    if not a["live"]:
        ndead += 1
        assert a == b
        continue
    sos = signal.butter(4, 2 / (0.5 / a["dt"]), output="sos")
    for c in range(3):
        y = signal.sosfilt(sos, signal.sosfilt(sos, np.array(a["data"][c]))[::-1])[::-1]
        assert np.max(np.abs(np.array(b["data"][c]) - y)) <= 1e-9 * np.max(np.abs(y))
assert ndead == 2
PY
}

@test "msfilter: bad options are usage errors (exit 2)" {
	mssynth --stream --npts 100 > "$TMP/in"
	for args in "" "--corners 0 --lowpass 1" "--corners 33 --lowpass 1" "--lowpass 1Hz" "--lowpass 0" \
		"--lowpass -1" "--bandpass 2,1" "--bandpass 1,1" "--bandstop 3,2" "--bandpass 1" "--bandpass 1,2,3" \
		"--lowpass 1 --highpass 2" "--lowpass nan" "--bogus" "--lowpass 1 extra"; do
		run msfilter $args < "$TMP/in"
		[ "$status" -eq 2 ] || { echo "args '$args': status $status"; return 1; }
		[[ "$output" == msfilter:* ]] || { echo "args '$args': $output"; return 1; }
	done
}

@test "msfilter: a broken stream is exit 1; --help and --version" {
	mssynth --stream --count 3 --npts 100 | head -c 2000 > "$TMP/cut"
	run msfilter --lowpass 1 < "$TMP/cut"
	[ "$status" -eq 1 ]
	run msfilter --help
	[ "$status" -eq 0 ]
	[[ "$output" == *--zerophase* ]]
	run msfilter --version
	[ "$status" -eq 0 ]
}
