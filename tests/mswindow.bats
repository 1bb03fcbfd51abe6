#!/usr/bin/env bats
# mswindow: MsPASS WindowData arithmetic checked in Python from the input
# samples; partial / outside windows; missing keys; relative time; usage
# errors; broken streams.
load lib/common
load lib/broken

# synth N NPTS: N one-hour-ish 20 sps traces with synth_ptime mid-record
synth() {
	mssynth --stream --count "${1:-2}" --npts "${2:-72000}" --dt 0.05 --seed 5 > "$TMP/in"
}

@test "mswindow --help on stdout and exit 0; --version" {
	run mswindow --help
	[ "$status" -eq 0 ]
	[[ "${lines[0]}" == "Usage: mswindow "* ]]
	run mswindow --version
	[ "$status" -eq 0 ]
	[[ "$output" == "mswindow (mspipe "* ]]
}

@test "mswindow --ref: samples and t0 are MsPASS's is=round((start-t0)/dt), n=round((end-start)/dt)+1" {
	synth 3
	msinfo --samples < "$TMP/in" > "$TMP/a.json"
	mswindow --ref synth_ptime -200 200.01 < "$TMP/in" | msinfo --samples > "$TMP/b.json"
	$PY - "$TMP/a.json" "$TMP/b.json" <<'PY'
import json, sys
A = [json.loads(l) for l in open(sys.argv[1])]
B = [json.loads(l) for l in open(sys.argv[2])]
assert len(A) == len(B) == 3
for a, b in zip(A, B):
    p = a["metadata"]["synth_ptime"]
    start, end = p - 200, p + 200.01
    i = round((start - a["t0"]) / a["dt"])
    n = round((end - start) / a["dt"]) + 1
    assert b["live"] and b["npts"] == n == 8001, (b["npts"], n)
    assert b["t0"] == a["t0"] + a["dt"] * i
    assert b["data"] == a["data"][i:i + n]
    assert b["metadata"]["npts"] == n and b["metadata"]["starttime"] == b["t0"]
    assert b["history"][-1]["tool"] == "mswindow"
PY
}

@test "mswindow: an ISO 8601 window equals the same window in epoch seconds" {
	synth 2
	mswindow 2011-03-11T06:10:00 2011-03-11T06:20:00.5 < "$TMP/in" | msinfo --samples | jq -c '[.t0,.npts,.data[0:5]]' > "$TMP/a"
	mswindow 1299823800 1299824400.5 < "$TMP/in" | msinfo --samples | jq -c '[.t0,.npts,.data[0:5]]' > "$TMP/b"
	cmp "$TMP/a" "$TMP/b"
	[ "$(head -1 "$TMP/a" | jq '.[1]')" = 12011 ]
}

@test "mswindow: a window never lengthens a record (kill, truncate), pad gives the full span" {
	synth 1 2000
	t0=$(msinfo < "$TMP/in" | jq .t0)
	for w in "-10 20" "0 99.95" "50 150" "-5 5" "90 200" "99.9 99.95" "-1000 1000"; do
		set -- $w
		for mode in kill truncate pad; do
			mswindow --short $mode -- $(echo "$t0 + $1" | bc) $(echo "$t0 + $2" | bc) < "$TMP/in" | msinfo > "$TMP/o"
			live=$(jq .live "$TMP/o"); npts=$(jq .npts "$TMP/o")
			[ "$npts" -le 2000 ] || [ "$mode" = pad ] || { echo "$w $mode: $npts"; return 1; }
			if [ "$mode" = pad ] && [ "$live" = true ]; then
				want=$($PY -c "print(round(($2 - ($1)) / 0.05) + 1)")
				[ "$npts" = "$want" ] || { echo "pad $w: $npts != $want"; return 1; }
			fi
		done
	done
}

@test "mswindow: partial overlap is killed, truncated (Complaint) or padded with zeros (Complaint)" {
	synth 1 2000   # 100 s from t0
	t0=$(msinfo < "$TMP/in" | jq .t0)
	s=$(echo "$t0 + 90" | bc); e=$(echo "$t0 + 110" | bc)
	mswindow $s $e < "$TMP/in" | msinfo > "$TMP/k"
	[ "$(jq .live "$TMP/k")" = false ]
	jq -r '.elog[-1].message' "$TMP/k" | grep -q 'only in part'
	[ "$(jq -r '.elog[-1].severity' "$TMP/k")" = Invalid ]
	[ "$(jq .npts "$TMP/k")" = 2000 ]   # a killed record keeps its samples (MsPASS kill)
	mswindow --short truncate $s $e < "$TMP/in" | msinfo --samples > "$TMP/t"
	[ "$(jq .live "$TMP/t")" = true ]
	[ "$(jq .npts "$TMP/t")" = 200 ]
	[ "$(jq -r '.elog[-1].severity' "$TMP/t")" = Complaint ]
	mswindow --short pad $s $e < "$TMP/in" | msinfo --samples > "$TMP/p"
	msinfo --samples < "$TMP/in" > "$TMP/a"
	$PY - "$TMP/a" "$TMP/p" "$TMP/t" <<'PY'
import json, sys
a, p, t = (json.loads(open(f).read()) for f in sys.argv[1:])
assert p["live"] and p["npts"] == 401 and p["elog"][-1]["severity"] == "Complaint"
assert p["data"][:200] == a["data"][1800:] and p["data"][200:] == [0.0] * 201
assert t["data"] == a["data"][1800:] and t["t0"] == a["t0"] + 1800 * a["dt"]
PY
}

@test "mswindow: one sample past the end is partial (MsPASS's TimeSeries off-by-one not copied)" {
	synth 1 2000
	t0=$(msinfo < "$TMP/in" | jq .t0)
	run sh -c "mswindow $(echo "$t0 + 50" | bc) $(echo "$t0 + 100" | bc) < '$TMP/in' | msinfo | jq .live"
	[ "$output" = false ]
	run sh -c "mswindow $(echo "$t0 + 50" | bc) $(echo "$t0 + 99.95" | bc) < '$TMP/in' | msinfo | jq .npts"
	[ "$output" = 1000 ]
}

@test "mswindow: a window outside the data is killed in every mode, with the spans in the elog" {
	synth 1 2000
	for mode in kill truncate pad; do
		mswindow --short $mode 2011-03-12 2011-03-12T01:00:00 < "$TMP/in" | msinfo > "$TMP/o"
		[ "$(jq .live "$TMP/o")" = false ]
		jq -r '.elog[-1].message' "$TMP/o" | grep -q 'does not overlap the data (2011-03-11T06:00:00.000000Z'
	done
}

@test "mswindow: missing or non-numeric --ref key kills the record naming the key; dead records untouched" {
	mssynth --stream --count 4 --npts 2000 --kill-every 2 > "$TMP/in"
	mswindow --ref Ptime -10 10 < "$TMP/in" | msinfo > "$TMP/o"
	[ "$(jq -s 'map(select(.live)) | length' "$TMP/o")" = 0 ]
	[ "$(jq -r 'select(.history[-1].tool == "mswindow") | .elog[-1].message' "$TMP/o" | sort -u)" = \
	  "reference time key Ptime is not in the metadata" ]
	# the dead records went through byte for byte
	mscat < "$TMP/in" | msinfo | jq -c 'select(.live == false)' > "$TMP/d0"
	jq -c 'select(.history[-1].tool != "mswindow")' "$TMP/o" > "$TMP/d1"
	cmp "$TMP/d0" "$TMP/d1"
	msedit --set 'Ptime="soon"' < "$TMP/in" | mswindow --ref Ptime -10 10 | msinfo > "$TMP/o"
	jq -r 'select(.history[-1].tool == "mswindow") | .elog[-1].message' "$TMP/o" | grep -q 'Ptime does not hold a number'
}

@test "mswindow: relative data take relative seconds (msator | mswindow | msrtoa = mswindow --ref)" {
	synth 2
	msator --ref synth_ptime < "$TMP/in" | mswindow -- -30 60 | msrtoa | msinfo --samples | jq -c '[.npts,.data,.t0]' > "$TMP/a"
	mswindow --ref synth_ptime -30 60 < "$TMP/in" | msinfo --samples | jq -c '[.npts,.data,.t0]' > "$TMP/b"
	$PY - "$TMP/a" "$TMP/b" <<'PY'
import json, sys
A = [json.loads(l) for l in open(sys.argv[1])]
B = [json.loads(l) for l in open(sys.argv[2])]
for a, b in zip(A, B):
    assert a[0] == b[0] == 1801 and a[1] == b[1]
    assert abs(a[2] - b[2]) < 1e-6
PY
	# --ref on relative data: the key (UTC) goes through the shift
	msator --ref synth_ptime < "$TMP/in" | mswindow --ref synth_ptime -30 60 | msrtoa | msinfo --samples | jq -c '[.npts,.data,.t0]' > "$TMP/r"
	$PY - "$TMP/r" "$TMP/b" <<'PY'
import json, sys
A = [json.loads(l) for l in open(sys.argv[1])]
B = [json.loads(l) for l in open(sys.argv[2])]
for a, b in zip(A, B):
    assert a[0] == b[0] == 1801 and a[1] == b[1]
    assert abs(a[2] - b[2]) < 1e-6
PY
	# ISO times on relative data go through the shift
	msator --ref synth_ptime < "$TMP/in" | mswindow 2011-03-11T06:10:00 2011-03-11T06:11:00 | msrtoa | msinfo | jq -c '[.live,.npts,.t0]' > "$TMP/c"
	[ "$(head -1 "$TMP/c")" = "[true,1201,1299823800]" ]
}

@test "mswindow: UTC windows on relative data without a valid shift kill the record, numbers do not" {
	$PY - "$REPO/tests/lib" "$TMP/rel" <<'PY'
import sys
sys.path.insert(0, sys.argv[1])
import mspstream as m
open(sys.argv[2], "wb").write(m.record(1, -5.0, 0.5, [float(i) for i in range(40)], utc=False,
                                       meta=[("Ptime", 1299822383.0)]) + m.endmark(1))
PY
	mswindow 2011-03-11T05:46:20 2011-03-11T05:46:30 < "$TMP/rel" | msinfo > "$TMP/o"
	[ "$(jq -r '[.live, .elog[-1].message] | @tsv' "$TMP/o")" = \
	  "$(printf 'false\twindow given in UTC but the record is in relative time with no valid shift to UTC')" ]
	mswindow --ref Ptime -1 1 < "$TMP/rel" | msinfo | jq -r '.elog[-1].message' | grep -q 'no valid shift to UTC; cannot place Ptime'
	mswindow -- -1 1 < "$TMP/rel" | msinfo --samples | jq -c '[.live, .t0, .data]' > "$TMP/n"
	[ "$(cat "$TMP/n")" = "[true,-1,[8,9,10,11,12]]" ]
}

@test "mswindow: Seismograms are cut on all three components" {
	mssynth --stream --kind seis --npts 1000 --noise 1 > "$TMP/in"
	t0=$(msinfo < "$TMP/in" | jq .t0)
	msinfo --samples < "$TMP/in" > "$TMP/a"
	mswindow $(echo "$t0 + 10" | bc) $(echo "$t0 + 20" | bc) < "$TMP/in" | msinfo --samples > "$TMP/b"
	$PY - "$TMP/a" "$TMP/b" <<'PY'
import json, sys
a, b = (json.loads(open(f).read()) for f in sys.argv[1:])
assert b["npts"] == 201 and len(b["data"]) == 3
for c in range(3):
    assert b["data"][c] == a["data"][c][200:401]
PY
}

@test "mswindow: usage errors exit 2" {
	synth 1 100
	for args in "" "10" "1 2 3" "10s 20" "20 10" "--short cut 1 2" "2011-03-11 100" \
	            "--ref Ptime 2011-03-11 2011-03-12" "--ref Ptime -5 -10" "--bogus 1 2" "--ref" "--ref '' 1 2"; do
		eval "run mswindow $args < '$TMP/in'"
		[ "$status" -eq 2 ] || { echo "args: $args -> $status: $output"; return 1; }
		[[ "$output" == mswindow:* ]]
	done
}

@test "mswindow: broken input streams exit 1 with the standard message" {
	for c in cut noend empty json text version header payload toobig lost; do
		expect_broken $c mswindow -1e10 1e10
	done
}

@test "mswindow: a miniSEED file on stdin is refused" {
	expect_broken miniseed mswindow 0 1
}
