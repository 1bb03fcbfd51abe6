#!/usr/bin/env bats
# msrotate: ENZ, RTZ, LQT and the free-surface transform on synthetic P waves
# with known back-azimuth and incidence.
load lib/common

synth() {
	mssynth --stream --count 3 --step 0 --npts 400 --noise 0 --chan BH1,BH2,BHZ \
		--h1-azimuth 30 --baz 40 --incidence 25 --amp 10 --ptime-offset 10 | msbundle
}

@test "msrotate --rtz: all P motion on R and Z, none on T" {
	synth | msrotate --rtz --baz-key synth_baz | msinfo --samples > "$TMP/j"
	$PY - "$TMP/j" <<'PY'
import json, sys, math
r = json.loads(open(sys.argv[1]).read())
R, T, Z = r["data"]
inc = math.radians(25)
pk = max(range(len(Z)), key=lambda i: abs(Z[i]))
assert abs(R[pk] - 10 * math.sin(inc)) < 1e-9 and max(abs(t) for t in T) < 1e-9
assert r["metadata"]["rotation"] == "RTZ" and r["metadata"]["orthogonal"] is True
PY
}

@test "msrotate --lqt: all P motion on L" {
	synth | msrotate --lqt --baz 40 --incidence-key synth_incidence | msinfo --samples > "$TMP/j"
	$PY - "$TMP/j" <<'PY'
import json, sys
r = json.loads(open(sys.argv[1]).read())
L, Q, T = r["data"]
assert abs(max(L, key=abs) - 10) < 1e-9
assert max(abs(q) for q in Q) < 1e-9 and max(abs(t) for t in T) < 1e-9
PY
}

@test "msrotate --lqt without an angle takes the incidence from the ray parameter (sin i = p vp)" {
	# incidence 25 degrees at vp 6: p = sin(25)/6 s/km, in s/deg
	$PY -c 'import math; print(math.sin(math.radians(25)) / 6 * 6371 * math.pi / 180)' > "$TMP/p"
	synth | msedit --set "rayp_P=$(cat "$TMP/p")" --set seaz=40 | msrotate --lqt --vp 6 \
		| msinfo --samples > "$TMP/j"
	$PY - "$TMP/j" <<'PY'
import json, sys
L, Q, T = json.loads(open(sys.argv[1]).read())["data"]
assert abs(max(L, key=abs) - 10) < 1e-9
assert max(abs(q) for q in Q) < 1e-9 and max(abs(t) for t in T) < 1e-9
PY
}

@test "msrotate --to-enz after --rtz restores east, north, up" {
	synth | msrotate --to-enz | msinfo --samples > "$TMP/a"
	synth | msrotate --rtz --baz 40 | msrotate --to-enz | msinfo --samples > "$TMP/b"
	$PY - "$TMP/a" "$TMP/b" <<'PY'
import json, sys
a, b = (json.loads(open(p).read()) for p in sys.argv[1:3])
for x, y in zip(a["data"], b["data"]):
    assert max(abs(u - v) for u, v in zip(x, y)) < 1e-9
assert b["metadata"]["cardinal"] is True
PY
}

@test "msrotate --fst: an incident P with the free surface's apparent incidence has no SV" {
	# p = 0.06 s/km, vs 3.5: sin j = p vs, apparent incidence 2j
	$PY -c 'import math; print(math.degrees(2*math.asin(0.06*3.5)), 0.06*6371*math.pi/180)' > "$TMP/a"
	read app rayp < "$TMP/a"
	mssynth --stream --count 3 --step 0 --npts 400 --noise 0 --chan BHE,BHN,BHZ \
		--baz 40 --incidence "$app" --amp 10 | msbundle \
		| msrotate --fst --baz 40 --rayp "$rayp" --vp 6 --vs 3.5 | msinfo --samples > "$TMP/j"
	$PY - "$TMP/j" <<'PY'
import json, sys
r = json.loads(open(sys.argv[1]).read())
P, SV, SH = r["data"]
assert max(abs(v) for v in P) > 1
assert max(abs(v) for v in SV) < 1e-9 * max(abs(v) for v in P)
assert max(abs(v) for v in SH) < 1e-9
PY
}

@test "msrotate: a missing angle kills the record; TimeSeries pass through" {
	synth | msrotate --rtz | msinfo > "$TMP/j"
	grep -q '"live":false' "$TMP/j"
	grep -q 'back-azimuth key seaz is missing' "$TMP/j"
	mssynth --stream --count 1 --npts 10 | msrotate --rtz --baz 10 | msinfo > "$TMP/k"
	grep -q '"kind":"TimeSeries"' "$TMP/k"
	mssynth --stream --count 3 --step 0 --npts 400 --chan BHE,BHN,BHZ | msbundle \
		| msrotate --fst --baz 1 --rayp 20 | msinfo > "$TMP/l"
	grep -q 'not below 1/vp' "$TMP/l"
}

@test "msrotate: usage errors exit 2, broken stream exits 1" {
	run msrotate
	[ "$status" -eq 2 ]
	run msrotate --rtz --lqt
	[ "$status" -eq 2 ]
	run msrotate --rtz --baz 10deg
	[ "$status" -eq 2 ]
	run msrotate --fst --vp 3 --vs 4
	[ "$status" -eq 2 ]
	synth > "$TMP/in"
	head -c 1000 "$TMP/in" > "$TMP/cut"
	run msrotate --to-enz < "$TMP/cut"
	[ "$status" -eq 1 ]
}
