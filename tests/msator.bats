#!/usr/bin/env bats
# msator: UTC -> relative time; the shift kept; re-referencing; missing keys;
# usage errors; broken streams.  The round trip with msrtoa is in msrtoa.bats.
load lib/common
load lib/broken

@test "msator --help on stdout and exit 0; --version" {
	run msator --help
	[ "$status" -eq 0 ]
	[[ "${lines[0]}" == "Usage: msator "* ]]
	run msator --version
	[ "$status" -eq 0 ]
	[[ "$output" == "msator (mspipe "* ]]
}

@test "msator --ref: t0 = t0 - KEY, shift = KEY, samples untouched, mirrors follow" {
	mssynth --stream --count 3 --npts 500 > "$TMP/in"
	msinfo --samples < "$TMP/in" > "$TMP/a"
	msedit --set 'time_standard="UTC"' < "$TMP/in" | msator --ref synth_ptime | msinfo --samples > "$TMP/b"
	$PY - "$TMP/a" "$TMP/b" <<'PY'
import json, sys
A = [json.loads(l) for l in open(sys.argv[1])]
B = [json.loads(l) for l in open(sys.argv[2])]
for a, b in zip(A, B):
    p = a["metadata"]["synth_ptime"]
    assert b["tref"] == "relative" and b["t0shift"] == p and b["t0shift_valid"]
    assert b["t0"] == a["t0"] - p and b["data"] == a["data"]
    m = b["metadata"]
    assert m["starttime"] == b["t0"] and m["time_standard"] == "Relative"
    assert b["history"][-1]["tool"] == "msator"
PY
}

@test "msator --shift TIME: ISO or epoch, the same result" {
	mssynth --stream --count 2 --npts 100 > "$TMP/in"
	msator --shift 2011-03-11T05:46:23.2 < "$TMP/in" | msinfo | jq -c '[.t0,.t0shift]' > "$TMP/a"
	msator --shift 1299822383.2 < "$TMP/in" | msinfo | jq -c '[.t0,.t0shift]' > "$TMP/b"
	cmp "$TMP/a" "$TMP/b"
	[ "$(head -1 "$TMP/a")" = "[$($PY -c 'print(repr(1299823200 - 1299822383.2))'),1299822383.2]" ]
}

@test "msator: relative records are re-referenced; without a valid shift they are killed" {
	mssynth --stream --count 1 --npts 100 > "$TMP/in"
	msator --shift 1299823000 < "$TMP/in" | msator --shift 1299823100 | msinfo | jq -c '[.t0,.t0shift,.live]' > "$TMP/a"
	[ "$(cat "$TMP/a")" = "[100,1299823100,true]" ]
	# relative records written by the Python writer: no valid shift (killed),
	# and a shift of 150 s not flagged valid (MsPASS takes any shift > 100 s)
	$PY - "$REPO/tests/lib" "$TMP/rel" <<'PY'
import sys
sys.path.insert(0, sys.argv[1])
import mspstream as m
open(sys.argv[2], "wb").write(m.record(1, 5.0, 0.1, [1.0] * 10, utc=False) +
                              m.record(1, 5.0, 0.1, [1.0] * 10, utc=False, t0shift=150.0) + m.endmark(2))
PY
	msator --shift 100 < "$TMP/rel" | msinfo | jq -c '[.live, .tref, .t0, .elog[-1].message]' > "$TMP/o"
	[ "$(sed -n 1p "$TMP/o")" = '[false,"relative",5,"cannot re-reference relative-time data: its time shift to UTC is not defined"]' ]
	[ "$(sed -n 2p "$TMP/o")" = '[true,"relative",55,null]' ]
}

@test "msator: a missing or non-numeric key kills the record naming the key; dead records untouched" {
	mssynth --stream --count 4 --npts 100 --kill-every 2 > "$TMP/in"
	msator --ref Ptime < "$TMP/in" | msinfo > "$TMP/o"
	[ "$(jq -s 'map(select(.live)) | length' "$TMP/o")" = 0 ]
	[ "$(jq -r 'select(.history[-1].tool == "msator") | .elog[-1].message' "$TMP/o" | sort -u)" = \
	  "reference time key Ptime is not in the metadata" ]
	[ "$(jq -r 'select(.history[-1].tool == "msator") | .tref' "$TMP/o" | sort -u)" = UTC ]
	msedit --set 'Ptime=true' < "$TMP/in" | msator --ref Ptime | msinfo | jq -r '.elog[-1].message' | grep -q 'Ptime does not hold a number'
}

@test "msator: usage errors exit 2" {
	mssynth --stream --count 1 --npts 10 > "$TMP/in"
	for args in "" "--ref Ptime --shift 5" "--shift 5s" "--shift" "--ref ''" "--ref Ptime extra" "--bogus"; do
		eval "run msator $args < '$TMP/in'"
		[ "$status" -eq 2 ] || { echo "args: $args -> $status: $output"; return 1; }
		[[ "$output" == msator:* ]]
	done
}

@test "msator: broken input streams exit 1 with the standard message" {
	for c in cut noend empty json text version header payload toobig lost; do
		expect_broken $c msator --shift 0
	done
}
