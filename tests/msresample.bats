#!/usr/bin/env bats
# msresample: MsPASS resample() = ScipyDecimator (scipy.signal.decimate) for integer
# factors, ScipyResampler (scipy.signal.resample, Hann window) otherwise; round trip
# of a band-limited signal; kills; FFTW wisdom; dead records; bad input.
load lib/common

@test "msresample: integer factor = scipy.signal.decimate (order-8 cheby1, zero phase) (1e-9)" {
	mssynth --stream --count 2 --npts 3001 --dt 0.01 --seed 6 --kind seis > "$TMP/in"
	msinfo --samples < "$TMP/in" > "$TMP/in.j"
	for r in 50 20 10; do
		msresample --rate $r < "$TMP/in" | msinfo --samples > "$TMP/out.j"
		$PY - "$TMP/in.j" "$TMP/out.j" $r <<'PY'
import json, sys
import numpy as np
from scipy import signal
r = float(sys.argv[3])
for la, lb in zip(open(sys.argv[1]), open(sys.argv[2])):
    a = json.loads(la); b = json.loads(lb)
    q = int((1 / r) / a["dt"])
    assert b["dt"] == 1 / r and b["t0"] == a["t0"] and b["metadata"]["sampling_rate"] == r
    for c in range(3):
        y = signal.decimate(np.array(a["data"][c]), q)
        got = np.array(b["data"][c])
        assert len(got) == len(y) == b["npts"], (len(got), len(y))
        assert np.max(np.abs(got - y)) <= 1e-9 * np.max(np.abs(y)), (q, c)
PY
	done
}

@test "msresample: other ratios = scipy.signal.resample(x, n, window='hann'), n as MsPASS (1e-9)" {
	{ mssynth --stream --count 1 --npts 1000 --dt 0.05 --t0 1000 --seed 8
	  mssynth --stream --count 1 --npts 999 --dt 0.05 --t0 1000 --seed 9 --kind seis; } | mscat > "$TMP/in"
	msinfo --samples < "$TMP/in" > "$TMP/in.j"
	for r in 8 50 33 7.5; do
		for w in hann none; do
			msresample --rate $r --window $w < "$TMP/in" | msinfo --samples > "$TMP/out.j"
			$PY - "$TMP/in.j" "$TMP/out.j" $r $w <<'PY'
import json, sys
import numpy as np
from scipy import signal
r = float(sys.argv[3]); w = None if sys.argv[4] == "none" else "hann"
for la, lb in zip(open(sys.argv[1]), open(sys.argv[2])):
    a = json.loads(la); b = json.loads(lb)
    end = a["t0"] + a["dt"] * (a["npts"] - 1)
    n = int((end - a["t0"] + a["dt"]) * r)
    y = signal.resample(np.array(a["data"]), n, window=w, axis=-1)
    got = np.array(b["data"])
    assert got.shape == y.shape and b["npts"] == n
    assert np.max(np.abs(got - y)) <= 1e-9 * np.max(np.abs(y)), (r, w)
PY
		done
	done
}

@test "msresample: a band-limited signal up and back down is recovered to 1e-6" {
	# 20 sps -> 8 sps by FFT gives a signal band-limited below 4 Hz; 8 -> 20 -> 8 must return it.
	mssynth --stream --count 1 --npts 1000 --dt 0.05 --t0 1000 --seed 11 |
		msresample --rate 8 --window none > "$TMP/s8"
	msresample --rate 20 --window none < "$TMP/s8" | msresample --rate 8 --window none > "$TMP/back"
	msinfo --samples < "$TMP/s8" > "$TMP/a.j"
	msinfo --samples < "$TMP/back" > "$TMP/b.j"
	$PY - "$TMP/a.j" "$TMP/b.j" <<'PY'
import json, sys
a = json.loads(open(sys.argv[1]).read())["data"]; b = json.loads(open(sys.argv[2]).read())["data"]
assert len(a) == len(b) == 400
m = max(abs(v) for v in a)
assert max(abs(u - v) for u, v in zip(a, b)) <= 1e-6 * m
PY
}

@test "msresample: same rate passes unchanged; decimator kills upsampling and non-integer factors" {
	mssynth --stream --count 1 --npts 500 --dt 0.05 > "$TMP/in"
	msresample --rate 20 < "$TMP/in" > "$TMP/same"
	cmp "$TMP/in" "$TMP/same"
	msresample --rate 40 --method decimate < "$TMP/in" | msinfo > "$TMP/up"
	msresample --rate 8 --method decimate < "$TMP/in" | msinfo > "$TMP/frac"
	$PY - "$TMP/up" "$TMP/frac" <<'PY'
import json, sys
u = json.loads(open(sys.argv[1]).read()); f = json.loads(open(sys.argv[2]).read())
assert not u["live"] and "can only downsample" in u["elog"][-1]["message"]
assert not f["live"] and "not an integer multiple" in f["elog"][-1]["message"]
for r in (u, f):
    assert r["elog"][-1]["algorithm"] == "ScipyDecimator.resample" and r["elog"][-1]["severity"] == "Invalid"
PY
	mssynth --stream --count 1 --npts 20 --dt 0.01 | msresample --rate 20 | msinfo > "$TMP/short"
	grep -q '"live":false' "$TMP/short"
}

@test "msresample: a rate whose records no reader would take kills them with the reason (the record bound), the rest go on" {
	mssynth --stream --count 3 --npts 2000 --dt 0.05 > "$TMP/in"
	# 2000 samples at 20 sps to 2000 sps: 200000 samples, 1.6 MB > a 1 MiB bound
	MSPIPE_MAX_RECORD=1048576 msresample --rate 2000 < "$TMP/in" > "$TMP/big"
	MSPIPE_MAX_RECORD=1048576 msinfo < "$TMP/big" > "$TMP/big.j"
	# 20000 samples (160 kB) fit, and the next reader takes them
	MSPIPE_MAX_RECORD=1048576 msresample --rate 200 < "$TMP/in" | MSPIPE_MAX_RECORD=1048576 msinfo > "$TMP/ok.j"
	# the default bound (1 GiB): 1e11 samples die without trying to allocate 800 GB
	msresample --rate 1e9 < "$TMP/in" | msinfo > "$TMP/huge.j"
	msresample --rate 1e300 < "$TMP/in" | msinfo > "$TMP/inf.j"
	$PY - "$TMP/big.j" "$TMP/ok.j" "$TMP/huge.j" "$TMP/inf.j" <<'PY'
import json, sys
big, ok, huge, inf = ([json.loads(l) for l in open(f)] for f in sys.argv[1:])
assert len(big) == len(ok) == len(huge) == len(inf) == 3
for r in big + huge + inf:
    e = r["elog"][-1]
    assert not r["live"] and r["npts"] == 2000, r
    assert e["algorithm"] == "ScipyResampler.resample" and e["severity"] == "Invalid", e
    assert "beyond the record bound of" in e["message"] and "(MSPIPE_MAX_RECORD)" in e["message"], e
for r in big:
    assert "would become 200000 at 2000 sps" in r["elog"][-1]["message"]
    assert "bound of 1048576 bytes" in r["elog"][-1]["message"]
for r in huge:
    assert "bound of 1073741824 bytes" in r["elog"][-1]["message"]
for r in ok:
    assert r["live"] and r["npts"] == 20000 and r["dt"] == 0.005, r
PY
}

@test "msresample: dead records pass through untouched" {
	mssynth --stream --count 4 --npts 400 --dt 0.01 --kill-every 2 > "$TMP/in"
	msresample --rate 20 < "$TMP/in" | msinfo --samples > "$TMP/out.j"
	msinfo --samples < "$TMP/in" > "$TMP/in.j"
	$PY -c '
import json,sys
n=0
for a,b in zip(open(sys.argv[1]),open(sys.argv[2])):
    a=json.loads(a); b=json.loads(b)
    if not a["live"]: assert a==b; n+=1
    else: assert b["npts"]==80
assert n==2' "$TMP/in.j" "$TMP/out.j"
}

@test "msresample: --measure saves FFTW wisdom, the next run loads it; a bad wisdom file is exit 1" {
	export XDG_CACHE_HOME="$TMP/cache"
	mssynth --stream --count 2 --npts 1000 --dt 0.05 > "$TMP/in"
	msresample --rate 8 -v < "$TMP/in" 2> "$TMP/e0" > /dev/null
	grep -q "FFTW_ESTIMATE" "$TMP/e0"
	grep -q "FFT plans made: 1" "$TMP/e0"
	msresample --rate 8 --measure < "$TMP/in" > "$TMP/m"
	[ -s "$TMP/cache/mspipe/fftw-wisdom" ]
	msresample --rate 8 -v < "$TMP/in" 2> "$TMP/e1" > "$TMP/w"
	grep -q "wisdom loaded" "$TMP/e1"
	echo "not wisdom" > "$TMP/bad"
	run msresample --rate 8 --wisdom "$TMP/bad" < "$TMP/in"
	[ "$status" -eq 1 ]
}

@test "msresample: bad options are usage errors; a broken stream is exit 1" {
	mssynth --stream --count 2 --npts 100 > "$TMP/in"
	for args in "" "--rate 0" "--rate -5" "--rate 20sps" "--rate 20 --method spline" "--rate 20 --window kaiser" \
		"--rate 20 --order 0" "--bogus" "--rate 20 extra"; do
		run msresample $args < "$TMP/in"
		[ "$status" -eq 2 ] || { echo "'$args' -> $status"; return 1; }
	done
	head -c 1500 "$TMP/in" > "$TMP/cut"
	run msresample --rate 10 < "$TMP/cut"
	[ "$status" -eq 1 ]
}
