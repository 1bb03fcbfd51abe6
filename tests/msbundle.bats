#!/usr/bin/env bats
# msbundle: TimeSeries to Seismogram (MsPASS bundle rules), synthetic ground
# truth, incomplete groups, real three-component data.
load lib/common

synth3() { # three components of one sensor, hang 30/120, noiseless P wavelet
	mssynth --stream --count 3 --step 0 --npts 400 --noise 0 --chan BH1,BH2,BHZ \
		--h1-azimuth 30 --baz 40 --incidence 25 --amp 10 --ptime-offset 10 "$@"
}

@test "msbundle: horizontals at hang 30 and 120 bundled and rotated to ENZ give east and north back" {
	synth3 | msbundle --to-enz | msinfo --samples > "$TMP/j"
	$PY - "$TMP/j" <<'PY'
import json, sys, math
r = json.loads(open(sys.argv[1]).read())
assert r["kind"] == "Seismogram" and r["live"] and r["npts"] == 400
m = r["metadata"]
assert m["cardinal"] is True and m["bundle_channels"] == ["BH1", "BH2", "BHZ"]
assert "chan" not in m and "channel_hang" not in m
E, N, Z = r["data"]
A, baz, inc = 10, math.radians(40), math.radians(25)
# P motion up and away from the source: the peaks of E, N, Z
pk = max(range(400), key=lambda i: abs(Z[i]))
assert abs(Z[pk] - A * math.cos(inc)) < 1e-9
assert abs(E[pk] + A * math.sin(inc) * math.sin(baz)) < 1e-9, E[pk]
assert abs(N[pk] + A * math.sin(inc) * math.cos(baz)) < 1e-9, N[pk]
# and everywhere, E and N are the same wavelet scaled
for i in range(400):
    assert abs(E[i] * math.cos(inc) + Z[i] * math.sin(inc) * math.sin(baz)) < 1e-9
PY
}

@test "msbundle: without --to-enz the tmatrix holds the channel orientations (MsPASS formula)" {
	synth3 | msbundle | msinfo > "$TMP/j"
	$PY - "$TMP/j" <<'PY'
import json, sys, math
m = json.loads(open(sys.argv[1]).read())["metadata"]
tm = m["tmatrix"]
def row(h, v):
    phi, th = math.radians(90 - h), math.radians(v)
    return [math.sin(th) * math.cos(phi), math.sin(th) * math.sin(phi), math.cos(th)]
want = row(30, 90) + row(120, 90) + row(0, 0)
assert all(abs(a - b) < 1e-15 for a, b in zip(tm, want)), (tm, want)
assert m["cardinal"] is False and m["orthogonal"] is False
PY
}

@test "msbundle: runs split by sensor and by time; incomplete group is a dead Seismogram" {
	{
		synth3 --sta A
		synth3 --sta A --t0 2011-03-11T07:00:00
		mssynth --stream --count 2 --step 0 --npts 400 --chan BH1,BH2 --sta B
		synth3 --sta C --kill-every 3
	} | mscat | msbundle | msinfo > "$TMP/j"
	$PY - "$TMP/j" <<'PY'
import json, sys
rows = [json.loads(l) for l in open(sys.argv[1])]
seis = [(r["metadata"]["sta"], r["live"], r["kind"]) for r in rows]
assert seis[:3] == [("A", True, "Seismogram"), ("A", True, "Seismogram"), ("B", False, "Seismogram")], seis
b = rows[2]
assert b["npts"] == 0 and "Insufficient" in b["elog"][-1]["message"]
# C: the third component was killed on input: passed through, group incomplete
assert [r["kind"] for r in rows[3:]] == ["TimeSeries", "Seismogram"] and not rows[3]["live"]
assert not rows[4]["live"]
PY
}

@test "msbundle: missing orientation and mixed sample rates kill the group with a reason" {
	mssynth --stream --count 3 --step 0 --npts 100 --chan BHE,BHN,BHZ > "$TMP/ok"
	msbundle < "$TMP/ok" | msinfo > "$TMP/j"
	grep -q '"live":true' "$TMP/j"
	{
		mssynth --stream --count 2 --step 0 --npts 100 --chan BHE,BHN
		mssynth --stream --count 1 --npts 200 --dt 0.025 --chan BHZ
	} | mscat | msbundle | msinfo > "$TMP/k"
	grep -q 'Sample intervals of components are not consistent' "$TMP/k"
}

@test "msbundle: usage errors exit 2, broken stream exits 1" {
	run msbundle --bogus
	[ "$status" -eq 2 ]
	run msbundle extra
	[ "$status" -eq 2 ]
	synth3 > "$TMP/in"
	head -c 3000 "$TMP/in" > "$TMP/cut"
	run msbundle < "$TMP/cut"
	[ "$status" -eq 1 ]
	[[ "$output" == msbundle:* ]]
}
