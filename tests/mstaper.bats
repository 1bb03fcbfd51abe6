#!/usr/bin/env bats
# mstaper: equals ObsPy's Trace.taper construction (scipy hann / bartlett), sides,
# fraction vs seconds, dead records, bad input.
load lib/common

@test "mstaper: hann and linear, both/left/right, fraction and seconds, as ObsPy builds the taper" {
	mssynth --stream --count 1 --npts 1001 --dt 0.05 --seed 3 > "$TMP/in"
	msinfo --samples < "$TMP/in" > "$TMP/in.j"
	for t in hann linear; do for side in both left right; do
		for len in "--fraction 0.1" "--seconds 7.3" "--fraction 0.5" "--fraction 0.2 --seconds 2"; do
			mstaper --type $t --side $side $len < "$TMP/in" | msinfo --samples > "$TMP/out.j"
			$PY - "$TMP/in.j" "$TMP/out.j" $t $side $len <<'PY'
import json, sys
import numpy as np
from scipy.signal import windows
a = json.loads(open(sys.argv[1]).read()); b = json.loads(open(sys.argv[2]).read())
t, side = sys.argv[3], sys.argv[4]; rest = sys.argv[5:]
frac = float(rest[rest.index("--fraction") + 1]) if "--fraction" in rest else None
sec = float(rest[rest.index("--seconds") + 1]) if "--seconds" in rest else None
x = np.array(a["data"]); npts = len(x)
# ObsPy Trace.taper
mhl = []
if frac is not None: mhl.append(int(frac * npts))
if sec is not None: mhl.append(int(sec * (1 / a["dt"])))
mhl.append(int(npts / 2)); wlen = min(mhl)
func = windows.hann if t == "hann" else windows.bartlett
ts = func(2 * wlen) if 2 * wlen == npts else func(2 * wlen + 1)
if side == "left": tp = np.hstack((ts[:wlen], np.ones(npts - wlen)))
elif side == "right": tp = np.hstack((np.ones(npts - wlen), ts[len(ts) - wlen:]))
else: tp = np.hstack((ts[:wlen], np.ones(npts - 2 * wlen), ts[len(ts) - wlen:]))
err = np.max(np.abs(np.array(b["data"]) - x * tp))
assert err <= 1e-12 * np.max(np.abs(x)), (t, side, rest, err)
PY
		done
	done; done
}

@test "mstaper: Seismogram components, dead records untouched, bad input" {
	mssynth --stream --count 4 --npts 200 --kind seis --kill-every 2 > "$TMP/in"
	mstaper --fraction 0.1 < "$TMP/in" | msinfo --samples > "$TMP/out.j"
	msinfo --samples < "$TMP/in" > "$TMP/in.j"
	$PY -c '
import json,sys
for a,b in zip(open(sys.argv[1]),open(sys.argv[2])):
    a=json.loads(a); b=json.loads(b)
    if not a["live"]: assert a==b; continue
    for c in range(3): assert b["data"][c][0]==0 and b["data"][c][-1]==0 and b["data"][c][100]==a["data"][c][100]' "$TMP/in.j" "$TMP/out.j"
	for args in "" "--fraction 0.6" "--fraction -0.1" "--seconds -1" "--fraction 5%" "--type gauss --fraction 0.1" "--side up --fraction 0.1" "--bogus"; do
		run mstaper $args < "$TMP/in"
		[ "$status" -eq 2 ] || { echo "'$args' -> $status"; return 1; }
	done
	head -c 1500 "$TMP/in" > "$TMP/cut"
	run mstaper --fraction 0.1 < "$TMP/cut"
	[ "$status" -eq 1 ]
}

@test "mstaper: equals ObsPy Trace.taper (hann; bartlett for linear; sides; max_length)" {
	OBSPY="$(sh "$REPO/scripts/pyref.sh" 2>"$TMP/pip.err")" ||
		skip_or_fail "cannot set up ObsPy in build/pyvenv: $(tail -1 "$TMP/pip.err")"
	mssynth --stream --count 1 --npts 2001 --dt 0.05 --seed 13 > "$TMP/in"
	msinfo --samples < "$TMP/in" > "$TMP/in.j"
	for args in "hann both 0.1 -" "linear left 0.2 -" "hann right 0.5 3.0" "linear both 0.05 1.0"; do
		set -- $args
		sec=""; [ "$4" != - ] && sec="--seconds $4"
		mstaper --type $1 --side $2 --fraction $3 $sec < "$TMP/in" | msinfo --samples > "$TMP/out.j"
		"$OBSPY" - "$TMP/in.j" "$TMP/out.j" $args <<'PY'
import json, sys
import numpy as np
from obspy import Trace
a = json.loads(open(sys.argv[1]).read()); b = json.loads(open(sys.argv[2]).read())
typ, side, frac, sec = sys.argv[3:7]
tr = Trace(np.array(a["data"])); tr.stats.delta = a["dt"]
tr.taper(float(frac), type="hann" if typ == "hann" else "bartlett",
         max_length=None if sec == "-" else float(sec), side=side)
err = np.max(np.abs(np.array(b["data"]) - tr.data))
assert err <= 1e-12 * np.max(np.abs(tr.data)), (sys.argv[3:], err)
PY
	done
}
