#!/usr/bin/env bats
# msinfo: records as JSON lines, --samples, --summary; every broken-stream case.
load lib/common
load lib/broken

golden() { $PY "$REPO/tests/lib/mspstream.py" golden "$TMP/golden.msp"; }

@test "msinfo --help on stdout and exit 0; --version" {
	run msinfo --help
	[ "$status" -eq 0 ]
	[[ "${lines[0]}" == "Usage: msinfo "* ]]
	[[ "$output" == *"--samples"* && "$output" == *"--summary"* ]]
	msinfo --help 2>&1 >/dev/null | { ! grep -q .; }
	run msinfo --version
	[ "$status" -eq 0 ]
	[[ "$output" == "msinfo (mspipe "*", stream format 1)" ]]
}

@test "msinfo: golden records written by an independent Python encoder" {
	golden
	msinfo --samples < "$TMP/golden.msp" > "$TMP/out"
	[ "$(wc -l < "$TMP/out")" = 2 ]
	# exact text of the core attributes and samples (shortest round-trip doubles)
	[[ "$(sed -n 1p "$TMP/out")" == '{"t0":1299822383.25,"dt":0.5,"npts":5,"live":true,"tref":"UTC","kind":"TimeSeries",'* ]]
	[[ "$(sed -n 1p "$TMP/out")" == *'"data":[0,-1.5,2.25,1e-300,12345678.875]}' ]]
	[[ "$(sed -n 2p "$TMP/out")" == '{"t0":-2,"dt":0.25,"npts":2,"live":false,"tref":"relative","t0shift":1299822383,"t0shift_valid":true,"kind":"Seismogram",'* ]]
	[[ "$(sed -n 2p "$TMP/out")" == *'"data":[[1,2],[3,4],[5,6]]}' ]]
	$PY - "$TMP/out" <<'PY'
import json, sys
a, b = [json.loads(l) for l in open(sys.argv[1])]
assert a["metadata"] == {"net": "IU", "sta": "ANMO", "snr": 12.5, "n": 7}, a["metadata"]
assert a["elog"] == [] and a["history"] == []
assert b["metadata"] == {"sta": "COR"}
assert b["elog"] == [{"algorithm": "test", "message": "bad", "severity": "Invalid", "pid": 1}]
assert b["history"] == [{"tool": "msx", "args": "-a"}]
PY
	# without --samples there is no data
	run sh -c "msinfo < '$TMP/golden.msp' | grep -c '\"data\"'"
	[ "$output" = 0 ]
}

@test "msinfo --summary: counts, span and per-component statistics" {
	golden
	run msinfo --summary < "$TMP/golden.msp"
	[ "$status" -eq 0 ]
	rms=$($PY -c 'import math; print("%.9g" % math.sqrt((0 + 1.5**2 + 2.25**2 + 1e-600 + 12345678.875**2) / 5))')
	[ "${lines[0]}" = "records      2 (1 live, 1 dead; 1 TimeSeries, 1 Seismogram)" ]
	[ "${lines[1]}" = "samples      5 (live records)" ]
	[ "${lines[2]}" = "dt           0.5 to 0.5 s" ]
	[ "${lines[3]}" = "time span    2011-03-11T05:46:23.250000Z to 2011-03-11T05:46:25.250000Z (UTC)" ]
	[ "${lines[4]}" = "component 0  min -1.5  max 12345678.9  rms $rms  (5 samples)" ]
	[ "${#lines[@]}" -eq 5 ]
}

@test "msinfo: two streams concatenated read as one" {
	mssynth --stream --count 3 --npts 10 --seed 1 > "$TMP/a"
	mssynth --stream --count 4 --npts 10 --seed 2 > "$TMP/b"
	run sh -c "cat '$TMP/a' '$TMP/b' '$TMP/a' | msinfo | wc -l"
	[ "$status" -eq 0 ]
	[ "$output" = 10 ]
	run sh -c "cat '$TMP/a' '$TMP/b' | msinfo --summary | head -1"
	[ "$output" = "records      7 (7 live, 0 dead; 7 TimeSeries, 0 Seismogram)" ]
}

@test "msinfo: an empty but complete stream gives no lines" {
	mssynth --stream --count 0 > "$TMP/e"
	[ "$(stat -c %s "$TMP/e")" = 24 ]
	run msinfo < "$TMP/e"
	[ "$status" -eq 0 ]
	[ -z "$output" ]
}

@test "msinfo: usage errors exit 2" {
	run msinfo --bogus
	[ "$status" -eq 2 ]
	[ "${lines[0]}" = "msinfo: unknown option --bogus" ]
	[ "${lines[1]}" = "Try 'msinfo --help' for more information." ]
	run msinfo -x
	[ "$status" -eq 2 ]
	[ "${lines[0]}" = "msinfo: unknown option -x" ]
	run msinfo file.msp
	[ "$status" -eq 2 ]
	run msinfo --samples --summary
	[ "$status" -eq 2 ]
	run sh -c "echo | MSPIPE_MAX_RECORD=10k msinfo"
	[ "$status" -eq 2 ]
	[[ "$output" == 'msinfo: MSPIPE_MAX_RECORD: "10k"'* ]]
}

@test "msinfo: refuses to read records from a terminal" {
	run script -qec "msinfo" /dev/null
	[ "$status" -eq 2 ]
	[[ "$output" == *"msinfo: refusing to read binary records from a terminal"* ]]
}

@test "msinfo: a write error on stdout is exit 1 with a message" {
	mssynth --stream --count 3 --npts 10 > "$TMP/a"
	run sh -c "msinfo < '$TMP/a' > /dev/full"
	[ "$status" -eq 1 ]
	[ "$output" = "msinfo: stdout: write error (No space left on device)" ]
}

@test "msinfo: a stream cut in record 14 prints the 13 records before it, then exit 1 with the reason" {
	mssynth --stream --count 30 --npts 500 > "$TMP/a"
	head -c 60000 "$TMP/a" > "$TMP/cut"
	run sh -c "msinfo < '$TMP/cut' 2>'$TMP/err' > '$TMP/out'"
	[ "$status" -eq 1 ]
	grep -Eqx 'msinfo: stdin: record cut short inside its samples \([0-9]+ of 4000 bytes\) at record 14 \(byte [0-9]+\)' "$TMP/err"
	# the same 13 lines as the whole stream's first 13
	msinfo < "$TMP/a" | head -13 > "$TMP/want"
	cmp "$TMP/out" "$TMP/want"
}

@test "msinfo | head -1 ends quietly" {
	mssynth --stream --count 20000 --npts 10 > "$TMP/a"
	run sh -c "msinfo < '$TMP/a' 2>'$TMP/err' | head -1 >/dev/null"
	[ "$status" -eq 0 ]
	[ ! -s "$TMP/err" ]
}

@test "msinfo: cut inside a record" { expect_broken cut msinfo; }
@test "msinfo: end of input without the end mark" { expect_broken noend msinfo; }
@test "msinfo: empty input" { expect_broken empty msinfo; }
@test "msinfo: miniSEED is not a record stream (and says so)" { expect_broken miniseed msinfo; }
@test "msinfo: JSON is not a record stream (and says so)" { expect_broken json msinfo; }
@test "msinfo: text is not a record stream" { expect_broken text msinfo; }
@test "msinfo: unknown format version" { expect_broken version msinfo; }
@test "msinfo: header checksum mismatch" { expect_broken header msinfo; }
@test "msinfo: payload checksum mismatch" { expect_broken payload msinfo; }
@test "msinfo: absurd length (MSPIPE_MAX_RECORD)" { expect_broken toobig msinfo; }
@test "msinfo: a record lost between end marks" { expect_broken lost msinfo; }
@test "msinfo --summary: broken streams too" { expect_broken payload msinfo --summary; }
