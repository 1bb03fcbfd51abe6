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

index_data() {
	need_data
	command -v msindex >/dev/null || skip "msindex not built"
	msindex "$DATA"/waveforms/IV.BOB*.mseed "$DATA"/waveforms/CX.PB01*.mseed \
		"$DATA"/waveforms/IU.COLA*.mseed "$DATA"/stations/*.xml "$DATA"/events/*.xml > /dev/null
}

@test "msbundle: IV.BOB (starts 6 s apart, sub-sample offsets) is cut to the common span, nearest samples" {
	index_data
	msquery wf_miniseed '{"sta": "BOB"}' --sort net,sta,loc,starttime,chan | msread \
		| msnormalize channel > "$TMP/ts"
	msinfo --samples < "$TMP/ts" > "$TMP/ts.json"
	msbundle < "$TMP/ts" | msinfo --samples > "$TMP/seis.json"
	$PY - "$TMP/ts.json" "$TMP/seis.json" <<'PY'
import json, sys
ts = {r["metadata"]["chan"]: r for r in map(json.loads, open(sys.argv[1]))}
s = json.loads(open(sys.argv[2]).read())
assert s["live"] and s["kind"] == "Seismogram", s["elog"]
assert s["metadata"]["bundle_channels"] == ["BHE", "BHN", "BHZ"]
assert s["metadata"]["cardinal"] is True            # E (90, 90), N (0, 90), Z (0, 0)
# PROVENANCE: common span 05:45:14.325 to 06:46:26.115
t0 = ts["BHE"]["t0"]
assert s["t0"] == t0 and abs(t0 % 86400 - (5 * 3600 + 45 * 60 + 14.325)) < 1e-6
end = min(r["t0"] + (r["npts"] - 1) * r["dt"] for r in ts.values())
assert abs(end % 86400 - (6 * 3600 + 46 * 60 + 26.115)) < 1e-6
assert s["npts"] == round((end - t0) / 0.05) + 1 == 73437
for k, c in enumerate(["BHE", "BHN", "BHZ"]):
    r = ts[c]
    off = round((t0 - r["t0"]) / r["dt"])       # nearest sample: 0, 118 (118.2), 118 (117.6)
    assert off == [0, 118, 118][k]
    assert s["data"][k] == r["data"][off:off + s["npts"]], c
PY
}

@test "msbundle: CX.PB01's 13 event windows become 13 aligned Seismograms; --to-enz keeps them" {
	index_data
	msquery wf_miniseed '{"sta": "PB01"}' --sort net,sta,loc,starttime,chan | msread \
		| msnormalize channel | msbundle --to-enz | msinfo > "$TMP/j"
	$PY - "$TMP/j" <<'PY'
import json, sys
rows = [json.loads(l) for l in open(sys.argv[1])]
assert len(rows) == 13 and all(r["live"] for r in rows)
assert all(r["npts"] == 2701 and r["dt"] == 0.2 and r["kind"] == "Seismogram" for r in rows)
assert len({round(r["t0"]) for r in rows}) == 13
assert all(r["metadata"]["cardinal"] for r in rows)
PY
}

@test "msbundle: IU.COLA LH1/LH2/LHZ (orientation set with msedit) bundle exactly aligned" {
	index_data
	command -v msedit >/dev/null || skip "msedit not built"
	msquery wf_miniseed '{"chan": "LH1"}' | msread | msedit --set channel_hang=30 --set channel_vang=90 > "$TMP/1"
	msquery wf_miniseed '{"chan": "LH2"}' | msread | msedit --set channel_hang=120 --set channel_vang=90 > "$TMP/2"
	msquery wf_miniseed '{"chan": "LHZ"}' | msread | msedit --set channel_hang=0 --set channel_vang=0 > "$TMP/z"
	mscat "$TMP/1" "$TMP/2" "$TMP/z" > "$TMP/ts"
	msinfo --samples < "$TMP/ts" > "$TMP/ts.json"
	msbundle < "$TMP/ts" | msinfo --samples > "$TMP/a"
	msbundle --to-enz < "$TMP/ts" | msinfo --samples > "$TMP/b"
	$PY - "$TMP/ts.json" "$TMP/a" "$TMP/b" <<'PY'
import json, sys, math
ts = [json.loads(l) for l in open(sys.argv[1])]
a = json.loads(open(sys.argv[2]).read()); b = json.loads(open(sys.argv[3]).read())
assert a["live"] and a["npts"] == 4200 and a["t0"] == ts[0]["t0"]
assert a["data"] == [r["data"] for r in ts]          # aligned: copied as they are
assert a["metadata"]["cardinal"] is False and a["metadata"]["orthogonal"] is False
# to ENZ: E = sin30*h1 + sin120*h2, N = cos30*h1 + cos120*h2
h1, h2, z = (r["data"] for r in ts)
s30, c30, s120, c120 = (f(math.radians(x)) for f, x in ((math.sin, 30), (math.cos, 30), (math.sin, 120), (math.cos, 120)))
for i in range(0, 4200, 7):
    assert abs(b["data"][0][i] - (s30 * h1[i] + s120 * h2[i])) < 1e-9 * (1 + abs(h1[i]) + abs(h2[i]))
    assert abs(b["data"][1][i] - (c30 * h1[i] + c120 * h2[i])) < 1e-9 * (1 + abs(h1[i]) + abs(h2[i]))
    assert b["data"][2][i] == z[i]
PY
}
