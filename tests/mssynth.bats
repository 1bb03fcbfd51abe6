#!/usr/bin/env bats
# mssynth: deterministic synthetic records and data sets with their ground truth.
load lib/common

@test "mssynth --stream: same seed gives the same bytes, another seed other bytes" {
	mssynth --stream --count 4 --npts 100 --seed 7 > "$TMP/a"
	mssynth --stream --count 4 --npts 100 --seed 7 > "$TMP/b"
	mssynth --stream --count 4 --npts 100 --seed 8 > "$TMP/c"
	cmp "$TMP/a" "$TMP/b"
	! cmp -s "$TMP/a" "$TMP/c"
}

@test "mssynth --stream: noiseless wavelet peak is amp at synth_ptime (Ricker, checked in python)" {
	mssynth --stream --npts 201 --dt 0.01 --noise 0 --amp 5 --freq 2 --t0 1000 --ptime-offset 1 |
		msinfo --samples > "$TMP/j"
	$PY - "$TMP/j" <<'PY'
import json, sys, math
r = json.loads(open(sys.argv[1]).read())
m = r["metadata"]
assert m["synth_ptime"] == 1001.0 and m["synth_amp"] == 5.0 and m["synth_noise_rms"] == 0.0
x = r["data"]
assert len(x) == 201 and r["t0"] == 1000 and r["dt"] == 0.01
for i, v in enumerate(x):
    t = 1000 + i * 0.01 - 1001.0
    a = (math.pi * 2 * t) ** 2
    want = 5 * (1 - 2 * a) * math.exp(-a)
    assert abs(v - want) < 1e-12, (i, v, want)
assert max(x) == x[100] and abs(x[100] - 5) < 1e-12
PY
}

@test "mssynth --stream: noise rms and mean match --noise" {
	mssynth --stream --count 1 --npts 200000 --noise 3 --amp 0 --seed 3 | msinfo --samples > "$TMP/j"
	$PY - "$TMP/j" <<'PY'
import json, sys, math
x = json.loads(open(sys.argv[1]).read())["data"]
n = len(x); mean = sum(x) / n
rms = math.sqrt(sum(v * v for v in x) / n)
assert abs(mean) < 4 * 3 / math.sqrt(n), mean
assert abs(rms - 3) < 0.03, rms
PY
}

@test "mssynth --stream: channels cycle with their orientations and projected amplitudes" {
	mssynth --stream --count 3 --npts 10 --noise 0 --chan BH1,BH2,BHZ --h1-azimuth 30 \
		--baz 30 --incidence 20 --amp 10 | msinfo > "$TMP/j"
	$PY - "$TMP/j" <<'PY'
import json, sys, math
rows = [json.loads(l)["metadata"] for l in open(sys.argv[1])]
assert [r["chan"] for r in rows] == ["BH1", "BH2", "BHZ"]
assert [(r["channel_hang"], r["channel_vang"]) for r in rows] == [(30, 90), (120, 90), (0, 0)]
d = math.radians
# P motion: up and away from the source (towards baz + 180)
want = [-10 * math.sin(d(20)), 0.0, 10 * math.cos(d(20))]
for r, w in zip(rows, want):
    assert abs(r["synth_chan_amp"] - w) < 1e-12, (r, w)
PY
}

@test "mssynth --stream --kind seis: 3 components, tmatrix, contiguous t0 steps" {
	mssynth --stream --kind seis --count 3 --npts 100 --dt 0.1 --t0 2011-03-11T00:00:00 | msinfo > "$TMP/j"
	run jq -c '[.kind, .npts, .t0, (.metadata.tmatrix|length)]' "$TMP/j"
	[ "${lines[0]}" = '["Seismogram",100,1299801600,9]' ]
	[ "${lines[1]}" = '["Seismogram",100,1299801610,9]' ]
	[ "${lines[2]}" = '["Seismogram",100,1299801620,9]' ]
}

@test "mssynth --kill-every gives dead records with an elog entry" {
	mssynth --stream --count 4 --npts 10 --kill-every 2 | msinfo > "$TMP/j"
	run jq -c '[.live, (.elog|length)]' "$TMP/j"
	[ "${lines[0]}" = '[true,0]' ]
	[ "${lines[1]}" = '[false,1]' ]
	[ "${lines[3]}" = '[false,1]' ]
}
