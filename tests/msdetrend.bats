#!/usr/bin/env bats
# msdetrend: ObsPy/scipy detrend semantics, idempotence, dead records, Seismograms, bad input.
load lib/common

@test "msdetrend: simple, linear, demean equal ObsPy's formulas / scipy.signal.detrend (1e-9)" {
	mssynth --stream --count 2 --npts 1001 --kind seis --seed 4 > "$TMP/in"
	msinfo --samples < "$TMP/in" > "$TMP/in.j"
	for t in simple linear demean constant; do
		msdetrend --type $t < "$TMP/in" | msinfo --samples > "$TMP/out.j"
		$PY - "$TMP/in.j" "$TMP/out.j" $t <<'PY'
import json, sys
import numpy as np
from scipy import signal
t = sys.argv[3]
for la, lb in zip(open(sys.argv[1]), open(sys.argv[2])):
    a = json.loads(la); b = json.loads(lb)
    for c in range(3):
        x = np.array(a["data"][c])
        if t == "simple":
            n = len(x); want = x - (x[0] + np.arange(n) * (x[-1] - x[0]) / float(n - 1))
        elif t == "linear":
            want = signal.detrend(x, type="linear")
        else:
            want = signal.detrend(x, type="constant")
        got = np.array(b["data"][c])
        assert np.max(np.abs(got - want)) <= 1e-9 * np.max(np.abs(x)), (t, c)
PY
	done
}

@test "msdetrend: detrend twice equals once; default is simple (MsPASS)" {
	mssynth --stream --count 3 --npts 777 --seed 2 > "$TMP/in"
	for t in simple linear demean; do
		msdetrend --type $t < "$TMP/in" > "$TMP/once"
		msdetrend --type $t < "$TMP/once" > "$TMP/twice"
		msinfo --samples < "$TMP/once" > "$TMP/1.j"
		msinfo --samples < "$TMP/twice" > "$TMP/2.j"
		$PY - "$TMP/1.j" "$TMP/2.j" <<'PY'
import json, sys
for la, lb in zip(open(sys.argv[1]), open(sys.argv[2])):
    a = json.loads(la)["data"]; b = json.loads(lb)["data"]
    m = max(abs(v) for v in a)
    assert max(abs(u - v) for u, v in zip(a, b)) <= 1e-12 * m
PY
	done
	msdetrend < "$TMP/in" | msinfo --samples > "$TMP/d"
	msdetrend --type simple < "$TMP/in" | msinfo --samples > "$TMP/s"
	$PY -c 'import json,sys; a=[json.loads(l)["data"] for l in open(sys.argv[1])]; b=[json.loads(l)["data"] for l in open(sys.argv[2])]; assert a==b' "$TMP/d" "$TMP/s"
}

@test "msdetrend: dead records pass through untouched; bad input" {
	mssynth --stream --count 4 --npts 100 --kill-every 2 > "$TMP/in"
	msdetrend --type linear < "$TMP/in" | msinfo --samples > "$TMP/out.j"
	msinfo --samples < "$TMP/in" > "$TMP/in.j"
	$PY -c '
import json,sys
for a,b in zip(open(sys.argv[1]),open(sys.argv[2])):
    a=json.loads(a); b=json.loads(b)
    if not a["live"]: assert a==b
    else: assert b["history"][-1]["tool"]=="msdetrend"' "$TMP/in.j" "$TMP/out.j"
	for args in "--type quadratic" "--type" "--bogus" "extra"; do
		run msdetrend $args < "$TMP/in"
		[ "$status" -eq 2 ] || { echo "'$args' -> $status"; return 1; }
	done
	head -c 1500 "$TMP/in" > "$TMP/cut"
	run msdetrend < "$TMP/cut"
	[ "$status" -eq 1 ]
}

@test "msdetrend: equals ObsPy Trace.detrend (simple, linear, demean)" {
	OBSPY="$(sh "$REPO/scripts/pyref.sh" 2>"$TMP/pip.err")" ||
		skip_or_fail "cannot set up ObsPy in build/pyvenv: $(tail -1 "$TMP/pip.err")"
	mssynth --stream --count 1 --npts 5000 --seed 12 > "$TMP/in"
	msinfo --samples < "$TMP/in" > "$TMP/in.j"
	for t in simple linear demean; do
		msdetrend --type $t < "$TMP/in" | msinfo --samples > "$TMP/out.j"
		"$OBSPY" - "$TMP/in.j" "$TMP/out.j" $t <<'PY'
import json, sys
import numpy as np
from obspy import Trace
a = json.loads(open(sys.argv[1]).read()); b = json.loads(open(sys.argv[2]).read())
tr = Trace(np.array(a["data"])); tr.stats.delta = a["dt"]
got = np.array(b["data"])
tr.detrend(sys.argv[3])
x = np.array(a["data"])
err = np.max(np.abs(got - tr.data))
assert err <= 1e-9 * np.max(np.abs(x)), (sys.argv[3], err)
PY
	done
}
