#!/usr/bin/env bats
# mscat: joins streams into one, byte-exact for valid input; every broken case.
load lib/common
load lib/broken

@test "mscat --help on stdout and exit 0; --version" {
	run mscat --help
	[ "$status" -eq 0 ]
	[[ "${lines[0]}" == "Usage: mscat "* ]]
	run mscat --version
	[ "$status" -eq 0 ]
	[[ "$output" == "mscat (mspipe "* ]]
}

@test "mscat: a valid stream passes through byte for byte" {
	mssynth --stream --count 5 --npts 300 --kill-every 2 > "$TMP/a"
	mscat < "$TMP/a" > "$TMP/b"
	cmp "$TMP/a" "$TMP/b"
	$PY "$REPO/tests/lib/mspstream.py" golden "$TMP/g"
	mscat < "$TMP/g" > "$TMP/g2"
	cmp "$TMP/g" "$TMP/g2"
}

@test "mscat: files and stdin join into one stream with one end mark" {
	mssynth --stream --count 2 --npts 10 --seed 1 > "$TMP/a"
	mssynth --stream --count 3 --npts 10 --seed 2 > "$TMP/b"
	mscat "$TMP/a" - "$TMP/b" < "$TMP/b" > "$TMP/c"
	run $PY "$REPO/tests/lib/mspstream.py" frames "$TMP/c"
	[ "${#lines[@]}" -eq 9 ]
	[[ "${lines[8]}" == "end "* ]]
	[ "$(grep -c '^end' <<< "$output")" = 1 ]
	run sh -c "msinfo < '$TMP/c' | jq -c .metadata.synth_seed | tr '\n' ' '"
	[ "$output" = "1 1 2 2 2 2 2 2 " ]
	# concatenated input on stdin (several end marks) reads as one stream
	run sh -c "cat '$TMP/a' '$TMP/b' | mscat --count | msinfo | wc -l"
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = "mscat: 5 records" ]
	[ "${lines[1]}" = 5 ]
}

@test "mscat: BSON contents pass as bytes; the decoding tool downstream refuses them (mspipe.5)" {
	# the base stream (mspstream.py) with, in its first record's metadata, an
	# element of unknown type 0x20 (byte 68: the first element's type), the
	# checksums made right: well framed, not valid BSON
	$PY "$REPO/tests/lib/mspstream.py" base "$TMP/base"
	$PY "$REPO/tests/lib/mspstream.py" poke "$TMP/base" "$TMP/bad" 68 0x20
	mscat < "$TMP/bad" > "$TMP/out"
	cmp "$TMP/bad" "$TMP/out"
	run sh -c "msinfo < '$TMP/out'"
	[ "$status" -eq 1 ]
	[ "$output" = "msinfo: stdin: malformed BSON document in record at record 1 (byte 0)" ]
	# a document whose length word disagrees with the header: mscat refuses it
	$PY "$REPO/tests/lib/mspstream.py" poke "$TMP/base" "$TMP/bad2" 64 0x7f
	run sh -c "mscat < '$TMP/bad2' > /dev/null"
	[ "$status" -eq 1 ]
	[ "$output" = "mscat: stdin: malformed BSON document in record at record 1 (byte 0)" ]
}

@test "mscat: a bad record after good ones: those are written, the end mark is not" {
	mssynth --stream --count 50 --npts 100 > "$TMP/a"
	# flip a byte inside record 31's payload (its offset from mspstream.py)
	off=$($PY "$REPO/tests/lib/mspstream.py" frames "$TMP/a" | awk 'NR == 31 { print $2 + 100 }')
	$PY "$REPO/tests/lib/mspstream.py" flip "$TMP/a" "$TMP/b" "$off"
	run sh -c "mscat < '$TMP/b' 2>'$TMP/err' > '$TMP/out'"
	[ "$status" -eq 1 ]
	[[ "$(cat "$TMP/err")" == "mscat: stdin: checksum mismatch in record payload at record 31 (byte "* ]]
	prefix=$($PY "$REPO/tests/lib/mspstream.py" frames "$TMP/a" | awk 'NR == 31 { print $2 }')
	[ "$(stat -c %s "$TMP/out")" -eq "$prefix" ]
	cmp -n "$prefix" "$TMP/a" "$TMP/out"
	[ "$($PY "$REPO/tests/lib/mspstream.py" frames "$TMP/out" | grep -c '^record')" = 30 ]
	run sh -c "mscat < '$TMP/out' > /dev/null"
	[ "$status" -eq 1 ]
	[[ "$output" == *"input ends without an end-of-stream mark (the producer stopped early) at record 31 "* ]]
}

@test "mscat: a missing or broken file is exit 1 naming the file" {
	run mscat "$TMP/nonexistent"
	[ "$status" -eq 1 ]
	[ "$output" = "mscat: $TMP/nonexistent: No such file or directory" ]
	broken_input payload
	run sh -c "mscat '$TMP/broken.in' > /dev/null"
	[ "$status" -eq 1 ]
	[ "$output" = "mscat: $TMP/broken.in: $BROKEN_WHAT" ]
}

@test "mscat: usage errors exit 2" {
	run mscat --bogus
	[ "$status" -eq 2 ]
	[ "${lines[0]}" = "mscat: unknown option --bogus" ]
	run mscat --count=3
	[ "$status" -eq 2 ]
}

@test "mscat: refuses terminals for records in and out" {
	mssynth --stream --count 1 --npts 10 > "$TMP/a"
	run script -qec "mscat < '$TMP/a'" /dev/null
	[ "$status" -eq 2 ]
	[[ "$output" == *"mscat: refusing to write binary records to a terminal"* ]]
	run script -qec "mscat > /dev/null" /dev/null
	[ "$status" -eq 2 ]
	[[ "$output" == *"mscat: refusing to read binary records from a terminal"* ]]
}

@test "mscat: a write error on stdout is exit 1 with a message" {
	mssynth --stream --count 3 --npts 10 > "$TMP/a"
	run sh -c "mscat < '$TMP/a' > /dev/full"
	[ "$status" -eq 1 ]
	[ "$output" = "mscat: stdout: write error (No space left on device)" ]
}

@test "mscat | head -c ends quietly" {
	mssynth --stream --count 2000 --npts 1000 > "$TMP/a"
	run sh -c "mscat < '$TMP/a' 2>'$TMP/err' | head -c 100 >/dev/null"
	[ "$status" -eq 0 ]
	[ ! -s "$TMP/err" ]
}

@test "mscat: cut inside a record" { expect_broken cut mscat; }
@test "mscat: end of input without the end mark" { expect_broken noend mscat; }
@test "mscat: empty input" { expect_broken empty mscat; }
@test "mscat: miniSEED is not a record stream (and says so)" { expect_broken miniseed mscat; }
@test "mscat: JSON is not a record stream (and says so)" { expect_broken json mscat; }
@test "mscat: unknown format version" { expect_broken version mscat; }
@test "mscat: header checksum mismatch" { expect_broken header mscat; }
@test "mscat: payload checksum mismatch" { expect_broken payload mscat; }
@test "mscat: absurd length (MSPIPE_MAX_RECORD)" { expect_broken toobig mscat; }
@test "mscat: a record lost between end marks" { expect_broken lost mscat; }

@test "mscat: MSPIPE_MAX_RECORD bounds file operands as it bounds stdin" {
	mssynth --stream --count 2 --npts 1000 > "$TMP/a"
	# 8000 bytes of samples: within the default bound, beyond 4096
	mscat "$TMP/a" > /dev/null
	run sh -c "MSPIPE_MAX_RECORD=4096 mscat '$TMP/a' 2>&1 >/dev/null"
	[ "$status" -eq 1 ]
	[[ "$output" == "mscat: $TMP/a: "*4096* ]]
	run sh -c "MSPIPE_MAX_RECORD=4096 mscat < '$TMP/a' 2>&1 >/dev/null"
	[ "$status" -eq 1 ]
	[[ "$output" == "mscat: stdin: "*4096* ]]
}

@test "a producer refuses a record beyond MSPIPE_MAX_RECORD (the bound its readers enforce), names it, exit 1; the records before it go out" {
	# with the bound on the producer's side only, the producer says it
	run sh -c "MSPIPE_MAX_RECORD=16384 mssynth --stream --count 2 --npts 3000 2> '$TMP/err' > '$TMP/out'"
	[ "$status" -eq 1 ]
	[[ "$(cat "$TMP/err")" == "mssynth: stdout: record 1 of 3000 samples and "*" document bytes exceeds the bound of 16384 bytes that readers enforce (MSPIPE_MAX_RECORD); not written" ]]
	[ ! -s "$TMP/out" ]
	# a tool that makes records longer: msbundle's first Seismogram (3 x 500
	# samples) goes out whole, the second (3 x 1000) is refused, and the
	# stream has no end mark, which its reader reports
	{ mssynth --stream --count 3 --npts 500 --chan BHE,BHN,BHZ --step 0 --sta A
	  mssynth --stream --count 3 --npts 1000 --chan BHE,BHN,BHZ --step 0 --sta B --seed 2; } > "$TMP/b.msp"
	run sh -c "MSPIPE_MAX_RECORD=16384 msbundle < '$TMP/b.msp' 2> '$TMP/err' > '$TMP/out'"
	[ "$status" -eq 1 ]
	[[ "$(cat "$TMP/err")" == "msbundle: stdout: record 2 of 3000 samples and "*" document bytes exceeds the bound of 16384 bytes that readers enforce (MSPIPE_MAX_RECORD); not written" ]]
	run sh -c "msinfo < '$TMP/out'"
	[ "$status" -eq 1 ]
	[ "${#lines[@]}" -eq 2 ]
	[[ "${lines[0]}" == *'"npts":500,"live":true'*'"kind":"Seismogram"'* ]]
	[[ "${lines[1]}" == "msinfo: stdin: input ends without an end-of-stream mark (the producer stopped early) at record 2 "* ]]
}

@test "a record tool that stops on a bad record passes on the records before it (without an end mark)" {
	# 3 records of 1000 samples, then 2 of 3000 that a 16 KiB bound refuses
	{ mssynth --stream --count 3 --npts 1000; mssynth --stream --count 2 --npts 3000 --seed 2; } > "$TMP/in"
	for t in msdetrend "msfilter --lowpass 1" "mswindow --ref starttime 1 40" "mssnr --noise 0,20 --signal 20,45 --ref starttime" "msedit --set a=1"; do
		run sh -c "MSPIPE_MAX_RECORD=16384 $t < '$TMP/in' 2> '$TMP/err' > '$TMP/out'"
		echo "$t: $status $(cat "$TMP/err")"
		[ "$status" -eq 1 ]
		[[ "$(cat "$TMP/err")" == *"stdin: record of 3000 samples and "*" exceeds the bound of 16384 bytes at record 4 "* ]]
		run sh -c "msinfo < '$TMP/out'"
		[ "$status" -eq 1 ]
		[ "${#lines[@]}" -eq 4 ]
		[[ "${lines[3]}" == *"input ends without an end-of-stream mark (the producer stopped early) at record 4 "* ]]
	done
}
