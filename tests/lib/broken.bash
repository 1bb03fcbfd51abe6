# broken.bash - broken record streams and the exact message every tool must
# give for them (load lib/broken after lib/common).  A tool that reads records
# on stdin gets one @test per case:
#
#   @test "msfoo: cut inside a record" { expect_broken cut msfoo --opt; }
#
# Cases: cut noend empty miniseed json text version header payload toobig
# lost.  Each builds its input under $TMP from a 3-record stream written by
# tests/lib/mspstream.py (an independent Python writer of the format; 120
# samples and 70 document bytes: every record is 1098 bytes),
# runs the tool on it, and checks exit status 1 and the whole stderr:
#   TOOL: stdin: WHAT at record N (byte B)

MSPSTREAM="$REPO/tests/lib/mspstream.py"

broken_base() {
	[ -f "$TMP/base.msp" ] || $PY "$MSPSTREAM" base "$TMP/base.msp"
}

# broken_input CASE: writes $TMP/broken.in and sets BROKEN_WHAT (the message
# after "TOOL: stdin: ") and BROKEN_ENV (environment for the run).
broken_input() {
	broken_base
	local b="$TMP/base.msp" o="$TMP/broken.in"
	BROKEN_ENV=""
	case "$1" in
	cut)      # inside record 2's samples
		$PY "$MSPSTREAM" cut "$b" "$o" 1700
		BROKEN_WHAT="record cut short inside its samples (468 of 960 bytes) at record 2 (byte 1098)" ;;
	noend)    # the producer died after its last record
		$PY "$MSPSTREAM" cut "$b" "$o" 3294
		BROKEN_WHAT="input ends without an end-of-stream mark (the producer stopped early) at record 4 (byte 3294)" ;;
	empty)
		: > "$o"
		BROKEN_WHAT="empty input, no end-of-stream mark (the producer wrote nothing) at record 1 (byte 0)" ;;
	miniseed)
		cp "$DATA/waveforms/NL.HGN.00.BHZ.2003-05-29.steim2.mseed" "$o"
		BROKEN_WHAT="not an mspipe stream (it looks like miniSEED: index it with msindex and read it with msread) at record 1 (byte 0)" ;;
	json)
		echo '{"net": "IU", "sta": "ANMO"}' > "$o"
		BROKEN_WHAT="not an mspipe stream (it looks like JSON: documents go to msread, not to a record filter) at record 1 (byte 0)" ;;
	text)
		echo 'hello world, this is text' > "$o"
		BROKEN_WHAT="not an mspipe stream (it looks like text) at record 1 (byte 0)" ;;
	version)  # record 2 claims format version 7
		$PY "$MSPSTREAM" u16 "$b" "$o" 1102 7
		BROKEN_WHAT="unsupported stream version 7 at record 2 (byte 1098)" ;;
	header)   # a bit flip in record 1's t0
		$PY "$MSPSTREAM" flip "$b" "$o" 20
		BROKEN_WHAT="checksum mismatch in record header at record 1 (byte 0)" ;;
	payload)  # a flip in record 3's samples
		$PY "$MSPSTREAM" flip "$b" "$o" 2800
		BROKEN_WHAT="checksum mismatch in record payload at record 3 (byte 2196)" ;;
	toobig)   # a bound below one record's size
		cp "$b" "$o"
		BROKEN_ENV="MSPIPE_MAX_RECORD=1024"
		BROKEN_WHAT="record of 120 samples and 70 document bytes exceeds the bound of 1024 bytes at record 1 (byte 0)" ;;
	lost)     # record 2 removed whole: the end mark's count disagrees
		$PY "$MSPSTREAM" drop "$b" "$o" 1
		BROKEN_WHAT="end-of-stream mark counts 3 records but 2 preceded it (records lost or duplicated) at record 3 (byte 2196)" ;;
	*) echo "broken_input: unknown case $1" >&2; return 1 ;;
	esac
}

# The tool's stderr only (stdout, records or text, goes to $TMP/broken.out).
_broken_run() {
	env $BROKEN_ENV "$@" < "$TMP/broken.in" 2>&1 >"$TMP/broken.out"
}

# expect_broken CASE TOOL [ARGS...]
expect_broken() {
	local case="$1" tool="$2"
	shift 2
	[ "$case" != miniseed ] || need_data
	broken_input "$case"
	run _broken_run "$tool" "$@"
	if [ "$status" -ne 1 ] || [ "$output" != "$tool: stdin: $BROKEN_WHAT" ]; then
		echo "case $case: status $status, stderr:"
		echo "$output"
		echo "expected status 1 and:"
		echo "$tool: stdin: $BROKEN_WHAT"
		return 1
	fi
}
