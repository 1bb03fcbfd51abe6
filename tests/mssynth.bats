#!/usr/bin/env bats
# mssynth: deterministic synthetic records and data sets with their ground truth.
load lib/common

@test "mssynth --stream: same seed gives the same bytes, another seed other bytes" {
	mssynth --stream --count 4 --npts 100 --seed 7 > "$TMP/a"
	mssynth --stream --count 4 --npts 100 --seed 7 > "$TMP/b"
	mssynth --stream --count 4 --npts 100 --seed 8 > "$TMP/c"
	cmp "$TMP/a" "$TMP/b"
	! cmp -s "$TMP/a" "$TMP/c" || false
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

# Read a miniSEED file back through mseed2sac (an independent reader) and
# print one JSON line per channel: chan, start (epoch), delta, samples.
sac_dump() {
	( cd "$1" && mseed2sac "$2" >/dev/null 2>&1 ) || return 1
	$PY - "$1" <<'PY'
import glob, json, struct, sys, calendar, os
for f in sorted(glob.glob(os.path.join(sys.argv[1], "*.SAC"))):
    b = open(f, "rb").read()
    fl = struct.unpack("<70f", b[:280]); it = struct.unpack("<40i", b[280:440])
    kc = b[440:632].decode()
    y, jd, hh, mi, ss, ms = it[0:6]; npts = it[9]
    t = calendar.timegm((y, 1, 1, hh, mi, ss)) + (jd - 1) * 86400 + ms / 1000.0 + fl[5]
    x = struct.unpack("<%df" % npts, b[632:632 + 4 * npts])
    print(json.dumps({"chan": kc[160:168].strip(), "t0": t, "dt": fl[0], "x": x}))
    os.remove(f)
PY
}

@test "mssynth --dataset: files, FDSN headers, one truth line per channel" {
	mssynth --dataset "$TMP/ds" --stations 5 --seed 4
	[ -f "$TMP/ds/events.txt" ]
	[ -f "$TMP/ds/stations.txt" ]
	[ -f "$TMP/ds/truth.jsonl" ]
	[ "$(head -1 "$TMP/ds/stations.txt")" = "#Network|Station|Location|Channel|Latitude|Longitude|Elevation|Depth|Azimuth|Dip|SensorDescription|Scale|ScaleFreq|ScaleUnits|SampleRate|StartTime|EndTime" ]
	[ "$(head -1 "$TMP/ds/events.txt")" = "#EventID|Time|Latitude|Longitude|Depth/km|Author|Catalog|Contributor|ContributorID|MagType|Magnitude|MagAuthor|EventLocationName" ]
	[ "$(sed 1d "$TMP/ds/stations.txt" | wc -l)" = 15 ]
	[ "$(wc -l < "$TMP/ds/truth.jsonl")" = 15 ]
	[ "$(ls "$TMP/ds/waveforms" | wc -l)" = 5 ]
	# every station line has 17 fields; rotated horizontals at 30 and 120 on odd stations
	[ "$(sed 1d "$TMP/ds/stations.txt" | awk -F'|' 'NF != 17' | wc -l)" = 0 ]
	grep -q '^XX|S0002||BH1|.*|0|30|0|' "$TMP/ds/stations.txt"
	grep -q '^XX|S0002||BH2|.*|0|120|0|' "$TMP/ds/stations.txt"
	grep -q '^XX|S0001||BHZ|.*|0|0|-90|' "$TMP/ds/stations.txt"
	mssynth --dataset "$TMP/ds2" --stations 5 --seed 4 --per-channel
	[ "$(ls "$TMP/ds2/waveforms" | wc -l)" = 15 ]
	cmp "$TMP/ds/truth.jsonl" <(sed 's/\.BH[ZNE12]\.mseed"/.mseed"/' "$TMP/ds2/truth.jsonl")
}

@test "mssynth --dataset: distances, azimuths and P times in the truth agree with the files" {
	mssynth --dataset "$TMP/ds" --stations 7 --dist-min 20 --dist-max 80
	$PY - "$TMP/ds" <<'PY'
import json, math, sys
d = sys.argv[1]
truth = [json.loads(l) for l in open(d + "/truth.jsonl")]
st = {}
for l in open(d + "/stations.txt"):
    if l.startswith("#"): continue
    f = l.rstrip("\n").split("|")
    st[(f[1], f[3])] = f
ev = open(d + "/events.txt").read().splitlines()[1].split("|")
elat, elon = float(ev[2]), float(ev[3])
dists = []
for t in truth:
    f = st[(t["sta"], t["chan"])]
    lat, lon = float(f[4]), float(f[5])
    assert (lat, lon) == (t["channel_lat"], t["channel_lon"])
    assert float(f[8]) == t["channel_hang"] and float(f[9]) + 90 == t["channel_vang"]
    r = math.radians
    cosd = math.sin(r(elat)) * math.sin(r(lat)) + math.cos(r(elat)) * math.cos(r(lat)) * math.cos(r(lon - elon))
    delta = math.degrees(math.acos(min(1, cosd)))
    assert abs(delta - t["dist_deg"]) < 1e-6, (delta, t["dist_deg"])
    assert abs(t["ptime"] - t["source_time"] - t["ptravel"]) < 1e-6
    assert t["phase"].startswith("P")
    # projection of the P motion (up and away from the source) on the sensor axis
    inc, baz, hang, vang = r(t["incidence"]), r(t["baz"]), r(t["channel_hang"]), r(t["channel_vang"])
    u = (math.sin(vang) * math.sin(hang), math.sin(vang) * math.cos(hang), math.cos(vang))
    p = (-math.sin(inc) * math.sin(baz), -math.sin(inc) * math.cos(baz), math.cos(inc))
    assert abs(t["amp"] - t["amp_p"] * sum(a * b for a, b in zip(u, p))) < 1e-9
    dists.append(t["dist_deg"])
planned = [20 + 60 * i / 6 for i in range(7) for _ in range(3)]
assert all(abs(a - b) < 1e-4 for a, b in zip(dists, planned)), dists
PY
}

@test "mssynth --dataset --noise 0: miniSEED samples are the rounded wavelet at the P time" {
	command -v mseed2sac >/dev/null || skip "no mseed2sac"
	mssynth --dataset "$TMP/ds" --stations 3 --noise 0 --amp 20000 --freq 0.5 --npts 2400
	for f in "$TMP"/ds/waveforms/*.mseed; do
		sac_dump "$TMP/ds/waveforms" "$(basename "$f")"
	done > "$TMP/sac.jsonl"
	[ "$(wc -l < "$TMP/sac.jsonl")" = 9 ]
	$PY - "$TMP/sac.jsonl" "$TMP/ds/truth.jsonl" <<'PY'
import json, math, sys
sac = [json.loads(l) for l in open(sys.argv[1])]
truth = [json.loads(l) for l in open(sys.argv[2])]
# mseed2sac writes files in name order; match on channel and start
for t in truth:
    cand = [s for s in sac if s["chan"] == t["chan"] and abs(s["t0"] - t["starttime"]) < 1e-3]
    assert len(cand) == 1, (t["sta"], t["chan"])
    s = cand[0]
    assert len(s["x"]) == t["npts"] == 2400 and abs(s["dt"] - 0.05) < 1e-7
    for i, v in enumerate(s["x"]):
        a = (math.pi * 0.5 * (t["starttime"] + i * 0.05 - t["ptime"])) ** 2
        want = t["amp"] * (1 - 2 * a) * math.exp(-a)
        assert abs(v - want) <= 0.5 + 1e-6, (t["chan"], i, v, want)
PY
}

@test "mssynth --dataset: the same seed gives the same files" {
	mssynth --dataset "$TMP/a" --stations 2 --seed 9
	mssynth --dataset "$TMP/b" --stations 2 --seed 9
	mssynth --dataset "$TMP/c" --stations 2 --seed 10
	diff -r "$TMP/a/waveforms" "$TMP/b/waveforms"
	! diff -rq "$TMP/a/waveforms" "$TMP/c/waveforms" >/dev/null || false
}

@test "mssynth: usage errors exit 2" {
	run mssynth
	[ "$status" -eq 2 ]
	[[ "$output" == *"--stream or --dataset"* ]]
	run mssynth --stream --dataset "$TMP/x"
	[ "$status" -eq 2 ]
	run mssynth --stream --freq 10Hz
	[ "$status" -eq 2 ]
	[[ "$output" == 'mssynth: --freq: "10Hz" is not a number'* ]]
	run mssynth --stream --count -1
	[ "$status" -eq 2 ]
	run mssynth --stream --kind vector
	[ "$status" -eq 2 ]
	run mssynth --stream --chan BHX
	[ "$status" -eq 2 ]
	run mssynth --stream --kind seis --chan BHZ
	[ "$status" -eq 2 ]
	run mssynth --stream --wavelet-time 0 --ptime-offset 1
	[ "$status" -eq 2 ]
	run mssynth --stream --bogus
	[ "$status" -eq 2 ]
	[[ "$output" == *"unknown option --bogus"* ]]
	run mssynth --dataset "$TMP/x" --dist-min 50 --dist-max 10
	[ "$status" -eq 2 ]
	run mssynth --stream extra
	[ "$status" -eq 2 ]
}

@test "mssynth: --help on stdout, --version, terminal refusal, write errors" {
	run mssynth --help
	[ "$status" -eq 0 ]
	[[ "${lines[0]}" == "Usage: mssynth "* ]]
	run mssynth --version
	[ "$status" -eq 0 ]
	[[ "$output" == "mssynth (mspipe "* ]]
	run script -qec "mssynth --stream" /dev/null
	[ "$status" -eq 2 ]
	[[ "$output" == *"refusing to write binary records to a terminal"* ]]
	run sh -c 'mssynth --stream --count 10 > /dev/full'
	[ "$status" -eq 1 ]
	[[ "$output" == "mssynth: stdout: write error"* ]]
	run mssynth --dataset /dev/null/x
	[ "$status" -eq 1 ]
	[[ "$output" == "mssynth: /dev/null/x: "* ]]
	run sh -c 'mssynth --stream --count 1000 | head -c 10 >/dev/null'
	[ -z "$output" ]
}
